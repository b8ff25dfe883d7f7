"""The ledger (台账): every finding's state, replayed from a store of records.

:func:`build_ledger` reads ``units/*.toml`` and then ``records/*.toml`` one
file at a time.  Each record is checked against the catalog and the units and
boiled down to its events (a finding found, a remediation assigned, a fix
reported, a recheck, a close-out); the record itself, checkpoint marks and all,
is dropped.  The events are then replayed in date order through the rules of
:mod:`checkframe.ledger.findings`; on one date, new findings come first, then
remediations, fixes, rechecks and close-outs.  Every problem is gathered, one
per line, with the record file, key path and finding id.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from checkframe.catalog import Catalog
from checkframe.errors import Problem, unknown
from checkframe.ledger.findings import (
    Finding,
    LoopError,
    Recheck,
    close,
    is_overdue,
    recheck,
    remediate,
    report_fixed,
)
from checkframe.ledger.records import (
    RecheckResult,
    Record,
    Unit,
    read_record,
    read_unit,
)
from checkframe.util import parallel

__all__ = ["Entry", "Ledger", "build_ledger"]

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
            problems.append(Problem("", unknown("sector", unit.sector, (s.id for s in catalog.sectors)), rel, "$.sector"))
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
        problem("$.unit", unknown("unit", record.unit, units) + f" (no units/{record.unit}.toml)")
    if not catalog.has("checklist", record.checklist):
        problem("$.checklist", unknown("checklist", record.checklist, (c.id for c in catalog.checklists)))
        on_list: frozenset[str] | None = None
    else:
        on_list = catalog.members(record.checklist)
    if record.follows and record.follows not in files:
        problem("$.follows", f"no record {record.follows!r} in records/")
    checkpoint_ids = catalog.ids("checkpoint")
    for i, item in enumerate(record.item):
        if on_list is not None and item.checkpoint in on_list:
            continue  # the common case; on_list holds known checkpoints only
        if not catalog.has("checkpoint", item.checkpoint):
            problem(f"$.item[{i}].checkpoint", unknown("checkpoint", item.checkpoint, checkpoint_ids))
        elif on_list is not None:
            problem(f"$.item[{i}].checkpoint", f"checkpoint {item.checkpoint!r} is not on checklist {record.checklist!r}")

    def category(where: str, code: str) -> None:
        if not catalog.has("category", code):
            problem(where, unknown("remediation category", code, (c.code for c in catalog.categories)))

    checking_unit = record.checking_unit
    if not checking_unit and record.unit in units:
        checking_unit = units[record.unit].name
    events: list[_Event] = []
    slots = []
    for i, found in enumerate(record.finding):
        where = f"$.finding[{i}]"
        if not catalog.has("checkpoint", found.checkpoint):
            problem(f"{where}.checkpoint", unknown("checkpoint", found.checkpoint, checkpoint_ids))
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


#: Below this many records the ledger reads them in this process: on a busy 2-core machine a pool of two
#: was slower at 2,500 records and faster from about 4,000 (bench/ledger_bench.py).
POOL_THRESHOLD = 3000

#: At most this many workers read records, however many cores there are.
POOL_LIMIT = 8


def _read_events(shared: tuple[Catalog, dict[str, Unit], set[str]], item: tuple[Path, str]) -> tuple[
        dt.date | None, list[_Event], list[tuple[int, int]], list[Problem], set[str]]:
    """Read and check one record on its own: its date, events, claim slots, problems and broken finding ids.

    This is the work that the process pool shares out; ``shared`` is the catalog, the units and the record
    file names, given to each worker once.  Only the compact events come back.
    """
    path, rel = item
    problems: list[Problem] = []
    broken: set[str] = set()
    record = read_record(path, rel, problems, broken)
    if record is None:
        return None, [], [], problems, broken
    catalog, units, files = shared
    events, slots = _check(record, rel, catalog, units, files, problems)
    return record.date, events, slots, problems, broken


def build_ledger(root: Path, catalog: Catalog, as_of: dt.date, jobs: int | None = None) -> Ledger:
    """Read the store at ``root`` and replay it up to and including ``as_of``.

    Records are read and checked one at a time, each boiled down to its events;
    with many records (:data:`POOL_THRESHOLD`), in a pool of worker processes,
    one per core (``jobs`` sets the number; 1 reads in this process; see
    :func:`checkframe.util.parallel.workers`).  The results come back in file
    order, so the problems and the claims on finding ids are the same either way.

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
    results = parallel.ordered_map(
        _read_events, items, shared=(catalog, units, {p.name for p in paths}), jobs=jobs,
        threshold=POOL_THRESHOLD, limit=POOL_LIMIT,
    )
    for (_, rel), (date, found, slots, own, bad) in zip(items, results, strict=True):
        ledger.records += 1
        broken |= bad
        if date is None:
            problems.extend(own)
            continue
        events.extend(_claim(rel, date, found, slots, own, claims, broken, problems))
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
                problem(event, ".finding", unknown("finding", ident, known))
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
