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


#: General checkpoints that restate a criterion of the standard -> that criterion's checkpoint.
RESTATES = {
    "gen-org-03": "fw-major-01",
    "gen-viol-28": "fw-major-02",
    "gen-org-02": "fw-major-13",
    "gen-hm-04": "fw-major-13",
    "gen-fire-24": "fw-major-07",
}
RESTATED_BY_SEED = {"fw-major-05", "fw-major-15", "fw-major-20"}
#: The groups of 附件2 (seed 004), whose ids end in the form's item number.
ANNEX_2_GROUPS = {"organization", "hazardous_chemicals", "key_places", "machinery", "fire_safety",
                  "special_equipment", "violations"}


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
        if c.group.startswith("major_")
        for b in c.basis
        if b.document == STANDARD
    )
    assert set(cited) == {item_label(n) for n in range(1, 21)}
    assert all(count == 1 for count in cited.values())
    majors = sorted((c for c in checkpoints() if c.group.startswith("major_")), key=lambda c: c.id)
    for n, c in enumerate(majors, start=1):
        assert c.id == f"fw-major-{n:02d}" and c.level is HazardLevel.MAJOR
        assert [b.article for b in c.basis if b.document == STANDARD] == [item_label(n)], c.id
        # The criterion's own words stay in the note; the form asks the question.
        assert c.note.startswith(f"判定标准原文（{item_label(n)}）：“"), c.id
        assert "是否" in c.what, c.id


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
        seed = any(b.document == PRIORITIES and b.article == "第17项" for b in c.basis)
        if c.group.startswith("major_"):
            # The three criteria that item 17 restates (超量储存, 超范围储存, “下店上宅”) cite it too: one
            # checkpoint each, no seed duplicate at the general level.
            assert seed == (c.id in RESTATED_BY_SEED), c.id
            continue
        assert seed, c.id
        assert c.level is HazardLevel.GENERAL and not any(b.document == STANDARD for b in c.basis), c.id


def test_major_items_are_grouped_by_place_or_system():
    groups = {c.group for c in checkpoints() if c.level is HazardLevel.MAJOR}
    assert groups == {"major_personnel", "major_buildings", "major_materials", "major_management", "major_retail"}
    assert {c.id for c in catalog().group_checkpoints("fireworks/major_retail")} == {"fw-major-20"}
    # A form prints one section per run of a group: each group's items stand together on every form.
    cat = catalog()
    for checklist in cat.sector_checklists("fireworks"):
        runs = [cat.checkpoint(i).group for i in checklist.checkpoints]
        starts = [g for k, g in enumerate(runs) if k == 0 or runs[k - 1] != g]
        assert len(starts) == len(set(starts)), checklist.id


def test_every_what_is_a_question():
    for c in checkpoints():
        assert "是否" in c.what.split("\n\n")[0], c.id


def test_no_form_records_one_fact_at_two_levels():
    cat = catalog()
    for checklist in cat.sector_checklists("fireworks"):
        held = set(checklist.checkpoints)
        assert len(held) == len(checklist.checkpoints), checklist.id
        for general, major in RESTATES.items():
            assert not (general in held and major in held), (checklist.id, general, major)


def test_merged_duplicates_are_gone():
    ids = {c.id for c in checkpoints()}
    assert not ids & {"fw-wholesale-01", "fw-wholesale-02", "fw-retail-03"}
    changelog = (HERE.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    for gone in ("fw-wholesale-01", "fw-wholesale-02", "fw-retail-03"):
        assert gone in changelog


def test_scoped_forms_hold_what_the_review_found_missing():
    lists = {c.id: c for c in catalog().sector_checklists("fireworks")}
    assert "fw-major-02" in lists["fireworks-wholesale"].checkpoints
    assert "fw-major-19" in lists["fireworks-retail"].checkpoints
    production = set(lists["fireworks-production"].checkpoints)
    for group in ("hazardous_chemicals", "key_places", "machinery"):
        assert {c.id for c in catalog().group_checkpoints(f"general/{group}")} <= production, group
    # The retail form's 多合一 and 明火 fatal fire risks are the standard's item 二十、: the printed text names the
    # two cases in words (a reference printed as “title” nested the quotation marks of “多合一”), the note links them.
    retail_20 = catalog().checkpoint("fw-major-20")
    assert "“多合一”" in retail_20.what and "明火烧纸焚香" in retail_20.what
    assert "[[gen-ffr-08]]" in retail_20.note and "[[gen-ffr-10]]" in retail_20.note


def test_supervision_forms_lead_with_major_hazards():
    cat = catalog()
    for checklist in cat.sector_checklists("fireworks"):
        if checklist.kind.value != "supervision":
            continue
        levels = [cat.checkpoint(i).level for i in checklist.checkpoints]
        first_general = levels.index(HazardLevel.GENERAL)
        assert HazardLevel.MAJOR not in levels[first_general:], checklist.id


def test_self_inspection_keeps_the_order_of_annex_2():
    self_form = {c.id: c for c in catalog().sector_checklists("fireworks")}["fireworks-self"]
    annex = [i for i in self_form.checkpoints if catalog().checkpoint(i).group in ANNEX_2_GROUPS]
    numbers = [int(i.rsplit("-", 1)[1]) for i in annex]
    assert numbers == sorted(numbers) and numbers[0] == 1
    assert self_form.checkpoints[: len(annex)] == tuple(annex)


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
