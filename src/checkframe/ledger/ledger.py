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
import hashlib
import os
import pickle
import re
import stat
import sys
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from checkframe.catalog import Catalog
from checkframe.catalog.places import lines_placed
from checkframe.errors import ContentError, Problem
from checkframe.ledger import findings as loop
from checkframe.ledger.cache import Cache, content_hash, replays
from checkframe.ledger.cache import dump as cache_dump
from checkframe.ledger.cache import load as cache_load
from checkframe.ledger.findings import (
    Finding,
    LoopError,
    Recheck,
    Resumption,
    close,
    is_overdue,
    quick_pickle,
    recheck,
    remediate,
    report_fixed,
)
from checkframe.ledger.messages import labelled, near, quoted, words
from checkframe.ledger.messages import problem as say
from checkframe.ledger.records import (
    Kept,
    RecheckResult,
    Record,
    Unit,
    kept_record,
    read_record_rows,
    read_unit,
    record_data,
)
from checkframe.ledger.rules import LedgerRules, apply_rules
from checkframe.messages import cut
from checkframe.model import EnforcementMeasure, FindingKind, FindingSource, FindingState, FormKind, HazardLevel
from checkframe.util import collector, parallel
from checkframe.util.progress import NO_PROGRESS, Progress
from checkframe.util.reading import MAX_BYTES, ReadError, read_bytes, read_text

__all__ = ["Entry", "Ledger", "Line", "build_ledger"]

#: The order of events on one date.
NEW, REPORT, REMEDIATE, ESCALATE, STOP, FIXED, RECHECK, CLOSE, RESUME = range(9)

#: Each event's table in a record, by phase.
TABLES = {REPORT: "report", REMEDIATE: "remediate", ESCALATE: "escalate", STOP: "stop", FIXED: "fixed",
          RECHECK: "recheck", CLOSE: "close", RESUME: "resume"}


@quick_pickle
@frozen
class Entry:
    """A finding on the ledger and where it came from."""

    finding: Finding
    unit: str
    #: The record file that found it, relative to the store.
    file: str
    #: 检查单位 of that record.
    checking_unit: str
    #: Where each kind of event on it was last recorded: ``"finding"``, ``"stop"``, ``"resume"``, ... ->
    #: (record file, key path); what a rule's problem points at.
    places: dict[str, tuple[str, str]] = attrs.field(factory=dict, eq=False)


@quick_pickle
@frozen
class Line:
    """What the ledger's rows and counts take from one finding, as it stands on the ledger's date.

    :func:`checkframe.ledger.rows.ledger_rows`, ``summary_rows`` and ``weekly_rows`` read these, not the
    finding itself, and ``major_rows`` chooses its findings by them: a ledger holds a line for every finding
    and the finding in full only where a report asks for it (:meth:`Ledger.full`), so a run from the cache
    does not rebuild every finding the store ever had.  ``overdue`` and ``late`` depend on the ledger's date
    and the rules, which is why the cache keeps a unit's lines under both (:class:`UnitView`).
    """

    id: str
    unit: str
    #: The record file that found it, relative to the store.
    file: str
    checkpoint: str
    kind: FindingKind
    level: HazardLevel
    source: FindingSource
    state: FindingState
    #: The code of its remediation category; "" without a route.
    category: str
    deadline: dt.date | None
    #: How it stands on a production stop: "", a stop's scope (``full``, ``partial``) or ``resumed``.
    stop: str
    found_on: dt.date
    accepted_on: dt.date | None
    #: The date of its production stop, if any.
    stop_on: dt.date | None
    #: The day each of its routes with a written order (an order number) was given.
    orders: tuple[dt.date, ...]
    #: What was done against it found as an illegal operation, and the fine in 万元.
    measures: tuple[EnforcementMeasure, ...]
    fine: float
    #: The days it was escalated.
    escalated: tuple[dt.date, ...]
    level_reason: str
    overdue: bool
    #: Why it is overdue, as the ledger shows it (its deadline passed, then what the rules say), joined by "；".
    late: str
    #: What the rules say, alone (:attr:`Ledger.late`).
    rules_late: tuple[str, ...]


def _stop_state(finding: Finding) -> str:
    if finding.stop is None:
        return ""
    if finding.resumption is not None and finding.resumption.approved_by:
        return "resumed"
    return finding.stop.scope.value


@attrs.define
class Ledger:
    """The findings of a store replayed to ``as_of``: a :class:`Line` of each, the full :class:`Entry` on demand.

    ``lines`` holds every finding in the order of its record's event (date, record file, index); ``entries``
    the findings held in full, which are those of the units replayed in this run (every finding when the store
    was replayed whole, without the cache or with problems).  :meth:`full` gives any finding in full, reading
    what ``entries`` does not hold from the cache (or the unit's records), so a report that needs a finding's
    route, stop or rechecks asks for the few it shows.
    """

    as_of: dt.date
    units: dict[str, Unit]
    entries: dict[str, Entry] = attrs.field(factory=dict, eq=False)
    problems: list[Problem] = attrs.Factory(list)
    records: int = 0
    #: Why a finding is late beyond its deadline, as the rules found (finding id -> reasons in Chinese).
    late: dict[str, list[str]] = attrs.Factory(dict)
    #: The names of the stop kinds known to the rules: production_stop -> 停产停业整改, ...
    stop_names: dict[str, str] = attrs.Factory(dict)
    #: Every finding's line, by finding id.
    lines: dict[str, Line] = attrs.Factory(dict)
    #: Reads the entries of the units given (their replays), for the findings ``entries`` does not hold.
    fetch: Callable[[Collection[str]], dict[str, Entry]] | None = attrs.field(default=None, repr=False, eq=False)

    def full(self, idents: Iterable[str]) -> dict[str, Entry]:
        """The findings ``idents`` in full, in that order, those the ledger has (others are left out)."""
        wanted = [ident for ident in dict.fromkeys(idents) if ident in self.lines or ident in self.entries]
        missing = {self.lines[ident].unit for ident in wanted if ident not in self.entries}
        fetched = self.fetch(sorted(missing)) if missing and self.fetch is not None else {}
        return {ident: self.entries[ident] if ident in self.entries else fetched[ident] for ident in wanted
                if ident in self.entries or ident in fetched}

    def entry(self, ident: str) -> Entry:
        """One finding in full; KeyError when the ledger does not have it."""
        return self.full((ident,))[ident]

    def all_entries(self) -> dict[str, Entry]:
        """Every finding in full, in the ledger's order (reads every unit's replay: for tests and small stores)."""
        return self.full(self.lines)

    def line(self, entry: Entry) -> Line:
        """The line of ``entry`` on this ledger's date, with the rules' reasons in :attr:`late`."""
        f = entry.finding
        remediation = f.remediation
        rules_late = tuple(self.late.get(f.id, ()))
        reasons = self.late_reasons(entry) if rules_late or is_overdue(f, self.as_of) else ()
        enforcement = f.enforcement
        return Line(f.id, entry.unit, entry.file, f.checkpoint, f.kind, f.level, f.source, f.state,
                    remediation.category if remediation else "", remediation.deadline if remediation else None,
                    _stop_state(f), f.found_on, f.accepted_on, f.stop.date if f.stop is not None else None,
                    tuple(on for on, route in loop.routes(f) if route.order_number),
                    enforcement.measures if enforcement is not None else (),
                    enforcement.fine if enforcement is not None else 0.0,
                    tuple(on for on, _ in f.escalated), f.level_reason, bool(reasons),
                    "；".join(reasons) if reasons else "", rules_late)

    def overdue(self, entry: Entry) -> bool:
        return is_overdue(entry.finding, self.as_of) or bool(self.late.get(entry.finding.id))

    def late_reasons(self, entry: Entry) -> list[str]:
        """Why the finding is overdue: its deadline passed (逾期), and what the rules say."""
        reasons = []
        if is_overdue(entry.finding, self.as_of):
            assert entry.finding.remediation is not None and entry.finding.remediation.deadline is not None
            reasons.append(f"超过整改期限{entry.finding.remediation.deadline.isoformat()}")
        return reasons + self.late.get(entry.finding.id, [])


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
    #: The record is a supervision record (the department's), not the unit's own.
    supervision: bool = False


