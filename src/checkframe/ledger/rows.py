"""The ledger as rows: one per finding, counts per unit, sector or township, and the tables of 附件4 and 附件5.

The reports are the two tables of seed 004 that records can fill: 附件4
(weekly counts of hazards found and fixed) and 附件5 (the major-hazard list).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from checkframe.catalog import Catalog
from checkframe.ledger.ledger import Entry, Ledger
from checkframe.model import FindingState, HazardLevel
from checkframe.util.tables import render

__all__ = ["LEDGER_COLUMNS", "ledger_rows", "major_rows", "render", "summary_rows", "weekly_rows"]

LEDGER_COLUMNS = ("finding", "unit", "unit_name", "township", "sector", "checkpoint", "level", "category",
                  "deadline", "found_on", "state", "overdue", "file")


def ledger_rows(ledger: Ledger) -> list[dict[str, Any]]:
    """One row per finding, by unit and date found."""
    rows = []
    for entry in sorted(ledger.entries.values(), key=lambda e: (e.unit, e.finding.found_on, e.finding.id)):
        f = entry.finding
        unit = ledger.units[entry.unit]
        rows.append({
            "finding": f.id,
            "unit": entry.unit,
            "unit_name": unit.name,
            "township": unit.township,
            "sector": unit.sector,
            "checkpoint": f.checkpoint,
            "level": f.level.value,
            "category": f.remediation.category if f.remediation else "",
            "deadline": f.remediation.deadline.isoformat() if f.remediation and f.remediation.deadline else "",
            "found_on": f.found_on.isoformat(),
            "state": f.state.value,
            "overdue": ledger.overdue(entry),
            "file": entry.file,
        })
    return rows


SUMMARY_COUNTS = ("findings", "major", *(s.value for s in FindingState), "overdue")


def _group_of(ledger: Ledger, entry: Entry, by: str) -> str:
    return entry.unit if by == "unit" else getattr(ledger.units[entry.unit], by)


def summary_rows(ledger: Ledger, by: str) -> list[dict[str, Any]]:
    """Counts per unit, sector or township: findings, major ones, each state, overdue."""
    groups: dict[str, dict[str, Any]] = {}
    for entry in ledger.entries.values():
        key = _group_of(ledger, entry, by)
        row = groups.setdefault(key, {by: key, **dict.fromkeys(SUMMARY_COUNTS, 0)})
        row["findings"] += 1
        row["major"] += entry.finding.level is HazardLevel.MAJOR
        row[entry.finding.state.value] += 1
        row["overdue"] += ledger.overdue(entry)
    return [groups[k] for k in sorted(groups)]


#: The columns of 附件4 that records can fill.
WEEKLY_COUNTS = ("一般隐患发现", "一般隐患整改", "重大隐患发现", "重大隐患整改")
WEEKLY_HEADING = {"township": "镇（街道）", "sector": "行业领域", "unit": "单位"}


def _within(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start <= day <= end


def weekly_rows(ledger: Ledger, start: dt.date, end: dt.date, by: str = "township") -> list[dict[str, Any]]:
    """附件4: hazards found (date found) and fixed (fix accepted) between ``start`` and ``end``, inclusive."""
    heading = WEEKLY_HEADING[by]
    groups: dict[str, dict[str, Any]] = {}
    for entry in ledger.entries.values():
        f = entry.finding
        found = _within(f.found_on, start, end)
        fixed = _within(f.accepted_on, start, end)
        if not (found or fixed):
            continue
        key = _group_of(ledger, entry, by)
        row = groups.setdefault(key, {heading: key, **dict.fromkeys(WEEKLY_COUNTS, 0)})
        level = "一般" if f.level is HazardLevel.GENERAL else "重大"
        row[f"{level}隐患发现"] += found
        row[f"{level}隐患整改"] += fixed
    rows = [groups[k] for k in sorted(groups)]
    total = {heading: "合计", **{c: sum(r[c] for r in rows) for c in WEEKLY_COUNTS}}
    return [*rows, total]


def _measure(entry: Entry, catalog: Catalog, dates: Callable[[dt.date], str]) -> str:
    remediation = entry.finding.remediation
    if remediation is None:
        return "未明确整改方式"
    name = catalog.category(remediation.category).name
    level = f"（{remediation.supervision_level.label}）" if remediation.supervision_level else ""
    deadline = f"，期限{dates(remediation.deadline)}" if remediation.deadline else ""
    measures = f"：{remediation.measures}" if remediation.measures else ""
    return f"{name}{level}{measures}{deadline}"


def major_rows(ledger: Ledger, catalog: Catalog, start: dt.date, end: dt.date,
               dates: Callable[[dt.date], str] = dt.date.isoformat) -> list[dict[str, Any]]:
    """附件5: the major hazards found between ``start`` and ``end``, inclusive; ``dates`` writes a deadline."""
    rows = []
    chosen = [e for e in ledger.entries.values()
              if e.finding.level is HazardLevel.MAJOR and _within(e.finding.found_on, start, end)]
    chosen.sort(key=lambda e: (ledger.units[e.unit].township, e.unit, e.finding.found_on, e.finding.id))
    for number, entry in enumerate(chosen, 1):
        unit = ledger.units[entry.unit]
        state = entry.finding.state.label + ("（逾期）" if ledger.overdue(entry) else "")
        rows.append({
            "序号": number,
            "单位名称": unit.name,
            "检查单位": entry.checking_unit,
            "所属镇（街道）": unit.township,
            "单位类型": unit.unit_type,
            "隐患内容": entry.finding.description,
            "采取措施": _measure(entry, catalog, dates),
            "隐患编号": entry.finding.id,
            "状态": state,
        })
    return rows
