"""What a plugin's hooks receive and what they record: :class:`Register` and :class:`SiteRegister`.

A register only records; nothing is read or rendered here.  The catalog layer
reads the content folders a :class:`Register` names (in the order they were
named, between the objects registered in Python), and the publish layer
renders the pages and templates a :class:`SiteRegister` holds.  So the hook
specs (:mod:`checkframe.hookspecs`) depend on this module alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
from attrs import evolve, frozen

from checkframe.errors import Problem
from checkframe.model import Checklist, Checkpoint, Document, Group, RemediationCategory, Sector, check_id

__all__ = ["Contribution", "Entry", "ExtraPage", "Register", "SiteRegister", "page_title"]

#: The kinds of object a plugin contributes, as the attribute names of :class:`Contribution`.
KINDS = ("sectors", "documents", "groups", "checkpoints", "checklists", "categories")


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
        for name in KINDS:
            getattr(self, name).extend(getattr(other, name))
        self.broken.update(other.broken)


#: What each kind of :class:`Register` entry must be, and the method that adds it.
_KINDS: dict[str, type] = {"sectors": Sector, "documents": Document, "groups": Group, "checkpoints": Checkpoint,
                           "checklists": Checklist, "categories": RemediationCategory}
_METHODS = {"sectors": "sector", "documents": "document", "groups": "group", "checkpoints": "checkpoint",
            "checklists": "checklist", "categories": "remediation_category"}


@attrs.define
class Register:
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
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


@attrs.define
class SiteRegister:
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
        self.pages.append(ExtraPage(slug, page_title(markdown, slug), markdown, self.plugin))

    def template_dir(self, path: Path | str) -> None:
        """Search this folder for templates before the default ones."""
        path = Path(path)
        if not path.is_dir():
            self.problems.append(Problem(self.plugin, f"template folder not found: {path}"))
            return
        self.template_dirs.append(path)
