"""Fixtures: the deterministic test catalog and a way to wait for the UI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.catalog import make_catalog


@pytest.fixture(autouse=True)
def _orders_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All tracks' kept orders (archiver/catalog/orders.py) in the test's own folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def catalog_path(tmp_path: Path) -> Path:
    return make_catalog(tmp_path / "library.db")


@pytest.fixture
def empty_catalog_path(tmp_path: Path) -> Path:
    return make_catalog(tmp_path / "empty.db", empty=True)
