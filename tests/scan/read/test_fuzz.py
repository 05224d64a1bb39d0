"""Damaged real files (random truncation and byte flips of every template): read_file
returns a record and never raises; anything mutagen chokes on is 'corrupt', never
'internal'."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.scan.read import read_file
from tests import audiogen

TEMPLATES = {fmt: audiogen.template(fmt).read_bytes() for fmt in audiogen.FORMATS}
TAGGED: dict[str, bytes] = {}


def _tagged(fmt: str, tmp_dir) -> bytes:
    if fmt not in TAGGED:
        path = audiogen.make_file(
            tmp_dir / f"t.{fmt}",
            fmt,
            {"title": "T", "artist": ["A", "B"], "tracknumber": "1", "genre": "Rock"},
            with_picture=True,
        )
        TAGGED[fmt] = path.read_bytes()
    return TAGGED[fmt]


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    fmt=st.sampled_from(sorted(TEMPLATES)),
    tagged=st.booleans(),
    cut=st.floats(min_value=0.0, max_value=1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=8),
    ext=st.sampled_from(["same", ".mp3", ".flac", ".m4a", ".bin"]),
)
def test_damaged_files_never_raise(tmp_path, fmt, tagged, cut, flips, ext):
    data = bytearray(_tagged(fmt, tmp_path) if tagged else TEMPLATES[fmt])
    data = data[: max(1, int(len(data) * cut))] if cut < 1.0 else data
    for where, value in flips:
        data[min(len(data) - 1, int(where * len(data)))] = value
    name = f"f.{fmt}" if ext == "same" else f"f{ext}"
    path = tmp_path / name
    path.write_bytes(bytes(data))
    record = read_file(os.fsencode(path))
    if record.error is not None:
        assert record.error[0] in ("corrupt", "unsupported"), record.error
        assert "\n" not in record.error[1]
    else:
        assert record.format is not None
        import json

        json.dumps(record.raw_tags, ensure_ascii=False).encode("utf-8")
