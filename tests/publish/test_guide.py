"""The author guide: generated from the code where it could drift, complete, and part of every handbook."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import attrs
import pytest

from checkframe.catalog import content
from checkframe.publish import guide as author_guide
from checkframe.publish.build import build
from checkframe.publish.guide import CLASSES, GuideError, field_table, guide_pages, hook_specs, rst_to_markdown
from doubles import load_only

TESTS = Path(__file__).parents[1]


@pytest.fixture(autouse=True)
def fresh_guide():
    author_guide.guide_pages.cache_clear()
    author_guide.field_docs.cache_clear()
    author_guide._sources.cache_clear()
    yield
    author_guide.guide_pages.cache_clear()
    author_guide.field_docs.cache_clear()
    author_guide._sources.cache_clear()


def test_every_hook_has_a_docstring_and_a_test_that_implements_it():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.rglob("test_*.py") if p.name != "test_guide.py")
    specs = hook_specs()
    assert [s.__name__ for s in specs][:8] == [
        "checkframe_register_content", "checkframe_register_site", "checkframe_register_forms",
        "checkframe_register_commands",
        "checkframe_catalog_built", "checkframe_pages_rendered", "checkframe_build_written",
        "checkframe_register_ledger",
    ]
    for spec in specs:
        assert (spec.__doc__ or "").strip(), f"{spec.__name__} has no docstring"
        assert ":param" in spec.__doc__ and ":returns:" in spec.__doc__, spec.__name__
        assert re.search(rf"def {spec.__name__}\(", sources), f"no test implements {spec.__name__}"


def test_hook_reference_is_in_the_guide():
    hooks = next(p for p in guide_pages() if p.slug == "hooks").markdown
    for spec in hook_specs():
        assert f"## {spec.__name__}\n" in hooks
    assert "**参数 `register`**：records what the plugin contributes" in hooks


def nested_classes(cls: type) -> set[type]:
    found = set()
    for field in attrs.fields(attrs.resolve_types(cls)):
        kind = field.type
        inner = kind.__args__[0] if getattr(kind, "__origin__", None) is tuple else kind
        if attrs.has(inner):
            found |= {inner, *nested_classes(inner)}
    return found


def test_every_class_and_field_an_author_writes_is_documented():
    files = [*content.FILE_KINDS.values(), content.GroupFile]
    # A file class is documented for its own plain keys (format); its tables are documented by their classes.
    written = set().union(*(nested_classes(f) for f in files)) | {f for f in files if author_guide.authoring_fields(f)}
    assert written == set(CLASSES.values())
    guide = "".join(text for _, text in author_guide._sources())  # the guide as the repository holds it
    for name in CLASSES:
        assert field_table(name) in guide, f"guide/format.md has no @fields {name}"
    docs = tomllib.loads((author_guide.GUIDE / "fields.toml").read_text(encoding="utf-8"))
    assert set(docs) == set(CLASSES) | set(author_guide.PROJECT_CLASSES)


def test_a_field_without_a_description_stops_the_guide(monkeypatch):
    docs = tomllib.loads((author_guide.GUIDE / "fields.toml").read_text(encoding="utf-8"))
    del docs["Checkpoint"]["scope"]
    docs["Checkpoint"]["severity"] = "gone"
    monkeypatch.setattr(author_guide, "field_docs", lambda: docs)
    with pytest.raises(GuideError) as info:
        field_table("Checkpoint")
    assert str(info.value) == "guide/fields.toml [Checkpoint]: describe scope; remove severity (not a field)"


def test_field_table_from_the_model():
    table = field_table("Checklist").splitlines()
    assert table[0] == "| 键 key | 类型 type | 必填 | 说明 |"
    assert table[2].startswith("| `id` | 文本 | **必填** | 检查表 id")
    assert table[4].startswith("| `kind` | 之一：`self_inspection`（自查表）、`supervision`（督导检查表） | **必填** |")
    assert "`sector`" not in "\n".join(table)  # set by the loader, never written
    assert field_table("SectorFile").splitlines()[2].startswith("| `format` | 整数 | 默认 `1` |")


def test_the_worked_example_is_what_new_plugin_writes():
    from checkframe.authoring.scaffold import PluginNames, plugin_files

    quickstart = next(p for p in guide_pages() if p.slug == "quickstart").markdown
    for path, text in plugin_files(PluginNames("gas"), "城镇燃气", "区住房和城乡建设局").items():
        assert f"checkframe-gas/{path}" in quickstart
        if path.endswith((".toml", ".py")):
            assert text.rstrip() in quickstart, path


def test_pages_are_in_order_and_sections_slot_in(monkeypatch):
    pages = guide_pages()
    assert [p.slug for p in pages] == [
        "index", "install", "quickstart", "format", "schema", "hooks", "testing", "api", "handbook", "publishing",
        "compatibility", "diff", "records",
    ]
    titles = {p.slug: p.title for p in pages}
    assert f"- [{titles['schema']}](schema.html)" in pages[0].markdown
    assert f"- [{titles['diff']}](diff.html)" in pages[0].markdown
    assert "(schema.html)" in pages[3].markdown
    # Without the schema section, the format page does not point at it.
    sources = {slug: text for slug, text in author_guide._sources() if slug not in ("schema", "diff")}
    monkeypatch.setattr(author_guide, "_sources",
                        lambda: tuple(sorted(sources.items(), key=lambda kv: author_guide._order(kv[0]))))
    author_guide.guide_pages.cache_clear()
    try:
        pages = guide_pages()
        slugs = [p.slug for p in pages]
        assert slugs == ["index", "install", "quickstart", "format", "hooks", "testing", "api", "handbook", "publishing",
                         "compatibility", "records"]
        assert "schema.html" not in pages[0].markdown and "schema.html" not in pages[3].markdown
    finally:
        author_guide.guide_pages.cache_clear()


def test_unknown_directive(monkeypatch):
    monkeypatch.setattr(author_guide, "_sources", lambda: (("index", "# 指南\n\n@nonsense x\n\n```\n@hookimpl\n```\n"),))
    with pytest.raises(GuideError, match="unknown directive @nonsense"):
        guide_pages()
    monkeypatch.setattr(author_guide, "_sources", lambda: (("index", "# 指南\n\n```\n@hookimpl\n```\n"),))
    author_guide.guide_pages.cache_clear()
    assert "@hookimpl" in guide_pages()[0].markdown  # code blocks are left alone


def test_rst_to_markdown():
    text = '''Do a thing.

    :param site: what it adds.  Its methods are

        - ``site.page(slug)``: a page; to extend one, override a block::

              {% block x %}{% endblock %}

    :returns: nothing.
    '''
    assert rst_to_markdown(text) == (
        "Do a thing.\n\n**参数 `site`**：what it adds.  Its methods are\n"
        "- `site.page(slug)`: a page; to extend one, override a block:\n\n  ```\n  {% block x %}{% endblock %}\n  ```\n\n"
        "\n**返回**：nothing.\n"
    )


CONFIG = """
[handbook]
title = "测试检查手册"
department = "测试区应急管理局"
"""


def test_the_guide_is_part_of_every_handbook_and_its_links_resolve(tmp_path, content):
    root = tmp_path / "handbook"
    root.mkdir()
    (root / "checkframe.toml").write_text(CONFIG, encoding="utf-8")
    build(root, plugins=load_only(demo=content.plugin()))  # every internal link and anchor is checked
    out = root / "_build"
    assert sorted(p.name for p in (out / "guide").iterdir()) == sorted(f"{p.slug}.html" for p in guide_pages())
    index = (out / "guide/index.html").read_text(encoding="utf-8")
    assert '<a href="format.html" aria-current' not in index and 'href="format.html"' in index
    assert 'href="guide/index.html">插件开发指南</a>' in (out / "index.html").read_text(encoding="utf-8")
    fields = (out / "guide/format.html").read_text(encoding="utf-8")
    assert "<td><code>remediation</code></td>" in fields and "data-search-body" in fields


def test_a_handbook_can_leave_the_guide_out(tmp_path, content):
    root = tmp_path / "handbook"
    root.mkdir()
    (root / "checkframe.toml").write_text(CONFIG + "author_guide = false\n", encoding="utf-8")
    build(root, plugins=load_only(demo=content.plugin()))
    assert not (root / "_build/guide").exists()
    assert "插件开发指南" not in (root / "_build/index.html").read_text(encoding="utf-8")
    assert "插件开发指南" not in (root / "_build/plugins.html").read_text(encoding="utf-8")


def test_the_guide_in_the_repository_has_its_generated_sections_and_they_are_current():
    stale = author_guide.stale_pages()
    assert stale == [], (
        f"the generated sections of {', '.join(stale)} are stale; run: python -m checkframe.publish.guide "
        "src/checkframe/guide (or nox -s guide)"
    )
    hooks = (author_guide.GUIDE / "hooks.md").read_text(encoding="utf-8")
    assert "<!-- @hooks -->\n\n## checkframe_register_content\n" in hooks
    assert "| `what` | 文本 | **必填** |" in (author_guide.GUIDE / "format.md").read_text(encoding="utf-8")


def test_a_changed_hook_or_field_makes_the_guide_stale(tmp_path, monkeypatch):
    folder = tmp_path / "guide"
    folder.mkdir()
    for path in author_guide.GUIDE.glob("*.md"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert author_guide.stale_pages(folder) == []
    monkeypatch.setattr(author_guide, "hook_reference", lambda: "## checkframe_register_content\n\nChanged.\n")
    assert author_guide.stale_pages(folder) == ["hooks.md"]
    assert author_guide.write_guide(folder) == [folder / "hooks.md"]
    assert "<!-- @hooks -->\n\n## checkframe_register_content\n\nChanged.\n\n<!-- end @hooks -->" in (
        folder / "hooks.md").read_text(encoding="utf-8")
    assert author_guide.stale_pages(folder) == []


def test_the_handbook_renders_the_guide_without_markers_and_with_html_links():
    index = next(p for p in guide_pages() if p.slug == "index").markdown
    assert "<!--" not in index and "(format.html)" in index and "(format.md)" not in index


def test_an_unclosed_section_stops_the_guide(monkeypatch):
    monkeypatch.setattr(author_guide, "_sources", lambda: (("index", "# 指南\n\n<!-- @hooks -->\n\ntext\n"),))
    with pytest.raises(GuideError, match="<!-- @hooks --> has no <!-- end @hooks --> after it"):
        guide_pages()


def test_the_handbook_project_and_template_references_are_generated():
    handbook = (author_guide.GUIDE / "handbook.md").read_text(encoding="utf-8")
    for name in author_guide.PROJECT_CLASSES:
        assert field_table(name) in handbook
    from checkframe.publish.overrides import default_blocks, default_templates

    for name in default_templates():
        assert f"### {name}\n" in handbook
    assert "`after_basis`" in handbook and default_blocks("checkpoint.html")[-1] != ""
    api = (author_guide.GUIDE / "api.md").read_text(encoding="utf-8")
    assert "- `sector_checkpoints(sector: str) -> list[Checkpoint]`：The checkpoints of a sector" in api


def test_the_search_api_in_the_guide_is_the_one_shipped():
    import inspect

    from checkframe.publish.search import query

    assert str(inspect.signature(query)).startswith("(files: 'Mapping[str, bytes]', text: 'str', sector: 'str | None'")
    assert "`query(files, text, sector=None)`" in (author_guide.GUIDE / "api.md").read_text(encoding="utf-8")
