"""Filled forms and reports from the ledger, for a date range.

:func:`plan` turns a replayed :class:`~checkframe.ledger.ledger.Ledger` into the
values of the print templates (:data:`checkframe.model.FORMS`), one
:class:`~checkframe.model.FormJob` per PDF:

``unit-registration/<unit>.pdf``
    附件1 生产经营单位摸底登记表, one per unit with a record dated in the range, filled from its
    ``units/<unit>.toml``; what the registration does not give is left blank for a pen.
``supervision-record/<record>.pdf``
    附件3 督导检查表, one per supervision record dated in the range: the unit,
    date, inspectors, what was checked (the checklist and its marks), every
    finding the record concerns (found, reported, remediated, escalated, stopped,
    reported fixed, rechecked, closed or resumed in it) with its level, measures,
    deadline and responsible person, and how each stood on the record's own date:
    a record shows what was known when it was made, so a later recheck, escalation
    or stop appears on the later record only.  The
    signature slots are left blank for a pen.
``deadline-order/<finding>.pdf``
    责令限期整改指令书, one per deadline fix ordered in the range: each finding
    whose remediation category requires an order number (限期整改 and any
    category a plugin adds that way), found or remediated in a supervision record
    of the range (a self-inspection's only when it gives the order's number),
    issued by the record's checking unit.
``weekly-statistics.pdf``, ``major-hazard-list.pdf``
    附件4 and 附件5 for the range, the same counts and rows as
    :func:`~checkframe.ledger.ledger.weekly_rows` and :func:`~checkframe.ledger.ledger.major_rows`.

The records of the range are read again (the ledger keeps only their events);
they replayed cleanly, so reading them cannot fail.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs

from checkframe.catalog import Catalog
from checkframe.errors import Problem
from checkframe.ledger.findings import Finding, Remediation, is_overdue, level_on, route_on
from checkframe.ledger.ledger import Entry, Ledger
from checkframe.ledger.records import Mark, Record, read_record
from checkframe.ledger.rows import WEEKLY_COUNTS, WEEKLY_HEADING, major_rows, weekly_rows
from checkframe.model import FindingKind, FindingSource, FindingState, FormJob, FormKind, HazardLevel, RequiredField

__all__ = [
    "cn_date",
    "deadline_order_values",
    "major_values",
    "plan",
    "registration_values",
    "supervision_values",
    "weekly_values",
]

#: 附件4 column keys of the template for the counts that records fill.
WEEKLY_KEYS = dict(zip(WEEKLY_COUNTS, ("general_found", "general_fixed", "major_found", "major_fixed", "illegal_found",
                                       "illegal_punished", "orders", "fines", "stops", "licences", "closures"),
                       strict=True))


def cn_date(day: dt.date | None) -> str:
    """2024年3月1日, as a form prints a date."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def period(start: dt.date, end: dt.date) -> str:
    return f"{cn_date(start)}至{cn_date(end)}"


def _numbered(lines: list[str]) -> str:
    if len(lines) == 1:
        return lines[0]
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1))


def _measure(remediation: Remediation | None, catalog: Catalog) -> str:
    if remediation is None:
        return "整改方式待定"
    parts = [catalog.category(remediation.category).name]
    if remediation.supervision_level:
        parts[0] += f"（{remediation.supervision_level.label}）"
    if remediation.measures:
        parts.append(remediation.measures)
    if remediation.order_number:
        parts.append(f"指令书{remediation.order_number}")
    if remediation.funds:
        parts.append(f"资金{remediation.funds}")
    if remediation.contingency_plan:
        parts.append(f"应急预案：{remediation.contingency_plan}")
    if remediation.lead_unit:
        parts.append(f"牵头单位：{remediation.lead_unit}")
    if remediation.notice_number:
        parts.append(f"督办通知书{remediation.notice_number}")
    return "；".join(parts)


def _stopped(f: Finding, ledger: Ledger) -> str:
    """The production stop alongside the route, and the enforcement measures of an illegal operation."""
    text = ""
    if f.stop is not None:
        text += f"；{ledger.stop_names.get(f.stop.kind, '停产停业整改')}（{f.stop.scope.label}）"
        if f.stop.order_number:
            text += f"，{f.stop.order_number}"
    if f.enforcement is not None:
        text += "；" + "、".join(m.label for m in f.enforcement.measures)
        if f.enforcement.fine:
            text += f"（罚款{f.enforcement.fine:g}万元）"
    return text


