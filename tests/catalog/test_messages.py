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
        "demo: sector.toml: $.document[0].date: expected a string (got 2021-06-10); "
        '2021-06-10 is a date; write "2021-06-10" in quotes'
    ]


def test_a_quoted_boolean_says_to_unquote_it(content):
    content.edit("sector.toml", TITLE, TITLE + '\nconfirmed = "false"')
    assert problems_of(demo=content.plugin()) == [
        'demo: sector.toml: $.document[0].confirmed: expected true or false (got "false"); write false without quotes'
    ]
