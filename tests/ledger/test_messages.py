"""The words of problems: English for plugin authors (the catalog), Chinese for clerks (the ledger and inspect).

The converter is shared, so the same mistake in a content file and in a record is worded for each reader; every
problem line that a ledger or inspect command prints is Chinese, names its file and fits one line.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pytest

import checkframe.cli as cli
from checkframe.catalog import build_catalog
from checkframe.cli import common
from checkframe.errors import ContentError
from checkframe.ledger.records import read_record
from checkframe.messages import CHINESE, ENGLISH, Message, Shown, chinese_where, say
from checkframe.plugins import ENV_ALLOWLIST, load_plugins
from stores import CATALOG, FOUND, Store

D = dt.date

#: Words that betray an English sentence (or a Python repr) on a line a clerk reads.
ENGLISH_WORDS = re.compile(r"\b(expected|unknown key|unknown|got|problems? found|nothing was written|Invalid|"
                           r"invalid|cannot|did you mean|finding '|error:|required key|is before|needs)\b")
CHINESE_TEXT = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def demo_cli(monkeypatch):
    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))


# -- One converter, two readers ------------------------------------------------------------------------------------


def test_a_content_file_is_told_in_english_and_a_record_in_chinese(content, tmp_path):
    """The same mistakes (a bad enum, a number for a text, an unknown key) in a checkpoint and in a record."""
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "big"\nbogus = 1')
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', "title = 3")
    plugins = load_plugins(environ={ENV_ALLOWLIST: ""}, extra={"demo": content.plugin()})
    with pytest.raises(ContentError) as info:
        build_catalog(plugins)
    english = [str(p) for p in info.value.problems]
    assert english == [
        'demo: checkpoints/01-gas.toml:8: [[checkpoint]] demo-gas-01, title: expected a string (got 3); 3 is a number; '
        'write "3" in quotes',
        'demo: checkpoints/01-gas.toml:22: [[checkpoint]] demo-gas-02, level: expected one of general, major (got "big")',
        "demo: checkpoints/01-gas.toml:23: [[checkpoint]] demo-gas-02, bogus: unknown key; expected one of id, title, "
        "what, how, level, basis, remediation, scope, note",
    ]
    store = Store(tmp_path / "ledger")
    path = store.record("a.toml", FOUND.replace('level = "general"', 'level = "big"\nbogus = 1')
                        .replace('description = "瓦斯检查员无证上岗"', "description = 3"))
    problems: list = []
    assert read_record(path, "records/a.toml", problems) is None
    assert [str(p) for p in problems] == [
        'records/a.toml：第1个 [[finding]] 的 description 应为文字（现为 3）；3 不加引号是数字，作为文字请加引号，写成 "3"',
        'records/a.toml：第1个 [[finding]] 的 level 应为 general（一般事故隐患）或 major（重大事故隐患）之一（现为 "big"）',
        "records/a.toml：第1个 [[finding]] 中有未知的键 bogus；可用的键：id、checkpoint、description、level、evidence、"
        "remediation、source、kind、level_reason、enforcement、stop、reported_to",
    ]
    # The key paths stay the developers' for programs, whatever the words.
    assert [p.path for p in problems] == ["$.finding[0].description", "$.finding[0].level", "$.finding[0].bogus"]


def test_a_message_is_english_by_default_and_chinese_when_asked():
    message = Message("date", got=Shown("2024-13-01"))
    assert str(message) == say(message, ENGLISH) == 'expected a date such as 2024-03-01 (got "2024-13-01")'
    assert say(message, CHINESE) == '应为日期，如 2024-03-01（现为 "2024-13-01"）'


@pytest.mark.parametrize(("segments", "where"), [
    ((), ""),
    (("date",), "date"),
    (("finding", 1), "第2个 [[finding]]"),
    (("finding", 1, "remediation", "deadline"), "第2个 [[finding]] 的 remediation.deadline"),
    (("item", 3, "mark"), "item 第4项的 mark"),
    (("inspectors", 0), "inspectors 第1项"),
    (("finding", 0, "enforcement", "measures", 1), "第1个 [[finding]] 的 enforcement.measures 第2项"),
    (("staff", "total"), "staff.total"),
    (("note", 0, 1), "note 第1项的第2项"),  # an array in an array: no name, no space before its index
    (("note", *[0] * 7), "note 第1项的第1项的第1项的第1项的第1项的第1项的第1项"),
    # Deeper: its first keys, its last and its depth, not 第1项的 64 times.
    (("note", *[0] * 99), "note 第1项的第1项……第1项（共嵌套 100 层）"),
    (("finding", 0, *["a"] * 8, "b"), "第1个 [[finding]] 的 a……b（共嵌套 11 层）"),
])
def test_where_a_key_is_said_as_the_file_reads(segments, where):
    assert chinese_where(segments, {"finding"}) == where


def test_a_value_nested_too_deep_is_told_in_one_short_line(tmp_path, demo_cli, capsys):
    store = Store(tmp_path / "ledger")
    store.record("a.toml", "note = " + "[" * 100 + "1" + "]" * 100 + "\n")
    assert cli.main(["ledger", "show", str(store.root)]) == 1
    [line, _] = capsys.readouterr().err.splitlines()
    assert line == "错误：records/a.toml 第7行：note 第1项的第1项……第1项嵌套超过 64 层；最多嵌套 64 层", line


# -- Every problem of the ledger's and inspect's commands: Chinese, one line each, naming its file --------------------

#: Records with one kind of mistake each: (file name, body after the record's head, or the whole text).
BROKEN_RECORDS = {
    "types.toml": 'inspectors = "张三"\nnote = 3\n',
    "datetime.toml": None,  # written whole below: a date and time for the date
    "keys.toml": "colour = 1\n" + FOUND.replace('measures = "持证上岗"', 'measures = "持证上岗"\nbogus = 1'),
    "enums.toml": FOUND.replace('level = "general"', 'level = "big"')
                       .replace('supervision_level = "district"', 'supervision_level = "city"')
                  + '[[item]]\ncheckpoint = "demo-gas-01"\nmark = "yes"\n',
    "dates.toml": FOUND.replace("deadline = 2024-03-15", 'deadline = "soon"'),
    "syntax.toml": None,  # not TOML
    "newline.toml": None,  # a string left open at the end of its line
    "ids.toml": FOUND.replace('id = "f-1"', 'id = "F 1"'),
    "float.toml": '[[finding]]\nid = "f-30"\ncheckpoint = "demo-gas-02"\ndescription = "x"\nlevel = "general"\n'
                  'kind = "illegal"\nenforcement = { measures = ["fine"], fine = "lots" }\n',
    "recheck-stranger.toml": '[[recheck]]\nfinding = "f-none"\nresult = "passed"\n',
    "close-early.toml": FOUND.replace('id = "f-1"', 'id = "f-10"').replace('id = "f-2"', 'id = "f-20"')
                        + '[[close]]\nfinding = "f-10"\n',
    "missing-order.toml": FOUND.replace('id = "f-1"', 'id = "f-11"').replace('id = "f-2"', 'id = "f-21"')
                          .replace('order_number = "〔2024〕3号"\n', ""),
    "twice-a.toml": FOUND.replace('id = "f-1"', 'id = "f-12"').replace('id = "f-2"', 'id = "f-22"'),
    "twice-b.toml": FOUND.replace('id = "f-1"', 'id = "f-12"').replace('id = "f-2"', 'id = "f-23"'),
    "references.toml": '[[item]]\ncheckpoint = "demo-gas-9"\nmark = "ok"\n',
}


def broken_store(tmp_path) -> Store:
    store = Store(tmp_path / "ledger", jobs=1)
    for name, body in BROKEN_RECORDS.items():
        if body is not None:
            store.record(name, body)
    records = store.root / "records"
    (records / "datetime.toml").write_text('unit = "acme"\ndate = 2024-03-01T10:00:00\nkind = "supervision"\n'
                                           'checklist = "demo-self"\n', encoding="utf-8")
    (records / "syntax.toml").write_text("unit = \n", encoding="utf-8")
    (records / "newline.toml").write_text('unit = "acme\n', encoding="utf-8")
    (records / "latin1.toml").write_bytes(b"unit = 'acme'\nnote = '\xb0'\n")
    (records / "missing.toml").write_text('unit = "acme"\ndate = 2024-03-01\nkind = "supervisio"\n', encoding="utf-8")
    store.unit("gamma", "x", "y", text='name = "x"\ntownship = "y"\nsector = "demo"\n[staff]\ntotal = "many"\n')
    store.unit("epsilon", "x", "y", text='name = "x"\ntownship = "y"\nsector = "dem"\n')
    store.unit("Bad Name", "x", "y")
    store.unit("delta", "x", "y", text='name = "x"\ntownship = "y\nsector = "demo"\n')
    return store


def assert_chinese_lines(err: str, count: int | None = None) -> list[str]:
    lines = err.splitlines()
    problems, last = lines[:-1], lines[-1]
    assert problems, err
    for line in problems:
        assert line.startswith("错误："), line
        assert CHINESE_TEXT.search(line.removeprefix("错误：")), line
        assert not ENGLISH_WORDS.search(line), line
        assert "Traceback" not in line and "$." not in line and "\\x" not in line, line
    assert CHINESE_TEXT.search(last) and not ENGLISH_WORDS.search(last), last
    if count is not None:
        assert len(problems) == count, err
    return problems


def test_every_problem_of_a_broken_ledger_is_one_chinese_line_naming_its_file(tmp_path, demo_cli, capsys):
    store = broken_store(tmp_path)
    files = {f"records/{name}" for name in BROKEN_RECORDS} | {
        "records/latin1.toml", "records/missing.toml", "units/gamma.toml", "units/epsilon.toml", "units/Bad Name.toml",
        "units/delta.toml"}
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-31"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    problems = assert_chinese_lines(err)
    assert err.splitlines()[-1] == f"checkframe：共 {len(problems)} 处问题，未写入任何文件。"
    named = set()
    for line in problems:
        file = next((f for f in files if re.match(f"错误：{re.escape(f)}(?: 第[0-9]+行)?：", line)), None)
        assert file is not None, line
        named.add(file)
    # Each file with a mistake is reported (twice-a is the first claim, so it is right), every kind of mistake said.
    assert named == files - {"records/twice-a.toml"}
    text = "\n".join(problems)
    for words in ("inspectors 应为数组", "note 应为文字", "date 应为日期，如 2024-03-01（现为日期时间 2024-03-01 10:00:00）",
                  "本文件中有未知的键 colour", "remediation 中有未知的键 bogus", "level 应为 general（一般事故隐患）",
                  'supervision_level 应为 district（区级）、department（部门）或 township（镇（街道））之一（现为 "city"）',
                  'item 第1项的 mark 应为', 'remediation.deadline 应为日期，如 2024-03-01（现为 "soon"）',
                  "不是有效的 TOML 文件，第1行第8列", "文字缺少结尾的引号", "不是 UTF-8 编码的文字",
                  "本文件中缺少必填的键 checklist", 'kind 应为 self_inspection（自查）或 supervision（督导检查）之一',
                  '第1个 [[finding]] 的 id 须由小写字母', 'enforcement.fine 应为数字（现为 "lots"）',
                  '第1个 [[recheck]] 的 finding 为 "f-none"，台账中没有这项隐患',
                  '第1个 [[close]]：隐患 "f-10" 现为“整改中”，不能销号（须为“已验收”）',
                  "限期整改（deadline）须填写 order_number（指令书编号）", '隐患编号 "f-12" 已记录在 records/twice-a.toml',
                  'checkpoint 为 "demo-gas-9"，没有这个检查项；是否想写 "demo-gas-02"？',
                  'sector 为 "dem"，没有这个行业领域', 'staff.total 应为整数（现为 "many"）', "文件名就是单位编号"):
        assert words in text, words


@pytest.mark.parametrize("command", [
    ["ledger", "report", "{root}", "weekly", "--from", "2024-03-01", "--to", "2024-03-31"],
    ["ledger", "report", "{root}", "major", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "csv"],
    ["ledger", "forms", "{root}", "{out}", "--from", "2024-03-01", "--to", "2024-03-31"],
    ["inspect", "recheck", "{root}/records/close-early.toml", "--date", "2024-03-20"],
])
def test_the_other_commands_say_the_same_problems_in_chinese(tmp_path, demo_cli, capsys, command):
    store = broken_store(tmp_path)
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20"]) == 1
    expected = capsys.readouterr().err
    args = [a.replace("{root}", str(store.root)).replace("{out}", str(tmp_path / "out")) for a in command]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert_chinese_lines(err)
    assert err == expected


@pytest.mark.parametrize(("args", "words"), [
    (["inspect", "new", "--checklist", "demo-slef", "--unit", "acme"], '没有检查表 "demo-slef"'),
    (["inspect", "new", "--checklist", "demo-self", "--unit", "Acme"], "--unit 须由小写字母"),
    (["inspect", "new", "--checklist", "demo-self", "--unit", "acne"], '台账中没有单位 "acne"'),
    (["inspect", "recheck", "{root}/notes.txt"], "没有检查记录"),
    (["inspect", "recheck", "{root}/records/a.toml", "--date", "2024-02-01"], "回查日期 2024-02-01 不能早于"),
    (["ledger", "show", "{root}/nope"], "没有台账文件夹"),
    (["ledger", "show", "{root}/units"], "中没有 records/ 文件夹"),
    (["inspect", "recheck", "{root}/records"], "是文件夹，不是检查记录"),
    (["inspect", "import", "{root}/units", "--dir", "{root}"], "这是文件夹，不是检查记录"),
    (["ledger", "show", "{root}", "-o", "{root}"], "这是一个文件夹"),
    (["ledger", "forms", "{root}", "{root}/units", "--from", "2024-03-01", "--to", "2024-03-31"],
     "它在台账的 units/ 文件夹中，写入会改动台账"),
    (["ledger", "forms", "{root}", "{root}/notes", "--from", "2024-03-01", "--to", "2024-03-31"], "不是空文件夹"),
    # Over a record, or a new file among them: the next run would read it as one.
    (["ledger", "show", "{root}", "--format", "csv", "-o", "{root}/records/a.toml"], "它在台账的 records/ 文件夹中"),
    (["ledger", "show", "{root}", "--format", "csv", "-o", "{root}/records/new.toml"], "它在台账的 records/ 文件夹中"),
    (["ledger", "report", "{root}", "weekly", "--from", "2024-03-01", "--to", "2024-03-31", "-o",
      "{root}/units/acme.toml"], "它在台账的 units/ 文件夹中"),
])
def test_a_request_that_cannot_be_met_is_one_chinese_line(tmp_path, demo_cli, capsys, args, words):
    store = Store(tmp_path / "ledger", jobs=1)
    store.record("a.toml", FOUND)
    (store.root / "notes").mkdir()
    (store.root / "notes" / "todo.txt").write_text("not a forms folder", encoding="utf-8")
    before = {p: p.read_bytes() for p in store.root.rglob("*") if p.is_file() and ".checkframe-cache" not in p.parts}
    filled = [a.replace("{root}", str(store.root)) for a in args]
    if filled[:2] == ["inspect", "new"]:
        filled += ["--dir", str(store.root)]
    assert cli.main(filled) == 1
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0].startswith("错误：") and words in lines[0], err
    for line in lines:
        assert CHINESE_TEXT.search(line) and not ENGLISH_WORDS.search(line), line
    assert {p: p.read_bytes() for p in store.root.rglob("*") if p.is_file() and ".checkframe-cache" not in p.parts} == \
        before


def test_an_import_of_broken_files_is_refused_in_chinese(tmp_path, demo_cli, capsys):
    store = Store(tmp_path / "ledger", jobs=1)
    bad = tmp_path / "2024-03-01-acme-demo-self.toml"
    bad.write_text('unit = "acme"\ndate = "2024-13-01"\nkind = "supervision"\nchecklist = "demo-self"\ncolour = 1\n',
                   encoding="utf-8")
    syntax = tmp_path / "2024-03-02-acme-demo-self.toml"
    syntax.write_text("unit = \n", encoding="utf-8")
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK not really")
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as two:
        two.writestr("a.toml", "")
        two.writestr("b.toml", "")
    assert cli.main(["inspect", "import", str(bad), str(syntax), str(archive), str(tmp_path / "two.zip"),
                     str(tmp_path / "missing.toml"), "--dir", str(store.root)]) == 1
    err = capsys.readouterr().err
    problems = assert_chinese_lines(err, 6)
    assert err.splitlines()[-1] == "checkframe：共 6 处问题，所有文件均未导入，台账未作改动。"
    for line, file in zip(problems, [bad.name, bad.name, syntax.name, "broken.zip", "two.zip", "missing.toml"],
                          strict=True):
        assert re.match(rf"错误：{re.escape(file)}( 第\d+行)?：", line), line
    assert re.match(rf"错误：{re.escape(bad.name)} 第2行：date 应为日期", problems[0]), problems[0]  # its line told


def test_an_interrupted_ledger_command_says_so_in_chinese(tmp_path, demo_cli, capsys, monkeypatch):
    from checkframe.cli import ledger_commands

    def interrupted(args, as_of):
        raise KeyboardInterrupt

    monkeypatch.setattr(ledger_commands, "_replay", interrupted)
    assert cli.main(["ledger", "show", str(tmp_path)]) == common.EXIT_INTERRUPTED
    assert capsys.readouterr().err == "checkframe：已中断，未作任何改动。\n"


def test_the_commands_name_the_line_of_each_problem_also_for_records_read_from_the_cache(tmp_path, demo_cli, capsys):
    store = Store(tmp_path / "ledger")
    store.record("a.toml", FOUND + '\n[[close]]\nfinding = "f-2"\n')
    runs = []
    for _ in range(2):  # the second run takes a.toml from the ledger's cache: it is not read, but its line is told
        assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-31"]) == 1
        runs.append(capsys.readouterr().err.splitlines())
    assert runs[0] == runs[1]
    lines = (store.root / "records" / "a.toml").read_text(encoding="utf-8").splitlines()
    close = next(i for i, line in enumerate(lines, 1) if line == "[[close]]")
    assert runs[0][0].startswith(f"错误：records/a.toml 第{close}行：第1个 [[close]]："), runs[0]
    # The ledger itself keeps the key path, for programs; only the commands' lines carry the line.
    from checkframe.ledger.ledger import build_ledger

    problem = build_ledger(store.root, CATALOG, dt.date(2024, 3, 31)).problems[0]
    assert (problem.line, problem.path) == (0, "$.close[0]")


def test_a_value_of_millions_of_characters_is_quoted_cut(tmp_path, demo_cli, capsys):
    """A description pasted into level, 3 million characters: its line held all of them (and took seconds to
    place and to find no near name for); now the first 80 and an ellipsis."""
    store = Store(tmp_path / "ledger")
    store.record("a.toml", FOUND.replace('level = "general"', 'level = "' + "隐" * 3_000_000 + '"', 1))
    assert cli.main(["ledger", "show", str(store.root)]) == 1
    [line, _] = capsys.readouterr().err.splitlines()
    assert line.endswith("的 level 应为 general（一般事故隐患）或 major（重大事故隐患）之一（现为 \"" + "隐" * 80 + "\"…）")
    assert len(line) < 200
