"""The values of the filled forms (checkframe.ledger.reports), read without printing them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import checkframe
from checkframe.ledger.reports import plan
from checkframe.ledger.rows import major_rows, weekly_rows
from stores import CATALOG, FOUND, Store, escalation

D = dt.date

#: A hazard found without a route, given a deadline order later, escalated past its deadline.
FOUND_LATER = """
[[finding]]
id = "f-1"
checkpoint = "demo-gas-02"
description = "瓦斯检查员无证上岗"
level = "general"
"""

REMEDIATE = """
[[remediate]]
finding = "f-1"

[remediate.remediation]
category = "deadline"
deadline = 2024-03-15
order_number = "〔2024〕3号"
responsible_person = "张三"
measures = "持证上岗"
"""

ESCALATE = escalation("2024-03-20", "李四", "配齐持证瓦斯检查员") + """
[[stop]]
finding = "f-1"
stop = { scope = "partial", order_number = "镇安停〔2024〕1号" }
"""


@pytest.fixture
def escalated(tmp_path) -> Store:
    store = Store(tmp_path / "ledger")
    store.record("2024-03-01-acme.toml", FOUND_LATER)
    store.record("2024-03-05-acme.toml", REMEDIATE, date="2024-03-05")
    store.record("2024-03-20-acme.toml", ESCALATE, date="2024-03-20")
    return store


def supervision_records(store: Store) -> dict[str, dict]:
    ledger = store.ledger(D(2024, 3, 31))
    assert ledger.problems == []
    jobs = plan(store.root, ledger, CATALOG, D(2024, 3, 1), D(2024, 3, 31), "区应急管理局")
    return {job.name.removeprefix("supervision-record/"): job.values for job in jobs
            if job.form == "supervision-record"}


def test_a_supervision_record_shows_the_finding_as_it_stood_on_its_date(escalated):
    forms = supervision_records(escalated)
    found, ordered, listed = (forms[f"2024-03-{day}-acme.pdf"] for day in ("01", "05", "20"))
    # 3月1日: a general hazard, its route not yet set; nothing of the order, the escalation or the stop of later days.
    assert found["problems"] == "瓦斯检查员无证上岗（检查项：瓦斯检查员持证）"
    assert (found["measures"], found["deadline"], found["responsible_person"]) == ("整改方式待定", "", "")
    # 3月5日: the deadline order given that day.
    assert "【重大事故隐患】" not in ordered["problems"]
    assert ordered["measures"] == "限期整改；持证上岗；指令书〔2024〕3号"
    assert (ordered["deadline"], ordered["responsible_person"]) == ("2024年3月15日", "张三")
    # 3月20日: the record that escalated it and stopped production names it, regraded, under its new route.
    assert listed["problems"].startswith("【重大事故隐患】瓦斯检查员无证上岗")
    assert listed["measures"].startswith("挂牌督办（镇（街道））；配齐持证瓦斯检查员")
    assert "停产停业整改（局部停产停业），镇安停〔2024〕1号" in listed["measures"]
    assert (listed["deadline"], listed["responsible_person"]) == ("2024年4月30日", "李四")


def test_the_weekly_orders_are_the_deadline_orders_printed(escalated):
    """附件4's 责令限期整改 counts every order of the range, also one given after the finding, as forms prints it."""
    ledger = escalated.ledger(D(2024, 3, 31))
    for start, end in ((D(2024, 3, 1), D(2024, 3, 31)), (D(2024, 3, 4), D(2024, 3, 10))):
        orders = [job for job in plan(escalated.root, ledger, CATALOG, start, end, "区应急管理局")
                  if job.form == "deadline-order"]
        rows = weekly_rows(ledger, start, end)
        assert [(r["镇（街道）"], r["责令限期整改企业"]) for r in rows] == [("北石店镇", 1), ("合计", 1)]
        assert len(orders) == 1
    # The week of the escalation to listed supervision and the stop: no order given in it.
    week = weekly_rows(ledger, D(2024, 3, 18), D(2024, 3, 24))
    assert [(r["责令限期整改企业"], r["停产整顿（家）"]) for r in week] == [(0, 1), (0, 1)]


def test_a_units_own_deadline_fix_is_no_order(tmp_path):
    """企业自查自改: a self-inspection's deadline fix without an order number prints no 责令限期整改指令书."""
    store = Store(tmp_path / "ledger")
    own = FOUND.replace('order_number = "〔2024〕3号"\n', "")
    path = store.record("2024-03-01-acme.toml", own)
    path.write_text(path.read_text(encoding="utf-8").replace('kind = "supervision"', 'kind = "self_inspection"'),
                    encoding="utf-8")
    store.record("2024-03-02-acme.toml", FOUND.replace('"f-1"', '"f-3"').replace('"f-2"', '"f-4"'), date="2024-03-02")
    ledger = store.ledger(D(2024, 3, 31))
    assert ledger.problems == []
    jobs = plan(store.root, ledger, CATALOG, D(2024, 3, 1), D(2024, 3, 31), "测试区应急管理局")
    orders = {job.name: job.values.get("issuer") for job in jobs if job.form == "deadline-order"}
    assert orders == {"deadline-order/f-3.pdf": "区应急管理局"}


RESUME = """
[[fixed]]
finding = "f-1"

[[resume]]
finding = "f-1"
applied = {applied}
"""


def test_what_was_done_names_the_resumption_of_production(escalated):
    """整改落实情况 of a stopped hazard: the application to resume, then its acceptance and who agreed."""
    escalated.record("2024-03-25-acme.toml", RESUME.format(applied="2024-03-25"), date="2024-03-25")
    escalated.record("2024-03-28-acme.toml", """
        [[recheck]]
        finding = "f-1"
        result = "passed"
        by = "王检"

        [[close]]
        finding = "f-1"
        approver = "赵局长"

        [[resume]]
        finding = "f-1"
        applied = 2024-03-25
        inspected = 2024-03-28
        approved_by = "赵局长"
    """, date="2024-03-28")
    forms = supervision_records(escalated)
    assert forms["2024-03-25-acme.pdf"]["done"] == "待回查，单位2024年3月25日上报整改完成，单位2024年3月25日申请恢复生产"
    assert forms["2024-03-28-acme.pdf"]["done"] == ("已销号，2024年3月28日复核验收合格，2024年3月28日销号，"
                                                    "2024年3月28日复产验收，赵局长同意恢复生产")


def test_the_major_list_is_headed_as_its_form(tmp_path):
    """The CSV, xlsx, JSON and terminal 附件5 name their columns as the printed form (seed 004 附件5) does."""
    store = Store(tmp_path / "ledger")
    store.record("a.toml", FOUND)
    rows = major_rows(store.ledger(), CATALOG, D(2024, 3, 1), D(2024, 3, 31))
    form = Path(checkframe.__file__).parent / "templates" / "print" / "forms" / "major-hazard-list.html"
    headings = re.findall(r"<th>([^<]+)</th>", form.read_text(encoding="utf-8"))
    assert headings == ["序号", "生产经营单位名称", "核查单位", "所在镇（街道）", "企业类别", "重大隐患/具体非违法行为",
                        "处理措施"]
    assert [key for key in rows[0] if key in headings] == headings
