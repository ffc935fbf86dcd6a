"""Response bodies. Declared so the OpenAPI spec says exactly what each endpoint returns."""

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ReportAck(View):
    id: uuid.UUID
    reference: str
    status: str
    received_at: datetime
    message: str
    status_url: str


class ReportStatusView(View):
    reference: str
    status: str
    received_at: datetime
    updated_at: datetime | None
    message: str
    decision_id: uuid.UUID | None


class ReportView(View):
    id: uuid.UUID
    reference: str
    received_at: datetime
    channel: str
    anonymous: bool
    reporter_user_id: str | None
    reporter_age_band: str
    reporter_role: str
    subject: dict[str, Any]
    messages: list[dict[str, Any]]
    reason_code: str
    category: str
    imminent_risk: bool
    free_text: str | None
    notice: dict[str, Any] | None
    wants_updates: bool
    case_id: uuid.UUID
    outcome: str | None


class CaseSummary(View):
    id: uuid.UUID
    subject_type: str
    subject_platform_id: str
    subject_account_id: str | None
    subject_age_band: str
    category: str
    categories: list[str]
    queue: str
    priority: int
    sla_due_at: datetime
    status: str
    child_safety: bool
    imminent_risk: bool
    signal_count: int
    assignee: str | None
    lock_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SignalView(View):
    kind: str
    ref_id: str
    category: str
    at: datetime
    details: dict[str, Any]


class EventView(View):
    at: datetime
    actor: str
    kind: str
    data: dict[str, Any]


class CommentView(View):
    id: uuid.UUID
    at: datetime
    author: str
    body: str


class DecisionView(View):
    id: uuid.UUID
    case_id: uuid.UUID
    action: str
    category: str
    ground: str
    policy_ground: str | None
    explanation: str | None
    note: str | None
    end_date: date | None
    territorial_scope: list[str]
    decided_by: str
    decided_by_role: str
    automated: bool
    decided_at: datetime
    affected_account_id: str | None
    affected_age_band: str
    statement: dict[str, Any] | None
    notice: str | None
    notice_child: str | None
    status: str
    reverted_at: datetime | None


class CaseDetail(CaseSummary):
    subject_url: str | None
    subject_content_type: str | None
    decision_id: uuid.UUID | None
    signals: list[SignalView]
    reports: list[ReportView]
    history: list[EventView]
    comments: list[CommentView]
    decisions: list[DecisionView]


class QueueView(View):
    queue: str
    open: int
    overdue: int
    next_due_at: datetime | None


class NoticeView(View):
    decision_id: uuid.UUID
    audience: str
    notice: str
    notice_adult: str | None
    notice_child: str | None


class AppealView(View):
    id: uuid.UUID
    decision_id: uuid.UUID
    appellant_role: str
    appellant_age_band: str
    grounds: str
    submitted_at: datetime
    status: str
    outcome: str | None
    reason: str | None
    outcome_notice: str | None
    decided_by: str | None
    decided_at: datetime | None


class AppealReceipt(View):
    id: uuid.UUID
    decision_id: uuid.UUID
    status: str
    submitted_at: datetime
    outcome: str | None
    outcome_notice: str | None


class StrikeView(View):
    decision_id: uuid.UUID
    category: str
    issued_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None


class StrikesView(View):
    account_id: str
    active: int
    threshold: int
    threshold_reached: bool
    strikes: list[StrikeView]


class KeyCreated(View):
    id: uuid.UUID
    token: str
    prefix: str
    role: str
    name: str
    warning: str = "Store this key now: it is shown only once."


class KeyView(View):
    id: uuid.UUID
    prefix: str
    role: str
    name: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


class AuditView(View):
    seq: int
    at: datetime
    actor: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    reason: str
    details: dict[str, Any]
    hash: str


class VerifyView(View):
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    problems: list[str]


class Health(View):
    status: str
    database: str
    version: str
