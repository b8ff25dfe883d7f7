from collections import Counter
from pathlib import Path

from checkframe.model import HazardLevel, LegalBasis
from checkframe.testing import assert_ids_stable, assert_major_hazards_cite_articles, plugin_catalog

HERE = Path(__file__).parent

STANDARD = "mem-order-4-2020"
REGULATION = "coal-mine-safety-regulation-2024"
UNCONFIRMED_NOTE = "条款编号系按列出顺序推定，未见原文编号"

#: Sub-items per article of the 2020 standard, as listed in the reference material.
STANDARD_ITEMS = {
    "第四条": 6, "第五条": 3, "第六条": 7, "第七条": 2, "第八条": 10,
    "第九条": 9, "第十条": 3, "第十一条": 5, "第十二条": 4, "第十三条": 6,
    "第十四条": 3, "第十五条": 4, "第十六条": 5, "第十七条": 3, "第十八条": 10,
}
NUMERALS = "一二三四五六七八九十"


def item_label(n: int) -> str:
    text = NUMERALS[n - 1] if n <= 10 else "十" + NUMERALS[n - 11]
    return f"（{text}）"


def catalog():
    # The checklists include groups of the general plugin.
    return plugin_catalog("coal_mine", "general")


def test_content_validates():
    assert catalog().sector("coal_mine").name == "煤矿"


def test_ids_are_stable():
    assert_ids_stable(catalog(), "coal_mine", HERE / "ids.txt")


def test_major_hazards_cite_articles():
    assert_major_hazards_cite_articles(catalog(), "coal_mine")


def test_every_item_of_the_standard_has_one_checkpoint():
    cited = Counter(
        (b.article, b.item)
        for c in catalog().sector_checkpoints("coal_mine")
        if c.group not in ("production_plan",)
        for b in c.basis
        if b.document == STANDARD
    )
    expected = {(a, item_label(n)) for a, count in STANDARD_ITEMS.items() for n in range(1, count + 1)}
    assert set(cited) == expected
    assert all(count == 1 for count in cited.values())


def test_inferred_numbering_is_marked_unconfirmed():
    for c in catalog().sector_checkpoints("coal_mine"):
        for b in c.basis:
            if b.document != STANDARD or b.article in ("第三条",) or (b.article, b.item) == ("第四条", "（一）"):
                continue
            assert not b.confirmed and b.note == UNCONFIRMED_NOTE, (c.id, b.cited())


def test_standard_checkpoints_also_cite_the_regulation():
    for c in catalog().sector_checkpoints("coal_mine"):
        if any(b.document == STANDARD for b in c.basis):
            assert any(b.document == REGULATION and b.article == "第三十六条" for b in c.basis), c.id


def test_remediation_matches_level():
    for c in catalog().sector_checkpoints("coal_mine"):
        if c.level is HazardLevel.MAJOR:
            assert c.remediation == ("listed_supervision", "coal_production_stop"), c.id
        else:
            assert set(c.remediation) <= {"on_site", "deadline"} and "deadline" in c.remediation, c.id


def test_full_checklists_hold_every_coal_checkpoint():
    cat = catalog()
    every = {c.id for c in cat.sector_checkpoints("coal_mine")}
    for checklist in cat.sector_checklists("coal_mine"):
        if checklist.id in ("coal-mine-self", "coal-mine-supervision"):
            assert every <= set(checklist.checkpoints), checklist.id


def test_every_major_hazard_is_one_the_standard_or_the_regulation_lists():
    import attrs

    import checkframe_coal_mine as plugin

    whole = catalog()
    reported: list[str] = []
    plugin.checkframe_catalog_built(whole, reported.append)
    assert reported == []
    first = whole.checkpoint("coal-capacity-01")
    # 第三十五条 of the regulation is on risk control; it lists no major hazard.
    unlisted = attrs.evolve(first, basis=(LegalBasis(REGULATION, "第三十五条"),))
    changed = attrs.evolve(whole, checkpoints=tuple(unlisted if c.id == first.id else c for c in whole.checkpoints))
    plugin.checkframe_catalog_built(changed, reported.append)
    assert len(reported) == 1 and reported[0].startswith("coal-capacity-01: a coal major hazard must cite")


def test_the_major_hazard_list_for_the_provincial_system(tmp_path, capsys):
    import csv

    import checkframe.cli as cli
    import checkframe_coal_mine as plugin
    from checkframe.publish.project import HandbookConfig, PrintConfig, Project
    from checkframe.registers import BuildFiles

    whole = catalog()
    text = plugin.major_hazards_csv(whole)
    assert text.startswith("\ufeff序号,检查项标识,重大事故隐患,判定依据,检查内容\r\n")
    rows = list(csv.reader(text.lstrip("\ufeff").splitlines()))[1:]
    major = [c for c in whole.sector_checkpoints("coal_mine") if c.level is HazardLevel.MAJOR]
    assert [r[1] for r in rows] == [c.id for c in major]
    assert rows[0][3] == "《煤矿重大事故隐患判定标准》第四条（一）；《煤矿安全生产条例》第三十六条（一）"
    # In every handbook that shows the coal mines, and only there.
    files: dict[str, bytes] = {}
    for sectors, expected in ((("coal_mine",), [plugin.EXPORT_PATH]), (("general",), [])):
        files.clear()
        project = Project(tmp_path, HandbookConfig(title="手册", department="区应急管理局", sectors=sectors),
                          PrintConfig())
        plugin.checkframe_pages_rendered(BuildFiles("coal_mine", files, {}, []), whole, project)
        assert list(files) == expected
    # And as a command of its own.
    output = tmp_path / "major.csv"
    assert cli.main(["coal-mine-major-hazards", "-o", str(output)]) == 0
    assert output.read_text(encoding="utf-8-sig").splitlines()[1].startswith("1,coal-capacity-01,")
    assert capsys.readouterr().out.endswith(f"wrote {output}\n")
