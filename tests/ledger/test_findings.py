"""The closed loop: 排查 → 整改 → 回查 → 复核验收 → 销号, and every rule that guards it."""

from __future__ import annotations

import datetime as dt

import pytest

from checkframe.ledger.findings import (
    Finding,
    FindingState,
    LoopError,
    Recheck,
    Remediation,
    close,
    is_overdue,
    missing_fields,
    recheck,
    remediate,
    report_fixed,
)
from checkframe.model import HazardLevel, SupervisionLevel
from doubles import catalog_of

D = dt.date
CATEGORIES = {c.code: c for c in catalog_of().categories}


def finding(level=HazardLevel.GENERAL, **kw) -> Finding:
    return Finding("f-1", "demo-gas-02", "消防通道堵塞", level, D(2024, 3, 1), **kw)


def deadline_fix(deadline=D(2024, 3, 15)) -> Remediation:
    return Remediation("deadline", deadline=deadline, order_number="〔2024〕3号",
                       responsible_person="张三", measures="清理通道")


def listed(**overrides) -> Remediation:
    fields = dict(category="listed_supervision", supervision_level=SupervisionLevel.DISTRICT,
                  lead_unit="区应急管理局", notice_number="区安督〔2024〕1号", notice_date=D(2024, 3, 1),
                  responsible_person="李四", measures="更换主通风机", funds="20万元",
                  deadline=D(2024, 4, 30), contingency_plan="停止受影响区域作业")
    fields.update(overrides)
    return Remediation(**fields)


def test_the_whole_loop_for_a_deadline_fix():
    f = remediate(finding(), deadline_fix(), CATEGORIES["deadline"])
    assert f.state is FindingState.FIXING
    f = report_fixed(f, D(2024, 3, 10))
    assert f.state is FindingState.AWAITING_RECHECK
    f = recheck(f, Recheck(D(2024, 3, 12), passed=True, by="王五"))
    assert (f.state, f.accepted_on) == (FindingState.ACCEPTED, D(2024, 3, 12))
    f = close(f, D(2024, 3, 13))
    assert (f.state, f.closed_on) == (FindingState.CLOSED, D(2024, 3, 13))


def test_on_site_fix_is_for_general_hazards_only():
    with pytest.raises(LoopError, match=r'^隐患 "f-1"：现场整改（on_site）适用于一般事故隐患，不适用于重大事故隐患$'):
        remediate(finding(HazardLevel.MAJOR), Remediation("on_site"), CATEGORIES["on_site"])
    assert remediate(finding(), Remediation("on_site"), CATEGORIES["on_site"]).state is FindingState.FIXING


def test_major_hazard_needs_the_five_assignments_and_a_supervision_level():
    with pytest.raises(LoopError) as info:
        remediate(finding(HazardLevel.MAJOR), listed(supervision_level=None, funds=""),
                  CATEGORIES["listed_supervision"])
    assert str(info.value) == (
        '隐患 "f-1"：挂牌督办（listed_supervision）须填写 supervision_level（督办级别）、funds（整改资金）'
    )
    f = remediate(finding(HazardLevel.MAJOR), listed(), CATEGORIES["listed_supervision"])
    assert f.state is FindingState.FIXING


def test_missing_fields_of_a_deadline_fix():
    assert [m.value for m in missing_fields(Remediation("deadline"), CATEGORIES["deadline"])] == [
        "deadline", "order_number", "responsible_person", "measures"
    ]


def test_remediation_must_name_the_category_given():
    with pytest.raises(LoopError, match='整改方式写的是 "deadline"，给出的整改类别却是 "on_site"'):
        remediate(finding(), deadline_fix(), CATEGORIES["on_site"])


