"""Messages for people who write TOML, not Python: values in TOML's own spelling, with the fix for a quoting slip."""

from __future__ import annotations

import datetime as dt

import pytest

from checkframe.model import quote_hint, show, unquote_hint
from doubles import problems_of

TITLE = 'title = "中华人民共和国安全生产法"'


@pytest.mark.parametrize(("value", "spelled"), [
    ("big", '"big"'), ("中文", '"中文"'), (True, "true"), (False, "false"), (3, "3"), (1.5, "1.5"),
    (dt.date(2023, 4, 19), "2023-04-19"), (dt.datetime(2023, 4, 19, 8, 30), "2023-04-19 08:30:00"),
    ({}, "a table"), ([], "an array"),
])
def test_values_are_shown_as_toml_spells_them(value, spelled):
    assert show(value) == spelled


def test_a_text_of_millions_of_characters_is_shown_cut():
    """It was quoted whole: a line of 3,000,002 characters for a description pasted in the wrong key."""
    assert show("隐" * 3_000_000) == '"' + "隐" * 80 + '"…'
    assert show("隐" * 80) == '"' + "隐" * 80 + '"'


def test_no_name_is_looked_for_near_a_value_far_longer_than_any():
    """difflib indexed the whole value (seconds for millions of characters) before its length ruled out every
    name; now a name its length rules out is left out first, and then nothing is indexed."""
    from unittest import mock

    from checkframe.errors import closest

    with mock.patch("difflib.get_close_matches", side_effect=AssertionError("indexed")):
        assert closest("x" * 3_000_000, ["general", "major"]) is None
    assert closest("generl", ["general", "major"]) == "general"
    assert closest("", [""]) == ""


def test_a_long_string_is_skipped_at_once_when_a_line_is_placed():
    """The key scanner stepped through a string one character at a time: a 3-million-character description
    took seconds to place a problem after it. Now it jumps to what may end the string."""
    from unittest import mock

    from checkframe.catalog import places

    text = 'a = "' + "隐\\\"" * 1000 + "隐" * 3_000_000 + '"\nb = """x\n' + "y" * 100_000 + '\n"""\nc = 1\n'
    steps = 0
    real = places._Scanner.advance

    def advance(self, n=1):
        nonlocal steps
        steps += 1
        real(self, n)

    with mock.patch.object(places._Scanner, "advance", advance):
        lines = places.key_lines(text)
    assert lines == {"$.a": 1, "$.b": 2, "$.c": 5}
    assert steps < 3000, steps  # the escapes, one step each; not a step a character


def test_hints_for_a_quoting_slip():
    assert quote_hint(dt.date(2023, 4, 19)) == '; 2023-04-19 is a date; write "2023-04-19" in quotes'
    assert quote_hint(7) == '; 7 is a number; write "7" in quotes'
    assert quote_hint("text") == ""
    assert unquote_hint("1", int) == "; write 1 without quotes"
    assert unquote_hint("false", bool) == "; write false without quotes"
    assert unquote_hint("many", int) == ""


def test_a_date_where_text_is_expected_says_to_quote_it(content):
    content.edit("sector.toml", TITLE, TITLE + '\ndate = 2021-06-10')
    assert problems_of(demo=content.plugin()) == [
        "demo: sector.toml:10: [[document]] law, date: expected a string (got 2021-06-10); "
        '2021-06-10 is a date; write "2021-06-10" in quotes'
    ]


def test_a_quoted_boolean_says_to_unquote_it(content):
    content.edit("sector.toml", TITLE, TITLE + '\nconfirmed = "false"')
    assert problems_of(demo=content.plugin()) == [
        'demo: sector.toml:10: [[document]] law, confirmed: expected true or false (got "false"); write false without quotes'
    ]


# -- Where: the line, and the entry by its id or its position counted from 1 ------------------


def test_an_entry_without_an_id_is_named_by_its_position_from_1_and_its_line(content):
    content.edit("checkpoints/01-gas.toml", 'id = "demo-gas-02"\n', "")
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:18: [[checkpoint]] no. 2, id: required key missing"
    ]


def test_an_entry_after_a_broken_one_keeps_its_own_line_and_position(content):
    # The first checkpoint cannot be read; the second one's problem is still on its own line.
    content.edit("checkpoints/01-gas.toml", 'id = "demo-gas-01"', 'id = 1')
    content.edit("checkpoints/01-gas.toml", 'remediation = ["on_site", "deadline"]',
                 'remediation = ["on_site", "deadline"]\nnote = "见[[nowhere]]"')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:7: [[checkpoint]] no. 1, id: expected a string (got 1); "
        '1 is a number; write "1" in quotes',
        "demo: checkpoints/01-gas.toml:24: [[checkpoint]] demo-gas-02, note: "
        "[[nowhere]] refers to an unknown checkpoint 'nowhere'",
    ]


def test_an_element_of_an_inline_array_is_placed_on_its_own_line(content):
    content.edit("checkpoints/01-gas.toml", '[[checkpoint.basis]]\ndocument = "law"\narticle = "第四十一条"\n',
                 'basis = [\n  { document = "law", article = "第四十一条" },\n  { document = "lwa" },\n]\n')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:16: [[checkpoint]] demo-gas-01, basis no. 2, document: "
        "unknown document 'lwa'; did you mean 'law'?"
    ]


def test_a_header_inside_a_multiline_string_is_not_taken_for_a_table(content):
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯"',
                 'title = "瓦斯"\ndescription = """\n[sector]\nid = "x"\n"""')
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "big"')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:26: [[checkpoint]] demo-gas-02, level: "
        'expected one of general, major (got "big")'
    ]
