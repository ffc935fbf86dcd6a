"""Shared words every capability uses: risk taxonomy, age bands, roles, report reasons.

This package performs no I/O. Keeping the vocabulary in one place means a category added here
flows to reports, cases, statements of reasons, CyberTip reports and transparency figures alike.
"""

from childsafe.vocabulary.age import AgeBand, is_minor_or_unknown
from childsafe.vocabulary.reasons import REPORT_REASONS, ReportReason, reason_by_code
from childsafe.vocabulary.roles import Role
from childsafe.vocabulary.taxonomy import (
    CATEGORIES,
    CoreC,
    CoreType,
    CrossCutting,
    DsaCategory,
    NcmecIncidentType,
    RiskCategory,
    RiskCategoryInfo,
    category_info,
)

__all__ = [
    "CATEGORIES",
    "REPORT_REASONS",
    "AgeBand",
    "CoreC",
    "CoreType",
    "CrossCutting",
    "DsaCategory",
    "NcmecIncidentType",
    "ReportReason",
    "RiskCategory",
    "RiskCategoryInfo",
    "Role",
    "category_info",
    "is_minor_or_unknown",
    "reason_by_code",
]
