"""util.reading: every way a file can be wrong is one ReadError naming where, never a traceback."""

from __future__ import annotations

import os
import re

import hypothesis
import hypothesis.strategies
import pytest

from checkframe.util.reading import (
    MAX_DEPTH,
    ReadError,
    check_data,
    check_text,
    loads_json,
    loads_toml,
    read_json,
    read_text,
    read_toml,
)


def error(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ReadError) as info:
        call(*args, **kwargs)
    return info.value.message, info.value.key


def test_a_byte_order_mark_is_skipped(tmp_path):
    (tmp_path / "a.toml").write_bytes(b"\xef\xbb\xbftitle = '\xe6\xa3\x80'\n")
    assert read_toml(tmp_path / "a.toml") == {"title": "检"}


def test_not_utf8_names_the_line(tmp_path):
    (tmp_path / "a.toml").write_bytes("a = 1\ntitle = '检'\n".encode("gbk"))
    assert error(read_text, tmp_path / "a.toml") == (
        "not UTF-8 text (byte 0xbc); save it as UTF-8", "line 2")


def test_a_folder_a_loop_a_missing_file_and_a_pipe(tmp_path):
    (tmp_path / "dir.toml").mkdir()
    (tmp_path / "loop.toml").symlink_to(tmp_path / "loop.toml")
    os.mkfifo(tmp_path / "pipe.toml")
    assert error(read_text, tmp_path / "dir.toml") == ("is a folder, not a file", "")
    assert error(read_text, tmp_path / "loop.toml") == (
        "cannot read: a symlink loop (the link points back at itself); fix or remove the link", "")
    assert error(read_text, tmp_path / "none.toml") == ("no such file (a broken symlink?)", "")
    assert error(read_text, tmp_path / "pipe.toml") == (
        "not a regular file (a device, socket or pipe); give a file", "")


def test_too_big(tmp_path):
    (tmp_path / "a.md").write_text("x" * 2000)
    assert error(read_text, tmp_path / "a.md", limit=1000) == ("too big: 2000 bytes, and the limit is 1000 bytes", "")


