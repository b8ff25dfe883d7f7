"""The command line: exit codes, one line per problem, no traceback, export round trip."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import checkframe.cli as cli
from checkframe.catalog import catalog_from_json, catalog_to_json
from checkframe.cli import common
from checkframe.plugins import ENV_ALLOWLIST
from doubles import catalog_of


@pytest.fixture
def only_builtins(monkeypatch):
    monkeypatch.setenv(ENV_ALLOWLIST, "")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checkframe", *args], capture_output=True, text=True)


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("checkframe ")


def test_usage_error_exits_2():
    result = run("no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "did you mean" not in result.stderr  # nothing is near it


@pytest.mark.parametrize(("command", "last"), [
    (["valdate"], "checkframe: error: argument COMMAND: invalid choice: 'valdate' (choose from 'plugins', "),
    (["ledgr", "show"], 'checkframe 用法有误：没有命令 "ledgr"；是否想写 "ledger"？'),
    (["inspect", "nwe"],
     'checkframe inspect 用法有误：STEP 的取值 "nwe" 无效（可选：new、recheck、import）；是否想写 "new"？'),
    (["ledger", "show", "x", "--by", "sectr"],
     'checkframe ledger show 用法有误：--by 的取值 "sectr" 无效（可选：unit、sector、township）；是否想写 "sector"？'),
])
def test_a_misspelt_command_or_choice_names_the_nearest(command, last, capsys):
    """A clerk's misspelt command is answered in Chinese too, though the top-level parser speaks English."""
    with pytest.raises(SystemExit) as info:
        cli.main(command)
    assert info.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith(last), lines
    if command == ["valdate"]:
        assert lines[-1].endswith("; did you mean 'validate'?")
    if command[0] == "ledgr":
        assert lines[-2].endswith("; did you mean 'ledger'?")


@pytest.mark.parametrize("command", [["ledger", "-h"], ["ledger", "show", "-h"], ["inspect", "new", "-h"],
                                     ["ledger", "report", "x", "weekly"]])
def test_the_clerks_commands_are_framed_in_chinese(command, capsys):
    """inspect and ledger: argparse's own words too (usage, headings, -h, the error line); build keeps English."""
    with pytest.raises(SystemExit):
        cli.main(command)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert text.startswith("用法： checkframe "), text
    for english in ("usage:", "options", "positional arguments", "show this help", "error:", "argument"):
        assert english not in text, english
    if "-h" in command:
        assert "\n选项：\n  -h, --help" in text and "显示本帮助并退出" in text
    else:
        assert text.splitlines()[-1] == "checkframe ledger report 用法有误：缺少必需的参数 --from、--to"
    with pytest.raises(SystemExit):
        cli.main(["build", "-h"])
    english = capsys.readouterr().out
    assert english.startswith("usage: checkframe build") and "options:" in english


@pytest.mark.parametrize(("command", "lines"), [
    (["inspect", "new", "--bogus", "x"], ["checkframe inspect new 用法有误：无法识别的参数 --bogus x",
                                          "checkframe inspect new 用法有误：缺少必需的参数 --checklist、--unit"]),
    (["ledger", "show", "--bogus"], ["checkframe ledger show 用法有误：无法识别的参数 --bogus",
                                     "checkframe ledger show 用法有误：缺少必需的参数 DIR"]),
    (["build", "--bogus"], ["checkframe build: error: unrecognized arguments: --bogus",
                            "checkframe build: error: the following arguments are required: PROJECT"]),
    # Another mistake on the line: what is missing is told as before, alone.
    (["inspect", "new", "--date", "soon", "--bogus"],
     ['checkframe inspect new 用法有误：--date 应为日期，如 2024-03-01（现为 "soon"）']),
])
def test_an_unknown_argument_is_told_with_the_missing_ones(command, lines, capsys):
    """argparse stops at what is missing before it looks at what is left over: --bogus came only once the
    required options were given. Now both, one line each, in the command's language."""
    with pytest.raises(SystemExit) as info:
        cli.main(command)
    assert info.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-len(lines):] == lines and "Traceback" not in "".join(err)
    assert not err[-len(lines) - 1].startswith("checkframe "), err  # the usage before them, no other line


def test_chinese_usage_lines_keep_their_next_lines_under_the_first_ones_words():
    from checkframe.cli.parser import Parser

    parser = Parser(prog="checkframe ledger show", language="zh")
    for n in range(8):
        parser.add_argument(f"--option-{n}", metavar="VALUE")
    first, second = parser.format_usage().splitlines()[:2]
    assert first.startswith("用法： checkframe ledger show [-h]")
    # 用法： is three characters and six columns wide: as wide as usage: and the space after it.
    assert len(second) - len(second.lstrip()) == len("usage: checkframe ledger show ")


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_build_jobs_must_be_a_positive_number(jobs, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["build", "site", "--jobs", jobs])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"checkframe build: error: argument --jobs: expected a number of processes, 1 or more (got '{jobs}')")


