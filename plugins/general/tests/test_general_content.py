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
