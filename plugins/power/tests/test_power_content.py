from pathlib import Path

from checkframe.model import HazardLevel
from checkframe.testing import assert_ids_stable, assert_major_hazards_cite_articles, plugin_catalog

HERE = Path(__file__).parent

STANDARD = "power-hazard-standard-2022"
SEED_004 = "jc-cq-campaign-2023"
SEED_001 = "district-work-safety-priorities-2023"
#: The only criterion of 第四条 whose text the reference holds in full.
COMPLETE_ITEMS = {("第四条", "（一）")}
#: Fragments of 第四条 kept as unconfirmed checkpoints (two have no legible item number).
FRAGMENT_CHECKPOINTS = {"power-major-02", "power-major-03", "power-major-04", "power-major-05"}
GENERAL_GROUPS = [
    "general/organization",
    "general/principal_duties",
    "general/hazard_management",
    "general/fire_safety",
    "general/special_equipment",
    "general/violations",
]


def catalog():
    # The checklists include groups of the general plugin.
    return plugin_catalog("power", "general")


def test_content_validates():
    sector = catalog().sector("power")
    assert sector.name == "电力"
    assert sector.regulator == "区发改（能源）局"


def test_ids_are_stable():
    assert_ids_stable(catalog(), "power", HERE / "ids.txt")


def test_ids_are_prefixed():
    cat = catalog()
    ids = [c.id for c in cat.sector_checkpoints("power")] + [c.id for c in cat.sector_checklists("power")]
    assert all(i.startswith("power-") for i in ids)


def test_major_hazards_cite_articles():
    assert_major_hazards_cite_articles(catalog(), "power")


def test_major_hazards_come_from_the_standard():
    for c in catalog().sector_checkpoints("power"):
        cites_4 = any(b.document == STANDARD and b.article == "第四条" for b in c.basis)
        assert cites_4 == (c.level is HazardLevel.MAJOR), c.id


def test_complete_item_is_confirmed_and_fragments_are_not():
    majors = {c.id: c for c in catalog().sector_checkpoints("power") if c.level is HazardLevel.MAJOR}
    assert FRAGMENT_CHECKPOINTS <= set(majors)
    complete = [i for i, c in majors.items()
                if any((b.article, b.item) in COMPLETE_ITEMS and b.confirmed for b in c.basis)]
    assert complete == ["power-major-01"]
    for ident in FRAGMENT_CHECKPOINTS:
        article_4 = [b for b in majors[ident].basis if b.article == "第四条"]
        assert article_4 and all(not b.confirmed and "原文不全" in b.note for b in article_4), ident
        assert "……" in majors[ident].what, ident


def test_articles_not_read_are_not_cited():
    for c in catalog().sector_checkpoints("power"):
        for b in c.basis:
            if b.document == STANDARD:
                assert (b.article, b.item) not in {("第四条", "（三）"), ("第四条", "（四）"), ("第五条", "")}, c.id


def test_seed_items_cite_the_seeds():
    for c in catalog().sector_checkpoints("power"):
        if c.level is HazardLevel.GENERAL:
            assert any(b.document in (SEED_004, SEED_001) and b.article and b.item for b in c.basis), c.id


def test_remediation_matches_level():
    for c in catalog().sector_checkpoints("power"):
        if c.level is HazardLevel.MAJOR:
            assert c.remediation == ("listed_supervision",), c.id
        else:
            assert set(c.remediation) <= {"on_site", "deadline"} and "deadline" in c.remediation, c.id


def test_full_checklists_hold_every_power_checkpoint_and_the_general_duties():
    cat = catalog()
    every = {c.id for c in cat.sector_checkpoints("power")}
    for ident in ("power-self", "power-supervision"):
        checklist = cat.checklist(ident)
        assert every <= set(checklist.checkpoints), ident
        assert set(GENERAL_GROUPS) <= set(checklist.items), ident


def test_scoped_checklists():
    cat = catalog()
    scopes = {c.id: c.scope for c in cat.sector_checklists("power")}
    assert scopes == {
        "power-self": "",
        "power-supervision": "",
        "power-generation": "发电企业",
        "power-new-energy-storage": "新能源和储能",
        "power-construction": "在建项目",
        "power-maintenance": "春季检修",
    }


#: Scoped checklists -> the scope tags whose power checkpoints they must hold (and the only tags they may hold).
SCOPED = {
    "power-generation": {"generation"},
    "power-new-energy-storage": {"new-energy", "energy-storage"},
    "power-construction": {"construction"},
}


def test_scoped_checklists_hold_their_scope_and_only_it():
    cat = catalog()
    tagged = {c.id: set(c.scope) for c in cat.sector_checkpoints("power") if c.scope}
    for ident, tags in SCOPED.items():
        held = {i for i in cat.checklist(ident).checkpoints if i in tagged}
        assert held == {i for i, t in tagged.items() if t & tags}, ident


def test_new_energy_items_reach_new_energy_plants_only():
    cat = catalog()
    new_energy = {c.id for c in cat.sector_checkpoints("power") if c.group == "new-energy"}
    assert new_energy and all(cat.checkpoint(i).scope == ("new-energy",) for i in new_energy)
    for checklist in cat.sector_checklists("power"):
        if checklist.id not in ("power-self", "power-supervision", "power-new-energy-storage"):
            assert not new_energy & set(checklist.checkpoints), checklist.id


def test_energy_storage_has_several_items_from_seed_001_item_19():
    storage = [c for c in catalog().sector_checkpoints("power") if c.group == "energy-storage"]
    assert len(storage) >= 3
    for c in storage:
        assert any(b.document == SEED_001 and b.item == "第19项" for b in c.basis), c.id


def test_screening_duplicates_are_gone():
    ids = {c.id for c in catalog().sector_checkpoints("power")}
    changelog = (HERE.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    for gone in ("power-screen-01", "power-screen-02", "power-screen-03"):
        assert gone not in ids and gone in changelog
    # What they repeated is on every power form through the general hazard-management items.
    cat = catalog()
    for checklist in cat.sector_checklists("power"):
        if checklist.id not in ("power-construction", "power-maintenance"):
            assert {"gen-hm-01", "gen-hm-07"} <= set(checklist.checkpoints), checklist.id


def test_every_what_is_a_question():
    for c in catalog().sector_checkpoints("power"):
        assert "是否" in c.what.split("\n\n")[0], c.id
        if c.level is HazardLevel.MAJOR:
            assert c.note.startswith("判定标准原文（第四条"), c.id


def test_supervision_forms_lead_with_major_hazards():
    cat = catalog()
    for checklist in cat.sector_checklists("power"):
        if checklist.kind.value != "supervision":
            continue
        levels = [cat.checkpoint(i).level for i in checklist.checkpoints]
        if HazardLevel.MAJOR in levels:
            first_general = levels.index(HazardLevel.GENERAL)
            assert HazardLevel.MAJOR not in levels[first_general:], checklist.id
        assert len(set(checklist.checkpoints)) == len(checklist.checkpoints), checklist.id


def test_construction_form_is_complete():
    held = set(catalog().checklist("power-construction").checkpoints)
    assert {"power-major-05", "power-build-01", "power-build-02", "power-build-03", "gen-pd-07", "gen-speq-26",
            "gen-viol-27", "gen-viol-28"} <= held


def test_self_inspection_keeps_the_order_of_annex_2():
    form = catalog().checklist("power-self")
    assert form.items[:4] == ("general/organization", "general/fire_safety", "general/special_equipment",
                              "general/violations")
