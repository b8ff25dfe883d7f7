"""Rows for people and for other tools: an aligned text table, CSV or JSON.

The text table counts a CJK character as two columns, as a terminal shows it.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import unicodedata
from collections.abc import Sequence
from typing import Any

__all__ = ["FORMATS", "render", "text_table", "width"]

#: The formats :func:`render` writes.
FORMATS = ("table", "csv", "json")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def width(text: str) -> int:
    """The columns ``text`` takes in a terminal: two for a wide (CJK) character."""
    if text.isascii():
        return len(text)
    return _wide(text)


@functools.lru_cache(maxsize=65536)
def _wide(text: str) -> int:  # a ledger's table asks again for the same names and labels, row after row
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_table(table: Sequence[Sequence[str]]) -> str:
    """Lines of cells padded to their column's width, two spaces apart; the first line is the header."""
    if not table:
        return ""
    widths = [max(width(line[i]) for line in table) for i in range(len(table[0]))]
    lines = ["  ".join(cell + " " * (w - width(cell)) for cell, w in zip(line, widths, strict=True)).rstrip()
             for line in table]
    return "\n".join(lines) + "\n"


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """Rows as an aligned text table, CSV (with a header row) or JSON."""
    if fmt == "json":
        return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"
    table = [list(columns)] + [[v if type(v) is str else _cell(v) for v in map(row.__getitem__, columns)]
                               for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(table)
        return out.getvalue()
    return text_table(table)
