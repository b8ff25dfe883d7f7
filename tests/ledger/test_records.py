"""Records and units as TOML files; ``checkframe inspect new`` and ``checkframe inspect recheck``."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import attrs
import pytest

import checkframe.cli as cli
from checkframe.cli import common
from checkframe.ledger.records import Mark, RecheckResult, Record, Staff, Unit, _loads, read_record, read_unit
from checkframe.util.reading import ReadError, loads_toml
from stores import CATALOG, FOUND, Store

D = dt.date


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "ledger")


@pytest.fixture(autouse=True)
def demo_cli(monkeypatch):
    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))


def test_a_unit_registration_reads_with_every_field(tmp_path):
    path = tmp_path / "acme.toml"
    path.write_text("""
name = "恒泰五金"
township = "北石店镇"
sector = "demo"
registration_number = "91140502MA0XXXXX1A"
licences = ["营业执照"]
principal = "赵恒"
principal_phone = "0356-0000001"
[staff]
total = 46
safety = 2
""", encoding="utf-8")
    problems: list = []
    unit = read_unit(path, "units/acme.toml", problems)
    assert problems == []
    # A count not given is None: left blank on 附件1, not printed as 0.
    assert (unit.name, unit.licences, unit.staff.total, unit.staff.temporary) == ("恒泰五金", ("营业执照",), 46, None)


def test_unit_mistakes_one_line_each(tmp_path):
    path = tmp_path / "acme.toml"
    path.write_text('name = "x"\nsector = "demo"\nprincipal_phon = "1"\n', encoding="utf-8")
    problems: list = []
    assert read_unit(path, "units/acme.toml", problems) is None
    assert [str(p) for p in problems] == [
        "units/acme.toml：本文件中缺少必填的键 township",
        "units/acme.toml：本文件中有未知的键 principal_phon；是否想写 \"principal_phone\"？",
    ]


def test_marks_and_results_as_written(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text("""
unit = "acme"
date = 2024-03-01
kind = "self_inspection"
checklist = "demo-self"
item = [
    { checkpoint = "demo-gas-01", mark = "ok" },
    { checkpoint = "demo-gas-02", mark = "fixing" },
    { checkpoint = "demo-gas-03", mark = "fail" },
    { checkpoint = "demo-gas-04", mark = "" },
]
[[recheck]]
finding = "f-1"
result = "failed"
""", encoding="utf-8")
    record = read_record(path, "records/a.toml", [])
    assert [i.mark for i in record.item] == [Mark.OK, Mark.FIXING, Mark.FAIL, Mark.NOT_APPLICABLE]
    assert [m.label for m in Mark] == ["√", "0", "×", ""]
    assert record.recheck[0].result is RecheckResult.FAILED
    assert record.recheck[0].date is None  # the record's date applies


# -- inspect new -------------------------------------------------------------------------


def test_inspect_new_lists_every_checkpoint_with_a_blank_mark(store, capsys):
    assert cli.main(["inspect", "new", "--checklist", "demo-self", "--unit", "acme",
                     "--dir", str(store.root), "--date", "2024-03-01"]) == 0
    path = store.root / "records" / "2024-03-01-acme-demo-self.toml"
    assert capsys.readouterr().out == f"已写入 {path.as_posix()}\n"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# 检查记录：")
    comments = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert not re.search(r"\b(?:the|it|by hand|add|found|unique|Moves|record)\b", comments), comments  # for clerks
    data = tomllib.loads(text)
    assert data["item"] == [
        {"checkpoint": "demo-gas-01", "title": "瓦斯检查", "mark": ""},
        {"checkpoint": "demo-gas-02", "title": "瓦斯检查员持证", "mark": ""},
    ]
    assert (data["unit"], data["date"], data["kind"], data["checklist"]) == (
        "acme", D(2024, 3, 1), "self_inspection", "demo-self")
    # As written it is a valid, empty record; with a finding appended by hand it is on the ledger.
    assert store.states() == {}
    path.write_text(text + FOUND, encoding="utf-8")
    # f-2 is a major hazard the unit found itself and has not reported (安全生产法 第四十一条第二款).
    assert store.states() == {"f-1": "fixing overdue", "f-2": "fixing overdue"}


def test_inspect_new_never_overwrites(store, capsys):
    args = ["inspect", "new", "--checklist", "demo-self", "--unit", "acme", "--dir", str(store.root),
            "--date", "2024-03-01"]
    assert cli.main(args) == 0
    path = store.root / "records" / "2024-03-01-acme-demo-self.toml"
    path.write_text("# filled in\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(args) == 1
    assert capsys.readouterr().err == (
        f"错误：{path.as_posix()} 已存在；检查记录不会被覆盖，请先将它改名或删除\n"
    )
    assert path.read_text(encoding="utf-8") == "# filled in\n"


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--checklist", "demo-slef", '没有检查表 "demo-slef"；是否想写 "demo-self"？'),
    ("--unit", "acne", '台账中没有单位 "acne"（没有 {root}/units/acne.toml，请先在那里登记该单位）；是否想写 "acme"？'),
])
def test_inspect_new_refuses_unknown_names(store, capsys, option, value, message):
    args = {"--checklist": "demo-self", "--unit": "acme", option: value}
    assert cli.main(["inspect", "new", *[x for kv in args.items() for x in kv], "--dir", str(store.root)]) == 1
    assert capsys.readouterr().err == f"错误：{message.format(root=store.root.as_posix())}\n"
    assert list((store.root / "records").iterdir()) == []


# -- inspect recheck ---------------------------------------------------------------------

THREE = FOUND + """
[[finding]]
id = "f-3"
checkpoint = "demo-gas-02"
description = "现场整改"
level = "general"
remediation = { category = "on_site" }

