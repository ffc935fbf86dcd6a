"""vPDQ video hashing against ThreatExchange's sample videos and regression hashes (benign clips only)."""

import functools
import hashlib
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from childsafe.hashing import (
    ALGORITHMS,
    InvalidMedia,
    VideoFrame,
    VideoUnsupported,
    algorithm,
    format_vpdq_frames,
    hamming,
    hash_file,
    hash_upload,
    hash_video_bytes,
    hash_video_file,
    parse_vpdq_frames,
    sniff_video,
    vpdq_available,
    vpdq_match,
)
from childsafe.hashing import video as video_module
from test_hashing import DATA

VIDEO = DATA / "video"
SAMPLES = sorted(VIDEO.glob("*.mp4"))
REFERENCES = sorted(VIDEO.glob("*.vpdq.txt"))
needs_video = pytest.mark.skipif(not (vpdq_available() and shutil.which("ffprobe")),
                                 reason="the 'video' extra (vpdq) or ffprobe is not installed")
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


@functools.cache
def ours(name: str) -> list[VideoFrame]:
    return hash_video_file(VIDEO / f"{name}.mp4")


@functools.cache
def reference(name: str) -> list[VideoFrame]:
    return parse_vpdq_frames((VIDEO / f"{name}.vpdq.txt").read_text())


def _stem(path: Path) -> str:
    return path.name.removesuffix(".mp4").removesuffix(".vpdq.txt")


# ---------------------------------------------------------------------------------------------------------------
# The frame-list format and the comparison rule (no decoder needed).


@pytest.mark.parametrize("path", REFERENCES, ids=_stem)
def test_the_parser_round_trips_the_reference_files(path):
    text = path.read_text()
    frames = parse_vpdq_frames(text)
    assert frames and format_vpdq_frames(frames) == text
    assert [f.frame for f in frames] == list(range(len(frames)))
    assert all(len(f.hex) == 64 and 0 <= f.quality <= 100 for f in frames)


@pytest.mark.parametrize(("line", "message"), [
    ("3,100,abc,0.100", "64 hexadecimal"),
    ("3,100," + "ab" * 32, "4 comma-separated fields"),
    ("3,101," + "ab" * 32 + ",0.1", "quality 101"),
    ("x,100," + "ab" * 32 + ",0.1", "invalid literal"),
    ("-1,100," + "ab" * 32 + ",0.1", "negative"),
    ("3,100," + "ab" * 32 + ",-2", "timestamp"),
    ("3,100," + "ab" * 32 + ",nan", "timestamp"),
])
def test_the_parser_names_the_malformed_line(line, message):
    lines = (VIDEO / "pattern-sd-grey-bar.vpdq.txt").read_text().splitlines()
    lines[6] = line
    with pytest.raises(ValueError, match=f"line 7: .*{message}"):
        parse_vpdq_frames("\n".join(lines))


def test_match_rule_follows_threatexchange():
    a, b, c = "0" * 64, "0" * 63 + "f", "f" * 64  # b is 4 bits from a; c is 256 bits from a
    frame = functools.partial(VideoFrame, timestamp=0.0)
    query = [frame(0, hex=a, quality=100), frame(1, hex=a, quality=100), frame(2, hex=c, quality=100),
             frame(3, hex=b, quality=10)]  # a duplicate, and a frame below the quality floor
    candidate = [frame(0, hex=b, quality=100)]
    result = vpdq_match(query, candidate)
    assert (result.query_frames, result.index_frames) == (2, 1)  # duplicates and low quality dropped
    assert result.query_match == 0.5 and result.query_match_percent == 50.0 and result.index_match == 1.0
    assert not result.is_match  # 50 % < 80 %
    assert vpdq_match(query, candidate, query_match=0.5).is_match
    assert not vpdq_match(query, candidate, threshold=3).is_match
    assert vpdq_match(candidate, query).is_match  # 100 % of the one candidate frame is found
    assert not vpdq_match([], candidate).is_match and vpdq_match([], candidate).query_match == 0.0
    with pytest.raises(ValueError, match="fraction"):
        vpdq_match(query, candidate, query_match=80)


