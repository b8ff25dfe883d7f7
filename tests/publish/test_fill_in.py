"""The fill-in mode (填写检查记录): one rule description for the page and the ledger, import, the page itself."""

from __future__ import annotations

import copy
import json
import os

import pytest

from checkframe.catalog.record_rules import MARKS, check_record, describe, stop_kinds_of
from checkframe.ledger.records import Mark
from fill_in_site import build_handbook

AXE = os.environ.get("CHECKFRAME_AXE", "/work/axe/node_modules/axe-core/axe.min.js")


@pytest.fixture(scope="module")
def handbook(tmp_path_factory):
    """The built handbook and its plugins: one build for the module."""
    out, plugins = build_handbook(tmp_path_factory.mktemp("fill-in"))
    return out, plugins


def page_rules(out, checklist="demo-visit"):
    html = (out / "checklist" / f"{checklist}.html").read_text(encoding="utf-8")
    start = html.index('<script type="application/json" id="fill-in-rules">') + len(
        '<script type="application/json" id="fill-in-rules">')
    return json.loads(html[start:html.index("</script>", start)])


VALID = {
    "unit": "hengan", "date": "2024-03-01", "kind": "supervision", "checklist": "demo-visit",
    "checking_unit": "测试区应急管理局", "inspectors": ["王检"], "note": "",
    "item": [{"checkpoint": "demo-gas-01", "title": "瓦斯检查", "mark": "fail"},
             {"checkpoint": "demo-gas-02", "title": "瓦斯检查员持证", "mark": "ok"},
             {"checkpoint": "demo-fire-01", "title": "安全出口畅通", "mark": "fail"},
             {"checkpoint": "demo-fire-02", "title": "灭火器材有效", "mark": "fail"}],
    "finding": [
        {"id": "f-1", "checkpoint": "demo-fire-01", "description": "安全出口堵塞", "level": "general",
         "source": "supervision", "remediation": {"category": "on_site"}},
        {"id": "f-2", "checkpoint": "demo-fire-02", "description": "灭火器过期", "level": "general",
         "remediation": {"category": "deadline", "deadline": "2024-03-15", "order_number": "测责改〔2024〕1号",
                         "responsible_person": "张三", "measures": "更换灭火器"}},
        {"id": "f-3", "checkpoint": "demo-gas-01", "description": "瓦斯漏检", "level": "major",
         "remediation": {"category": "listed_supervision", "supervision_level": "district", "lead_unit": "东城街道",
                         "notice_number": "测督〔2024〕1号", "notice_date": "2024-03-02", "responsible_person": "李四",
                         "measures": "停止作业，补检", "funds": "5万元", "deadline": "2024-04-30",
                         "contingency_plan": "瓦斯超限应急预案"},
         "stop": {"kind": "production_stop", "scope": "partial", "order_number": "测停〔2024〕1号"}},
    ],
}


def case(change):
    record = copy.deepcopy(VALID)
    change(record)
    return record


def _set(path, value):
    def change(record):
        target = record
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return change


