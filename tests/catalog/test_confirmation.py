"""Confirmation in parts: a document's number and date are confirmed on their own, an article's text on its own;
only an unconfirmed article text marks a citation 待核实."""

from __future__ import annotations

from checkframe.model import Document
from checkframe.publish import printing
from checkframe.publish.build import build
from doubles import catalog_of, handbook_project, load_only

TITLE = 'title = "中华人民共和国安全生产法"'


def test_a_documents_confirmed_false_is_short_for_number_and_date():
    assert Document("law", "安全生产法", confirmed=False).unconfirmed() == ["文号", "日期"]
    assert Document("law", "安全生产法", number_confirmed=False).unconfirmed() == ["文号"]
    assert Document("law", "安全生产法", date_confirmed=False).unconfirmed() == ["日期"]
    assert Document("law", "安全生产法").unconfirmed() == []


def test_only_an_unconfirmed_article_marks_a_citation(content):
    content.edit("sector.toml", TITLE, f"{TITLE}\nnumber_confirmed = false")
    catalog = catalog_of(demo=content.plugin())
    checkpoint = catalog.checkpoint("demo-gas-01")
    law = "《中华人民共和国安全生产法》第四十一条"
    assert printing._citation(catalog, checkpoint) == [{"text": law, "unconfirmed": False}]
    content.edit("checkpoints/01-gas.toml", 'article = "第四十一条"', 'article = "第四十一条"\nconfirmed = false')
    catalog = catalog_of(demo=content.plugin())
    marked = printing._citation(catalog, catalog.checkpoint("demo-gas-01"))
    assert marked == [{"text": law, "unconfirmed": True}]  # printed with ※ and a legend


def test_the_handbook_marks_the_documents_unconfirmed_parts_not_its_citations(tmp_path, content):
    content.edit("sector.toml", TITLE, f"{TITLE}\ndate_confirmed = false")
    project = handbook_project(tmp_path / "handbook")
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    sources = (project / "_build/sources.html").read_text(encoding="utf-8")
    assert '<span class="unconfirmed">日期待核实</span>' in sources
    page = (project / "_build/checkpoint/demo-gas-01.html").read_text(encoding="utf-8")
    assert "待核实" not in page
