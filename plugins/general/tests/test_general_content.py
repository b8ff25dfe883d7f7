from pathlib import Path

from checkframe.model import HazardLevel
from checkframe.testing import assert_ids_stable, assert_major_hazards_cite_articles, plugin_catalog

HERE = Path(__file__).parent

#: Group ids that the sector plugins' checklists reference: they must keep existing.
REFERENCED_GROUPS = (
    "organization",
    "principal_duties",
    "hazard_management",
    "fire_safety",
    "special_equipment",
    "violations",
)

#: The seven 自查项目 of 附件2 (城发改字〔2023〕15号), in the form's order, with their item numbers.
SELF_FORM = {
    "organization": range(1, 6),
    "hazardous_chemicals": range(6, 9),
    "key_places": range(9, 17),
    "machinery": range(17, 21),
    "fire_safety": range(21, 26),
    "special_equipment": range(26, 27),
    "violations": range(27, 29),
}


def test_content_validates():
    catalog = plugin_catalog("general")
    assert catalog.sector("general").name == "通用"


def test_ids_are_stable():
    assert_ids_stable(plugin_catalog("general"), "general", HERE / "ids.txt")


def test_major_hazards_cite_articles():
    assert_major_hazards_cite_articles(plugin_catalog("general"), "general")


def test_referenced_groups_exist():
    catalog = plugin_catalog("general")
    for group in REFERENCED_GROUPS:
        assert catalog.group_checkpoints(f"general/{group}"), group


def test_shared_campaign_document_is_unchanged():
    # Other plugins define the same document; only identical definitions merge.
    doc = plugin_catalog("general").document("jc-cq-campaign-2023")
    assert (doc.title, doc.number, doc.issuer, doc.date, doc.confirmed, doc.note) == (
        "安全生产大排查大整治行动方案", "城发改字〔2023〕15号", "晋城市城区发展和改革局", "2023-03-02", True, "",
    )


def test_self_inspection_form_is_the_seed_form():
    catalog = plugin_catalog("general")
    form = catalog.checklist("general-self")
    assert form.items == tuple(f"general/{g}" for g in SELF_FORM)
    numbers = []
    for checkpoint in catalog.checklist_checkpoints("general-self"):
        # The form's own row comes first; a checkpoint that absorbed a duplicate cites its source after it.
        basis = checkpoint.basis[0]
        assert (basis.document, basis.article) == ("jc-cq-campaign-2023", "附件2")
        numbers.append(int(basis.item.removeprefix("第").removesuffix("项")))
        assert numbers[-1] in SELF_FORM[checkpoint.group]
        assert checkpoint.id.endswith(f"-{numbers[-1]:02d}")
    assert numbers == list(range(1, 29))


def test_sources_list_every_cited_document():
    catalog = plugin_catalog("general")
    sources = set(catalog.sector("general").sources)
    cited = {b.document for c in catalog.sector_checkpoints("general") for b in c.basis}
    assert cited <= sources


def test_unconfirmed_citations_say_why():
    catalog = plugin_catalog("general")
    for checkpoint in catalog.sector_checkpoints("general"):
        for basis in checkpoint.basis:
            if not basis.confirmed:
                assert basis.note, checkpoint.id


def test_general_hazards_have_a_general_route():
    catalog = plugin_catalog("general")
    for checkpoint in catalog.sector_checkpoints("general"):
        if checkpoint.level is HazardLevel.GENERAL:
            assert "deadline" in checkpoint.remediation, checkpoint.id


#: Words that mark a criterion written as a violation, statute commentary, or a one-off 2023 campaign figure.
NOT_IN_A_QUESTION = ("应当判定为重大事故隐患", "所列违法行为", "本月", "专项行动期间", "5月30日前", "是否存在致命风险")


def test_every_what_is_a_question_a_tick_answers():
    for checkpoint in plugin_catalog("general").sector_checkpoints("general"):
        assert "是否" in checkpoint.what, checkpoint.id
        for words in NOT_IN_A_QUESTION:
            assert words not in checkpoint.what, (checkpoint.id, words)


def test_principal_led_checks_follow_the_standing_rule():
    catalog = plugin_catalog("general")
    check = catalog.checkpoint("gen-pd-02")
    assert "每季度" in check.what and "每月至少1次" in check.what
    assert check.basis[0].document == "wnd-root-cause-plan-2024" and check.basis[0].article == "三（四）7"
    # No other checkpoint states a cadence of its own for the principal's checks.
    for other in catalog.sector_checkpoints("general"):
        if other.id != "gen-pd-02":
            assert "带队" not in other.what, other.id


def test_every_fatal_fire_risk_has_a_criterion_beyond_its_name():
    catalog = plugin_catalog("general")
    for checkpoint in catalog.group_checkpoints("general/fatal_fire_risks"):
        assert len(checkpoint.basis) >= 2 or "“" in checkpoint.what, checkpoint.id
        assert "致命风险因素" not in checkpoint.what, checkpoint.id


def test_seed_001_is_declared_here_and_nowhere_else():
    assert plugin_catalog("general").document("district-work-safety-priorities-2023").confirmed is False
    plugins = HERE.parents[1]
    declaring = sorted(path.parts[-5] for path in plugins.glob("*/src/*/content/sector.toml")
                       if 'id = "district-work-safety-priorities-2023"' in path.read_text(encoding="utf-8"))
    assert declaring == ["general"]


def test_supervision_checks_the_site_before_the_documents():
    catalog = plugin_catalog("general")
    groups = list(dict.fromkeys(c.group for c in catalog.checklist_checkpoints("general-supervision")))
    on_site = ["key_places", "machinery", "hazardous_chemicals", "fire_safety", "special_equipment", "violations",
               "confined_space_dust"]
    assert groups == [*on_site, "organization", "principal_duties", "hazard_management"]
