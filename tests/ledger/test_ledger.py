"""The ledger: records replayed through the closed loop, every broken rule on its own line, reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import checkframe.cli as cli
from checkframe.cli import common
from checkframe.ledger.findings import FindingState
from checkframe.ledger.ledger import build_ledger
from checkframe.util import parallel
from stores import CATALOG, EXAMPLE, FOUND, Store, demo_catalog

D = dt.date


@pytest.fixture(params=[1, 2], ids=["one-process", "pool"])
def store(tmp_path: Path, request) -> Store:
    """Every ledger test runs with the records read in this process and in a pool: the same states, the same lines."""
    return Store(tmp_path / "ledger", jobs=request.param)


@pytest.fixture
def demo_cli(monkeypatch):
    """The command line with the demo catalog instead of the installed plugins."""
    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))


# -- The loop, replayed ------------------------------------------------------------------


def test_the_whole_loop_across_records(store):
    store.record("a.toml", FOUND)
    store.record("b.toml", """
        [[fixed]]
        finding = "f-1"
        date = 2024-03-10

        [[recheck]]
        finding = "f-1"
        result = "passed"
        by = "王五"
    """, date="2024-03-12")
    store.record("c.toml", '[[close]]\nfinding = "f-1"\n', date="2024-03-13")
    assert store.states() == {"f-1": "closed", "f-2": "fixing"}
    entry = store.ledger().entry("f-1")
    assert (entry.finding.fixed_on, entry.finding.accepted_on, entry.finding.closed_on) == (
        D(2024, 3, 10), D(2024, 3, 12), D(2024, 3, 13))
    assert (entry.unit, entry.file, entry.checking_unit) == ("acme", "records/a.toml", "区应急管理局")


def test_each_state_and_overdue(store):
    store.record("a.toml", FOUND + """
        [[finding]]
        id = "f-3"
        checkpoint = "demo-gas-02"
        description = "无整改方式"
        level = "general"
    """)
    store.record("b.toml", '[[fixed]]\nfinding = "f-1"\n', date="2024-03-10")
    assert store.states(D(2024, 3, 10)) == {"f-1": "awaiting_recheck", "f-2": "fixing", "f-3": "open"}
    # The deadline of f-1 (03-15) passes before acceptance; f-2's (04-30) has not.
    assert store.states(D(2024, 3, 16)) == {"f-1": "awaiting_recheck overdue", "f-2": "fixing", "f-3": "open"}


def test_acceptance_after_the_deadline_stays_overdue(store):
    store.record("a.toml", FOUND)
    store.record("b.toml", '[[fixed]]\nfinding = "f-1"\n[[recheck]]\nfinding = "f-1"\nresult = "passed"\n',
                 date="2024-03-20")
    assert store.states()["f-1"] == "accepted overdue"


def test_a_failed_recheck_sends_it_back_to_fixing(store):
    store.record("a.toml", FOUND)
    store.record("b.toml", '[[fixed]]\nfinding = "f-1"\n[[recheck]]\nfinding = "f-1"\nresult = "failed"\n',
                 date="2024-03-05")
    assert store.states(D(2024, 3, 5))["f-1"] == "fixing"
    store.record("c.toml", '[[fixed]]\nfinding = "f-1"\n[[recheck]]\nfinding = "f-1"\nresult = "passed"\n',
                 date="2024-03-08")
    ledger = store.ledger()
    f = ledger.entry("f-1").finding
    assert (f.state, [r.passed for r in f.rechecks]) == (FindingState.ACCEPTED, [False, True])


def test_a_blank_recheck_result_is_not_counted(store):
    store.record("a.toml", FOUND)
    store.record("b.toml", '[[recheck]]\nfinding = "f-1"\nresult = ""\n', date="2024-03-05")
    assert store.states(D(2024, 3, 5))["f-1"] == "fixing"


def test_a_remediation_can_be_assigned_later(store):
    store.record("a.toml", """
        [[finding]]
        id = "f-9"
        checkpoint = "demo-gas-02"
        description = "待定"
        level = "general"
    """)
    store.record("b.toml", """
        [[remediate]]
        finding = "f-9"
        remediation = { category = "on_site" }
    """, date="2024-03-02")
    assert store.states() == {"f-9": "fixing"}


def test_as_of_leaves_out_later_records(store):
    store.record("a.toml", FOUND)
    store.record("b.toml", '[[fixed]]\nfinding = "f-1"\n', date="2024-03-10")
    assert store.states(D(2024, 3, 9))["f-1"] == "fixing"
    assert store.states(D(2024, 2, 28)) == {}


def test_moves_on_one_date_follow_the_loop_whatever_the_file_order(store):
    # "a" sorts before "b", but the finding it closes is found in "b" on the same day.
    store.record("a.toml", '[[close]]\nfinding = "f-1"\n[[recheck]]\nfinding = "f-1"\nresult = "passed"\n')
    store.record("b.toml", FOUND.replace('category = "deadline"', 'category = "on_site"') + '[[fixed]]\nfinding = "f-1"\n')
    assert store.states()["f-1"] == "closed"


# -- Broken rules: one line each, all at once --------------------------------------------


def test_on_site_fix_only_for_general_hazards(store):
    store.record("a.toml", FOUND.replace('category = "listed_supervision"', 'category = "on_site"'))
    assert store.problems() == [
        "records/a.toml：第2个 [[finding]] 的 remediation：隐患 \"f-2\"：现场整改（on_site）适用于一般事故隐患，不适用"
        "于重大事故隐患",
    ]


def test_major_hazard_needs_the_five_assignments_and_a_supervision_level(store):
    store.record("a.toml", FOUND.replace('supervision_level = "district"\n', "").replace('funds = "5万元"\n', ""))
    assert store.problems() == [
        "records/a.toml：第2个 [[finding]] 的 remediation：隐患 \"f-2\"：挂牌督办（listed_supervision）须填写 supervis"
        "ion_level（督办级别）、"
        "funds（整改资金）",
    ]


def test_missing_field_of_a_deadline_fix(store):
    store.record("a.toml", FOUND.replace('order_number = "〔2024〕3号"\n', ""))
    assert store.problems() == [
        "records/a.toml：第1个 [[finding]] 的 remediation：隐患 \"f-1\"：限期整改（deadline）须填写 order_number（指令"
        "书编号）",
    ]


def test_closing_needs_a_passed_recheck(store):
    store.record("a.toml", FOUND + '[[close]]\nfinding = "f-1"\n')
    store.record("b.toml", '[[fixed]]\nfinding = "f-2"\n[[close]]\nfinding = "f-2"\n', date="2024-03-02")
    assert store.problems() == [
        "records/a.toml：第1个 [[close]]：隐患 \"f-1\" 现为“整改中”，不能销号（须为“已验收”）；"
        "请先记单位报告整改完成（[[fixed]] finding = \"f-1\"，日期不晚于此项），"
        "再记回查合格（[[recheck]] finding = \"f-1\"，result = \"passed\"）",
        "records/b.toml：第1个 [[close]]：隐患 \"f-2\" 现为“待回查”，不能销号（须为“已验收”）；"
        "请先记回查合格（[[recheck]] finding = \"f-2\"，result = \"passed\"）",
    ]


def test_forbidden_moves(store):
    store.record("a.toml", FOUND + """
        [[finding]]
        id = "f-3"
        checkpoint = "demo-gas-02"
        description = "无整改方式"
        level = "general"

        [[fixed]]
        finding = "f-3"

        [[recheck]]
        finding = "f-1"
        result = "passed"

        [[fixed]]
        finding = "f-2"
        date = 2024-02-20
    """)
    assert store.problems() == [
        "records/a.toml：第2个 [[fixed]] 的 finding：隐患 \"f-2\" 在 2024-03-01 才记录（records/a.toml），晚于此项的日"
        "期 2024-02-20",
        "records/a.toml：第1个 [[fixed]]：隐患 \"f-3\" 现为“待整改”，不能报告整改完成（须为“整改中”）；"
        "请先用 [[remediate]] 定下整改方式",
        "records/a.toml：第1个 [[recheck]]：隐患 \"f-1\" 现为“整改中”，不能回查（须为“待回查”）；"
        "请先记单位报告整改完成（[[fixed]] finding = \"f-1\"，日期不晚于此项）",
    ]


def test_a_finding_stuck_on_one_broken_move_is_not_reported_again(store):
    store.record("a.toml", FOUND + '[[recheck]]\nfinding = "f-1"\nresult = "passed"\n')
    store.record("b.toml", '[[close]]\nfinding = "f-1"\n', date="2024-03-05")
    assert store.problems() == [
        "records/a.toml：第1个 [[recheck]]：隐患 \"f-1\" 现为“整改中”，不能回查（须为“待回查”）；"
        "请先记单位报告整改完成（[[fixed]] finding = \"f-1\"，日期不晚于此项）",
    ]


def test_moves_on_unknown_or_foreign_or_later_findings(store):
    store.record("a.toml", FOUND, date="2024-03-10")
    store.record("b.toml", '[[fixed]]\nfinding = "f-11"\n', date="2024-03-11")
    store.record("c.toml", '[[fixed]]\nfinding = "f-1"\n', unit="beta", date="2024-03-11")
    store.record("d.toml", '[[fixed]]\nfinding = "f-2"\n', date="2024-03-05")
    assert store.problems() == [
        "records/d.toml：第1个 [[fixed]] 的 finding：隐患 \"f-2\" 在 2024-03-10 才记录（records/a.toml），晚于此项的日"
        "期 2024-03-05",
        "records/b.toml：第1个 [[fixed]] 的 finding 为 \"f-11\"，台账中没有这项隐患；是否想写 \"f-1\"？",
        "records/c.toml：第1个 [[fixed]] 的 finding：隐患 \"f-1\" 属于单位 \"恒泰五金\"，不属于 \"金鑫煤业\"",
    ]


def test_spawned_workers_read_the_same_ledger(tmp_path, monkeypatch):
    """Where workers do not fork (macOS, Windows), the catalog and the units are pickled to each: the same ledger."""
    store = Store(tmp_path / "ledger", jobs=2)
    store.record("a.toml", FOUND)
    store.record("b.toml", '[[close]]\nfinding = "f-1"\n', date="2024-03-13")
    forked = store.ledger()
    assert forked.problems and forked.entries  # something to compare
    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    assert store.ledger() == forked


def test_two_records_claiming_one_finding(store):
    store.record("a.toml", FOUND)
    store.record("b.toml", FOUND.split("[[finding]]")[0] + "[[finding]]" + FOUND.split("[[finding]]")[1],
                 date="2024-03-02")
    assert store.problems() == [
        "records/b.toml：第1个 [[finding]] 的 id：隐患编号 \"f-1\" 已记录在 records/a.toml（2024-03-01）中；同一隐患只"
        "记录一次，之后的记录用 [[remedia"
        "te]]、[[fixed]]、[[recheck]] 或 [[close]] 推进",
    ]


def test_unknown_checklist_checkpoint_unit_and_category(store):
    store.record("a.toml", FOUND.replace('checkpoint = "demo-gas-02"', 'checkpoint = "demo-gas-2"')
                 .replace('category = "listed_supervision"', 'category = "listed_supervison"'), unit="acne")
    (store.root / "records" / "b.toml").write_text(textwrap.dedent("""
        unit = "acme"
        date = 2024-03-01
        kind = "self_inspection"
        checklist = "demo-slef"
        follows = "zz.toml"

        [[item]]
        checkpoint = "demo-gas-01"
        mark = "ok"
    """), encoding="utf-8")
    assert store.problems() == [
        "records/a.toml：unit 为 \"acne\"，台账中没有这个单位（没有 units/acne.toml）；是否想写 \"acme\"？",
        "records/a.toml：第1个 [[finding]] 的 checkpoint 为 \"demo-gas-2\"，没有这个检查项；是否想写 \"demo-gas-02\"？",
        "records/a.toml：第2个 [[finding]] 的 remediation.category 为 \"listed_supervison\"，没有这个整改类别；是否想"
        "写 \"listed_supervi"
        "sion\"？",
        "records/b.toml：checklist 为 \"demo-slef\"，没有这个检查表；是否想写 \"demo-self\"？",
        "records/b.toml：follows 为 \"zz.toml\"，records/ 中没有这份记录",
    ]


def test_item_not_on_the_checklist(store, make_content):
    other = make_content("other")
    catalog = demo_catalog(other)
    store.record("a.toml", '[[item]]\ncheckpoint = "other-gas-01"\nmark = "fail"\n')
    assert [str(p) for p in build_ledger(store.root, catalog, D(2024, 3, 31)).problems] == [
        "records/a.toml：item 第1项的 checkpoint：检查项 \"other-gas-01\" 不在检查表 \"demo-self\" 上",
    ]


def test_values_of_the_wrong_kind(store):
    store.record("a.toml", FOUND.replace("deadline = 2024-03-15", 'deadline = "soon"')
                 .replace('level = "major"', 'level = "big"') + '[[item]]\ncheckpoint = "demo-gas-01"\nmark = "yes"\n')
    store.record("b.toml", '[[recheck]]\nfinding = "f-1"\nresult = true\ndate = 2024-13-01\n'.replace(
        "2024-13-01", '"2024-13-01"'))
    assert store.problems() == [
        "records/a.toml：item 第1项的 mark 应为 ok（√ 符合）、fixing（0 正在整改）或 fail（× 不符合），不适用时写 \"\""
        "（现为 \"yes\"）",
        "records/a.toml：第1个 [[finding]] 的 remediation.deadline 应为日期，如 2024-03-01（现为 \"soon\"）",
        "records/a.toml：第2个 [[finding]] 的 level 应为 general（一般事故隐患）或 major（重大事故隐患）之一（现为 \"b"
        "ig\"）",
        "records/b.toml：第1个 [[recheck]] 的 result 应为 passed（合格）或 failed（不合格），尚未回查时写 \"\"（现为 true）",
        "records/b.toml：第1个 [[recheck]] 的 date 应为日期，如 2024-03-01（现为 \"2024-13-01\"）",
    ]


def test_findings_of_an_unreadable_record_are_not_reported_again(store):
    store.record("a.toml", "colour = 1\n" + FOUND)
    store.record("b.toml", '[[fixed]]\nfinding = "f-1"\n', date="2024-03-05")
    assert store.problems() == [
        "records/a.toml：本文件中有未知的键 colour；可用的键：unit、date、kind、checklist、inspectors、checking_unit、"
        "follows、note、item、fin"
        "ding、remediate、report、escalate、stop、fixed、recheck、close、resume",
    ]


def test_bad_units_and_bad_toml(store):
    store.unit("gamma", "x", "y", text='name = "x"\ntownship = "y"\nsector = "mining"\n[staff]\ntotal = "many"\n')
    store.unit("Bad Name", "x", "y")
    (store.root / "records" / "a.toml").write_text("unit = \n", encoding="utf-8")
    assert store.problems() == [
        "units/Bad Name.toml：文件名就是单位编号，须由小写字母、数字、“-”或“_”组成，以字母开头，最多 64 个字符（现为 "
        "\"Bad Name\"）",
        "units/gamma.toml：staff.total 应为整数（现为 \"many\"）",
        "records/a.toml：不是有效的 TOML 文件，第1行第8列（unit）：值的写法不对（文字要加英文引号，如 \"张三\"；日期写成 2"
        "024-03-01；数组写成 [\"a\", \"b\"]）",
    ]


def test_a_record_that_does_not_structure_has_its_references_checked_in_the_same_run(store):
    """A wrong level and an unknown key hid, until fixed, an unknown unit, an unknown checkpoint, a misspelt
    category and another finding's level that differs from its checkpoint's: now all at once, each where the
    reader did not already say what is wrong (a row's checkpoint that is an array is the reader's alone)."""
    store.record("a.toml", FOUND.replace('level = "general"', 'level = "bogus"').replace(
        'category = "deadline"', 'category = "deadlin"').replace('description = "瓦斯漏检"', 'colour = 1') + """
        [[item]]
        checkpoint = ["demo-gas-01"]
        mark = "ok"

        [[item]]
        checkpoint = "demo-gas-99"
        mark = "ok"

        [[finding]]
        id = "f-3"
        checkpoint = "demo-gas-02"
        description = "另一处"
        level = "major"
        """, unit="acne")
    assert store.problems() == [
        "records/a.toml：item 第1项的 checkpoint 应为文字（现为 一个数组）",
        'records/a.toml：第1个 [[finding]] 的 level 应为 general（一般事故隐患）或 major（重大事故隐患）之一'
        '（现为 "bogus"）',
        "records/a.toml：第2个 [[finding]] 中缺少必填的键 description",
        "records/a.toml：第2个 [[finding]] 中有未知的键 colour；可用的键：id、checkpoint、description、level、evidence、"
        "remediation、source、kind、level_reason、enforcement、stop、reported_to",
        'records/a.toml：unit 为 "acne"，台账中没有这个单位（没有 units/acne.toml）；是否想写 "acme"？',
        'records/a.toml：item 第2项的 checkpoint 为 "demo-gas-99"，没有这个检查项；是否想写 "demo-gas-02"？',
        'records/a.toml：第1个 [[finding]] 的 remediation.category 为 "deadlin"，没有这个整改类别；是否想写 "deadline"？',
        'records/a.toml：第3个 [[finding]] 的 level：隐患 "f-3" 的等级 major（重大事故隐患） 与检查项 "demo-gas-02" 的判定'
        '（general（一般事故隐患））不同；请写 "general"，或在 level_reason 中说明理由',
    ]


def test_a_unit_that_does_not_read_is_reported_once(store):
    """No cascade: its records are not reported as naming an unknown unit, nor moves on their findings elsewhere.
    The records left unchecked are said of the unit of the file, not by the unit's id (单位 "gamma" before)."""
    store.unit("gamma", "x", "y", text='name = "x"\ntownship = "y\nsector = "demo"\n')
    store.unit("delta", "x", "y", text='name = "x"\ntownship = "y"\nsector = "demo"\n[staff]\ntotal = "many"\n')
    store.record("a.toml", FOUND, unit="gamma")
    store.record("b.toml", '[[fixed]]\nfinding = "f-1"\n', unit="gamma", date="2024-03-05")
    store.record("c.toml", '[[fixed]]\nfinding = "f-2"\n', unit="acme", date="2024-03-06")
    store.record("d.toml", "", unit="delta", date="2024-03-06")
    store.record("e.toml", "", unit="omega", date="2024-03-07")
    assert store.problems() == [
        "units/delta.toml：staff.total 应为整数（现为 \"many\"）；本文件登记的单位有 1 份检查记录，待此文件能读取后再核对",
        "units/gamma.toml：不是有效的 TOML 文件，第2行第14列（township）：文字缺少结尾的引号（一行文字中间不能换行，"
        "多行文字要用三个引号 \"\"\" 括起）；本文件登记的单位有 2 份检查记录，待此文件能读取后再核对",
        "records/e.toml：unit 为 \"omega\"，台账中没有这个单位（没有 units/omega.toml）",
    ]


