from pathlib import Path

from checkframe.model import FormKind, HazardLevel
from checkframe.testing import assert_ids_stable, build_handbook, plugin_catalog, print_checklist

HERE = Path(__file__).parent

SEED_001 = "district-work-safety-priorities-2023"
#: 附件2 第26项 in the general plugin: also the seed 001 item 18 problem “定期检验不到位”.
FORM_ITEM_26 = "gen-speq-26"
#: The seed's seven problems of 使用单位 (item 18) → the checkpoint that checks each.
PROBLEMS = {
    "安全管理机构不健全": "se-mgmt-01",
    "安全责任不落实": "se-mgmt-02",
    "安全规章制度不落实": "se-mgmt-03",
    "双重预防机制不健全": "se-mgmt-04",
    "定期检验不到位": FORM_ITEM_26,
    "作业人员无证上岗": "se-mgmt-05",
    "设备未经注册非法使用": "se-mgmt-06",
}
#: The equipment the seed names → the checkpoint for it.
EQUIPMENT = {
    "压力容器（含气瓶）": "se-key-01",
    "压力管道": "se-key-02",
    "场（厂）内专用机动车辆": "se-key-03",
    "电梯": "se-key-04",
    "起重机械": "se-key-05",
    "危险化学品相关压力容器": "se-key-06",
}


def catalog():
    # The checklists include gen-speq-26 of the general plugin.
    return plugin_catalog("special_equipment", "general")


def checkpoints():
    return catalog().sector_checkpoints("special_equipment")


def checklists():
    return {c.id: c for c in catalog().sector_checklists("special_equipment")}


def test_content_validates():
    sector = catalog().sector("special_equipment")
    assert sector.name == "特种设备"
    assert sector.regulator == "区市场监督管理局"


def test_ids_are_stable():
    assert_ids_stable(catalog(), "special_equipment", HERE / "ids.txt")


def test_ids_are_prefixed():
    assert all(c.id.startswith("se-") for c in checkpoints())
    assert all(i.startswith("special-equipment-") for i in checklists())


def test_every_checkpoint_cites_item_18_and_quotes_it():
    for c in checkpoints():
        assert [(b.document, b.article) for b in c.basis] == [(SEED_001, "第18项")], c.id
        note = c.basis[0].note
        assert note.startswith("原文：“") and note.endswith("”"), c.id


def test_each_problem_and_each_equipment_of_item_18_is_checked():
    cat = catalog()
    by_id = {c.id: c for c in checkpoints()}
    for problem, ident in {**PROBLEMS, **EQUIPMENT}.items():
        checkpoint = cat.checkpoint(ident)
        if ident in by_id:
            assert problem in checkpoint.basis[0].note, (problem, ident)
    assert set(PROBLEMS.values()) | set(EQUIPMENT.values()) == set(by_id) | {FORM_ITEM_26}


def test_no_major_hazard_without_a_standard():
    # The reference holds no 特种设备 major-hazard criteria, and the seed names none.
    assert all(c.level is HazardLevel.GENERAL for c in checkpoints())
    assert all("listed_supervision" not in c.remediation and "deadline" in c.remediation for c in checkpoints())


def test_what_is_a_question_a_tick_answers():
    for c in checkpoints():
        assert "是否" in c.what, c.id
        assert not c.what.rstrip("。").endswith("的"), c.id


def test_both_forms_hold_everything_once():
    every = {c.id for c in checkpoints()} | {FORM_ITEM_26}
    lists = checklists()
    assert lists["special-equipment-self"].kind is FormKind.SELF_INSPECTION
    assert lists["special-equipment-supervision"].kind is FormKind.SUPERVISION
    for checklist in lists.values():
        assert set(checklist.checkpoints) == every, checklist.id
        assert len(checklist.checkpoints) == len(every), checklist.id


def test_supervision_starts_on_site_and_ends_with_the_documents():
    held = checklists()["special-equipment-supervision"].checkpoints
    assert list(held[:6]) == list(EQUIPMENT.values())
    assert list(held[-4:]) == ["se-mgmt-01", "se-mgmt-02", "se-mgmt-03", "se-mgmt-04"]


def test_self_inspection_follows_the_seed():
    held = checklists()["special-equipment-self"].checkpoints
    seed_order = [i for i in PROBLEMS.values() if i != FORM_ITEM_26]
    assert [i for i in held if i.startswith("se-mgmt-")] == seed_order
    assert held.index(FORM_ITEM_26) < held.index("se-key-01")


def test_handbook_and_forms(tmp_path):
    handbook = build_handbook(tmp_path / "site", "special_equipment", "general",
                              checklists=["special-equipment-supervision"])
    assert "第18项" in handbook.page("checkpoint/se-key-03.html")
    assert handbook.checklist_pdf("special-equipment-supervision").stat().st_size > 0
    pdf = print_checklist(tmp_path / "print", "special-equipment-self", "special_equipment", "general")
    assert pdf.read_bytes().startswith(b"%PDF")
