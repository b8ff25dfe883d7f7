from pathlib import Path

import pytest

from checkframe.model import FormKind, HazardLevel
from checkframe.testing import (
    assert_ids_stable,
    assert_major_hazards_cite_articles,
    build_handbook,
    plugin_catalog,
    print_checklist,
)

HERE = Path(__file__).parent

STANDARD = "mem-order-10-2023"
SEED_000 = "ja-major-hazard-campaign-2023"
SEED_001 = "district-work-safety-priorities-2023"
SEED_004 = "jc-cq-campaign-2023"
#: The items of the 工贸 standard whose text the reference holds (第四条（四） only in part).
METALLURGY_ITEMS = ["（一）", "（二）", "（三）", "（四）"]
#: General items that restate 第三条 of the standard; they stay off every form that holds the 管理类 group.
#: 第三条's items → the general checkpoints that restate them (gen-pd-09 was merged into gen-viol-28).
RESTATE_ARTICLE_3 = {"gen-itm-01": {"gen-pd-10"}, "gen-itm-02": {"gen-viol-28"}, "gen-itm-03": {"gen-org-03"}}
MANAGEMENT = ["gen-itm-01", "gen-itm-02", "gen-itm-03"]


def catalog():
    # The checklists include checkpoints of the general plugin.
    return plugin_catalog("industry_trade", "general")


def checkpoints():
    return catalog().sector_checkpoints("industry_trade")


def checklists():
    return {c.id: c for c in catalog().sector_checklists("industry_trade")}


def test_content_validates():
    sector = catalog().sector("industry_trade")
    assert sector.name == "工贸"
    assert sector.regulator == "区应急管理局"
    assert set(sector.sources) == {STANDARD, SEED_000, SEED_001, SEED_004}


def test_ids_are_stable():
    assert_ids_stable(catalog(), "industry_trade", HERE / "ids.txt")


def test_ids_are_prefixed():
    assert all(c.id.startswith("it-") for c in checkpoints())
    assert all(i.startswith("industry-trade-") for i in checklists())


def test_major_hazards_cite_articles():
    assert_major_hazards_cite_articles(catalog(), "industry_trade")


def test_every_metallurgy_item_read_has_one_major_checkpoint():
    metal = [c for c in checkpoints() if c.group == "metallurgy"]
    assert [c.id for c in metal] == [f"it-metal-{n:02d}" for n in range(1, 5)]
    for c, item in zip(metal, METALLURGY_ITEMS, strict=True):
        assert c.level is HazardLevel.MAJOR, c.id
        assert [(b.document, b.article, b.item) for b in c.basis] == [(STANDARD, "第四条", item)], c.id
        # （四） was read only in part: unconfirmed, as the power plugin marks its fragments.
        assert c.basis[0].confirmed == (item != "（四）"), c.id
        # The criterion's own words stay in the citation's note; what is asked is a question.
        assert c.basis[0].note.startswith("原文"), c.id


def test_major_exactly_when_citing_the_standard():
    for c in checkpoints():
        cites = any(b.document == STANDARD for b in c.basis)
        assert cites == (c.level is HazardLevel.MAJOR), c.id


def test_what_is_a_question_a_tick_answers():
    # √ = meets the requirement: every item asks whether it is met, none states the violation.
    for c in checkpoints():
        assert "是否" in c.what, c.id
        assert not c.what.rstrip("。").endswith(("的", "重大事故隐患")), c.id
        assert "未读到" not in c.what + c.title and "待核实" not in c.what + c.title, c.id


def test_seed_items_quote_the_seed():
    seeds = {SEED_000, SEED_001, SEED_004}
    for c in checkpoints():
        if c.group == "metallurgy":
            continue
        assert c.basis and {b.document for b in c.basis} <= seeds, c.id
        for b in c.basis:
            assert b.note.startswith("原文：“") and b.note.endswith("”"), c.id


def test_seed_001_item_16_is_covered():
    cited = {c.group for c in checkpoints() for b in c.basis if b.document == SEED_001 and b.article == "第16项"}
    assert cited == {"focus", "confined_space"}
    groups = {c.group for c in checkpoints()}
    assert {"confined_space", "dust"} <= groups


