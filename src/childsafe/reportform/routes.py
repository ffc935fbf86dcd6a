"""The child-friendly report form: GET shows it, POST files the report, /report/status answers "what happened?".

A platform links to it or embeds it in a frame: ``/report?country=GB&content_id=post-42&age_band=10_12`` for
plain hints, plus ``ctx=<signed token>`` (see ``sign_context``) when it wants the report tied to the user's
account. Hints in the query string are treated like anything a stranger could type; only the signed token can
name the reporter.
"""

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from childsafe import reports
from childsafe.audit import Actor
from childsafe.config import Settings
from childsafe.errors import InvalidInput, NotFound
from childsafe.reportform import form
from childsafe.reportform.helplines import helpline_for
from childsafe.reportform.pictograms import PICTOGRAMS
from childsafe.reportform.tokens import (
    BadToken,
    Context,
    check_csrf,
    form_key,
    issue_csrf,
    read_context,
    same_origin,
    warn_without_secret,
)
from childsafe.vocabulary import REPORT_REASONS, AgeBand, Role

log = logging.getLogger("childsafe.reportform")


@asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    """At start-up, say so when the form's tokens only hold within this process (no report_form_secret)."""
    warn_without_secret(app.state.settings.report_form_secret)
    yield


router = APIRouter(prefix="/report", include_in_schema=False, lifespan=_lifespan)

_HERE = Path(__file__).parent
_STATIC = {"form.css": "text/css; charset=utf-8", "form.js": "text/javascript; charset=utf-8"}
_TEMPLATES = Environment(loader=FileSystemLoader(_HERE / "templates"), autoescape=select_autoescape(["html"]),
                         trim_blocks=True, lstrip_blocks=True)
_TEMPLATES.globals.update(pictograms=PICTOGRAMS, reasons=REPORT_REASONS, who_options=form.WHO,
                          age_options=form.AGES, free_text_max=form.FREE_TEXT_MAX, about_max=form.ABOUT_MAX)
ACTOR = Actor("report-form", Role.SERVICE.value, "child-friendly report form")
_HINT = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII ids; anything else is dropped, never an error
_BANDS = {band.value for band in AgeBand}
_REFERENCE = re.compile(r"^[A-Za-z0-9-]{5,20}$")
_BAD_REFERENCE = "A reference number looks like CS-7K3M-9QXA-2B4D. Please check it and try again."
_NO_REPORT = "We could not find a report with this number. Please check it and try again."


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _hints(values: Any) -> dict[str, str]:
    """The unsigned hints worth keeping (bad ones are dropped quietly: the child still needs the form)."""
    hints = {}
    for name in ("content_id", "account_id"):
        value = values.get(name, "")
        if _HINT.match(value):
            hints[name] = value
    country = values.get("country", "")
    if re.fullmatch(r"[A-Za-z]{2}", country):
        hints["country"] = country.upper()
    if values.get("age_band", "") in _BANDS:
        hints["age_band"] = values["age_band"]
    return hints


def _context(request: Request, values: Any) -> tuple[Context, str, dict[str, str]]:
    """(context, the signed token to carry on, unsigned hints to carry on)."""
    hints = _hints(values)
    unsigned = Context(age=hints.get("age_band"), country=hints.get("country"),
                       content_id=hints.get("content_id"), account_id=hints.get("account_id"))
    token = values.get("ctx", "")
    if not token:
        return unsigned, "", hints
    try:
        return read_context(token, _settings(request).report_form_secret), token, {}
    except BadToken as exc:
        # An expired or broken link must not stop a child from reporting: carry on without an identity.
        log.warning("report form context refused", extra={"why": str(exc)})
        return unsigned, "", hints


def _page(template: str, status: int = 200, *, settings: Settings, no_store: bool = False, **values: Any) -> Response:
    html = _TEMPLATES.get_template(template).render(**values)
    headers = {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; "
            f"base-uri 'none'; frame-ancestors {settings.report_form_frame_ancestors}"),
        "Referrer-Policy": "same-origin",  # reference numbers in our URLs never reach other sites
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store" if no_store else "no-cache",
    }
    return HTMLResponse(html, status_code=status, headers=headers)


