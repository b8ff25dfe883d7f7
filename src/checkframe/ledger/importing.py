"""``checkframe inspect import``: records filled in on the handbook's checklist pages, filed into a ledger.

A file to import is the page's download: ``NAME.toml``, or ``NAME.zip`` holding ``NAME.toml`` and its
photos under ``evidence/``.  Each is checked, all of them before anything is written:

1. with the record rules of the page (:func:`checkframe.catalog.record_rules.check_record`), so that the
   clerk reads the sentence the inspector read on the page;
2. against the ledger: the unit registered in ``units/`` (a unit typed on the page by its name is
   filed under the id of the one unit of that name), no finding id already on the ledger or in another
   file of the same import, not imported before (the same ``records/NAME.toml``), no photo replaced;
3. by the ledger itself: the ledger with the new records is replayed, and any problem it finds (a move
   the closed loop forbids, a recheck that follows no record) refuses the import.

A record that the ledger's reader refuses (a wrong level, a misspelt key) goes through 1 and 2 all the same,
on its raw tables, where the reader did not already say what is wrong: all its problems come in one run.

Then the photos go to ``evidence/`` and the record to ``records/NAME.toml``, each written atomically.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import attrs

from checkframe.catalog import Catalog
from checkframe.catalog.places import lines_placed
from checkframe.catalog.record_rules import MESSAGES, check_record, describe
from checkframe.errors import Problem
from checkframe.ledger.ledger import build_ledger
from checkframe.ledger.messages import os_reason, words
from checkframe.ledger.records import read_record
from checkframe.ledger.rules import LedgerRules
from checkframe.messages import cut
from checkframe.util import fs
from checkframe.util.reading import ReadError, loads_toml

__all__ = ["ImportProblems", "Imported", "import_records"]

#: Where photos go in a ledger folder, and where the page puts them in its archive.
EVIDENCE = "evidence"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")


class ImportProblems(Exception):
    """The files cannot be imported; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@attrs.frozen
class Imported:
    """One record filed: its path in the ledger, its photos, how many findings it adds."""

    record: Path
    photos: tuple[Path, ...]
    findings: int


@attrs.frozen
class _Candidate:
    source: str
    name: str
    text: str
    photos: dict[str, bytes]


def _open(path: Path, problems: list[Problem]) -> _Candidate | None:
    source = path.name

    def bad(message: str) -> None:
        problems.append(Problem("", message, source, language="zh"))

    if path.is_dir():
        bad("这是文件夹，不是检查记录；请给出其中的 .toml 或 .zip 文件")
        return None
    if not path.is_file():
        bad("没有这个文件")
        return None
    if path.suffix not in (".toml", ".zip"):
        bad("只能导入检查手册“保存记录”下载的 .toml 或 .zip 文件")
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        bad(f"无法读取：{os_reason(exc)}")
        return None
    photos: dict[str, bytes] = {}
    if path.suffix == ".zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = {info.filename: info for info in archive.infolist() if not info.is_dir()}
                records = [n for n in entries if "/" not in n and n.endswith(".toml")]
                if len(records) != 1:
                    bad("压缩包中应当有且只有一份检查记录（.toml 文件）")
                    return None
                for entry in entries:
                    if entry == records[0]:
                        continue
                    parts = entry.split("/")
                    if parts[0] != EVIDENCE or any(p in ("", ".", "..") or not _NAME.match(p) for p in parts[1:]):
                        bad(f"压缩包中的“{entry}”不是检查记录的照片（照片放在 evidence/ 下）")
                        return None
                    photos[entry] = archive.read(entry)
                name, raw = records[0], archive.read(records[0])
        except (zipfile.BadZipFile, OSError, ValueError):
            bad("不是完整的压缩包（zip 文件损坏或不完整），请重新下载")
            return None
    else:
        name, raw = source, data
    if not _NAME.match(name):
        bad(f"记录文件名“{name}”只能由英文字母、数字、“-”“_”“.”组成，不能有汉字或空格；请改名后再导入"
            "（检查记录按“日期-单位编号-检查表编号.toml”命名，如 2024-03-01-hengtai-general-fire-risks.toml）")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        bad("记录不是 UTF-8 编码的文本")
        return None
    return _Candidate(source, name, text, photos)


def _existing_findings(root: Path, catalog: Catalog, rules: LedgerRules) -> tuple[dict[str, str], list[Problem]]:
    ledger = build_ledger(root, catalog, dt.date.max, rules=rules)
    return {ident: line.file for ident, line in ledger.lines.items()}, ledger.problems


