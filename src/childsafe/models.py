"""Every capability's tables, gathered for Alembic. Nothing else should import this module."""

from childsafe.access.keys import ApiKey
from childsafe.appeals.models import Appeal
from childsafe.audit.log import AuditEntry
from childsafe.cases.models import Case, CaseComment, CaseEvent, CaseSignal
from childsafe.decisions.models import Decision, Strike
from childsafe.jobs.outbox import Job
from childsafe.reports.models import Report
from childsafe.store import Base

metadata = Base.metadata

__all__ = ["ApiKey", "Appeal", "AuditEntry", "Case", "CaseComment", "CaseEvent", "CaseSignal", "Decision", "Job",
           "Report", "Strike", "metadata"]
