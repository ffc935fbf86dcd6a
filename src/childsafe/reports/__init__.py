"""Report intake: children, parents, bystanders, trusted flaggers and authorities report harm.

Reports are idempotent (``Idempotency-Key``), become or join a case, and carry a reference number
the reporter can use to follow what happened.
"""

from childsafe.reports import stats as stats  # read-only aggregates for reports and the console
from childsafe.reports.models import Report
from childsafe.reports.schemas import DsaNoticeIn, MessageIn, ReporterIn, ReportIn, SubjectIn
from childsafe.reports.service import (
    ReportStatus,
    acknowledgement,
    for_case,
    get,
    is_child_reporter,
    record_outcome,
    reporter_of,
    status_by_reference,
    submit,
)

__all__ = [
    "DsaNoticeIn",
    "MessageIn",
    "Report",
    "ReportIn",
    "ReportStatus",
    "ReporterIn",
    "SubjectIn",
    "acknowledgement",
    "for_case",
    "get",
    "is_child_reporter",
    "record_outcome",
    "reporter_of",
    "status_by_reference",
    "submit",
]
