"""Fixtures: the deterministic test catalog and a way to wait for the UI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.catalog import make_catalog


@pytest.fixture
def catalog_path(tmp_path: Path) -> Path:
    return make_catalog(tmp_path / "library.db")


@pytest.fixture
def empty_catalog_path(tmp_path: Path) -> Path:
    return make_catalog(tmp_path / "empty.db", empty=True)
