"""Personal data out of statements of reasons before they leave for the DSA Transparency Database.

Art. 24(5) DSA puts the duty on the platform. Only the schema's own attributes are kept; the free-text
attributes (facts, explanations, grounds) are cleaned of what could identify a person: e-mail
addresses, phone numbers, street addresses, social handles and other personal information found by
``childsafe.detect.pii``, URLs, IP addresses, long digit runs, tokens mixing letters and digits (user
ids, handles), and every identifier the caller knows (account ids, reviewer names). With
``mode="omit"`` the free text is replaced altogether by a sentence built from codes.
"""

import re
from collections.abc import Iterable
from typing import Any

from childsafe.detect.pii import find_pii

REDACTED = "[redacted]"
SCHEMA_FIELDS = frozenset({
    "decision_visibility", "decision_visibility_other", "decision_monetary", "decision_monetary_other",
    "decision_provision", "decision_account", "account_type", "decision_ground", "decision_ground_reference_url",
    "illegal_content_legal_ground", "illegal_content_explanation", "incompatible_content_ground",
    "incompatible_content_explanation", "incompatible_content_illegal", "content_type", "content_type_other",
    "category", "category_addition", "category_specification", "category_specification_other",
    "territorial_scope", "content_language", "content_date", "application_date", "end_date_account_restriction",
    "end_date_monetary_restriction", "end_date_service_restriction", "end_date_visibility_restriction",
    "decision_facts", "source_type", "automated_detection", "automated_decision", "puid", "content_id",
})
# Attributes a person writes. source_identity would name the notifier: never sent.
FREE_TEXT = ("decision_facts", "illegal_content_explanation", "incompatible_content_explanation",
             "illegal_content_legal_ground", "incompatible_content_ground", "decision_visibility_other",
             "decision_monetary_other", "content_type_other", "category_specification_other")
_PATTERNS = [
    re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE),
    re.compile(r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}"),
    re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"),  # IPv4
    re.compile(r"\b[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}\b"),  # IPv6
    re.compile(r"@\w{2,}"),  # handles
    re.compile(r"\b(?=[\w.-]*[A-Za-z])(?=[\w.-]*\d)\w+(?:[-_.]\w+)*\b"),  # user1234, acct-9, u_77: ids, handles
]
_NUMBER = re.compile(r"\+?\d[\d ()./-]{4,}\d")


def _clean(text: str, known: Iterable[str]) -> str:
    for value in sorted({k for k in known if k and len(k) >= 2}, key=len, reverse=True):
        text = re.sub(re.escape(value), REDACTED, text, flags=re.IGNORECASE)
    spans = sorted(find_pii(text), key=lambda s: s.start, reverse=True)
    for span in spans:
        text = text[:span.start] + REDACTED + text[span.end:]
    # Phone numbers and long numeric ids: seven digits or more (a law's "2011/93" has six).
    text = _NUMBER.sub(lambda m: REDACTED if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0), text)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(0) if m.group(0) == REDACTED else REDACTED, text)
    return re.sub(r"(?:\[redacted\][\s,;]*){2,}", REDACTED + " ", text).strip()


def _from_codes(statement: dict[str, Any]) -> str:
    action = statement.get("decision_account") or ", ".join(statement.get("decision_visibility") or [])
    category = str(statement.get("category", "")).removeprefix("STATEMENT_CATEGORY_").replace("_", " ").lower()
    return f"Decision {action} taken for {category or 'a policy breach'}."


def for_tdb(statement: dict[str, Any], *, known: Iterable[str] = (), mode: str = "redact") -> dict[str, Any]:
    """A copy of a statement with only schema attributes and no personal data in its free text."""
    known = list(known)
    clean = {k: v for k, v in statement.items() if k in SCHEMA_FIELDS}
    for field in FREE_TEXT:
        if isinstance(clean.get(field), str):
            clean[field] = _from_codes(statement) if mode == "omit" and field.endswith(
                ("facts", "explanation")) else _clean(clean[field], known)
    for field in ("decision_facts", "illegal_content_explanation", "incompatible_content_explanation",
                  "illegal_content_legal_ground", "incompatible_content_ground"):
        if field in clean and not clean[field].strip(REDACTED + " "):
            clean[field] = _from_codes(statement)  # required attributes must not end up empty
    return clean
