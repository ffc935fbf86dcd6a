"""Every capability's tables, gathered for Alembic. Nothing else should import this module."""

from childsafe.access.keys import ApiKey
from childsafe.appeals.models import Appeal
from childsafe.audit.log import AuditEntry
from childsafe.banks.models import Bank, BankHash, BankImport, BankRemoval
from childsafe.cases.models import Case, CaseComment, CaseEvent, CaseSignal
from childsafe.decisions.models import Decision, Strike
from childsafe.jobs.outbox import Job
from childsafe.reports.models import Report
from childsafe.scan.models import ScanHit, SeenMedia
from childsafe.store import Base

metadata = Base.metadata

__all__ = ["ApiKey", "Appeal", "AuditEntry", "Bank", "BankHash", "BankImport", "BankRemoval", "Case", "CaseComment",
           "CaseEvent", "CaseSignal", "Decision", "Job", "Report", "ScanHit", "SeenMedia", "Strike", "metadata"]
