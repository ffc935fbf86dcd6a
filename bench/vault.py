"""Evidence vault throughput: 1 MB items sealed and opened, against plain files, in the same run.

Three layers, each put and get, each timed over ``--items`` items per repetition, medians over
``--reps`` repetitions, all in one process on the same disk:

* ``plain``: write + fsync + atomic rename of the bytes, then read them back (the durability the
  vault promises, without encryption);
* ``sealed``: the vault's storage layer: a fresh data key, AES-256-GCM, the wrapped key, and the
  same durable write; opening unwraps and decrypts (``encryption overhead`` = sealed / plain);
* ``service``: ``evidence.preserve_media`` / ``read_media`` end to end on SQLite: MD5 + SHA-256
  (+ PDQ attempt), the object, the database row, the hold check and the audit entry.

    .venv/bin/python bench/vault.py [--items 40] [--reps 5] [--size 1048576]
"""

import argparse
import os
import secrets
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from childsafe import cases, evidence
from childsafe.audit import Actor
from childsafe.config import make_settings
from childsafe.evidence.crypto import MasterKeys, open_sealed, seal
from childsafe.evidence.stores import LocalStore
from childsafe.store import Database
from childsafe.store.migrate import upgrade
from childsafe.vocabulary import RiskCategory, Role

SERVICE = Actor("bench", Role.SERVICE.value)
SPECIALIST = Actor("bench-css", Role.CHILD_SAFETY_SPECIALIST.value)


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Round:
    """One repetition: the same payloads through each layer, in fresh directories."""

    def __init__(self, work: Path, rep: int, payloads: list[bytes], keys: MasterKeys, db: Database,
                 case_id: uuid.UUID) -> None:
        self.plain = LocalStore(work / f"plain-{rep}")  # the same durable write path, handed the clear bytes
        self.sealed = LocalStore(work / f"sealed-{rep}")
        self.payloads, self.keys, self.db, self.case_id = payloads, keys, db, case_id
        self.ids = [uuid.uuid4() for _ in payloads]
        self.rows: list[tuple[str, bytes]] = []
        self.service_ids: list[uuid.UUID] = []

    def plain_put(self) -> None:
        for item_id, data in zip(self.ids, self.payloads, strict=True):
            self.plain.put(item_id.hex, data)

    def plain_get(self) -> None:
        for item_id in self.ids:
            self.plain.get(item_id.hex)

    def sealed_put(self) -> None:
        for item_id, data in zip(self.ids, self.payloads, strict=True):
            box = seal(self.keys, item_id, data)
            self.sealed.put(item_id.hex, box.blob)
            self.rows.append((box.key_id, box.wrapped_key))

    def sealed_get(self) -> None:
        for item_id, (key_id, wrapped) in zip(self.ids, self.rows, strict=True):
            open_sealed(self.keys, item_id, key_id, wrapped, self.sealed.get(item_id.hex))

    def service_put(self) -> None:
        for data in self.payloads:
            with self.db.transaction() as session:
                self.service_ids.append(evidence.preserve_media(
                    session, case_id=self.case_id, data=data + secrets.token_bytes(8), filename=None,
                    content_type="application/octet-stream", actor=SERVICE, source="bench").id)

    def service_get(self) -> None:
        for item_id in self.service_ids:
            with self.db.transaction() as session:
                evidence.read_media(session, item_id, actor=SPECIALIST, reason="benchmark")

    def clean(self) -> None:
        shutil.rmtree(self.plain.root)
        shutil.rmtree(self.sealed.root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--size", type=int, default=1024 * 1024)
    parser.add_argument("--dir", default=None, help="work directory (default: a temporary one)")
    args = parser.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="vault-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    payloads = [os.urandom(args.size) for _ in range(args.items)]
    keys = MasterKeys.generate()

    db_url = f"sqlite:///{work / 'bench.db'}"
    upgrade(db_url)
    key_file = work / "keys.json"
    evidence.init_key(key_file, force=True)
    evidence.configure(make_settings(database_url=db_url, evidence_key_file=str(key_file),
                                     evidence_dir=str(work / "service"), max_upload_bytes=max(args.size + 64, 1024)))
    db = Database(db_url)
    with db.transaction() as session:
        case_id = cases.attach(session, cases.SubjectRef("content", "bench"),
                               cases.Signal("report", "bench", RiskCategory.CSAM), SERVICE).id

    results: dict[str, list[float]] = {}
    for rep in range(args.reps):
        one = Round(work, rep, payloads, keys, db, case_id)
        for name in ("plain put", "sealed put", "service put", "plain get", "sealed get", "service get"):
            results.setdefault(name, []).append(timed(getattr(one, name.replace(" ", "_"))))
        one.clean()

    megabytes = args.items * args.size / 1e6
    print(f"{args.items} items of {args.size} bytes, {args.reps} repetitions, medians; work dir {work}")
    print(f"{'layer':<12} {'items/s':>10} {'MB/s':>10} {'median s':>10}")
    median = {name: statistics.median(times) for name, times in results.items()}
    for name, seconds in median.items():
        print(f"{name:<12} {args.items / seconds:>10.1f} {megabytes / seconds:>10.1f} {seconds:>10.3f}")
    for op in ("put", "get"):
        print(f"encryption overhead ({op}): sealed/plain time = {median[f'sealed {op}'] / median[f'plain {op}']:.2f}x; "
              f"service/plain = {median[f'service {op}'] / median[f'plain {op}']:.2f}x")
    db.dispose()
    if args.dir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
