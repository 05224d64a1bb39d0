"""Export on a catalog made by the real scanner from the sample library (real audio files)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.export.test_export import DOCUMENTED, as_csv_cell, catalog_rows

LIBRARY = Path(__file__).resolve().parents[2] / "examples" / "library"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    if not LIBRARY.is_dir():
        pytest.skip("examples/library not present")
    base = tmp_path_factory.mktemp("scanned")
    root = base / "lib"
    shutil.copytree(LIBRARY, root)
    catalog_path = base / "catalog.db"
    result = run_cli(catalog_path, "scan", "--jobs", "1", "--checksum", "--quiet", str(root))
    if result.exit_code != 0:
        pytest.skip(f"scanner not usable here: {result.stderr.strip()[:200]}")
    return catalog_path, root


def test_csv_round_trip_on_scanned_files(scanned):
    catalog_path, root = scanned
    result = run_cli(catalog_path, "export")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8"), newline="")))
    assert rows[0] == DOCUMENTED
    expected = catalog_rows(catalog_path)
    assert len(rows) - 1 == len(expected) >= 20
    for row in rows[1:]:
        assert os.path.isabs(row[0]) and os.path.exists(row[0])
        for name, cell in zip(DOCUMENTED, row, strict=True):
            assert cell == as_csv_cell(name, expected[row[0]][name]), (row[0], name)
    titles = {r[3] for r in rows[1:]}
    assert "Ljósið kemur" in titles


def test_queries_on_scanned_files(scanned):
    catalog_path, _ = scanned
    out = run_cli(
        catalog_path, "export", "--format", "json", "--columns", "artist,format,lossless", "bjork"
    ).stdout
    data = json.loads(out)
    assert data and all(d["artist"] == "Björk Ǫuartet" for d in data)
    lossless = json.loads(
        run_cli(
            catalog_path, "export", "--format", "json", "--columns", "codec", "lossless:yes"
        ).stdout
    )
    assert lossless and all(
        d["codec"] in {"flac", "alac", "pcm", "ape", "wavpack", "tta"} for d in lossless
    )


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum not installed")
def test_manifest_of_scanned_files_checks(scanned):
    catalog_path, root = scanned
    result = run_cli(catalog_path, "export", "--format", "sha256sum")
    assert result.exit_code == 0
    if not result.stdout_bytes:
        pytest.skip("this scanner build did not store checksums")
    check = subprocess.run(
        ["sha256sum", "-c", "-"], cwd=root, input=result.stdout_bytes, capture_output=True
    )
    assert check.returncode == 0, check.stdout[-500:]
