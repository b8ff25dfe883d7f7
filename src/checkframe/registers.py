"""What a plugin's hooks receive and what they record: :class:`Register`, :class:`SiteRegister`, :class:`LedgerRegister`.

A register only records; nothing is read or rendered here.  The catalog layer
reads the content folders a :class:`Register` names (in the order they were
named, between the objects registered in Python), and the publish layer
renders the pages and templates a :class:`SiteRegister` holds.  So the hook
specs (:mod:`checkframe.hookspecs`) depend on this module alone.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from attrs import evolve, frozen

from checkframe.errors import Problem, did_you_mean
from checkframe.model import Checklist, Checkpoint, Document, Group, RemediationCategory, Sector, check_id

__all__ = [
    "NO_HEADING",
    "BuildFiles",
    "CommandRegister",
    "Contribution",
    "Entry",
    "ExtraPage",
    "FormRegister",
    "LedgerRegister",
    "LedgerRule",
    "PluginCommand",
    "PluginForm",
    "Register",
    "SiteRegister",
    "StopKind",
    "has_heading",
    "page_title",
]

#: The kinds of object a plugin contributes, as the attribute names of :class:`Contribution`.
KINDS = ("sectors", "documents", "groups", "checkpoints", "checklists", "categories")


@frozen
class Entry:
    """A contributed object and where it was written (file and key path)."""

    obj: Any
    where: str = ""
    #: The content file it was read from (:class:`checkframe.catalog.places.Source`), to name the line.
    source: Any = attrs.field(default=None, eq=False, repr=False)
    #: For a checkpoint read with a content cache, a text that stands for its value (see
    #: :meth:`checkframe.catalog.Catalog.fingerprint`); "" otherwise.
    fingerprint: str = attrs.field(default="", eq=False, repr=False)

    def at(self) -> str:
        """Where it was written, as a problem line names it: ``checkpoints/01-gas.toml:12: [[checkpoint]] gas-01``."""
        file, _, path = self.where.partition(": ")
        if self.source is None:
            return self.where
        line, label = self.source.place(path)
        return ": ".join(part for part in (f"{file}:{line}" if line else file, label) if part)


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
    #: Entries of an array (``"checkpoint"``, ``"checklist"``) that did not structure, each as its raw table in
    #: an :class:`Entry`: the cross-checks that need only its id and references still look at it, so that one
    #: bad field does not hide the entry's other problems until it is fixed.
    partial: list[tuple[str, Entry]] = attrs.Factory(list)
    #: The content folders the plugin named, read or refused.
    folders: list[Path] = attrs.Factory(list)

    def extend(self, other: Contribution) -> None:
        for name in KINDS:
            getattr(self, name).extend(getattr(other, name))
        self.broken.update(other.broken)
        self.partial.extend(other.partial)
        self.folders.extend(other.folders)


#: What each kind of :class:`Register` entry must be, and the method that adds it.
_KINDS: dict[str, type] = {"sectors": Sector, "documents": Document, "groups": Group, "checkpoints": Checkpoint,
                           "checklists": Checklist, "categories": RemediationCategory}
_METHODS = {"sectors": "sector", "documents": "document", "groups": "group", "checkpoints": "checkpoint",
            "checklists": "checklist", "categories": "remediation_category"}


class _Suggests:
    """A register that names its nearest method for a misspelt one: ``register.content_directory(...)`` raises
    ``AttributeError: 'Register' has no attribute 'content_directory'; did you mean 'content_dir'?``, which
    the plugin's failing hook reports."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        known = [n for n in dir(type(self)) if not n.startswith("_")]
        raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}"
                             f"{did_you_mean(name, known, '; it has ' + ', '.join(known))}")


@attrs.define
class Register(_Suggests):
    """What a plugin's ``checkframe_register_content`` hook receives.

    One is made per plugin, so that everything it records is attributed to
    that plugin in listings and error messages.  It records: the content
    folders it is given are read afterwards by the catalog, in order
    (:attr:`parts`).
    """

    plugin: str
    #: The distribution that installed the plugin, named in messages that say what to upgrade.
    distribution: str = ""
    #: What was registered, in order: content folders to read, and contributions made in Python.
    parts: list[Path | Contribution] = attrs.field(init=False, factory=list)

    @property
    def dirs(self) -> list[Path]:
        """The content folders registered, in order."""
        return [part for part in self.parts if isinstance(part, Path)]

    def _add(self, kind: str, entry: Entry) -> None:
        expected = _KINDS[kind]
        if not isinstance(entry.obj, expected):
            # Raised in the plugin's hook, so reported as that plugin's mistake, with its name.
            raise TypeError(f"register.{_METHODS[kind]}() takes a checkframe.{expected.__name__} "
                            f"(got {type(entry.obj).__name__})")
        if not self.parts or not isinstance(self.parts[-1], Contribution):
            self.parts.append(Contribution(self.plugin))
        last = self.parts[-1]
        assert isinstance(last, Contribution)
        getattr(last, kind).append(entry)

    def content_dir(self, path: Path | str) -> None:
        """Read a folder of content TOML (``sector.toml``, ``checkpoints/*.toml``, ...)."""
        self.parts.append(Path(path))

    def sector(self, sector: Sector) -> None:
        """Add a sector built in Python."""
        self._add("sectors", Entry(evolve(sector, plugin=self.plugin) if isinstance(sector, Sector) else sector))

    def document(self, document: Document) -> None:
        """Add a document that checkpoints may cite."""
        self._add("documents", Entry(document))

    def group(self, group: Group) -> None:
        """Add a group of checkpoints; ``group.sector`` must name a sector."""
        self._add("groups", Entry(group))

    def checkpoint(self, checkpoint: Checkpoint) -> None:
        """Add a checkpoint; its ``sector`` and ``group`` must name a sector and its group."""
        self._add("checkpoints", Entry(checkpoint))

    def checklist(self, checklist: Checklist) -> None:
        """Add a checklist; its ``sector`` names the sector it is filed under."""
        self._add("checklists", Entry(checklist))

    def remediation_category(self, category: RemediationCategory) -> None:
        """Add a remediation category, such as a production stop for major hazards."""
        self._add("categories", Entry(
            evolve(category, plugin=self.plugin) if isinstance(category, RemediationCategory) else category))


