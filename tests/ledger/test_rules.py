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
from stores import CATALOG, FOUND, Store

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
        "records/a.toml: $.finding[1].level: finding 'f-2': level general differs from checkpoint 'demo-gas-01''s "
        "(major); record major, or say why in level_reason",
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
        "records/c.toml: $.close[0]: finding 'f-2': a major hazard is closed only after the department's recheck; "
        "it was accepted in the unit's own record: recheck it in a supervision record",
    ]


def test_a_major_hazard_is_closed_only_with_an_approver(store):
    _accept_f2(store)
    store.record("c.toml", '[[close]]\nfinding = "f-2"\n', date="2024-03-11")
    assert store.problems() == [
        "records/c.toml: $.close[0]: finding 'f-2': closing a major hazard needs an approver (审核把关): give approver",
    ]
    store.record("c.toml", '[[close]]\nfinding = "f-2"\napprover = "李局"\n', date="2024-03-11")
    entry = store.ledger().entries["f-2"]
    assert (entry.finding.state.value, entry.finding.approver) == ("closed", "李局")


def test_an_on_site_fix_is_for_general_hazards_only(store):
    store.record("a.toml", FOUND.replace('category = "listed_supervision"', 'category = "on_site"'))
    assert store.problems() == [
        "records/a.toml: $.finding[1].remediation: finding 'f-2': on_site (现场整改) serves general hazards, not major",
    ]


def test_a_deadline_before_the_inspection_date(store):
    store.record("a.toml", FOUND.replace("deadline = 2024-03-15", "deadline = 2024-02-15"))
    assert store.problems() == [
        "records/a.toml: $.finding[0].remediation: finding 'f-1': the deadline 2024-02-15 is before 2024-03-01, "
        "when the route was set; give a later deadline",
    ]


