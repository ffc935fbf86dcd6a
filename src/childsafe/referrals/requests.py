"""The register of law-enforcement requests: what an authority asked for, on what legal basis, by when,
who approved disclosure, what was disclosed, and how the request ended.

Every change is written to the audit log; the register holds references and descriptions of what was
disclosed, never the disclosed data itself.
"""

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import StringConstraints
from sqlalchemy import Boolean, Date, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from childsafe.audit import Actor, record
from childsafe.errors import Conflict, Forbidden, InvalidInput, NotFound
from childsafe.inputs import Input
from childsafe.store import GUID, Base, JSONDict, UTCDateTime, new_id, utcnow
from childsafe.store.aggregates import count_where, grouped_median, hours_between, positions, within
from childsafe.vocabulary import Role

# received -> approved (a person with authority agreed to disclose) -> disclosed -> closed;
# received -> refused | withdrawn; approved -> refused (on review) is allowed, disclosed is final for data.
STATUSES = ("received", "approved", "disclosed", "refused", "withdrawn", "closed")
_NEXT = {"received": {"approved", "refused", "withdrawn"}, "approved": {"disclosed", "refused", "withdrawn"},
         "disclosed": {"closed"}, "refused": {"closed"}, "withdrawn": {"closed"}, "closed": set()}
# Who may run the register: compliance keeps it; child-safety specialists handle requests on their cases.
REGISTER_ROLES = frozenset({Role.COMPLIANCE.value, Role.CHILD_SAFETY_SPECIALIST.value})
APPROVER_ROLES = frozenset({Role.COMPLIANCE.value, Role.CHILD_SAFETY_SPECIALIST.value})

Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text2000 = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class LawEnforcementRequest(Base):
    __tablename__ = "referrals_le_request"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=new_id)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    authority: Mapped[str] = mapped_column(String(200), nullable=False)
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    authority_reference: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    legal_basis: Mapped[str] = mapped_column(String(500), nullable=False)
    emergency: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    requested: Mapped[str] = mapped_column(Text, nullable=False)
    case_id: Mapped[uuid.UUID | None] = mapped_column(GUID, index=True)
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="received", index=True)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disclosed: Mapped[list[dict[str, Any]]] = mapped_column(JSONDict, nullable=False, default=list)
    disclosed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class RequestIn(Input):
    received_at: datetime | None = None  # default: now
    authority: Text200  # e.g. "Metropolitan Police Service"
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    authority_reference: Text200 | None = None
    kind: Literal["order_to_act", "order_to_provide_information", "preservation", "emergency_disclosure",
                  "subpoena", "court_order", "other"]
    legal_basis: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    emergency: bool = False
    requested: Text2000  # what the authority asks for, in words (no personal data beyond identifiers)
    case_id: uuid.UUID | None = None
    deadline: date | None = None


class DisclosedItem(Input):
    kind: Literal["account_data", "ip_events", "content", "message_thread", "export_package", "other"]
    description: Text200
    reference: Text200 | None = None  # e.g. an export package id or an evidence item id


class TransitionIn(Input):
    status: Literal["approved", "disclosed", "refused", "withdrawn", "closed"]
    reason: Text2000 | None = None
    disclosed: list[DisclosedItem] = []


def _may(actor: Actor, roles: frozenset[str], what: str) -> None:
    if actor.role not in roles:
        raise Forbidden(f"your role may not {what}")


def register(session: Session, data: RequestIn, actor: Actor) -> LawEnforcementRequest:
    _may(actor, REGISTER_ROLES, "register law-enforcement requests")
    received = data.received_at or utcnow()
    if received.tzinfo is None:
        raise InvalidInput("received_at needs a time zone", field="received_at")
    if not 2000 <= received.year <= 2100 or received > utcnow() + timedelta(days=1):
        raise InvalidInput("received_at lies between 2000 and now", field="received_at")
    if data.deadline and data.deadline < received.date():
        raise InvalidInput("the deadline is before the request was received", field="deadline")
    request = LawEnforcementRequest(
        received_at=received, authority=data.authority, country=data.country,
        authority_reference=data.authority_reference, kind=data.kind, legal_basis=data.legal_basis,
        emergency=data.emergency, requested=data.requested, case_id=data.case_id, deadline=data.deadline,
        created_by=actor.label)
    session.add(request)
    session.flush()
    record(session, actor, "le_request.registered", "le_request", request.id, kind=data.kind, country=data.country,
           case_id=data.case_id, emergency=data.emergency)
    return request


def get(session: Session, request_id: uuid.UUID) -> LawEnforcementRequest:
    request = session.get(LawEnforcementRequest, request_id)
    if request is None:
        raise NotFound(f"law-enforcement request {request_id} does not exist")
    return request


def read(session: Session, request_id: uuid.UUID, actor: Actor) -> LawEnforcementRequest:
    _may(actor, REGISTER_ROLES, "read the law-enforcement request register")
    request = get(session, request_id)
    record(session, actor, "le_request.read", "le_request", request.id)
    return request