def _load_units(root: Path, catalog: Catalog, problems: list[Problem],
                unreadable: dict[str, int] | None = None) -> dict[str, Unit]:
    """The units that read; ``unreadable`` gets each unit id whose file does not, with the index of its last problem."""
    units = {}
    for path in sorted((root / "units").glob("*.toml")):
        rel = path.relative_to(root).as_posix()
        unit = read_unit(path, rel, problems)
        if unit is None:
            if unreadable is not None:
                unreadable[path.stem] = len(problems) - 1
            continue
        if not catalog.has("sector", unit.sector):
            problems.append(say(rel, "$.sector", "unknown_sector", sector=quoted(unit.sector),
                                near=near(unit.sector, (s.id for s in catalog.sectors))))
        units[path.stem] = unit
    return units


def _check(record: Record, rows: tuple[str, ...], rel: str, catalog: Catalog, units: dict[str, Unit], files: Collection[str],
           problems: list[Problem], unreadable: Collection[str] = ()) -> tuple[list[_Event], list[tuple[int, int]]]:
    """Check one record's references on its own and return its events, all of them; ``rows`` are its rows' checkpoints.

    Whether a finding id is already claimed by an earlier record depends on the
    other records, so it is left to :func:`_claim`: the second list holds, for
    each new finding, ``(len(problems) at that point, its index in the events)``,
    where that check's problem belongs in the order of the report.  A unit in ``unreadable`` (its file does
    not read) is not reported again as unknown.
    """

    def problem(where: str, code: str, /, **values: Any) -> None:
        problems.append(say(rel, where, code, **values))

    if record.unit not in units and record.unit not in unreadable:
        problem("$.unit", "unknown_unit", unit=quoted(record.unit), name=cut(record.unit), near=near(record.unit, units))
    if not catalog.has("checklist", record.checklist):
        problem("$.checklist", "unknown_checklist", checklist=quoted(record.checklist),
                near=near(record.checklist, (c.id for c in catalog.checklists)))
        on_list: frozenset[str] | None = None
    else:
        on_list = catalog.members(record.checklist)
    if record.follows and record.follows not in files:
        problem("$.follows", "no_follows", follows=quoted(record.follows))
    checkpoint_ids = catalog.ids("checkpoint")
    for i, checkpoint in enumerate(() if on_list is not None and on_list.issuperset(rows) else rows):
        if on_list is not None and checkpoint in on_list:
            continue  # the common case; on_list holds known checkpoints only
        if not catalog.has("checkpoint", checkpoint):
            problem(f"$.item[{i}].checkpoint", "unknown_checkpoint", checkpoint=quoted(checkpoint),
                    near=near(checkpoint, checkpoint_ids))
        elif on_list is not None:
            problem(f"$.item[{i}].checkpoint", "off_checklist", checkpoint=quoted(checkpoint),
                    checklist=quoted(record.checklist))

    def category(where: str, code: str) -> None:
        if not catalog.has("category", code):
            problem(where, "unknown_category", category=quoted(code), near=near(code, (c.code for c in catalog.categories)))

    checking_unit = record.checking_unit
    if not checking_unit and record.unit in units:
        checking_unit = units[record.unit].name
    supervision = record.kind is FormKind.SUPERVISION
    events: list[_Event] = []
    slots = []
    for i, found in enumerate(record.finding):
        where = f"$.finding[{i}]"
        if not catalog.has("checkpoint", found.checkpoint):
            problem(f"{where}.checkpoint", "unknown_checkpoint", checkpoint=quoted(found.checkpoint),
                    near=near(found.checkpoint, checkpoint_ids))
        else:
            expected = catalog.checkpoint(found.checkpoint).level
            if found.level is not expected and not found.level_reason.strip():
                problem(f"{where}.level", "level_reason", id=quoted(found.id), level=labelled(found.level),
                        checkpoint=quoted(found.checkpoint), expected=labelled(expected), value=quoted(expected.value))
        if found.remediation is not None:
            category(f"{where}.remediation.category", found.remediation.category)
        _check_enforcement(found, where, problem)
        slots.append((len(problems), len(events)))
        events.append(_Event(record.date, NEW, rel, i, where, record.unit, found.id, found, checking_unit,
                             supervision))
    for phase, name in TABLES.items():
        for i, event in enumerate(getattr(record, name)):
            where = f"$.{name}[{i}]"
            if phase in (REMEDIATE, ESCALATE):
                category(f"{where}.remediation.category", event.remediation.category)
            if phase == RECHECK and event.result is RecheckResult.PENDING:
                continue
            events.append(_Event(event.date or record.date, phase, rel, i, where, record.unit, event.finding, event,
                                 supervision=supervision))
    return events, slots


