"""Every capability's tables, gathered for Alembic. Nothing else should import this module."""

from childsafe.access.keys import ApiKey
from childsafe.appeals.models import Appeal
from childsafe.audit.log import AuditEntry
from childsafe.banks.models import Bank, BankHash, BankImport, BankRemoval
from childsafe.cases.models import Case, CaseComment, CaseEvent, CaseSignal
from childsafe.console.models import ConsoleLoginAttempt, ConsoleSession, ConsoleUser
from childsafe.decisions.models import Decision, Strike
from childsafe.evidence.models import EvidenceExposure, EvidenceHold, EvidenceItem
from childsafe.jobs.outbox import Job
from childsafe.referrals.cybertip.models import CybertipFile, CybertipReport
from childsafe.referrals.exports import ReferralExport
from childsafe.referrals.requests import LawEnforcementRequest
from childsafe.reports.models import Report
from childsafe.scan.models import ScanHit, SeenMedia
from childsafe.store import Base
from childsafe.transparency.models import StatementSubmission

metadata = Base.metadata

__all__ = ["ApiKey", "Appeal", "AuditEntry", "Bank", "BankHash", "BankImport", "BankRemoval", "Case", "CaseComment",
    "CaseEvent", "CaseSignal", "ConsoleLoginAttempt", "ConsoleSession", "ConsoleUser", "CybertipFile",
    "CybertipReport", "Decision", "EvidenceExposure", "EvidenceHold", "EvidenceItem", "Job", "LawEnforcementRequest",
    "ReferralExport", "Report", "ScanHit", "SeenMedia", "StatementSubmission", "Strike", "metadata"]
