"""Sector content in TOML, structured into the model by one cattrs converter.

A plugin's content folder holds up to four kinds of file::

    sector.toml          [sector], the [[document]]s its checkpoints cite, the [[scope]] names of its tags
    checkpoints/*.toml   one [group] and its [[checkpoint]]s per file, in file-name order
    checklists.toml      [[checklist]]s
    remediation.toml     [[category]]s: extra remediation categories

Reading never stops at the first problem: every problem in every file is
collected as one :class:`Problem` (plugin, file, key path, what was expected,
what came) and reported together.
"""

from __future__ import annotations

import os
import re
import typing
from pathlib import Path
from typing import Any

import attrs
from attrs import evolve, frozen
from cattrs.errors import ClassValidationError, IterableValidationError

from checkframe.catalog.cache import ContentCache, FolderCache
from checkframe.catalog.convert import WrongType, errors_of, is_variadic_tuple, make_converter, unknown_key
from checkframe.catalog.places import UNPARSED, Source, label, placed
from checkframe.errors import Problem
from checkframe.messages import key_path
from checkframe.model import (
    Checklist,
    Checkpoint,
    Document,
    Group,
    Invalid,
    RemediationCategory,
    ScopeName,
    Sector,
    id_shaped,
    show,
    unquote_hint,
)
from checkframe.registers import Contribution, Entry
from checkframe.util.reading import ReadError, read_text
from checkframe.util.reading import loads_toml_fast as loads_toml  # tomllib's answers, compiled (mypyc) where installed

__all__ = [
    "CONTENT_FORMAT",
    "OLDEST_CONTENT_FORMAT",
    "check_content_format",
    "load_content_dir",
]

#: The content format that this checkframe reads, declared by ``format = 1`` at the top of
#: ``sector.toml``.  Raised when a change would make an older checkframe misread a file; see the
#: compatibility policy in the author guide (``guide/compatibility.md``).
CONTENT_FORMAT = 1
#: The oldest content format still read.  How long an old format stays readable is the
#: compatibility policy of the author guide (``guide/compatibility.md``).
OLDEST_CONTENT_FORMAT = 1
#: What a content folder that declares no format is taken to be: it was written before formats had a number.
UNDECLARED_CONTENT_FORMAT = 1


# -- Content files -----------------------------------------------------------------------


@frozen
class SectorFile:
    sector: Sector
    document: tuple[Document, ...] = ()
    #: The Chinese names of the scope tags that the sector's checkpoints use, one ``[[scope]]`` each.
    scope: tuple[ScopeName, ...] = ()
    #: The content format the folder is written in; checked before anything else is read.
    format: int = UNDECLARED_CONTENT_FORMAT


@frozen
class GroupFile:
    group: Group
    checkpoint: tuple[Checkpoint, ...]


@frozen
class ChecklistsFile:
    checklist: tuple[Checklist, ...]


@frozen
class RemediationFile:
    category: tuple[RemediationCategory, ...]
    #: As in ``sector.toml``; a folder with only a ``remediation.toml`` declares its format here.
    format: int = UNDECLARED_CONTENT_FORMAT


#: File name (relative to the content folder) → what it holds.
FILE_KINDS: dict[str, type] = {
    "sector.toml": SectorFile,
    "checklists.toml": ChecklistsFile,
    "remediation.toml": RemediationFile,
}


_CONVERTER = make_converter(authoring=True)

#: The ids that a content file which does not parse seems to define: ``id = "..."`` and ``code = "..."`` lines.
DEFINED = re.compile(r"""^[ \t]*(?:id|code)[ \t]*=[ \t]*["']([^"'\n]+)["']""", re.M)


