"""Media hashing against the reference data in ../shared/data/pdq (benign images only)."""

import csv
import hashlib
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from childsafe.errors import InvalidInput
from childsafe.hashing import InvalidMedia, algorithm, decode_image, hamming, hash_media, parse_hash
from childsafe.hashing.images import decode_image as decode


def _shared_pdq() -> Path:
    """../shared/data/pdq beside the checkout (as in CI), or CHILDSAFE_SHARED_DATA/pdq."""
    candidates = [Path(p) / "pdq" for p in filter(None, [os.environ.get("CHILDSAFE_SHARED_DATA")])]
    candidates.append(Path(__file__).resolve().parents[2] / "shared" / "data" / "pdq")
    for candidate in candidates:
        if (candidate / "expected").is_dir():
            return candidate
    raise FileNotFoundError(f"PDQ test data not found in {', '.join(map(str, candidates))}; "
                            "set CHILDSAFE_SHARED_DATA to the shared data folder")


DATA = _shared_pdq()


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / "expected" / name, newline="") as handle:
        return list(csv.DictReader(handle))


PDQHASH_ROWS = _rows("pdqhash-0.2.8.csv")
CPP_DIHEDRAL = _rows("cpp-reference-dihedral.csv")


@pytest.mark.parametrize("row", PDQHASH_ROWS, ids=lambda r: r["file"])
def test_pdq_is_bit_exact_with_the_pinned_bindings(row):
    [value] = algorithm("pdq").hash_bytes((DATA / row["file"]).read_bytes())
    assert value.value == row["pdq_hex"]
    assert value.quality == int(row["quality"])


@pytest.mark.parametrize("row", CPP_DIHEDRAL, ids=lambda r: r["file"])
def test_pdq_agrees_with_the_cpp_reference_within_10_bits(row):
    [value] = algorithm("pdq").hash_bytes((DATA / row["file"]).read_bytes())
    assert hamming(value.value, row["pdq_hex"]) <= 10


def test_dihedral_hashes_reach_every_rotated_copy():
    original = (DATA / "images/dih/bridge-1-original.jpg").read_bytes()
    variants = algorithm("pdq").hash_bytes(original, dihedral=True)
    assert len(variants) == 8 and variants[0].variant == "original"
    for row in CPP_DIHEDRAL[1:]:
        [copy] = algorithm("pdq").hash_bytes((DATA / row["file"]).read_bytes())
        plain = hamming(variants[0].value, copy.value)
        best = min(hamming(v.value, copy.value) for v in variants)
        assert plain > 31, "without dihedral hashing the copy would be missed"
        assert best <= 10, row["file"]


def test_quality_gate():
    [low] = algorithm("pdq").hash_bytes((DATA / "images/misc/small.jpg").read_bytes())
    assert low.quality == 0 and not low.match_eligible
    [good] = algorithm("pdq").hash_bytes((DATA / "images/bridge-mods/aaa-orig.jpg").read_bytes())
    assert good.match_eligible


def test_cryptographic_hashes_of_the_bytes():
    data = (DATA / "images/pen-and-coaster.png").read_bytes()
    values = {v.algorithm: v.value for v in hash_media(data)}
    assert values["md5"] == hashlib.md5(data).hexdigest()
    assert values["sha256"] == hashlib.sha256(data).hexdigest()
    assert algorithm("md5").distance(values["md5"], values["md5"]) == 0


def test_hash_parsing():
    assert parse_hash(algorithm("pdq"), " " + "AB" * 32 + " ") == "ab" * 32
    for bad in ("ab" * 31, "zz" * 32, "", "ab" * 33):
        with pytest.raises(InvalidInput, match="64 hexadecimal digits"):
            parse_hash(algorithm("pdq"), bad)
    with pytest.raises(InvalidInput, match="unknown hash algorithm"):
        algorithm("photodna")


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 30, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"hello, this is text", "not an image format"),
    ((DATA / "images/bridge-mods/aaa-orig.jpg").read_bytes()[:3000], "corrupt or truncated"),
])
def test_bad_files_get_clear_errors(data, message):
    with pytest.raises(InvalidMedia, match=message):
        algorithm("pdq").hash_bytes(data)


def test_decompression_bomb_is_refused_from_the_header():
    with pytest.raises(InvalidMedia, match="decompression bomb"):
        decode(_png((2000, 1000)), max_pixels=1_000_000)
    assert decode_image(_png((1000, 1000)), max_pixels=1_000_000).shape == (1000, 1000, 3)


SEED = (DATA / "images/misc/wee.jpg").read_bytes()


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=2048),
    st.tuples(st.integers(0, len(SEED) - 1), st.binary(min_size=1, max_size=16)).map(
        lambda cut: SEED[:cut[0]] + cut[1] + SEED[cut[0] + len(cut[1]):]),
))
def test_fuzzed_images_hash_or_fail_cleanly(data):
    """Random and mutated bytes either hash or raise InvalidMedia: never another error, never a crash."""
    try:
        values = hash_media(data)
    except InvalidMedia:
        return
    assert {v.algorithm for v in values} == {"md5", "sha256", "pdq"}
    assert all(len(v.value) == algorithm(v.algorithm).hex_length for v in values)


def test_cli_hash(tmp_path):
    import json

    from typer.testing import CliRunner

    from childsafe.cli.main import app

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not really a jpeg")
    good = DATA / "images/bridge-mods/aaa-orig.jpg"
    result = CliRunner().invoke(app, ["hash", str(good), str(DATA / "images/misc/small.jpg"), str(broken)])
    assert result.exit_code == 1, "a file that could not be hashed makes the run fail"
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines[0]["pdq"] == PDQHASH_ROWS[0]["pdq_hex"] and lines[0]["pdq_low_quality"] is False
    assert lines[1]["pdq_quality"] == 0 and lines[1]["pdq_low_quality"] is True
    assert "broken.jpg" in result.stderr and "not an image format" in result.stderr
    dihedral = CliRunner().invoke(app, ["hash", "--dihedral", str(good)])
    assert len(json.loads(dihedral.stdout)["pdq_dihedral"]) == 7