def _problem(finding: Finding, catalog: Catalog) -> str:
    title = catalog.checkpoint(finding.checkpoint).title
    level = "【重大事故隐患】" if finding.level is HazardLevel.MAJOR else ""
    if finding.kind is FindingKind.ILLEGAL:
        level = "【非法违法生产经营建设行为】"
    return f"{level}{finding.description}（检查项：{title}）"


def _on(day: dt.date | None, when: dt.date) -> dt.date | None:
    """``day`` if it is no later than ``when``: what a form dated ``when`` can know of."""
    return day if day is not None and day <= when else None


def state_on(finding: Finding, when: dt.date) -> FindingState:
    """Where ``finding`` stood at the end of ``when``, from the dates the ledger keeps of it."""
    if _on(finding.closed_on, when):
        return FindingState.CLOSED
    if _on(finding.accepted_on, when):
        return FindingState.ACCEPTED
    fixed = _on(finding.fixed_on, when)
    failed = [r.date for r in finding.rechecks if r.date <= when and not r.passed]
    if fixed and not (failed and max(failed) >= fixed):
        return FindingState.AWAITING_RECHECK
    return FindingState.FIXING if finding.remediation else FindingState.OPEN


def _standing(entry: Entry, ledger: Ledger, when: dt.date) -> str:
    """How a finding stood on ``when`` (the ledger's date, if that is earlier)."""
    f = entry.finding
    when = min(when, ledger.as_of)
    state = state_on(f, when) if when < ledger.as_of else f.state
    text = state.label
    if state is FindingState.AWAITING_RECHECK and f.fixed_on:
        text += f"，单位{cn_date(f.fixed_on)}上报整改完成"
    if _on(f.accepted_on, when):
        text += f"，{cn_date(f.accepted_on)}复核验收合格"
    if _on(f.closed_on, when):
        text += f"，{cn_date(f.closed_on)}销号"
    resumed = f.resumption
    if resumed is not None and resumed.approved_by and _on(resumed.inspected, when):
        text += f"，{cn_date(resumed.inspected)}复产验收，{resumed.approved_by}同意恢复生产"
    elif resumed is not None and _on(resumed.applied, when):
        text += f"，单位{cn_date(resumed.applied)}申请恢复生产"
    if is_overdue(attrs.evolve(as_on(f, when), accepted_on=_on(f.accepted_on, when)), when):
        text += "，已逾期"
    return text


def as_on(finding: Finding, when: dt.date) -> Finding:
    """``finding`` as a form dated ``when`` knows it: the level, route and stop it had then, not later ones."""
    stop = finding.stop if finding.stop is not None and _on(finding.stop.date or finding.found_on, when) else None
    return attrs.evolve(finding, level=level_on(finding, when), remediation=route_on(finding, when), stop=stop)


def _concerned(record: Record) -> list[str]:
    """The finding ids a record finds or moves, in the record's order."""
    ids = [f.id for f in record.finding]
    for name in ("report", "remediate", "escalate", "stop", "fixed", "recheck", "close", "resume"):
        ids.extend(e.finding for e in getattr(record, name))
    return list(dict.fromkeys(ids))


def supervision_values(record: Record, ledger: Ledger, catalog: Catalog, reporter: str) -> dict[str, Any]:
    """附件3 filled from one record and the ledger's view of its findings."""
    unit = ledger.units[record.unit]
    entries = list(ledger.full(_concerned(record)).values())
    # Each finding as it stood on the record's date: a later escalation, regrade or stop is on a later record.
    known = [as_on(e.finding, min(record.date, ledger.as_of)) for e in entries]
    if record.item:
        counts = {mark: 0 for mark in Mark}
        for item in record.item:
            counts[item.mark] += 1
        checked = (f"{catalog.checklist(record.checklist).title}，共{len(record.item)}项：符合要求{counts[Mark.OK]}项，"
                   f"不符合要求{counts[Mark.FAIL]}项，正在整改{counts[Mark.FIXING]}项，无该项{counts[Mark.NOT_APPLICABLE]}项")
    elif record.follows:
        checked = f"回查：{catalog.checklist(record.checklist).title}发现问题的整改情况（{len(entries)}项）"
    else:
        checked = catalog.checklist(record.checklist).title
    if record.note:
        checked += f"。{record.note}"
    # The rechecks of this visit; earlier and later ones are on their own records.
    rechecks = [(e, r) for e in entries for r in e.finding.rechecks if r.date == record.date]
    values: dict[str, Any] = {
        "reporter": reporter,
        "date": cn_date(record.date),
        "unit": unit.name,
        "checked_on": cn_date(record.date),
        "inspectors": "、".join(record.inspectors),
        "checked": checked,
        "problems": _numbered([_problem(f, catalog) for f in known]) if entries else "未发现事故隐患",
        "measures": _numbered([_measure(f.remediation, catalog) + _stopped(f, ledger) for f in known])
        if entries else "",
        "deadline": _numbered([cn_date(f.remediation.deadline) or "—" if f.remediation else "—"
                               for f in known]) if any(f.remediation and f.remediation.deadline
                                                       for f in known) else "",
        "responsible_person": "、".join(dict.fromkeys(
            f.remediation.responsible_person for f in known
            if f.remediation and f.remediation.responsible_person)),
        "rechecker": "、".join(dict.fromkeys(r.by for _, r in rechecks if r.by)),
        "rechecked_on": "、".join(dict.fromkeys(cn_date(r.date) for _, r in rechecks)),
        "done": _numbered([_standing(e, ledger, record.date) for e in entries]) if entries else "",
        "recheck_result": _numbered([
            "；".join(f"{cn_date(r.date)}{'合格' if r.passed else '不合格'}{f'（{r.note}）' if r.note else ''}"
                     for r in e.finding.rechecks if r.date == record.date) or "未回查"
            for e in entries]) if rechecks else "",
    }
    return values