def _read(path: Path, rel: str, plugin: str, kind: type, found: Contribution, problems: list[Problem],
          sources: dict[str, Source], cache: FolderCache | None = None) -> Any:
    """Read one content file into ``kind``, keeping every entry that is valid.

    Each table of an array (each ``[[checkpoint]]``) is structured on its own,
    so one broken entry neither hides the problems of the others nor drops
    them; the ids of broken entries are remembered so that references to them
    are not reported a second time as unknown.  With ``cache``, a file whose
    text read without a problem before is not parsed again (see
    :mod:`checkframe.catalog.cache`), and one that reads without a problem is kept.
    """
    text = ""
    sources[rel] = Source("")
    data: Any = None
    try:
        text = read_text(path)
        sources[rel] = Source(text)
        kept = cache.get(rel, kind, text) if cache is not None else None
        if kept is not None:
            sources[rel] = Source(text, UNPARSED, kept[1])
            return kept[0]
        data = loads_toml(text)
        sources[rel] = Source(text, data)
    except ReadError as exc:
        sources[rel] = Source(text, _parsed(text))
        # What the file would have defined is unknown: references to the ids it seems to hold are not
        # reported as unknown, so that one mistake in one file is one problem, and the line says so.
        defined = set(DEFINED.findall(text))
        found.broken.update(defined)
        count = f"{len(defined)} id{'s' if len(defined) != 1 else ''}"
        skipped = f"; references to the {count} it defines are not checked until it reads" if defined else ""
        # A syntax error in a key's value names the key (read back from the text) and keeps the parser's line.
        at = exc.values.get("path") if exc.code == "toml" and not exc.key else None
        if at:  # the key as an author reads it, on the parser's line
            problems.append(Problem(plugin, exc.message + skipped, rel, label(key_path(at), None),
                                    line=exc.values.get("line", 0)))
        else:
            problems.append(Problem(plugin, exc.message + skipped, rel, exc.key))
        return None

    before = len(problems)

    def fail(exc: Exception, base: str) -> None:
        for path, message in errors_of(exc, base):
            problems.append(Problem(plugin, message, rel, path))

    fields = attrs.fields(attrs.resolve_types(kind))
    known = [a.name for a in fields]
    complete = True
    for key in data:
        if key not in known:
            fail(unknown_key(key, known), "$")
    values = {}
    for field_ in fields:
        if field_.name not in data:
            if field_.default is attrs.NOTHING:
                problems.append(Problem(plugin, "required key missing", rel, f"$.{field_.name}"))
                complete = False
            continue
        raw = data[field_.name]
        if is_variadic_tuple(field_.type) and isinstance(raw, list):
            inner = typing.get_args(field_.type)[0]
            items = []
            read = sources[rel].positions.setdefault(field_.name, [])
            for i, element in enumerate(raw):
                try:
                    items.append(_CONVERTER.structure(element, inner))
                    read.append(i)
                except (ClassValidationError, IterableValidationError, WrongType, Invalid) as exc:
                    fail(exc, f"$.{field_.name}[{i}]")
                    if isinstance(element, dict):
                        found.broken.update(
                            v for k, v in element.items() if k in ("id", "code") and isinstance(v, str)
                        )
                        found.partial.append((field_.name, Entry(element, f"{rel}: $.{field_.name}[{i}]", sources[rel])))
            values[field_.name] = tuple(items)
            continue
        try:
            values[field_.name] = _CONVERTER.structure(raw, field_.type)
        except (ClassValidationError, IterableValidationError, WrongType, Invalid) as exc:
            fail(exc, f"$.{field_.name}")
            complete = False
    if not complete:
        # Whatever this file defines is unusable; do not report references to it as unknown.
        for raw in data.values():
            for element in raw if isinstance(raw, list) else [raw]:
                if isinstance(element, dict) and isinstance(element.get("id"), str):
                    found.broken.add(element["id"])
        return None
    read = kind(**values)
    if cache is not None and len(problems) == before:
        cache.put(rel, kind, text, (read, sources[rel].positions))
    return read


def _parsed(text: str) -> Any:
    """The data of a text that parses but was refused (a control character, too deep), to name its entries."""
    import tomllib

    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return None


def _version() -> str:
    import importlib.metadata

    return importlib.metadata.version("checkframe")


def check_content_format(root: Path, plugin: str, distribution: str = "") -> Problem | None:
    """The one problem that refuses a content folder written for a format this checkframe does not read.

    The format is the top-level ``format`` of ``sector.toml`` (or, in a folder
    with no ``sector.toml``, of ``remediation.toml``); a folder that declares
    none is format :data:`UNDECLARED_CONTENT_FORMAT`.  A file that cannot be
    parsed is left to the full read, which reports it.
    """
    declared: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    for name in ("sector.toml", "remediation.toml"):
        if not (root / name).exists():
            continue
        try:
            text = read_text(root / name)
            data = loads_toml(text)
        except ReadError:
            continue
        sources[name] = Source(text, data)
        if "format" in data:
            declared[name] = data["format"]
    problem = _format_problem(declared, plugin, distribution)
    return placed(problem, sources.get(problem.file)) if problem is not None else None