def import_records(files: list[Path], root: Path, catalog: Catalog, rules: LedgerRules,
                   as_of: dt.date) -> list[Imported]:
    """Check every file, then file them all; :class:`ImportProblems` (nothing written) when any is refused."""
    root = Path(root)
    problems: list[Problem] = []
    if not (root / "records").is_dir() or not (root / "units").is_dir():
        raise ImportProblems([Problem("", f"{root.as_posix()} 不是台账文件夹（应有 units/ 和 records/）", language="zh")])
    known, broken = _existing_findings(root, catalog, rules)
    if broken:  # the ledger must replay cleanly before anything joins it
        raise ImportProblems(broken)
    units = {p.stem: p for p in (root / "units").glob("*.toml")}
    names: dict[str, list[str]] = {}
    for ident, path in units.items():
        try:
            unit_name = loads_toml(path.read_text(encoding="utf-8")).get("name")
        except (ReadError, OSError, UnicodeDecodeError):
            continue  # the ledger above reported it
        if isinstance(unit_name, str):
            names.setdefault(unit_name.strip(), []).append(ident)
    stop_kinds = [(k.code, k.name) for k in rules.stop_kinds]
    accepted: list[tuple[_Candidate, str, int]] = []
    batch: dict[str, str] = {}
    texts: dict[str, str | None] = {}  # a record's text by the name its problems give (None: two such files)
    for path in files:
        candidate = _open(Path(path), problems)
        if candidate is None:
            continue
        if candidate.name == candidate.source:  # not a record in a zip, whose lines the clerk cannot open
            if texts.setdefault(candidate.source, candidate.text) != candidate.text:
                texts[candidate.source] = None
        count = len(problems)
        text = _check(candidate, root, catalog, stop_kinds, units, names, known, batch, problems)
        if text is not None and len(problems) == count:
            accepted.append((candidate, text, len(loads_toml(text).get("finding", []))))
    if problems:  # each with its line in the file, as the ledger's own problems are told
        raise ImportProblems(lines_placed(problems, texts.get))
    _replay_with(root, catalog, rules, as_of, [(c.name, text) for c, text, _ in accepted])
    return _file(root, accepted)


def _file(root: Path, accepted: list[tuple[_Candidate, str, int]]) -> list[Imported]:
    """Write the accepted records and their photos, all or none: a write that fails (a read-only folder, a
    full disk, a file where a folder should be) or a stop takes back what this import wrote."""
    done: list[Imported] = []
    made: list[Path] = []  # the files and folders this import made, in order
    target = root
    try:
        for candidate, text, findings in accepted:
            photos = []
            for entry, data in sorted(candidate.photos.items()):
                target = root / entry
                missing = [p for p in reversed(target.parents) if p.is_relative_to(root) and not p.exists()]
                for folder in missing:
                    folder.mkdir()
                    made.append(folder)
                fs.write_atomic(target, data)
                made.append(target)
                photos.append(target)
            target = root / "records" / candidate.name
            fs.write_atomic(target, text)
            made.append(target)
            done.append(Imported(target, tuple(photos), findings))
    except BaseException as exc:
        for path in reversed(made):
            try:
                path.rmdir() if path.is_dir() else path.unlink()
            except OSError:
                pass
        if isinstance(exc, OSError):
            where = exc.filename if isinstance(exc.filename, str) else target.as_posix()
            raise ImportProblems([Problem("", words("cannot_write", path=Path(where).as_posix(),
                                                    reason=os_reason(exc)), language="zh")]) from None
        raise
    return done