[[fixed]]
finding = "f-3"

[[recheck]]
finding = "f-3"
result = "passed"
"""


def test_inspect_recheck_carries_only_the_unresolved_findings(store, capsys):
    first = store.record("2024-03-01-acme-demo-self.toml", THREE)
    store.record("b.toml", '[[fixed]]\nfinding = "f-2"\n', date="2024-03-05")
    assert cli.main(["inspect", "recheck", str(first), "--date", "2024-03-10"]) == 0
    path = store.root / "records" / "2024-03-10-acme-recheck.toml"
    assert capsys.readouterr().out == f"已写入 {path.as_posix()}\n"
    assert path.read_text(encoding="utf-8").startswith("# 回查记录：逐项隐患填写 result")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["follows"] == "2024-03-01-acme-demo-self.toml"
    assert (data["unit"], data["date"], data["checklist"], data["checking_unit"]) == (
        "acme", D(2024, 3, 10), "demo-self", "区应急管理局")
    assert data["recheck"] == [  # f-3 was accepted on the spot: not rechecked again
        {"finding": "f-1", "about": "demo-gas-02 瓦斯检查员持证：瓦斯检查员无证上岗（整改中）", "result": "", "by": ""},
        {"finding": "f-2", "about": "demo-gas-01 瓦斯检查：瓦斯漏检（待回查）", "result": "", "by": ""},
    ]
    # ... but its close-out is there, commented out: nothing is struck off the ledger that nobody approved.
    assert "close" not in data
    assert path.read_text(encoding="utf-8").endswith(
        "\n# demo-gas-02 瓦斯检查员持证：现场整改（已验收）\n# [[close]]\n# finding = \"f-3\"\n# approver = \"\"\n")
    # Filled in, it moves the findings on; the close-out taken in closes f-3.
    text = path.read_text(encoding="utf-8").replace('result = ""', 'result = "passed"')
    path.write_text(text + '\n[[fixed]]\nfinding = "f-1"\n', encoding="utf-8")
    assert store.states() == {"f-1": "accepted", "f-2": "accepted", "f-3": "accepted"}
    assert isinstance(read_record(path, "x", []), Record)
    path.write_text(path.read_text(encoding="utf-8").replace("# [[close]]", "[[close]]").replace(
        '# finding = "f-3"', 'finding = "f-3"'), encoding="utf-8")
    assert store.states() == {"f-1": "accepted", "f-2": "accepted", "f-3": "closed"}


def test_inspect_recheck_refusals(store, capsys):
    first = store.record("2024-03-01-acme-demo-self.toml", THREE.split("[[finding]]\nid = \"f-3\"")[0])
    assert cli.main(["inspect", "recheck", str(first), "--date", "2024-02-01"]) == 1
    assert capsys.readouterr().err == (
        "错误：回查日期 2024-02-01 不能早于 2024-03-01-acme-demo-self.toml 的检查日期 2024-03-01\n")
    assert cli.main(["inspect", "recheck", str(first), "--date", "2024-03-10"]) == 0
    capsys.readouterr()
    path = store.root / "records" / "2024-03-10-acme-recheck.toml"
    assert cli.main(["inspect", "recheck", str(first), "--date", "2024-03-10"]) == 1
    assert capsys.readouterr().err == (
        f"错误：{path.as_posix()} 已存在；检查记录不会被覆盖，请先将它改名或删除\n")
    done = store.record("2024-03-01-beta.toml", THREE.split("[[finding]]")[0] + "[[finding]]" + THREE.split(
        "[[finding]]")[3], unit="beta")
    assert cli.main(["inspect", "recheck", str(done), "--date", "2024-03-10"]) == 1
    assert capsys.readouterr().err == (  # accepted is not closed: the clerk is told what is left
        "错误：无需回查：2024-03-01-beta.toml 中的隐患到 2024-03-10 都已验收；尚未销号的 f-3（瓦斯检查员持证："
        "现场整改），审核把关后在检查记录中写 [[close]] finding = \"隐患编号\" 销号（重大事故隐患还须写"
        " approver = \"审核人\"）\n")
    store.record("2024-03-02-beta.toml", '[[close]]\nfinding = "f-3"\n', unit="beta", date="2024-03-02")
    assert cli.main(["inspect", "recheck", str(done), "--date", "2024-03-10"]) == 1
    assert capsys.readouterr().err == "错误：无需回查：2024-03-01-beta.toml 中的隐患到 2024-03-10 都已销号\n"
    outside = store.root / "a.toml"
    outside.write_text("", encoding="utf-8")
    assert cli.main(["inspect", "recheck", str(outside)]) == 1
    assert capsys.readouterr().err == f"错误：{outside.as_posix()} 不在台账的 records/ 文件夹中\n"


def test_inspect_recheck_needs_a_clean_ledger(store, capsys):
    first = store.record("2024-03-01-acme-demo-self.toml", FOUND)
    store.record("b.toml", '[[close]]\nfinding = "f-2"\n', date="2024-03-05")
    assert cli.main(["inspect", "recheck", str(first), "--date", "2024-03-10"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "错误：records/b.toml 第7行：第1个 [[close]]：隐患 \"f-2\" 现为“整改中”，不能销号（须为“已验收”）；"
        "请先记单位报告整改完成（[[fixed]] finding = \"f-2\"，日期不晚于此项），"
        "再记回查合格（[[recheck]] finding = \"f-2\"，result = \"passed\"）",
        "checkframe：共 1 处问题，未写入任何文件。",
    ]
    assert sorted(p.name for p in (store.root / "records").iterdir()) == ["2024-03-01-acme-demo-self.toml", "b.toml"]


# -- The checkpoint rows, read directly --------------------------------------------------------

ROWS = """\
unit = "acme"
date = 2024-03-01
kind = "supervision"
checklist = "demo-self"
item = [
    { checkpoint = "demo-gas-01", title = "瓦斯检查", mark = "ok" },
    { checkpoint = "demo-gas-02", title = "持证上岗", mark = "fail" },
]

