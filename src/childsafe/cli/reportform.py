"""``childsafe report-link``: the address a platform sends a user to (or puts in an iframe) for the report form.

A platform's backend normally signs the context itself (see childsafe.reportform.sign_context for the format);
this command does the same for trying it out, support staff and platforms without a backend of their own.
"""

from typing import Annotated
from urllib.parse import urlencode

import typer

from childsafe.cli.common import console, settings
from childsafe.reportform import sign_context
from childsafe.vocabulary import AgeBand


def report_link(
    base_url: Annotated[str, typer.Option(help="where childsafe serves the form")] = "http://127.0.0.1:8000",
    uid: Annotated[str | None, typer.Option(help="the platform's user id (signed; needs report_form_secret)")] = None,
    age_band: Annotated[AgeBand | None, typer.Option(help="the user's age band; unknown counts as a child")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 code: picks the child helpline")] = None,
    content_id: Annotated[str | None, typer.Option(help="the content being reported")] = None,
    account_id: Annotated[str | None, typer.Option(help="the account being reported")] = None,
    ttl_seconds: Annotated[int, typer.Option(min=60, max=7 * 24 * 3600, help="how long a signed link works")] = 3600,
) -> None:
    """Print a link to the child-friendly report form, signed when it names the user."""
    fields = {"age": age_band.value if age_band else None, "country": country.upper() if country else None,
              "content_id": content_id, "account_id": account_id}
    if uid:
        secret = settings().report_form_secret
        if not secret:
            console.print("[red]--uid needs CHILDSAFE_REPORT_FORM_SECRET[/red]: without it nobody could check "
                          "that the user id really came from you, so the form would ignore it")
            raise typer.Exit(2)
        query = {"ctx": sign_context(secret, ttl_seconds=ttl_seconds, uid=uid, **fields)}
    else:  # plain hints: treated like anything a stranger could type, so nothing to sign
        names = {"age": "age_band", "country": "country", "content_id": "content_id", "account_id": "account_id"}
        query = {names[k]: v for k, v in fields.items() if v}
    print(f"{base_url.rstrip('/')}/report" + (f"?{urlencode(query)}" if query else ""))
