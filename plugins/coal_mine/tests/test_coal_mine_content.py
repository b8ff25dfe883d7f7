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


#: The 条例 第三十六条 category each article of the 2020 standard pairs with: the category of the same name,
#: except where the 条例 files a sub-item elsewhere (by article and item).
REGULATION_CATEGORY = {
    "第四条": "（一）", "第五条": "（二）", "第六条": "（三）", "第七条": "（四）", "第八条": "（五）",
    "第九条": "（七）", "第十条": "（六）", "第十一条": "（八）", "第十二条": "（九）", "第十三条": "（十）",
    "第十四条": "（十三）", "第十五条": "（十四）", "第十六条": "（十五）", "第十七条": "（十六）", "第十八条": "（十七）",
}
REGULATION_EXCEPTIONS = {
    # 突出矿井的瓦斯抽采系统: the 条例 lists it under 瓦斯抽采系统 (（四）), not 防突措施 (（三）).
    ("第六条", "（二）"): "（四）",
    # 甲烷传感器 and 安全监控系统: 监控与通讯系统 (（十一）).
    ("第七条", "（二）"): "（十一）",
    ("第十八条", "（六）"): "（十一）",
    # 安全标志 and 安全出口 are not 应当淘汰的危及生产安全的设备、工艺 (（十）).
    ("第十三条", "（二）"): "（十七）",
    ("第十三条", "（五）"): "（十七）",
    # 露天煤矿边坡 (（十二）).
    ("第十八条", "（十）"): "（十二）",
}


def test_each_standard_item_pairs_with_its_regulation_category():
    pairs = {}
    for c in catalog().sector_checkpoints("coal_mine"):
        standard = [(b.article, b.item) for b in c.basis if b.document == STANDARD and b.article != "第三条"]
        regulation = [b.item for b in c.basis if b.document == REGULATION and b.article == "第三十六条"]
        for cited in standard:
            pairs[cited] = regulation
    assert len(pairs) == sum(STANDARD_ITEMS.values())
    for (article, item), regulation in pairs.items():
        expected = REGULATION_EXCEPTIONS.get((article, item), REGULATION_CATEGORY[article])
        assert regulation == [expected], (article, item, regulation)


def removed_ids() -> dict[str, str]:
    """The changelog's merged ids: removed id → the id it was merged into."""
    import re

    text = (HERE.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([a-z0-9-]+)` [^|]*\| `([a-z0-9-]+)`", text, re.M))


def test_the_changelog_names_every_removed_id_and_where_it_went():
    cat = catalog()
    removed = removed_ids()
    assert set(removed) >= {"coal-plan-04", "coal-monitor-01", "coal-duty-03", "coal-duty-05"}
    for gone, kept in removed.items():
        assert not cat.has("checkpoint", gone), gone
        assert cat.has("checkpoint", kept), (gone, kept)
        assert gone not in (HERE / "ids.txt").read_text(encoding="utf-8").split()


def test_every_coal_form_that_held_a_removed_duty_holds_the_general_item_instead():
    cat = catalog()
    for checklist in ("coal-mine-self", "coal-mine-supervision"):
        assert {"gen-hm-04", "gen-hm-10", "gen-hm-17"} <= set(cat.checklist(checklist).checkpoints), checklist
    assert "coal-other-06" in cat.checklist("coal-mine-ventilation-gas").checkpoints


def test_the_plugin_depends_on_the_general_plugin_whose_items_its_forms_hold():
    import tomllib

    project = tomllib.loads((HERE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(d.startswith("checkframe-general") for d in project["dependencies"])


def test_every_checkpoint_asks_what_a_tick_answers():
    for c in catalog().sector_checkpoints("coal_mine"):
        what = " ".join(c.what.split())
        assert "是否" in what, c.id
        # A criterion's own words (……的，属于……重大事故隐患) and editors' pointers (按……判定) belong in the note.
        assert "属于" not in what and "判定" not in what and not what.endswith("重大事故隐患。"), c.id


def test_every_standard_item_quotes_its_criterion_in_the_note():
    for c in catalog().sector_checkpoints("coal_mine"):
        for b in c.basis:
            if b.document == STANDARD and b.article != "第三条":
                assert c.note.startswith(f"判定标准{b.article}{b.item}原文：“"), c.id
                assert "重大事故隐患" in c.note.split("\n")[0], c.id


def test_supervision_forms_lead_with_the_major_hazards():
    cat = catalog()
    for checklist in cat.sector_checklists("coal_mine"):
        if checklist.kind.value != "supervision":
            continue
        levels = [cat.checkpoint(i).level for i in checklist.checkpoints]
        first_general = levels.index(HazardLevel.GENERAL) if HazardLevel.GENERAL in levels else len(levels)
        assert HazardLevel.MAJOR not in levels[first_general:], checklist.id


def test_the_self_form_opens_with_annex_2_in_its_order():
    cat = catalog()
    annex = list(cat.checklist("general-self").checkpoints)
    assert list(cat.checklist("coal-mine-self").checkpoints[: len(annex)]) == annex


def test_no_coal_form_holds_the_general_resumption_items_that_coal_duty_08_replaces():
    cat = catalog()
    for checklist in cat.sector_checklists("coal_mine"):
        assert "gen-hm-18" not in checklist.checkpoints, checklist.id
    for checklist in ("coal-mine-self", "coal-mine-supervision", "coal-mine-open-pit"):
        assert "coal-duty-08" in cat.checklist(checklist).checkpoints


def test_the_open_pit_form_holds_the_slope_and_no_underground_item():
    cat = catalog()
    form = cat.checklist("coal-mine-open-pit").checkpoints
    assert form[0] == "coal-other-10"
    for ident in form:
        c = cat.checkpoint(ident)
        if c.sector == "coal_mine":
            assert not any(word in c.what for word in ("井下", "井工", "入井", "瓦斯", "通风", "提升")), ident


def test_the_electromechanical_form_holds_power_supply_hoisting_and_conveyors():
    form = set(catalog().checklist("coal-mine-electromechanical").checkpoints)
    assert {"coal-power-01", "coal-power-02", "coal-power-03", "coal-other-07", "coal-other-08", "coal-equip-03"} <= form


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
    # coal-capacity-01 also cites the 2023 campaign, which is no 判定依据.
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
