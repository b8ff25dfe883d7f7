"""The rules of issue 14: levels, department review before close-out, stops and resumption, channels,
escalation, illegal operations, and ledger rules that a plugin adds through ``checkframe_register_ledger``."""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import attrs
import pytest

from checkframe import hookimpl
from checkframe.ledger.ledger import build_ledger
from checkframe.ledger.rules import LedgerRules, gather_ledger_rules
from doubles import load_only
from stores import CATALOG, FOUND, Store, escalation

D = dt.date

#: f-2 of FOUND (major, listed supervision) with a production stop alongside.
STOPPED = FOUND + """
[finding.stop]
scope = "partial"
order_number = "区应急现决〔2024〕1号"
"""


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "ledger", jobs=1)


# -- Levels --------------------------------------------------------------------------------


def test_a_level_other_than_the_checkpoints_needs_a_reason(store):
    store.record("a.toml", FOUND.replace('level = "major"', 'level = "general"')
                 .replace('category = "listed_supervision"', 'category = "on_site"'))
    assert store.problems() == [
        "records/a.toml：第2个 [[finding]] 的 level：隐患 \"f-2\" 的等级 general（一般事故隐患） 与检查项 \"demo-gas-0"
        "1\" 的判定（major（重大事故隐患）"
        "）不同；请写 \"major\"，或在 level_reason 中说明理由",
    ]


def test_the_reason_lets_a_level_differ_and_stays_on_the_finding(store):
    store.record("a.toml", FOUND.replace('level = "general"', 'level = "major"\nlevel_reason = "多次复发，按重大隐患管理"')
                 .replace('category = "deadline"', 'category = "listed_supervision"', 1))
    problems = store.problems()
    assert not [p for p in problems if ".level" in p]
    assert any("f-1" in p and "listed_supervision" in p for p in problems)  # its route must now suit a major hazard


# -- Close-out of a major hazard -----------------------------------------------------------


def _accept_f2(store: Store, kind: str = "supervision") -> None:
    store.record("a.toml", FOUND)
    text = '[[fixed]]\nfinding = "f-2"\n[[recheck]]\nfinding = "f-2"\nresult = "passed"\nby = "王检"\n'
    path = store.record("b.toml", text, date="2024-03-10")
    path.write_text(path.read_text(encoding="utf-8").replace('kind = "supervision"', f'kind = "{kind}"'),
                    encoding="utf-8")


def test_a_major_hazard_is_closed_only_after_the_departments_recheck(store):
    _accept_f2(store, kind="self_inspection")
    store.record("c.toml", '[[close]]\nfinding = "f-2"\napprover = "李局"\n', date="2024-03-11")
    assert store.problems() == [
        "records/c.toml：第1个 [[close]]：隐患 \"f-2\"：重大事故隐患须经监管部门回查合格后方可销号，此项是在单位的自查"
        "记录中验收的；请在督导检查记录中回查",
    ]


def test_a_major_hazard_is_closed_only_with_an_approver(store):
    _accept_f2(store)
    store.record("c.toml", '[[close]]\nfinding = "f-2"\n', date="2024-03-11")
    assert store.problems() == [
        "records/c.toml：第1个 [[close]]：隐患 \"f-2\"：重大事故隐患销号须审核把关，请填写 approver（审核人）",
    ]
    store.record("c.toml", '[[close]]\nfinding = "f-2"\napprover = "李局"\n', date="2024-03-11")
    entry = store.ledger().entry("f-2")
    assert (entry.finding.state.value, entry.finding.approver) == ("closed", "李局")


def test_an_on_site_fix_is_for_general_hazards_only(store):
    store.record("a.toml", FOUND.replace('category = "listed_supervision"', 'category = "on_site"'))
    assert store.problems() == [
        "records/a.toml：第2个 [[finding]] 的 remediation：隐患 \"f-2\"：现场整改（on_site）适用于一般事故隐患，不适用"
        "于重大事故隐患",
    ]