@pytest.mark.parametrize("name", [_stem(p) for p in REFERENCES], ids=str)
def test_a_reference_list_matches_itself(name):
    result = vpdq_match(reference(name), reference(name))
    assert result.is_match and result.query_match == result.index_match == 1.0


# ---------------------------------------------------------------------------------------------------------------
# Hashing.


@needs_video
@pytest.mark.parametrize("path", SAMPLES, ids=_stem)
def test_one_hash_per_second_agrees_with_the_reference(path):
    """The reference lists every frame; ours is one per second. Same frames, same quality, and for frames good
    enough to match, within 10 bits (decoder differences; measured at most 6)."""
    frames, ref = ours(_stem(path)), {f.frame: f for f in reference(_stem(path))}
    assert [round(f.timestamp) for f in frames] == list(range(len(frames)))
    assert len(frames) >= int(max(r.timestamp for r in ref.values()))
    for frame in frames:
        expected = ref[frame.frame]
        assert abs(frame.timestamp - expected.timestamp) < 1e-3
        assert frame.quality == expected.quality
        if frame.match_eligible:
            assert hamming(frame.hex, expected.hex) <= 10, frame


@needs_video
def test_videos_match_themselves_their_variants_and_nothing_unrelated():
    everything = [_stem(p) for p in SAMPLES]
    for name in everything:
        result = vpdq_match(ours(name), ours(name))
        assert result.is_match and result.query_match == 1.0
        assert vpdq_match(ours(name), reference(name)).is_match, "our 1-fps hashes are found in the reference"
    # the same clip with a grey bar and with a small logo in the bar: a match both ways, every frame
    grey, logo = ours("pattern-sd-grey-bar"), ours("pattern-sd-with-small-logo-bar")
    assert vpdq_match(grey, logo).query_match == vpdq_match(logo, grey).query_match == 1.0
    # the HD cut without the bar is re-framed (portrait, no letterbox): 72-96 bits away, not a match
    assert vpdq_match(ours("pattern-hd-no-bar"), grey).query_match == 0.0
    # chair-20 contains chair-19's footage: against chair-20's every-frame list all of chair-19 is found ...
    assert vpdq_match(ours("chair-19-sd-bar"), reference("chair-20-sd-bar")).query_match == 1.0
    # ... but two 1-fps samplings of moving footage hit different frames, so only a few line up
    assert not vpdq_match(ours("chair-19-sd-bar"), ours("chair-20-sd-bar")).is_match
    for unrelated in ("chair-19-sd-bar", "chair-20-sd-bar"):
        result = vpdq_match(ours(unrelated), ours("doorknob-hd-no-bar"))
        assert not result.is_match and result.query_match == result.index_match == 0.0
    for a in everything:
        for b in everything:
            if {a, b} not in ({a}, {"pattern-sd-grey-bar", "pattern-sd-with-small-logo-bar"}):
                assert not vpdq_match(ours(a), ours(b)).is_match, (a, b)


@needs_video
def test_uploads_and_files_are_told_apart_by_their_bytes(tmp_path):
    path = VIDEO / "chair-19-sd-bar.mp4"
    data = path.read_bytes()
    media = hash_upload(data, None, max_video_seconds=60)
    assert media.kind == "video" and media.container == "mp4" and media.pdq == []
    assert media.md5 == "0a21c8f85a55a9e276ffc2c53f6887c4"  # PDQMD5TestData.csv, from ThreatExchange
    assert media.sha256 == hashlib.sha256(data).hexdigest()
    assert [h.algorithm for h in media.hashes] == ["md5", "sha256"]
    assert media.frames == ours("chair-19-sd-bar")
    on_disk = hash_file(path)
    assert (on_disk.md5, on_disk.sha256, on_disk.frames) == (media.md5, media.sha256, media.frames)
    image = hash_file(DATA / "images/bridge-mods/aaa-orig.jpg")
    assert image.kind == "image" and len(image.pdq) == 1 and image.frames == []


