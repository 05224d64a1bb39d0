"""Binary raw tag values (scan.mapping.binary_value) read as sizes on the detail screen."""

from __future__ import annotations

from archiver.scan.mapping import binary_value
from archiver.tui.screens.detail import raw_value_text


def test_raw_value_text():
    assert raw_value_text("text") == "text"
    for n in (0, 1, 2, 3, 16, 4096):
        assert raw_value_text(binary_value(b"x" * n)) == f"<binary {n} bytes>"
    assert raw_value_text(binary_value(b"\x00" * 5000)) == "<binary 5000 bytes>"
    assert raw_value_text(binary_value(b"\x00", mime="image/png")) == "<binary 1 bytes>"
    assert raw_value_text({"odd": 1}) == "<binary>"
