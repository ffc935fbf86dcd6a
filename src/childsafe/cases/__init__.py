"""Cases and review queues: one open case per subject, priority and SLA from the taxonomy, a lock
so two reviewers never decide the same case, comments and full history."""

from childsafe.cases import stats as stats  # read-only aggregates for reports and the console
from childsafe.cases.models import Case, CaseComment, CaseEvent, CaseSignal
from childsafe.cases.service import (
    Signal,
    SubjectRef,
    attach,
    can_access,
    claim,
    comment,
    escalate,
    get,
    history,
    list_cases,
    mark_decided,
    progress,
    queue_counts,
    release,
    reopen,
    require_lock,
    restricted,
    signals,
)

__all__ = [
    "Case",
    "CaseComment",
    "CaseEvent",
    "CaseSignal",
    "Signal",
    "SubjectRef",
    "attach",
    "can_access",
    "claim",
    "comment",
    "escalate",
    "get",
    "history",
    "list_cases",
    "mark_decided",
    "progress",
    "queue_counts",
    "release",
    "reopen",
    "require_lock",
    "restricted",
    "signals",
]