def test_unreadable(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    (tmp_path / "a.toml").write_text("a = 1")
    (tmp_path / "a.toml").chmod(0)
    assert error(read_text, tmp_path / "a.toml") == ("cannot read: permission denied; make it readable (chmod u+r)", "")


def test_nesting_is_limited_in_toml_and_json():
    deep = "a = " + "[" * 5000 + "]" * 5000
    assert error(loads_toml, deep) == (f"nested more than {MAX_DEPTH} levels deep; the limit is {MAX_DEPTH}", "")
    assert error(loads_json, "[" * 100_000 + "]" * 100_000)[0] == (
        f"nested more than {MAX_DEPTH} levels deep; the limit is {MAX_DEPTH}")
    just = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert loads_toml(f"a = {just}")  # 64 levels with the top table: allowed
    message, key = error(loads_toml, f"a = [{just}]")
    assert message == "nested more than 64 levels deep; the limit is 64"
    assert key == "$.a" + "[0]" * (MAX_DEPTH - 1)


def test_integers_of_thousands_of_digits():
    assert error(loads_toml, "a = " + "9" * 5000) == (
        "invalid TOML: Exceeds the limit (4300 digits) for integer string conversion; integers are 64-bit", "")
    assert error(loads_toml, "[t]\na = " + "9" * 30) == (
        "integer out of range (got 30 digits); integers are 64-bit", "$.t.a")
    assert error(loads_json, '{"a": ' + "9" * 5000 + "}") == ("an integer of 5000 digits; the limit is 20", "")
    assert loads_toml(f"a = {2**63 - 1}") == {"a": 2**63 - 1}


def test_control_characters_are_refused_with_the_key_path():
    assert error(loads_toml, 'title = "a\\u001b[31mred"') == (
        "control character U+001B in the text; remove it (only tab and newline may be written, and only where "
        "the text may have them)", "$.title")
    assert error(loads_toml, '[[checkpoint]]\nid = "x"\n[[checkpoint]]\ntitle = "a\\u0000"')[1] == "$.checkpoint[1].title"
    assert error(loads_json, '{"x": [{"t": "\\u009b2J"}]}')[1] == "$.x[0].t"
    assert error(loads_toml, 'title = "a\\rb"')[1] == "$.title"
    assert loads_toml('text = """\nline\r\n\tindented\n"""') == {"text": "line\n\tindented\n"}


def test_control_character_in_a_key():
    assert error(loads_toml, '"a\\u0007" = 1') == (
        "control character U+0007 in the text; remove it (only tab and newline may be written, and only where "
        "the text may have them) of a key", '$."a\\u0007"')


def test_check_data_gathers_every_problem():
    found = check_data({"a": "\x1b", "b": ["ok", "\x00"]})
    assert [p.key for p in found] == ["$.a", "$.b[1]"]


def test_text_files_allow_tab_and_crlf_but_no_escape():
    check_text("# 标题\r\n\tok\n")
    assert error(check_text, "# 标题\n\n\x1b]8;;http://x\x07link")[1] == "line 3"


def test_json_file(tmp_path):
    (tmp_path / "e.json").write_text('{"a": 1,}')
    assert error(read_json, tmp_path / "e.json") == (
        "not JSON (Expecting property name enclosed in double quotes at line 1)", "")


# -- The compiled reader gives loads_toml's answers ------------------------------------------------------------

_PIECES = ['a = 1\n', 'b = "x"\n', "c = 'y'\n", 'd = "\\u0001"\n', 'e = "\\t"\n', "f = [1, 2]\n", "g = {h = 1}\n",
           "[t]\n", "[[u]]\n", "[t.v]\n", "a = 2\n", "i = 99999999999999999999\n", "j = 2024-03-01\n", "k = 1.5\n",
           "l = true\n", 'm = """\nz\n"""\n', "# c\n", "= 1\n", "n = [\n", "]\n", "o = \x85\n", 'p = "\x85"\n',
           "q = [[[[1]]]]\n", 'r."s" = 1\n', "x", "\n", "{", "["]


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(hypothesis.strategies.lists(hypothesis.strategies.sampled_from(_PIECES), max_size=10))
def test_the_compiled_reader_answers_as_loads_toml(pieces):
    from checkframe.util.reading import loads_toml_fast

    def answer(loads, text):
        try:
            return loads(text)
        except ReadError as exc:
            return ("error", exc.message, exc.key)

    text = "".join(pieces)
    assert answer(loads_toml_fast, text) == answer(loads_toml, text)


def test_the_compiled_reader_refuses_deep_nesting_as_loads_toml_does():
    from checkframe.util.reading import loads_toml_fast

    for text in ("a = " + "[" * 300 + "]" * 300 + "\n", "a = " + "{b = " * 120 + "1" + "}" * 120 + "\n"):
        with pytest.raises(ReadError) as fast:
            loads_toml_fast(text)
        with pytest.raises(ReadError) as slow:
            loads_toml(text)
        assert fast.value.message == slow.value.message


@pytest.mark.parametrize(("text", "line", "date"), [
    ("date = 2024-13-01\n", 1, "2024-13-01"),  # read as the number 2024 and then more of the line
    ('kind = "x"\ndate = 2024-02-30\n', 2, "2024-02-30"),  # said to be a wrong date, without which
    ("deadline = 2024-13-01T10:00\n", 1, "2024-13-01"),
])
def test_a_date_that_is_no_day_is_said_as_such(text, line, date):
    from checkframe.messages import read_error_chinese

    with pytest.raises(ReadError) as info:
        loads_toml(text)
    found = info.value
    assert found.message.startswith(f"invalid TOML: {date} is no date (at line {line}, column ")
    said = read_error_chinese(found.code, found.values, found.message)
    assert said.startswith(f"不是有效的 TOML 文件，第{line}行") and said.endswith(
        f"：日期 {date} 不存在，应写成 2024-03-01 这样的有效日期"), said
    with pytest.raises(ReadError) as other:  # a good date with something after it is another mistake
        loads_toml("date = 2024-03-01x\n")
    assert "no date" not in other.value.message
    with pytest.raises(ReadError) as unpadded:
        loads_toml("date = 2021-9-1\n")
    assert read_error_chinese(unpadded.value.code, unpadded.value.values, unpadded.value.message).endswith(
        "：日期 2021-9-1 应写成 2021-09-01（月、日都写两位数）")


@pytest.mark.parametrize(("text", "hint"), [
    ('title = "瓦斯\n', 'close the quote, or put a text of several lines between three quotes (""")'),
    ("kind = supervision\n", 'write a text in double quotes ("煤矿")'),
    ("a = 1\na = 2\n", "a key is written twice: keep one"),
    ("items = [1, 2\n", "an array ends with ']'"),
])
def test_a_syntax_error_says_how_to_mend_it(text, hint):
    """The parser's own words, then how to mend them: authors read them as clerks read theirs in Chinese."""
    with pytest.raises(ReadError) as info:
        loads_toml(text)
    assert info.value.message.startswith("invalid TOML: ") and hint in info.value.message, info.value.message


@pytest.mark.parametrize(("text", "where"), [
    ("date = 2024-02-30\n", "（date）"),
    ('[unit]\nname = 恒泰\n', "（unit.name）"),
    ('[[finding]]\nid = "a"\n\n[[finding]]\nid = "b"\n\n[finding.remediation]\ndeadline = 2024-3-1\n',
     "（第2个 [[finding]] 的 remediation.deadline）"),
    ('# [[finding]] in a comment is no header\n[[finding]]\nremediation.deadline = 下周\n',
     "（第1个 [[finding]] 的 remediation.deadline）"),
    ('"quoted" = 2024-02-30\n', ""),  # a quoted key is not read back from the text: only the line and column
    ("a = [1, 2\n", ""),  # the parser stops at the end of the document, on no key's line
])
def test_a_syntax_error_names_the_key_its_value_belongs_to(text, where):
    """A clerk told 第8行第12列 alone must count lines; the key, as the file's other problems say it, finds it."""
    from checkframe.messages import read_error_chinese

    with pytest.raises(ReadError) as info:
        loads_toml(text)
    said = read_error_chinese(info.value.code, info.value.values, info.value.message, ["finding"])
    assert re.match(rf"不是有效的 TOML 文件，(第\d+行第\d+列|读到文件末尾时){re.escape(where)}：", said), said
