"""NCMEC CyberTipline reports: built from a case and its preserved evidence, checked for what NCMEC
needs to act, approved by a child-safety specialist, and sent over ISPWS by a durable, resumable
worker (submit, upload each file, file details, finish; or retract)."""

from childsafe.referrals.cybertip.assemble import DraftOptions, Missing
from childsafe.referrals.cybertip.client import (
    PRODUCTION_URL,
    TEST_URL,
    IspwsClient,
    NcmecError,
    NcmecNotAuthorised,
    NcmecRejected,
    NcmecUnavailable,
)
from childsafe.referrals.cybertip.documents import InvalidDocument, file_details_xml, report_xml, thread_csv
from childsafe.referrals.cybertip.models import CybertipFile, CybertipReport
from childsafe.referrals.cybertip.schema import check
from childsafe.referrals.cybertip.service import (
    JOB,
    ReportBusy,
    advance,
    approve,
    bind,
    create_draft,
    files,
    get,
    in_flight,
    list_reports,
    preview,
    read_content,
    retract,
    run_pending,
    submit,
)

__all__ = [
    "JOB", "PRODUCTION_URL", "TEST_URL", "CybertipFile", "CybertipReport", "DraftOptions", "InvalidDocument",
    "IspwsClient", "Missing", "NcmecError", "NcmecNotAuthorised", "NcmecRejected", "NcmecUnavailable", "ReportBusy",
    "advance", "approve",
    "bind", "check", "create_draft", "file_details_xml", "files", "get", "in_flight", "list_reports", "preview",
    "read_content", "report_xml", "retract", "run_pending", "submit", "thread_csv",
]
