"""The ledger (台账): every finding's state, replayed from a store of records.

:func:`build_ledger` reads ``units/*.toml`` and then ``records/*.toml`` one
file at a time.  Each record is checked against the catalog and the units and
boiled down to its events (a finding found, a remediation assigned, a fix
reported, a recheck, a close-out); the record itself, checkpoint marks and all,
is dropped.  The events are then replayed in date order through the rules of
:mod:`checkframe.findings`; on one date, new findings come first, then
remediations, fixes, rechecks and close-outs.  Every problem is gathered, one
per line, with the record file, key path and finding id.

The reports are the two tables of seed 004 that records can fill: 附件4
(weekly counts of hazards found and fixed) and 附件5 (the major-hazard list).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import multiprocessing
import os
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from checkframe.catalog import Catalog
from checkframe.content import Problem
from checkframe.findings import (
    UNRESOLVED,
    Finding,
    FindingState,
    LoopError,
    Recheck,
    close,
    is_overdue,
    recheck,
    remediate,
    report_fixed,
)
from checkframe.model import FormKind, HazardLevel
from checkframe.records import (
    RecheckResult,
    Record,
    Unit,
    new_record_toml,
    read_record,
    read_unit,
    recheck_record_toml,
)

__all__ = [
    "Entry",
    "Ledger",
    "LedgerProblems",
    "StoreError",
    "build_ledger",
    "ledger_rows",
    "major_rows",
    "new_record",
    "recheck_of",
    "render",
    "summary_rows",
    "weekly_rows",
]

#: The order of events on one date.
NEW, REMEDIATE, FIXED, RECHECK, CLOSE = range(5)


@frozen
class Entry:
    """A finding on the ledger and where it came from."""

    finding: Finding
    unit: str
    #: The record file that found it, relative to the store.
    file: str
    #: 检查单位 of that record.
    checking_unit: str


@attrs.define
class Ledger:
    as_of: dt.date
    units: dict[str, Unit]
    entries: dict[str, Entry] = attrs.Factory(dict)
    problems: list[Problem] = attrs.Factory(list)
    records: int = 0

    def overdue(self, entry: Entry) -> bool:
        return is_overdue(entry.finding, self.as_of)


def _unknown(noun: str, value: str, known: Iterable[str]) -> str:
    close_ = difflib.get_close_matches(value, list(known), n=1)
    hint = f"; did you mean {close_[0]!r}?" if close_ else ""
    return f"unknown {noun} {value!r}{hint}"


@frozen
class _Event:
    date: dt.date
    phase: int
    file: str
    seq: int
    where: str
    unit: str
    #: The finding id; for NEW the RecordFinding, otherwise the event object.
    finding: str
    obj: Any
    checking_unit: str = ""


def _load_units(root: Path, catalog: Catalog, problems: list[Problem]) -> dict[str, Unit]:
    units = {}
    for path in sorted((root / "units").glob("*.toml")):
        rel = path.relative_to(root).as_posix()
        unit = read_unit(path, rel, problems)
        if unit is None:
            continue
        if not catalog.has("sector", unit.sector):
            problems.append(Problem("", _unknown("sector", unit.sector, (s.id for s in catalog.sectors)), rel, "$.sector"))
        units[path.stem] = unit
    return units


def _check(record: Record, rel: str, catalog: Catalog, units: dict[str, Unit], files: set[str],
           problems: list[Problem]) -> tuple[list[_Event], list[tuple[int, int]]]:
    """Check one record's references on its own and return its events, all of them.

    Whether a finding id is already claimed by an earlier record depends on the
    other records, so it is left to :func:`_claim`: the second list holds, for
    each new finding, ``(len(problems) at that point, its index in the events)``,
    where that check's problem belongs in the order of the report.
    """

    def problem(where: str, message: str) -> None:
        problems.append(Problem("", message, rel, where))

    if record.unit not in units:
        problem("$.unit", _unknown("unit", record.unit, units) + f" (no units/{record.unit}.toml)")
    if not catalog.has("checklist", record.checklist):
        problem("$.checklist", _unknown("checklist", record.checklist, (c.id for c in catalog.checklists)))
        on_list: frozenset[str] | None = None
    else:
        on_list = _on_list(catalog, record.checklist)
    if record.follows and record.follows not in files:
        problem("$.follows", f"no record {record.follows!r} in records/")
    checkpoint_ids = _checkpoint_ids(catalog)
    for i, item in enumerate(record.item):
        if on_list is not None and item.checkpoint in on_list:
            continue  # the common case; on_list holds known checkpoints only
        if not catalog.has("checkpoint", item.checkpoint):
            problem(f"$.item[{i}].checkpoint", _unknown("checkpoint", item.checkpoint, checkpoint_ids))
        elif on_list is not None:
            problem(f"$.item[{i}].checkpoint", f"checkpoint {item.checkpoint!r} is not on checklist {record.checklist!r}")

    def category(where: str, code: str) -> None:
        if not catalog.has("category", code):
            problem(where, _unknown("remediation category", code, (c.code for c in catalog.categories)))

    checking_unit = record.checking_unit
    if not checking_unit and record.unit in units:
        checking_unit = units[record.unit].name
    events = []
    slots = []
    for i, found in enumerate(record.finding):
        where = f"$.finding[{i}]"
        if not catalog.has("checkpoint", found.checkpoint):
            problem(f"{where}.checkpoint", _unknown("checkpoint", found.checkpoint, checkpoint_ids))
        if found.remediation is not None:
            category(f"{where}.remediation.category", found.remediation.category)
        slots.append((len(problems), len(events)))
        events.append(_Event(record.date, NEW, rel, i, where, record.unit, found.id, found, checking_unit))
    for phase, name in ((REMEDIATE, "remediate"), (FIXED, "fixed"), (RECHECK, "recheck"), (CLOSE, "close")):
        for i, event in enumerate(getattr(record, name)):
            where = f"$.{name}[{i}]"
            if phase == REMEDIATE:
                category(f"{where}.remediation.category", event.remediation.category)
            if phase == RECHECK and event.result is RecheckResult.PENDING:
                continue
            events.append(_Event(event.date or record.date, phase, rel, i, where, record.unit, event.finding, event))
    return events, slots


def _claim(rel: str, date: dt.date, events: list[_Event], slots: list[tuple[int, int]], found: list[Problem],
           claims: dict[str, tuple[dt.date, str]], broken: set[str], problems: list[Problem]) -> list[_Event]:
    """Claim the record's new finding ids in file order; its events, or none when anything is wrong.

    ``found`` are the record's own problems from :func:`_check`; a finding claimed twice is
    reported where :func:`_check` left its slot.
    """
    if not slots and not found:
        return events
    ordered: list[Problem] = []
    taken = 0
    dropped: set[int] = set()
    for at, index in slots:
        ordered.extend(found[taken:at])
        taken = at
        event = events[index]
        if event.finding in claims:
            first_date, first = claims[event.finding]
            ordered.append(Problem("", f"finding {event.finding!r} is already recorded in {first} ({first_date}); "
                                       "a finding is recorded once, later records move it with "
                                       "[[remediate]], [[fixed]], [[recheck]] or [[close]]", rel, f"{event.where}.id"))
            dropped.add(index)
        else:
            claims[event.finding] = (date, rel)
    ordered.extend(found[taken:])
    kept = [e for i, e in enumerate(events) if i not in dropped]
    if not ordered:
        return kept
    # A record with wrong references is reported, not replayed: its moves would only add noise.
    problems.extend(ordered)
    broken.update(e.finding for e in kept if e.phase == NEW)
    return []


_IDS: dict[int, list[str]] = {}


def _checkpoint_ids(catalog: Catalog) -> list[str]:
    """Every checkpoint id, for suggestions; listed once per catalog."""
    if id(catalog) not in _IDS:
        _IDS[id(catalog)] = [c.id for c in catalog.checkpoints]
    return _IDS[id(catalog)]
_LISTS: dict[tuple[int, str], frozenset[str]] = {}


def _on_list(catalog: Catalog, checklist: str) -> frozenset[str]:
    key = (id(catalog), checklist)
    if key not in _LISTS:
        _LISTS[key] = frozenset(catalog.checklist(checklist).checkpoints)
    return _LISTS[key]


#: Below this many records the ledger reads them in this process: on a busy 2-core machine a pool of two
#: was slower at 2,500 records and faster from about 4,000 (bench/ledger_bench.py).
POOL_THRESHOLD = 3000

#: What the worker processes of :func:`build_ledger` share, inherited by fork: catalog, units, file names.
_shared: dict[str, Any] = {}


def _read_events(item: tuple[Path, str]) -> tuple[dt.date | None, list[_Event], list[tuple[int, int]], list[Problem],
                                                  set[str]]:
    """Read and check one record on its own: its date, events, claim slots, problems and broken finding ids.

    This is the work that the process pool shares out; only the compact events come back.
    """
    path, rel = item
    problems: list[Problem] = []
    broken: set[str] = set()
    record = read_record(path, rel, problems, broken)
    if record is None:
        return None, [], [], problems, broken
    events, slots = _check(record, rel, _shared["catalog"], _shared["units"], _shared["files"], problems)
    return record.date, events, slots, problems, broken


def _workers(jobs: int | None, count: int) -> int:
    if jobs is not None:
        return max(1, jobs)
    if count < POOL_THRESHOLD or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(os.cpu_count() or 1, 8)


def build_ledger(root: Path, catalog: Catalog, as_of: dt.date, jobs: int | None = None) -> Ledger:
    """Read the store at ``root`` and replay it up to and including ``as_of``.

    Records are read and checked one at a time, each boiled down to its events;
    with many records (:data:`POOL_THRESHOLD`), in a pool of forked processes, one
    per core (``jobs`` sets the number; 1 reads in this process).  The results
    come back in file order, so the problems and the claims on finding ids are
    the same either way.

    Problems are collected in ``ledger.problems``; the states are meaningful only when it is empty.
    """
    root = Path(root)
    problems: list[Problem] = []
    if not (root / "records").is_dir():
        problems.append(Problem("", f"no records/ folder in {root}; a ledger is a folder with units/*.toml "
                                    "and records/*.toml"))
        return Ledger(as_of, {}, problems=problems)
    units = _load_units(root, catalog, problems)
    ledger = Ledger(as_of, units, problems=problems)
    paths = sorted((root / "records").glob("*.toml"))
    items = [(path, path.relative_to(root).as_posix()) for path in paths]
    claims: dict[str, tuple[dt.date, str]] = {}
    broken: set[str] = set()
    events: list[_Event] = []
    _shared.update(catalog=catalog, units=units, files={p.name for p in paths})
    workers = _workers(jobs, len(items))
    try:
        if workers == 1:
            results: Iterable[Any] = map(_read_events, items)
            pool = None
        else:
            pool = multiprocessing.get_context("fork").Pool(workers)
            results = pool.imap(_read_events, items, chunksize=max(1, len(items) // (workers * 8)))
        for (_, rel), (date, found, slots, own, bad) in zip(items, results, strict=True):
            ledger.records += 1
            broken |= bad
            if date is None:
                problems.extend(own)
                continue
            events.extend(_claim(rel, date, found, slots, own, claims, broken, problems))
        if pool is not None:
            pool.close()
            pool.join()
            pool = None
    finally:
        if pool is not None:
            pool.terminate()
        _shared.clear()
    events.sort(key=lambda e: (e.date, e.phase, e.file, e.seq))
    _replay(ledger, events, catalog, claims, broken)
    return ledger


def _replay(ledger: Ledger, events: list[_Event], catalog: Catalog,
            claims: dict[str, tuple[dt.date, str]], broken: set[str]) -> None:
    entries = ledger.entries
    problems = ledger.problems
    stuck: set[str] = set(broken)  # findings whose earlier move failed: later moves are not reported

    def problem(event: _Event, key: str, message: str) -> None:
        problems.append(Problem("", message, event.file, f"{event.where}{key}"))

    for event in events:
        if event.date > ledger.as_of:
            break
        ident = event.finding
        if event.phase == NEW:
            found = event.obj
            finding = Finding(found.id, found.checkpoint, found.description, found.level, event.date)
            entries[ident] = Entry(finding, event.unit, event.file, event.checking_unit)
            if found.remediation is not None:
                _move(event, ".remediation", entries, stuck, problem,
                      lambda f, r=found.remediation: remediate(f, r, catalog.category(r.category)))
            continue
        if ident in stuck:
            continue
        if ident not in entries:
            if ident in claims:
                date, file = claims[ident]
                problem(event, ".finding", f"finding {ident!r} is recorded on {date} in {file}, after this "
                                           f"move dated {event.date}")
            else:
                known = list(entries) + list(claims)
                problem(event, ".finding", _unknown("finding", ident, known))
            continue
        entry = entries[ident]
        if entry.unit != event.unit:
            problem(event, ".finding", f"finding {ident!r} belongs to unit {entry.unit!r}, "
                                       f"not {event.unit!r}")
            continue
        obj = event.obj
        if event.phase == REMEDIATE:
            _move(event, ".remediation", entries, stuck, problem,
                  lambda f, r=obj.remediation: remediate(f, r, catalog.category(r.category)))
        elif event.phase == FIXED:
            _move(event, "", entries, stuck, problem, lambda f, d=event.date: report_fixed(f, d))
        elif event.phase == RECHECK:
            result = Recheck(event.date, obj.result is RecheckResult.PASSED, obj.by, obj.note)
            _move(event, "", entries, stuck, problem, lambda f, r=result: recheck(f, r))
        else:
            _move(event, "", entries, stuck, problem, lambda f, d=event.date: close(f, d))


def _move(event: _Event, key: str, entries: dict[str, Entry], stuck: set[str], problem: Any, step: Any) -> None:
    entry = entries[event.finding]
    try:
        entries[event.finding] = attrs.evolve(entry, finding=step(entry.finding))
    except LoopError as exc:
        problem(event, key, str(exc))
        stuck.add(event.finding)


# -- Rows --------------------------------------------------------------------------------

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


def _measure(entry: Entry, catalog: Catalog) -> str:
    remediation = entry.finding.remediation
    if remediation is None:
        return "未明确整改方式"
    name = catalog.category(remediation.category).name
    level = f"（{remediation.supervision_level.label}）" if remediation.supervision_level else ""
    deadline = f"，期限{remediation.deadline.isoformat()}" if remediation.deadline else ""
    measures = f"：{remediation.measures}" if remediation.measures else ""
    return f"{name}{level}{measures}{deadline}"


def major_rows(ledger: Ledger, catalog: Catalog, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """附件5: the major hazards found between ``start`` and ``end``, inclusive."""
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
            "采取措施": _measure(entry, catalog),
            "隐患编号": entry.finding.id,
            "状态": state,
        })
    return rows


# -- Output ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """Rows as an aligned text table, CSV (with a header row) or JSON."""
    if fmt == "json":
        return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"
    table = [list(columns)] + [[_cell(row[c]) for c in columns] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(table)
        return out.getvalue()
    widths = [max(_width(line[i]) for line in table) for i in range(len(columns))]
    lines = ["  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(line, widths, strict=True)).rstrip()
             for line in table]
    return "\n".join(lines) + "\n"


# -- New records -------------------------------------------------------------------------


class StoreError(ValueError):
    """A request about the store that cannot be met; the message says why and what to do."""


class LedgerProblems(Exception):
    """The store holds mistakes, so the ledger cannot be trusted."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _fresh(path: Path) -> Path:
    if path.exists():
        raise StoreError(f"{path.as_posix()} already exists; a record is never overwritten: "
                         "rename or remove it first")
    return path


