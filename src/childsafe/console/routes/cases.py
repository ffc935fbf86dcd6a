"""The case page: what was reported, what signals arrived, the lock, comments, the decision form and
a preview of the statement of reasons and the notice before anything is sent."""

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from childsafe import audit, cases, decisions, evidence, reports
from childsafe.config import Settings
from childsafe.console.auth import Identity
from childsafe.console.routes.common import open_case, parse_id
from childsafe.console.web import PREFIX, REVIEWERS, ConsoleError, html, posting, redirect, roles, settings_of, short
from childsafe.decisions import notices, statement
from childsafe.errors import Conflict, Forbidden, InvalidInput
from childsafe.store import utcnow
from childsafe.vocabulary import CATEGORIES, RiskCategory, Role, is_minor_or_unknown
from childsafe.vocabulary.taxonomy import EEA_COUNTRIES

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Reviewer = Annotated[Identity, Depends(roles(*REVIEWERS))]
Posting = Annotated[Identity, Depends(posting(*REVIEWERS))]

ACTIONS = [  # (value, button label, shortcut key)
    ("no_violation", "No violation", "n"),
    ("remove", "Remove the content", "r"),
    ("restrict_visibility", "Restrict who can see it", ""),
    ("age_gate", "Adults only (age gate)", ""),
    ("warn", "Warn the user", "w"),
    ("suspend_temporary", "Suspend the account for a while", "s"),
    ("suspend_permanent", "Close the account", ""),
    ("escalate", "Escalate to child-safety specialists", "e"),
]
POLICY_SUGGESTIONS = [
    "Community Guidelines 3.1 (bullying and harassment)",
    "Community Guidelines 3.2 (hate)",
    "Community Guidelines 4 (adult content)",
    "Community Guidelines 5 (self-harm)",
    "Community Guidelines 6 (scams)",
    "Community Guidelines 7 (privacy)",
    "Directive 2011/93/EU (sexual abuse and exploitation of children)",
    "18 U.S.C. 2258A (child sexual abuse material)",
]
_FIELDS = ("action", "category", "ground", "policy_ground", "explanation", "end_date", "note")


def decision_input(form: dict[str, str]) -> tuple[dict[str, str], decisions.DecisionIn | None, list[str]]:
    """The decision form as typed (to show it again), the validated decision, and readable errors."""
    values = {name: (form.get(name) or "").strip() for name in _FIELDS}
    values["confirm_abuse_material"] = "true" if form.get("confirm_abuse_material") else ""
    data: dict[str, Any] = {k: v for k, v in values.items() if v and k != "confirm_abuse_material"}
    data["confirm_abuse_material"] = bool(values["confirm_abuse_material"])
    try:
        return values, decisions.DecisionIn.model_validate(data), []
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ())).replace("_", " ")
            message = str(err.get("msg", "not valid")).removeprefix("Value error, ")
            errors.append(f"{where}: {message}" if where else message)
        return values, None, errors


def preview(case: cases.Case, data: decisions.DecisionIn, settings: Settings) -> dict[str, Any]:
    """What the decision would send, built by the decisions package's own statement and notice builders."""
    action, category = data.action, data.category or RiskCategory(case.category)
    now = utcnow()
    appeal_deadline = now + timedelta(days=settings.appeal_window_days)
    out: dict[str, Any] = {"action": action.value, "statement": None, "notice": None, "notice_child": None}
    if action in decisions.RESTRICTING:
        out["statement"] = statement.build(
            decision_id="preview", platform=settings.platform_name, terms_url=settings.terms_url, action=action,
            category=category, ground=data.ground, policy_ground=data.policy_ground or "",
            explanation=data.explanation or "", decided_at=now,
            content_date=case.subject_created_at or case.created_at, content_type=case.subject_content_type,
            subject_type=case.subject_type, territorial_scope=list(data.territorial_scope),
            end_date=data.end_date.isoformat() if data.end_date else None,
            source=statement.source_type(trusted=case.has_trusted_flagger,
                                         illegal_notice=case.has_illegal_content_notice, reported=case.has_reports),
            automated_detection=case.has_automated_signal, automated_decision=False)
    if action in decisions.RESTRICTING or action is decisions.Action.WARN:
        out["notice"] = notices.adult_notice(
            platform=settings.platform_name, action=action, category=category, ground=data.ground,
            policy_ground=data.policy_ground or "our community guidelines", explanation=data.explanation or "",
            automated=False, end_date=data.end_date, appeal_deadline=appeal_deadline)
        if is_minor_or_unknown(case.subject_age_band):
            out["notice_child"] = notices.child_notice(platform=settings.platform_name, action=action,
                                                       category=category, end_date=data.end_date,
                                                       appeal_deadline=appeal_deadline)
    return out


def _audit_trail(session: Session, case: cases.Case, decision_ids: list[uuid.UUID],
                 item_ids: list[uuid.UUID]) -> list[audit.AuditEntry]:
    """Audit entries about this case, its decisions and its evidence, oldest first."""
    rows: list[audit.AuditEntry] = []
    for object_id in [case.id, *decision_ids, *item_ids]:
        rows += audit.entries(session, object_id=str(object_id), limit=200)
    return sorted(rows, key=lambda e: e.seq)


