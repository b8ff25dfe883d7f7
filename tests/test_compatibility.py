"""The content format and core version a plugin is written for: refused by name when they do not fit."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import textwrap
import tomllib
import types
from pathlib import Path

import pytest

from checkframe import hookimpl
from checkframe.catalog import build_catalog, content
from checkframe.catalog.content import CONTENT_FORMAT
from checkframe.errors import ContentError
from checkframe.plugins import ENV_ALLOWLIST, load_plugins
from doubles import catalog_of, problems_of

ROOT = Path(__file__).parent.parent
SHIPPED = sorted(ROOT.glob("plugins/*/src/*/content"))
VERSION = importlib.metadata.version("checkframe")


def content_plugin(*roots: Path) -> types.ModuleType:
    module = types.ModuleType("plugin_from_dirs")

    @hookimpl
    def checkframe_register_content(register):
        for root in roots:
            register.content_dir(root)

    module.checkframe_register_content = checkframe_register_content
    return module


def copy_general(tmp_path: Path, sector: str = "general") -> Path:
    target = tmp_path / sector
    shutil.copytree(ROOT / "plugins/general/src/checkframe_general/content", target)
    return target


def test_shipped_plugins_declare_the_current_format():
    assert len(SHIPPED) == 7
    for folder in SHIPPED:
        assert tomllib.loads((folder / "sector.toml").read_text(encoding="utf-8"))["format"] == CONTENT_FORMAT, folder


def test_shipped_plugins_load_together_from_this_tree():
    catalog = catalog_of(**{folder.parent.name: content_plugin(folder) for folder in SHIPPED})
    assert {s.id for s in catalog.sectors} == {
        "coal_mine", "pipeline", "power", "fireworks", "industry_trade", "special_equipment", "general"
    }


def test_a_plugin_for_a_future_format_is_refused_by_name(tmp_path):
    folder = copy_general(tmp_path)
    sector = folder / "sector.toml"
    sector.write_text(sector.read_text(encoding="utf-8").replace("format = 1", "format = 2"), encoding="utf-8")
    assert problems_of(general_next=content_plugin(folder)) == [
        f"general_next: sector.toml:2: format: plugin refused: written for content format 2, but checkframe {VERSION} "
        "reads format 1 only; upgrade checkframe (pip install -U checkframe) or install an older general_next"
    ]


def test_a_plugin_without_a_declaration_is_format_1(tmp_path):
    folder = copy_general(tmp_path)
    sector = folder / "sector.toml"
    sector.write_text(sector.read_text(encoding="utf-8").replace("format = 1", ""), encoding="utf-8")
    assert catalog_of(general=content_plugin(folder)).sector("general").name == "通用"


def test_once_format_1_is_dropped_an_undeclared_plugin_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(content, "CONTENT_FORMAT", 3)
    monkeypatch.setattr(content, "OLDEST_CONTENT_FORMAT", 2)
    folder = copy_general(tmp_path)
    sector = folder / "sector.toml"
    sector.write_text(sector.read_text(encoding="utf-8").replace("format = 1", ""), encoding="utf-8")
    # (The built-in content, which ships with the core, would be at the new format.)
    assert [line for line in problems_of(old=content_plugin(folder)) if line.startswith("old:")] == [
        f"old: sector.toml: plugin refused: declares no format, so format 1, which checkframe {VERSION} "
        "no longer reads (it reads formats 2 to 3); upgrade the plugin (pip install -U old)"
    ]


def test_a_format_that_is_not_a_number(tmp_path):
    folder = copy_general(tmp_path)
    sector = folder / "sector.toml"
    sector.write_text(sector.read_text(encoding="utf-8").replace("format = 1", 'format = "1"'), encoding="utf-8")
    assert problems_of(general=content_plugin(folder)) == [
        "general: sector.toml:2: format: expected a content format number such as 1 (got \"1\"); write 1 without quotes"
    ]


def test_two_files_of_one_folder_disagree(tmp_path):
    folder = copy_general(tmp_path)
    (folder / "remediation.toml").write_text("format = 2\n", encoding="utf-8")
    assert problems_of(general=content_plugin(folder)) == [
        "general: remediation.toml:1: format: sector.toml and remediation.toml declare different formats (1 and 2); "
        "declare one"
    ]


def test_the_builtin_content_declares_the_format():
    builtin = Path(content.__file__).parent.parent / "builtin" / "content" / "remediation.toml"
    assert tomllib.loads(builtin.read_text(encoding="utf-8"))["format"] == CONTENT_FORMAT



def fake_distribution(root: Path, name: str, requires: str) -> None:
    module = name.replace("-", "_")
    (root / f"{module}.py").write_text("raise RuntimeError('a refused plugin is never imported')\n", encoding="utf-8")
    info = root / f"{module}-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0.0\nRequires-Dist: {requires}\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(f"[checkframe]\n{module} = {module}\n", encoding="utf-8")


def test_a_plugin_requiring_a_newer_checkframe_is_refused_before_import(site_dir):
    fake_distribution(site_dir, "cfc-gas", "checkframe>=99")
    plugins = load_plugins(environ={ENV_ALLOWLIST: "cfc_gas"})
    assert [str(p) for p in plugins.problems] == [
        f"cfc_gas (cfc-gas 1.0.0): plugin refused: it requires checkframe>=99, but checkframe {VERSION} is running; "
        f"upgrade checkframe (pip install -U 'checkframe>=99') or install a version of cfc-gas made for checkframe {VERSION}"
    ]
    assert "cfc_gas" not in plugins.infos


def test_requirements_that_fit_or_are_for_an_extra_are_accepted(site_dir):
    fake_distribution(site_dir, "cfc-ok", "checkframe>=0.1")
    fake_distribution(site_dir, "cfc-extra", 'checkframe>=99; extra == "docs"')
    plugins = load_plugins(environ={ENV_ALLOWLIST: "cfc_ok,cfc_extra"})
    # Both pass the check and are imported: the import error shows that they got that far.
    assert all("cannot be loaded" in str(p) for p in plugins.problems), plugins.problems
    assert len(plugins.problems) == 2


PYPROJECT = """
[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = "checkframe-general-next"
version = "3.0.0"
dependencies = ["checkframe>=0.1"]

[project.entry-points.checkframe]
general_next = "checkframe_general_next"
"""

PLUGIN = """
from pathlib import Path
from checkframe import hookimpl

@hookimpl
def checkframe_register_content(register):
    register.content_dir(Path(__file__).parent / "content")
"""


def test_a_pip_installed_plugin_for_a_future_format_stops_validate_with_one_line(tmp_path):
    project = tmp_path / "checkframe-general-next"
    package = project / "checkframe_general_next"
    package.mkdir(parents=True)
    (project / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT), encoding="utf-8")
    (package / "__init__.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    folder = copy_general(package, "content")
    sector = folder / "sector.toml"
    text = sector.read_text(encoding="utf-8")
    text = text.replace("format = 1", "format = 2").replace('id = "general"', 'id = "general_next"')
    sector.write_text(text, encoding="utf-8")
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(project)],
        check=True, capture_output=True,
    )
    env = {"PYTHONPATH": f"{target}:{ROOT / 'src'}", ENV_ALLOWLIST: "general_next", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "checkframe", "validate"], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"error: general_next: sector.toml:2: format: plugin refused: written for content format 2, but checkframe "
        f"{VERSION} reads format 1 only; upgrade checkframe (pip install -U checkframe) "
        "or install an older checkframe-general-next"
    )
    assert "1 problem found" in result.stderr


def test_format_is_checked_before_the_catalog_is_cross_checked(tmp_path):
    # A refused plugin contributes nothing, so the catalog still builds from the others.
    folder = copy_general(tmp_path)
    sector = folder / "sector.toml"
    sector.write_text(sector.read_text(encoding="utf-8").replace("format = 1", "format = 9"), encoding="utf-8")
    plugins = load_plugins(environ={ENV_ALLOWLIST: ""}, extra={"future": content_plugin(folder)})
    with pytest.raises(ContentError) as info:
        build_catalog(plugins)
    assert len(info.value.problems) == 1
