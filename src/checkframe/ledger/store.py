"""New records for the store: ``checkframe inspect new`` and ``checkframe inspect recheck``.

A record is never overwritten: the file to write must not exist yet.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from checkframe.catalog import Catalog
from checkframe.errors import Problem
from checkframe.ledger.ledger import build_ledger, with_lines
from checkframe.ledger.messages import near, quoted, words
from checkframe.ledger.records import new_record_toml, read_record, recheck_record_toml
from checkframe.ledger.rules import LedgerRules
from checkframe.messages import CHINESE, say
from checkframe.model import UNRESOLVED, FindingState, FormKind, Invalid, check_id

__all__ = ["LedgerProblems", "StoreError", "new_record", "recheck_of"]


class StoreError(ValueError):
    """A request about the store that cannot be met; the message says why and what to do."""


class LedgerProblems(Exception):
    """The store holds mistakes, so the ledger cannot be trusted."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _fresh(path: Path) -> Path:
    if path.exists():
        raise StoreError(words("exists", path=path.as_posix()))
    return path


def new_record(root: Path, catalog: Catalog, checklist: str, unit: str, date: dt.date,
               kind: FormKind | None = None) -> tuple[Path, str]:
    """Where to write a new record for ``unit`` on ``checklist``, and its text."""
    root = Path(root)
    if not catalog.has("checklist", checklist):
        raise StoreError(words("store_checklist", checklist=quoted(checklist),
                               near=near(checklist, (c.id for c in catalog.checklists))))
    try:
        check_id(unit, "unit")
    except Invalid as exc:  # an id names a file: it never leaves its folder
        units = (root / "units").as_posix()
        raise StoreError(words("store_unit_id", problem=say(exc.message, CHINESE), units=units)) from None
    unit_file = root / "units" / f"{unit}.toml"
    if not unit_file.is_file():
        known = [p.stem for p in (root / "units").glob("*.toml")]
        raise StoreError(words("store_unit", unit=quoted(unit), file=unit_file.as_posix(), near=near(unit, known)))
    chosen = catalog.checklist(checklist)
    path = _fresh(root / "records" / f"{date.isoformat()}-{unit}-{checklist}.toml")
    text = new_record_toml(chosen, catalog.checklist_checkpoints(checklist), unit, date, kind or chosen.kind)
    return path, text


def recheck_of(record_path: Path, catalog: Catalog, date: dt.date,
               rules: LedgerRules | None = None) -> tuple[Path, str]:
    """Where to write a recheck of ``record_path``, and its text: the record's unresolved findings.

    :raises LedgerProblems: when the store does not replay cleanly up to ``date``.
    """
    record_path = Path(record_path)
    if record_path.is_dir():
        raise StoreError(words("record_is_folder", path=record_path.as_posix()))
    if not record_path.is_file():
        raise StoreError(words("no_record", path=record_path.as_posix()))
    if record_path.suffix != ".toml":
        raise StoreError(words("not_toml", path=record_path.as_posix()))
    if record_path.parent.name != "records":
        raise StoreError(words("not_in_records", path=record_path.as_posix()))
    root = record_path.parent.parent
    ledger = build_ledger(root, catalog, date, rules=rules)
    if ledger.problems:
        raise LedgerProblems(with_lines(root, ledger.problems))
    problems: list[Problem] = []
    earlier = read_record(record_path, record_path.name, problems)
    if earlier is None:
        raise LedgerProblems(problems)
    if date < earlier.date:
        raise StoreError(words("recheck_early_date", date=date, name=record_path.name, earlier=earlier.date))
    mentioned = [f.id for f in earlier.finding]
    for name in ("remediate", "fixed", "recheck", "close"):
        mentioned.extend(e.finding for e in getattr(earlier, name))
    unresolved: list[tuple[str, str]] = []
    accepted: list[tuple[str, str]] = []
    said: list[str] = []  # the accepted ones as the message names them: the clerk's finding id, title, description
    for ident, entry in ledger.full(mentioned).items():
        f = entry.finding
        if f.state not in UNRESOLVED and f.state is not FindingState.ACCEPTED:
            continue
        title = catalog.checkpoint(f.checkpoint).title
        about = (ident, f"{f.checkpoint} {title}：{f.description}（{f.state.label}）")
        if f.state is FindingState.ACCEPTED:
            accepted.append(about)
            said.append(f"{ident}（{title}：{f.description}）")
        else:
            unresolved.append(about)
    if not unresolved:
        if accepted:  # accepted is not closed: say what is left to do
            raise StoreError(words("only_close_left", name=record_path.name, date=date, findings="、".join(said)))
        raise StoreError(words("nothing_to_recheck", name=record_path.name, date=date))
    path = _fresh(record_path.parent / f"{date.isoformat()}-{earlier.unit}-recheck.toml")
    return path, recheck_record_toml(earlier, record_path.name, unresolved, date, accepted)
