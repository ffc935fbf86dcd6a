"""An account's record: active strikes against the threshold and the decisions behind them."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from childsafe import cases, decisions
from childsafe.console.auth import Identity
from childsafe.console.web import PREFIX, REVIEWERS, ConsoleError, html, redirect, roles, settings_of
from childsafe.vocabulary import Role

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Reviewer = Annotated[Identity, Depends(roles(*REVIEWERS))]


@router.get("/accounts")
def find_account(request: Request, me: Reviewer,
                 account: Annotated[str, Query(max_length=200)] = "") -> Response:
    if account.strip():
        from urllib.parse import quote

        return redirect(f"{PREFIX}/accounts/{quote(account.strip(), safe='')}")
    return html("accounts.html", request, me, section="accounts", title="Accounts")


@router.get("/accounts/{account_id:path}")
def account_page(account_id: str, request: Request, me: Reviewer) -> Response:
    if not account_id or len(account_id) > 200:
        raise ConsoleError(404, "Account not found", "An account id is 1 to 200 characters.")
    settings = settings_of(request)
    with request.app.state.db.transaction() as session:
        strikes, active = decisions.strikes_for(session, account_id)
        history = []
        for strike in reversed(strikes):
            decision = decisions.get(session, strike.decision_id)
            hidden = cases.restricted(session, decision.case_id) and me.role is not Role.CHILD_SAFETY_SPECIALIST
            history.append({"strike": strike, "decision": None if hidden else decision})
    return html("account.html", request, me, section="accounts", title=f"Account {account_id}",
                account_id=account_id, history=history, active=active, threshold=settings.strike_threshold)