@attrs.frozen
class ExtraPage:
    """A page added to the handbook: by a plugin's site hook or a project's ``pages/*.md``."""

    slug: str
    title: str
    markdown: str
    #: Who added it: a plugin's name or the handbook file.
    origin: str


def page_title(text: str, fallback: str) -> str:
    """A page's title: its first ``# `` heading, else ``fallback``."""
    for line in text.splitlines():
        if line.startswith("# ") and line[2:].strip():
            return line[2:].strip()
    return fallback


#: Why a page without a ``# `` heading is refused: it would be titled by its file name or slug.
NO_HEADING = ("a page needs a title: begin its Markdown with a heading line such as '# 使用说明' "
              "(a '#', a space, then the title)")


def has_heading(text: str) -> bool:
    """Whether the Markdown has a ``# `` heading to title its page."""
    return page_title(text, "") != ""


@attrs.define
class SiteRegister(_Suggests):
    """What a plugin's ``checkframe_register_site`` hook receives."""

    plugin: str
    problems: list[Problem]
    pages: list[ExtraPage] = attrs.Factory(list)
    template_dirs: list[Path] = attrs.Factory(list)

    def page(self, slug: str, markdown: str) -> None:
        """Add a page at ``pages/<slug>.html``; its title is its first ``# `` heading."""
        try:
            check_id(slug, "slug")
        except ValueError as exc:
            self.problems.append(Problem(self.plugin, f"page slug: {exc}"))
            return
        if not has_heading(markdown):
            self.problems.append(Problem(self.plugin, f"page {slug!r}: {NO_HEADING}"))
            return
        self.pages.append(ExtraPage(slug, page_title(markdown, slug), markdown, self.plugin))

    def template_dir(self, path: Path | str) -> None:
        """Search this folder for templates before the default ones."""
        path = Path(path)
        if not path.is_dir():
            self.problems.append(Problem(self.plugin, f"template folder not found: {path}"))
            return
        self.template_dirs.append(path)


#: What a plugin's form may be called (``checkframe print --form NAME``): lowercase words joined by hyphens.
FORM_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
#: What a form's field may be called: the key of ``values`` in the template, a Python identifier.
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@frozen
class PluginForm:
    """A printable form that a plugin adds: its name, title, fields and template."""

    name: str
    title: str
    #: ``(key, label)`` of each field, in order: what the template may read of ``values``.
    fields: tuple[tuple[str, str], ...]
    template: Path
    #: The plugin that added it, as problems name it (``coal_mine (checkframe-coal-mine 0.1.0)``).
    plugin: str
    #: The sector whose handbook page links to it.
    sector: str
    #: The annex label printed above the title and in the footer, such as ``附件3``; empty for none.
    annex: str = ""

    def field_names(self) -> list[str]:
        return [key for key, _ in self.fields]


@attrs.define
class FormRegister(_Suggests):
    """What a plugin's ``checkframe_register_forms`` hook receives."""

    plugin: str
    #: The plugin's name, the sector its forms belong to unless ``sector`` is given.
    name: str
    problems: list[Problem]
    forms: list[PluginForm] = attrs.Factory(list)

    def form(self, name: str, template: Path | str, *, title: str, fields: dict[str, str],
             sector: str = "", annex: str = "") -> None:
        """Add the form ``name`` (printed by ``checkframe print --form NAME``) from a template file."""
        where = f"form {name!r}"
        if not isinstance(name, str) or not FORM_NAME.fullmatch(name):
            self.problems.append(Problem(self.plugin, f"form name {name!r}: expected lowercase letters, digits and "
                                                      "'-', starting with a letter, such as 'coal-mine-order'"))
            return
        if not isinstance(title, str) or not title.strip():
            self.problems.append(Problem(self.plugin, f"{where}: title: expected the form's title in Chinese, "
                                                      "such as title=\"煤矿安全生产督查表\""))
            return
        if not isinstance(fields, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items()):
            self.problems.append(Problem(self.plugin, f"{where}: fields: expected a dict of field name to its "
                                                      "label, such as {\"unit\": \"检查企业\"}"))
            return
        bad = [k for k, v in fields.items() if not FIELD_NAME.fullmatch(k) or not v.strip()]
        if bad:
            self.problems.append(Problem(self.plugin, f"{where}: field {bad[0]!r}: expected a name of lowercase "
                                                      "letters, digits and '_' with a label in Chinese"))
            return
        self.forms.append(PluginForm(name, title.strip(), tuple(fields.items()), Path(template), self.plugin,
                                     sector or self.name, annex))