def new_record(root: Path, catalog: Catalog, checklist: str, unit: str, date: dt.date,
               kind: FormKind | None = None) -> tuple[Path, str]:
    """Where to write a new record for ``unit`` on ``checklist``, and its text."""
    root = Path(root)
    if not catalog.has("checklist", checklist):
        raise StoreError(_unknown("checklist", checklist, (c.id for c in catalog.checklists)))
    unit_file = root / "units" / f"{unit}.toml"
    if not unit_file.is_file():
        known = [p.stem for p in (root / "units").glob("*.toml")]
        raise StoreError(f"{_unknown('unit', unit, known)} (no {unit_file.as_posix()}; register the unit there)")
    chosen = catalog.checklist(checklist)
    path = _fresh(root / "records" / f"{date.isoformat()}-{unit}-{checklist}.toml")
    text = new_record_toml(chosen, catalog.checklist_checkpoints(checklist), unit, date, kind or chosen.kind)
    return path, text


def recheck_of(record_path: Path, catalog: Catalog, date: dt.date) -> tuple[Path, str]:
    """Where to write a recheck of ``record_path``, and its text: the record's unresolved findings.

    :raises LedgerProblems: when the store does not replay cleanly up to ``date``.
    """
    record_path = Path(record_path)
    if not record_path.is_file():
        raise StoreError(f"no record {record_path.as_posix()}")
    if record_path.parent.name != "records":
        raise StoreError(f"{record_path.as_posix()} is not in a ledger's records/ folder")
    root = record_path.parent.parent
    ledger = build_ledger(root, catalog, date)
    if ledger.problems:
        raise LedgerProblems(ledger.problems)
    earlier = read_record(record_path, record_path.name, [])
    assert earlier is not None  # it replayed cleanly
    if date < earlier.date:
        raise StoreError(f"a recheck on {date} cannot follow {record_path.name} of {earlier.date}")
    mentioned = [f.id for f in earlier.finding]
    for name in ("remediate", "fixed", "recheck", "close"):
        mentioned.extend(e.finding for e in getattr(earlier, name))
    unresolved = []
    for ident in dict.fromkeys(mentioned):
        f = ledger.entries[ident].finding
        if f.state in UNRESOLVED:
            title = catalog.checkpoint(f.checkpoint).title
            unresolved.append((ident, f"{f.checkpoint} {title}：{f.description}（{f.state.label}）"))
    if not unresolved:
        raise StoreError(f"nothing to recheck: no finding of {record_path.name} is unresolved on {date}")
    path = _fresh(record_path.parent / f"{date.isoformat()}-{earlier.unit}-recheck.toml")
    return path, recheck_record_toml(earlier, record_path.name, unresolved, date)