def test_a_deadline_before_the_inspection_date(store):
    store.record("a.toml", FOUND.replace("deadline = 2024-03-15", "deadline = 2024-02-15"))
    assert store.problems() == [
        "records/a.toml：第1个 [[finding]] 的 remediation：隐患 \"f-1\"：整改期限 2024-02-15 不得早于定下整改方式的日"
        "期 2024-03-01，请改为更晚的日期",
    ]


def test_listed_supervision_names_its_lead_unit_notice_and_date(store):
    store.record("a.toml", FOUND.replace('lead_unit = "区应急管理局"\n', "").replace("notice_date = 2024-03-01\n", ""))
    assert store.problems() == [
        "records/a.toml：第2个 [[finding]] 的 remediation：隐患 \"f-2\"：挂牌督办（listed_supervision）须填写 lead_uni"
        "t（牵头单位）、notice_d"
        "ate（督办日期）",
    ]


def test_a_fix_the_unit_sets_itself_needs_no_order_number(store):
    path = store.record("a.toml", FOUND.replace('order_number = "〔2024〕3号"\n', "")
                        .replace('level = "major"', 'level = "major"\nreported_to = "区应急管理局"'))
    path.write_text(path.read_text(encoding="utf-8").replace('kind = "supervision"', 'kind = "self_inspection"'),
                    encoding="utf-8")
    assert store.states(D(2024, 3, 10)) == {"f-1": "fixing", "f-2": "fixing"}


# -- Stops and resumption ------------------------------------------------------------------


def test_a_stop_alongside_the_route_and_a_resumption(store):
    store.record("a.toml", STOPPED)
    store.record("b.toml", '[[fixed]]\nfinding = "f-2"\n[[resume]]\nfinding = "f-2"\napplied = 2024-03-10\n',
                 date="2024-03-10")
    store.record("c.toml", """
        [[recheck]]
        finding = "f-2"
        result = "passed"

        [[resume]]
        finding = "f-2"
        applied = 2024-03-10
        inspected = 2024-03-20
        approved_by = "李局"
    """, date="2024-03-20")
    finding = store.ledger().entry("f-2").finding
    assert (finding.state.value, finding.remediation.category, finding.stop.kind, finding.stop.scope.label,
            finding.stop.date, finding.resumption.approved_by) == (
        "accepted", "listed_supervision", "production_stop", "局部停产停业", D(2024, 3, 1), "李局")


@pytest.mark.parametrize(("body", "message"), [
    ('[[resume]]\nfinding = "f-2"\napplied = 2024-03-05\n',
     'records/b.toml：第1个 [[resume]]：隐患 "f-2"：没有停产记录，不能申请恢复生产'),
    ('[[stop]]\nfinding = "f-2"\nstop = { kind = "halt" }\n',
     'records/b.toml：第1个 [[stop]] 的 stop：隐患 "f-2"：没有停产方式 "halt"；'
     "可用的停产方式：production_stop（停产停业整改）"),
    ('[[stop]]\nfinding = "f-1"\nstop = { scope = "partial" }\n',
     'records/b.toml：第1个 [[stop]] 的 stop：隐患 "f-1"：停产停业整改只适用于重大事故隐患，此项为一般事故隐患'),
    ('[[stop]]\nfinding = "f-2"\nstop = { scope = "half" }\n',
     'records/b.toml：第1个 [[stop]] 的 stop.scope 应为 full（全部停产停业）或 partial（局部停产停业）之一（现为 "half"）'),
])
def test_broken_stops_and_resumptions(store, body, message):
    store.record("a.toml", FOUND)
    store.record("b.toml", body, date="2024-03-05")
    assert store.problems() == [message]


def test_production_resumes_only_when_agreed_and_the_hazard_removed(store):
    store.record("a.toml", STOPPED)
    store.record("b.toml", '[[resume]]\nfinding = "f-2"\napplied = 2024-03-05\ninspected = 2024-03-06\n',
                 date="2024-03-06")
    assert store.problems() == [
        "records/b.toml：第1个 [[resume]]：隐患 \"f-2\"：已验收的恢复生产须写明同意人，请填写 approved_by",
    ]
    store.record("b.toml", '[[resume]]\nfinding = "f-2"\napplied = 2024-03-05\ninspected = 2024-03-06\n'
                           'approved_by = "李局"\n', date="2024-03-06")
    assert store.problems() == [
        'records/b.toml：第1个 [[resume]]：隐患 "f-2"：重大事故隐患消除、经审查同意后方可恢复生产；'
        "现为“整改中”，须为“已验收”",
    ]