def _check(candidate: _Candidate, root: Path, catalog: Catalog, stop_kinds: list[tuple[str, str]],
           units: dict[str, Path], names: dict[str, list[str]], known: dict[str, str], batch: dict[str, str],
           problems: list[Problem]) -> str | None:
    """The record's text to file (with the unit's id put in for its name), or None; problems appended."""
    source = candidate.source

    def say(name: str, key: str = "", **values: Any) -> None:  # key: where in the record, for its line
        problems.append(Problem("", MESSAGES[name].format(**values), source, key, language="zh"))

    existing = root / "records" / candidate.name
    if existing.exists():
        filed = {candidate.text}  # as it came, or with the id put in for a unit typed by its name
        try:
            typed = loads_toml(candidate.text).get("unit")
            if isinstance(typed, str) and typed not in units and len(names.get(typed.strip(), [])) == 1:
                filed.add(_with_unit(candidate.text, typed, names[typed.strip()][0]))
        except ReadError:
            pass
        try:
            same = existing.read_text(encoding="utf-8") in filed
        except (OSError, UnicodeDecodeError):
            same = False
        say("imported" if same else "exists", file=candidate.name)
        return None
    with tempfile.TemporaryDirectory() as tmp:  # read exactly as the ledger reads it
        copy = Path(tmp) / candidate.name
        copy.write_text(candidate.text, encoding="utf-8")
        own: list[Problem] = []
        record = read_record(copy, source, own)
    problems.extend(own)
    # A record the reader refuses is checked all the same, on its raw tables, so that all its problems come in
    # one run: the page's rules and the ledger's references, each where the reader did not already say.
    try:
        data = loads_toml(candidate.text)
    except ReadError:
        return None  # not TOML, or beyond the reading limits: nothing of it can be checked
    refused = [p.path for p in own]

    def unsaid(key: str) -> bool:
        return not any(key == at or key.startswith((f"{at}.", f"{at}[")) for at in refused)

    text = candidate.text
    checklist = data.get("checklist")
    if isinstance(checklist, str) and catalog.has("checklist", checklist):
        description = describe(catalog, stop_kinds, checklist)
        problems.extend(Problem("", message, source, key, language="zh")
                        for key, message in check_record(data, description) if unsaid(key))
        titles = {c["id"]: c["title"] for c in description["checkpoints"]}
    else:
        if unsaid("$.checklist"):
            say("checklist", "$.checklist", checklist=cut(checklist) if isinstance(checklist, str) else checklist)
        titles = {}
    unit = data.get("unit")
    if isinstance(unit, str) and unit and unit not in units:
        ids = names.get(unit.strip(), [])
        if len(ids) == 1:
            text = _with_unit(text, unit, ids[0])
        else:
            say("unknown_unit", "$.unit", unit=cut(unit))
    found = data.get("finding")
    named: set[str] = set()
    for i, finding in enumerate(found if isinstance(found, list) else []):
        if not isinstance(finding, dict):
            continue
        ident, checkpoint, evidence = finding.get("id"), finding.get("checkpoint"), finding.get("evidence", [])
        shown = checkpoint if isinstance(checkpoint, str) else ""
        subject = f"第{i + 1}项隐患（{titles.get(shown) or cut(shown)}）"
        if isinstance(ident, str):
            if ident in known:
                say("known_finding", f"$.finding[{i}].id", subject=subject, id=ident, file=known[ident])
            elif ident in batch:
                say("known_finding", f"$.finding[{i}].id", subject=subject, id=ident, file=batch[ident])
            batch.setdefault(ident, candidate.name)
        for photo in evidence if isinstance(evidence, list) else []:
            if not isinstance(photo, str):
                continue
            named.add(photo)
            if photo not in candidate.photos:
                if candidate.photos or photo.startswith(f"{EVIDENCE}/"):
                    say("evidence_missing", f"$.finding[{i}].evidence", subject=subject, file=cut(photo))
            elif os.path.lexists(root / photo):
                say("evidence_exists", f"$.finding[{i}].evidence", subject=subject, file=photo)
    for photo in sorted(candidate.photos):  # a photo that no finding names would replace one all the same
        if photo not in named and os.path.lexists(root / photo):
            say("photo_exists", file=photo)
    return None if record is None else text


def _with_unit(text: str, typed: str, ident: str) -> str:
    """The record's text with its top-level ``unit`` line naming the unit's id instead of its name."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if re.match(r'^unit\s*=', line):
            lines[i] = f'unit = "{ident}"\n'
            break
    result = "".join(lines)
    assert loads_toml(result)["unit"] == ident, typed
    return result


def _replay_with(root: Path, catalog: Catalog, rules: LedgerRules, as_of: dt.date,
                 records: list[tuple[str, str]]) -> None:
    """Replay the ledger as it would be with ``records``; :class:`ImportProblems` with what the ledger finds."""
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        os.symlink((root / "units").resolve(), staging / "units", target_is_directory=True)
        (staging / "records").mkdir()
        for path in (root / "records").glob("*.toml"):
            os.symlink(path.resolve(), staging / "records" / path.name)
        for name, text in records:
            (staging / "records" / name).write_text(text, encoding="utf-8")
        latest = max([as_of, *(loads_toml(text)["date"] for _, text in records)])
        ledger = build_ledger(staging, catalog, latest, rules=rules)
    if ledger.problems:
        raise ImportProblems(ledger.problems)
