"""Fixtures shared by the core's tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from doubles import ContentDir


@pytest.fixture
def content(tmp_path: Path) -> ContentDir:
    return ContentDir(tmp_path / "demo")


@pytest.fixture
def make_content(tmp_path: Path):
    def make(sector: str, prefix: str | None = None) -> ContentDir:
        return ContentDir(tmp_path / sector, sector, prefix or sector)

    return make


@pytest.fixture
def site_dir(tmp_path: Path, monkeypatch):
    """A folder on sys.path where fake distributions are 'installed'; their modules are forgotten after."""
    root = tmp_path / "site-packages"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(root)):
            del sys.modules[name]
