"""Exact, incremental, persisted Hamming-radius index for 256-bit hashes (PDQ).

``HammingIndex`` answers "every stored hash within r bits of these queries" with recall 1.000 for any r in 0..63,
takes adds and removes without a rebuild (visible as soon as the call returns), can be searched from many threads
while it changes, and saves to / loads from a directory of numpy files. ``bench/index.py`` measures it against
faiss; ``bench/README.md`` has the figures.
"""

from childsafe.index.codes import CODE_BYTES, codes_from_hex, hex_from_codes
from childsafe.index.hamming import HammingIndex
from childsafe.index.result import SearchResult

__all__ = ["CODE_BYTES", "HammingIndex", "SearchResult", "codes_from_hex", "hex_from_codes"]
