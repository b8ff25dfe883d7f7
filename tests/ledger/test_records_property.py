"""The records reader's fast path gives tomllib's answer, or tomllib's error, on every shape of record.

``records._loads`` reads the checkpoint rows as ``inspect new`` writes them with a regular expression and
leaves the rest to tomllib.  Hypothesis builds records from the pieces a person editing one by hand
produces (rows with and without their commas, comments, escapes, tabs, CRLF, keys before and after the
rows, tables, multi-line strings, a second ``item``) and compares both readers on each.
"""

from __future__ import annotations

import tomllib

from hypothesis import example, given, settings
from hypothesis import strategies as st

from checkframe.ledger import records
from checkframe.util.reading import ReadError, loads_toml

_TEXT = st.text(alphabet=st.sampled_from(list('ab安全"\\\t \'#,{}[]=')), max_size=6)


@st.composite
def _row(draw: st.DrawFn) -> str:
    checkpoint = draw(st.sampled_from(["gen-fire-01", "coal-vent-02", "", "x\\ty"]) | _TEXT)
    title = draw(st.sampled_from(["安全出口", "备用主要通风机", ""]) | _TEXT)
    mark = draw(st.sampled_from(["ok", "fail", "fixing", "", "yes"]))
    comma = draw(st.sampled_from([",", "", ", "]))
    indent = draw(st.sampled_from(["    ", "", "\t"]))
    tail = draw(st.sampled_from(["", "  ", " # 备注", "\r"]))
    spacing = draw(st.sampled_from([" ", ""]))
    return (f'{indent}{{{spacing}checkpoint = "{checkpoint}", title = "{title}", mark = "{mark}"{spacing}}}'
            f"{comma}{tail}\n")


_BEFORE = st.sampled_from([
    "", 'note = ""\n', 'inspectors = ["王检", "陈查"]\n', 'inspectors = [\n  "王检",\n]\n', "[extra]\n",
    'note = """\nitem = [\n"""\n', "note = '''x'''\n", "colour = 1\n", "item = 1\n", "x = [\n", 'unit = "a" # c\n',
])
_AFTER = st.sampled_from([
    "", "\n[[finding]]\nid = \"f-1\"\n", "item = []\n", "[[item]]\ncheckpoint = \"a\"\n", "note = 'x'\n",
    "\n[finding.remediation]\ncategory = \"on_site\"\n", "]\n", "unit = \n",
])
_HEAD = 'unit = "acme"\ndate = 2024-03-01\nkind = "supervision"\nchecklist = "demo-self"\n'


@st.composite
def _record(draw: st.DrawFn) -> str:
    rows = "".join(draw(st.lists(_row(), max_size=5)))
    opening = draw(st.sampled_from(["item = [\n", "item = [  \n", "item = [\r\n", "item =[\n", "item = [ # rows\n"]))
    closing = draw(st.sampled_from(["]\n", "]", "  ]  \n", "] # end\n", "],\n", ""]))
    return draw(_BEFORE) + _HEAD + draw(_BEFORE) + opening + rows + closing + draw(_AFTER)


def _answer(loads, text: str) -> object:
    try:
        return loads(text)
    except tomllib.TOMLDecodeError as exc:
        return ("error", f"invalid TOML: {exc}")
    except ReadError as exc:  # the records reader words tomllib's error as every reader does
        return ("error", exc.message)


@settings(max_examples=400, deadline=None)
@given(_record())
@example(_HEAD + 'item = [\n    { checkpoint = "a", title = "x", mark = "ok" }\n'
                 '    { checkpoint = "b", title = "y", mark = "ok" },\n]\n')  # the missing comma of issue 14
@example(_HEAD + 'item = [\n    { checkpoint = "a", title = "x", mark = "ok" }\n]\n')  # no comma after the last: valid
def test_the_fast_path_answers_as_tomllib(text: str) -> None:
    assert _answer(records._loads, text) == _answer(loads_toml, text)  # tomllib's answer, checked as every reader does


def test_a_missing_comma_between_rows_is_an_error_with_or_without_other_keys():
    rows = ('item = [\n    { checkpoint = "a", title = "x", mark = "ok" }\n'
            '    { checkpoint = "b", title = "y", mark = "ok" },\n]\n')
    for text in (_HEAD + rows, _HEAD + "[extra]\n" + rows.replace("item", "other")):
        try:
            records._loads(text)
        except ReadError as exc:
            assert "line 7" in exc.message or "line 8" in exc.message
        else:
            raise AssertionError(f"accepted: {text!r}")


# -- The plain reader (records._plain): a subset read line by line, None for anything else ---------------------

