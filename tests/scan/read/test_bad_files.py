"""Files that are not what they claim: read_file never raises, it says what happened."""

from __future__ import annotations

import os
import random

import pytest

from archiver.scan.read import read_file
from tests import audiogen

ERROR_KINDS = {"unsupported", "corrupt", "unreadable", "internal"}


def _assert_one_line_error(record, kind: str) -> None:
    assert record.error is not None
    assert record.error[0] == kind, record.error
    message = record.error[1]
    assert message and "\n" not in message
    assert os.fsdecode(record.path_bytes) not in message  # no absolute path in the reason


@pytest.mark.parametrize(
    "name", ["empty.mp3", "empty.flac", "empty.m4a", "empty.ogg", "empty.wav", "empty"]
)
def test_zero_byte_file(tmp_path, name):
    path = audiogen.make_zero_byte(tmp_path / name)
    record = read_file(os.fsencode(path))
    _assert_one_line_error(record, "corrupt")
    assert record.error[1] == "empty file (0 bytes)"
    assert record.size == 0 and record.mtime_ns == path.stat().st_mtime_ns


@pytest.mark.parametrize("fmt", ["flac", "ogg", "opus", "spx", "wma"])
def test_garbage_after_a_valid_header_is_corrupt(tmp_path, fmt):
    path = audiogen.make_corrupt(tmp_path / f"bad.{fmt}", fmt, "garbage")
    _assert_one_line_error(read_file(os.fsencode(path)), "corrupt")


@pytest.mark.parametrize("fmt", sorted(audiogen.FORMATS))
@pytest.mark.parametrize("mode", ["garbage", "truncated"])
def test_damaged_files_never_raise(tmp_path, fmt, mode):
    path = audiogen.make_corrupt(tmp_path / f"bad.{fmt}", fmt, mode)
    record = read_file(os.fsencode(path))
    if record.error is not None:
        assert record.error[0] == "corrupt", record.error
    else:
        assert record.format is not None


@pytest.mark.parametrize("fmt", ["flac", "m4a"])
def test_truncated_flac_and_mp4_are_corrupt(tmp_path, fmt):
    path = audiogen.make_corrupt(tmp_path / f"cut.{fmt}", fmt, "truncated")
    _assert_one_line_error(read_file(os.fsencode(path)), "corrupt")


