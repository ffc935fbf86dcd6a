"""A specialist's confirmation puts the content's hashes into a local bank.

So the same material is recognised the next time anyone uploads it, and (through retroactive
matching) wherever it was uploaded before. Only hashes are copied; the content never leaves the
platform and never enters a bank.
"""

from sqlalchemy.orm import Session

from childsafe import banks
from childsafe.audit import Actor, record
from childsafe.banks import Entry
from childsafe.hashing import PDQ_MIN_QUALITY
from childsafe.scan.service import known_hashes
from childsafe.vocabulary import RiskCategory


def confirm_content(session: Session, actor: Actor, content_id: str, *, bank_name: str,
                    category: RiskCategory = RiskCategory.CSAM, case_id: str = "") -> int:
    """Add the stored hashes of ``content_id`` to ``bank_name`` (created as a local match bank if
    needed). Low-quality PDQ hashes are left out: they would match unrelated images. Returns how
    many hashes were new to the bank."""
    seen = known_hashes(session, content_id)
    entries = [Entry(0, m.algorithm, m.value, content_id if m.algorithm == "vpdq" else "", m.quality, m.frame_time)
               for m in seen if not (m.algorithm in banks.PERCEPTUAL and (m.quality or 0) < PDQ_MIN_QUALITY)]
    if not entries:
        record(session, actor, "bank.confirm_without_hashes", "case", case_id or "-")
        return 0
    banks.ensure_bank(session, actor, bank_name, kind="match", category=category, source="local",
                      description="Material confirmed by this platform's child-safety specialists")
    return banks.add_hashes(session, actor, bank_name, entries, reason=f"confirmed in case {case_id}")
