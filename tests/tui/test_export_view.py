"""The TUI's export (x) outside the app: errors name the user's file, not the temporary one."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.catalog.browse import Scope
from archiver.tui.export import export_view
from tests.tui.catalog import make_catalog


def test_unwritable_target_names_the_given_file(tmp_path: Path) -> None:
    db = make_catalog(tmp_path / "library.db")
    target = tmp_path / "no such folder" / "view.csv"
    with pytest.raises(OSError) as err:
        export_view(db, Scope(), target)
    message = str(err.value)
    assert message.startswith(f"{target}: cannot write") and ".tmp" not in message
    assert not target.parent.exists()


def test_export_writes_the_scope(tmp_path: Path) -> None:
    db = make_catalog(tmp_path / "library.db")
    out = tmp_path / "all.csv"
    rows = export_view(db, Scope(), out)
    assert rows > 0 and len(out.read_text(encoding="utf-8").splitlines()) == rows + 1
