from collections import Counter
from pathlib import Path

from checkframe.model import HazardLevel, RequiredField
from checkframe.testing import assert_ids_stable, assert_major_hazards_cite_articles, plugin_catalog

HERE = Path(__file__).parent

STANDARD = "fw-major-hazard-standard-2017"
PRIORITIES = "district-work-safety-priorities-2023"
UNCONFIRMED_NOTE = "条目序号系按来源列出顺序推定，未见原文编号"
NUMERALS = "一二三四五六七八九十"

#: Scoped checklists → the scope tag whose checkpoints they must hold.
SCOPED = {
    "fireworks-production": ("生产企业", "production"),
    "fireworks-wholesale": ("批发企业", "wholesale"),
    "fireworks-retail": ("零售点", "retail"),
}


def item_label(n: int) -> str:
    """The standard's item labels: 一、 … 二十、."""
    if n <= 10:
        text = NUMERALS[n - 1]
    else:
        tens, ones = divmod(n, 10)
        text = ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")
    return f"{text}、"


def catalog():
    # The checklists include groups of the general plugin.
    return plugin_catalog("fireworks", "general")


def checkpoints():
    return catalog().sector_checkpoints("fireworks")


def test_content_validates():
    sector = catalog().sector("fireworks")
    assert sector.name == "烟花爆竹"
    assert sector.regulator == "区应急管理局"


def test_ids_are_stable():
    assert_ids_stable(catalog(), "fireworks", HERE / "ids.txt")


def test_ids_are_prefixed():
    assert all(c.id.startswith("fw-") for c in checkpoints())


def test_major_hazards_cite_articles():
    assert_major_hazards_cite_articles(catalog(), "fireworks")


def test_every_item_of_the_standard_has_one_checkpoint():
    cited = Counter(
        b.article
        for c in checkpoints()
        if c.group == "major_hazards"
        for b in c.basis
        if b.document == STANDARD
    )
    assert set(cited) == {item_label(n) for n in range(1, 21)}
    assert all(count == 1 for count in cited.values())
    for n, c in enumerate((c for c in checkpoints() if c.group == "major_hazards"), start=1):
        assert c.id == f"fw-major-{n:02d}" and c.level is HazardLevel.MAJOR
        assert [b.article for b in c.basis] == [item_label(n)], c.id


def test_standard_is_unconfirmed():
    doc = catalog().document(STANDARD)
    assert not doc.confirmed and doc.note
    assert doc.number == "安监总管三〔2017〕121号"
    for c in checkpoints():
        for b in c.basis:
            if b.document == STANDARD:
                assert not b.confirmed and b.note == UNCONFIRMED_NOTE, c.id


def test_seed_items_cite_item_17():
    for c in checkpoints():
        if c.group == "major_hazards":
            continue
        assert any(b.document == PRIORITIES and b.article == "第17项" for b in c.basis), c.id
        # A seed item is major only when it restates a criterion of the standard, and then cites it.
        cites_standard = any(b.document == STANDARD for b in c.basis)
        assert cites_standard == (c.level is HazardLevel.MAJOR), c.id


def test_remediation_matches_level():
    for c in checkpoints():
        if c.level is HazardLevel.MAJOR:
            assert c.remediation == ("listed_supervision", "fireworks_production_stop"), c.id
        else:
            assert set(c.remediation) <= {"on_site", "deadline"} and "deadline" in c.remediation, c.id


def test_production_stop_category():
    category = catalog().category("fireworks_production_stop")
    assert category.plugin == "fireworks"
    assert category.levels == (HazardLevel.MAJOR,)
    assert set(category.requires) >= {
        RequiredField.SUPERVISION_LEVEL,
        RequiredField.RESPONSIBLE_PERSON,
        RequiredField.MEASURES,
        RequiredField.FUNDS,
        RequiredField.DEADLINE,
        RequiredField.CONTINGENCY_PLAN,
    }


def test_every_checkpoint_is_scoped():
    for c in checkpoints():
        assert c.scope and set(c.scope) <= {"production", "wholesale", "retail"}, c.id


def test_full_checklists_hold_every_fireworks_checkpoint():
    cat = catalog()
    every = {c.id for c in checkpoints()}
    for checklist in cat.sector_checklists("fireworks"):
        if checklist.id in ("fireworks-self", "fireworks-supervision"):
            assert every <= set(checklist.checkpoints), checklist.id


def test_scoped_checklists_hold_their_scope():
    cat = catalog()
    by_id = {c.id: c for c in checkpoints()}
    lists = {c.id: c for c in cat.sector_checklists("fireworks")}
    for checklist_id, (label, tag) in SCOPED.items():
        checklist = lists[checklist_id]
        assert checklist.scope == label
        held = {i for i in checklist.checkpoints if i in by_id}
        assert held == {i for i, c in by_id.items() if tag in c.scope}, checklist_id


def test_retail_checklist_stays_short():
    retail = {c.id: c for c in catalog().sector_checklists("fireworks")}["fireworks-retail"]
    others = [i for i in retail.checkpoints if not i.startswith("fw-")]
    assert others == ["gen-fire-21", "gen-fire-24"]
    assert len(retail.checkpoints) <= 15