def _format_problem(declared: dict[str, Any], plugin: str, distribution: str) -> Problem | None:
    for name, value in declared.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return Problem(plugin, f"expected a content format number such as {CONTENT_FORMAT} "
                                   f"(got {show(value)}){unquote_hint(value, int)}",
                           name, "$.format")
    if len(set(declared.values())) > 1:
        return Problem(plugin, "sector.toml and remediation.toml declare different formats "
                               f"({declared['sector.toml']} and {declared['remediation.toml']}); declare one",
                       "remediation.toml", "$.format")
    name, value = next(iter(declared.items()), ("sector.toml", UNDECLARED_CONTENT_FORMAT))
    where = "$.format" if declared else "$"
    readable = (f"format {CONTENT_FORMAT}" if OLDEST_CONTENT_FORMAT == CONTENT_FORMAT
                else f"formats {OLDEST_CONTENT_FORMAT} to {CONTENT_FORMAT}")
    dist = distribution or plugin
    if value > CONTENT_FORMAT:
        return Problem(plugin, f"plugin refused: written for content format {value}, but checkframe {_version()} reads "
                               f"{readable} only; upgrade checkframe (pip install -U checkframe) "
                               f"or install an older {dist}", name, where)
    if value < OLDEST_CONTENT_FORMAT:
        how = "declares no format, so format" if not declared else "written for content format"
        return Problem(plugin, f"plugin refused: {how} {value}, which checkframe {_version()} no longer reads "
                               f"(it reads {readable}); upgrade the plugin (pip install -U {dist})", name, where)
    return None


def _refuse_codes(plugin: str, rel: str, where: str, obj: Any, fields: tuple[str, ...], problems: list[Problem]) -> None:
    """A problem for every id-shaped token in text that people read: forms print it, the handbook shows it."""
    for name in fields:
        for token in dict.fromkeys(id_shaped(getattr(obj, name))):
            problems.append(Problem(
                plugin, f"{token!r} looks like an id, which readers of a form cannot look up; refer to a checkpoint "
                        f"as [[{token}]] (printed as its 序号 and title, a link in the handbook) or leave the code out",
                rel, f"{where}.{name}",
            ))


def load_content_dir(root: Path, plugin: str, problems: list[Problem], distribution: str = "",
                     cache: ContentCache | None = None) -> Contribution:
    """Read one content folder; append every problem found to ``problems``.

    A folder written for a content format this checkframe does not read is
    refused whole, with one problem that says what to upgrade.  ``cache`` keeps
    what the files read into for the next time (see :mod:`checkframe.catalog.cache`).
    """
    found = Contribution(plugin)
    start = len(problems)
    sources: dict[str, Source] = {}
    try:
        _load(root, plugin, problems, distribution, found, sources, cache)
    finally:
        # Every problem of this folder with its line, and its entry named as the author knows it.
        problems[start:] = [placed(p, sources.get(p.file)) if p.plugin == plugin else p for p in problems[start:]]
    return found


