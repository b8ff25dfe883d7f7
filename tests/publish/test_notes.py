"""Editors' notes and references between checkpoints: notes reach the handbook only; a reference reads as
the other item's 序号 and title on a form and as a link in the handbook, never as an id."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkframe.publish import printing
from checkframe.publish.build import build
from checkframe.publish.project import HandbookConfig, PrintConfig, Project
from doubles import ContentDir, catalog_of, handbook_project, load_only

OTHER = """
[group]
id = "other"
title = "其他"

[[checkpoint]]
id = "demo-other-01"
title = "<伪造>记录"
what = "伪造记录，弄虚作假的。"
level = "general"
"""


def with_notes(root: Path) -> ContentDir:
    content = ContentDir(root)
    content.write("checkpoints/02-other.toml", OTHER)
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查员是否持证上岗。"',
                 'what = "瓦斯检查员是否持证上岗；另见 [[demo-gas-01]]，伪造记录的按 [[demo-other-01]] 判定。"\n'
                 'note = "本项原文**不完整**，判定前请对照 [[demo-gas-01]] 核实。"')
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯"', 'title = "瓦斯"\nnote = "本组条目序号按来源顺序推定。"')
    return content


@pytest.fixture(scope="module")
def noted(tmp_path_factory):
    root = tmp_path_factory.mktemp("notes")
    content = with_notes(root / "demo")
    return catalog_of(demo=content.plugin()), content


def test_a_form_prints_a_reference_as_the_items_number_and_title_and_never_the_note(noted):
    catalog, _ = noted
    project = Project(Path("."), HandbookConfig(title="手册", department="测试区应急管理局"), PrintConfig())
    context = printing.checklist_context(catalog, project, "demo-self")
    (_, item_2), = [section["items"] for section in context["sections"]]
    assert str(item_2["what"]) == (
        "<p>瓦斯检查员是否持证上岗；另见第1项“瓦斯检查”，伪造记录的按“&lt;伪造&gt;记录"
        "”\u2060判\u2060定\u2060。</p>\n"
    )
    html = printing._environment().get_template("checklist.html").render(context)
    assert "demo-gas-01" not in html.replace('id="item-demo-gas-01"', "")
    assert "原文" not in html and "推定" not in html


def test_the_handbook_links_a_reference_and_shows_notes_in_their_own_box(tmp_path):
    content = with_notes(tmp_path / "demo")
    project = handbook_project(tmp_path / "handbook")
    build(project, plugins=load_only(demo=content.plugin()))
    page = (project / "_build/checkpoint/demo-gas-02.html").read_text(encoding="utf-8")
    assert '另见<a class="reference" href="demo-gas-01.html">瓦斯检查</a>，' in page
    assert '按<a class="reference" href="demo-other-01.html">&lt;伪造&gt;记录</a>判定。' in page
    note = page[page.index('<aside class="editor-note"'):page.index("</aside>")]
    assert '<h2 id="note" class="editor-note-label">说明<' in note  # what it is for readers, not an editor's note
    link = '<a class="reference" href="demo-gas-01.html">瓦斯检查</a>'
    assert f"本项原文<strong>不完整</strong>，判定前请对照{link}核实。" in note
    sector = (project / "_build/sector/demo.html").read_text(encoding="utf-8")
    assert "本组条目序号按来源顺序推定。" in sector[sector.index('<aside class="editor-note"'):]
    assert '<p class="editor-note-label">说明</p>' in sector
    assert "编者" not in page and "编者" not in sector
    assert "[[" not in page and "[[" not in sector