def _form(request: Request, context: Context, token: str, hints: dict[str, str], answers: form.Answers,
          status: int = 200, notice: str | None = None) -> Response:
    settings = _settings(request)
    return _page("form.html", status, settings=settings, no_store=True, answers=answers, ctx=token, hints=hints,
                 error_links=answers.error_links,
                 csrf=issue_csrf(form_key(settings.report_form_secret), token), notice=notice,
                 helpline=helpline_for(context.country), identified=bool(context.uid),
                 ask_age=not context.age, ask_about=not (context.content_id or context.account_id))


@router.get("")
def show_form(request: Request) -> Response:
    context, token, hints = _context(request, request.query_params)
    return _form(request, context, token, hints, form.Answers())


@router.post("")
async def submit(request: Request) -> Response:
    values = await request.form()
    fields = {k: v for k, v in values.items() if isinstance(v, str)}
    context, token, hints = _context(request, fields)
    settings = _settings(request)
    answers = form.read(fields)
    if not same_origin(request.headers):
        return _page("refused.html", 403, settings=settings, helpline=helpline_for(context.country))
    try:
        nonce = check_csrf(form_key(settings.report_form_secret), fields.get("csrf", ""), token)
    except BadToken:
        # Kept filled in: a form left open too long is the usual cause, and the child should not retype it.
        return _form(request, context, token, hints, answers, 403,
                     notice="Sorry, we could not send this yet. Please check your answers and press Send again.")
    if answers.errors:
        return _form(request, context, token, hints, answers, 422)
    try:
        report = form.to_report(context, answers, nonce)
    except ValidationError:  # e.g. a platform-signed id that is only spaces: nothing the child can fix
        log.warning("report form context unusable")
        report = form.to_report(Context(age=context.age, country=context.country), answers, nonce)
    try:
        reference, child = await run_in_threadpool(_store, request, report, nonce)
    except InvalidInput:  # the same form sent again with different answers
        return _form(request, context, token, hints, answers, 409,
                     notice="This form was already sent. We made you a fresh one: press Send to send a new report.")
    return _page("done.html", 201, settings=settings, no_store=True, reference=reference, child=child,
                 country=context.country or "",
                 helpline=helpline_for(context.country), danger=report.is_imminent)


def _store(request: Request, report: reports.ReportIn, nonce: str) -> tuple[str, bool]:
    """Files the report; the form's nonce is the idempotency key, so a double click or a refresh files it once."""
    state = request.app.state
    with state.db.transaction() as session:
        stored, _ = reports.submit(session, report, ACTOR, idempotency_key=f"form:{nonce}",
                                   sla_hours=state.settings.sla_hours)
        return stored.reference, reports.is_child_reporter(stored)


@router.get("/status")
def status(request: Request, reference: str = "", country: str = "") -> Response:
    settings = _settings(request)
    country = country.upper() if re.fullmatch(r"[A-Za-z]{2}", country) else ""
    helpline = helpline_for(country or None)
    reference = reference.strip()
    if not reference:
        return _page("status.html", settings=settings, no_store=True, helpline=helpline, reference="",
                     country=country)
    if not _REFERENCE.match(reference):
        return _page("status.html", 422, settings=settings, no_store=True, helpline=helpline, reference=reference,
                     country=country, error=_BAD_REFERENCE)
    try:
        with request.app.state.db.transaction() as session:
            found = reports.status_by_reference(session, reference)
    except NotFound:
        return _page("status.html", 404, settings=settings, no_store=True, helpline=helpline, reference=reference,
                     country=country, error=_NO_REPORT)
    return _page("status.html", settings=settings, no_store=True, helpline=helpline, reference=reference,
                 country=country, found=found)


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in _STATIC:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response((_HERE / "static" / name).read_bytes(), media_type=_STATIC[name],
                    headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})