def test_listed_supervision_names_its_lead_unit_notice_and_date(store):
    store.record("a.toml", FOUND.replace('lead_unit = "区应急管理局"\n', "").replace("notice_date = 2024-03-01\n", ""))
    assert store.problems() == [
        "records/a.toml: $.finding[1].remediation: finding 'f-2': listed_supervision (挂牌督办) requires "
        "lead_unit (牵头单位), notice_date (督办日期)",
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
    finding = store.ledger().entries["f-2"].finding
    assert (finding.state.value, finding.remediation.category, finding.stop.kind, finding.stop.scope.label,
            finding.stop.date, finding.resumption.approved_by) == (
        "accepted", "listed_supervision", "production_stop", "局部停产停业", D(2024, 3, 1), "李局")


@pytest.mark.parametrize(("body", "message"), [
    ('[[resume]]\nfinding = "f-2"\napplied = 2024-03-05\n',
     "records/b.toml: $.resume[0]: finding 'f-2': a resumption needs a production stop, and none is recorded"),
    ('[[stop]]\nfinding = "f-2"\nstop = { kind = "halt" }\n',
     "records/b.toml: $.stop[0].stop: finding 'f-2': unknown stop kind 'halt'; stop kinds are production_stop"),
    ('[[stop]]\nfinding = "f-1"\nstop = { scope = "partial" }\n',
     "records/b.toml: $.stop[0].stop: finding 'f-1': production stops for a major hazard, and this one is general"),
    ('[[stop]]\nfinding = "f-2"\nstop = { scope = "half" }\n',
     "records/b.toml: $.stop[0].stop.scope: expected one of full, partial (got \"half\")"),
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
        "records/b.toml: $.resume[0]: finding 'f-2': an inspected resumption names who agreed to it: give approved_by",
    ]
    store.record("b.toml", '[[resume]]\nfinding = "f-2"\napplied = 2024-03-05\ninspected = 2024-03-06\n'
                           'approved_by = "李局"\n', date="2024-03-06")
    assert store.problems() == [
        "records/b.toml: $.resume[0]: finding 'f-2': production resumes only once the hazard is removed (经审查同意); "
        "it is fixing, that needs it accepted",
    ]


# -- Channels and escalation ---------------------------------------------------------------


def test_the_source_defaults_from_the_record_and_an_unknown_one_is_refused(store):
    store.record("a.toml", FOUND.replace('level = "general"', 'level = "general"\nsource = "public_report"'))
    sources = {i: e.finding.source.label for i, e in store.ledger().entries.items()}
    assert sources == {"f-1": "举报", "f-2": "督导检查"}
    store.record("a.toml", FOUND.replace('level = "general"', 'level = "general"\nsource = "rumour"'))
    assert store.problems() == [
        "records/a.toml: $.finding[0].source: expected one of self, supervision, public_report, assigned, referral "
        "(got \"rumour\")",
    ]


def test_a_self_found_major_hazard_is_overdue_until_reported(store):
    path = store.record("a.toml", FOUND)
    path.write_text(path.read_text(encoding="utf-8").replace('kind = "supervision"', 'kind = "self_inspection"'),
                    encoding="utf-8")
    ledger = store.ledger(D(2024, 3, 2))
    assert ledger.late_reasons(ledger.entries["f-2"]) == ["自查发现的重大事故隐患未上报"]
    store.record("b.toml", '[[report]]\nfinding = "f-2"\nto = "区应急管理局"\n', date="2024-03-02")
    ledger = store.ledger(D(2024, 3, 2))
    assert (ledger.late_reasons(ledger.entries["f-2"]), ledger.entries["f-2"].finding.reported_on) == (
        [], D(2024, 3, 2))


ESCALATE = """
[[escalate]]
finding = "f-1"
level = "major"
reason = "逾期未整改"

[escalate.remediation]
category = "listed_supervision"
supervision_level = "township"
lead_unit = "北石店镇"
notice_number = "镇安督〔2024〕2号"
notice_date = {date}
responsible_person = "张三"
measures = "持证上岗"
funds = "1万元"
deadline = 2024-04-30
contingency_plan = "停止作业"
"""


def test_an_overdue_deadline_fix_is_escalated(store):
    store.record("a.toml", FOUND)
    store.record("b.toml", ESCALATE.replace("{date}", "2024-03-20"), date="2024-03-20")
    ledger = store.ledger()
    finding = ledger.entries["f-1"].finding
    assert (finding.level.value, finding.remediation.category, finding.remediation.lead_unit,
            [(d, r.category) for d, r in finding.escalated], ledger.overdue(ledger.entries["f-1"])) == (
        "major", "listed_supervision", "北石店镇", [(D(2024, 3, 20), "deadline")], False)


def test_only_a_fix_past_its_deadline_is_escalated(store):
    store.record("a.toml", FOUND)
    store.record("b.toml", ESCALATE.replace("{date}", "2024-03-10"), date="2024-03-10")
    assert store.problems() == [
        "records/b.toml: $.escalate[0]: finding 'f-1': only a fix past its deadline is escalated; on 2024-03-10 "
        "it has its deadline 2024-03-15",
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
    finding = store.ledger().entries["f-9"].finding
    assert (finding.kind.label, [m.label for m in finding.enforcement.measures], finding.enforcement.fine) == (
        "非法违法生产经营建设行为", ["责令停止违法行为", "行政罚款"], 3.5)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("fine = 3.5\n", "", "records/a.toml: $.finding[0].enforcement.fine: finding 'f-9': a fine needs its amount in "
                         "万元 (fine = 2.5)"),
    ('measures = ["order_stop", "fine"]', 'measures = ["order_stop"]',
     "records/a.toml: $.finding[0].enforcement.measures: finding 'f-9': a fine of 3.5万元 needs \"fine\" among the "
     "measures"),
    ('kind = "illegal"\n', "", "records/a.toml: $.finding[0].enforcement: finding 'f-9': enforcement goes with "
                               "kind = \"illegal\" (an illegal operation); a hazard's measures go in remediation"),
    ('measures = ["order_stop", "fine"]\nfine = 3.5\n', "",
     "records/a.toml: $.finding[0].enforcement: finding 'f-9': an illegal operation names the measures taken against "
     "it: give enforcement.measures (order_stop, order_deadline, fine, stop, licence, closure)"),
    ('"order_stop"', '"warning"', "records/a.toml: $.finding[0].enforcement.measures[0]: expected one of order_stop, "
                                  "order_deadline, fine, stop, licence, closure (got \"warning\")"),
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
    assert ledger.late_reasons(ledger.entries["f-2"]) == ["复产验收超过10日"]
    assert ("f-1", "恒泰五金", D(2024, 3, 20)) in seen
    store.record("a.toml", STOPPED.replace('order_number = "区应急现决〔2024〕1号"\n', ""))
    ledger = build_ledger(store.root, CATALOG, D(2024, 3, 14), jobs=1, rules=rules)
    assert [str(p) for p in ledger.problems] == [
        "records/a.toml: $.finding[1].stop: finding 'f-2': a stop names its order",
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
        "deadline_watch: ledger rule test_a_rule_that_raises_is_the_plugins_problem.<locals>.broken raised "
        "KeyError: 'level' (finding 'f-1')",
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
    assert answers == [("problem", "《煤矿安全生产条例》第三十六条: a coal mine's major hazard stops production in the "
                                   "affected area (立即停止受影响区域生产、建设); record a stop with it: [finding.stop] "
                                   'kind = "coal_production_stop", scope = "partial" or "full"')]
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
        "error: records/a.toml: invalid TOML: Unclosed array (at line 10, column 5)",
        "checkframe: 1 problem found; nothing was written.",
    ]
    assert not out.exists()
