"""Sector content in TOML, structured into the model by one cattrs converter.

A plugin's content folder holds up to four kinds of file::

    sector.toml          [sector] and the [[document]]s its checkpoints cite
    checkpoints/*.toml   one [group] and its [[checkpoint]]s per file, in file-name order
    checklists.toml      [[checklist]]s
    remediation.toml     [[category]]s: extra remediation categories

Reading never stops at the first problem: every problem in every file is
collected as one :class:`Problem` (plugin, file, key path, what was expected,
what came) and reported together.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import tomllib
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import cattrs
from attrs import evolve, frozen
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from checkframe.model import (
    Checklist,
    Checkpoint,
    Document,
    Group,
    Invalid,
    RemediationCategory,
    Sector,
    _Labelled,
    show,
)

__all__ = [
    "CONTENT_FORMAT",
    "OLDEST_CONTENT_FORMAT",
    "ContentError",
    "Problem",
    "Register",
    "load_content_dir",
    "make_converter",
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


@frozen
class Problem:
    """One thing wrong with a plugin or its content, reported on one line."""

    plugin: str
    message: str
    file: str = ""
    path: str = ""

    def __str__(self) -> str:
        parts = [self.plugin] if self.plugin else []
        if self.file:
            parts.append(self.file)
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)


class ContentError(Exception):
    """Raised once, after gathering, when any problem was found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


# -- The converter -----------------------------------------------------------------------

#: Fields that the loader fills in; an author who writes them gets an "unknown key".
LOADER_FIELDS: dict[type, frozenset[str]] = {
    Sector: frozenset({"plugin"}),
    Group: frozenset({"sector"}),
    Checkpoint: frozenset({"sector", "group"}),
    Checklist: frozenset({"sector", "checkpoints"}),
    RemediationCategory: frozenset({"plugin"}),
}


class WrongType(TypeError):
    """A value of the wrong TOML type; the message is complete."""


def _strict(kind: type, noun: str) -> Callable[[Any, type], Any]:
    def hook(value: Any, _: type) -> Any:
        # bool is a subclass of int: a TOML true is not a number.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise WrongType(f"expected {noun} (got {show(value)})")
        return value

    return hook


def _enum_hook(value: Any, kind: type[enum.Enum]) -> enum.Enum:
    choices = ", ".join(str(member.value) for member in kind)
    if not isinstance(value, str):
        raise WrongType(f"expected one of {choices} (got {show(value)})")
    try:
        return kind(value)
    except ValueError:
        raise Invalid(f"expected one of {choices} (got {value!r})") from None


def _date_hook(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.datetime):
        raise WrongType(f"expected a date such as 2024-03-01 (got a date and time {value})")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise WrongType(f"expected a date such as 2024-03-01 (got {show(value)})")


def _is_variadic_tuple(kind: Any) -> bool:
    args = typing.get_args(kind)
    return typing.get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis


def _fields_of(kind: type, authoring: bool) -> list[str]:
    hidden = LOADER_FIELDS.get(kind, frozenset()) if authoring else frozenset()
    return [a.name for a in attrs.fields(kind) if a.name not in hidden]


def _unknown_key(key: str, known: list[str], kind: type | None = None) -> Invalid:
    if key in LOADER_FIELDS.get(kind, ()):
        return Invalid("unknown key; it is set from the folder and file the entry is in: remove it", key=key)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "expected one of " + ", ".join(known)
    return Invalid(f"unknown key; {hint}", key=key)