# -- Channels and escalation ---------------------------------------------------------------


def test_the_source_defaults_from_the_record_and_an_unknown_one_is_refused(store):
    store.record("a.toml", FOUND.replace('level = "general"', 'level = "general"\nsource = "public_report"'))
    sources = {i: e.finding.source.label for i, e in store.ledger().all_entries().items()}
    assert sources == {"f-1": "举报", "f-2": "督导检查"}
    store.record("a.toml", FOUND.replace('level = "general"', 'level = "general"\nsource = "rumour"'))
    assert store.problems() == [
        "records/a.toml：第1个 [[finding]] 的 source 应为 self（自查）、supervision（督导检查）、public_report（举报）"
        "、assigned（上级交办）或 refe"
        "rral（移送）之一（现为 \"rumour\"）",
    ]


def test_a_self_found_major_hazard_is_overdue_until_reported(store):
    path = store.record("a.toml", FOUND)
    path.write_text(path.read_text(encoding="utf-8").replace('kind = "supervision"', 'kind = "self_inspection"'),
                    encoding="utf-8")
    ledger = store.ledger(D(2024, 3, 2))
    assert ledger.late_reasons(ledger.entry("f-2")) == ["自查发现的重大事故隐患未上报"]
    store.record("b.toml", '[[report]]\nfinding = "f-2"\nto = "区应急管理局"\n', date="2024-03-02")
    ledger = store.ledger(D(2024, 3, 2))
    assert (ledger.late_reasons(ledger.entry("f-2")), ledger.entry("f-2").finding.reported_on) == (
        [], D(2024, 3, 2))


def test_an_overdue_deadline_fix_is_escalated(store):
    store.record("a.toml", FOUND)
    store.record("b.toml", escalation("2024-03-20"), date="2024-03-20")
    ledger = store.ledger()
    finding = ledger.entry("f-1").finding
    assert (finding.level.value, finding.remediation.category, finding.remediation.lead_unit,
            [(d, r.category) for d, r in finding.escalated], ledger.overdue(ledger.entry("f-1"))) == (
        "major", "listed_supervision", "北石店镇", [(D(2024, 3, 20), "deadline")], False)


def test_only_a_fix_past_its_deadline_is_escalated(store):
    store.record("a.toml", FOUND)
    store.record("b.toml", escalation("2024-03-10"), date="2024-03-10")
    assert store.problems() == [
        "records/b.toml：第1个 [[escalate]]：隐患 \"f-1\"：超过整改期限的隐患才能升级整改方式；2024-03-10 时整改期限为"
        " 2024-03-15，尚未超过",
    ]


# -- Illegal operations --------------------------------------------------------------------


ILLEGAL = """
[[finding]]
id = "f-9"
checkpoint = "demo-gas-02"
kind = "illegal"
description = "无证开采"
level = "general"

[finding.enforcement]
measures = ["order_stop", "fine"]
fine = 3.5
"""


