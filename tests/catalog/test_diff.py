"""The content diff: added, removed and changed entries, field by field; the command; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attrs import evolve

import checkframe.cli as cli
from checkframe.catalog import catalog_to_json
from checkframe.catalog.diff import diff_catalogs, render_json, render_text, to_data
from checkframe.catalog.export import load_export
from doubles import catalog_of, shipped_catalog

ROOT = Path(__file__).parents[2]
EARLIER = ROOT / "site" / "exports" / "initial-example.json"


@pytest.fixture(scope="module")
def real():
    """The committed export of the first example content, and the catalog of the plugins in this tree."""
    return load_export(EARLIER), shipped_catalog(ROOT / "plugins")


def test_real_samples_sectors_and_checkpoints_added(real):
    old, new = real
    diff = diff_catalogs(old, new)
    assert [s.id for s in diff.of("sectors").added] == [
        "fireworks", "industry_trade", "pipeline", "power", "special_equipment"
    ]
    added = {c.id for c in diff.of("checkpoints").added}
    assert {"coal-outburst-01", "pipe-aged-01", "power-major-01", "gen-ffr-01"} <= added
    assert len(added) == len(new.checkpoints) - len(old.checkpoints) + len(diff.of("checkpoints").removed)
    # Merged into another checkpoint (plugins/general/CHANGELOG.md); the 内容变化 page lists it as removed.
    assert [c.id for c in diff.of("checkpoints").removed] == ["gen-pd-01"]


def test_real_samples_changed_field_by_field(real):
    old, new = real
    changed = {c.key: c for c in diff_catalogs(old, new).of("checkpoints").changed}
    assert changed["gen-fire-22"].fields["title"] == ("埋压、圈占消火栓", "埋压、圈占消防栓")
    assert changed["gen-fire-22"].fields["what"] == ("是否存在埋压、圈占消防栓现象。", "消防栓是否未被埋压、圈占。")
    capacity = changed["coal-capacity-01"]
    # Since then it also cites the 2023 campaign's 严禁煤矿超能力生产 (coal-plan-04 merged into it, #17).
    assert list(capacity.fields) == ["what", "how", "basis", "note"]
    assert capacity.fields["how"] == (["查阅资料"], ["查阅资料", "询问"])
    basis = changed["coal-gas-01"].fields["basis"]
    assert len(basis[1]) == len(basis[0]) + 1
    assert basis[1][-1]["document"] == "coal-mine-safety-regulation-2024"


def test_real_samples_checklists(real):
    old, new = real
    checklists = diff_catalogs(old, new).of("checklists")
    general = next(c for c in checklists.changed if c.key == "general-self")
    assert general.joined[:3] == ("gen-chem-06", "gen-chem-07", "gen-chem-08")
    assert general.left == () and general.reordered is False
    assert "items" in general.fields
    assert "checkpoints" not in general.fields  # told as joined, left and reordered instead
    assert "pipeline-self" in {c.id for c in checklists.added}


def test_real_samples_documents(real):
    old, new = real
    documents = diff_catalogs(old, new).of("documents")
    assert "pipeline-protection-law-2010" in {d.id for d in documents.added}
    assert documents.removed == ()


def test_same_catalog_has_no_differences(real):
    _, new = real
    diff = diff_catalogs(new, new)
    assert not diff
    assert render_text(diff, "a.json", "b.json") == "--- a.json\n+++ b.json\n没有差异 (no differences)\n"


def test_removed_changed_and_reordered(content):
    old = catalog_of(demo=content.plugin())
    content.write("checklists.toml", """
        [[checklist]]
        id = "demo-self"
        title = "自查表"
        kind = "self_inspection"
        items = ["demo-gas-02", "demo-gas-01"]
    """)
    content.edit("checkpoints/01-gas.toml", 'level = "general"\nremediation = ["on_site", "deadline"]',
                 'level = "general"\nremediation = ["deadline"]')
    new = catalog_of(demo=content.plugin())
    new = evolve(new, checkpoints=new.checkpoints[1:], checklists=(
        evolve(new.checklists[0], checkpoints=("demo-gas-02",)),))
    diff = diff_catalogs(old, new)
    assert [c.id for c in diff.of("checkpoints").removed] == ["demo-gas-01"]
    assert [(c.key, c.fields) for c in diff.of("checkpoints").changed] == [
        ("demo-gas-02", {"remediation": (["on_site", "deadline"], ["deadline"])})]
    checklist = diff.of("checklists").changed[0]
    assert checklist.left == ("demo-gas-01",) and checklist.joined == ()
    assert checklist.fields == {"items": (["demo/gas"], ["demo-gas-02", "demo-gas-01"])}


def test_reordered(content):
    old = catalog_of(demo=content.plugin())
    content.edit("checklists.toml", 'items = ["demo/gas"]', 'items = ["demo-gas-02", "demo-gas-01"]')
    change = diff_catalogs(old, catalog_of(demo=content.plugin())).of("checklists").changed[0]
    assert (change.joined, change.left, change.reordered) == ((), (), True)
    assert "检查项顺序调整 (reordered)" in render_text(diff_catalogs(old, catalog_of(demo=content.plugin())))


def test_text_report(content):
    old = catalog_of(demo=content.plugin())
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查员持证"', 'title = "瓦斯检查员持证上岗"')
    text = render_text(diff_catalogs(old, catalog_of(demo=content.plugin())), "old.json", "new.json")
    assert text == (
        "--- old.json\n+++ new.json\n\n"
        "检查项 checkpoints: 新增 0 · 删除 0 · 修改 1\n"
        "  ~ demo-gas-02  瓦斯检查员持证上岗\n"
        "      标题（title）: 瓦斯检查员持证 → 瓦斯检查员持证上岗\n\n"
        "共 1 处差异 (1 differences)\n"
    )


def test_json_report_lists_every_kind(content):
    old = catalog_of(demo=content.plugin())
    content.edit("checkpoints/01-gas.toml", 'level = "major"', 'level = "major"\nscope = ["underground"]')
    data = json.loads(render_json(diff_catalogs(old, catalog_of(demo=content.plugin()))))
    assert set(data) == {"format", "sectors", "groups", "checkpoints", "checklists", "documents", "categories"}
    assert data["checkpoints"] == {"added": [], "removed": [], "changed": [
        {"id": "demo-gas-01", "fields": {"scope": {"old": [], "new": ["underground"]}}}]}
    assert data == to_data(diff_catalogs(old, catalog_of(demo=content.plugin())))


# -- The command -------------------------------------------------------------------------


@pytest.fixture
def exports(tmp_path, content):
    old = tmp_path / "old.json"
    old.write_text(catalog_to_json(catalog_of(demo=content.plugin())), encoding="utf-8")
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查员持证"', 'title = "瓦斯检查员持证上岗"')
    new = tmp_path / "new.json"
    new.write_text(catalog_to_json(catalog_of(demo=content.plugin())), encoding="utf-8")
    return old, new


def test_cli_report_and_exit_codes(exports, capsys):
    old, new = map(str, exports)
    assert cli.main(["diff", old, new]) == 0
    assert "  ~ demo-gas-02  瓦斯检查员持证上岗\n" in capsys.readouterr().out
    assert cli.main(["diff", old, new, "--exit-code"]) == 1
    assert cli.main(["diff", old, old, "--exit-code"]) == 0
    capsys.readouterr()
    assert cli.main(["diff", old, new, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["checkpoints"]["changed"][0]["id"] == "demo-gas-02"


def test_cli_on_real_samples(real, tmp_path, capsys):
    new = tmp_path / "now.json"
    new.write_text(catalog_to_json(real[1]), encoding="utf-8")
    assert cli.main(["diff", str(EARLIER), str(new)]) == 0
    out = capsys.readouterr().out
    assert "行业领域 sectors: 新增 5 · 删除 0 · 修改 2\n" in out
    assert "  ~ gen-fire-22           埋压、圈占消防栓\n      标题（title）: 埋压、圈占消火栓 → 埋压、圈占消防栓\n" in out


@pytest.mark.parametrize(("text", "message"), [
    (None, "no such file"),
    ("{", "not JSON (Expecting property name enclosed in double quotes at line 1); expected a file written by "
          "checkframe export"),
    ('{"plugins": []}', "not a checkframe export (no format and checkpoints); make one with: checkframe export -o FILE"),
    ('{"format": 2, "checkpoints": []}',
     "export format 2, but this checkframe reads format 1; export it again with this version of checkframe"),
    ('{"format": 1, "checkpoints": [{"id": 3}]}', "$.checkpoints[0].id: expected a string"
        " (got 3); 3 is a number; write \"3\" in quotes"),
])
def test_cli_bad_input_is_one_line_exit_2(tmp_path, exports, capsys, text, message):
    bad = tmp_path / "bad.json"
    if text is not None:
        bad.write_text(text, encoding="utf-8")
    assert cli.main(["diff", str(exports[0]), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {bad.as_posix()}: {message}\n"
