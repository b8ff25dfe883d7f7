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
