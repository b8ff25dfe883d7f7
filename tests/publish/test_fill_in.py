"""The fill-in mode (填写检查记录): one rule description for the page and the ledger, import, the page itself."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
from pathlib import Path

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
    # Values of thousands of characters are cut in the messages, on the page as in the ledger (the subject too).
    "long checkpoints": lambda r: (r["item"][0].update(checkpoint="隐患𠀀" * 3000),
                                   r["finding"][0].update(checkpoint="x" * 5000, id="F" * 5000)),
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
    long = check_record(case(CASES["long checkpoints"]), rules)
    assert [len(message) < 200 for _, message in long] == [True] * 3 and "x" * 80 + "…）" in long[1][1], long
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


# -- The page itself, on a phone, from file:// -------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
#: A 1x1 JPEG: what the phone's camera hands over, in small.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e"
    "1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f0000010501"
    "010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d0102030004110512213141"
    "0613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a5354"
    "55565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9"
    "bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9")


def axe_violations(page):
    page.add_script_tag(path=AXE)
    result = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return {v["id"]: [n["target"] for n in v["nodes"][:3]] for v in result["violations"]}


def item(page, n):
    return page.locator(".fi-item").nth(n)


def mark(page, n, name):
    """Tap a mark: its label, the big target (the radio button itself is drawn by the label)."""
    radio = item(page, n).get_by_role("radio", name=name, exact=True)
    item(page, n).locator(f'label[for="{radio.get_attribute("id")}"]').click()
    assert radio.is_checked()


def finding(page, n):
    return page.locator(".fi-finding").nth(n)


def shot(page, shots, name):
    path = shots / f"{len(list(shots.iterdir())) + 1:02d}-{name}.png"
    page.screenshot(path=path, full_page=True)


def import_file(monkeypatch, capsys, plugins, path, ledger):
    from checkframe import cli
    from checkframe.catalog import build_catalog
    from checkframe.cli import common

    catalog = build_catalog(plugins)
    monkeypatch.setattr(common, "load_catalog", lambda: (plugins, catalog))
    code = cli.main(["inspect", "import", str(path), "--dir", str(ledger)])
    return code, capsys.readouterr()


def ledger_rows(monkeypatch, capsys, plugins, ledger, as_of):
    from checkframe import cli
    from checkframe.catalog import build_catalog
    from checkframe.cli import common

    catalog = build_catalog(plugins)
    monkeypatch.setattr(common, "load_catalog", lambda: (plugins, catalog))
    assert cli.main(["ledger", "show", str(ledger), "--as-of", as_of, "--format", "json"]) == 0
    return {row["finding"]: row for row in json.loads(capsys.readouterr().out)}


def printed(page) -> dict[str, str]:
    """Tap 打印 (the browser's print dialog stubbed out): what the supervision record (附件3) shows, by value key."""
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed")
    return dict(page.locator(".fi-print [data-key]").evaluate_all(
        "cells => cells.map(c => [c.dataset.key, c.textContent])"))


def ledger_form(plugins, ledger, record_file: str) -> dict[str, str]:
    """附件3 as ``checkframe ledger forms`` fills it for one imported record: ``reports.supervision_values``."""
    import datetime as dt

    from checkframe.catalog import build_catalog
    from checkframe.ledger.ledger import build_ledger
    from checkframe.ledger.records import read_record
    from checkframe.ledger.reports import supervision_values

    catalog = build_catalog(plugins)
    built = build_ledger(ledger, catalog, dt.date(2024, 12, 31), cache=False)
    record = read_record(ledger / "records" / record_file, record_file, [])
    assert record is not None
    return supervision_values(record, built, catalog, record.checking_unit)


def test_a_record_filled_on_a_phone_goes_into_the_ledger(handbook, browser, tmp_path, monkeypatch, capsys):
    import zipfile

    out, plugins = handbook
    # The phone screenshots of each step, to look at: in $CHECKFRAME_FILL_IN_SHOTS when set.
    shots = Path(os.environ.get("CHECKFRAME_FILL_IN_SHOTS") or tmp_path / "shots")
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((out / "checklist" / "demo-visit.html").as_uri())
    assert page.get_by_role("heading", name="填写检查记录").is_visible()
    assert axe_violations(page) == {}
    page.get_by_role("button", name="新建检查记录").click()
    page.get_by_label("被检查单位").select_option(label="恒安化工有限公司")
    page.get_by_label("检查日期").fill("2024-03-01")
    assert page.get_by_role("radio", name="督导检查").is_checked()
    page.get_by_label("检查单位", exact=True).fill("测试区应急管理局")
    page.get_by_label("检查人员").fill("王检、陈查")
    shot(page, shots, "header")

    # 1. 瓦斯检查 (major): listed for district supervision, with a partial stop.
    mark(page, 0, "不符合")
    major = finding(page, 0)
    assert major.get_by_label("隐患等级").input_value() == "major"
    major.get_by_label("隐患描述").fill("掘进工作面瓦斯漏检")
    major.get_by_label("整改方式").select_option(label="挂牌督办")
    labels = major.locator("label").all_inner_texts()
    five = ["督办级别", "牵头单位", "督办通知书编号", "督办日期", "责任人", "整改措施", "整改资金", "整改期限", "应急预案"]
    assert [x for x in labels if x in (*five, "指令书编号")] == five  # exactly the category's fields
    major.get_by_label("督办级别").select_option(label="区级")
    major.get_by_label("牵头单位").fill("东城街道")
    major.get_by_label("督办通知书编号").fill("测督〔2024〕1号")
    major.get_by_label("督办日期").fill("2024-03-02")
    major.get_by_label("责任人").fill("李四")
    major.get_by_label("整改措施").fill("停止掘进作业，补齐瓦斯检查")
    major.get_by_label("整改资金").fill("5万元")
    major.get_by_label("整改期限").fill("2024-04-30")
    major.get_by_label("应急预案").fill("瓦斯超限应急预案")
    major.get_by_label("责令停产停业整改").check()
    major.get_by_label("停产范围").select_option(label="局部停产停业")
    major.get_by_label("停产指令书编号").fill("测停〔2024〕1号")
    mark(page, 1, "符合")
    shot(page, shots, "major-hazard")

    # Mid-way: the page is reloaded (power, signal, a closed tab); the draft is there as it was.
    mark(page, 2, "不符合")
    finding(page, 1).get_by_label("隐患描述").fill("二楼安全出口堵塞")
    page.reload()
    assert page.get_by_text("恒安化工有限公司 · 2024-03-01 · 草稿").is_visible()
    shot(page, shots, "drafts-after-reload")
    page.get_by_role("button", name="继续填写：恒安化工有限公司 · 2024-03-01 · 草稿").click()
    assert finding(page, 0).get_by_label("督办通知书编号").input_value() == "测督〔2024〕1号"
    assert finding(page, 0).get_by_label("责令停产停业整改").is_checked()
    assert finding(page, 1).get_by_label("隐患描述").input_value() == "二楼安全出口堵塞"
    assert page.get_by_label("检查人员").input_value() == "王检、陈查"

    # 3. 安全出口畅通: fixed on the spot, with a photo.
    finding(page, 1).get_by_label("整改方式").select_option(label="现场整改")
    finding(page, 1).get_by_label("拍照或选择照片").set_input_files(
        files=[{"name": "exit.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    page.wait_for_selector(".fi-photos img")
    # 4. 灭火器材有效: a deadline fix under an order.
    mark(page, 3, "不符合")
    fix = finding(page, 2)
    fix.get_by_label("隐患描述").fill("仓库灭火器过期")
    fix.get_by_label("整改方式").select_option(label="限期整改")
    fix.get_by_label("整改期限").fill("2024-03-15")
    fix.get_by_label("指令书编号").fill("测责改〔2024〕1号")
    fix.get_by_label("责任人").fill("张三")
    fix.get_by_label("整改措施").fill("更换过期灭火器")
    shot(page, shots, "deadline-fix")

    # One required field emptied: the page says what the ledger says, and does not save.
    fix.get_by_label("指令书编号").fill("")
    fix.get_by_label("指令书编号").blur()
    message = "第3项隐患（灭火器材有效）：限期整改须填写指令书编号"
    assert fix.locator(".fi-error", has_text=message).is_visible()
    assert fix.get_by_label("指令书编号").get_attribute("aria-invalid") == "true"
    page.get_by_role("button", name="保存记录").click()
    assert page.get_by_role("status").filter(has_text="未保存").is_visible()
    assert page.locator(".fi-problems li").all_inner_texts() == [message]
    shot(page, shots, "refused")
    assert axe_violations(page) == {}
    refused_toml = page.evaluate("() => checkframeFillIn.toToml(checkframeFillIn.recordOf("
                                 "JSON.parse(localStorage.getItem('checkframe.fill-in.v1'))[Object.keys("
                                 "JSON.parse(localStorage.getItem('checkframe.fill-in.v1')))[0]]))")
    fix.get_by_label("指令书编号").fill("测责改〔2024〕1号")
    assert page.locator(".fi-summary").is_hidden()

    with page.expect_download() as info:
        page.get_by_role("button", name="保存记录").click()
    download = info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    shot(page, shots, "saved")
    on_paper = printed(page)
    assert saved.suffix == ".zip"
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
        assert archive.testzip() is None  # every CRC32 right
    assert names[0] == saved.stem + ".toml" and names[1].startswith(f"evidence/{saved.stem}/")

    # The ledger takes it, and lists the findings in their states.
    ledger = tmp_path / "ledger"
    shutil.copytree(out.parent / "ledger", ledger)
    code, captured = import_file(monkeypatch, capsys, plugins, saved, ledger)
    assert code == 0, captured.err
    assert captured.out.endswith("：隐患 3 项，照片 1 张\n")
    rows = ledger_rows(monkeypatch, capsys, plugins, ledger, "2024-03-05")
    states = {row["checkpoint"]: (row["state"], row["category"]) for row in rows.values()}
    assert states == {"demo-gas-01": ("fixing", "listed_supervision"), "demo-fire-01": ("closed", "on_site"),
                      "demo-fire-02": ("fixing", "deadline")}
    major_row = next(r for r in rows.values() if r["checkpoint"] == "demo-gas-01")
    assert major_row["level"] == "major" and major_row["stop"]
    assert (ledger / names[1]).read_bytes() == JPEG
    # Printed from the page, the record reads as the ledger's own 附件3 of it, the state of each fix left for the pen.
    from_ledger = ledger_form(plugins, ledger, names[0])
    assert from_ledger["done"] and on_paper["done"] == ""
    assert on_paper == {**from_ledger, "done": ""}
    assert "【重大事故隐患】掘进工作面瓦斯漏检（检查项：瓦斯检查）" in on_paper["problems"]
    assert "局部停产停业" in on_paper["measures"] and on_paper["checked_on"] == "2024年3月1日"

    # The record with the order number emptied: the ledger refuses it with the page's sentence.
    emptied = tmp_path / "emptied" / (saved.stem + ".toml")
    emptied.parent.mkdir()
    emptied.write_text(refused_toml, encoding="utf-8")
    fresh = tmp_path / "fresh"
    shutil.copytree(out.parent / "ledger", fresh)
    code, captured = import_file(monkeypatch, capsys, plugins, emptied, fresh)
    assert code == 1
    assert any(re.fullmatch(rf"错误：{re.escape(emptied.name)} 第\d+行：{re.escape(message)}", line)
               for line in captured.err.splitlines()), captured.err
    assert list((fresh / "records").iterdir()) == []

    # A recheck from it carries only the open findings: the deadline fix and the major hazard.
    page.get_by_role("button", name="返回记录列表").click()
    page.get_by_role("button", name="回查：恒安化工有限公司 · 2024-03-01 · 已保存").click()
    legends = page.locator(".fi-item legend").all_inner_texts()
    assert legends == ["1. 瓦斯检查：掘进工作面瓦斯漏检", "2. 灭火器材有效：仓库灭火器过期"]
    page.get_by_label("检查日期").fill("2024-03-14")
    item(page, 1).get_by_label("回查结果").select_option(label="合格")
    shot(page, shots, "recheck")
    with page.expect_download() as info:
        page.get_by_role("button", name="保存记录").click()
    recheck = tmp_path / info.value.suggested_filename
    info.value.save_as(recheck)
    recheck_on_paper = printed(page)
    code, captured = import_file(monkeypatch, capsys, plugins, recheck, ledger)
    assert code == 0, captured.err
    rows = ledger_rows(monkeypatch, capsys, plugins, ledger, "2024-03-20")
    states = {row["checkpoint"]: row["state"] for row in rows.values()}
    assert states == {"demo-gas-01": "fixing", "demo-fire-01": "closed", "demo-fire-02": "closed"}
    assert recheck_on_paper == {**ledger_form(plugins, ledger, recheck.name), "done": ""}
    assert recheck_on_paper["recheck_result"] == "1. 2024年3月14日合格\n2. 未回查"
    assert outside == [] and errors == []
    context.close()


def test_the_record_prints_as_the_supervision_record(handbook, browser, tmp_path):
    import re

    from checkframe.publish.printing import TEMPLATES

    out, _ = handbook
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto((out / "checklist" / "demo-visit.html").as_uri())
    page.get_by_role("button", name="新建检查记录").click()
    page.get_by_label("被检查单位").select_option(label="金鑫商贸")
    page.get_by_label("检查日期").fill("2024-03-01")
    page.get_by_label("检查人员").fill("王检")
    mark(page, 3, "不符合")
    finding(page, 0).get_by_label("隐患描述").fill("灭火器过期")
    finding(page, 0).get_by_label("整改方式").select_option(label="限期整改")
    finding(page, 0).get_by_label("整改措施").fill("更换灭火器")
    values = printed(page)
    page.emulate_media(media="print")
    assert page.locator(".fi-print").is_visible()
    assert page.locator(".site-header").is_hidden() and page.locator("#fill-in").is_hidden()
    # The rows, labels and words of the WeasyPrint form, in its order.
    template = (TEMPLATES / "forms" / "supervision-record.html").read_text(encoding="utf-8")
    labels = re.findall(r"<th>([^<]+)</th>", template)
    keys = re.findall(r'field\(values, "(\w+)"\)', template)
    assert page.locator(".fi-print th").all_inner_texts() == labels
    assert page.locator(".fi-print td").evaluate_all("cells => cells.map(c => c.dataset.key)") == keys[1:]
    assert list(values) == ["reporter", "date", *keys[1:]] and keys[0] == "reporter"
    assert page.locator(".fi-print .fi-annex").inner_text() == "附件3"
    assert page.locator(".fi-print .fi-title").inner_text() == "镇（街道）、部门督导检查表"
    assert page.locator(".fi-print .fi-note").inner_text() == re.search(r'<p class="note">([^<]+)</p>', template)[1]
    assert values["unit"] == "金鑫商贸" and values["date"] == values["checked_on"] == "2024年3月1日"
    assert values["problems"] == "灭火器过期（检查项：灭火器材有效）"
    assert values["measures"] == "限期整改；更换灭火器" and values["deadline"] == ""
    page.screenshot(path=tmp_path / "print.png", full_page=True)
    page.emulate_media(media="screen")
    assert page.locator(".fi-print").is_hidden()
    context.close()


def test_a_handbook_that_only_publishes_has_no_fill_in(tmp_path, handbook):
    from unittest import mock

    from checkframe.publish import build as build_module
    from fill_in_site import CONFIG, demo_plugins

    out, _ = handbook
    assert "fill-in.js" not in (out / "index.html").read_text(encoding="utf-8")
    assert "fill-in.js" not in (out / "checkpoint" / "demo-gas-01.html").read_text(encoding="utf-8")
    project = tmp_path / "handbook"
    project.mkdir()
    (project / "checkframe.toml").write_text(CONFIG.replace('units = "ledger"', "fill_in = false"), encoding="utf-8")
    with mock.patch.object(build_module, "print_all", lambda *args, **kwargs: None):
        build_module.build(project, plugins=demo_plugins(tmp_path))
    html = (project / "_build" / "checklist" / "demo-visit.html").read_text(encoding="utf-8")
    assert "fill-in" not in html and "填写检查记录" not in html


def test_axe_finds_nothing_in_the_dark_either(handbook, browser):
    out, _ = handbook
    context = browser.new_context(viewport=PHONE, color_scheme="dark")
    page = context.new_page()
    page.goto((out / "checklist" / "demo-visit.html").as_uri())
    page.get_by_role("button", name="新建检查记录").click()
    mark(page, 0, "不符合")
    finding(page, 0).get_by_label("责令停产停业整改").check()
    page.get_by_role("button", name="保存记录").click()  # refused: every mistake shown
    assert page.locator(".fi-error:visible").count() == 2  # the unit, the description
    assert axe_violations(page) == {}
    context.close()


def test_a_saved_record_can_be_shared_where_the_phone_can(handbook, browser):
    out, _ = handbook
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    page.goto((out / "checklist" / "demo-visit.html").as_uri())
    page.get_by_role("button", name="新建检查记录").click()
    page.get_by_label("被检查单位").select_option(label="金鑫商贸")
    with page.expect_download():
        page.get_by_role("button", name="保存记录").click()
    assert page.get_by_role("button", name="分享记录文件").count() == 0  # headless Chromium shares no files
    page.evaluate("""() => {
        navigator.canShare = data => data.files.length === 1;
        navigator.share = data => { window.shared = data.files[0].name; return Promise.resolve(); };
    }""")
    with page.expect_download() as info:
        page.get_by_role("button", name="保存记录").click()
    page.get_by_role("button", name="分享记录文件").click()
    assert page.evaluate("window.shared") == info.value.suggested_filename
    assert info.value.suggested_filename.startswith(page.get_by_label("检查日期").input_value() + "-jinxin-demo-visit-")
    context.close()


def test_a_self_found_major_hazard_is_recorded_as_reported(handbook, browser, tmp_path, monkeypatch, capsys):
    out, plugins = handbook
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    page.goto((out / "checklist" / "demo-self.html").as_uri())
    page.get_by_role("button", name="新建检查记录").click()
    assert page.get_by_role("radio", name="自查").is_checked()
    page.get_by_label("被检查单位").select_option(label="恒安化工有限公司")
    page.get_by_label("检查日期").fill("2024-03-01")
    mark(page, 0, "不符合")
    assert finding(page, 0).get_by_label("隐患来源").input_value() == "self"
    finding(page, 0).get_by_label("隐患描述").fill("瓦斯检查漏检")
    finding(page, 0).get_by_label("已上报的部门").fill("测试区应急管理局")
    with page.expect_download() as info:
        page.get_by_role("button", name="保存记录").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    context.close()
    ledger = tmp_path / "ledger"
    shutil.copytree(out.parent / "ledger", ledger)
    code, captured = import_file(monkeypatch, capsys, plugins, saved, ledger)
    assert code == 0, captured.err
    (row,) = ledger_rows(monkeypatch, capsys, plugins, ledger, "2024-03-02").values()
    assert (row["level"], row["source"], row["state"], row["overdue"]) == ("major", "self", "open", False)
