"""The shared real-world corpus: every file ends up read, in scan_errors, or skipped."""

from __future__ import annotations

import csv
import os

import pytest

from archiver.scan import scan
from archiver.scan.read import read_file
from archiver.scan.walk import AUDIO_EXTENSIONS, extension
from tests.scan.pipeline.conftest import REPO, check_invariants, query

CORPUS = (REPO.parent / "shared" / "corpus" / "real").resolve()


@pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").is_file(), reason="shared corpus absent")
@pytest.mark.parametrize("jobs", [1, 2])
def test_every_corpus_file_is_read_or_an_error(tmp_path, jobs):
    db = tmp_path / "corpus.db"
    s = scan(db, [CORPUS], jobs=jobs)
    assert s.status == "finished"
    check_invariants(db)
    on_disk = [os.fsencode(os.path.join(d, f)) for d, _, fs in os.walk(CORPUS) for f in fs]
    assert s.files_found + s.skipped == len(on_disk)
    stored = {bytes(p): err for p, err in query(db, "SELECT path_bytes, read_error FROM files")}
    errors = {bytes(p) for (p,) in query(db, "SELECT path_bytes FROM scan_errors")}
    for path in on_disk:
        if extension(os.path.basename(path)) in AUDIO_EXTENSIONS:
            assert path in stored, path  # every audio-named file is catalogued
    for path, err in stored.items():
        assert (err is not None) == (path in errors), path
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh, delimiter="\t"))
    for row in manifest:
        path = os.fsencode(CORPUS / row["file"])
        if row["expected"] != "error":  # mutagen reads it: so must we
            if read_file(path).not_audio:  # a video-only Ogg: skipped, no track
                assert path not in stored, row["file"]
                continue
            assert stored.get(path, "absent") is None, row["file"]