def deadline_order_values(entry: Entry, remediation: Remediation, record: Record, ledger: Ledger,
                          catalog: Catalog, on: dt.date, issuer: str = "") -> dict[str, Any]:
    """责令限期整改指令书 for one finding, issued on ``on`` by ``issuer`` (the checking unit of ``record``)."""
    unit = ledger.units[entry.unit]
    deadline = remediation.deadline
    problem = f"{entry.finding.description}（检查项：{catalog.checkpoint(entry.finding.checkpoint).title}）"
    if remediation.measures:
        problem += f"。整改措施：{remediation.measures}"
    if remediation.responsible_person:
        problem += f"；整改责任人：{remediation.responsible_person}"
    return {
        "issuer": issuer,
        "number": remediation.order_number,
        "unit": unit.name,
        "problems": [problem],
        "items": "1",
        "deadline_year": str(deadline.year) if deadline else "",
        "deadline_month": str(deadline.month) if deadline else "",
        "deadline_day": str(deadline.day) if deadline else "",
        "date": cn_date(on),
    }


#: The fields of 附件1 that a unit's registration gives under the same name.
_REGISTERED = ("registration_number", "capital", "founded", "township", "address", "office_phone", "safety_licence",
               "other_licences", "principal", "principal_phone", "safety_lead", "safety_lead_phone", "regulator",
               "economic_type", "size", "assets", "major_hazard_sources", "products", "safety_office",
               "safety_office_phone", "duty_phone", "safety_office_head", "safety_office_head_phone")
#: The staff counts of 附件1 (field of the form → :class:`~checkframe.ledger.records.Staff` attribute).
_STAFF = {"staff": "total", "permanent_staff": "permanent", "temporary_staff": "temporary", "trained_staff": "trained",
          "insured_staff": "insured", "safety_staff": "safety"}


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def registration_values(unit_id: str, ledger: Ledger, catalog: Catalog, reporter: str) -> dict[str, Any]:
    """附件1 for one unit, from its registration (``units/<unit_id>.toml``); what it does not give stays blank
    (the date, whether it has illegal operations, and every field left out of the file)."""
    unit = ledger.units[unit_id]
    # 行业分类: the unit's type (煤矿, 工贸企业) says it better than the sector whose content applies (通用).
    sector = unit.unit_type or (catalog.sector(unit.sector).name if catalog.has("sector", unit.sector) else unit.sector)
    return {
        "reporter": reporter,
        "unit": unit.name,
        "sector": sector,
        **{name: getattr(unit, name) for name in _REGISTERED},
        **{name: _count(getattr(unit.staff, count)) for name, count in _STAFF.items()},
        "safety_office_size": _count(unit.safety_office_size),
        "safety_staff_names": "、".join(unit.safety_staff_names),
    }


def weekly_values(ledger: Ledger, start: dt.date, end: dt.date, reporter: str, by: str = "township",
                  catalog: Catalog | None = None) -> dict[str, Any]:
    """附件4: the hazard counts per township (or sector, unit) and their total."""
    heading = WEEKLY_HEADING[by]
    rows = [{"group": row[heading], **{WEEKLY_KEYS[c]: row[c] for c in WEEKLY_COUNTS}}
            for row in weekly_rows(ledger, start, end, by, catalog)]
    return {
        "reporter": reporter,
        "period": period(start, end),
        "date": cn_date(end),
        "rows": rows,
        "source": f"隐患排查、整改数和执法情况各栏由隐患排查治理台账统计（检查组按{heading}分列；"
                  "整改数为期间内复核验收合格的隐患；"
                  f"期间内发现的隐患中企业自查上报{_self_reported(ledger, start, end)}项）；"
                  "追责、问责曝光和典型案例各栏由填报单位据实填写。",
    }


