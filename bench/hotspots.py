#!/usr/bin/env python
"""Summarise a py-spy collapsed-stack profile (``bench/intake.py --profile``): where the server's time goes.

    python bench/hotspots.py bench/results/profile-postgresql.txt [--top 25] [--focus childsafe]

Prints the functions with the most samples on the stack (inclusive) and at the top of it (self), and
the share of samples per top-level phase of a request.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def _name(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    return f"{match['func']} ({match['file']})"


def load(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        head, _, count = line.rpartition(" ")
        if not head or not count.isdigit():
            continue
        frames = [_name(f) for f in head.split(";")[1:]]  # the first entry is the process
        stacks.append((frames, int(count)))
    return stacks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--focus", default="", help="only count stacks through a frame containing this text")
    args = parser.parse_args(argv)

    stacks = load(args.profile)
    if args.focus:
        stacks = [(f, n) for f, n in stacks if any(args.focus in frame for frame in f)]
    total = sum(n for _, n in stacks) or 1
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    for frames, n in stacks:
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            self_time[frames[-1]] += n
    print(f"{total} samples in {args.profile}")
    print(f"\ninclusive (on the stack), top {args.top}")
    for frame, n in inclusive.most_common(args.top):
        print(f"{100 * n / total:6.1f}%  {frame}")
    print(f"\nself (top of the stack), top {args.top}")
    for frame, n in self_time.most_common(args.top):
        print(f"{100 * n / total:6.1f}%  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