def test_a_record_that_does_not_read_holds_back_its_units_other_records(store):
    """No cascade either: the findings it may hold are not reported as unknown in the unit's later records (with a
    suggestion of another finding); the records of other units are replayed as ever."""
    (store.root / "records" / "2024-03-01-acme-visit.toml").write_bytes(b"\xff\xfe unit = ")
    store.record("2024-03-05-acme-fixed.toml", '[[fixed]]\nfinding = "f-1"\n', date="2024-03-05")
    store.record("2024-03-06-acme-more.toml", '[[fixed]]\nfinding = "f-2"\n', date="2024-03-06")
    store.record("2024-03-02-beta-visit.toml", FOUND.replace('"f-1"', '"f-9"'), unit="beta", date="2024-03-02")
    problems = store.problems()
    assert problems == [
        "records/2024-03-01-acme-visit.toml：第1行不是 UTF-8 编码的文字（字节 0xff），请另存为 UTF-8 编码；"
        "单位 \"恒泰五金\" 的 2 份检查记录待此文件能读取后再核对",
    ]


def test_a_question_ends_the_sentence_before_the_records_left_unchecked(store):
    store.unit("gamma", "x", "y", text='nam = "x"\nname = "x"\ntownship = "y"\nsector = "demo"\n')
    store.record("a.toml", "", unit="gamma")
    assert store.problems() == [
        "units/gamma.toml：本文件中有未知的键 nam；是否想写 \"name\"？"
        "本文件登记的单位有 1 份检查记录，待此文件能读取后再核对",
    ]


