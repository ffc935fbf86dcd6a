"""Scanning media against hash banks: upload or hashes in, every match with bank, distance and
quality out; matches open child-safety cases; hashes of seen media (never the media) are kept so
that later bank additions find earlier uploads (retroactive matching)."""

from childsafe.scan import retro as _retro  # registers the retroactive-matching job handler
from childsafe.scan.confirm import confirm_content
from childsafe.scan.models import ScanHit, SeenMedia
from childsafe.scan.service import (
    Match,
    MediaHash,
    Outcome,
    Subject,
    hits_for_case,
    known_hashes,
    preview,
    scan,
)
from childsafe.scan.video import FrameHash

__all__ = ["FrameHash", "Match", "MediaHash", "Outcome", "ScanHit", "SeenMedia", "Subject", "confirm_content",
           "hits_for_case", "known_hashes", "preview", "scan"]
del _retro
