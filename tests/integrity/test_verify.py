"""`archiver verify` on real files and a real catalog: ok, changed (bit rot),
modified (tag edit), missing, unreadable; history rows; resume after interruption."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.catalog import checksums, verify_runs
from archiver.cli import cli
from archiver.integrity.checksum import checksum_files
from archiver.integrity.verify import verify_files
from tests.integrity.conftest import Library, flip_byte
from tests.integrity.tagedit import retag

JSON_KEYS = {"checked", "ok", "changed", "modified", "missing", "unreadable", "seconds"}


def run(library: Library, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(library.db), "verify", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def verify_json(library: Library, *args: str) -> tuple[int, dict]:
    code, out = run(library, "--json", "-j", "1", *args)
    return code, json.loads(out)


@pytest.fixture
def files(library: Library) -> dict[str, Path]:
    made = {}
    for fmt in ("mp3", "flac", "ogg", "m4a", "wav"):
        made[fmt] = library.add(f"album/{fmt}.{fmt}", fmt, title=f"{fmt} song", artist="Artist")
    library.scan()
    checksum_files(library.db, jobs=1)
    return made


def test_all_ok_prints_one_json_object_and_exits_0(library: Library, files) -> None:
    code, data = verify_json(library)
    assert code == 0
    assert JSON_KEYS <= set(data)
    assert (data["checked"], data["ok"]) == (5, 5)
    assert data["changed"] == data["modified"] == data["missing"] == data["unreadable"] == []
    code, out = run(library, "-j", "2")
    assert code == 0 and "checked" in out


@pytest.mark.parametrize("fmt", ["mp3", "flac", "wav"])
def test_bit_rot_is_changed_and_stays_reported(library: Library, files, fmt: str) -> None:
    path = files[fmt]
    flip_byte(path, path.stat().st_size * 3 // 4)
    code, data = verify_json(library)
    assert code == 1
    assert data["changed"] == [str(path)]
    assert data["ok"] == 4
    assert "size and mtime are unchanged" in data["details"][str(path)]
    # The good fingerprint stays the reference: the next run still says changed.
    code, data = verify_json(library)
    assert code == 1 and data["changed"] == [str(path)]
    with library.catalog() as catalog:
        damaged = verify_runs.damaged_files(catalog.conn)
        history = checksums.fingerprint_history(catalog.conn, library.file_id(path))
    assert [(d.path, d.status) for d in damaged] == [(str(path), "changed")]
    assert len(history) == 3  # the checksum, then the evidence of each verify


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "m4a", "wav"])
def test_tag_edit_is_modified_with_same_audio(library: Library, files, fmt: str) -> None:
    path = files[fmt]
    retag(path, "New title", comment="c" * 3000)
    code, data = verify_json(library)
    assert code == 0  # an edit is not damage...
    assert data["modified"] == [str(path)]
    assert "tags only: audio identity unchanged" in data["details"][str(path)]
    # ...and the edit is the new reference.
    code, data = verify_json(library)
    assert code == 0 and data["ok"] == 5
    retag(path, "Edited again")
    code, data = verify_json(library, "--strict")
    assert code == 1 and data["modified"] == [str(path)]  # unless --strict


def test_missing_and_unreadable(library: Library, files) -> None:
    files["ogg"].unlink()
    files["m4a"].unlink()
    files["m4a"].mkdir()  # a folder where the file was: opens, cannot be read
    code, data = verify_json(library)
    assert code == 1
    assert data["missing"] == [str(files["ogg"])]
    assert data["unreadable"] == [str(files["m4a"])]
    code, out = run(library, "-j", "1")
    assert code == 1 and "missing" in out and "ogg.ogg" in out


def test_never_hashed_files_get_their_first_fingerprint(library: Library) -> None:
    path = library.add("a.flac", "flac", title="x")
    library.scan()
    code, data = verify_json(library)
    assert code == 0 and data["ok"] == 1 and data["first_fingerprints"] == 1
    sha = library.query("SELECT sha256 FROM files")[0][0]
    assert sha is not None and len(sha) == 64
    flip_byte(path, path.stat().st_size - 10)
    assert verify_json(library)[1]["changed"] == [str(path)]


def test_history_rows_and_last_verified(library: Library, files) -> None:
    files["mp3"].unlink()
    verify_json(library)
    verify_json(library)
    runs = library.query("SELECT status, checked, ok, missing FROM verify_runs ORDER BY id")
    assert runs == [("finished", 5, 4, 1)] * 2
    findings = library.query("SELECT status FROM verify_findings")
    assert findings == [("missing",), ("missing",)]  # only non-ok findings are rows
    statuses = dict(library.query("SELECT path, last_verify_status FROM files"))
    assert statuses[str(files["mp3"])] == "missing"
    assert statuses[str(files["flac"])] == "ok"
    assert all(r[0] for r in library.query("SELECT last_verified_at FROM files"))


def test_interrupted_verify_keeps_work_and_resumes(library: Library, files) -> None:
    flip_byte(files["wav"], files["wav"].stat().st_size - 100)
    seen = []

    def stop(event) -> None:
        seen.append(event.path)
        if event.done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:
        verify_files(library.db, jobs=1, progress=stop)
    assert info.value.verify_result.interrupted
    assert library.query("SELECT status, checked FROM verify_runs") == [("interrupted", 2)]
    rest = []
    result = verify_files(library.db, jobs=1, resume=True, progress=lambda e: rest.append(e.path))
    assert result.resumed and len(rest) == 3 and not set(rest) & set(seen)
    assert result.checked == 5 and result.changed == [str(files["wav"])]
    assert library.query("SELECT status, checked FROM verify_runs") == [("finished", 5)]


def test_query_limits_the_files(library: Library, files) -> None:
    pytest.importorskip("archiver.catalog.query")
    code, data = verify_json(library, "title:flac")
    assert code == 0 and data["checked"] == 1
    code, out = run(library, "--json", "year:abc")
    assert code == 2 and "year" in out


def test_verify_never_writes_the_files(library: Library, files) -> None:
    before = {p: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in files.values()}
    verify_json(library)
    assert before == {p: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in files.values()}


SLOW_VERIFY = """
import sys, time
from archiver.integrity.verify import verify_files