def test_a_unit_in_an_unknown_sector(store):
    store.unit("gamma", "x", "y", text='name = "x"\ntownship = "y"\nsector = "dem"\n')
    assert store.problems() == [
        "units/gamma.toml：sector 为 \"dem\"，没有这个行业领域；是否想写 \"demo\"？",
    ]


def test_a_ledger_without_units_is_one_problem(store):
    """Not one per record, each saying that its unit is not registered."""
    store.record("a.toml", FOUND)
    store.record("b.toml", "", unit="beta")
    shutil.rmtree(store.root / "units")
    assert store.problems() == [
        f"{store.root.as_posix()} 中没有 units/ 文件夹；检查记录所属的单位在其中登记（units/单位编号.toml）"]


def test_not_a_ledger_folder(tmp_path):
    assert [str(p) for p in build_ledger(tmp_path, CATALOG, D(2024, 3, 1)).problems] == [
        f"{tmp_path.as_posix()} 中没有 records/ 文件夹；台账文件夹应有 units/*.toml（单位登记）和 records/*.toml（检查"
        "记录）",
    ]


# -- The command -------------------------------------------------------------------------


def test_every_violation_at_once_exit_1_nothing_on_stdout(store, demo_cli, capsys):
    store.record("a.toml", FOUND.replace('order_number = "〔2024〕3号"\n', "") + '[[close]]\nfinding = "f-2"\n')
    store.record("b.toml", FOUND.split("[[finding]]\nid = \"f-2\"")[0], date="2024-03-02")
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-31"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "错误：records/b.toml 第9行：第1个 [[finding]] 的 id：隐患编号 \"f-1\" 已记录在 records/a.toml（2024-03-01）中；同一"
        "隐患只记录一次，之后的记录用 [[reme"
        "diate]]、[[fixed]]、[[recheck]] 或 [[close]] 推进",
        "错误：records/a.toml 第14行：第1个 [[finding]] 的 remediation：隐患 \"f-1\"：限期整改（deadline）须填写"
        " order_number（指令书编号）",
        "错误：records/a.toml 第37行：第1个 [[close]]：隐患 \"f-2\" 现为“整改中”，不能销号（须为“已验收”）；"
        "请先记单位报告整改完成（[[fixed]] finding = \"f-2\"，日期不晚于此项），"
        "再记回查合格（[[recheck]] finding = \"f-2\"，result = \"passed\"）",
        "checkframe：共 3 处问题，未写入任何文件。",
    ]