_LINES = st.sampled_from([
    "", "# 注释", "  # indented comment", "\t", 'unit = "u1"', "unit = 'u1'", 'unit = "u2"', "unit=\"u3\"",
    "date = 2024-03-01", "date = 2024-02-30", "date = 2024-13-01", "date = 2024-03-01 10:00:00", "date = 2024-3-1",
    "total = 5", "total = 05", "total = -0", "total = 1_000", "total = 99999999999999999999", "fine = 2.5",
    "flag = true", "flag = false", "flag = True", 'inspectors = ["王检", "陈查"]', "inspectors = []",
    'inspectors = ["王检",]', 'inspectors = ["王检" "陈查"]', "inspectors = [", 'evidence = [ # photos', '    "a.jpg",',
    '    "b.jpg"', '    "c.jpg" ,  # c', "]", "  ]  # end", "],", '    { checkpoint = "a", title = "安全", mark = "ok" },',
    '    { checkpoint = "a", title = "安全", mark = "ok" }', '    { finding = "f-1", about = "x", result = "", by = "" },',
    '    { finding = "f-1", finding = "f-2" },', '    {checkpoint = "a"},', "[[finding]]", "[[ finding ]]",
    "[finding]", "[finding.remediation]", "[finding.stop]", "[extra]", "[extra.sub]", "[a.b.c]", "[[finding.x]]",
    "[[unit]]", "[unit]", "[unit.sub]", "[[extra]]", "[inspectors]", "[inspectors.x]", 'id = "f-1"',
    'category = "on_site"', 'note = """x"""', "note = ''''''", 'note = "a\\tb"', 'note = "\\u0001"', "note = \"\t\"",
    'note = "a" # c', 'note = "a" b', "key with space = 1", '"quoted" = 1', "a.b = 1", "= 1", "[x] y = 1",
    "[x]]", "[[x]", 'note = "\x85"', "# \x85", 'mark = ""',
])


@settings(max_examples=600, deadline=None)
@given(st.lists(_LINES, max_size=14), st.sampled_from(["\n", "\r\n"]), st.booleans())
@example(['unit = "u1"', "[[finding]]", 'id = "a"', "[finding.remediation]", 'category = "x"', "[[finding]]",
          'id = "b"', "[finding.remediation]", 'category = "y"'], "\n", True)
@example(["[extra.sub]", "[extra]"], "\n", True)  # defining a table after its sub-table: valid TOML, not plain
def test_the_plain_reader_answers_as_tomllib_or_not_at_all(lines: list[str], newline: str, last: bool) -> None:
    text = newline.join(lines) + (newline if last else "")
    plain = records._plain(text)
    if plain is not None:
        assert plain == loads_toml(text)
    assert _answer(records._loads, text) == _answer(loads_toml, text)  # tomllib's answer, checked as every reader does


def test_records_as_inspect_new_and_recheck_write_them_are_plain():
    text = (records._HEADER + _HEAD + 'inspectors = [\n    "王检",\n]\nitem = [\n'
            '    { checkpoint = "a", title = "x", mark = "ok" },\n]\n\n[[finding]]\nid = "f-1"\n\n'
            '[finding.remediation]\ncategory = "on_site"\n')
    recheck = (records._RECHECK_HEADER + _HEAD
               + 'recheck = [\n    { finding = "f-1", about = "a：b", result = "", by = "" },\n]'
               '\n[[close]]\nfinding = "f-1"\napprover = "李局"\n')
    for shape in (text, recheck):
        assert records._plain(shape) is not None
        assert records._plain(shape) == tomllib.loads(shape)


# -- The ledger's quick reader (records._quick): the rows' block read whole, the rest by the plain reader ------


def _without_rows(text: str) -> object:
    """tomllib's table without its rows, and the rows' checkpoints, or ``None`` when the rows would not structure."""
    data = loads_toml(text)
    rows = data.pop("item", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("checkpoint"), str)
                                             and r.get("mark", "") in ("ok", "fixing", "fail", "") for r in rows):
        return None
    return data, tuple(r["checkpoint"] for r in rows)


@settings(max_examples=500, deadline=None)
@given(_record() | st.lists(_LINES, max_size=14).map(lambda lines: "\n".join(lines) + "\n"))
@example(_HEAD + 'note = """\nitem = [\n    { checkpoint = "a", title = "x", mark = "ok" },\n]\n"""\n')
@example(_HEAD + '[extra]\nitem = [\n    { checkpoint = "a", title = "x", mark = "ok" },\n]\n')
@example(_HEAD + 'item = [\n    { checkpoint = "a", title = "x", mark = "ok" },\n]\nitem = [\n]\n')
def test_the_quick_reader_answers_as_tomllib_or_not_at_all(text: str) -> None:
    quick = records._quick(text)
    if quick is not None:
        assert quick == _without_rows(text)  # tomllib's answer; an error there fails the test


def test_records_as_inspect_new_writes_them_are_read_quickly():
    text = (records._HEADER + _HEAD + 'item = [\n    { checkpoint = "a", title = "x", mark = "ok" },\n'
            '    { checkpoint = "b", title = "y", mark = "" },\n]\n\n[[finding]]\nid = "f-1"\n')
    assert records._quick(text) == ({**tomllib.loads(_HEAD), "finding": [{"id": "f-1"}]}, ("a", "b"))