CASES = {
    "valid": lambda r: None,
    "no unit": _set(["unit"], "  "),
    "no such day": _set(["date"], "2024-02-30"),
    "kind": _set(["kind"], "visit"),
    "other checklist": _set(["checklist"], "demo-self"),
    "mark": _set(["item", 1, "mark"], "yes"),
    "row off the list": _set(["item", 0, "checkpoint"], "demo-x-01"),
    "bad id": _set(["finding", 0, "id"], "F 1"),
    "id twice": _set(["finding", 1, "id"], "f-1"),
    "finding off the list": _set(["finding", 0, "checkpoint"], "demo-x-01"),
    "no description": _set(["finding", 0, "description"], ""),
    "level": _set(["finding", 0, "level"], "grave"),
    "level changed without reason": _set(["finding", 1, "level"], "major"),
    "level changed with reason": lambda r: r["finding"][0].update(level="major", level_reason="堵塞全部出口",
                                                                  remediation=r["finding"][2]["remediation"]),
    "source": _set(["finding", 0, "source"], "rumour"),
    "no category": _set(["finding", 0, "remediation", "category"], "later"),
    "on-site fix of a major hazard": _set(["finding", 2, "remediation"], {"category": "on_site"}),
    "deadline fix without its order": _set(["finding", 1, "remediation", "order_number"], ""),
    "deadline fix without anything": _set(["finding", 1, "remediation"], {"category": "deadline"}),
    "self-inspection waives the order": lambda r: (r.update(kind="self_inspection"),
                                                   r["finding"][1]["remediation"].pop("order_number")),
    "deadline before the visit": _set(["finding", 1, "remediation", "deadline"], "2024-02-28"),
    "deadline not a date": _set(["finding", 1, "remediation", "deadline"], "下月底"),
    "notice date not a date": _set(["finding", 2, "remediation", "notice_date"], "2024-13-01"),
    "supervision level": _set(["finding", 2, "remediation", "supervision_level"], "city"),
    "no supervision level": _set(["finding", 2, "remediation", "supervision_level"], KeyError),
    "stop of a general hazard": lambda r: r["finding"][0].update(stop={"scope": "full"}),
    "stop kind": _set(["finding", 2, "stop", "kind"], "pause"),
    "stop scope": _set(["finding", 2, "stop", "scope"], "half"),
}


def test_the_page_carries_the_description_the_ledger_checks_with(handbook):
    out, plugins = handbook
    from checkframe.catalog import build_catalog

    catalog = build_catalog(plugins)
    embedded = page_rules(out)
    expected = describe(catalog, stop_kinds_of(plugins), "demo-visit")
    assert {k: v for k, v in embedded.items() if k != "units"} == expected
    assert embedded["units"] == [{"id": "hengan", "name": "恒安化工有限公司"}, {"id": "jinxin", "name": "金鑫商贸"}]
    assert [c["code"] for c in embedded["categories"]] == ["on_site", "deadline", "listed_supervision"]
    assert embedded["checkpoints"][0] == {"id": "demo-gas-01", "title": "瓦斯检查", "level": "major",
                                          "remediation": ["listed_supervision"]}
    # The marks of the description are the records' own.
    assert [(m.value, m.label) for m in Mark] == [(code, symbol) for code, symbol, _ in MARKS]


def test_python_messages_are_the_ledgers_words(handbook):
    rules = page_rules(handbook[0])
    assert check_record(case(CASES["valid"]), rules) == []
    assert check_record(case(CASES["deadline fix without its order"]), rules) == [
        ("$.finding[1].remediation.order_number", "第2项隐患（灭火器材有效）：限期整改须填写指令书编号")]
    assert check_record(case(CASES["on-site fix of a major hazard"]), rules) == [
        ("$.finding[2].remediation.category", "第3项隐患（瓦斯检查）：现场整改适用于一般事故隐患，不适用于重大事故隐患")]
    assert check_record(case(CASES["level changed without reason"]), rules) == [
        ("$.finding[1].level_reason", "第2项隐患（灭火器材有效）：隐患等级与检查项的判定（一般事故隐患）不同，请说明理由"),
        ("$.finding[1].remediation.category",
         "第2项隐患（灭火器材有效）：限期整改适用于一般事故隐患，不适用于重大事故隐患")]
    assert check_record(case(CASES["self-inspection waives the order"]), rules) == []
    assert check_record(case(CASES["stop of a general hazard"]), rules) == [
        ("$.finding[0].stop", "第1项隐患（安全出口畅通）：停产停业整改只适用于重大事故隐患")]


def test_the_page_and_the_ledger_give_the_same_answers(handbook, browser):
    out, _ = handbook
    rules = page_rules(out)
    page = browser.new_page()
    page.goto((out / "checklist" / "demo-visit.html").as_uri())
    records = {name: case(change) for name, change in CASES.items()}
    in_browser = page.evaluate(
        "records => Object.fromEntries(Object.entries(records).map(([k, r]) => [k, checkframeFillIn.checkRecord(r)]))",
        records)
    in_python = {name: [list(p) for p in check_record(record, rules)] for name, record in records.items()}
    assert in_browser == in_python
    broken = [name for name, found in in_python.items() if not found]
    assert sorted(broken) == ["level changed with reason", "self-inspection waives the order", "valid"]
    page.close()