def _check_unread(path: str, rel: str, own: list[Problem], catalog: Catalog, units: dict[str, Unit],
                  files: Collection[str], unreadable: Collection[str]) -> list[Problem]:
    """What :func:`_check` can say of a record that reads as TOML but does not structure, from its raw tables.

    So a wrong level or a misspelt key does not hide an unknown unit, checklist or checkpoint until it is
    fixed: the references that are strings are checked, each where the reader (``own``) did not already say.
    """
    data = record_data(path)
    if data is None:
        return []
    refused = [p.path for p in own]
    found: list[Problem] = []

    def problem(where: str, code: str, /, **values: Any) -> None:
        if not any(where == at or where.startswith((f"{at}.", f"{at}[")) for at in refused):
            found.append(say(rel, where, code, **values))

    def tables(name: str, raw: Any = None) -> list[tuple[int, dict[str, Any]]]:
        value = data.get(name) if raw is None else raw
        return [(i, t) for i, t in enumerate(value) if isinstance(t, dict)] if isinstance(value, list) else []

    unit = data.get("unit")
    if isinstance(unit, str) and unit not in units and unit not in unreadable:
        problem("$.unit", "unknown_unit", unit=quoted(unit), name=cut(unit), near=near(unit, units))
    checklist = data.get("checklist")
    on_list: frozenset[str] | None = None
    if isinstance(checklist, str):
        if catalog.has("checklist", checklist):
            on_list = catalog.members(checklist)
        else:
            problem("$.checklist", "unknown_checklist", checklist=quoted(checklist),
                    near=near(checklist, (c.id for c in catalog.checklists)))
    follows = data.get("follows")
    if isinstance(follows, str) and follows and follows not in files:
        problem("$.follows", "no_follows", follows=quoted(follows))
    checkpoint_ids = catalog.ids("checkpoint")

    def checkpoint(where: str, ident: Any, listed: bool) -> bool:
        if not isinstance(ident, str):
            return False
        if not catalog.has("checkpoint", ident):
            problem(where, "unknown_checkpoint", checkpoint=quoted(ident), near=near(ident, checkpoint_ids))
            return False
        if listed and on_list is not None and ident not in on_list:
            problem(where, "off_checklist", checkpoint=quoted(ident), checklist=quoted(checklist))
        return True

    def category(where: str, remediation: Any) -> None:
        code = remediation.get("category") if isinstance(remediation, dict) else None
        if isinstance(code, str) and not catalog.has("category", code):
            problem(where, "unknown_category", category=quoted(code),
                    near=near(code, (c.code for c in catalog.categories)))

    for i, row in tables("item"):
        checkpoint(f"$.item[{i}].checkpoint", row.get("checkpoint"), True)
    levels = {level.value: level for level in HazardLevel}
    for i, raw in tables("finding"):
        where = f"$.finding[{i}]"
        ident, level, reason = raw.get("checkpoint"), raw.get("level"), raw.get("level_reason", "")
        known = checkpoint(f"{where}.checkpoint", ident, False)
        if known and isinstance(ident, str) and isinstance(level, str) and level in levels and isinstance(reason, str):
            expected = catalog.checkpoint(ident).level
            if levels[level] is not expected and not reason.strip() and isinstance(raw.get("id"), str):
                problem(f"{where}.level", "level_reason", id=quoted(raw["id"]), level=labelled(levels[level]),
                        checkpoint=quoted(ident), expected=labelled(expected), value=quoted(expected.value))
        category(f"{where}.remediation.category", raw.get("remediation"))
    for name in ("remediate", "escalate"):
        for i, raw in tables(name):
            category(f"$.{name}[{i}].remediation.category", raw.get("remediation"))
    return found


def _check_enforcement(found: Any, where: str, problem: Any) -> None:
    """An illegal operation names what was done against it; a fine, its amount."""
    enforcement = found.enforcement
    ident = quoted(found.id)
    if found.kind is FindingKind.ILLEGAL and (enforcement is None or not enforcement.measures):
        problem(f"{where}.enforcement", "enforcement_missing", id=ident,
                measures="、".join(labelled(m) for m in EnforcementMeasure))
    elif found.kind is FindingKind.HAZARD and enforcement is not None:
        problem(f"{where}.enforcement", "enforcement_hazard")
    elif enforcement is not None:
        fined = EnforcementMeasure.FINE in enforcement.measures
        if fined and not enforcement.fine > 0:
            problem(f"{where}.enforcement.fine", "fine_amount", id=ident)
        elif enforcement.fine and not fined:
            problem(f"{where}.enforcement.measures", "fine_measure", id=ident, fine=f"{enforcement.fine:g}")


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
            ordered.append(say(rel, f"{event.where}.id", "claimed", id=quoted(event.finding), file=first,
                               date=first_date))
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


#: A record as the ledger uses it: the record without its checkpoint rows, and the rows' checkpoint ids.
Parsed = tuple[Record, tuple[str, ...]]


#: What :func:`_parse` answers: the parsed record and what the cache keeps of it, or None with the problems and
#: the finding ids of a record that does not read; and the file's content hash (None when it cannot be read).
Parsed_ = tuple[tuple[Parsed, Kept] | None, list[Problem], set[str], str | None]


def _parse(_: None, item: tuple[str, str]) -> Parsed_:
    """Read one record: its parsed form, or the problems and the finding ids of a record that does not read.

    This is the work that the process pool shares out, on the file's path: the bytes are read once, for
    the content hash that :mod:`checkframe.ledger.cache` keeps the result under and for the record.
    """
    path, rel = item
    problems: list[Problem] = []
    broken: set[str] = set()
    content: bytes | None = None
    key: str | None = None
    try:
        content = read_bytes(path)
        key = content_hash(content)
    except ReadError:
        pass  # the reader says why
    parsed = read_record_rows(path, rel, problems, broken, content)
    if parsed is None:
        return None, problems, broken, key
    record, ids, kept = parsed
    return ((record, ids), kept), [], broken, key


#: A file of a unit's task: its path, its name in the store, and, when the cache holds its record, its
#: content hash and what the cache keeps of it, pickled.
TaskFile = tuple[str, str, "str | None", "bytes | None"]

#: What a task says of each of its files: what the cache keeps of its record, pickled (None when it does not
#: read), its problems, the finding ids of a record that does not read, its content hash and its unit.
FileResult = tuple["bytes | None", list[Problem], set[str], "str | None", "str | None"]


@frozen
class _Shared:
    """What every unit's task needs and none changes: a pool's worker gets it once, as it starts."""

    #: The date, units and stop names of the ledger being built (no entries).
    ledger: Ledger
    catalog: Catalog
    rules: LedgerRules
    #: The names of all record files, ``records/...``.
    files: frozenset[str]