def test_remediation_matches_level():
    for c in checkpoints():
        if c.level is HazardLevel.MAJOR:
            assert c.remediation == ("listed_supervision",), c.id
        else:
            assert "deadline" in c.remediation and "listed_supervision" not in c.remediation, c.id


def test_full_checklists_hold_every_checkpoint_and_the_management_items():
    every = [c.id for c in checkpoints()]
    for ident in ("industry-trade-self", "industry-trade-supervision"):
        held = checklists()[ident].checkpoints
        assert set(every) <= set(held), ident
        assert set(MANAGEMENT[:2]) <= set(held), ident
    # 第三条（三） (metal smelting only) is on the metallurgy form, which leaves out gen-org-03 that restates it.
    assert "gen-itm-03" in checklists()["industry-trade-metallurgy"].checkpoints
    assert {c for form in checklists().values() for c in form.checkpoints} >= set(MANAGEMENT)


@pytest.mark.parametrize("ident", ["industry-trade-self", "industry-trade-supervision", "industry-trade-metallurgy",
                                   "industry-trade-confined-space"])
def test_no_form_holds_a_general_item_that_restates_article_3(ident):
    held = set(checklists()[ident].checkpoints)
    assert held & set(MANAGEMENT)
    for item, restatements in RESTATE_ARTICLE_3.items():
        if item in held:
            assert not held & restatements, (ident, item)


def test_supervision_leads_with_major_hazards_then_focus_then_site_then_documents():
    cat = catalog()
    order = [cat.checkpoint(i) for i in checklists()["industry-trade-supervision"].checkpoints]
    levels = [c.level for c in order]
    first_general = levels.index(HazardLevel.GENERAL)
    assert HazardLevel.MAJOR not in levels[first_general:]
    groups = list(dict.fromkeys(c.group_key for c in order))
    assert groups[:2] == ["general/industry_trade_management", "industry_trade/metallurgy"]
    # The campaign's focus, then the 有限空间 and 粉尘 checks every such enterprise has (general), under one heading.
    assert groups[2:6] == ["industry_trade/focus", "industry_trade/confined_space", "industry_trade/dust",
                           "general/confined_space_dust"]
    # On-site general groups come before the document checks.
    assert groups.index("general/key_places") < groups.index("general/organization")
    assert groups[-1] == "general/hazard_management"


def test_self_inspection_keeps_the_forms_order_for_the_general_part():
    cat = catalog()
    order = [cat.checkpoint(i).group_key for i in checklists()["industry-trade-self"].checkpoints]
    general_self = [cat.checkpoint(i).group_key for i in cat.checklist("general-self").checkpoints]
    seed_order = list(dict.fromkeys(general_self))
    held = [g for g in dict.fromkeys(order) if g in seed_order]
    assert held == seed_order


def test_kinds_and_scopes():
    lists = checklists()
    assert lists["industry-trade-self"].kind is FormKind.SELF_INSPECTION
    for ident in ("industry-trade-supervision", "industry-trade-metallurgy", "industry-trade-confined-space"):
        assert lists[ident].kind is FormKind.SUPERVISION
    by_id = {c.id: c for c in checkpoints()}
    metal = [i for i in lists["industry-trade-metallurgy"].checkpoints if i in by_id]
    assert {i for i, c in by_id.items() if "metallurgy" in c.scope} <= set(metal)
    # The hydrogen-sulfide 有限空间 campaign (蔬菜腌制、酿酒、印染、皮革) is not a 冶金 or 铸造 enterprise's.
    assert not [i for i in metal if "hydrogen_sulfide" in by_id[i].scope]
    confined = [i for i in lists["industry-trade-confined-space"].checkpoints if i in by_id]
    assert {i for i, c in by_id.items() if {"confined_space", "dust"} & set(c.scope)} <= set(confined)


def test_handbook_and_forms(tmp_path):
    handbook = build_handbook(tmp_path / "site", "industry_trade", "general", checklists=["industry-trade-supervision"])
    page = handbook.page("checkpoint/it-metal-01.html")
    assert "第四条（一）" in page and "原文" in page
    assert handbook.checklist_pdf("industry-trade-supervision").stat().st_size > 0
    pdf = print_checklist(tmp_path / "print", "industry-trade-metallurgy", "industry_trade", "general")
    assert pdf.read_bytes().startswith(b"%PDF")