def slow(event):
    print("tick", event.done, flush=True)
    time.sleep(0.3)

verify_files(sys.argv[1], jobs=2, progress=slow)
"""


def test_ctrl_c_in_a_real_process_keeps_the_work(library: Library, files) -> None:
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_VERIFY, str(library.db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().startswith("tick 1")
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    [(status, checked)] = library.query("SELECT status, checked FROM verify_runs")
    assert status == "interrupted" and 1 <= checked < 5
    result = verify_files(library.db, jobs=2, resume=True)
    assert result.resumed and result.checked == 5 and result.ok == 5
    assert library.query("SELECT count(*) FROM files WHERE last_verified_at IS NULL") == [(0,)]


def test_query_with_non_utf8_bytes_is_stored_and_still_matches(library: Library) -> None:
    """A query byte that is not UTF-8 (a Latin-1 folder name typed in a Latin-1 terminal)
    arrives as a surrogate escape: the run stores it as ``\\xNN`` and it still selects
    the file, the way ls/export/stats match it; --resume finds the run again."""
    folder = os.fsdecode(b"d\xe9j\xe0")
    library.add(f"{folder}/a.mp3", "mp3", title="a", artist="x")
    library.add("other/b.mp3", "mp3", title="b", artist="x")
    library.scan()
    query = os.fsdecode(b"path:d\xe9j")
    code, data = verify_json(library, query)
    assert code == 0 and data["checked"] == 1, data
    assert library.query("SELECT query FROM verify_runs") == [("path:d\\xe9j",)]
    with library.catalog() as catalog, catalog.write() as conn:
        conn.execute("UPDATE verify_runs SET status = 'interrupted'")
    code, data = verify_json(library, "--resume", query)
    assert code == 0 and data["run_id"] == 1


def test_resume_with_nothing_to_resume_says_so_then_starts_a_new_run(library: Library) -> None:
    library.add("a.mp3", "mp3", title="a")
    library.scan()
    result = CliRunner().invoke(cli, ["--db", str(library.db), "verify", "--resume", "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "archiver: nothing to resume (no verify run yet); starting a new verify run\n"
    )
    assert json.loads(result.stdout)["run_id"] == 1
    again = CliRunner().invoke(cli, ["--db", str(library.db), "verify", "--resume", "-q"])
    assert again.stderr.splitlines() == [
        "archiver: nothing to resume (verify run 1 finished); starting a new verify run"
    ]
    plain = CliRunner().invoke(cli, ["--db", str(library.db), "verify", "-q"])
    assert plain.stderr == ""