def transition(session: Session, request_id: uuid.UUID, data: TransitionIn, actor: Actor) -> LawEnforcementRequest:
    """Move a request on. Approval needs a compliance officer or child-safety specialist; disclosure
    needs an approval by someone else first (four eyes) and a list of what was disclosed."""
    _may(actor, REGISTER_ROLES, "change law-enforcement requests")
    request = get(session, request_id)
    session.refresh(request, with_for_update=True)
    if data.status not in _NEXT[request.status]:
        raise Conflict(f"a {request.status} request cannot become {data.status}", field="status")
    now = utcnow()
    if data.status == "approved":
        _may(actor, APPROVER_ROLES, "approve disclosure")
        if actor.label == request.created_by:
            raise Forbidden("the person who registered a request does not approve it")
        request.approved_by, request.approved_at = actor.label, now
    elif data.status == "disclosed":  # packages exported under the approval are already listed
        if not data.disclosed and not request.disclosed:
            raise InvalidInput("say what was disclosed", field="disclosed")
        request.disclosed = [*request.disclosed, *(item.model_dump(mode="json") for item in data.disclosed)]
        request.disclosed_at = now
    elif data.status in ("refused", "withdrawn"):
        if not data.reason:
            raise InvalidInput(f"a {data.status} request needs a reason", field="reason")
    elif data.status == "closed":
        request.closed_at = now
    if data.disclosed and data.status != "disclosed":
        raise InvalidInput("disclosed items go with the 'disclosed' status", field="disclosed")
    if data.reason:
        request.outcome_reason = data.reason
    previous, request.status, request.updated_at = request.status, data.status, now
    record(session, actor, f"le_request.{data.status}", "le_request", request.id, previous=previous,
           items=len(data.disclosed))
    return request


def record_package(session: Session, request: LawEnforcementRequest, actor: Actor, *, export_id: uuid.UUID,
                   recipient: str, package_sha256: str, files: list[str]) -> None:
    """List a referral package built under this (approved) request among what was disclosed, so the
    register shows every package that left, not only what someone later remembers to type in."""
    media = sum(path.startswith("files/") for path in files)
    records = sum(path.startswith("records/") for path in files)
    item = {"kind": "export_package", "reference": str(export_id), "sha256": package_sha256, "files": files,
            "description": f"referral package to {recipient}: {media} media file(s), {records} record(s)"[:200],
            "exported_by": actor.label, "exported_at": utcnow().isoformat()}
    request.disclosed = [*request.disclosed, item]  # a new list: JSON columns do not track in-place changes
    request.updated_at = utcnow()
    record(session, actor, "le_request.package_recorded", "le_request", request.id, export_id=export_id,
           package_sha256=package_sha256, files=len(files))


def register_list(session: Session, actor: Actor, *, status: str | None = None, overdue: bool = False,
                  limit: int = 100) -> list[LawEnforcementRequest]:
    _may(actor, REGISTER_ROLES, "read the law-enforcement request register")
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status is one of {', '.join(STATUSES)}", field="status")
    query = select(LawEnforcementRequest)
    if status:
        query = query.where(LawEnforcementRequest.status == status)
    if overdue:
        query = query.where(LawEnforcementRequest.deadline < utcnow().date(),
                            LawEnforcementRequest.status.in_(("received", "approved")))
    rows = list(session.scalars(query.order_by(LawEnforcementRequest.received_at.desc()).limit(limit)))
    record(session, actor, "le_request.listed", "le_request", "register", count=len(rows))
    return rows


def as_dict(request: LawEnforcementRequest) -> dict[str, Any]:
    overdue = bool(request.deadline and request.deadline < utcnow().date()
                   and request.status in ("received", "approved"))
    return {"id": str(request.id), "received_at": request.received_at.isoformat(), "authority": request.authority,
            "country": request.country, "authority_reference": request.authority_reference, "kind": request.kind,
            "legal_basis": request.legal_basis, "emergency": request.emergency, "requested": request.requested,
            "case_id": str(request.case_id) if request.case_id else None,
            "deadline": request.deadline.isoformat() if request.deadline else None, "overdue": overdue,
            "status": request.status, "approved_by": request.approved_by,
            "approved_at": request.approved_at.isoformat() if request.approved_at else None,
            "disclosed": request.disclosed,
            "disclosed_at": request.disclosed_at.isoformat() if request.disclosed_at else None,
            "outcome_reason": request.outcome_reason, "created_by": request.created_by,
            "closed_at": request.closed_at.isoformat() if request.closed_at else None}


def breakdown(session: Session, start: date, end: date) -> list[dict[str, Any]]:
    """Requests received in the period by kind and country: how many, how many led to disclosure, and
    the median hours from receipt to disclosure (DSA Art. 15(1)(a): orders from Member States)."""
    keys = (LawEnforcementRequest.kind, LawEnforcementRequest.country)
    where = [within(LawEnforcementRequest.received_at, start, end)]
    rows = session.execute(select(*keys, func.count(), count_where(LawEnforcementRequest.disclosed_at.isnot(None)),
                                  count_where(LawEnforcementRequest.emergency))
                           .where(*where).group_by(*positions(len(keys))))
    medians = grouped_median(session, hours_between(session, LawEnforcementRequest.received_at,
                                                    LawEnforcementRequest.disclosed_at), keys, where,
                             LawEnforcementRequest)
    return [{"kind": k, "country": c, "count": int(n), "disclosed": int(d), "emergency": int(e),
             "median_hours_to_disclosure": medians.get((k, c))} for k, c, n, d, e in rows]
