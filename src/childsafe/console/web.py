"""What every console page shares: templates, who is signed in, CSRF checks and friendly errors.

Pages are rendered on the server; a page works without JavaScript, and the small script in
static/console.js only adds shortcuts, live countdowns and previews on top.
"""

import hmac
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from childsafe.config import Settings
from childsafe.console import auth
from childsafe.console.auth import Identity
from childsafe.store import utcnow
from childsafe.vocabulary import Role, category_info
from childsafe.vocabulary.roles import REVIEWER_ROLES
from childsafe.vocabulary.taxonomy import RiskCategory

HERE = Path(__file__).resolve().parent
PREFIX = "/console"
SESSION_COOKIE = "childsafe_console"
PRE_CSRF_COOKIE = "childsafe_console_csrf"  # double-submit token for the sign-in form (no session yet)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class ConsoleError(Exception):
    """Shown to the person as a page; status and words chosen for them, never a stack trace."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


class SignInRequired(Exception):
    """No live session: the page sends the browser to the sign-in form and back afterwards."""


def relative(when: datetime | None, now: datetime | None = None) -> str:
    """'in 3 h 10 min' / '25 min ago': what a reviewer reads at a glance."""
    if when is None:
        return ""
    seconds = int((when - (now or utcnow())).total_seconds())
    future, seconds = seconds >= 0, abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = f"{days} d {hours} h" if hours else f"{days} d"
    elif hours:
        text = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    else:
        text = f"{minutes} min" if minutes else "under a minute"
    return f"in {text}" if future else f"{text} ago"


def _when(value: datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else ""


def _label(value: str | None) -> str:
    """Codes as words: ``suspend_temporary`` -> 'suspend temporary', age band ``13_15`` -> '13 to 15'."""
    text = value or ""
    if re.fullmatch(r"\d+_\d+", text):
        return text.replace("_", "\N{EN DASH}")
    return text.replace("_", " ")


def short(value: object) -> str:
    """The random tail of a UUIDv7: its head is a timestamp, shared by everything made the same minute."""
    return str(value).replace("-", "")[-8:]


def _category(value: str) -> str:
    try:
        return category_info(RiskCategory(value)).label
    except ValueError:
        return _label(value)


def _nl2br(value: str | None) -> Markup:
    return Markup("<br>").join((value or "").splitlines())  # join() escapes each line


templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "svg"]),
                        trim_blocks=True, lstrip_blocks=True)
templates.filters.update(relative=relative, when=_when, label=_label, short=short, category=_category, nl2br=_nl2br)
templates.globals.update(Role=Role, PREFIX=PREFIX, REVIEWER_ROLES=REVIEWER_ROLES)


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def html(template: str, request: Request, identity: Identity | None = None, *, status: int = 200,
         **context: Any) -> HTMLResponse:
    page = templates.get_template(template).render(request=request, me=identity, now=utcnow(),
                                                   notice=_NOTICES.get(request.query_params.get("done", "")),
                                                   **context)
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)


def redirect(url: str, done: str | None = None) -> RedirectResponse:
    """Post/redirect/get: a reload never repeats an action; ``done`` picks a fixed confirmation message."""
    if done:
        path, hash_, fragment = url.partition("#")
        url = path + ("&" if "?" in path else "?") + f"done={quote(done)}" + hash_ + fragment
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


_NOTICES = {
    "claimed": "You hold this case now. Nobody else can decide it while your lock lasts.",
    "released": "You released the case. It is back in the queue.",
    "commented": "Comment added.",
    "decided": "Decision recorded. The statement of reasons and the notice are ready.",
    "escalated": "Escalated to the child-safety specialists.",
    "appeal_decided": "Appeal decided. The person who appealed will be told.",
    "signed_out": "You are signed out.",
    "queue_empty": "Nothing to take: every open case here is being reviewed by someone else.",
}


def identity(request: Request) -> Identity:
    """The signed-in person, or a redirect to the sign-in page (dependency for every page)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        with request.app.state.db.transaction() as session:
            found = auth.identify(session, token, settings_of(request))
        if found is not None:
            return found
    raise SignInRequired()


def roles(*allowed: Role) -> Callable[[Request], Identity]:
    """A dependency admitting the given roles only; others see a 403 page that says why."""
    names = ", ".join(sorted(r.value.replace("_", " ") for r in allowed))

    def dependency(request: Request) -> Identity:
        me = identity(request)
        if me.role not in allowed:
            raise ConsoleError(403, "Not for your role", f"This page is for {names} accounts. You are signed in "
                                                         f"as {me.role.value.replace('_', ' ')}.")
        return me

    return dependency


def _check_csrf(sent: str, me: Identity) -> None:
    """Every state-changing form carries the session's token; a forged cross-site post cannot know it."""
    if not sent or not hmac.compare_digest(sent.encode(), me.csrf_token.encode()):
        raise ConsoleError(403, "This form has expired",
                           "The security token on the form did not match your session, so nothing was changed. "
                           "Go back, reload the page and try again.")


def posting(*allowed: Role) -> Callable[..., Identity]:
    """Like ``roles``, for a form post: also checks the CSRF token before anything else is read."""
    gate = roles(*allowed)

    def dependency(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Identity:
        me = gate(request)
        _check_csrf(csrf_token, me)
        return me

    return dependency


def pre_csrf(request: Request) -> str:
    token = request.cookies.get(PRE_CSRF_COOKIE, "")
    return token if 20 <= len(token) <= 100 else secrets.token_urlsafe(32)


def set_cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=PREFIX, httponly=True, samesite="lax",
                        secure=settings_of(request).console_secure_cookie)


ALL_ROLES = (Role.MODERATOR, Role.CHILD_SAFETY_SPECIALIST, Role.COMPLIANCE, Role.ADMIN)
REVIEWERS = (Role.MODERATOR, Role.CHILD_SAFETY_SPECIALIST)


def home_for(role: Role) -> str:
    if role in REVIEWER_ROLES:
        return f"{PREFIX}/queues"
    if role is Role.COMPLIANCE:
        return f"{PREFIX}/compliance"
    return f"{PREFIX}/users"