@needs_video
def test_vpdq_behind_the_algorithm_seam():
    assert ALGORITHMS["vpdq"].hex_length == 64 and ALGORITHMS["vpdq"].default_threshold == 31
    values = algorithm("vpdq").hash_bytes((VIDEO / "test-padded-dimensions.mp4").read_bytes())
    assert [(v.frame, v.timestamp, v.value, v.quality) for v in values] == \
        [(f.frame, f.timestamp, f.hex, f.quality) for f in ours("test-padded-dimensions")]
    assert all(v.algorithm == "vpdq" and v.variant == "original" and v.match_eligible for v in values)


@needs_video
def test_the_temporary_copy_is_private_and_always_removed(tmp_path, monkeypatch):
    seen = []
    probe = video_module.probe_video

    def spy(path, **kwargs):
        seen.append((stat.S_IMODE(path.stat().st_mode), stat.S_IMODE(path.parent.stat().st_mode), path))
        return probe(path, **kwargs)

    monkeypatch.setattr(video_module, "probe_video", spy)
    data = (VIDEO / "test-padded-dimensions.mp4").read_bytes()
    assert hash_video_bytes(data, work_dir=tmp_path)
    with pytest.raises(InvalidMedia):
        hash_video_bytes(data, work_dir=tmp_path, max_seconds=1)
    assert [(file_mode, dir_mode) for file_mode, dir_mode, _ in seen] == [(0o600, 0o700)] * 2
    assert not seen[0][2].exists() and list(tmp_path.iterdir()) == []