def test_validate_builtins(only_builtins, capsys):
    assert cli.main(["validate"]) == 0
    assert capsys.readouterr().out == (
        "ok: 0 sectors, 0 checkpoints, 0 checklists, 3 remediation categories from 1 plugin\n"
    )


def test_plugins_json(only_builtins, capsys):
    assert cli.main(["plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["errors"] == []
    assert data["plugins"][0]["name"] == "checkframe.builtin.remediation"
    assert data["plugins"][0]["remediation_categories"] == ["on_site", "deadline", "listed_supervision"]


def test_content_problems_exit_1_with_one_line_each(monkeypatch, content, capsys):
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "big"')
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', "title = 3")
    real = common.load_plugins
    monkeypatch.setattr(common, "load_plugins", lambda: real(environ={ENV_ALLOWLIST: ""}, extra={"demo": content.plugin()}))
    assert cli.main(["validate"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "error: demo: checkpoints/01-gas.toml:8: [[checkpoint]] demo-gas-01, title: expected a string"
        " (got 3); 3 is a number; write \"3\" in quotes",
        "error: demo: checkpoints/01-gas.toml:22: [[checkpoint]] demo-gas-02, level: "
        "expected one of general, major (got \"big\")",
        "checkframe: 2 problems found; nothing was written.",
    ]


def test_export_round_trips(content, tmp_path, monkeypatch):
    catalog = catalog_of(demo=content.plugin())
    text = catalog_to_json(catalog)
    assert catalog_from_json(text) == catalog
    assert json.loads(text)["checklists"][0]["checkpoints"] == ["demo-gas-01", "demo-gas-02"]

    real = common.load_plugins
    monkeypatch.setattr(common, "load_plugins", lambda: real(environ={ENV_ALLOWLIST: ""}, extra={"demo": content.plugin()}))
    out = tmp_path / "catalog.json"
    assert cli.main(["export", "--format", "json", "-o", str(out)]) == 0
    assert catalog_from_json(out.read_text(encoding="utf-8")) == catalog


def test_export_to_an_unwritable_path(only_builtins, tmp_path, capsys):
    target = tmp_path / "missing" / "catalog.json"
    assert cli.main(["export", "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write {target}: No such file or directory")
    assert not target.exists()


def test_reading_an_export_of_another_format():
    with pytest.raises(ValueError, match="expected an export of format 1 \\(got 7\\)"):
        catalog_from_json('{"format": 7}')


def _explode(args):
    raise RuntimeError("a bug")


@pytest.mark.parametrize("flag", [[], ["--traceback"]])
def test_unexpected_exception_exits_70_in_one_line_or_whole_with_traceback(flag, monkeypatch, capsys):
    monkeypatch.setattr(cli, "cmd_plugins", _explode)
    assert cli.main([*flag, "plugins"]) == common.EXIT_INTERNAL
    err = capsys.readouterr().err
    if flag:
        assert err.startswith("Traceback (most recent call last):")
        assert err.rstrip().endswith("RuntimeError: a bug")
    else:
        first, hint = err.splitlines()
        assert first.startswith("checkframe: internal error: RuntimeError: a bug (at ")
        assert "test_cli.py:" in first
        assert hint.startswith("hint: run the same command with checkframe --traceback")


@pytest.mark.parametrize("command", [["ledger", "report", "-h"], ["ledger", "forms", "-h"], ["inspect", "recheck", "-h"]])
def test_the_clerks_help_fits_100_columns(command, capsys, monkeypatch):
    from checkframe.util.tables import width

    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        cli.main(command)
    lines = capsys.readouterr().out.splitlines()
    assert max(width(line) for line in lines) <= 100
    assert any(width(line) > 90 for line in lines)  # long help is wrapped at the terminal's width, not far before it


def test_chinese_help_breaks_between_characters_but_not_inside_words_or_before_a_closing_mark():
    from checkframe.cli.parser import wrap_columns
    from checkframe.util.tables import width

    text = "读取记录的进程数（默认：按 $CHECKFRAME_JOBS；1 为不分进程），records/*.toml 中的每一份记录"
    for size in range(20, 60):  # the longest word, $CHECKFRAME_JOBS, takes 16
        lines = wrap_columns(text, size)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(width(line) <= size for line in lines), (size, lines)
        assert not any(line[0] in "，；）：" or line[-1] == "（" for line in lines), (size, lines)
        assert "$CHECKFRAME_JOBS" in "\n".join(lines) and "records/*.toml" in "\n".join(lines)