def _read_unit(shared: _Shared, task: tuple[str | None, list[TaskFile]]) -> tuple[list[FileResult], bytes | None]:
    """Read the files of one unit's task and, when they all read and are that unit's, replay them.

    The work a pool shares out, one unit at a time, so that the records' checks and replays run in the
    workers too, not only their parsing.  A task holds the files whose names say they are the unit's
    (:func:`_unit_by_name`) and its files already in the cache; the caller takes the replay only when
    the task held every file of the unit, which only the files themselves say.  A task for no unit
    (names that name none) only reads its files.  The replay comes back pickled, as the cache keeps it.
    """
    unit, files = task
    results: list[FileResult] = []
    records: list[tuple[str, Parsed]] = []
    for path, rel, key, blob in files:
        record: Parsed | None = None
        if blob is not None:
            try:
                record = kept_record(cache_load(blob))
            except Exception:  # noqa: BLE001 - a corrupt cache entry: the file is read again
                record = None
        if record is None:
            found, problems, broken, key = _parse(None, (path, rel))
            if found is None:
                results.append((None, problems, broken, key, None))
                continue
            record, kept = found
            blob = cache_dump(kept)
        results.append((blob, [], set(), key, record[0].unit))
        records.append((rel, record))
    replay = None
    if unit is not None and len(records) == len(files) and all(record.unit == unit for _, (record, _) in records):
        held = _replay_unit(shared.ledger, records, shared.catalog, shared.rules, shared.files)
        if held is not None:
            replay = cache_dump(held)
    return results, replay


_DATED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}-")


def _unit_by_name(name: str, units: Collection[str]) -> str | None:
    """The unit a record's file name says it is of (``inspect new`` names it ``DATE-UNIT-....toml``), if any.

    Only a guess, to put a unit's files in one task: the record's ``unit`` is what counts.  The longest
    registered unit id that the name holds after the date wins (unit ids may hold dashes).
    """
    if _DATED.match(name) is None:
        return None
    parts = name[11:].removesuffix(".toml").split("-")
    for count in range(len(parts), 0, -1):
        candidate = "-".join(parts[:count])
        if candidate in units:
            return candidate
    return None


#: A task's files when their names name no unit: they are only read, so any number of them may share one.
UNNAMED_TASK = 50


def _content_key(path: str) -> str | None:
    """The cache key of a record file; None when it cannot be hashed (the reader then says why)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        with open(path, "rb") as handle:
            return content_hash(handle.read())
    except OSError:
        return None


def _signature(path: str) -> tuple[int, ...] | None:
    """What says a file is unchanged since it was hashed: size, times, inode; None when it is not a regular file."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev


def _record_names(folder: Path) -> list[str]:
    """The names in ``folder`` that ``folder.glob("*.toml")`` lists, sorted as its paths sort."""
    try:
        return sorted(name for name in os.listdir(folder) if name.endswith(".toml"))
    except OSError:
        return []


def build_ledger(root: Path, catalog: Catalog, as_of: dt.date, jobs: int | None = None,
                 rules: LedgerRules | None = None, cache: bool = True, progress: Progress = NO_PROGRESS) -> Ledger:
    """Read the store at ``root`` and replay it up to and including ``as_of``.

    Each record is parsed once and kept in the ledger's cache by its content hash, and each unit's
    replay by the unit's records (:mod:`checkframe.ledger.cache`; ``cache=False`` neither reads nor
    writes it), so a later run reads only new or changed files and replays only their units.  With
    many new files (:data:`POOL_THRESHOLD`), a pool of worker processes, one per core (``jobs`` sets
    the number; 1 reads in this process; see :func:`checkframe.util.parallel.workers`), reads, checks
    and replays them a unit at a time (:func:`_read_unit`).  Every record is checked against the
    catalog, the units and the other records, and a ledger with any problem is replayed whole in
    file order, so the problems and the claims on finding ids are the same either way.  Then the
    ``rules`` (the core's and the plugins', :mod:`checkframe.ledger.rules`; the core's alone when
    None) are run on every finding.

    A unit whose file does not read is reported once: the records naming it are not reported as
    naming an unknown unit, nor replayed, and the unit's line says how many were left unchecked.  A record
    that reads as TOML but does not structure is not replayed; its references are checked all the same, on
    its raw tables (:func:`_check_unread`), so that all its problems come in one run.

    ``progress`` is told each phase (reading, checking, replaying) and how many records are read; a
    terminal shows it when the work lasts (:mod:`checkframe.util.progress`).

    Problems are collected in ``ledger.problems``; the states are meaningful only when it is empty.

    The cycle collector is paused meanwhile (in the pool's workers too, which fork with it paused): a
    ledger makes hundreds of thousands of objects and no cycles, and the collector's passes over
    everything alive, the catalog included, were an eighth of a cold run.
    """
    with collector.paused():
        try:
            return _build_ledger(Path(root), catalog, as_of, jobs, rules, cache, progress)
        except _Spoilt:  # a cached record that is lost or no longer unpickles: read everything, cache anew
            return _build_ledger(Path(root), catalog, as_of, jobs, rules, cache, progress, fresh=True)


def with_lines(root: Path, problems: list[Problem]) -> list[Problem]:
    """``problems`` of the ledger at ``root`` with the line of the file each names (its key, or the nearest key
    written above it), as a clerk finds it in an editor: ``records/x.toml 第12行：……``; the ledger commands
    print them so.  The files are read again (a record taken from the cache was not read in this run), which
    only problems cost; a file that no longer reads gets no line.  ``Ledger.problems`` keep their key paths."""
    return lines_placed(problems, lambda file: read_text(root / file))


@quick_pickle
@frozen
class UnitResult:
    """One unit's records replayed on their own, as the cache keeps it between runs."""

    #: The latest date of any of its events: the replay holds for any ``as_of`` from then on.
    latest: dt.date
    #: Its findings, each with the order of its record's event among all (date, record file, index).
    entries: tuple[tuple[tuple[dt.date, str, int], Entry], ...]
    #: The finding ids its records claim: id -> (date, record file).
    claims: dict[str, tuple[dt.date, str]]
    #: The record files its records follow.
    follows: frozenset[str]