def test_closing_needs_a_passed_recheck():
    f = report_fixed(remediate(finding(), deadline_fix(), CATEGORIES["deadline"]), D(2024, 3, 10))
    with pytest.raises(LoopError) as refused:
        close(f, D(2024, 3, 11))
    # What is expected, and how to get there.
    assert str(refused.value) == ('隐患 "f-1" 现为“待回查”，不能销号（须为“已验收”）；'
                                  '请先记回查合格（[[recheck]] finding = "f-1"，result = "passed"）')
    with pytest.raises(LoopError) as refused:
        close(remediate(finding(), deadline_fix(), CATEGORIES["deadline"]), D(2024, 3, 11))
    assert str(refused.value).endswith('；请先记单位报告整改完成（[[fixed]] finding = "f-1"，日期不晚于此项），'
                                       '再记回查合格（[[recheck]] finding = "f-1"，result = "passed"）')
    with pytest.raises(LoopError) as refused:
        close(close(recheck(f, Recheck(D(2024, 3, 11), passed=True)), D(2024, 3, 11)), D(2024, 3, 12))
    assert str(refused.value).endswith("现为“已销号”，不能销号（须为“已验收”）；"
                                       "此项已过了这一步，请核对隐患编号和日期，或删去这一条")


def test_a_failed_recheck_sends_it_back_to_fixing():
    f = report_fixed(remediate(finding(), deadline_fix(), CATEGORIES["deadline"]), D(2024, 3, 10))
    f = recheck(f, Recheck(D(2024, 3, 12), passed=False, note="通道仍有杂物"))
    assert (f.state, f.fixed_on, len(f.rechecks)) == (FindingState.FIXING, None, 1)
    f = recheck(report_fixed(f, D(2024, 3, 14)), Recheck(D(2024, 3, 15), passed=True))
    assert f.state is FindingState.ACCEPTED
    assert [r.passed for r in f.rechecks] == [False, True]


@pytest.mark.parametrize(
    ("move", "state"),
    [
        (lambda f: report_fixed(f, D(2024, 3, 2)), "待整改"),
        (lambda f: recheck(f, Recheck(D(2024, 3, 2), passed=True)), "待整改"),
        (lambda f: close(f, D(2024, 3, 2)), "待整改"),
    ],
)
def test_no_step_can_be_skipped(move, state):
    with pytest.raises(LoopError, match=f"现为“{state}”"):
        move(finding())


def test_a_finding_cannot_be_remediated_twice():
    f = remediate(finding(), deadline_fix(), CATEGORIES["deadline"])
    with pytest.raises(LoopError, match="现为“整改中”，不能指定整改方式（须为“待整改”）；已有整改方式的，超过整改期限后用 "
                                        r"\[\[escalate\]\] 升级$"):
        remediate(f, deadline_fix(), CATEGORIES["deadline"])


def test_dates_cannot_run_backwards():
    f = remediate(finding(), deadline_fix(), CATEGORIES["deadline"])
    with pytest.raises(LoopError, match="整改完成日期 2024-02-01 早于发现日期 2024-03-01"):
        report_fixed(f, D(2024, 2, 1))
    f = report_fixed(f, D(2024, 3, 10))
    with pytest.raises(LoopError, match="回查日期 2024-03-09 早于报告整改完成的日期 2024-03-10"):
        recheck(f, Recheck(D(2024, 3, 9), passed=True))
    f = recheck(f, Recheck(D(2024, 3, 12), passed=True))
    with pytest.raises(LoopError, match="销号日期 2024-03-11 早于验收日期 2024-03-12"):
        close(f, D(2024, 3, 11))


def test_overdue_when_the_deadline_passes_before_acceptance():
    f = remediate(finding(), deadline_fix(D(2024, 3, 15)), CATEGORIES["deadline"])
    assert not is_overdue(f, D(2024, 3, 15))
    assert is_overdue(f, D(2024, 3, 16))
    accepted = recheck(report_fixed(f, D(2024, 3, 14)), Recheck(D(2024, 3, 15), passed=True))
    assert not is_overdue(accepted, D(2024, 6, 1))
    late = recheck(report_fixed(f, D(2024, 3, 20)), Recheck(D(2024, 3, 21), passed=True))
    assert is_overdue(late, D(2024, 6, 1))
    assert not is_overdue(finding(), D(2030, 1, 1))
