"""Raw tags are stable between reads (ASF file order, not hash order) and bounded
(huge values are capped with a marker, see docs/tag-mapping.md)."""

from __future__ import annotations

import hashlib
import os
import shutil

from mutagen import asf, id3

from archiver.scan import mapping as m
from archiver.scan.mapping_asf import asf_items, normalize_asf, raw_asf
from archiver.scan.read import read_file
from tests import audiogen


def test_asf_raw_keys_keep_file_order():
    tags = asf.ASFTags()
    names = ["Zeta", "WM/AlbumTitle", "Alpha", "Title", "WM/Genre", "Author", "Middle"]
    for i, name in enumerate(names):
        list.append(tags, (name, asf.ASFUnicodeAttribute(f"v{i}")))
    list.append(tags, ("WM/Genre", asf.ASFUnicodeAttribute("second genre")))
    raw, _ = raw_asf(tags)
    assert list(raw) == names
    assert raw["WM/Genre"] == ["v4", "second genre"]
    assert [name for name, _ in asf_items(tags)] == names
    out = normalize_asf(tags)
    assert out["genre"] == "v4; second genre" and out["title"] == "v3"


def test_asf_file_read_in_file_order(tmp_path):
    path = audiogen.make_file(
        tmp_path / "a.wma", "wma", {"title": "T", "artist": "A", "album": "B", "genre": "G"}
    )
    on_disk = [name for name, _ in list.__iter__(asf.ASF(path).tags)]
    record = read_file(os.fsencode(path))
    assert record.error is None
    assert list(record.raw_tags) == list(dict.fromkeys(on_disk))


def test_cap_text_keeps_short_values_and_marks_long_ones():
    assert m.cap_text("short", 10) == "short"
    assert m.cap_text("x" * 10, 10) == "x" * 10
    long = "ab" * 20
    capped = m.cap_text(long, 10)
    digest = hashlib.sha256(long.encode()).hexdigest()
    assert capped == f"ababababab<truncated: 40 chars, sha256 {digest}>"
    # Two different long values stay different even with the same prefix.
    assert m.cap_text("x" * 30 + "1", 10) != m.cap_text("x" * 30 + "2", 10)
    # Lone surrogates (undecodable input) do not break the hash.
    assert "<truncated: 30 chars" in m.cap_text("\udcff" * 30, 10)


def test_huge_text_values_are_capped_in_raw_and_normalized(tmp_path):
    path = tmp_path / "big.mp3"
    shutil.copyfile(audiogen.template("mp3"), path)
    size = m.RAW_VALUE_CAP * 3 + 7
    tag = id3.ID3()
    tag.add(id3.TIT2(encoding=3, text=["Title"]))
    tag.add(id3.TXXX(encoding=3, desc="huge", text=["y" * size]))
    tag.add(id3.COMM(encoding=3, lang="eng", desc="", text=["c" * size]))
    tag.save(path)
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert record.tags["title"] == "Title"
    huge = record.raw_tags["TXXX:huge"][0]
    assert huge.startswith("y" * m.RAW_VALUE_CAP + f"<truncated: {size} chars, sha256 ")
    assert len(huge) < m.RAW_VALUE_CAP + 120
    comment = record.tags["comment"]
    assert comment.startswith("c" * m.FIELD_CAP + f"<truncated: {size} chars")
    assert len(comment) < m.FIELD_CAP + 120
