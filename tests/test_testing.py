"""checkframe.testing: the helpers plugin authors opt into, used as an author would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checkframe.testing import build_handbook, load_plugin, plugin_catalog, plugin_problems, print_checklist

GENERAL = Path(__file__).parent.parent / "plugins/general/src/checkframe_general/content"


@pytest.fixture
def general(tmp_path) -> Path:
    """A copy of the general plugin's content from this tree, to load as a plugin that is not installed."""
    target = tmp_path / "content"
    shutil.copytree(GENERAL, target)
    return target


def test_load_plugin_alone():
    plugins = load_plugin(content_dirs={"general_copy": GENERAL})
    assert sorted(plugins.infos) == ["checkframe.builtin.remediation", "general_copy"]


def test_load_plugin_loads_the_checkframe_plugins_its_distribution_depends_on():
    """The coal plugin's distribution requires checkframe-general (whose groups and documents it uses), as
    pip installs it: its tests see general without naming it, and nothing else installed."""
    assert sorted(load_plugin("coal_mine").infos) == ["checkframe.builtin.remediation", "coal_mine", "general"]
    assert sorted(load_plugin("general").infos) == ["checkframe.builtin.remediation", "general"]
    catalog = plugin_catalog("coal_mine")
    assert sorted(s.id for s in catalog.sectors) == ["coal_mine", "general"]


def test_load_plugin_that_is_not_installed():
    with pytest.raises(AssertionError, match="plugins not installed: no_such_plugin"):
        load_plugin("no_such_plugin")


def test_plugin_catalog_and_problems(general):
    assert plugin_catalog(content_dirs={"g": general}).sector("general").name == "通用"
    assert plugin_problems(content_dirs={"g": general}) == []
    checklists = general / "checklists.toml"
    checklists.write_text(checklists.read_text(encoding="utf-8").replace('kind = "supervision"', 'kind = "audit"', 1),
                          encoding="utf-8")
    assert plugin_problems(content_dirs={"g": general}) == [
        "g: checklists.toml:23: [[checklist]] general-supervision, kind: "
        "expected one of self_inspection, supervision (got \"audit\")"
    ]
    invalid = r"(?s)the content of g is invalid:\n.*checklists.toml:23: \[\[checklist\]\] general-supervision, kind"
    with pytest.raises(AssertionError, match=invalid):
        plugin_catalog(content_dirs={"g": general})


def test_build_handbook(tmp_path, general):
    handbook = build_handbook(tmp_path / "handbook", content_dirs={"g": general}, checklists=["general-supervision"],
                              pages={"about.md": "# 关于\n\n见[通用](../sector/general.html)。\n"})
    assert handbook.output == tmp_path / "handbook" / "_build"
    assert "通用" in handbook.page("sector/general.html")
    assert "主要负责人带队检查重大事故隐患排查整治" in handbook.checkpoint_page("gen-pd-02").read_text(encoding="utf-8")
    assert handbook.checklist_pdf("general-supervision").read_bytes().startswith(b"%PDF")
    assert "关于" in handbook.page("pages/about.html")
    assert handbook.path("search/meta.js")
    with pytest.raises(AssertionError, match="the handbook has no guide/index.html"):
        handbook.page("guide/index.html")  # the author guide is left out unless asked for


def test_build_handbook_reports_every_problem(tmp_path, general):
    with pytest.raises(AssertionError, match=r"the handbook did not build:\n.*broken link to '\.\./nowhere\.html'"):
        build_handbook(tmp_path / "h", content_dirs={"g": general}, checklists=[],
                       pages={"about.md": "# 关于\n\n[链接](../nowhere.html)\n"})


def test_print_checklist(tmp_path, general):
    pdf = print_checklist(tmp_path, "general-self", content_dirs={"g": general})
    assert pdf == tmp_path / "general-self.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(AssertionError, match="unknown checklist 'nope'; known: general-self"):
        print_checklist(tmp_path, "nope", content_dirs={"g": general})


def test_plugin_problems_come_in_the_order_validate_prints_them(content):
    """The checker finds an entry's unknown keys before its wrong values; plugin_problems gives them as
    ``checkframe validate`` prints them, by line."""
    content.edit("checkpoints/01-gas.toml", 'level = "major"', 'levle = "major"')
    content.edit("checkpoints/01-gas.toml", 'article = "第四十一条"', 'articel = "第四十一条"')
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查员持证"', "title = 3")
    lines = [int(problem.split(":")[2]) for problem in plugin_problems(content_dirs={"demo": content.root})]
    assert len(lines) == 3 and lines == sorted(lines), lines
