"""The analysis pool: crashes, hangs and planning (library level)."""

from __future__ import annotations

import shutil

import pytest

from archiver.audio import run as audio_run
from archiver.audio.run import needs_analysis, run_analysis
from archiver.catalog import open_catalog
from archiver.catalog.analysis import Target
from archiver.scan import scan


def _target(**kw) -> Target:
    base = dict(
        file_id=1, path_bytes=b"/x", size=10, mtime_ns=5, sha256=None, duration=1.0,
        analysed_size=10, analysed_mtime_ns=5, analysed_sha256=None, analysed=True,
    )  # fmt: skip
    return Target(**{**base, **kw})


def test_needs_analysis():
    assert not needs_analysis(_target(), force=False)
    assert needs_analysis(_target(), force=True)
    assert needs_analysis(_target(analysed=False, analysed_size=None), force=False)
    assert needs_analysis(_target(size=11), force=False)
    assert needs_analysis(_target(mtime_ns=6), force=False)
    assert not needs_analysis(_target(sha256="a", analysed_sha256=None), force=False)
    assert needs_analysis(_target(sha256="a", analysed_sha256="b"), force=False)
    assert not needs_analysis(_target(sha256="a", analysed_sha256="a"), force=False)


@pytest.fixture
def small(audio_files, tmp_path):
    root = tmp_path / "m"
    root.mkdir()
    for name in ("genuine", "mp3", "transcode", "short"):
        shutil.copy2(audio_files[name], root / audio_files[name].name)
    db = tmp_path / "c.db"
    scan(db, [root], jobs=1)
    return db, root


def _stored(db):
    with open_catalog(db) as catalog:
        return {
            p.rsplit("/", 1)[1]: (d, e)
            for p, d, e in catalog.conn.execute(
                "SELECT f.path, a.decode, a.error FROM analysis a JOIN files f ON f.id = a.file_id"
            )
        }


def test_a_crashing_worker_gets_its_file_an_error_row(small, monkeypatch):
    db, _ = small
    monkeypatch.setenv(audio_run.FAULT_ENV, "crash:transcode128")
    summary = run_analysis(db, jobs=2, fingerprint=False)
    stored = _stored(db)
    assert summary.errors == 1 and summary.analyzed == 4
    assert stored["transcode128.flac"][1].startswith("internal: the analysis process crashed")
    assert stored["genuine.flac"] == ("ok", None)


def test_a_hanging_file_times_out(small, monkeypatch):
    db, _ = small
    monkeypatch.setenv(audio_run.FAULT_ENV, "hang:short")
    summary = run_analysis(db, jobs=2, fingerprint=False, file_timeout=1.0)
    assert summary.errors == 1
    assert _stored(db)["short.flac"][1].startswith("timeout:")


def test_a_worker_deaf_to_its_alarm_is_killed(small, monkeypatch):
    db, _ = small
    monkeypatch.setenv(audio_run.FAULT_ENV, "stuck:short")
    monkeypatch.setattr(audio_run, "GRACE", 1.0)
    summary = run_analysis(db, jobs=2, fingerprint=False, file_timeout=1.0)
    assert summary.errors == 1 and summary.analyzed == 4
    assert "stopped responding" in _stored(db)["short.flac"][1]


def test_a_file_gone_since_the_scan_gets_an_error_row(small):
    db, root = small
    (root / "short.flac").unlink()
    summary = run_analysis(db, jobs=1, fingerprint=False)
    assert summary.errors == 1
    assert _stored(db)["short.flac"] == (None, "missing: not on disk")


def test_should_stop_interrupts_and_keeps_what_was_done(small):
    db, _ = small
    with pytest.raises(audio_run.AnalyzeInterrupted) as info:
        run_analysis(db, jobs=1, fingerprint=False, should_stop=lambda: True)
    assert info.value.summary.interrupted
    assert len(_stored(db)) == info.value.summary.analyzed >= 1
