"""DSA Art. 17 statement of reasons, shaped as a DSA Transparency Database record (2025 schema).

Built from codes and the reviewer's explanation only: no names, e-mails or message text, because
Art. 24(5) forbids personal data in the database.
"""

import re
from datetime import datetime
from typing import Any

from childsafe.decisions.schemas import Action
from childsafe.vocabulary import RiskCategory, category_info

_VISIBILITY = {
    Action.REMOVE: "DECISION_VISIBILITY_CONTENT_REMOVED",
    Action.RESTRICT_VISIBILITY: "DECISION_VISIBILITY_CONTENT_DEMOTED",
    Action.AGE_GATE: "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
}
_ACCOUNT = {
    Action.SUSPEND_TEMPORARY: "DECISION_ACCOUNT_SUSPENDED",
    Action.SUSPEND_PERMANENT: "DECISION_ACCOUNT_TERMINATED",
}
_CONTENT_TYPES = {
    "text": "CONTENT_TYPE_TEXT", "image": "CONTENT_TYPE_IMAGE", "video": "CONTENT_TYPE_VIDEO",
    "audio": "CONTENT_TYPE_AUDIO", "synthetic_media": "CONTENT_TYPE_SYNTHETIC_MEDIA", "app": "CONTENT_TYPE_APP",
    "product": "CONTENT_TYPE_PRODUCT",
}
_ILLEGAL_CATEGORIES = {RiskCategory.CSAM, RiskCategory.GROOMING, RiskCategory.SEXTORTION}


def puid(platform: str, decision_id: str) -> str:
    """Platform-unique id in the TDB's alphabet ``[a-zA-Z0-9-_]``, at most 500 characters."""
    slug = re.sub(r"[^a-zA-Z0-9-_]+", "-", platform).strip("-").lower() or "platform"
    return f"{slug[:60]}-{decision_id}"


def source_type(*, trusted: bool, illegal_notice: bool, reported: bool) -> str:
    if trusted:
        return "SOURCE_TRUSTED_FLAGGER"
    if illegal_notice:
        return "SOURCE_ARTICLE_16"
    if reported:
        return "SOURCE_TYPE_OTHER_NOTIFICATION"
    return "SOURCE_VOLUNTARY"


def build(*, decision_id: str, platform: str, terms_url: str, action: Action, category: RiskCategory,
          ground: str, policy_ground: str, explanation: str, decided_at: datetime, content_date: datetime,
          content_type: str | None, subject_type: str, territorial_scope: list[str], end_date: str | None,
          source: str, automated_detection: bool, automated_decision: bool) -> dict[str, Any]:
    info = category_info(category)
    record: dict[str, Any] = {
        "puid": puid(platform, decision_id),
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT" if ground == "illegal_content"
        else "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "category": info.dsa_category.value,
        "category_specification": list(info.dsa_keywords),
        "decision_facts": explanation[:5000],
        "source_type": source,
        "automated_detection": "Yes" if automated_detection else "No",
        "automated_decision": "AUTOMATED_DECISION_FULLY" if automated_decision
        else "AUTOMATED_DECISION_NOT_AUTOMATED",
        "application_date": decided_at.date().isoformat(),
        "content_date": content_date.date().isoformat(),
        "territorial_scope": sorted(territorial_scope),
    }
    if info.dsa_keyword_other:
        record["category_specification_other"] = info.dsa_keyword_other
    if action in _VISIBILITY:
        record["decision_visibility"] = [_VISIBILITY[action]]
    if action in _ACCOUNT:
        record["decision_account"] = _ACCOUNT[action]
        if end_date:
            record["end_date_account_restriction"] = end_date
    if ground == "illegal_content":
        record["illegal_content_legal_ground"] = policy_ground[:500]
        record["illegal_content_explanation"] = explanation[:2000]
    else:
        record["incompatible_content_ground"] = policy_ground[:500]
        record["incompatible_content_explanation"] = explanation[:2000]
        record["incompatible_content_illegal"] = "Yes" if category in _ILLEGAL_CATEGORIES else "No"
        record["decision_ground_reference_url"] = terms_url[:500]
    if content_type in _CONTENT_TYPES:
        record["content_type"] = [_CONTENT_TYPES[content_type]]
    else:
        record["content_type"] = ["CONTENT_TYPE_OTHER"]
        record["content_type_other"] = subject_type.replace("_", " ")
    return record
