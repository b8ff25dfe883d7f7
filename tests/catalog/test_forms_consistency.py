"""Every printed form is consistent: one fact, one level; one checkpoint, one row.

Over the catalog of every plugin in ``plugins/``:

* no checklist holds two checkpoints of different levels (一般 / 重大) for the same criterion, so that an
  inspector cannot record one fact as a general hazard on one row and as a major one on another;
* no checkpoint appears twice in one checklist (the loader refuses it too; this checks the built catalog).

Two checkpoints are *the same criterion* when

1. both cite the same provision of a determination standard: the same document, article and item, where the
   document is a 重大事故隐患判定标准 (its title, in the regulators' words, names it 判定标准 or 判定准则). A
   campaign plan's section lists many criteria at once (区2023年安全生产工作要点第17项 is a whole paragraph of
   fireworks work), so two checkpoints citing it are not thereby one criterion; a citation of a whole document,
   without an article, says nothing about a criterion either; or
2. one restates the other: the pairs in ``RESTATES``, each a general checkpoint written from a campaign plan or
   the 附件2 form that restates a criterion of a determination standard which another checkpoint carries as a
   major hazard. The model has no field for "restates"; the pairs are the review's findings (issue #17) and
   later ones, each with the criterion it restates, so a reader can check them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from checkframe.catalog import Catalog
from checkframe.model import Checklist, Checkpoint, Document, FormKind, HazardLevel, LegalBasis
from doubles import shipped_catalog

ROOT = Path(__file__).parents[2]

#: General checkpoint → {major checkpoint: the criterion both state}.
RESTATES: Mapping[str, Mapping[str, str]] = {
    # 工贸企业重大事故隐患判定标准 第三条 (管理类), carried by general/industry_trade_management.
    "gen-pd-10": {"gen-itm-01": "第三条（一）承包承租单位统一协调、管理和定期安全检查"},
    "gen-viol-28": {
        "gen-itm-02": "第三条（二）特种作业人员经培训取得相应资格上岗",
        "fw-major-02": "烟花爆竹判定标准：特种作业人员持证上岗",
    },
    "gen-org-03": {
        "gen-itm-03": "第三条（三）（金属冶炼企业）主要负责人、安全生产管理人员经考核合格",
        "fw-major-01": "烟花爆竹判定标准：主要负责人、安全生产管理人员依法经考核合格",
    },
    # 烟花爆竹生产经营单位重大生产安全事故隐患判定标准 (the review's seven general items on fireworks forms;
    # gen-pd-05 and gen-pd-09 were merged into gen-org-02 and gen-viol-28).
    "gen-org-02": {"fw-major-13": "全员安全生产责任制"},
    "gen-hm-04": {"fw-major-13": "事故隐患排查治理制度"},
    "gen-fire-24": {"fw-major-07": "防火设备设施"},
}



STANDARD_WORDS = ("判定标准", "判定准则")


def standards(catalog: Catalog) -> frozenset[str]:
    """The ids of the documents that are determination standards."""
    return frozenset(d.id for d in catalog.documents if any(word in d.title for word in STANDARD_WORDS))


def provisions(checkpoint: Checkpoint, standard_ids: frozenset[str]) -> set[tuple[str, str, str]]:
    """The provisions of determination standards a checkpoint cites, as (document, article, item)."""
    return {(b.document, b.article, b.item) for b in checkpoint.basis if b.article and b.document in standard_ids}


def same_criterion(a: Checkpoint, b: Checkpoint, standard_ids: frozenset[str],
                   restates: Mapping[str, Mapping[str, str]] = RESTATES) -> str:
    """Why ``a`` and ``b`` state the same criterion, or ``""`` when they do not."""
    shared = sorted(provisions(a, standard_ids) & provisions(b, standard_ids))
    if shared:
        document, article, item = shared[0]
        return f"both cite {document} {article}{item}"
    for x, y in ((a, b), (b, a)):
        if y.id in restates.get(x.id, {}):
            return f"{x.id} restates {restates[x.id][y.id]}"
    return ""


def conflicts(catalog: Catalog, restates: Mapping[str, Mapping[str, str]] = RESTATES) -> list[tuple[str, str, str, str]]:
    """(checklist, general checkpoint, major checkpoint, why) for every checklist that holds both."""
    found = []
    standard_ids = standards(catalog)
    for checklist in catalog.checklists:
        rows = [catalog.checkpoint(ident) for ident in dict.fromkeys(checklist.checkpoints)]
        general = [c for c in rows if c.level is HazardLevel.GENERAL]
        major = [c for c in rows if c.level is HazardLevel.MAJOR]
        for g in general:
            for m in major:
                why = same_criterion(g, m, standard_ids, restates)
                if why:
                    found.append((checklist.id, g.id, m.id, why))
    return found


def repeated_rows(checklists: Iterable[Checklist]) -> list[tuple[str, str]]:
    """(checklist, checkpoint) for every checkpoint listed twice in one checklist."""
    out = []
    for checklist in checklists:
        seen: set[str] = set()
        for ident in checklist.checkpoints:
            if ident in seen:
                out.append((checklist.id, ident))
            seen.add(ident)
    return out


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return shipped_catalog(ROOT / "plugins")


def test_no_form_holds_one_criterion_at_two_levels(shipped):
    assert conflicts(shipped) == []


def test_no_checkpoint_appears_twice_in_a_form(shipped):
    assert repeated_rows(shipped.checklists) == []


def test_every_restatement_names_checkpoints_of_the_two_levels(shipped):
    # A pair whose ids were renamed or whose levels changed would silently stop guarding anything.
    for general, majors in RESTATES.items():
        assert shipped.checkpoint(general).level is HazardLevel.GENERAL, general
        for major, criterion in majors.items():
            assert shipped.checkpoint(major).level is HazardLevel.MAJOR, major
            assert criterion.strip(), (general, major)


def test_the_industry_trade_forms_carry_the_three_management_items(shipped):
    on_forms = {c for form in shipped.sector_checklists("industry_trade") for c in form.checkpoints}
    assert {"gen-itm-01", "gen-itm-02", "gen-itm-03"} <= on_forms


# A small synthetic catalog: the checks find what they are meant to find.

def _checkpoint(ident: str, level: HazardLevel, *basis: LegalBasis) -> Checkpoint:
    return Checkpoint(id=ident, title="测试", what="是否测试。", level=level, basis=basis, sector="demo",
                      group="g")


def _form(ident: str, *checkpoints: str) -> Checklist:
    return Checklist(id=ident, title="测试表", kind=FormKind.SUPERVISION, items=tuple(dict.fromkeys(checkpoints)),
                     sector="demo", checkpoints=checkpoints)


SYNTHETIC = Catalog(
    documents=(Document(id="standard", title="测试行业重大事故隐患判定标准"), Document(id="plan", title="专项行动方案")),
    checkpoints=(
        _checkpoint("demo-major-01", HazardLevel.MAJOR, LegalBasis("standard", "第三条", "（一）")),
        _checkpoint("demo-gen-01", HazardLevel.GENERAL, LegalBasis("plan", "二（一）5"),
                    LegalBasis("standard", "第三条", "（一）")),
        _checkpoint("demo-gen-02", HazardLevel.GENERAL, LegalBasis("standard", "第三条", "（二）")),
        _checkpoint("demo-gen-03", HazardLevel.GENERAL, LegalBasis("standard")),
        _checkpoint("demo-gen-04", HazardLevel.GENERAL, LegalBasis("plan", "附件2", "第28项")),
        _checkpoint("demo-gen-05", HazardLevel.GENERAL, LegalBasis("standard", "第三条", "（一）")),
        _checkpoint("demo-major-02", HazardLevel.MAJOR, LegalBasis("standard", "第四条"), LegalBasis("plan", "第17项")),
        _checkpoint("demo-gen-06", HazardLevel.GENERAL, LegalBasis("plan", "第17项")),
    ),
    checklists=(
        _form("shared-citation", "demo-major-01", "demo-gen-01", "demo-gen-02", "demo-gen-03"),
        _form("restated", "demo-gen-04", "demo-major-01"),
        _form("same-level", "demo-gen-01", "demo-gen-05"),
        _form("twice", "demo-gen-02", "demo-gen-03", "demo-gen-02"),
        _form("plan-section", "demo-major-02", "demo-gen-06"),
    ),
)
SYNTHETIC_RESTATES = {"demo-gen-04": {"demo-major-01": "第三条（一）"}}


def test_synthetic_a_shared_provision_and_a_listed_restatement_are_conflicts():
    found = conflicts(SYNTHETIC, SYNTHETIC_RESTATES)
    assert [c[:3] for c in found] == [
        ("shared-citation", "demo-gen-01", "demo-major-01"),
        ("restated", "demo-gen-04", "demo-major-01"),
    ]
    assert found[0][3] == "both cite standard 第三条（一）"
    assert found[1][3] == "demo-gen-04 restates 第三条（一）"
    # Another item of the same article, a whole-document citation, one section of a campaign plan and two rows
    # of one level are no conflict.
    ids = standards(SYNTHETIC)
    assert ids == {"standard"}
    major = SYNTHETIC.checkpoint("demo-major-01")
    assert not same_criterion(SYNTHETIC.checkpoint("demo-gen-02"), major, ids)
    assert not same_criterion(SYNTHETIC.checkpoint("demo-gen-03"), major, ids)


def test_synthetic_a_checkpoint_twice_in_a_form_is_found():
    assert repeated_rows(SYNTHETIC.checklists) == [("twice", "demo-gen-02")]


@pytest.mark.parametrize("sector", ["general", "industry_trade", "special_equipment"])
def test_every_what_reads_as_the_question_a_tick_answers(shipped, sector):
    # √ means 符合要求 on the printed legend: a criterion written as a violation ("……的，应当判定为重大事故隐患")
    # would read as "yes, the violation is present".
    for checkpoint in shipped.sector_checkpoints(sector):
        assert "是否" in checkpoint.what, checkpoint.id
        assert "应当判定为重大事故隐患" not in checkpoint.what, checkpoint.id
        assert not checkpoint.what.rstrip("。\n").endswith("的"), checkpoint.id


def pointers(what: str) -> list[str]:
    """The group titles a checkpoint's printed text sends the inspector to: 按本表“消防安全”各项检查 → 消防安全."""
    return re.findall(r"按本表“([^”]+)”各项检查", what)


def test_a_pointer_to_another_part_of_the_form_finds_it_on_every_form(shipped):
    # A checkpoint that leaves part of its check to 本表“消防安全” (so that one fact is one row) must stand only on
    # forms that print a group of that title; elsewhere the part would be checked nowhere.
    missing = []
    for checklist in shipped.checklists:
        rows = [shipped.checkpoint(ident) for ident in checklist.checkpoints]
        titles = {shipped.group(f"{c.sector}/{c.group}").title for c in rows}
        for c in rows:
            missing += [(checklist.id, c.id, t) for t in pointers(c.what) if t not in titles]
    assert missing == []
    assert pointers("消防栓按本表“消防安全”各项检查。") == ["消防安全"]