def test_ledger_as_csv_json_and_by_township(store, demo_cli, capsys):
    store.record("a.toml", FOUND)
    store.record("b.toml", FOUND.replace('"f-1"', '"f-5"').replace('"f-2"', '"f-6"'), unit="beta", date="2024-03-02")
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "隐患编号,单位代码,单位名称,镇（街道）,行业领域,检查项,类别,等级,来源,整改方式,整改期限,停产,发现日期,状态,逾期,"
        "逾期原因,定级说明,记录文件",
        "f-1,acme,恒泰五金,北石店镇,测试行业,demo-gas-02,事故隐患,一般,督导检查,限期整改,2024-03-15,,2024-03-01,整改中,"
        "逾期,超过整改期限2024-03-15,,records/a.toml",
        "f-2,acme,恒泰五金,北石店镇,测试行业,demo-gas-01,事故隐患,重大,督导检查,挂牌督办,2024-04-30,,2024-03-01,整改中,"
        ",,,records/a.toml",
        "f-5,beta,金鑫煤业,西上庄街道,测试行业,demo-gas-02,事故隐患,一般,督导检查,限期整改,2024-03-15,,2024-03-02,"
        "整改中,逾期,超过整改期限2024-03-15,,records/b.toml",
        "f-6,beta,金鑫煤业,西上庄街道,测试行业,demo-gas-01,事故隐患,重大,督导检查,挂牌督办,2024-04-30,,2024-03-02,"
        "整改中,,,,records/b.toml",
    ]
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert (rows[0]["finding"], rows[0]["overdue"], rows[1]["overdue"], rows[1]["level"]) == ("f-1", True, False, "major")
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "--by", "township"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "镇（街道）  隐患数  重大隐患  待整改  整改中  待回查  已验收  已销号  逾期",
        "北石店镇    2       1         0       2       0       0       0       1",
        "西上庄街道  2       1         0       2       0       0       0       1",
    ]
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "--format", "csv", "--bom"]) == 0
    assert capsys.readouterr().out.startswith("\ufeff隐患编号,")


