"""examples/library/ matches examples/library.json and is reproducible from examples/make_library.py."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import mutagen
import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "examples" / "library"
MANIFEST = json.loads((ROOT / "examples" / "library.json").read_text(encoding="utf-8"))


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_library", ROOT / "examples" / "make_library.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_manifest_lists_exactly_the_files() -> None:
    listed = {entry["path"] for entry in MANIFEST["files"]}
    on_disk = {p.relative_to(LIBRARY).as_posix() for p in LIBRARY.rglob("*") if p.is_file()}
    assert listed == on_disk
    assert 18 <= len(listed) <= 25


def test_coverage_of_the_sample_library() -> None:
    files = MANIFEST["files"]
    kinds = [e["kind"] for e in files]
    assert kinds.count("untagged") == 1 and kinds.count("corrupt") == 1
    formats = {(e["format"], e["id3"]) for e in files if e["kind"] == "tagged"}
    for wanted in [
        ("mp3", "v2.3"),
        ("mp3", "v2.4"),
        ("flac", None),
        ("ogg", None),
        ("opus", None),
        ("m4a", None),
    ]:
        assert wanted in formats
    assert any(f == "wav" for f, _ in formats)
    tagged = [e["tags"] for e in files if e["kind"] == "tagged"]
    assert len({t["albumartist"] for t in tagged}) == 4
    compilation = [t for t in tagged if t.get("compilation") == "1"]
    assert compilation and all(t["albumartist"] == "Various Artists" for t in compilation)
    assert len({t["artist"] for t in compilation}) >= 3
    assert any(t.get("totaldiscs") == "2" for t in tagged)
    assert sum("musicbrainz_recordingid" in t for t in tagged) >= 3
    assert sum("isrc" in t for t in tagged) >= 3
    assert any(not t["title"].isascii() for t in tagged)


@pytest.mark.parametrize("entry", MANIFEST["files"], ids=lambda e: e["path"])
def test_each_file_reads_as_described(entry: dict) -> None:
    path = LIBRARY / entry["path"]
    if entry["kind"] == "corrupt":
        with pytest.raises(mutagen.MutagenError):
            mutagen.File(path)
        return
    audio = mutagen.File(path)
    assert audio is not None
    if entry["kind"] == "untagged":
        assert not audio.tags
        return
    title = entry["tags"]["title"]
    found = {
        "mp3": lambda: audio.tags["TIT2"].text,
        "wav": lambda: audio.tags["TIT2"].text,
        "flac": lambda: audio.tags["TITLE"],
        "ogg": lambda: audio.tags["TITLE"],
        "opus": lambda: audio.tags["TITLE"],
        "m4a": lambda: audio.tags["©nam"],
    }[entry["format"]]()
    assert found == [title]
    if entry["id3"]:
        assert audio.tags.version[1] == int(entry["id3"][-1])


def test_script_is_deterministic(tmp_path: Path) -> None:
    script = _load_script()
    entries = script.build(tmp_path / "library")
    assert [e["path"] for e in entries] == [e["path"] for e in MANIFEST["files"]]
    assert [e["tags"] for e in entries] == [e["tags"] for e in MANIFEST["files"]]
    assert _digests(tmp_path / "library") == _digests(LIBRARY)
