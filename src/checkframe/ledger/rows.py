"""The ledger as rows: one per finding, counts per unit, sector or township, and the tables of 附件4 and 附件5.

The reports are the two tables of seed 004 that records can fill: 附件4
(weekly counts of hazards found and fixed) and 附件5 (the major-hazard list).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from checkframe.catalog import Catalog
from checkframe.ledger.ledger import Entry, Ledger, Line
from checkframe.model import EnforcementMeasure, FindingKind, FindingSource, FindingState, HazardLevel
from checkframe.util import collector
from checkframe.util.tables import render

__all__ = ["LEDGER_COLUMNS", "LEDGER_HEADINGS", "NARROW_COLUMNS", "for_people", "ledger_rows", "major_rows", "render",
           "summary_rows", "weekly_rows"]

#: The ledger's columns: the keys of :func:`ledger_rows` and what a clerk reads as their headings.
LEDGER_HEADINGS = {
    "finding": "隐患编号",
    "unit": "单位代码",
    "unit_name": "单位名称",
    "township": "镇（街道）",
    "sector": "行业领域",
    "checkpoint": "检查项",
    "kind": "类别",
    "level": "等级",
    "source": "来源",
    "category": "整改方式",
    "deadline": "整改期限",
    "stop": "停产",
    "found_on": "发现日期",
    "state": "状态",
    "overdue": "逾期",
    "late": "逾期原因",
    "level_reason": "定级说明",
    "file": "记录文件",
}
LEDGER_COLUMNS = tuple(LEDGER_HEADINGS)

#: What ``ledger show`` prints without ``--wide``: fits 100 columns.
NARROW_COLUMNS = ("finding", "unit_name", "kind", "level", "source", "category", "stop", "deadline", "state", "overdue")


STOP_LABELS = {"": "", "full": "全部", "partial": "局部", "resumed": "已复产"}


def ledger_rows(ledger: Ledger, catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """One row per finding, by unit and date found; values are codes (:func:`for_people` gives the labels)."""
    with collector.paused():  # a dict a finding, tens of thousands of them, and no cycles
        return _ledger_rows(ledger, catalog)


def _ledger_rows(ledger: Ledger, catalog: Catalog | None) -> list[dict[str, Any]]:
    rows = []
    # What a row takes from its unit and its category, looked up once each (a unit has many findings).
    of_unit: dict[str, tuple[str, str, str, str]] = {}
    category_names: dict[str, str] = {"": ""}
    for line in sorted(ledger.lines.values(), key=_row_order):
        shown = of_unit.get(line.unit)
        if shown is None:
            unit = ledger.units[line.unit]
            sector_name = (catalog.sector(unit.sector).name if catalog is not None and catalog.has("sector", unit.sector)
                           else "")
            shown = of_unit[line.unit] = (unit.name, unit.township, unit.sector, sector_name)
        category = line.category
        category_name = category_names.get(category)
        if category_name is None:
            category_name = category_names[category] = catalog.category(category).name if catalog is not None else ""
        deadline = line.deadline
        rows.append({
            "finding": line.id,
            "unit": line.unit,
            "unit_name": shown[0],
            "township": shown[1],
            "sector": shown[2],
            "checkpoint": line.checkpoint,
            "kind": line.kind.value,
            "level": line.level.value,
            "source": line.source.value,
            "category": category,
            "category_name": category_name,
            "sector_name": shown[3],
            "deadline": deadline.isoformat() if deadline else "",
            "stop": line.stop,
            "found_on": line.found_on.isoformat(),
            "state": line.state.value,
            "overdue": line.overdue,
            "late": line.late,
            "level_reason": line.level_reason,
            "file": line.file,
        })
    return rows


def _row_order(line: Line) -> tuple[str, dt.date, str]:
    return line.unit, line.found_on, line.id


_LABELS: dict[str, dict[str, str]] = {
    "kind": {k.value: k.label for k in FindingKind},
    "level": {"general": "一般", "major": "重大"},
    "source": {s.value: s.label for s in FindingSource},
    "state": {s.value: s.label for s in FindingState},
    "stop": STOP_LABELS,
    "overdue": {True: "逾期", False: ""},  # type: ignore[dict-item]
}


def for_people(row: dict[str, Any]) -> dict[str, Any]:
    """A ledger row with Chinese labels for codes, keyed by the Chinese headings (table, CSV, xlsx)."""
    out = {}
    for key, heading in LEDGER_HEADINGS.items():
        value = row[key]
        if key in ("category", "sector"):
            value = row[f"{key}_name"] or value
        elif key in _LABELS:
            value = _LABELS[key].get(value, value)
        out[heading] = value
    return out


SUMMARY_COUNTS = ("隐患数", "重大隐患", *(s.label for s in FindingState), "逾期")
SUMMARY_HEADING = {"unit": "单位", "sector": "行业领域", "township": "镇（街道）"}


def _group_of(ledger: Ledger, line: Line, by: str) -> str:
    return line.unit if by == "unit" else getattr(ledger.units[line.unit], by)


def _group_name(ledger: Ledger, key: str, by: str, catalog: Catalog | None) -> str:
    """What a clerk reads for a group: the unit's name, the sector's name (its id without a catalog), the township."""
    if by == "unit":
        return ledger.units[key].name
    if by == "sector" and catalog is not None and catalog.has("sector", key):
        return catalog.sector(key).name
    return key


def summary_rows(ledger: Ledger, by: str, catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """Counts per unit, sector or township (by name): findings, major ones, each state, overdue (Chinese headings)."""
    groups: dict[str, dict[str, Any]] = {}
    heading = SUMMARY_HEADING[by]
    for line in ledger.lines.values():
        key = _group_name(ledger, _group_of(ledger, line, by), by, catalog)
        row = groups.setdefault(key, {heading: key, **dict.fromkeys(SUMMARY_COUNTS, 0)})
        row["隐患数"] += 1
        row["重大隐患"] += line.level is HazardLevel.MAJOR
        row[line.state.label] += 1
        row["逾期"] += line.overdue
    return [groups[k] for k in sorted(groups)]


#: The columns of 附件4 that records can fill: hazards found and fixed, then the enforcement columns
#: (执法情况) that illegal operations, deadline orders and production stops fill.
WEEKLY_COUNTS = ("一般隐患排查", "一般隐患整改", "重大隐患排查", "重大隐患整改", "非法违法行为排查", "非法违法行为查处",
                 "责令限期整改企业", "行政罚款（万元）", "停产整顿（家）", "暂扣吊销证照", "关闭取缔（家）")
WEEKLY_HEADING = {"township": "镇（街道）", "sector": "行业领域", "unit": "单位"}
#: The same columns' headings on a terminal, in two lines as 附件4 groups them, so that the table fits 100 columns.
WEEKLY_HEADS: dict[str, tuple[str, ...]] = {
    "一般隐患排查": ("一般隐患", "排查"), "一般隐患整改": ("一般隐患", "整改"),
    "重大隐患排查": ("重大隐患", "排查"), "重大隐患整改": ("重大隐患", "整改"),
    "非法违法行为排查": ("非法违法行为", "排查"), "非法违法行为查处": ("非法违法行为", "查处"),
    "责令限期整改企业": ("责令限期", "整改企业"), "行政罚款（万元）": ("行政罚款", "（万元）"),
    "停产整顿（家）": ("停产整顿", "（家）"), "暂扣吊销证照": ("暂扣吊销", "证照"), "关闭取缔（家）": ("关闭取缔", "（家）"),
}


def _within(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start <= day <= end


def weekly_rows(ledger: Ledger, start: dt.date, end: dt.date, by: str = "township",
                catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """附件4 between ``start`` and ``end``, inclusive.

    Hazards found (排查, by the date found) and fixed (整改, by the date the fix was accepted); illegal
    operations found (排查) and those with a measure taken (查处); deadline orders issued (责令限期整改: each
    route with an order number given in the range, with the finding, by a later remediation or an escalation,
    and illegal operations ordered so); fines in 万元; units stopped (停产整顿: a production stop dated in the
    range, or an illegal operation's stop);
    licences suspended or revoked; units closed.
    """
    heading = WEEKLY_HEADING[by]
    groups: dict[str, dict[str, Any]] = {}
    stopped: dict[str, set[str]] = {}
    closed: dict[str, set[str]] = {}
    for line in ledger.lines.values():
        found = _within(line.found_on, start, end)
        fixed = _within(line.accepted_on, start, end)
        stop = _within(line.stop_on, start, end)
        # 责令限期整改: each written order (指令书) given in the range: with the finding, by a later [[remediate]]
        # or an escalation; the same orders ledger forms prints.
        orders = sum(1 for on in line.orders if _within(on, start, end))
        if not (found or fixed or stop or orders):
            continue
        key = _group_of(ledger, line, by)
        row = groups.setdefault(key, {heading: _group_name(ledger, key, by, catalog), **dict.fromkeys(WEEKLY_COUNTS, 0)})
        measures = line.measures if found else ()
        if line.kind is FindingKind.ILLEGAL:
            row["非法违法行为排查"] += found
            row["非法违法行为查处"] += bool(measures)
        else:
            level = "一般" if line.level is HazardLevel.GENERAL else "重大"
            row[f"{level}隐患排查"] += found
            row[f"{level}隐患整改"] += fixed
        row["责令限期整改企业"] += orders or EnforcementMeasure.ORDER_DEADLINE in measures
        if EnforcementMeasure.FINE in measures:
            row["行政罚款（万元）"] += line.fine
        if stop or EnforcementMeasure.STOP in measures:
            stopped.setdefault(key, set()).add(line.unit)
        row["暂扣吊销证照"] += EnforcementMeasure.LICENCE in measures
        if EnforcementMeasure.CLOSURE in measures:
            closed.setdefault(key, set()).add(line.unit)
    for key, row in groups.items():
        row["停产整顿（家）"] = len(stopped.get(key, ()))
        row["关闭取缔（家）"] = len(closed.get(key, ()))
        row["行政罚款（万元）"] = _amount(row["行政罚款（万元）"])
    rows = sorted(groups.values(), key=lambda row: row[heading])
    total = {heading: "合计", **{c: sum(r[c] for r in rows) for c in WEEKLY_COUNTS}}
    total["行政罚款（万元）"] = _amount(total["行政罚款（万元）"])
    return [*rows, total]


def _amount(value: float) -> float | int:
    """A sum of 万元 as a form prints it: 2 rather than 2.0, 3.5 as it is."""
    value = round(value, 4)
    return int(value) if value == int(value) else value


def _measure(entry: Entry, catalog: Catalog, stop_names: dict[str, str] | None = None,
             dates: Callable[[dt.date], str] = dt.date.isoformat) -> str:
    f = entry.finding
    parts = []
    if f.enforcement is not None:
        taken = "、".join(m.label for m in f.enforcement.measures)
        if f.enforcement.fine:
            taken += f"（罚款{_amount(f.enforcement.fine)}万元）"
        if f.enforcement.decision_number:
            taken += f"，{f.enforcement.decision_number}"
        parts.append(taken)
    kind = resumed = ""
    if f.stop is not None:
        kind = (stop_names or {}).get(f.stop.kind, "停产停业整改")
        if f.resumption is not None and f.resumption.approved_by:
            resumed = f"，{dates(f.resumption.inspected) if f.resumption.inspected else ''}验收同意恢复生产"
        elif f.resumption is not None:
            resumed = f"，{dates(f.resumption.applied)}申请恢复生产"
    remediation = f.remediation
    name = catalog.category(remediation.category).name if remediation is not None else ""
    # The route is the stop itself (coal's 停产整顿 under 停产整顿): named once, with the stop's scope.
    merged = f.stop is not None and kind == name
    if remediation is None:
        if not parts:
            parts.append("未明确整改方式")
    else:
        said = []
        if remediation.supervision_level:  # 挂牌督办（区级）; another route under supervision: 停产整顿（部门督办）
            said.append(remediation.supervision_level.label + ("" if name.endswith("督办") else "督办"))
        if merged:
            assert f.stop is not None
            said.append(f.stop.scope.label)
        level = f"（{'，'.join(said)}）" if said else ""
        lead = f"，牵头单位{remediation.lead_unit}" if remediation.lead_unit else ""
        notice = f"，{remediation.notice_number}" if remediation.notice_number else ""
        measures = f"：{remediation.measures}" if remediation.measures else ""
        deadline = f"，期限{dates(remediation.deadline)}" if remediation.deadline else ""
        parts.append(f"{name}{level}{measures}{deadline}{lead}{notice}{resumed if merged else ''}")
    if f.stop is not None and not merged:
        parts.append(f"{kind}（{f.stop.scope.label}）{resumed}")
    return "；".join(parts)


def major_rows(ledger: Ledger, catalog: Catalog, start: dt.date, end: dt.date,
               stop_names: dict[str, str] | None = None,
               dates: Callable[[dt.date], str] = dt.date.isoformat) -> list[dict[str, Any]]:
    """附件5: the major hazards and illegal operations found between ``start`` and ``end``, inclusive, keyed by its headings.

    A hazard regraded major by an escalation in the range is listed too; ``dates`` writes a date.
    """
    rows = []

    def chosen_line(line: Line) -> bool:
        if line.kind is FindingKind.ILLEGAL:
            return _within(line.found_on, start, end)
        return line.level is HazardLevel.MAJOR and (
            _within(line.found_on, start, end) or any(_within(d, start, end) for d in line.escalated))

    # The rows need each finding in full (its measures, route, stop): only the chosen are read.
    chosen = list(ledger.full(line.id for line in ledger.lines.values() if chosen_line(line)).values())
    chosen.sort(key=lambda e: (ledger.units[e.unit].township, e.unit, e.finding.found_on, e.finding.id))
    for number, entry in enumerate(chosen, 1):
        unit = ledger.units[entry.unit]
        f = entry.finding
        state = f.state.label + ("（逾期）" if ledger.lines[f.id].overdue else "")
        rows.append({
            "序号": number,
            "生产经营单位名称": unit.name,
            "核查单位": entry.checking_unit,
            "所在镇（街道）": unit.township,
            "企业类别": unit.unit_type,
            "类别": "非法违法行为" if f.kind is FindingKind.ILLEGAL else "重大隐患",
            "来源": f.source.label,
            "重大隐患/具体非违法行为": f.description,
            "处理措施": _measure(entry, catalog, stop_names or ledger.stop_names, dates),
            "隐患编号": f.id,
            "状态": state,
        })
    return rows