@quick_pickle
@frozen
class UnitView:
    """One unit's findings as lines under one set of rules (on one date, when they depend on it), as cached.

    Kept under the unit's replay key and :func:`rules_digest`: a run with the same records and rules on a date
    the view holds on (:meth:`holds_on`) takes a unit's lines from here and rebuilds none of its findings.
    """

    #: Its findings' lines, each with the order of its record's event among all (date, record file, index).
    lines: tuple[tuple[tuple[dt.date, str, int], Line], ...]
    #: The record files its records follow.
    follows: frozenset[str]
    #: The latest date of any of its records' events.
    latest: dt.date
    #: The date the lines were made on when they depend on it (a finding open with a deadline, or a rule that
    #: read the date); None when they hold on any date from ``latest`` on.
    as_of: dt.date | None

    def holds_on(self, as_of: dt.date) -> bool:
        """Whether these are the unit's lines on ``as_of``."""
        return self.latest <= as_of and (self.as_of is None or self.as_of == as_of)

    def ids(self) -> list[str]:
        """Its finding ids: those its records claim (its replay replayed every event, so it has each claimed one)."""
        return [line.id for _, line in self.lines]


def rules_digest(rules: LedgerRules) -> str | None:
    """A digest of the rules a finding's line depends on (overdue, the rules' reasons), or None when one is not known.

    Each rule by its plugin, sector and name, the values its closure holds, and the source files of the package
    that defines it (every module of its top-level package: a rule may call helpers of its plugin's other
    modules; its own module alone when it is not in a package); a rule whose source cannot be read (a callable
    object, a function made without a file) gives None, and then no unit's view is cached: the rules run on every
    finding, as without a cache.
    """
    digest = hashlib.blake2b(digest_size=16)
    sources: dict[str, bytes | None] = {}  # a package's digest, once for all its rules
    for rule in rules.rules:
        check = rule.check
        name = getattr(check, "__module__", None) or ""
        module = sys.modules.get(name)
        source = getattr(module, "__file__", None)
        if source is None or getattr(check, "__code__", None) is None:
            return None
        top = sys.modules.get(name.partition(".")[0])
        folders = list(getattr(getattr(top, "__spec__", None), "submodule_search_locations", None) or ())
        where = os.pathsep.join(folders) if folders else source
        if where not in sources:
            sources[where] = _sources_digest([Path(f) for f in folders] if folders else [Path(source)])
        if sources[where] is None:
            return None
        cells = [cell.cell_contents for cell in getattr(check, "__closure__", None) or ()]
        digest.update(repr((rule.plugin, rule.sector, rule.name, where, cells)).encode())
        digest.update(sources[where] or b"")
    return digest.hexdigest()


def _sources_digest(paths: list[Path]) -> bytes | None:
    """A digest of the Python files at ``paths`` (files, or folders walked for ``*.py``); None when one cannot be
    read."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        for path in paths:
            files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
            for file in files:
                data = file.read_bytes()
                digest.update(f"{file.as_posix()} {len(data)}\n".encode())
                digest.update(data)
    except OSError:
        return None
    return digest.digest()


@attrs.define
class _Fetch:
    """Reads findings in full for :meth:`Ledger.full`: each unit's replay from the cache, else from its records."""

    root: Path
    context: str
    #: Unit id -> the key of its cached replay (None when it is not cached) and its record files (path, name).
    units: dict[str, tuple[Any, list[tuple[str, str]]]]
    #: The ledger's date, units and stop names (no findings), to replay a unit with.
    ledger: Ledger
    catalog: Catalog
    rules: LedgerRules
    files: frozenset[str]

    def __call__(self, units: Collection[str]) -> dict[str, Entry]:
        wanted = {unit: self.units[unit][0] for unit in units if self.units[unit][0] is not None}
        found = replays(self.root, self.context, wanted) if wanted else {}
        entries: dict[str, Entry] = {}
        for unit in units:
            held = found.get(unit)
            if not isinstance(held, UnitResult):  # not cached, lost or corrupt: replayed from its records again
                records = []
                for path, rel in self.units[unit][1]:
                    read, _, _, _ = _parse(None, (path, rel))
                    if read is None:
                        raise _changed(rel)
                    records.append((rel, read[0]))
                held = _replay_unit(self.ledger, records, self.catalog, self.rules, self.files)
                if held is None:
                    raise ContentError([Problem("", words("unit_changed_while_read", unit=quoted(unit)), language="zh")])
            entries.update((entry.finding.id, entry) for _, entry in held.entries)
        return entries


def _changed(file: str) -> ContentError:
    """A record (of the unit ``file`` is one of) that no longer replays as it did when the ledger was read: edited
    while the command ran.  The clerk's problem, not a bug: run the command again."""
    return ContentError([Problem("", words("changed_while_read"), file, language="zh")])