def test_an_illegal_operation_and_its_measures(store):
    store.record("a.toml", ILLEGAL)
    finding = store.ledger().entry("f-9").finding
    assert (finding.kind.label, [m.label for m in finding.enforcement.measures], finding.enforcement.fine) == (
        "非法违法生产经营建设行为", ["责令停止违法行为", "行政罚款"], 3.5)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("fine = 3.5\n", "", 'records/a.toml：第1个 [[finding]] 的 enforcement.fine：隐患 "f-9" 有行政罚款，须写明金额（万元），'
                         "如 fine = 2.5"),
    ('measures = ["order_stop", "fine"]', 'measures = ["order_stop"]',
     'records/a.toml：第1个 [[finding]] 的 enforcement.measures：隐患 "f-9" 罚款 3.5万元，须在 measures 中列出 "fine"'),
    ('kind = "illegal"\n', "", 'records/a.toml：第1个 [[finding]] 的 enforcement：enforcement 只用于 kind = "illegal"'
                               "（非法违法生产经营建设行为）；事故隐患的措施写在 remediation 中"),
    ('measures = ["order_stop", "fine"]\nfine = 3.5\n', "",
     'records/a.toml：第1个 [[finding]] 的 enforcement：隐患 "f-9" 是非法违法生产经营建设行为，须写明采取的措施，'
     "请填写 enforcement.measures（order_stop（责令停止违法行为）、order_deadline（责令限期整改）、fine（行政罚款）、"
     "stop（停产整顿）、licence（暂扣吊销证照）、closure（关闭取缔））"),
    ('"order_stop"', '"warning"', "records/a.toml：第1个 [[finding]] 的 enforcement.measures 第1项应为 "
                                  "order_stop（责令停止违法行为）、order_deadline（责令限期整改）、fine（行政罚款）、"
                                  "stop（停产整顿）、licence（暂扣吊销证照）或 "
                                  'closure（关闭取缔）之一（现为 "warning"）'),
])
def test_broken_illegal_operations(store, old, new, message):
    store.record("a.toml", ILLEGAL.replace(old, new))
    assert store.problems() == [message]


# -- Ledger rules from plugins -------------------------------------------------------------


def _plugin_with_rules(**hooks) -> types.ModuleType:
    module = types.ModuleType("deadline_watch")
    for name, hook in hooks.items():
        setattr(module, name, hook)
    return module


def test_a_plugin_adds_a_stop_kind_and_a_rule(store):
    seen = []

    def resumption_in_ten_days(entry, ledger):
        seen.append((entry.finding.id, ledger.unit.name, ledger.as_of))
        r = entry.finding.resumption
        if r is not None and (r.inspected or ledger.as_of) > r.applied + dt.timedelta(days=10):
            ledger.overdue("复产验收超过10日")
        if entry.finding.stop is not None and not entry.finding.stop.order_number:
            ledger.problem("a stop names its order", at="stop")

    @hookimpl
    def checkframe_register_ledger(register):
        register.stop_kind("demo_stop", "停产整顿", "《测试条例》第一条")
        register.rule(resumption_in_ten_days, sector="demo")

    plugins = load_only(deadline_watch=_plugin_with_rules(checkframe_register_ledger=checkframe_register_ledger))
    problems: list = []
    rules = gather_ledger_rules(plugins, problems)
    assert problems == []
    assert [k.code for k in rules.stop_kinds] == ["production_stop", "demo_stop"]
    store.record("a.toml", STOPPED.replace('scope = "partial"', 'kind = "demo_stop"'))
    store.record("b.toml", '[[resume]]\nfinding = "f-2"\napplied = 2024-03-05\n', date="2024-03-05")
    ledger = build_ledger(store.root, CATALOG, D(2024, 3, 20), jobs=1, rules=rules)
    assert ledger.problems == []
    assert ledger.late_reasons(ledger.entry("f-2")) == ["复产验收超过10日"]
    assert ("f-1", "恒泰五金", D(2024, 3, 20)) in seen
    store.record("a.toml", STOPPED.replace('order_number = "区应急现决〔2024〕1号"\n', ""))
    ledger = build_ledger(store.root, CATALOG, D(2024, 3, 14), jobs=1, rules=rules)
    assert [str(p) for p in ledger.problems] == [
        "records/a.toml：第2个 [[finding]] 的 stop：隐患 \"f-2\"：a stop names its order",
    ]


