"""The ledger and its reports as an Excel workbook, because departments keep and pass on ledgers in spreadsheets.

Written with XlsxWriter (write-only, no dependencies of its own): one sheet per table, the Chinese headings
in bold on a frozen first row, each column as wide as its widest cell (a CJK character counted as two),
numbers as numbers and everything else as text, so that the cells read exactly as the CSV's.  The file says it
was made on the date it is given (the ledger's), not at the moment it was written: the same tables on the same
date give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter

from checkframe.util.tables import width

__all__ = ["workbook"]

#: Excel's widest column, in characters.
MAX_WIDTH = 60


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, (int, float)):
        return value
    return str(value)


def workbook(sheets: Sequence[tuple[str, Sequence[str], Sequence[dict[str, Any]]]], made: dt.date) -> bytes:
    """An .xlsx file of ``(sheet name, columns, rows)`` tables, made on ``made`` (its properties' 创建时间)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    book.set_properties({"created": dt.datetime.combine(made, dt.time())})
    header = book.add_format({"bold": True, "bg_color": "#E8E8E8", "border": 1, "text_wrap": True})
    for name, columns, rows in sheets:
        sheet = book.add_worksheet(name[:31])
        sheet.write_row(0, 0, list(columns), header)
        widths = [width(str(c)) for c in columns]
        for r, row in enumerate(rows, 1):
            values = [_cell(row[c]) for c in columns]
            for c, value in enumerate(values):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)
                widths[c] = max(widths[c], width(str(value)))
        for c, w in enumerate(widths):
            sheet.set_column(c, c, min(w + 2, MAX_WIDTH))
        sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