def context(catalog: Catalog, rules: LedgerRules) -> str:
    """A digest of what a unit's replay depends on besides its records: the catalog's facts and the stop kinds."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr([(c.id, c.level.value) for c in catalog.checkpoints]).encode())
    digest.update(repr([(c.id, c.checkpoints) for c in catalog.checklists]).encode())
    digest.update(repr(catalog.categories).encode())
    digest.update(repr(sorted(rules.stop_names().items())).encode())
    return digest.hexdigest()


def _build_ledger(root: Path, catalog: Catalog, as_of: dt.date, jobs: int | None, rules: LedgerRules | None,
                  cache: bool, progress: Progress, fresh: bool = False) -> Ledger:
    rules = rules or LedgerRules.core()
    problems: list[Problem] = []
    if not (root / "records").is_dir():
        said = words("no_records", root=root.as_posix()) if root.is_dir() else words("no_ledger", root=root.as_posix())
        problems.append(Problem("", said, language="zh"))
        return Ledger(as_of, {}, problems=problems)
    if not (root / "units").is_dir():  # no record could name its unit: one line, not one per record
        problems.append(Problem("", words("no_units", root=root.as_posix()), language="zh"))
        return Ledger(as_of, {}, problems=problems)
    unreadable: dict[str, int] = {}
    units = _load_units(root, catalog, problems, unreadable)
    ledger = Ledger(as_of, units, problems=problems, stop_names=rules.stop_names())
    names = _record_names(root / "records")
    folder = os.path.join(root, "records")
    items = [(os.path.join(folder, name), f"records/{name}") for name in names]
    store = Cache(root, context(catalog, rules), fresh=fresh) if cache else None
    keys: list[str | None] = [None] * len(items)
    signatures: list[tuple[int, ...] | None] = [None] * len(items)
    #: The record of each item, once parsed or taken from the cache.
    parsed: list[Parsed | None] = [None] * len(items)
    #: The unit of each item that reads.
    unit_of: list[str | None] = [None] * len(items)
    failed: list[tuple[int, list[Problem], set[str]]] = []
    #: What the cache keeps of each item's record, pickled, as a task gave it this run.
    blobs: list[bytes | None] = [None] * len(items)
    todo = []
    progress.phase("核对检查记录", total=len(items))
    for i, (path, rel) in enumerate(items):
        if store is not None:
            signature = signatures[i] = _signature(path)
            key = store.known(rel, signature)
            if key is None and store.entries:  # changed, new, or renamed: hashed, in case its content is cached
                key = _content_key(path)
            keys[i] = key
            unit = store.unit_of(key) if key is not None else None
            if unit is not None:
                unit_of[i] = unit
                assert key is not None
                store.remember(rel, signature, key)
                continue
        todo.append(i)
    progress.advance(count=len(items) - len(todo))
    tasks = _tasks(todo, names, unit_of, units)

    def blobs_of(i: int) -> bytes | None:  # a file of the task already in the cache: its entry, as it is
        key = keys[i]
        return store.blob(key) if store is not None and key is not None and unit_of[i] is not None else None

    progress.phase("读取新的检查记录", total=sum(len(indexes) for _, indexes in tasks))
    shared = _Shared(Ledger(as_of, units, stop_names=ledger.stop_names), catalog, rules, frozenset(names))
    count = parallel.workers(len(todo), jobs, POOL_THRESHOLD, POOL_LIMIT)
    outputs = parallel.ordered_map(
        _read_unit, [(unit, [(*items[i], keys[i], blobs_of(i)) for i in indexes]) for unit, indexes in tasks],
        shared=shared, jobs=count, done=lambda task: progress.advance(task[1][-1][1], count=len(task[1])))
    #: Each unit's replay from its task, with the task's files: taken when they are all the unit's files.
    ready: dict[str, tuple[list[int], bytes]] = {}
    for (unit, indexes), (results, replay) in zip(tasks, outputs, strict=True):
        for i, (blob, own, bad, key, of) in zip(indexes, results, strict=True):
            keys[i] = key
            if blob is None:
                failed.append((i, own, bad))
                continue
            unit_of[i], blobs[i] = of, blob
            if store is not None and key is not None:
                store.put(key, of, None, blob)  # type: ignore[arg-type]
                store.remember(items[i][1], signatures[i], key)
        if unit is not None and replay is not None:
            ready[unit] = (indexes, replay)
    progress.phase("复核隐患闭环", total=None)
    if not problems and not failed:
        digest = rules_digest(rules)
        fast = _by_unit(ledger, items, keys, parsed, blobs, unit_of, ready, catalog, rules, store, set(names), digest)
        if fast is not None:
            replayed, views, keyed = fast
            read_catalog, read_date = apply_rules(ledger, rules, catalog, set())
            _lines(ledger, replayed, views, store, read_catalog, read_date)
            if store is not None:
                store.save()
                ledger.fetch = _Fetch(root, store.context, keyed, Ledger(as_of, units, stop_names=ledger.stop_names),
                                      catalog, rules, frozenset(names))
            return ledger
    if store is not None:
        store.save()
    _replay_all(ledger, items, keys, parsed, blobs, failed, unreadable, catalog, rules, store, set(names))
    ledger.lines = {ident: ledger.line(entry) for ident, entry in ledger.entries.items()}
    return ledger


def _lines(ledger: Ledger, fresh: dict[str, tuple[Any, UnitResult]], views: list[UnitView],
           store: Cache | None, read_catalog: Collection[str], read_date: Collection[str]) -> None:
    """Every finding's line, in the ledger's order: the views' lines and those of the units replayed in this run.

    Each replayed unit's view is kept for the next run (``fresh``: unit -> its view's key, None when it is not
    kept, and its replay), unless the rules found a problem, or a rule read the catalog on one of its findings
    (``read_catalog``: the view's key does not hold the catalog, only the facts of :func:`context`).  It holds
    on the ledger's date alone when a rule read the date on one of its findings (``read_date``) or one of them
    is open with a deadline (overdue or not by the date); else on any date from its records' latest on.
    """
    made: list[tuple[Any, Line]] = []
    for unit, (view_key, held) in fresh.items():
        lines = tuple((order, ledger.line(entry)) for order, entry in held.entries)
        made.extend(lines)
        if store is not None and view_key is not None and not ledger.problems and unit not in read_catalog:
            dated = unit in read_date or any(line.deadline is not None and line.accepted_on is None for _, line in lines)
            store.put_view(unit, view_key, UnitView(lines, held.follows, held.latest, ledger.as_of if dated else None))
    for view in views:
        made.extend(view.lines)
    made.sort(key=_first)
    ledger.lines = {line.id: line for _, line in made}
    ledger.late = {line.id: list(line.rules_late) for line in ledger.lines.values() if line.rules_late}


def _tasks(todo: list[int], names: list[str], unit_of: list[str | None],
           units: Collection[str]) -> list[tuple[str | None, list[int]]]:
    """The tasks that read the files ``todo``: one a unit, with the unit's files in the cache, in file order.

    A file goes to the unit its name says (:func:`_unit_by_name`); files whose names say none are read in
    tasks of their own, :data:`UNNAMED_TASK` at a time.  ``unit_of`` holds the units of the files in the cache.
    """
    named: dict[str | None, list[int]] = {}
    for i in todo:
        named.setdefault(_unit_by_name(names[i], units), []).append(i)
    cached: dict[str, list[int]] = {}
    for i, unit in enumerate(unit_of):
        if unit is not None and unit in named:
            cached.setdefault(unit, []).append(i)
    tasks: list[tuple[str | None, list[int]]] = [
        (unit, sorted(indexes + cached.get(unit, []))) for unit, indexes in named.items() if unit is not None]
    loose = named.get(None, [])
    tasks.extend((None, loose[start:start + UNNAMED_TASK]) for start in range(0, len(loose), UNNAMED_TASK))
    tasks.sort(key=lambda task: task[1][0])
    return tasks


class _Spoilt(Exception):
    """A record's cache entry does not unpickle (the cache drops it)."""


def _record(i: int, keys: list[str | None], parsed: list[Parsed | None], blobs: list[bytes | None],
            store: Cache | None) -> Parsed:
    """Item ``i``'s record: as parsed in this run, as a task kept it, or from the cache."""
    found = parsed[i]
    if found is None:
        blob, key = blobs[i], keys[i]
        if blob is not None:
            kept = cache_load(blob)
        else:
            kept = store.get(key) if store is not None and key is not None else None
            if kept is None:
                raise _Spoilt
        found = parsed[i] = kept_record(kept)
    return found


#: What :func:`_by_unit` answers: the units replayed (unit -> its view's key, its replay), the views taken, and each
#: unit's replay key and record files (:class:`_Fetch`).
_ByUnit = tuple[dict[str, tuple[Any, "UnitResult"]], list["UnitView"], dict[str, tuple[Any, list[tuple[str, str]]]]]


def _by_unit(ledger: Ledger, items: list[tuple[str, str]], keys: list[str | None], parsed: list[Parsed | None],
             blobs: list[bytes | None], unit_of: list[str | None], ready: dict[str, tuple[list[int], bytes]],
             catalog: Catalog, rules: LedgerRules, store: Cache | None, files: set[str],
             digest: str | None) -> _ByUnit | None:
    """Replay each unit's records on their own, reusing each unchanged unit's view or replay from the cache.

    A unit whose view (:class:`UnitView`) is cached under its records, the ledger's date and the rules
    (``digest``, :func:`rules_digest`) is taken as its lines alone: none of its findings is rebuilt.  Else its
    replay is taken from the cache, or from this run's task (``ready`` holds the replays that this run's tasks
    made, :func:`_read_unit`, each with the task's files: one is taken when those are all the unit's files), or
    the unit is replayed here; its entries go to ``ledger.entries``.

    Answers the units replayed (unit -> the key its view is to be kept under, None when it is not, and the
    replay), the views taken, and each unit's replay key (None when it is not cached) and record files, from
    which :class:`_Fetch` reads a finding in full later.  None (the ledger untouched) when anything is wrong:
    a record naming an unknown unit, a problem in any unit's records, a finding id claimed by two units, a
    record following one that is not there.  The caller then replays the whole ledger in one, so that the
    problems are reported as they always were.
    """
    by_unit: dict[str, list[int]] = {}
    for i, unit in enumerate(unit_of):
        by_unit.setdefault(unit, []).append(i)  # type: ignore[arg-type]
    units = ledger.units
    if not all(unit in units for unit in by_unit):
        return None
    fresh: dict[str, tuple[Any, UnitResult]] = {}
    views: list[UnitView] = []
    keyed: dict[str, tuple[Any, list[tuple[str, str]]]] = {}
    claimed: set[str] = set()
    for unit, indexes in by_unit.items():
        key = (repr(units[unit]), tuple((items[i][1], keys[i]) for i in indexes))
        cacheable = store is not None and None not in key[1]
        keyed[unit] = (key if cacheable else None, [items[i] for i in indexes])
        view_key = (key, digest) if cacheable and digest is not None else None
        made = ready.get(unit)
        if made is not None and made[0] == indexes:
            held = pickle.loads(made[1])  # made by this run's own task, not read from a file
            if store is not None and cacheable and held.latest <= ledger.as_of:
                store.put_unit(unit, key, held, made[1])
        else:
            view = (store.view(unit, view_key) if store is not None and view_key is not None
                    and store.keep_unit(unit, key) else None)
            if view is not None and view.holds_on(ledger.as_of):
                if not view.follows <= files or not claimed.isdisjoint(view.ids()):
                    return None
                claimed.update(view.ids())
                views.append(view)
                continue
            held = store.unit(unit, key) if store is not None and cacheable else None
            if held is None or held.latest > ledger.as_of:
                held = _replay_unit(ledger, [(items[i][1], _record(i, keys, parsed, blobs, store)) for i in indexes],
                                    catalog, rules, files)
                if held is None:
                    return None
                if store is not None and cacheable and held.latest <= ledger.as_of:
                    store.put_unit(unit, key, held)
        if not held.follows <= files or not claimed.isdisjoint(held.claims):
            return None
        claimed.update(held.claims)
        fresh[unit] = (view_key if held.latest <= ledger.as_of else None, held)
    ordered = sorted((pair for _, held in fresh.values() for pair in held.entries), key=_first)
    ledger.entries = {entry.finding.id: entry for _, entry in ordered}
    ledger.records = len(items)
    return fresh, views, keyed


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _replay_unit(ledger: Ledger, records: list[tuple[str, Parsed]], catalog: Catalog, rules: LedgerRules,
                 files: Collection[str]) -> UnitResult | None:
    """One unit's records checked and replayed on their own; None when any of them has a problem."""
    problems: list[Problem] = []
    claims: dict[str, tuple[dt.date, str]] = {}
    broken: set[str] = set()
    events: list[_Event] = []
    follows = set()
    for rel, (record, rows) in records:
        moves, slots = _check(record, rows, rel, catalog, ledger.units, files, problems)
        events.extend(_claim(rel, record.date, moves, slots, [], claims, broken, problems))
        if record.follows:
            follows.add(record.follows)
    if problems or broken:
        return None
    events.sort(key=lambda e: (e.date, e.phase, e.file, e.seq))
    alone = Ledger(ledger.as_of, ledger.units, stop_names=ledger.stop_names)
    _replay(alone, events, catalog, claims, broken, rules)
    if alone.problems:
        return None
    order = {e.finding: (e.date, e.file, e.seq) for e in events if e.phase == NEW}
    latest = events[-1].date if events else dt.date.min
    return UnitResult(latest, tuple((order[ident], entry) for ident, entry in alone.entries.items()), claims,
                      frozenset(follows))


def _replay_all(ledger: Ledger, items: list[tuple[str, str]], keys: list[str | None], parsed: list[Parsed | None],
                blobs: list[bytes | None], failed: list[tuple[int, list[Problem], set[str]]],
                unreadable: dict[str, int], catalog: Catalog, rules: LedgerRules, store: Cache | None,
                files: set[str]) -> None:
    """Check every record against the catalog, the units and the other records, in file order, and replay them all."""
    problems = ledger.problems
    claims: dict[str, tuple[dt.date, str]] = {}
    broken: set[str] = set()
    events: list[_Event] = []
    unchecked: dict[str, int] = dict.fromkeys(unreadable, 0)
    not_read = {i: (own, bad) for i, own, bad in failed}
    # A record that does not read, of a unit its name says (inspect new names it DATE-UNIT-...): the unit's other
    # records are checked but not replayed, as for a unit file that does not read; their moves on the findings
    # it may hold would be reported as moves on findings the ledger does not have, with a wrong suggestion.
    held: dict[str, int] = {}  # unit -> where its first unreadable record's problem is
    named = {i: _unit_by_name(os.path.basename(items[i][1]), ledger.units) for i in not_read}
    unread_units = {unit for unit in named.values() if unit is not None and unit not in unreadable}
    unchecked.update(dict.fromkeys(unread_units, 0))
    for i, (_, rel) in enumerate(items):
        ledger.records += 1
        if i in not_read:
            own, bad = not_read[i]
            broken |= bad
            unit = named[i]
            if unit in unread_units and unit not in held and own:
                held[unit] = len(problems)
            problems.extend(own)
            problems.extend(_check_unread(items[i][0], rel, own, catalog, ledger.units, files, unreadable))
            continue
        record, rows = _record(i, keys, parsed, blobs, store)
        own = []
        moves, slots = _check(record, rows, rel, catalog, ledger.units, files, own, unreadable)
        kept = _claim(rel, record.date, moves, slots, own, claims, broken, problems)
        if record.unit in unreadable or record.unit in unread_units:  # not replayed: see above
            unchecked[record.unit] += 1
            broken.update(e.finding for e in kept if e.phase == NEW)
            continue
        events.extend(kept)
    for unit, count in unchecked.items():
        if count and (unit in unreadable or unit in held):
            if unit in unreadable:  # said of the unit's own file: it has no name to call the unit by
                at, more = unreadable[unit], words("unchecked_here", count=count)
            else:
                at, more = held[unit], words("unchecked", unit=quoted(ledger.units[unit].name), count=count)
            message = problems[at].message
            if message.endswith(("？", "。")):  # a sentence ended (是否想写 "name"？): the next one starts anew
                more = more.removeprefix("；")
            problems[at] = attrs.evolve(problems[at], message=message + more)
    events.sort(key=lambda e: (e.date, e.phase, e.file, e.seq))
    stuck = _replay(ledger, events, catalog, claims, broken, rules)
    apply_rules(ledger, rules, catalog, stuck)


def _replay(ledger: Ledger, events: list[_Event], catalog: Catalog,
            claims: dict[str, tuple[dt.date, str]], broken: set[str], rules: LedgerRules) -> set[str]:
    """Replay the events in order; the ids of the findings a move failed on."""
    entries = ledger.entries
    problems = ledger.problems
    stuck: set[str] = set(broken)  # findings whose earlier move failed: later moves are not reported
    stop_kinds = rules.stop_names()

    def problem(event: _Event, key: str, code: str, /, **values: Any) -> None:
        problems.append(say(event.file, f"{event.where}{key}", code, **values))

    for event in events:
        if event.date > ledger.as_of:
            break
        ident = event.finding
        if event.phase == NEW:
            found = event.obj
            source = found.source or (FindingSource.SUPERVISION if event.supervision else FindingSource.SELF)
            finding = Finding(found.id, found.checkpoint, found.description, found.level, event.date,
                              source=source, kind=found.kind, level_reason=found.level_reason,
                              enforcement=found.enforcement, self_set=not event.supervision,
                              reported_to=found.reported_to, reported_on=event.date if found.reported_to else None)
            entry = Entry(finding, event.unit, event.file, event.checking_unit)
            entry.places["finding"] = (event.file, event.where)
            entries[ident] = entry
            if found.remediation is not None:
                entry.places["remediate"] = (event.file, f"{event.where}.remediation")
                _move(event, ".remediation", entries, stuck, problem,
                      lambda f, r=found.remediation: remediate(f, r, catalog.category(r.category)))
            if found.stop is not None and ident not in stuck:
                entry.places["stop"] = (event.file, f"{event.where}.stop")
                order = attrs.evolve(found.stop, date=found.stop.date or event.date)
                _move(event, ".stop", entries, stuck, problem, lambda f, o=order: loop.stop(f, o, stop_kinds))
            continue
        if ident in stuck:
            continue
        if ident not in entries:
            if ident in claims:
                date, file = claims[ident]
                problem(event, ".finding", "recorded_later", id=quoted(ident), date=date, file=file, on=event.date)
            else:
                known = list(entries) + list(claims)
                problem(event, ".finding", "unknown_finding", id=quoted(ident), near=near(ident, known))
            continue
        entry = entries[ident]
        if entry.unit != event.unit:
            problem(event, ".finding", "foreign_finding", id=quoted(ident), owner=quoted(_name(ledger, entry.unit)),
                    unit=quoted(_name(ledger, event.unit)))
            continue
        entry.places[TABLES[event.phase]] = (event.file, event.where)
        obj = event.obj
        if event.phase == REPORT:
            _move(event, ".to", entries, stuck, problem, lambda f, o=obj, d=event.date: loop.report(f, o.to, d))
        elif event.phase == REMEDIATE:
            _move(event, ".remediation", entries, stuck, problem,
                  lambda f, r=obj.remediation, d=event.date: remediate(f, r, catalog.category(r.category), d))
        elif event.phase == ESCALATE:
            _move(event, "", entries, stuck, problem,
                  lambda f, o=obj, d=event.date: loop.escalate(f, o.remediation, catalog.category(o.remediation.category),
                                                             d, o.level))
        elif event.phase == STOP:
            order = attrs.evolve(obj.stop, date=obj.stop.date or event.date)
            _move(event, ".stop", entries, stuck, problem, lambda f, o=order: loop.stop(f, o, stop_kinds))
        elif event.phase == FIXED:
            _move(event, "", entries, stuck, problem, lambda f, d=event.date: report_fixed(f, d))
        elif event.phase == RECHECK:
            result = Recheck(event.date, obj.result is RecheckResult.PASSED, obj.by, obj.note, event.supervision)
            _move(event, "", entries, stuck, problem, lambda f, r=result: recheck(f, r))
        elif event.phase == CLOSE:
            _move(event, "", entries, stuck, problem, lambda f, d=event.date, a=obj.approver: close(f, d, a))
        else:
            resumption = Resumption(obj.applied, obj.inspected, obj.approved_by, obj.note)
            _move(event, "", entries, stuck, problem, lambda f, r=resumption: loop.resume(f, r))
    return stuck


def _name(ledger: Ledger, unit: str) -> str:
    """A unit as clerks know it: its registered name (its id when it has no readable registration)."""
    found = ledger.units.get(unit)
    return found.name if found is not None and found.name else unit


def _move(event: _Event, key: str, entries: dict[str, Entry], stuck: set[str], problem: Any, step: Any) -> None:
    entry = entries[event.finding]
    try:
        entries[event.finding] = Entry(step(entry.finding), entry.unit, entry.file, entry.checking_unit, entry.places)
    except LoopError as exc:
        problem(event, key, "refused", text=str(exc))
        stuck.add(event.finding)
