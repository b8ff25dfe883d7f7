"""Shared documents: listed by checkframe documents, cited across plugins only through a dependency, never twice."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import checkframe.cli as cli
from checkframe.catalog import build_catalog
from checkframe.cli import common
from checkframe.errors import ContentError, Problem
from checkframe.plugins import ENV_ALLOWLIST, load_plugins
from doubles import load_only, problems_of


def test_documents_lists_the_shipped_plugins_documents(capsys):
    pytest.importorskip("checkframe_general")
    assert cli.main(["documents", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["documents"]}
    law = rows["work-safety-law-2021"]
    assert law["title"] == "中华人民共和国安全生产法"
    assert "general" in law["declared_by"]
    assert law["cited_by"] and all(isinstance(c, str) for c in law["cited_by"])
    assert "coal_mine" in rows["mem-order-4-2020"]["declared_by"]
    assert cli.main(["documents"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["id", "title", "number", "declared", "by", "cited", "by"]
    assert "work-safety-law-2021" in out


def test_the_same_title_and_number_under_two_ids_is_a_warning_naming_both(content, make_content):
    other = make_content("other")
    other.write("sector.toml", '[sector]\nid = "other"\nname = "其他"\nsources = ["law2"]\n\n'
                               '[[document]]\nid = "law2"\ntitle = "中华人民共和国安全生产法"\n')
    other.edit("checkpoints/01-gas.toml", 'document = "law"', 'document = "law2"')
    warnings: list[Problem] = []
    build_catalog(load_only(demo=content.plugin(), other=other.plugin()), warnings)
    assert [str(w) for w in warnings] == [
        "other: sector.toml:6: [[document]] law2: document 'law2' has the title and number of 'law' (demo): "
        "《中华人民共和国安全生产法》; the handbook would list it twice: cite 'law' and declare it with the same "
        "fields, or remove one"
    ]


def test_one_id_with_other_fields_says_which_fields_differ(content, make_content):
    other = make_content("other")
    title = 'title = "中华人民共和国安全生产法"'
    other.edit("sector.toml", title, f'{title}\nnumber = "主席令第88号"')
    assert problems_of(demo=content.plugin(), other=other.plugin()) == [
        "other: sector.toml:7: [[document]] law: document 'law' is also declared in demo: sector.toml:7: [[document]] law "
        "with other fields (number '主席令第88号' there ''); a document declared by two plugins must be the same "
        "in both: copy its fields, or give yours another id"
    ]


def install(root: Path, name: str, module: str, content: Path, requires: list[str]) -> None:
    (root / f"{module}.py").write_text(textwrap.dedent(f"""
        from checkframe import hookimpl

        @hookimpl
        def checkframe_register_content(register):
            register.content_dir({str(content)!r})
    """), encoding="utf-8")
    info = root / f"{module}-1.0.dist-info"
    info.mkdir()
    lines = "".join(f"Requires-Dist: {r}\n" for r in requires)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{lines}", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[checkframe]\n{content.name} = {module}\n", encoding="utf-8")


@pytest.mark.parametrize("depends", [False, True])
def test_citing_another_plugins_document_needs_a_dependency_on_it(site_dir, make_content, depends):
    base, gas = make_content("base"), make_content("gas")
    # gas declares no document of its own and cites base's law.
    gas.write("sector.toml", '[sector]\nid = "gas"\nname = "燃气"\n')
    install(site_dir, "cfp-base", "cfp_base", base.root, [])
    install(site_dir, "cfp-gas", "cfp_gas", gas.root, ["cfp-base>=1"] if depends else [])
    plugins = load_plugins(environ={ENV_ALLOWLIST: "base,gas"})
    if depends:
        assert build_catalog(plugins).has("document", "law")
        return
    with pytest.raises(ContentError) as info:
        build_catalog(plugins)
    assert [str(p) for p in info.value.problems] == [
        "gas: checkpoints/01-gas.toml:15: [[checkpoint]] gas-gas-01, basis no. 1, document: document 'law' is declared "
        'by base (cfp-base 1.0), which cfp-gas does not depend on; add "cfp-base" to [project] dependencies in its '
        "pyproject.toml and install it again (pip install -e <its folder>), or declare the document in its own "
        "sector.toml"
    ]


def test_documents_prints_the_warnings(monkeypatch, capsys, content, make_content):
    other = make_content("other")
    other.write("sector.toml", '[sector]\nid = "other"\nname = "其他"\nsources = ["law2"]\n\n'
                               '[[document]]\nid = "law2"\ntitle = "中华人民共和国安全生产法"\n')
    other.edit("checkpoints/01-gas.toml", 'document = "law"', 'document = "law2"')
    monkeypatch.setattr(common, "load_plugins", lambda: load_only(demo=content.plugin(), other=other.plugin()))
    assert cli.main(["documents"]) == 0
    out, err = capsys.readouterr()
    assert "law2" in out and "warning: other: sector.toml:6: [[document]] law2: document 'law2'" in err
