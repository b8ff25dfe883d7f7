"""Fixtures shared by the core's tests."""

from __future__ import annotations

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