def _self_reported(ledger: Ledger, start: dt.date, end: dt.date) -> int:
    return sum(1 for line in ledger.lines.values() if line.source is FindingSource.SELF and start <= line.found_on <= end)


def major_values(ledger: Ledger, catalog: Catalog, start: dt.date, end: dt.date, reporter: str) -> dict[str, Any]:
    """附件5: the major hazards found in the range, one row each."""
    rows = [{
        "number": row["序号"],
        "unit": row["生产经营单位名称"],
        "checking_unit": row["核查单位"],
        "township": row["所在镇（街道）"],
        "unit_type": row["企业类别"],
        "hazard": (f"{'【非法违法行为】' if row['类别'] == '非法违法行为' else ''}"
                   f"{row['重大隐患/具体非违法行为']}（{row['来源']}）"),
        "measure": f"{row['处理措施']}。目前：{row['状态']}",
    } for row in major_rows(ledger, catalog, start, end, dates=cn_date)]
    return {
        "reporter": reporter,
        "period": period(start, end),
        "date": cn_date(end),
        "rows": rows,
        "source": (f"期间内发现的重大事故隐患和非法违法生产经营建设行为共{len(rows)}项，由隐患排查治理台账列出。" if rows
                   else "期间内未发现重大事故隐患和非法违法生产经营建设行为。"),
    }


def _orders_category(catalog: Catalog, remediation: Remediation | None) -> bool:
    return remediation is not None and RequiredField.ORDER_NUMBER in catalog.category(remediation.category).requires


def plan(root: Path, ledger: Ledger, catalog: Catalog, start: dt.date, end: dt.date, reporter: str,
         by: str = "township") -> list[FormJob]:
    """Every filled form and both reports for the records dated from ``start`` to ``end``, inclusive.

    ``ledger`` must have replayed ``root`` without problems.  ``reporter`` is the 填报单位 of the reports.
    """
    jobs: list[FormJob] = []
    orders: list[FormJob] = []
    inspected: set[str] = set()
    dated: list[tuple[Path, Record]] = []
    for path in sorted((Path(root) / "records").glob("*.toml")):
        rel = path.relative_to(root).as_posix()
        problems: list[Problem] = []
        record = read_record(path, rel, problems)
        if record is None or not start <= record.date <= end or record.date > ledger.as_of:
            continue
        dated.append((path, record))
    # The findings these records concern, in full, read once (the ledger holds most findings as lines alone).
    held = ledger.full(ident for _, record in dated for ident in _concerned(record))
    ledger = attrs.evolve(ledger, entries={**ledger.entries, **held})
    for path, record in dated:
        unit_name = ledger.units[record.unit].name
        inspected.add(record.unit)
        supervision = record.kind is FormKind.SUPERVISION
        # Who inspected signs the record and issues its orders: the department of the record, not the project's.
        checking = record.checking_unit or reporter if supervision else reporter
        if supervision:
            jobs.append(FormJob(f"supervision-record/{path.stem}.pdf", "supervision-record",
                                supervision_values(record, ledger, catalog, checking), f"{unit_name} {record.date}"))
        given = [(f.id, f.remediation, record.date) for f in record.finding]
        given += [(e.finding, e.remediation, e.date or record.date) for e in record.remediate]
        for ident, remediation, on in given:
            # A unit's own deadline fix (企业自查自改) is no order: none was issued unless the record gives its number.
            if (ident in ledger.lines and _orders_category(catalog, remediation)
                    and (supervision or (remediation is not None and remediation.order_number))):
                entry = ledger.entry(ident)
                assert remediation is not None
                values = deadline_order_values(entry, remediation, record, ledger, catalog, on, checking)
                orders.append(FormJob(f"deadline-order/{ident}.pdf", "deadline-order", values,
                                      f"{unit_name} {remediation.order_number}"))
    jobs.extend(orders)
    jobs[:0] = [FormJob(f"unit-registration/{unit}.pdf", "unit-registration",
                        registration_values(unit, ledger, catalog, reporter), ledger.units[unit].name)
                for unit in sorted(inspected)]
    jobs.append(FormJob("weekly-statistics.pdf", "weekly-statistics",
                        weekly_values(ledger, start, end, reporter, by, catalog), period(start, end)))
    jobs.append(FormJob("major-hazard-list.pdf", "major-hazard-list",
                        major_values(ledger, catalog, start, end, reporter), period(start, end)))
    return jobs