def test_jobs_govern_reading_the_records(store, demo_cli, capsys, monkeypatch):
    import checkframe.ledger.ledger

    store.record("a.toml", FOUND)
    asked = []
    real = checkframe.ledger.ledger.build_ledger
    monkeypatch.setattr(checkframe.ledger.ledger, "build_ledger",
                        lambda *args, jobs=None, **kw: asked.append(jobs) or real(*args, jobs=jobs, **kw))
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "--jobs", "2"]) == 0
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20"]) == 0
    assert asked == [2, None]


def test_weekly_and_major_reports(store, demo_cli, capsys):
    store.record("a.toml", FOUND)
    store.record("b.toml", '[[fixed]]\nfinding = "f-1"\n[[recheck]]\nfinding = "f-1"\nresult = "passed"\n',
                 date="2024-03-05")
    store.record("c.toml", FOUND.replace('"f-1"', '"f-5"').replace('"f-2"', '"f-6"'), unit="beta", date="2024-03-09")
    args = ["ledger", "report", str(store.root), "--from", "2024-03-01", "--to", "2024-03-07", "--format", "csv"]
    heading = ("一般隐患排查,一般隐患整改,重大隐患排查,重大隐患整改,非法违法行为排查,非法违法行为查处,责令限期整改企业,"
               "行政罚款（万元）,停产整顿（家）,暂扣吊销证照,关闭取缔（家）")
    assert cli.main([*args, "weekly"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"镇（街道）,{heading}",
        "北石店镇,1,1,1,0,0,0,1,0,0,0,0",
        "合计,1,1,1,0,0,0,1,0,0,0,0",
    ]
    assert cli.main([*args, "weekly", "--by", "sector", "--to", "2024-03-31"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"行业领域,{heading}",
        "测试行业,2,1,2,0,0,0,2,0,0,0,0",  # names, not ids, where a clerk reads them
        "合计,2,1,2,0,0,0,2,0,0,0,0",
    ]
    assert cli.main([*args, "weekly", "--by", "unit", "--to", "2024-03-31"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"单位,{heading}",
        "恒泰五金,1,1,1,0,0,0,1,0,0,0,0",
        "金鑫煤业,1,0,1,0,0,0,1,0,0,0,0",
        "合计,2,1,2,0,0,0,2,0,0,0,0",
    ]
    assert cli.main([*args, "major", "--to", "2024-03-31"]) == 0
    measure = "挂牌督办（区级）：配齐瓦斯检查员，期限2024-04-30，牵头单位区应急管理局，区安督〔2024〕1号"
    assert capsys.readouterr().out.splitlines() == [
        "序号,生产经营单位名称,核查单位,所在镇（街道）,企业类别,类别,来源,重大隐患/具体非违法行为,处理措施,隐患编号,状态",
        f"1,恒泰五金,区应急管理局,北石店镇,工贸企业,重大隐患,督导检查,瓦斯漏检,{measure},f-2,整改中",
        f"2,金鑫煤业,区应急管理局,西上庄街道,工贸企业,重大隐患,督导检查,瓦斯漏检,{measure},f-6,整改中",
    ]


def test_the_reports_fit_100_columns_on_a_terminal(store, demo_cli, capsys, monkeypatch):
    from checkframe.util.tables import width

    monkeypatch.setenv("COLUMNS", "100")
    store.unit("gamma", "晋城市某某超长名称煤业集团有限责任公司", "某某经济技术开发区管理委员会")
    store.record("a.toml", FOUND)
    store.record("c.toml", FOUND.replace('"f-1"', '"f-5"').replace('"f-2"', '"f-6"').replace(
        "配齐瓦斯检查员", "配齐瓦斯检查员，" * 12), unit="gamma", date="2024-03-09")
    args = ["ledger", "report", str(store.root), "--from", "2024-03-01", "--to", "2024-03-31"]
    assert cli.main([*args, "weekly"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "             一般隐患    重大隐患    非法违法行为  责令限期  行政罚款  停产整顿  暂扣吊销  关闭取缔",
        "镇（街道）   排查  整改  排查  整改  排查  查处    整改企业  （万元）  （家）    证照      （家）",
        "北石店镇     1     0     1     0     0     0       1         0         0         0         0",
        "某某经济技…  1     0     1     0     0     0       1         0         0         0         0",
        "合计         2     0     2     0     0     0       2         0         0         0         0",
    ]
    for extra in (["weekly", "--by", "unit"], ["weekly", "--by", "sector"], ["major"]):
        assert cli.main([*args, *extra]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert max(width(line) for line in lines) <= 100, (extra, lines)
    assert lines[:6] == [
        "1．恒泰五金",
        "   所在镇（街道）：北石店镇  企业类别：工贸企业  类别：重大隐患  来源：督导检查",
        "   核查单位：区应急管理局  隐患编号：f-2  状态：整改中",
        "   重大隐患/具体非违法行为：瓦斯漏检",
        "   处理措施：挂牌督办（区级）：配齐瓦斯检查员，期限2024-04-30，牵头单位区应急管理局，",
        "             区安督〔2024〕1号",
    ]
    assert lines[7:] == [
        "2．晋城市某某超长名称煤业集团有限责任公司",
        "   所在镇（街道）：某某经济技术开发区管理委员会  企业类别：工贸企业  类别：重大隐患  来源：督导检查",
        "   核查单位：区应急管理局  隐患编号：f-6  状态：整改中",
        "   重大隐患/具体非违法行为：瓦斯漏检",
        "   处理措施：挂牌督办（区级）：配齐瓦斯检查员，配齐瓦斯检查员，配齐瓦斯检查员，配齐瓦斯检查员，",
        "             配齐瓦斯检查员，配齐瓦斯检查员，配齐瓦斯检查员，配齐瓦斯检查员，配齐瓦斯检查员，",
        "             配齐瓦斯检查员，配齐瓦斯检查员，配齐瓦斯检查员，，期限2024-04-30，牵头单位区应急管理",
        "             局，区安督〔2024〕1号",
    ]


def test_the_reports_in_a_real_terminal_of_100_columns(tmp_path):
    """In a pty of 100 columns (colour on): every line of both reports fits, escape sequences aside."""
    import fcntl
    import os
    import pty
    import re
    import struct
    import termios

    from checkframe.util.tables import width

    for plugin in ("checkframe_general", "checkframe_coal_mine", "checkframe_pipeline"):
        pytest.importorskip(plugin)
    shutil.copytree(EXAMPLE, tmp_path / "example")
    for report in ("weekly", "major"):
        main, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")} | {"TERM": "xterm"}
        process = subprocess.Popen([sys.executable, "-m", "checkframe", "ledger", "report", str(tmp_path / "example"),
                                    report, "--from", "2024-03-01", "--to", "2024-04-30"],
                                   stdin=child, stdout=child, stderr=child, env=env)
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(main)
        assert process.wait(timeout=120) == 0
        text = b"".join(chunks).decode("utf-8")
        lines = re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r", "").splitlines()
        assert len(lines) > 4 and max(width(line) for line in lines) <= 100, lines
        if report == "major":
            assert "\x1b[1;31m整改中（逾期）\x1b[0m" in text  # overdue in red on a terminal


@pytest.mark.parametrize(("extra", "message"), [
    (["report", "{root}", "weekly"], "checkframe ledger report 用法有误：缺少必需的参数 --from、--to"),
    (["show", "{root}", "--from", "2024-03-01"], "checkframe ledger show 用法有误：无法识别的参数 --from 2024-03-01"),
    (["report", "{root}", "major", "--from", "2024-03-01", "--to", "2024-03-02", "--by", "unit"],
     "--by 用于 ledger show、ledger report weekly 或 ledger forms，不用于 ledger report major"),
    (["show", "{root}", "--as-of", "soon"], "用法有误：--as-of 应为日期，如 2024-03-01（现为 \"soon\"）"),
    (["show", "{root}", "--jobs", "0"], "用法有误：--jobs 应为进程数，1 或更大（现为 \"0\"）"),
    (["show", "{root}", "--jobs", "two"], "用法有误：--jobs 应为进程数，1 或更大（现为 \"two\"）"),
    (["show", "{root}", "--by"], "用法有误：--by 后须跟一个值"),
    (["show", "{root}", "--by", "county"], "用法有误：--by 的取值 \"county\" 无效（可选：unit、sector、township）"),
    (["show", "{root}", "--overdue=yes"], "用法有误：--overdue 不带取值（现为 \"yes\"）"),
    (["show", "{root}", "--format", "xlsx"], "--format xlsx 须同时给出 --output 文件.xlsx"),
    (["{root}"], "{root} 是文件夹，不是步骤：要列出它的台账，请运行 checkframe ledger show {root}"
                 "（可用的步骤：show、report、forms）"),
    (["nope"], "checkframe ledger 用法有误：STEP 的取值 \"nope\" 无效（可选：show、report、forms）"),
])
def test_usage_errors(store, demo_cli, capsys, extra, message):
    with pytest.raises(SystemExit) as info:
        cli.main(["ledger", *(a.replace("{root}", str(store.root)) for a in extra)])
    assert info.value.code == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.endswith(message.replace("{root}", str(store.root))), err


def test_the_ledger_fits_100_columns_in_chinese_and_marks_major_and_overdue(store, demo_cli, capsys, monkeypatch):
    from checkframe.cli import ledger_commands
    from checkframe.util.tables import width

    store.unit("gamma", "晋城市某某超长名称煤业集团有限责任公司", "西上庄街道")
    store.record("a.toml", FOUND)
    store.record("b.toml", FOUND.replace('"f-1"', '"f-5"').replace('"f-2"', '"f-6"'), unit="gamma", date="2024-03-02")
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["隐患编号", "单位名称", "类别", "等级", "来源", "整改方式", "停产", "整改期限", "状态",
                                "逾期"]
    assert max(width(line) for line in lines) <= 100
    assert lines[3].startswith("f-5       晋城市某某超长…  隐患  一般  督导检查  限期整改        2024-03-15  整改中  逾期")
    assert "\x1b" not in "".join(lines)  # piped: plain
    # On a terminal: the major level and overdue in red, unless NO_COLOR is set.
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20"]) == 0
    coloured = capsys.readouterr().out.splitlines()
    assert f"{ledger_commands.RED}重大{ledger_commands.RESET}" in coloured[2]
    assert f"{ledger_commands.RED}逾期{ledger_commands.RESET}" in coloured[1]
    assert [line.replace(ledger_commands.RED, "").replace(ledger_commands.RESET, "") for line in coloured] == lines
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20"]) == 0
    assert capsys.readouterr().out.splitlines() == lines
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "--wide"]) == 0
    assert "晋城市某某超长名称煤业集团有限责任公司" in capsys.readouterr().out
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "--overdue"]) == 0
    overdue = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in overdue[1:]] == ["f-1", "f-5"]
    assert overdue[0].endswith("逾期原因") and overdue[1].endswith("超过整改期限2024-03-15")