def case_page(request: Request, me: Identity, case_id: uuid.UUID, *, status: int = 200,
              form: dict[str, str] | None = None, errors: list[str] | None = None,
              shown: dict[str, Any] | None = None) -> Response:
    actor = me.actor
    with request.app.state.db.transaction() as session:
        case = open_case(session, case_id, actor)
        events, comments = cases.history(session, case.id)
        made = decisions.list_decisions(session, case_id=case.id)
        items = evidence.items(session, case.id)
        context = {
            "case": case, "signals": cases.signals(session, case.id), "reports": reports.for_case(session, case.id),
            "events": events, "comments": comments, "decisions": made, "items": items,
            "trail": _audit_trail(session, case, [d.id for d in made], [i.id for i in items]),
            "exposure": evidence.exposure(session, actor.id) if items else None,
        }
    now = utcnow()
    holds_lock = case.assignee == actor.label and case.lock_expires_at is not None and case.lock_expires_at > now
    locked_by_other = (case.assignee not in (None, actor.label) and case.lock_expires_at is not None
                       and case.lock_expires_at > now)
    actions = [a for a in ACTIONS if a[0] != "escalate" or not case.child_safety]
    categories = [c for c in CATEGORIES.values() if not c.child_safety or me.role is Role.CHILD_SAFETY_SPECIALIST
                  or c.code.value == case.category]
    return html("case.html", request, me, status=status, section="queues", title=f"Case {short(case.id)}",
                holds_lock=holds_lock, locked_by_other=locked_by_other, actions=actions, categories=categories,
                policy_suggestions=POLICY_SUGGESTIONS, form=form or {"category": case.category, "ground": "terms"},
                errors=errors or [], shown=shown, specialist=me.role is Role.CHILD_SAFETY_SPECIALIST,
                today=utcnow().date().isoformat(), eea=len(EEA_COUNTRIES), **context)


@router.get("/cases/{case_id}")
def view_case(case_id: str, request: Request, me: Reviewer) -> Response:
    return case_page(request, me, parse_id(case_id, "case"))


@router.post("/cases/{case_id}/claim")
def claim(case_id: str, request: Request, me: Posting) -> Response:
    found = parse_id(case_id, "case")
    with request.app.state.db.transaction() as session:
        open_case(session, found, me.actor, audit_read=False)
        cases.claim(session, found, me.actor, lock_minutes=settings_of(request).lock_minutes)
    return redirect(f"{PREFIX}/cases/{found}", done="claimed")


@router.post("/cases/{case_id}/release")
def release(case_id: str, request: Request, me: Posting) -> Response:
    found = parse_id(case_id, "case")
    with request.app.state.db.transaction() as session:
        open_case(session, found, me.actor, audit_read=False)
        cases.release(session, found, me.actor)
    return redirect(f"{PREFIX}/queues", done="released")


@router.post("/cases/{case_id}/comments")
def add_comment(case_id: str, request: Request, me: Posting,
                body: Annotated[str, Form(min_length=1, max_length=5000)]) -> Response:
    found = parse_id(case_id, "case")
    if not body.strip():
        raise ConsoleError(422, "The comment is empty", "Write something before adding a comment.")
    with request.app.state.db.transaction() as session:
        open_case(session, found, me.actor, audit_read=False)
        cases.comment(session, found, me.actor, body.strip())
    return redirect(f"{PREFIX}/cases/{found}#comments", done="commented")


Field = Annotated[str, Form(max_length=5000)]


class DecisionForm:
    """The decision form's fields, all optional strings: the decisions package judges what is missing."""

    def __init__(self, action: Field = "", category: Field = "", ground: Field = "", policy_ground: Field = "",
                 explanation: Field = "", end_date: Field = "", note: Field = "", confirm_abuse_material: Field = "",
                 intent: Field = "decide") -> None:
        self.values = {"action": action, "category": category, "ground": ground, "policy_ground": policy_ground,
                       "explanation": explanation, "end_date": end_date, "note": note,
                       "confirm_abuse_material": confirm_abuse_material}
        self.intent = intent


Decision = Annotated[DecisionForm, Depends()]


@router.post("/cases/{case_id}/decision")
def decide(case_id: str, request: Request, me: Posting, form: Decision) -> Response:
    found = parse_id(case_id, "case")
    values, data, errors = decision_input(form.values)
    if data is None:
        return case_page(request, me, found, status=422, form=values, errors=errors)
    if form.intent == "preview":
        return case_page(request, me, found, form=values, shown=_preview(request, me, found, data))
    try:
        with request.app.state.db.transaction() as session:
            open_case(session, found, me.actor, audit_read=False)
            decisions.decide(session, found, data, me.actor, settings_of(request))
    except (Conflict, InvalidInput, Forbidden) as exc:  # shown beside the form, with what was typed kept
        return case_page(request, me, found, status=exc.status, form=values, errors=[exc.detail])
    if data.action is decisions.Action.ESCALATE:
        return redirect(f"{PREFIX}/queues", done="escalated")
    return redirect(f"{PREFIX}/cases/{found}#decisions", done="decided")


@router.post("/cases/{case_id}/decision/preview")
def preview_fragment(case_id: str, request: Request, me: Posting, form: Decision) -> Response:
    """The preview alone, for the page's script to show as the reviewer types."""
    found = parse_id(case_id, "case")
    _, data, errors = decision_input(form.values)
    shown = _preview(request, me, found, data) if data is not None else None
    return html("_preview.html", request, me, shown=shown, errors=errors)  # guidance, not a failed request


def _preview(request: Request, me: Identity, case_id: uuid.UUID, data: decisions.DecisionIn) -> dict[str, Any]:
    with request.app.state.db.transaction() as session:
        case = open_case(session, case_id, me.actor, audit_read=False)
        return preview(case, data, settings_of(request))