def _bad_videos() -> list[tuple[str, bytes, str]]:
    mp4 = (VIDEO / "pattern-sd-grey-bar.mp4").read_bytes()  # moov first, then the frames
    tail_moov = (VIDEO / "test-padded-dimensions.mp4").read_bytes()  # frames first, moov last
    garbled = bytearray(mp4)
    garbled[200:20_000] = bytes(19_800)  # the sample tables zeroed
    return [
        ("zero bytes", b"", "empty"),
        ("cut in half", mp4[:len(mp4) // 2], "truncated"),
        ("moov cut off", tail_moov[:len(tail_moov) // 2], "truncated"),
        ("header only", mp4[:40], "truncated"),
        ("garbled tables", bytes(garbled), "corrupt|not a video|no video stream"),
        ("an image", (DATA / "images/misc/wee.jpg").read_bytes(), "not a video container"),
        ("text", b"hello, this is not a video", "not a video container"),
        ("ftyp and noise", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 8,
         "corrupt|not a video|truncated"),
        ("webm magic, no video", b"\x1a\x45\xdf\xa3" + bytes(500), "not a video|corrupt"),
    ]


@needs_video
@pytest.mark.parametrize(("data", "message"), [(d, m) for _, d, m in _bad_videos()],
                         ids=[n for n, _, _ in _bad_videos()])
def test_bad_videos_are_refused_and_leave_nothing_behind(data, message, tmp_path):
    with pytest.raises(InvalidMedia, match=message):
        hash_video_bytes(data, work_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@needs_video
def test_limits_are_checked_before_hashing(tmp_path, monkeypatch):
    data = (VIDEO / "pattern-sd-grey-bar.mp4").read_bytes()

    def no_decoding(*args, **kwargs):
        raise AssertionError("the decoder must not run")

    monkeypatch.setattr(video_module, "_run_vpdq", no_decoding)
    with pytest.raises(InvalidMedia, match=r"6\.9 s long, more than the 2 s allowed"):
        hash_video_bytes(data, max_seconds=2, work_dir=tmp_path)
    with pytest.raises(InvalidMedia, match="more than the 5 s allowed"):
        hash_upload(data, max_video_seconds=5)
    with pytest.raises(InvalidMedia, match="larger than 1000000 bytes"):
        hash_video_bytes(data, max_bytes=1_000_000, work_dir=tmp_path)
    with pytest.raises(InvalidMedia, match="larger than"):
        hash_upload(data, max_video_bytes=1_000_000)
    assert list(tmp_path.iterdir()) == []


@needs_video
@needs_ffmpeg
def test_a_file_without_a_video_stream_is_refused(tmp_path):
    audio = tmp_path / "audio.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(VIDEO / "doorknob-hd-no-bar.mp4"), "-vn", "-c:a", "copy",
                    str(audio)], check=True, timeout=60)
    cover = tmp_path / "cover.m4a"  # a synthetic tone with a still picture attached as cover art
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=2", "-i",
                    str(DATA / "images/misc/wee.jpg"), "-map", "0:a", "-map", "1:v", "-c:a", "aac", "-c:v", "mjpeg",
                    "-disposition:v", "attached_pic", str(cover)], check=True, timeout=60)
    for path in (audio, cover):
        assert sniff_video(path.read_bytes()) == "mp4"
        with pytest.raises(InvalidMedia, match="no video stream"):
            hash_file(path)


def test_without_the_video_extra_videos_get_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(video_module, "vpdq_available", lambda: False)
    data = (VIDEO / "test-padded-dimensions.mp4").read_bytes()
    for attempt in (lambda: hash_upload(data), lambda: hash_video_bytes(data, work_dir=tmp_path),
                    lambda: hash_file(VIDEO / "test-padded-dimensions.mp4")):
        with pytest.raises(VideoUnsupported, match=r"'video' extra .*not installed"):
            attempt()
    assert list(tmp_path.iterdir()) == []
    assert hash_upload((DATA / "images/misc/wee.jpg").read_bytes()).kind == "image"  # images are unaffected


def test_vpdq_registers_only_where_the_extra_is_installed():
    code = ("import sys; sys.modules['vpdq'] = None\n"
            "import childsafe.hashing as h\n"
            "print(sorted(h.ALGORITHMS), 'vpdq' in sys.modules and sys.modules['vpdq'] is not None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["['md5',", "'pdq',", "'sha256']", "False"]
    assert ("vpdq" in ALGORITHMS) == vpdq_available()
    code = "import sys, childsafe.hashing as h; print('vpdq' in h.ALGORITHMS, 'vpdq' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == [str(vpdq_available()), "False"], "registered without importing vpdq (GPL FFmpeg)"


def test_sniffing():
    assert sniff_video((VIDEO / "doorknob-hd-no-bar.mp4").read_bytes()[:64]) == "mp4"
    assert sniff_video(b"\x1a\x45\xdf\xa3\x01\x00") == "webm"
    assert sniff_video(b"RIFF\x00\x00\x00\x00AVI LIST") == "avi"
    assert sniff_video(b"RIFF\x00\x00\x00\x00WEBPVP8 ") is None
    assert sniff_video(b"FLV\x01\x05") == "flv"
    assert sniff_video((b"\x47" + bytes(187)) * 4) == "mpegts"
    assert sniff_video(b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00mif1heic") is None  # a HEIF still image
    assert sniff_video(b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ") == "mp4"
    for image in ("images/misc/wee.jpg", "images/pen-and-coaster.png"):
        assert sniff_video((DATA / image).read_bytes()) is None


SMALL_VIDEO = (VIDEO / "test-padded-dimensions.mp4").read_bytes()  # 56 KB, 5 s


def _mutate(at: int, patch: bytes) -> bytes:
    at %= len(SMALL_VIDEO)
    return SMALL_VIDEO[:at] + patch + SMALL_VIDEO[at + len(patch):]


@needs_video
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.tuples(st.integers(0, 2**31), st.binary(min_size=1, max_size=32)).map(lambda m: _mutate(*m)),
    st.tuples(st.integers(len(SMALL_VIDEO) - 2700, len(SMALL_VIDEO)), st.binary(min_size=1, max_size=8)).map(
        lambda m: _mutate(*m)),  # in the moov box at the end: sample tables, sizes, durations
    st.integers(1, len(SMALL_VIDEO) - 1).map(lambda cut: SMALL_VIDEO[:cut]),
))
def test_fuzzed_videos_hash_or_fail_cleanly(tmp_path, data):
    """Mutated and truncated copies of a sample either hash or raise InvalidMedia, and leave no file behind."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    try:
        frames = hash_video_bytes(data, work_dir=work)
    except InvalidMedia:
        event("refused")
    else:
        event("hashed")
        assert frames and all(len(f.hex) == 64 and 0 <= f.quality <= 100 for f in frames)
    assert list(work.iterdir()) == []
