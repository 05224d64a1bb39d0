"""Hostile files (tests/reliability's pathological structures, damaged templates):
every one gets a decode verdict or a one-line error row; nothing hangs the run."""

from __future__ import annotations

import random

import pytest

from archiver.audio.run import run_analysis
from archiver.catalog import open_catalog
from archiver.scan import scan
from tests import audiogen
from tests.reliability.test_hostile_files import PATHOLOGICAL


@pytest.fixture
def hostile_dir(tmp_path):
    root = tmp_path / "hostile"
    root.mkdir()
    for name, make in PATHOLOGICAL.items():
        (root / name).write_bytes(make())
    rng = random.Random(5)
    for fmt in audiogen.FORMATS:
        data = audiogen.template(fmt).read_bytes()
        ext = fmt.rsplit(".", 1)[-1]
        (root / f"cut-{fmt}.{ext}").write_bytes(data[: max(1, len(data) // 3)])
        flipped = bytearray(data)
        for _ in range(20):
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        (root / f"flip-{fmt}.{ext}").write_bytes(bytes(flipped))
    return root


def test_every_hostile_file_gets_a_verdict_or_an_error(hostile_dir, tmp_path):
    db = tmp_path / "c.db"
    scan(db, [hostile_dir], jobs=1)
    summary = run_analysis(db, jobs=2, fingerprint=True, file_timeout=30)
    with open_catalog(db) as catalog:
        files = catalog.conn.execute("SELECT count(*) FROM files WHERE missing = 0").fetchone()[0]
        rows = catalog.conn.execute("SELECT decode, decode_detail, error FROM analysis").fetchall()
    assert summary.analyzed == files == len(rows) > 20
    for decode, detail, error in rows:
        assert decode in ("ok", "error", "unsupported") or error
        for text in (detail, error):
            assert text is None or ("\n" not in text and len(text) < 400)