def make_converter(*, authoring: bool = True) -> cattrs.Converter:
    """Build the converter.

    ``authoring=True`` is the converter for files that people write: unknown
    keys and the fields the loader fills in are refused.  ``authoring=False``
    reads checkframe's own export back, loader fields included.
    """
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(dt.date, _date_hook)
    converter.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    # The model's enums are str subclasses: register them where dispatch meets them before str.
    for base_kind in (_Labelled, enum.Enum):
        converter.register_structure_hook(base_kind, _enum_hook)
        converter.register_unstructure_hook(base_kind, lambda e: e.value)

    def tuple_hook_factory(kind: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        inner = typing.get_args(kind)[0]
        structure_inner = converter.get_structure_hook(inner)

        def hook(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise WrongType(f"expected an array (got {show(value)})")
            items, errors = [], []
            for index, element in enumerate(value):
                try:
                    items.append(structure_inner(element, inner))
                except Exception as exc:  # noqa: BLE001 - every problem is collected
                    exc.__notes__ = [*getattr(exc, "__notes__", []), IterableValidationNote(
                        f"Structuring {kind} @ index {index}", index, inner
                    )]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {kind!r}", errors, kind)
            return tuple(items)

        return hook

    converter.register_structure_hook_factory(_is_variadic_tuple, tuple_hook_factory)

    def class_hook_factory(kind: type) -> Callable[[Any, type], Any]:
        known = _fields_of(kind, authoring)
        base = make_dict_structure_fn(kind, converter, _cattrs_forbid_extra_keys=False)
        validated = [a for a in attrs.fields(kind) if a.validator is not None and a.name in known]

        def hook(value: Any, _: type) -> Any:
            if not isinstance(value, dict):
                raise WrongType(f"expected a table (got {show(value)})")
            # Report unknown keys, broken rules and wrong types of one table all at once:
            # attrs runs validators only once every field has structured.
            errors: list[Exception] = [_unknown_key(key, known, kind) for key in value if key not in known]
            for attribute in validated:
                raw = value.get(attribute.name)
                if isinstance(raw, str) or (
                    isinstance(raw, list) and all(isinstance(x, str) for x in raw)
                ):
                    try:
                        attribute.validator(None, attribute, tuple(raw) if isinstance(raw, list) else raw)
                    except Invalid as exc:
                        errors.append(exc)
                    except (TypeError, AttributeError):
                        pass  # the wrong type is reported when the field is structured
            if not errors:
                return base(value, kind)
            try:
                base({k: v for k, v in value.items() if k in known}, kind)
            except ClassValidationError as exc:
                errors.extend(exc.exceptions)
            except (Invalid, WrongType) as exc:
                errors.append(exc)
            # A validator that failed in the first pass fails again in __init__: keep it once.
            unique = {(type(e), str(e), getattr(e, "key", None)): e for e in errors}
            errors = list(unique.values())
            raise ClassValidationError(f"While structuring {kind.__name__}", errors, kind)

        return hook

    converter.register_structure_hook_factory(attrs.has, class_hook_factory)
    return converter


def _describe(exc: BaseException, kind: Any) -> str:
    if isinstance(exc, (Invalid, WrongType)):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required key missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        return "unknown keys: " + ", ".join(sorted(exc.extra_fields))
    if isinstance(exc, (ValueError, TypeError)):
        name = getattr(kind, "__name__", None)
        expected = f"expected {name}" if name else "invalid value"
        return f"{expected} ({exc})"
    return f"{type(exc).__name__}: {exc}"


def _key_path(path: str, key: str | None) -> str:
    return f"{path}.{key}" if key else path


def errors_of(exc: BaseException, path: str = "$") -> Iterator[tuple[str, str]]:
    """Flatten a cattrs exception into ``(key path, message)`` pairs."""
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            if isinstance(exc, IterableValidationError):
                sub_path = f"{path}[{note.index!r}]"
            else:
                sub_path = f"{path}.{note.name}"
            yield from errors_of(sub, sub_path)
        for sub in without:
            yield from errors_of(sub, path)
        return
    yield _key_path(path, getattr(exc, "key", None)), _describe(exc, None)


# -- Content files -----------------------------------------------------------------------


@frozen
class SectorFile:
    sector: Sector
    document: tuple[Document, ...] = ()
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


@frozen
class Entry:
    """A contributed object and where it was written (file and key path)."""

    obj: Any
    where: str = ""


@frozen
class Contribution:
    """Everything that one plugin contributed, each with where it came from."""

    plugin: str
    sectors: list[Entry] = attrs.Factory(list)
    documents: list[Entry] = attrs.Factory(list)
    groups: list[Entry] = attrs.Factory(list)
    checkpoints: list[Entry] = attrs.Factory(list)
    checklists: list[Entry] = attrs.Factory(list)
    categories: list[Entry] = attrs.Factory(list)
    #: Ids of entries that could not be read; references to them are not reported again.
    broken: set[str] = attrs.Factory(set)

    def extend(self, other: Contribution) -> None:
        for name in ("sectors", "documents", "groups", "checkpoints", "checklists", "categories"):
            getattr(self, name).extend(getattr(other, name))
        self.broken.update(other.broken)


_CONVERTER = make_converter(authoring=True)


def _read(path: Path, rel: str, plugin: str, kind: type, found: Contribution, problems: list[Problem]) -> Any:
    """Read one content file into ``kind``, keeping every entry that is valid.

    Each table of an array (each ``[[checkpoint]]``) is structured on its own,
    so one broken entry neither hides the problems of the others nor drops
    them; the ids of broken entries are remembered so that references to them
    are not reported a second time as unknown.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(plugin, f"invalid TOML: {exc}", rel))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(plugin, f"cannot read: {exc}", rel))
        return None

    def fail(exc: Exception, base: str) -> None:
        for key_path, message in errors_of(exc, base):
            problems.append(Problem(plugin, message, rel, key_path))

    fields = attrs.fields(attrs.resolve_types(kind))
    known = [a.name for a in fields]
    complete = True
    for key in data:
        if key not in known:
            fail(_unknown_key(key, known), "$")
    values = {}
    for field_ in fields:
        if field_.name not in data:
            if field_.default is attrs.NOTHING:
                problems.append(Problem(plugin, "required key missing", rel, f"$.{field_.name}"))
                complete = False
            continue
        raw = data[field_.name]
        if _is_variadic_tuple(field_.type) and isinstance(raw, list):
            inner = typing.get_args(field_.type)[0]
            items = []
            for i, element in enumerate(raw):
                try:
                    items.append(_CONVERTER.structure(element, inner))
                except (ClassValidationError, IterableValidationError, WrongType, Invalid) as exc:
                    fail(exc, f"$.{field_.name}[{i}]")
                    if isinstance(element, dict):
                        found.broken.update(
                            v for k, v in element.items() if k in ("id", "code") and isinstance(v, str)
                        )
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
    return kind(**values)


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
    for name in ("sector.toml", "remediation.toml"):
        try:
            data = tomllib.loads((root / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if "format" in data:
            declared[name] = data["format"]
    for name, value in declared.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return Problem(plugin, f"expected a content format number such as {CONTENT_FORMAT} (got {show(value)})",
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


def load_content_dir(root: Path, plugin: str, problems: list[Problem], distribution: str = "") -> Contribution:
    """Read one content folder; append every problem found to ``problems``.

    A folder written for a content format this checkframe does not read is
    refused whole, with one problem that says what to upgrade.
    """
    found = Contribution(plugin)
    root = Path(root)
    if not root.is_dir():
        problems.append(Problem(plugin, f"content folder not found: {root}"))
        return found
    refused = check_content_format(root, plugin, distribution)
    if refused is not None:
        problems.append(refused)
        return found
    expected = ", ".join([*FILE_KINDS, "checkpoints/*.toml"])
    sector_file = None
    checklists: list[Checklist] = []
    group_files = []
    order = {name: i for i, name in enumerate(["sector.toml", "checkpoints", "checklists.toml"])}
    for path in sorted(root.rglob("*"), key=lambda p: (order.get(p.relative_to(root).parts[0], 9), p)):
        rel = path.relative_to(root).as_posix()
        if path.is_dir() or path.name.startswith(".") or "__pycache__" in path.parts:
            continue
        if rel in FILE_KINDS:
            kind = FILE_KINDS[rel]
            parsed = _read(path, rel, plugin, kind, found, problems)
            if parsed is None:
                continue
            if kind is SectorFile:
                sector_file = parsed
                for i, doc in enumerate(parsed.document):
                    found.documents.append(Entry(doc, f"{rel}: $.document[{i}]"))
            elif kind is ChecklistsFile:
                checklists = list(parsed.checklist)
            elif kind is RemediationFile:
                for i, category in enumerate(parsed.category):
                    found.categories.append(
                        Entry(evolve(category, plugin=plugin), f"{rel}: $.category[{i}]")
                    )
        elif rel.startswith("checkpoints/") and rel.endswith(".toml") and rel.count("/") == 1:
            group_files.append((rel, _read(path, rel, plugin, GroupFile, found, problems)))
        elif path.suffix in {".md", ".txt"} or path.name == "__init__.py":
            continue  # notes for maintainers, or a package marker
        else:
            problems.append(Problem(plugin, f"unexpected file; content files are {expected}", rel))

    if sector_file is None:
        if (group_files or checklists) and not (root / "sector.toml").exists():
            problems.append(Problem(
                plugin, "checkpoints and checklists need a sector.toml beside them", "sector.toml"
            ))
        return found
    sector_id = sector_file.sector.id
    found.sectors.append(Entry(evolve(sector_file.sector, plugin=plugin), "sector.toml: $.sector"))
    for i, checklist in enumerate(checklists):
        found.checklists.append(
            Entry(evolve(checklist, sector=sector_id), f"checklists.toml: $.checklist[{i}]")
        )
    for rel, parsed in group_files:
        if parsed is None:
            continue
        found.groups.append(Entry(evolve(parsed.group, sector=sector_id), f"{rel}: $.group"))
        for i, checkpoint in enumerate(parsed.checkpoint):
            found.checkpoints.append(Entry(
                evolve(checkpoint, sector=sector_id, group=parsed.group.id),
                f"{rel}: $.checkpoint[{i}]",
            ))
    return found


@attrs.define
class Register:
    """What a plugin's ``checkframe_register_content`` hook receives.

    One is made per plugin, so that everything it records is attributed to
    that plugin in listings and error messages.
    """

    plugin: str
    problems: list[Problem]
    #: The distribution that installed the plugin, named in messages that say what to upgrade.
    distribution: str = ""
    contribution: Contribution = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.contribution = Contribution(self.plugin)

    def content_dir(self, path: Path | str) -> None:
        """Read a folder of content TOML; see :mod:`checkframe.content`."""
        self.contribution.extend(load_content_dir(Path(path), self.plugin, self.problems, self.distribution))

    def sector(self, sector: Sector) -> None:
        """Add a sector built in Python."""
        self.contribution.sectors.append(Entry(evolve(sector, plugin=self.plugin)))

    def document(self, document: Document) -> None:
        """Add a document that checkpoints may cite."""
        self.contribution.documents.append(Entry(document))

    def group(self, group: Group) -> None:
        """Add a group of checkpoints; ``group.sector`` must name a sector."""
        self.contribution.groups.append(Entry(group))

    def checkpoint(self, checkpoint: Checkpoint) -> None:
        """Add a checkpoint; its ``sector`` and ``group`` must name a sector and its group."""
        self.contribution.checkpoints.append(Entry(checkpoint))

    def checklist(self, checklist: Checklist) -> None:
        """Add a checklist; its ``sector`` names the sector it is filed under."""
        self.contribution.checklists.append(Entry(checklist))

    def remediation_category(self, category: RemediationCategory) -> None:
        """Add a remediation category, such as a production stop for major hazards."""
        self.contribution.categories.append(Entry(evolve(category, plugin=self.plugin)))
