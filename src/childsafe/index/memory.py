"""Hand freed heap memory back to the operating system after a rebuild.

glibc raises its mmap threshold (up to 32 MiB) once large blocks are freed, so the per-table arrays and
temporaries of a build or compaction end up on the heap; when they are freed the pages stay resident unless
``malloc_trim`` returns them. Measured at 1M entries: +90 MiB RSS left behind by one compaction without it. The
memory budget (1 GiB at 10M entries) is about resident memory, so every rebuild ends with a trim.
"""

import ctypes
import ctypes.util
import functools


@functools.cache
def _trim():
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None


def release_free_memory() -> None:
    trim = _trim()
    if trim is not None:
        trim(0)