#: What a plugin's command may be called: lowercase words joined by single hyphens.
COMMAND_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


@attrs.frozen
class PluginCommand:
    """A command a plugin adds to ``checkframe``: its name, what it runs, its help line and its arguments."""

    name: str
    run: Callable[[argparse.Namespace], int | None]
    help: str
    parser: argparse.ArgumentParser
    plugin: str


@attrs.define
class CommandRegister(_Suggests):
    """What a plugin's ``checkframe_register_commands`` hook receives."""

    plugin: str
    #: The names no plugin may take: checkframe's own commands, and those other plugins took first.
    taken: dict[str, str]
    problems: list[Problem]
    commands: list[PluginCommand] = attrs.Factory(list)

    def command(
        self, name: str, run: Callable[[argparse.Namespace], int | None], help: str
    ) -> argparse.ArgumentParser:
        """Add ``checkframe NAME``; return its parser, to add arguments to."""
        parser = argparse.ArgumentParser(prog=f"checkframe {name}", description=help, add_help=False)
        if not COMMAND_NAME.fullmatch(name):
            self.problems.append(Problem(self.plugin, f"command {name!r}: expected a name of lowercase letters, "
                                                      "digits and single '-', such as gas-export"))
        elif name in self.taken:
            self.problems.append(Problem(self.plugin, f"command {name!r} is taken by {self.taken[name]}; "
                                                      "start its name with the plugin's sector id"))
        elif not callable(run):
            self.problems.append(Problem(self.plugin, f"command {name!r}: run must be a function of the "
                                                      f"parsed arguments (got {run!r})"))
        else:
            self.taken[name] = self.plugin
            self.commands.append(PluginCommand(name, run, " ".join(help.split()), parser, self.plugin))
        return parser


@attrs.define
class BuildFiles:
    """What a plugin's ``checkframe_pages_rendered`` hook receives: the files of the site, to add to."""

    plugin: str
    files: dict[str, bytes]
    origins: dict[str, str]
    problems: list[Problem]

    def paths(self) -> list[str]:
        """The paths of the site so far, in order."""
        return sorted(self.files)

    def add(self, path: str, data: bytes | str) -> None:
        """Add a file at ``path`` (relative to the site's root, ``/`` between folders)."""
        parts = path.split("/")
        if not path or path.startswith("/") or any(part in ("", ".", "..") for part in parts) or "\\" in path:
            self.problems.append(Problem(self.plugin, f"file {path!r}: expected a relative path inside the site, "
                                                      "such as exports/gas.csv"))
            return
        if path in self.files:
            self.problems.append(Problem(self.plugin, f"file {path!r} is already written by "
                                                      f"{self.origins.get(path) or 'checkframe'}; choose another path"))
            return
        self.files[path] = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self.origins[path] = self.plugin
@frozen
class StopKind:
    """A kind of production stop a finding may carry (停产停业整改, coal's 停产整顿, ...)."""

    code: str
    #: What the order is called: 停产停业整改, 停产整顿.
    name: str
    #: The legal basis, as cited: 《中华人民共和国安全生产法》第六十五条（三）.
    basis: str
    plugin: str


@frozen
class LedgerRule:
    """A rule a plugin adds to the ledger: called for each finding of ``sector`` (every sector when empty)."""

    check: Callable[..., Any]
    sector: str
    plugin: str

    @property
    def name(self) -> str:
        return getattr(self.check, "__qualname__", repr(self.check))


@attrs.define
class LedgerRegister(_Suggests):
    """What a plugin's ``checkframe_register_ledger`` hook receives."""

    plugin: str
    problems: list[Problem]
    rules: list[LedgerRule] = attrs.Factory(list)
    stop_kinds: list[StopKind] = attrs.Factory(list)

    def rule(self, check: Callable[..., Any], sector: str = "") -> None:
        """Call ``check(entry, ledger)`` for every finding on the ledger (of units in ``sector`` only, if given)."""
        if not callable(check):
            self.problems.append(Problem(self.plugin, f"ledger rule: expected a function (got {check!r})"))
            return
        self.rules.append(LedgerRule(check, sector, self.plugin))

    def stop_kind(self, code: str, name: str, basis: str) -> None:
        """A kind of production stop that records may name in ``stop.kind``."""
        try:
            check_id(code, "code")
        except ValueError as exc:
            self.problems.append(Problem(self.plugin, f"stop kind: {exc}"))
            return
        self.stop_kinds.append(StopKind(code, name, basis, self.plugin))