def _load(root: Path, plugin: str, problems: list[Problem], distribution: str, found: Contribution,
          sources: dict[str, Source], content_cache: ContentCache | None) -> None:
    root = Path(root)
    if not root.is_dir():
        problems.append(Problem(plugin, f"content folder not found: {root}"))
        return
    cache = content_cache.for_folder(root) if content_cache is not None else None
    refused = check_content_format(root, plugin, distribution)
    if refused is not None:
        problems.append(refused)
        return
    expected = ", ".join([*FILE_KINDS, "checkpoints/*.toml"])
    sector_file = None
    checklists: list[Checklist] = []
    group_files = []
    order = {name: i for i, name in enumerate(["sector.toml", "checkpoints", "checklists.toml"])}
    for path in sorted(root.rglob("*"), key=lambda p: (order.get(p.relative_to(root).parts[0], 9), p)):
        rel = path.relative_to(root).as_posix()
        if path.name.startswith(".") or "__pycache__" in path.parts:
            continue
        is_group_file = rel.startswith("checkpoints/") and rel.endswith(".toml") and rel.count("/") == 1
        if path.is_dir() and rel not in FILE_KINDS and not is_group_file:
            continue  # a content file that is a folder is read, and reported as one
        if rel in FILE_KINDS:
            kind = FILE_KINDS[rel]
            parsed = _read(path, rel, plugin, kind, found, problems, sources, cache)
            if parsed is None:
                continue
            if kind is SectorFile:
                sector_file = parsed
                for i, doc in enumerate(parsed.document):
                    found.documents.append(Entry(doc, f"{rel}: $.document[{sources[rel].position('document', i)}]",
                                                 sources.get(rel)))
            elif kind is ChecklistsFile:
                checklists = list(parsed.checklist)
            elif kind is RemediationFile:
                for i, category in enumerate(parsed.category):
                    found.categories.append(
                        Entry(evolve(category, plugin=plugin), f"{rel}: $.category[{sources[rel].position('category', i)}]",
                              sources.get(rel))
                    )
        elif is_group_file:
            group_files.append((rel, _read(path, rel, plugin, GroupFile, found, problems, sources, cache)))
        elif path.suffix in {".md", ".txt"} or path.name == "__init__.py":
            continue  # notes for maintainers, or a package marker
        else:
            problems.append(Problem(plugin, f"unexpected file; content files are {expected}", rel))

    for folder in (root, root / "checkpoints"):
        try:
            if folder.is_dir():
                os.listdir(folder)
        except OSError as exc:
            problems.append(Problem(plugin, f"cannot read the folder: {exc.strerror or exc}",
                                    folder.relative_to(root).as_posix() if folder != root else root.as_posix()))
    if sector_file is None:
        found.partial.clear()  # nothing of the folder is in the catalog: its entries are not checked against it
        if (group_files or checklists) and not (root / "sector.toml").exists():
            problems.append(Problem(
                plugin, "checkpoints and checklists need a sector.toml beside them", "sector.toml"
            ))
        return
    sector_id = sector_file.sector.id
    named: set[str] = set()
    for i, scope in enumerate(sector_file.scope):
        if scope.id in named:
            problems.append(Problem(plugin, f"scope tag {scope.id!r} is named a second time; keep one [[scope]] for it",
                                    "sector.toml", f"$.scope[{sources['sector.toml'].position('scope', i)}].id"))
        named.add(scope.id)
    found.sectors.append(Entry(evolve(sector_file.sector, plugin=plugin, scope=sector_file.scope),
                               "sector.toml: $.sector",
                              sources.get("sector.toml")))
    for i, checklist in enumerate(checklists):
        found.checklists.append(
            Entry(evolve(checklist, sector=sector_id),
                  f"checklists.toml: $.checklist[{sources['checklists.toml'].position('checklist', i)}]",
                  sources.get("checklists.toml"))
        )
    for rel, parsed in group_files:
        if parsed is None:
            continue
        _refuse_codes(plugin, rel, "$.group", parsed.group, ("title", "description", "note"), problems)
        for i, checkpoint in enumerate(parsed.checkpoint):
            _refuse_codes(plugin, rel, f"$.checkpoint[{sources[rel].position('checkpoint', i)}]", checkpoint,
                          ("title", "what", "note"), problems)
        found.groups.append(Entry(evolve(parsed.group, sector=sector_id), f"{rel}: $.group", sources.get(rel)))
        values = cache.value_digests(rel, parsed.checkpoint) if cache is not None else None
        read_by = cache.version if cache is not None else ""
        group_id = parsed.group.id
        placed_in = parsed.checkpoint
        if not all(checkpoint.sector == sector_id and checkpoint.group == group_id for checkpoint in placed_in):
            placed_in = tuple(evolve(checkpoint, sector=sector_id, group=group_id) for checkpoint in placed_in)
            if cache is not None:  # kept placed: the next run takes them as they are (most of a warm run's evolves)
                cache.replace(rel, evolve(parsed, checkpoint=placed_in))
        for i, checkpoint in enumerate(placed_in):
            found.checkpoints.append(Entry(
                checkpoint,
                f"{rel}: $.checkpoint[{sources[rel].position('checkpoint', i)}]", sources.get(rel),
                # The checkpoint is what it read as in its file, in its sector and group, by this code.
                f"{read_by} {values[i]} {sector_id} {parsed.group.id}" if values is not None else "",
            ))
