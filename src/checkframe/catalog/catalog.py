"""The catalog: all content gathered from the plugins, cross-checked, immutable.

:func:`build_catalog` calls every plugin's ``checkframe_register_content``
one by one, then checks what only the whole catalog can show: ids unique
across plugins, one plugin per sector, checklists naming checkpoints that
exist, checkpoints naming remediation categories that exist and serve their
hazard level, citations naming documents that exist.  Every problem is
gathered before :class:`~checkframe.errors.ContentError` is raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import attrs
from attrs import evolve, frozen

from checkframe.catalog.content import load_content_dir
from checkframe.errors import ContentError, Problem, unknown
from checkframe.model import (
    Checklist,
    Checkpoint,
    Document,
    Group,
    HazardLevel,
    RemediationCategory,
    Sector,
)
from checkframe.plugins import PluginInfo, Plugins, call_each
from checkframe.registers import Contribution, Entry, Register
from checkframe.util.images import image_problem, image_sources

__all__ = ["Catalog", "build_catalog", "gather", "read_register"]

T = TypeVar("T")

def _index(items: Iterable[T], key: str) -> dict[str, T]:
    return {getattr(item, key): item for item in items}


@frozen
class Catalog:
    """Every sector, checkpoint, checklist and remediation category, looked up by id."""

    sectors: tuple[Sector, ...] = ()
    documents: tuple[Document, ...] = ()
    groups: tuple[Group, ...] = ()
    checkpoints: tuple[Checkpoint, ...] = ()
    checklists: tuple[Checklist, ...] = ()
    categories: tuple[RemediationCategory, ...] = ()
    _by: dict[str, dict[str, Any]] = attrs.field(init=False, eq=False, repr=False)
    #: Answers computed once per catalog (:meth:`ids`, :meth:`members`); a catalog never changes.
    _cache: dict[Any, Any] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by", {
            "sector": _index(self.sectors, "id"),
            "document": _index(self.documents, "id"),
            "group": {g.key: g for g in self.groups},
            "checkpoint": _index(self.checkpoints, "id"),
            "checklist": _index(self.checklists, "id"),
            "category": _index(self.categories, "code"),
        })
        object.__setattr__(self, "_cache", {})

    def sector(self, id: str) -> Sector:
        return self._by["sector"][id]

    def document(self, id: str) -> Document:
        return self._by["document"][id]

    def group(self, key: str) -> Group:
        """A group by ``sector/group``."""
        return self._by["group"][key]

    def checkpoint(self, id: str) -> Checkpoint:
        return self._by["checkpoint"][id]

    def checklist(self, id: str) -> Checklist:
        return self._by["checklist"][id]

    def category(self, code: str) -> RemediationCategory:
        return self._by["category"][code]

    def has(self, kind: str, id: str) -> bool:
        return id in self._by[kind]

    def ids(self, kind: str) -> list[str]:
        """Every id of a kind (``"checkpoint"``, ...), in catalog order, for suggestions; listed once."""
        key = ("ids", kind)
        if key not in self._cache:
            self._cache[key] = list(self._by[kind])
        return self._cache[key]

    def members(self, checklist: str) -> frozenset[str]:
        """The ids of the checkpoints on a checklist, as a set; made once per checklist."""
        key = ("members", checklist)
        if key not in self._cache:
            self._cache[key] = frozenset(self.checklist(checklist).checkpoints)
        return self._cache[key]

    def sector_checkpoints(self, sector: str) -> list[Checkpoint]:
        return [c for c in self.checkpoints if c.sector == sector]

    def sector_groups(self, sector: str) -> list[Group]:
        return [g for g in self.groups if g.sector == sector]

    def sector_checklists(self, sector: str) -> list[Checklist]:
        return [c for c in self.checklists if c.sector == sector]

    def group_checkpoints(self, key: str) -> list[Checkpoint]:
        return [c for c in self.checkpoints if c.group_key == key]

    def checklist_checkpoints(self, id: str) -> list[Checkpoint]:
        return [self.checkpoint(c) for c in self.checklist(id).checkpoints]


# -- Gathering ---------------------------------------------------------------------------


def read_register(register: Register, problems: list[Problem]) -> Contribution:
    """What a plugin registered: its content folders read, in order, between the objects it added in Python."""
    contribution = Contribution(register.plugin)
    for part in register.parts:
        if isinstance(part, Contribution):
            contribution.extend(part)
        else:
            contribution.extend(load_content_dir(part, register.plugin, problems, register.distribution))
    return contribution


def gather(plugins: Plugins) -> tuple[list[Contribution], list[Problem]]:
    """Call each plugin's content hook on its own, in pluggy's order, and read what it registers."""
    problems: list[Problem] = []
    contributions = []

    def arguments(info: PluginInfo) -> dict[str, Any]:
        return {"register": Register(info.name, distribution=info.distribution)}

    for _, kwargs, failure in call_each(plugins, "checkframe_register_content", arguments):
        if failure is not None:
            problems.append(failure.problem("checkframe_register_content"))
            continue
        contributions.append(read_register(kwargs["register"], problems))
    return contributions, problems


class _Checker:
    """Cross-checks over all contributions; every problem is appended to ``problems``."""

    def __init__(self, contributions: list[Contribution], problems: list[Problem]) -> None:
        self.contributions = contributions
        self.problems = problems

    def report(self, plugin: str, where: str, message: str, key: str = "") -> None:
        file, _, path = where.partition(": ")
        if key:
            path = f"{path}.{key}" if path else key
        self.problems.append(Problem(plugin, message, file, path))

    def unique(self, attribute: str, noun: str, key: Any = None) -> dict[str, tuple[str, Entry]]:
        """Index entries of one kind, reporting every id defined twice."""
        seen: dict[str, tuple[str, Entry]] = {}
        for contribution in self.contributions:
            for entry in getattr(contribution, attribute):
                ident = key(entry.obj) if key else entry.obj.id
                if ident in seen:
                    first_plugin, first = seen[ident]
                    if noun == "document" and first.obj == entry.obj:
                        continue  # the same law cited by two plugins is one document
                    other = f"{first_plugin}: {first.where}" if first.where else first_plugin
                    self.report(
                        contribution.plugin, entry.where,
                        f"{noun} {ident!r} is already defined in {other}; "
                        f"{noun} ids must be unique across all plugins",
                    )
                    continue
                seen[ident] = (contribution.plugin, entry)
        return seen


def _check_images(check: _Checker, plugin: str, where: str, key: str, text: str) -> None:
    """Pictures in plugin Markdown follow one rule, in the site and in print (:mod:`checkframe.util.images`)."""
    for src in image_sources(text):
        refused = image_problem(src)
        if refused:
            check.report(plugin, where, refused, key)


def build_catalog(plugins: Plugins) -> Catalog:
    """Gather every plugin's content and cross-check it.

    :raises ContentError: with every problem found, plugin load errors included.
    """
    contributions, problems = gather(plugins)
    problems[:0] = plugins.problems
    check = _Checker(contributions, problems)
    broken = set().union(*(c.broken for c in contributions))

    sectors = check.unique("sectors", "sector")
    documents = check.unique("documents", "document")
    groups = check.unique("groups", "group", key=lambda g: g.key)
    checkpoints = check.unique("checkpoints", "checkpoint")
    checklists = check.unique("checklists", "checklist")
    categories = check.unique("categories", "remediation category", key=lambda c: c.code)

    for plugin, entry in groups.values():
        if entry.obj.sector not in sectors:
            check.report(plugin, entry.where, f"unknown sector {entry.obj.sector!r}", "sector")
        _check_images(check, plugin, entry.where, "description", entry.obj.description)
    for plugin, entry in sectors.values():
        _check_images(check, plugin, entry.where, "description", entry.obj.description)
        for doc in entry.obj.sources:
            if doc not in documents and doc not in broken:
                check.report(plugin, entry.where, *_unknown("sources", "document", doc, documents))

    for plugin, entry in checkpoints.values():
        cp: Checkpoint = entry.obj
        if cp.group_key not in groups:
            check.report(plugin, entry.where, f"unknown group {cp.group_key!r}", "group")
        for i, basis in enumerate(cp.basis):
            if basis.document not in documents and basis.document not in broken:
                check.report(plugin, entry.where, *_unknown(f"basis[{i}].document", "document", basis.document, documents))
        for i, code in enumerate(cp.remediation):
            if code not in categories:
                if code in broken:
                    continue
                check.report(plugin, entry.where, *_unknown(f"remediation[{i}]", "remediation category", code, categories))
                continue
            category = categories[code][1].obj
            if cp.level not in category.levels:
                serves = ", ".join(level.value for level in category.levels)
                check.report(
                    plugin, entry.where,
                    f"{code} ({category.name}) serves {serves} hazards, but the checkpoint is "
                    f"{cp.level.value}; choose a category for {cp.level.value} hazards",
                    f"remediation[{i}]",
                )
        _check_images(check, plugin, entry.where, "what", cp.what)
        if cp.level is HazardLevel.MAJOR and not cp.basis:
            check.report(plugin, entry.where, "a major-hazard checkpoint must cite the article that makes it one", "basis")

    resolved: dict[str, tuple[str, ...]] = {}
    group_members: dict[str, list[str]] = {key: [] for key in groups}
    for _, entry in checkpoints.values():
        group_members.setdefault(entry.obj.group_key, []).append(entry.obj.id)
    for ident, (plugin, entry) in checklists.items():
        ids: list[str] = []
        for i, item in enumerate(entry.obj.items):
            if "/" in item:
                if item not in group_members:
                    if item.partition("/")[2] in broken:
                        continue
                    check.report(plugin, entry.where, *_unknown(f"items[{i}]", "group", item, group_members))
                    continue
                members = group_members[item]
            elif item in checkpoints:
                members = [item]
            elif item in broken:
                continue
            else:
                check.report(plugin, entry.where, *_unknown(f"items[{i}]", "checkpoint", item, checkpoints))
                continue
            for member in members:
                if member in ids:
                    check.report(plugin, entry.where, f"checkpoint {member!r} is already in the checklist", f"items[{i}]")
                else:
                    ids.append(member)
        if not ids and entry.obj.items == ():
            check.report(plugin, entry.where, "a checklist needs at least one checkpoint", "items")
        resolved[ident] = tuple(ids)

    if problems:
        raise ContentError(problems)
    return Catalog(
        sectors=tuple(e.obj for _, e in sectors.values()),
        documents=tuple(sorted((e.obj for _, e in documents.values()), key=lambda d: d.id)),
        groups=tuple(e.obj for _, e in groups.values()),
        checkpoints=tuple(e.obj for _, e in checkpoints.values()),
        checklists=tuple(evolve(e.obj, checkpoints=resolved[k]) for k, (_, e) in checklists.items()),
        categories=tuple(e.obj for _, e in categories.values()),
    )


def _unknown(key: str, noun: str, value: str, known: Iterable[str]) -> tuple[str, str]:
    """A (message, key) pair for a name that refers to nothing."""
    return unknown(noun, value, known), key