def test_a_rule_that_raises_is_the_plugins_problem(store):
    def broken(entry, ledger):
        raise KeyError("level")

    @hookimpl
    def checkframe_register_ledger(register):
        register.rule(broken)

    plugins = load_only(deadline_watch=_plugin_with_rules(checkframe_register_ledger=checkframe_register_ledger))
    rules = gather_ledger_rules(plugins, [])
    store.record("a.toml", FOUND.split("[[finding]]\nid = \"f-2\"")[0])
    ledger = build_ledger(store.root, CATALOG, D(2024, 3, 2), jobs=1, rules=rules)
    assert [str(p) for p in ledger.problems] == [
        "deadline_watch：台账规则 test_a_rule_that_raises_is_the_plugins_problem.<locals>.broken 出错：KeyError: 'leve"
        "l'（隐患 "
        "\"f-1\"）；这是插件的问题，请告知插件的维护单位",
    ]


def test_core_rules_are_the_builtin_plugins():
    rules = LedgerRules.core()
    assert [(k.code, k.name, k.basis) for k in rules.stop_kinds] == [
        ("production_stop", "停产停业整改", "《中华人民共和国安全生产法》第六十五条（三）")]


# -- The coal plugin's rules ---------------------------------------------------------------


def test_coal_a_major_hazard_stops_production_and_acceptance_within_20_days():
    checkframe_coal_mine = pytest.importorskip("checkframe_coal_mine")
    problems: list = []
    register = types.SimpleNamespace(kinds=[], rules=[])
    register.stop_kind = lambda *a: register.kinds.append(a)
    register.rule = lambda check, sector="": register.rules.append((check.__name__, sector))
    checkframe_coal_mine.checkframe_register_ledger(register)
    assert register.kinds == [("coal_production_stop", "停产整顿", "《煤矿安全生产条例》第三十六条、第四十八条第二款")]
    assert register.rules == [("major_hazard_stops_production", "coal_mine"),
                              ("resumption_accepted_within_20_days", "coal_mine")]

    from checkframe.ledger.findings import Finding, Resumption, Stop
    from checkframe.model import HazardLevel

    answers: list = []
    view = types.SimpleNamespace(as_of=D(2024, 5, 1), problem=lambda m, at="finding": answers.append(("problem", m)),
                                 overdue=lambda r: answers.append(("overdue", r)))
    fan = Finding("f-1", "coal-vent-02", "备用主要通风机电机损坏", HazardLevel.MAJOR, D(2024, 3, 5))
    checkframe_coal_mine.major_hazard_stops_production(types.SimpleNamespace(finding=fan), view)
    assert answers == [("problem", "依照《煤矿安全生产条例》第三十六条，煤矿存在重大事故隐患的，"
                                   "应当立即停止受影响区域生产、建设；请随隐患记录停产：[finding.stop] "
                                   'kind = "coal_production_stop"，scope = "partial"（局部）或 "full"（全部）')]
    answers.clear()
    waiting = attrs.evolve(fan, stop=Stop("coal_production_stop"), resumption=Resumption(D(2024, 4, 10)))
    checkframe_coal_mine.major_hazard_stops_production(types.SimpleNamespace(finding=waiting), view)
    checkframe_coal_mine.resumption_accepted_within_20_days(types.SimpleNamespace(finding=waiting), view)
    on_time = attrs.evolve(waiting, resumption=Resumption(D(2024, 4, 10), D(2024, 4, 30), "赵能"))
    checkframe_coal_mine.resumption_accepted_within_20_days(types.SimpleNamespace(finding=on_time), view)
    assert answers == [("overdue", "复产验收超过20日（2024-04-10申请）")]
    assert problems == []


def test_a_missing_comma_between_rows_is_one_line_exit_1_nothing_written(store, monkeypatch, capsys):
    import checkframe.cli as cli
    from checkframe.cli import common

    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store.record("a.toml", """
        item = [
            { checkpoint = "demo-gas-01", title = "瓦斯检查", mark = "ok" }
            { checkpoint = "demo-gas-02", title = "瓦斯检查员持证", mark = "ok" },
        ]
    """)
    out = store.root.parent / "ledger.xlsx"
    assert cli.main(["ledger", "show", str(store.root), "--format", "xlsx", "-o", str(out)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "错误：records/a.toml：不是有效的 TOML 文件，第10行第5列：数组缺少结尾的“]”，或元素之间缺少逗号",
        "checkframe：共 1 处问题，未写入任何文件。",
    ]
    assert not out.exists()
