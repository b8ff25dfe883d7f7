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


#: The repository's example handbook and worked ledger example.
REPO = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def example_forms(tmp_path_factory) -> Path:
    """``checkframe ledger forms examples/ledger OUT`` for March and April 2024, printed once for every test."""
    import checkframe.cli as cli

    for plugin in ("checkframe_general", "checkframe_coal_mine", "checkframe_pipeline"):
        pytest.importorskip(plugin)
    import shutil

    out = tmp_path_factory.mktemp("example-forms") / "forms"
    ledger = out.parent / "ledger"  # a copy: the ledger's cache (.checkframe-cache/) is not written into the repository
    shutil.copytree(REPO / "examples" / "ledger", ledger)
    code = cli.main(["ledger", "forms", str(ledger), str(out), "--from", "2024-03-01",
                     "--to", "2024-04-30", "--project", str(REPO / "site")])
    assert code == 0
    return out


@pytest.fixture(scope="session")
def example_pdfs(tmp_path_factory) -> Path:
    """Every PDF of the example handbook (site/checkframe.toml), printed once for every test."""
    from checkframe.catalog import build_catalog
    from checkframe.plugins import load_plugins
    from checkframe.publish.pdfs import print_all
    from checkframe.publish.project import load_project

    for plugin in ("checkframe_general", "checkframe_coal_mine", "checkframe_pipeline", "checkframe_power",
                   "checkframe_fireworks"):
        pytest.importorskip(plugin)
    catalog = build_catalog(load_plugins())
    project = load_project(REPO / "site", catalog)
    root = tmp_path_factory.mktemp("example-pdfs")
    print_all(catalog, project, root / "pdf", root / "cache")
    return root / "pdf"