def test_a_reader_that_goes_away_ends_the_command_quietly(store, demo_cli, monkeypatch, capsys):
    class Gone(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    store.record("a.toml", FOUND)
    monkeypatch.setattr(sys, "stdout", Gone())
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20"]) == 0


def test_a_broken_pipe_in_a_real_pipeline(tmp_path):
    """``checkframe ledger show ... | head -1``: no traceback, exit 0."""
    for plugin in ("checkframe_general", "checkframe_coal_mine", "checkframe_pipeline"):
        pytest.importorskip(plugin)
    script = (f"{sys.executable} -m checkframe ledger show {EXAMPLE} --as-of 2024-04-30 --wide; echo rc=$? >&2")
    # Many ledgers' worth of rows, so that the writer is still writing when head has gone.
    big = tmp_path / "big"
    shutil.copytree(EXAMPLE, big)
    record = (big / "records" / "2024-04-18-jinxin-report.toml").read_text(encoding="utf-8")
    for n in range(400):
        (big / "records" / f"2024-04-19-extra-{n:03d}.toml").write_text(
            record.split("[[fixed]]")[0] + f'[[finding]]\nid = "x-{n:03d}"\ncheckpoint = "coal-duty-02"\n'
            'description = "交接班记录不全"\nlevel = "general"\n', encoding="utf-8")
    script = script.replace(str(EXAMPLE), str(big))
    done = subprocess.run(["bash", "-c", f"set -o pipefail; ({script}) | head -1"], capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.startswith("隐患编号")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert "rc=0" in done.stderr


def test_xlsx_opens_with_openpyxl_and_holds_the_csvs_rows(store, demo_cli, capsys, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    store.record("a.toml", FOUND)
    store.record("b.toml", FOUND.replace('"f-1"', '"f-5"').replace('"f-2"', '"f-6"'), unit="beta", date="2024-03-02")
    for command in (["show", str(store.root), "--as-of", "2024-03-20"],
                    ["report", str(store.root), "weekly", "--from", "2024-03-01", "--to", "2024-03-31"],
                    ["report", str(store.root), "major", "--from", "2024-03-01", "--to", "2024-03-31"]):
        assert cli.main(["ledger", *command, "--format", "csv"]) == 0
        expected = list(csv.reader(io.StringIO(capsys.readouterr().out)))
        out = tmp_path / f"{command[0]}-{command[2]}.xlsx"
        assert cli.main(["ledger", *command, "--format", "xlsx", "-o", str(out)]) == 0
        assert capsys.readouterr().out == f"已写入 {out}\n"
        book = openpyxl.load_workbook(out)
        sheet = book.worksheets[0]
        got = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert got == expected
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold
        assert sheet.column_dimensions["A"].width >= 6


def test_an_xlsx_file_says_it_was_made_on_the_ledgers_date_and_is_the_same_every_time(store, demo_cli, capsys,
                                                                                         tmp_path):
    """The workbook's 创建时间 is the ledger's date, not the moment of writing: the same ledger on the same date
    gives the same bytes (XlsxWriter alone writes the clock's time, to the second)."""
    import datetime as dt
    import time

    openpyxl = pytest.importorskip("openpyxl")
    store.record("a.toml", FOUND)
    made = []
    for n in range(2):
        if n:
            time.sleep(1.1)  # another second on the clock
        out = tmp_path / f"{n}.xlsx"
        assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "--format", "xlsx",
                         "-o", str(out)]) == 0
        made.append(out.read_bytes())
    capsys.readouterr()
    assert made[0] == made[1]
    assert openpyxl.load_workbook(tmp_path / "0.xlsx").properties.created == dt.datetime(2024, 3, 20)


# -- The worked example ------------------------------------------------------------------



def test_the_worked_example():
    for plugin in ("checkframe_general", "checkframe_coal_mine", "checkframe_pipeline"):
        pytest.importorskip(plugin)
    from checkframe.catalog import build_catalog
    from checkframe.ledger.rules import gather_ledger_rules
    from checkframe.plugins import load_plugins

    plugins = load_plugins()
    problems: list = []
    rules = gather_ledger_rules(plugins, problems)
    ledger = build_ledger(EXAMPLE, build_catalog(plugins), D(2024, 4, 30), rules=rules, cache=False)  # no cache in the repo
    assert [str(p) for p in ledger.problems + problems] == []
    states = {i: e.finding.state.value + (" overdue" if ledger.overdue(e) else "") for i, e in ledger.all_entries().items()}
    assert states == {
        "f-2024-001": "closed",             # on-site fix, rechecked and closed the same day
        "f-2024-002": "closed",             # deadline fix: failed recheck, fixed again, accepted, closed
        "f-2024-003": "accepted",           # deadline fix accepted, not yet closed
        "f-2024-010": "closed",             # major: district listed supervision and a full stop, resumed, closed
        "f-2024-011": "awaiting_recheck",   # the unit reported the fix done
        "f-2024-012": "fixing",             # major hazard the mine found itself, reported, partial stop
        "f-2024-020": "fixing",             # a deadline fix past its deadline, escalated to listed supervision
        "f-2024-021": "fixing overdue",     # an illegal operation: stopped and fined, its deadline fix overdue
    }
    assert [r.passed for r in ledger.entry("f-2024-002").finding.rechecks] == [False, True]
    fan = ledger.entry("f-2024-010").finding
    assert (fan.stop.kind, fan.stop.scope.value, fan.resumption.applied, fan.resumption.inspected,
            fan.approver) == ("coal_production_stop", "full", D(2024, 4, 10), D(2024, 4, 25), "赵能（区能源局局长）")
    self_found = ledger.entry("f-2024-012").finding
    assert (self_found.source.label, self_found.reported_to, self_found.stop.scope.label) == (
        "自查", "区能源局", "局部停产停业")
    escalated = ledger.entry("f-2024-020").finding
    assert (escalated.level.value, escalated.remediation.category, escalated.escalated[0][0]) == (
        "major", "listed_supervision", D(2024, 4, 2))
    assert ledger.late_reasons(ledger.entry("f-2024-021")) == ["超过整改期限2024-04-20"]
    # 附件5's 处理措施: a stop under another route is its own part; a route that is the stop itself is named once.
    from checkframe.ledger.rows import major_rows

    measures = {row["隐患编号"]: row["处理措施"]
                for row in major_rows(ledger, build_catalog(plugins), D(2024, 3, 1), D(2024, 4, 30), ledger.stop_names)}
    assert measures["f-2024-010"].endswith("区安委督〔2024〕2号；停产整顿（全部停产停业），2024-04-25验收同意恢复生产")
    assert measures["f-2024-012"] == (
        "停产整顿（部门督办，局部停产停业）：重新核定劳动定员，调整作业组织，撤出超员人员，期限2024-05-15")