[[finding]]
id = "f-1"
"""


@pytest.mark.parametrize("text", [
    ROWS,
    ROWS.replace("},\n]", "}\n]"),                                       # no trailing comma
    ROWS.replace('mark = "fail"', 'mark = "yes"'),                       # a wrong mark is the converter's to report
    ROWS.replace('"持证上岗"', '"持证\\"上岗\\""'),                       # an escape: the parser's
    ROWS.replace("    { checkpoint", "  {checkpoint"),                   # another layout: the parser's
    ROWS.replace('unit = "acme"', '[meta]\nunit = "acme"'),              # not at the top level: the parser's
    ROWS.replace('kind = "supervision"', 'kind = """\nsupervision"""'),  # a multi-line string: the parser's
    ROWS.replace("item = [\n", "item = [\n]\nother = [\n"),             # an empty array
], ids=["as-written", "no-trailing-comma", "wrong-mark", "escape", "other-layout", "in-a-table", "multi-line-string",
        "empty"])
def test_rows_read_directly_mean_what_the_parser_reads(text):
    assert _loads(text) == tomllib.loads(text)


@pytest.mark.parametrize("broken", [
    ROWS.replace("]\n\n[[finding]]", "]\nunit = 2\n[[finding]]"),    # a duplicate key after the rows
    ROWS.replace("]\n\n[[finding]]", "]\nitem = []\n[[finding]]"),   # the rows twice
    ROWS.replace('id = "f-1"', 'id = '),               # a bad value after the rows, same line and column
    ROWS.replace("]\n\n[[finding]]", "] x\n"),        # junk after the closing bracket
    ROWS.replace("date = 2024-03-01", "date = 2024-03-01x"),
], ids=["duplicate-key", "rows-twice", "bad-value", "junk-after-rows", "bad-date"])
def test_toml_errors_are_the_parsers_own(broken):
    with pytest.raises(tomllib.TOMLDecodeError) as expected:
        tomllib.loads(broken)
    with pytest.raises(ReadError) as got:
        _loads(broken)
    with pytest.raises(ReadError) as read:
        loads_toml(broken)
    assert got.value.message == read.value.message  # the parser's words, with the same hint
    assert got.value.message.startswith(f"invalid TOML: {expected.value}")


def test_the_guide_names_every_key_of_a_unit_registration(tmp_path):
    """records.md's table of units/*.toml: every field of Unit and Staff, and its example reads."""
    guide = (Path(cli.__file__).parent.parent / "guide" / "records.md").read_text(encoding="utf-8")
    section = guide.split("## 单位登记", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("| `")]
    named = {key for line in table for key in re.findall(r"`([a-z_\[\]]+)`", line.split("|")[1])}
    assert named == {a.name for a in attrs.fields(Unit) if a.name != "staff"} | {"[staff]"}
    staff_row = next(line for line in table if line.startswith("| `[staff]`"))
    assert set(re.findall(r"`([a-z]+)` ", staff_row)) == {a.name for a in attrs.fields(Staff)}
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "jinxin.toml").write_text(example, encoding="utf-8")
    problems: list = []
    unit = read_unit(tmp_path / "jinxin.toml", "units/jinxin.toml", problems)
    assert problems == [] and unit is not None and (unit.name, unit.staff.total) == ("晋城市金鑫煤业有限公司", 820)
