"""The verify verdict for every combination of stored and fresh fingerprints (pure)."""

from __future__ import annotations

import pytest

from archiver.catalog.checksums import StoredFingerprint
from archiver.integrity.checksum import HashOutcome
from archiver.integrity.hashing import Fingerprint
from archiver.integrity.verify import classify

SHA, SHA2 = "a" * 64, "b" * 64
AUDIO, AUDIO2 = "c" * 64, "d" * 64


def stored(
    sha=SHA, audio=AUDIO, method="mp3-frames-sha256", size=100, mtime=5
) -> StoredFingerprint:
    return StoredFingerprint(
        1, "/m/x.mp3", b"/m/x.mp3", size, mtime, sha, audio, method, size, mtime
    )


def fresh(sha=SHA, audio=AUDIO, method="mp3-frames-sha256", size=100, mtime=5) -> HashOutcome:
    return HashOutcome(1, b"/m/x.mp3", Fingerprint(sha, audio, method, size, mtime))


@pytest.mark.parametrize(
    ("old", "new", "status", "detail", "store"),
    [
        (stored(), fresh(), "ok", None, None),
        (stored(sha=None, audio=None, method=None), fresh(), "ok", "first fingerprint", "current"),
        (stored(), fresh(mtime=9), "ok", "touched", "current"),
        (stored(), fresh(sha=SHA2), "changed", "audio identity unchanged", "history"),
        (stored(), fresh(sha=SHA2, audio=AUDIO2), "changed", "the audio data differs", "history"),
        (
            stored(method="flac-streaminfo-md5"),
            fresh(sha=SHA2, method="flac-streaminfo-md5"),
            "changed",
            "read from the header",
            "history",
        ),
        (stored(), fresh(sha=SHA2, size=120, mtime=9), "modified", "tags only", "current"),
        (stored(), fresh(sha=SHA2, mtime=9), "modified", "edited (mtime changed)", "current"),
        (stored(), fresh(sha=SHA2, audio=AUDIO2, size=90), "modified", "size 100 -> 90", "current"),
        (stored(), fresh(sha=SHA2, audio=AUDIO2, mtime=7), "modified", "audio changed", "current"),
        (
            stored(),
            fresh(sha=SHA2, audio=SHA2, method="whole-file-sha256", mtime=7),
            "modified",
            "not comparable",
            "current",
        ),
    ],
)
def test_classify(old, new, status, detail, store) -> None:
    verdict = classify(old, new)
    assert verdict.status == status
    assert verdict.store == store
    if detail is None:
        assert verdict.detail is None
    else:
        assert detail in verdict.detail


def test_missing_and_unreadable_outcomes() -> None:
    gone = HashOutcome(1, b"/m/x", None, "missing", "no longer on disk")
    assert classify(stored(), gone).status == "missing"
    bad = HashOutcome(1, b"/m/x", None, "unreadable", "Permission denied")
    verdict = classify(stored(), bad)
    assert (verdict.status, verdict.detail, verdict.store) == (
        "unreadable",
        "Permission denied",
        None,
    )
    # A never-hashed file that cannot be read is unreadable, not a first fingerprint.
    assert classify(stored(sha=None), bad).status == "unreadable"