@pytest.mark.parametrize("name", ["noise.mp3", "noise.flac", "noise.m4a", "noise.wma", "noise.ogg"])
def test_random_bytes_with_an_audio_extension(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(random.Random(7).randbytes(4096))
    _assert_one_line_error(read_file(os.fsencode(path)), "corrupt")


@pytest.mark.parametrize("name", ["notes.txt", "cover.jpg", "noext"])
def test_non_audio_is_unsupported(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"<html><body>404 Not Found</body></html>\n" * 20)
    record = read_file(os.fsencode(path))
    _assert_one_line_error(record, "unsupported")
    assert record.format is None


@pytest.mark.parametrize(
    ("fmt", "name", "kind"),
    [
        ("flac", "really-flac.m4a", "FLAC"),
        ("opus", "really-opus.mp3", "OggOpus"),
        ("wav", "really-wav.flac", "WAVE"),
        ("m4a", "really-m4a.ogg", "MP4"),
        ("flac", "really-flac.wma", "FLAC"),
    ],
)
def test_renamed_extension_is_read_by_content_with_a_note(tmp_path, fmt, name, kind):
    path = audiogen.make_file(tmp_path / f"src.{fmt}", fmt, {"title": "Renamed"})
    target = tmp_path / name
    path.rename(target)
    record = read_file(os.fsencode(target))
    assert record.error is None, record.error
    assert record.tags["title"] == "Renamed"
    assert len(record.notes) == 1 and kind in record.notes[0], record.notes
    assert os.path.splitext(name)[1] in record.notes[0]


def test_audio_without_extension_is_read_by_content(tmp_path):
    path = audiogen.make_file(tmp_path / "src.flac", "flac", {"title": "No ext"})
    target = tmp_path / "track"
    path.rename(target)
    record = read_file(os.fsencode(target))
    assert record.error is None and record.format == "flac" and record.tags["title"] == "No ext"


def test_non_utf8_file_name(tmp_path):
    src = audiogen.make_file(tmp_path / "src.flac", "flac", {"title": "Latin-1 name"})
    raw_name = os.fsencode(tmp_path) + b"/Caf\xe9 \xff.flac"
    os.rename(os.fsencode(src), raw_name)
    record = read_file(raw_name)
    assert record.error is None
    assert record.path_bytes == raw_name
    assert record.path.endswith("Caf\\xe9 \\xff.flac")
    assert record.tags["title"] == "Latin-1 name"


def test_vanished_file(tmp_path):
    record = read_file(os.fsencode(tmp_path / "gone.mp3"))
    _assert_one_line_error(record, "unreadable")
    assert record.error[1].startswith("vanished")


def test_vanished_between_stat_and_read(tmp_path):
    path = audiogen.make_file(tmp_path / "soon-gone.mp3", "mp3", {"title": "x"})
    st = os.stat(path)
    path.unlink()
    record = read_file(os.fsencode(path), st)
    _assert_one_line_error(record, "unreadable")
    assert record.size == st.st_size


def test_directory_with_audio_name(tmp_path):
    (tmp_path / "album.mp3").mkdir()
    _assert_one_line_error(read_file(os.fsencode(tmp_path / "album.mp3")), "unreadable")


def test_fifo_is_never_opened(tmp_path):
    fifo = tmp_path / "pipe.flac"
    os.mkfifo(fifo)
    record = read_file(os.fsencode(fifo))  # would block forever if opened
    _assert_one_line_error(record, "unreadable")


def _read_as_nobody(path: bytes) -> tuple[str, str] | None:
    """read_file in a forked child that dropped root (root reads chmod-000 files)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.close(rfd)
            os.setgid(65534)
            os.setuid(65534)
            os.write(wfd, repr(read_file(path).error).encode())
        finally:
            os._exit(0)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as fh:
        out = fh.read().decode()
    os.waitpid(pid, 0)
    import ast

    return ast.literal_eval(out)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_permission_denied(tmp_path):
    import shutil
    import tempfile

    base = tempfile.mkdtemp(prefix="archiver-perm-")
    try:
        os.chmod(base, 0o755)
        locked = os.path.join(base, "locked.flac")
        shutil.copyfile(audiogen.template("flac"), locked)
        os.chmod(locked, 0)
        closed_dir = os.path.join(base, "closed")
        os.mkdir(closed_dir, 0o700)
        hidden = os.path.join(closed_dir, "hidden.flac")
        shutil.copyfile(audiogen.template("flac"), hidden)
        # open() refused
        assert _read_as_nobody(os.fsencode(locked)) == ("unreadable", "permission denied")
        # stat() refused (folder not searchable)
        assert _read_as_nobody(os.fsencode(hidden)) == ("unreadable", "permission denied")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_nul_in_path_is_internal_not_raised():
    record = read_file(b"/tmp/bad\x00name.mp3")
    assert record.error is not None and record.error[0] in ERROR_KINDS


def test_id3_header_then_garbage(tmp_path):
    path = tmp_path / "broken.mp3"
    path.write_bytes(b"ID3\x04\x00\x00\x00\x00\x7f\x7f" + b"\x00" * 100)
    _assert_one_line_error(read_file(os.fsencode(path)), "corrupt")


def test_reads_are_capped_to_the_file_size(tmp_path):
    """A damaged header claiming a huge chunk must not make read(n) allocate n bytes."""
    import io

    from archiver.scan.read import _CappedReader

    path = tmp_path / "small.bin"
    path.write_bytes(b"0123456789")
    with _CappedReader(io.FileIO(os.fsencode(path), "r"), 10) as fh:
        fh.seek(4)
        assert fh.read(2**62) == b"456789"
        assert fh.read(5) == b""


def test_dsdiff_claiming_an_exabyte_chunk(tmp_path):
    import struct

    prop = b"SND " + b"FS  " + struct.pack(">Q", 4) + struct.pack(">I", 2822400)
    body = (
        b"DSD "
        + b"FVER"
        + struct.pack(">Q", 4)
        + b"\x01\x05\x00\x00"
        + b"PROP"
        + struct.pack(">Q", 2**60)
        + prop
    )
    path = tmp_path / "huge.dff"
    path.write_bytes(b"FRM8" + struct.pack(">Q", 2**61) + body)
    record = read_file(os.fsencode(path))
    assert record.error is None or record.error[0] == "corrupt", record.error
