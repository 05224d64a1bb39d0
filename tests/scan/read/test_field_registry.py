"""The field registry is the one truth: the ``tags`` table of a fresh catalog,
docs/tag-mapping.md and every family's key table must agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.catalog.db import open_catalog
from archiver.scan import mapping as m
from archiver.scan import (
    mapping_ape,
    mapping_asf,
    mapping_id3,
    mapping_mp4,
    mapping_riff,
    mapping_vorbis,
)
from archiver.scan.mapping_fields import (
    FAMILIES,
    FIELDS,
    SOURCE,
    SQL_TYPES,
    TAG_COLUMNS,
    family_fields,
    markdown_table,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "tag-mapping.md"


def test_registry_is_the_tags_table_of_a_fresh_catalog(tmp_path):
    catalog = open_catalog(tmp_path / "c.db")
    try:
        info = [(r[1], r[2]) for r in catalog.execute("PRAGMA table_info(tags)")]
    finally:
        catalog.close()
    columns = [(name, sql_type) for name, sql_type in info if name not in ("file_id", "raw")]
    assert columns == [(f.name, SQL_TYPES[f.type]) for f in FIELDS if f.type != SOURCE]
    assert tuple(name for name, _ in columns) == TAG_COLUMNS == m.TAG_COLUMNS


def test_docs_table_is_the_registry():
    doc = DOC.read_text(encoding="utf-8")
    assert markdown_table() in doc, (
        "docs/tag-mapping.md is out of date: paste mapping_fields.markdown_table() into it"
    )


def test_every_column_is_named_in_the_docs():
    doc = DOC.read_text(encoding="utf-8")
    for column in TAG_COLUMNS:
        assert f"| {column} |" in doc


def test_sources_are_not_columns_and_columns_have_a_type():
    for f in FIELDS:
        assert f.name.startswith("_") == (f.type == SOURCE), f.name
        assert f.type == SOURCE or f.type in SQL_TYPES


def test_no_key_feeds_two_fields_except_mp4_pairs():
    for family in FAMILIES:
        fold = family in ("vorbis", "asf", "ape")
        seen: dict[str, str] = {}
        for f in FIELDS:
            for key in getattr(f, family):
                norm = key.lower() if fold or key.startswith(("TXXX:", "TIPL:", "----:")) else key
                if norm in seen and not (family == "mp4" and key in mapping_mp4.PAIR_ATOMS):
                    pytest.fail(f"{family} key {key!r} feeds {seen[norm]} and {f.name}")
                seen[norm] = f.name


def _lookup(family: str, key: str) -> tuple[str, ...]:
    """Where a family module sends a registry key."""
    if family == "id3":
        if key.startswith("TXXX:"):
            return (mapping_id3.TXXX_DESCRIPTIONS[key[5:].lower()],)
        if key.startswith("TIPL:"):
            return (mapping_id3.INVOLVEMENT_ROLES[key[5:].lower()],)
        if key.startswith("UFID:"):
            return (mapping_id3.UFID_OWNERS[key[5:]],)
        return (mapping_id3.FRAME_FIELDS[key],)
    if family == "mp4":
        if key.startswith(mapping_mp4.FREEFORM_PREFIX):
            return (mapping_mp4.FREEFORM_NAMES[mapping_mp4.freeform_name(key)],)
        if key in mapping_mp4.PAIR_ATOMS:
            return mapping_mp4.PAIR_ATOMS[key]
        return (mapping_mp4.MP4_ATOMS[key],)
    table = {
        "vorbis": mapping_vorbis.VORBIS_KEYS,
        "asf": mapping_asf.ASF_NAMES,
        "ape": mapping_ape.APE_KEYS,
        "riff": mapping_riff.INFO_IDS,
    }[family]
    return (table[key if family == "riff" else key.lower()],)


@pytest.mark.parametrize("family", FAMILIES)
def test_family_tables_come_from_the_registry(family):
    for f in FIELDS:
        for key in getattr(f, family):
            assert f.name in _lookup(family, key), (family, key)
    assert family_fields("mp4", "trkn") == ("tracknumber", "totaltracks")


def test_id3_special_frames_have_a_named_reader():
    for fid in ("TCON", "COMM", "USLT", "SYLT", "TMCL"):
        assert fid in mapping_id3.FRAME_FIELDS and fid in mapping_id3.FRAME_READERS
        assert fid not in mapping_id3.TEXT_FRAMES
