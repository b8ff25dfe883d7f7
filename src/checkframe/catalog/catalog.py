"""The catalog: all content gathered from the plugins, cross-checked, immutable.

:func:`build_catalog` calls every plugin's ``checkframe_register_content``
one by one, then checks what only the whole catalog can show: ids unique
across plugins, one plugin per sector, checklists naming checkpoints that
exist, checkpoints naming remediation categories that exist and serve their
hazard level, citations naming documents that exist.  Every problem is
gathered before :class:`~checkframe.errors.ContentError` is raised.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
from attrs import evolve, frozen

from checkframe.catalog.cache import ContentCache
from checkframe.catalog.content import load_content_dir
from checkframe.catalog.places import placed
from checkframe.errors import ContentError, Problem, unknown
from checkframe.model import (
    ID_PATTERN,
    Checklist,
    Checkpoint,
    Document,
    Group,
    HazardLevel,
    RemediationCategory,
    Sector,
    references,
    scope_named,
)
from checkframe.plugins import ENV_ALLOWLIST, PluginInfo, Plugins, call_each
from checkframe.registers import KINDS, Contribution, Entry, Register
from checkframe.util.images import image_problem, image_sources

__all__ = ["Catalog", "build_catalog", "contribution_warnings", "gather", "read_register"]

T = TypeVar("T")

def _index(items: Iterable[T], key: str) -> dict[str, T]:
    return {getattr(item, key): item for item in items}


@frozen
class Catalog:
    """Every sector, checkpoint, checklist and remediation category, looked up by id.

    Made by :func:`build_catalog` from the installed plugins (or by
    :func:`checkframe.testing.plugin_catalog` in a test); immutable.  Its
    tuples ``sectors``, ``documents``, ``groups``, ``checkpoints``,
    ``checklists`` and ``categories`` hold everything in catalog order::

        from checkframe import build_catalog, load_plugins

        catalog = build_catalog(load_plugins())
        for checkpoint in catalog.sector_checkpoints("coal_mine"):
            if checkpoint.level.value == "major":
                print(checkpoint.id, checkpoint.title, [b.cited() for b in checkpoint.basis])
    """

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
        """A sector by id; ``KeyError`` when there is none (ask :meth:`has` first)."""
        return self._by["sector"][id]

    def document(self, id: str) -> Document:
        """A document by id."""
        return self._by["document"][id]

    def group(self, key: str) -> Group:
        """A group by ``sector/group``."""
        return self._by["group"][key]

    def checkpoint(self, id: str) -> Checkpoint:
        """A checkpoint by id."""
        return self._by["checkpoint"][id]

    def fingerprint(self, checkpoint: Checkpoint) -> str | None:
        """A text that stands for the value of one of this catalog's checkpoints, or None.

        :func:`build_catalog` with a content cache gives one to each checkpoint it read from a content file: the
        same for the same text of the file, place in it and sector, read by the same code and libraries, so that
        what is derived from a checkpoint (the export's text of it, a page key) can be kept across builds by it
        instead of being made again from the object.  A catalog made otherwise has none.
        """
        found = self._cache.get("fingerprints")
        if not found or self._by["checkpoint"].get(checkpoint.id) is not checkpoint:
            return None
        return found.get(checkpoint.id)

    def checklist(self, id: str) -> Checklist:
        """A checklist by id; its ``checkpoints`` are its items resolved to checkpoint ids."""
        return self._by["checklist"][id]

    def category(self, code: str) -> RemediationCategory:
        """A remediation category by code."""
        return self._by["category"][code]

    def has(self, kind: str, id: str) -> bool:
        """Whether there is a ``kind`` (``"sector"``, ``"document"``, ``"group"``, ``"checkpoint"``,
        ``"checklist"``, ``"category"``) of that id."""
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
        """The checkpoints of a sector, in catalog order."""
        return [c for c in self.checkpoints if c.sector == sector]

    def sector_groups(self, sector: str) -> list[Group]:
        """The groups of a sector, in catalog order."""
        return [g for g in self.groups if g.sector == sector]

    def sector_checklists(self, sector: str) -> list[Checklist]:
        """The checklists a sector's plugin contributed."""
        return [c for c in self.checklists if c.sector == sector]

    def group_checkpoints(self, key: str) -> list[Checkpoint]:
        """The checkpoints of a group, by ``sector/group``."""
        return [c for c in self.checkpoints if c.group_key == key]

    def checklist_checkpoints(self, id: str) -> list[Checkpoint]:
        """The checkpoints of a checklist, in its order."""
        return [self.checkpoint(c) for c in self.checklist(id).checkpoints]


# -- Gathering ---------------------------------------------------------------------------


def read_register(register: Register, problems: list[Problem], cache: ContentCache | None = None) -> Contribution:
    """What a plugin registered: its content folders read, in order, between the objects it added in Python."""
    contribution = Contribution(register.plugin)
    for part in register.parts:
        if isinstance(part, Contribution):
            contribution.extend(part)
        else:
            contribution.extend(load_content_dir(part, register.plugin, problems, register.distribution, cache))
            contribution.folders.append(part)
    return contribution


def gather(plugins: Plugins, cache: ContentCache | None = None) -> tuple[list[Contribution], list[Problem]]:
    """Call each plugin's content hook on its own, in pluggy's order, and read what it registers."""
    problems: list[Problem] = []
    contributions = []

    def arguments(info: PluginInfo) -> dict[str, Any]:
        return {"register": Register(info.name, distribution=info.distribution)}

    for _, kwargs, failure in call_each(plugins, "checkframe_register_content", arguments):
        if failure is not None:
            problems.append(failure.problem("checkframe_register_content"))
            continue
        contributions.append(read_register(kwargs["register"], problems, cache))
    return contributions, problems


class _Checker:
    """Cross-checks over all contributions; every problem is appended to ``problems``."""

    def __init__(self, contributions: list[Contribution], problems: list[Problem]) -> None:
        self.contributions = contributions
        self.problems = problems
        #: What content format 1 allows but readers should not see (a scope tag without a Chinese name).
        self.warnings: list[Problem] = []

    def report(self, plugin: str, entry: Entry, message: str, key: str = "", *, warning: bool = False) -> None:
        file, _, path = entry.where.partition(": ")
        if key:
            path = f"{path}.{key}" if path else key
        (self.warnings if warning else self.problems).append(placed(Problem(plugin, message, file, path), entry.source))

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
                    other = f"{first_plugin}: {first.at()}" if first.where else first_plugin
                    if noun == "document":
                        differ = [f"{a.name} {getattr(entry.obj, a.name)!r} there {getattr(first.obj, a.name)!r}"
                                  for a in attrs.fields(Document)
                                  if getattr(entry.obj, a.name) != getattr(first.obj, a.name)]
                        self.report(
                            contribution.plugin, entry,
                            f"document {ident!r} is also declared in {other} with other fields ({'; '.join(differ)}); "
                            "a document declared by two plugins must be the same in both: copy its fields, "
                            "or give yours another id",
                        )
                        continue
                    self.twice(contribution.plugin, entry, noun, ident, seen[ident])
                    continue
                seen[ident] = (contribution.plugin, entry)
        return seen

    def twice(self, plugin: str, entry: Entry, noun: str, ident: str, first: tuple[str, Entry]) -> None:
        """``entry`` defines ``ident``, which ``first`` (a plugin and its entry) defined already."""
        first_plugin, found = first
        other = f"{first_plugin}: {found.at()}" if found.where else first_plugin
        self.report(plugin, entry, f"{noun} {ident!r} is already defined in {other}; "
                                   f"{noun} ids must be unique across all plugins")


def contribution_warnings(plugins: Plugins, contributions: list[Contribution]) -> list[Problem]:
    """What loads but is probably a mistake: a plugin that contributes nothing, a sector not named as its plugin.

    The plugin manager's own warnings (a plugin that implements no hook) come first.
    """
    warnings = list(plugins.warnings)
    by_plugin = {c.plugin: c for c in contributions}
    same: dict[tuple[str, str, str], tuple[str, Entry]] = {}
    for contribution in contributions:
        for entry in contribution.documents:
            doc: Document = entry.obj
            key = (doc.title, doc.number, doc.date)
            first = same.setdefault(key, (contribution.plugin, entry))
            if first[1].obj.id != doc.id:
                file, _, path = entry.where.partition(": ")
                warnings.append(placed(Problem(
                    contribution.plugin,
                    f"document {doc.id!r} has the title and number of {first[1].obj.id!r} ({first[0]}): "
                    f"《{doc.title}》{doc.number}; the handbook would list it twice: cite {first[1].obj.id!r} "
                    "and declare it with the same fields, or remove one",
                    file, path,
                ), entry.source))
    for name, info in plugins.infos.items():
        if info.builtin or not info.distribution:
            continue
        found = by_plugin.get(name)
        hooks = {caller.name for caller in plugins.pm.get_hookcallers(plugins.pm.get_plugin(name)) or []}
        if found is not None and not found.folders and not any(getattr(found, kind) for kind in KINDS) and hooks == {
            "checkframe_register_content"
        }:
            warnings.append(Problem(info.label(), "contributes nothing: its checkframe_register_content registered "
                                                  "no content; call register.content_dir(folder) in it"))
        sectors = [e.obj.id for e in found.sectors] if found else []
        if sectors and name not in sectors:
            warnings.append(Problem(
                info.label(),
                f"the entry point is named {name!r}, but the plugin contributes the sector {sectors[0]!r}; "
                f"name the entry point after the sector ({sectors[0]} = ...) in [project.entry-points.checkframe], "
                f"so that {ENV_ALLOWLIST} and the test helpers find it by the sector's id",
            ))
    return warnings


def declarers(contributions: list[Contribution]) -> dict[str, list[str]]:
    """The plugins that declare each document, by document id, in catalog order."""
    found: dict[str, list[str]] = {}
    for contribution in contributions:
        for entry in contribution.documents:
            names = found.setdefault(entry.obj.id, [])
            if contribution.plugin not in names:
                names.append(contribution.plugin)
    return found


def _requirements(distribution: str) -> set[str]:
    """The canonical names of the distributions that ``distribution`` requires."""
    import importlib.metadata

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        lines = importlib.metadata.distribution(distribution).requires or []
    except importlib.metadata.PackageNotFoundError:
        return set()
    names: set[str] = set()
    for line in lines:
        try:
            names.add(canonicalize_name(Requirement(line).name))
        except InvalidRequirement:
            continue
    return names


def _foreign_document(plugins: Plugins, plugin: str, by: list[str]) -> str:
    """Why ``plugin`` may not cite a document that only the plugins ``by`` declare; empty when it may.

    A plugin cites the documents it declares, and those of the installed plugins it depends on
    (its distribution's ``Requires-Dist``), so that installing it alone never leaves a citation
    without its document.  Plugins registered directly (tests) have no distribution and may cite any.
    """
    from packaging.utils import canonicalize_name

    info = plugins.infos.get(plugin)
    if plugin in by or info is None or not info.distribution or info.builtin:
        return ""
    owners = [plugins.infos[name] for name in by if name in plugins.infos]
    if not owners or any(o.builtin or not o.distribution for o in owners):
        return ""
    required = _requirements(info.distribution)
    if any(canonicalize_name(o.distribution) in required for o in owners):
        return ""
    owner = owners[0]
    return (f"is declared by {owner.label()}, which {info.distribution} does not depend on; add "
            f"\"{owner.distribution}\" to [project] dependencies in its pyproject.toml and install it again "
            "(pip install -e <its folder>), or declare the document in its own sector.toml")


def _check_partial(check: _Checker, contributions: list[Contribution], checkpoints: Mapping[str, Any],
                   checklists: Mapping[str, Any], documents: Mapping[str, Any], group_members: Mapping[str, Any],
                   broken: set[str]) -> None:
    """What can be checked of the entries that did not structure (:attr:`Contribution.partial`), from their raw
    tables: an id another entry has, a citation of an unknown document, a checklist without items or with
    unknown ones.  So one bad field (a misspelt key, a wrong level) does not hide these until it is fixed."""

    def an_id(value: Any) -> bool:  # one that is not: its own problem is already reported
        return isinstance(value, str) and bool(ID_PATTERN.fullmatch(value))

    for contribution in contributions:
        plugin = contribution.plugin
        for kind, entry in contribution.partial:
            raw = entry.obj
            ident = raw.get("id")
            defined = checkpoints if kind == "checkpoint" else checklists if kind == "checklist" else None
            if defined is None:
                continue
            if an_id(ident) and ident in defined:
                check.twice(plugin, entry, kind, ident, defined[ident])
            if kind == "checkpoint":
                basis = raw.get("basis")
                for i, cited in enumerate(basis if isinstance(basis, list) else []):
                    doc = cited.get("document") if isinstance(cited, dict) else None
                    if isinstance(doc, str) and an_id(doc) and doc not in documents and doc not in broken:
                        check.report(plugin, entry, *_unknown(f"basis[{i}].document", "document", doc, documents))
                continue
            items = raw.get("items")
            if items == []:
                check.report(plugin, entry, "a checklist needs at least one checkpoint", "items")
            for i, item in enumerate(items if isinstance(items, list) else []):
                if not isinstance(item, str):
                    continue
                if "/" in item:
                    if item not in group_members and item.partition("/")[2] not in broken:
                        check.report(plugin, entry, *_unknown(f"items[{i}]", "group", item, group_members))
                elif an_id(item) and item not in checkpoints and item not in broken:
                    check.report(plugin, entry, *_unknown(f"items[{i}]", "checkpoint", item, checkpoints))


def _check_images(check: _Checker, plugin: str, entry: Entry, key: str, text: str) -> None:
    """Pictures in plugin Markdown follow one rule, in the site and in print (:mod:`checkframe.util.images`)."""
    for src in image_sources(text):
        refused = image_problem(src)
        if refused:
            check.report(plugin, entry, refused, key)


def build_catalog(plugins: Plugins, warnings: list[Problem] | None = None, cache: Path | None = None) -> Catalog:
    """Gather every plugin's content and cross-check it.

    :param warnings: when given, :func:`contribution_warnings` are appended to it, and what content format 1
        allows but readers should not see (a scope tag without a Chinese name).
    :param cache: a folder where what each content file read into is kept for the next call, so that only the
        files changed since are parsed again (see :mod:`checkframe.catalog.cache`); the catalog is the same.
    :raises ContentError: with every problem found, plugin load errors included.
    """
    kept = ContentCache(cache) if cache is not None else None
    contributions, problems = gather(plugins, kept)
    if kept is not None:
        kept.save()
    if warnings is not None:
        warnings.extend(contribution_warnings(plugins, contributions))
    problems[:0] = plugins.problems
    check = _Checker(contributions, problems)
    broken = set().union(*(c.broken for c in contributions))

    sectors = check.unique("sectors", "sector")
    documents = check.unique("documents", "document")
    groups = check.unique("groups", "group", key=lambda g: g.key)
    checkpoints = check.unique("checkpoints", "checkpoint")
    checklists = check.unique("checklists", "checklist")
    categories = check.unique("categories", "remediation category", key=lambda c: c.code)

    def check_references(plugin: str, entry: Entry, fields: tuple[str, ...]) -> None:
        for name in fields:
            for ident in references(getattr(entry.obj, name)):
                if ident not in checkpoints and ident not in broken:
                    message, key = _unknown(name, "checkpoint", ident, checkpoints)
                    check.report(plugin, entry, f"[[{ident}]] refers to an {message}", key)

    for plugin, entry in groups.values():
        if entry.obj.sector not in sectors:
            check.report(plugin, entry, f"unknown sector {entry.obj.sector!r}", "sector")
        check_references(plugin, entry, ("description", "note"))
        _check_images(check, plugin, entry, "description", entry.obj.description)
        _check_images(check, plugin, entry, "note", entry.obj.note)
    for plugin, entry in sectors.values():
        _check_images(check, plugin, entry, "description", entry.obj.description)
        for doc in entry.obj.sources:
            if doc not in documents and doc not in broken:
                check.report(plugin, entry, *_unknown("sources", "document", doc, documents))

    declared = declarers(contributions)
    #: (plugin, scope tag) -> its uses without a Chinese name: (checkpoint entry, index in scope, sector).
    unnamed: dict[tuple[str, str], list[tuple[Entry, int, Sector | None]]] = {}
    for plugin, entry in checkpoints.values():
        cp: Checkpoint = entry.obj
        if cp.group_key not in groups:
            check.report(plugin, entry, f"unknown group {cp.group_key!r}", "group")
        check_references(plugin, entry, ("what", "note"))
        for i, basis in enumerate(cp.basis):
            if basis.document not in documents:
                if basis.document not in broken:  # a document that could not be read is reported once
                    check.report(plugin, entry,
                                 *_unknown(f"basis[{i}].document", "document", basis.document, documents))
                continue
            undeclared = _foreign_document(plugins, plugin, declared[basis.document])
            if undeclared:
                check.report(plugin, entry, f"document {basis.document!r} {undeclared}", f"basis[{i}].document")
        for i, code in enumerate(cp.remediation):
            if code not in categories:
                if code in broken:
                    continue
                check.report(plugin, entry, *_unknown(f"remediation[{i}]", "remediation category", code, categories))
                continue
            category = categories[code][1].obj
            if cp.level not in category.levels:
                serves = ", ".join(level.value for level in category.levels)
                check.report(
                    plugin, entry,
                    f"{code} ({category.name}) serves {serves} hazards, but the checkpoint is "
                    f"{cp.level.value}; choose a category for {cp.level.value} hazards",
                    f"remediation[{i}]",
                )
        sector = sectors[cp.sector][1].obj if cp.sector in sectors else None
        for i, tag in enumerate(cp.scope):
            if not scope_named(tag, sector):
                unnamed.setdefault((plugin, tag), []).append((entry, i, sector))
        _check_images(check, plugin, entry, "what", cp.what)
        _check_images(check, plugin, entry, "note", cp.note)
        if cp.level is HazardLevel.MAJOR and not any(b.article for b in cp.basis):
            check.report(plugin, entry, "a major-hazard checkpoint must cite the article that makes it one: "
                         "give one of its basis the article, as the document numbers it (article = \"第…条\")", "basis")

    for (plugin, tag), uses in unnamed.items():
        # A warning: content format 1 took any tag, so refusing one would break plugins written for it
        # (compatibility.md: tightened validation is an incompatible change).  One per tag, at its first use:
        # the name is missing once, in sector.toml, however many checkpoints carry the tag.
        entry, i, sector = uses[0]
        check.report(plugin, entry, _unnamed_scope(tag, sector, len(uses) - 1), f"scope[{i}]", warning=True)

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
                    check.report(plugin, entry, *_unknown(f"items[{i}]", "group", item, group_members))
                    continue
                members = group_members[item]
            elif item in checkpoints:
                members = [item]
            elif item in broken:
                continue
            else:
                check.report(plugin, entry, *_unknown(f"items[{i}]", "checkpoint", item, checkpoints))
                continue
            for member in members:
                if member in ids:
                    check.report(plugin, entry, f"checkpoint {member!r} is already in the checklist", f"items[{i}]")
                else:
                    ids.append(member)
        if not ids and entry.obj.items == ():
            check.report(plugin, entry, "a checklist needs at least one checkpoint", "items")
        resolved[ident] = tuple(ids)
    _check_partial(check, contributions, checkpoints, checklists, documents, group_members, broken)
    if warnings is not None:
        warnings.extend(check.warnings)

    if problems:
        raise ContentError(problems)
    catalog = Catalog(
        sectors=tuple(e.obj for _, e in sectors.values()),
        documents=tuple(sorted((e.obj for _, e in documents.values()), key=lambda d: d.id)),
        groups=tuple(e.obj for _, e in groups.values()),
        checkpoints=tuple(e.obj for _, e in checkpoints.values()),
        checklists=tuple(evolve(e.obj, checkpoints=resolved[k]) for k, (_, e) in checklists.items()),
        categories=tuple(e.obj for _, e in categories.values()),
    )
    catalog._cache["fingerprints"] = {ident: e.fingerprint for ident, (_, e) in checkpoints.items() if e.fingerprint}
    problems.extend(catalog_rules(plugins, catalog))
    if problems:
        raise ContentError(problems)
    return catalog


def catalog_rules(plugins: Plugins, catalog: Catalog) -> list[Problem]:
    """What the plugins' ``checkframe_catalog_built`` hooks report of the complete catalog, one problem each."""
    problems: list[Problem] = []

    def arguments(info: PluginInfo) -> dict[str, Any]:
        def report(message: str) -> None:
            problems.append(Problem(info.label(), str(message)))

        return {"catalog": catalog, "report": report}

    for _, _, failure in call_each(plugins, "checkframe_catalog_built", arguments):
        if failure is not None:
            problems.append(failure.problem("checkframe_catalog_built"))
    return problems


def _unnamed_scope(tag: str, sector: Sector | None, others: int = 0) -> str:
    """The problem of a scope tag that readers would see as its id: what came, and how to name it.

    ``others`` is how many more checkpoints of the plugin carry the tag (they are not warned of one by one).
    """
    near = difflib.get_close_matches(tag, [n.id for n in sector.scope] if sector is not None else [], n=1)
    hint = f"sector.toml names {near[0]!r}: if one of the two is misspelt, correct it; else " if near else ""
    more = f" (here and on {others} more checkpoint{'s' if others > 1 else ''})" if others else ""
    return (f"scope tag {tag!r}{more} has no Chinese name, so readers would see the id after 适用范围：; {hint}"
            f"name it in sector.toml: a [[scope]] with id = \"{tag}\" and name = its Chinese name, "
            "in the words of the sources")


def _unknown(key: str, noun: str, value: str, known: Iterable[str]) -> tuple[str, str]:
    """A (message, key) pair for a name that refers to nothing."""
    return unknown(noun, value, known), key
