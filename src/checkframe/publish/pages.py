"""The pages of the handbook, family by family: what each page shows, listed for :class:`SiteRenderer`.

:func:`render_site` chooses what the handbook shows (:class:`Shown`: its
sectors, checklists and the checkpoints they hold) and lists every page
family in turn: the home and search pages, the sector and checkpoint pages,
the checklists, the cross-sector pages (remediation, sources, major hazards,
plugins, what changed), the extra Markdown pages and the author guide.  Then
every listed page is rendered at once (in worker processes when it pays).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
from collections.abc import Iterable
from typing import Any

import attrs
from markupsafe import Markup

from checkframe.catalog import Catalog
from checkframe.catalog.diff import diff_catalogs
from checkframe.catalog.record_rules import describe, stop_kinds_of
from checkframe.model import (
    FIVE_ASSIGNMENTS,
    Checklist,
    Checkpoint,
    FindingState,
    HazardLevel,
    RemediationCategory,
    Sector,
    SupervisionLevel,
)
from checkframe.plugins import BUILTIN_PLUGINS, Plugins
from checkframe.publish import search
from checkframe.publish.changes import changes_context
from checkframe.publish.guide import GuidePage, guide_pages
from checkframe.publish.inputs import distribution_version, package_digest
from checkframe.publish.links import KeptLinks
from checkframe.publish.pagecache import PageReuse
from checkframe.publish.printforms import sector_forms
from checkframe.publish.project import Page, Project
from checkframe.publish.site import STATIC, SiteRenderer, checkpoint_path, environment
from checkframe.registers import ExtraPage, SiteRegister

__all__ = ["Shown", "article_key", "chinese_number", "render_site"]


_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER = re.compile(r"[零〇一二三四五六七八九十百千两]+|[0-9]+")


def chinese_number(text: str) -> int:
    """一百零一 → 101, 十七 → 17, 二十 → 20, 12 → 12."""
    if text.isdigit():
        return int(text)
    total = digit = 0
    for char in text:
        if char in _UNITS:
            total += (digit or 1) * _UNITS[char]
            digit = 0
        else:
            digit = _DIGITS[char]
    return total + digit


@functools.lru_cache(maxsize=4096)
def article_key(article: str) -> tuple[tuple[str, int], ...]:
    """Sorts cited articles as the document runs: 第二条 < 第十条 < 第十条（二） < 第十条（十一） < 第十一条.

    The text between numbers is compared as text, each number (Chinese numerals or digits) as a number;
    the whole document (（全文）) comes first.
    """
    if article == "（全文）":
        return ()
    key: list[tuple[str, int]] = []
    at = 0
    for match in _NUMBER.finditer(article):
        key.append((article[at:match.start()], chinese_number(match.group())))
        at = match.end()
    key.append((article[at:], -1))
    return tuple(key)


def _citations(catalog: Catalog, checkpoints: Iterable[Checkpoint]) -> dict[str, dict[str, list[Checkpoint]]]:
    """document id → cited article → the checkpoints citing it, in catalog order (a checkpoint citing the same
    article twice counts once)."""
    cited: dict[str, dict[str, list[Checkpoint]]] = {}
    for checkpoint in checkpoints:
        for basis in checkpoint.basis:
            articles = cited.get(basis.document)
            if articles is None:
                articles = cited[basis.document] = {}
            article = basis.cited() or "（全文）"
            citing = articles.get(article)
            if citing is None:
                articles[article] = [checkpoint]
            elif citing[-1] is not checkpoint:  # the catalog's ids are unique: the same one is the last one
                citing.append(checkpoint)
    return {doc: dict(sorted(articles.items(), key=lambda item: article_key(item[0]))) for doc, articles in cited.items()}


@attrs.define(slots=False)
class Shown:
    """What the handbook shows of the catalog: its sectors, its checklists, and every checkpoint either holds."""

    catalog: Catalog
    project: Project
    sectors: list[Sector]

    @functools.cached_property
    def sector_ids(self) -> set[str]:
        return {s.id for s in self.sectors}

    @functools.cached_property
    def checklist_ids(self) -> list[str]:
        return self.project.checklist_ids(self.catalog)

    @functools.cached_property
    def checklists(self) -> list[Checklist]:
        return [self.catalog.checklist(c) for c in self.checklist_ids]

    @functools.cached_property
    def checkpoints(self) -> list[Checkpoint]:
        """The sectors' checkpoints, then those that a checklist draws from sectors left out of the handbook."""
        checkpoints = [c for c in self.catalog.checkpoints if c.sector in self.sector_ids]
        shown = {c.id for c in checkpoints}
        for checklist in self.checklists:
            for cid in checklist.checkpoints:
                if cid not in shown:
                    shown.add(cid)
                    checkpoints.append(self.catalog.checkpoint(cid))
        return checkpoints

    @functools.cached_property
    def checkpoint_ids(self) -> set[str]:
        return {c.id for c in self.checkpoints}

    @functools.cached_property
    def appears_in(self) -> dict[str, list[Checklist]]:
        """checkpoint id → the handbook's checklists that hold it."""
        found: dict[str, list[Checklist]] = {}
        for checklist in self.checklists:
            for cid in checklist.checkpoints:
                found.setdefault(cid, []).append(checklist)
        return found

    @functools.cached_property
    def categories(self) -> list[RemediationCategory]:
        """The remediation categories the handbook lists: checkframe's own, and every other that its checkpoints
        name (not those of a sector left out, which none of them uses)."""
        used = {code for c in self.checkpoints for code in c.remediation}
        return [c for c in self.catalog.categories if c.plugin in BUILTIN_PLUGINS or c.code in used]

    @functools.cached_property
    def majors(self) -> list[Checkpoint]:
        return [c for c in self.checkpoints if c.level is HazardLevel.MAJOR]

    @functools.cached_property
    def cited(self) -> dict[str, dict[str, list[Checkpoint]]]:
        return _citations(self.catalog, self.checkpoints)

    @functools.cached_property
    def changes(self) -> dict[str, Any] | None:
        """What the 内容变化 page lists, when the project compares with an earlier export."""
        project, catalog = self.project, self.catalog
        if project.changes is None or project.previous is None:
            return None
        context = changes_context(
            diff_catalogs(project.previous, catalog), project.previous, catalog, self.sector_ids,
            self.checkpoint_ids, set(self.checklist_ids), set(self.cited),
        )
        # What is gone is named as the earlier export named it: its group's title, a checkpoint's title (not an id).
        context["old_group_title"] = {g.key: g.title for g in project.previous.groups}
        context["old_checkpoint_title"] = {c.id: c.title for c in project.previous.checkpoints}
        return context


def _home_pages(site: SiteRenderer, shown: Shown) -> None:
    by_sector: dict[str, list[Checkpoint]] = {}
    for c in shown.catalog.checkpoints:
        by_sector.setdefault(c.sector, []).append(c)
    changes = shown.changes
    site.render("index.html", "index.html", whole_catalog=False, sectors=shown.sectors, counts={
        s.id: (len(by_sector.get(s.id, [])),
               sum(1 for c in by_sector.get(s.id, []) if c.level is HazardLevel.MAJOR),
               len([c for c in shown.checklists if c.sector == s.id]))
        for s in shown.sectors
    }, major_count=len(shown.majors), checkpoint_count=len(shown.checkpoints), change_counts=changes and (
        len(changes["added"]), len(changes["changed"]), len(changes["removed"])))
    site.render("search.html", "search.html", whole_catalog=False)
    site.render("404.html", "404.html", whole_catalog=False)


def _sector_pages(site: SiteRenderer, shown: Shown) -> None:
    """Each sector's page, its checkpoints' pages in group order (with previous and next), then the
    pages of checkpoints that a checklist draws from a sector the handbook leaves out."""
    catalog = shown.catalog
    by_group: dict[str, list[Checkpoint]] = {}
    for c in catalog.checkpoints:
        by_group.setdefault(c.group_key, []).append(c)
    groups_of: dict[str, list[Any]] = {}
    for g in catalog.groups:
        groups_of.setdefault(g.sector, []).append(g)
    for sector in shown.sectors:
        groups = [(g, list(by_group.get(g.key, []))) for g in groups_of.get(sector.id, [])]
        site.render(
            f"sector/{sector.id}.html", "sector.html", whole_catalog=False, sector=sector, groups=groups,
            checklists=[c for c in shown.checklists if c.sector == sector.id],
            forms=sector_forms(site.plugins, sector.id),
        )
        ordered = [cp for _, members in groups for cp in members]
        for i, checkpoint in enumerate(ordered):
            site.render(
                checkpoint_path(checkpoint.id), "checkpoint.html", whole_catalog=False, checkpoint=checkpoint,
                sector=sector, group=catalog.group(checkpoint.group_key), sector_shown=True,
                checklists=shown.appears_in.get(checkpoint.id, []),
                previous=ordered[i - 1] if i > 0 else None,
                next=ordered[i + 1] if i + 1 < len(ordered) else None,
            )
    for checkpoint in shown.checkpoints:
        if checkpoint.sector not in shown.sector_ids:
            site.render(
                checkpoint_path(checkpoint.id), "checkpoint.html", whole_catalog=False, checkpoint=checkpoint,
                sector=catalog.sector(checkpoint.sector), group=catalog.group(checkpoint.group_key),
                sector_shown=False,  # on a checklist of the handbook, from a sector it leaves out: no page to link
                checklists=shown.appears_in.get(checkpoint.id, []), previous=None, next=None,
            )


def _checklist_pages(site: SiteRenderer, shown: Shown) -> None:
    """Each checklist, its items in runs of one group each, as the printed form shows them."""
    catalog = shown.catalog
    kinds = stop_kinds_of(site.plugins) if site.project.config.fill_in else []
    for checklist in shown.checklists:
        runs: list[tuple[Any, list[Checkpoint]]] = []
        for item in (catalog.checkpoint(c) for c in checklist.checkpoints):
            if runs and runs[-1][0].key == item.group_key:
                runs[-1][1].append(item)
            else:
                runs.append((catalog.group(item.group_key), [item]))
        site.render(f"checklist/{checklist.id}.html", "checklist.html", whole_catalog=False, checklist=checklist, runs=runs,
                    sector=catalog.sector(checklist.sector), fill_in=fill_in_json(site, kinds, checklist.id))


def fill_in_json(site: SiteRenderer, kinds: list[tuple[str, str]], checklist: str) -> Markup | None:
    """The record rules of ``checklist`` for the fill-in mode (``_fill_in.html``), or None with ``fill_in = false``.

    JSON inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` is left to end the element.
    """
    if not site.project.config.fill_in:
        return None
    data = describe(site.catalog, kinds, checklist)
    data["units"] = site.project.units
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _cross_sector_pages(site: SiteRenderer, shown: Shown, plugins: Plugins) -> None:
    """整改与闭环, 法规依据, 重大隐患, the plugins page and, when asked for, 内容变化."""
    catalog, project = shown.catalog, shown.project
    departments = {s.plugin: s.maintainer or s.regulator for s in reversed(catalog.sectors) if s.maintainer or s.regulator}
    site.render("remediation.html", "remediation.html", whole_catalog=False, categories=shown.categories,
                departments=departments, five=FIVE_ASSIGNMENTS, levels=list(SupervisionLevel), states=list(FindingState))
    position = {id(d): i for i, d in enumerate(catalog.documents)}
    documents = [catalog.document(d) for d in sorted(shown.cited, key=lambda d: position[id(catalog.document(d))])]
    shows = [(d.id, [(article, [(c.id, c.title) for c in citing]) for article, citing in shown.cited[d.id].items()])
             for d in documents]  # the documents themselves are in every page's key (SiteRenderer.shared_digest)
    site.render("sources.html", "sources.html", whole_catalog=False, key=shows, documents=documents, cited=shown.cited)
    majors = shown.majors
    site.render("major-hazards.html", "major_hazards.html", whole_catalog=False, groups=[
        (sector, [c for c in majors if c.sector == sector.id])
        for sector in [catalog.sector(s) for s in dict.fromkeys(c.sector for c in majors)]
    ])
    # The handbook as a whole is identified here, by the catalog's check code; every page's footer has its own.
    site.render("plugins.html", "plugins.html", whole_catalog=False, catalog_code=site.catalog_digest[:8],
                **_plugins_in_handbook(shown, plugins))
    if shown.changes is not None and project.changes is not None:
        site.render("changes.html", "changes.html", label=project.changes.label, **shown.changes)


def _plugins_in_handbook(shown: Shown, plugins: Plugins) -> dict[str, Any]:
    """What the plugins page lists: the plugins whose content is in this handbook, each with what of it is (its
    sectors; a sector left out whose checkpoints a checklist draws; its remediation categories, which the remediation
    page lists), and apart, the plugins installed whose content the handbook does not hold (a project that selects
    some sectors only)."""
    catalog = shown.catalog
    drawn_from = {c.sector for c in shown.checkpoints} - shown.sector_ids
    infos: list[Any] = []
    parts: dict[str, tuple[list[Sector], list[Sector], list[Any]]] = {}
    left_out: list[tuple[Any, list[Sector]]] = []
    for name, info in plugins.infos.items():
        sectors = [s for s in shown.sectors if s.plugin == name]
        drawn = [s for s in catalog.sectors if s.plugin == name and s.id in drawn_from]
        categories = [c for c in shown.categories if c.plugin == name]
        if sectors or drawn or categories:
            infos.append(info)
            parts[name] = (sectors, drawn, categories)
        else:
            left_out.append((info, [s for s in catalog.sectors if s.plugin == name]))
    # As before the page said what of each plugin is in: every installed plugin's sectors (a project's template reads it).
    contributions = {name: [s for s in catalog.sectors if s.plugin == name] for name in plugins.infos}
    return {"infos": infos, "parts": parts, "left_out": left_out, "contributions": contributions}


def _extra_pages(site: SiteRenderer, extra: Iterable[ExtraPage]) -> None:
    # The size of each picture beside the pages (pages/images/...): a page gives its pictures their width and height.
    pictures = {f"pages/{a.path}": size for a in site.project.assets if (size := a.size) is not None}
    for page in extra:
        site.render(f"pages/{page.slug}.html", "page.html", origin=page.origin, whole_catalog=False, extra=page,
                    pictures=pictures)


def guide_key() -> str:
    """What the author guide's pages are made from: checkframe's own files, Python, and the libraries they describe."""
    versions = [(name, distribution_version(name)) for name in ("attrs", "cattrs", "pluggy")]
    return hashlib.sha256(repr((package_digest(), sys.version, versions)).encode()).hexdigest()


def _guide(reuse: PageReuse | None) -> tuple[GuidePage, ...]:
    """The guide's pages: the last build's when they were made from the same (:func:`guide_key`), else made anew."""
    if reuse is None:
        return guide_pages()
    key = guide_key()
    if reuse.previous is not None and reuse.previous.guide[0] == key:
        guide = tuple(GuidePage(*page) for page in reuse.previous.guide[1])
    else:
        guide = guide_pages()
    reuse.guide = (key, tuple((page.slug, page.title, page.markdown) for page in guide))
    return guide


def _guide_pages(site: SiteRenderer) -> None:
    guide = _guide(site.reuse)
    for page in guide:  # the guide shows nothing of the catalog but what every page shows
        site.render(f"guide/{page.slug}.html", "guide.html", origin=f"checkframe/guide/{page.slug}.md",
                    whole_catalog=False, guide_page=page, guide_pages=guide)


def page_origin(project: Project, page: Page) -> str:
    """Where an extra page of the project came from, as its rendered page records it (part of the page's key)."""
    root = project.root.parent
    return page.source.relative_to(root).as_posix() if root in page.source.parents else str(page.source)


def render_site(
    catalog: Catalog,
    project: Project,
    plugins: Plugins,
    registers: list[SiteRegister],
    pdfs: dict[str, str],
    links: dict[str, KeptLinks] | None = None,
    searchable: list[search.Document] | None = None,
    jobs: int | None = None,
    reuse: PageReuse | None = None,
) -> tuple[dict[str, bytes], dict[str, str]]:
    """Render every page; return ``{path: bytes}`` and ``{path: where it came from}``.

    :param pdfs: checklist id or form name → path of its PDF in the site.
    :param links: filled with each rendered page's links and ids, as :func:`~checkframe.publish.links.page_links`
        finds them.
    :param searchable: filled with the searchable pages' documents, as :func:`checkframe.publish.search.document`
        reads them, in the order the pages were listed.
    :param jobs: processes rendering the pages: 1 renders in this process; by default one per core from
        :data:`~checkframe.publish.site.PARALLEL_MIN_PAGES` pages up (see :func:`checkframe.util.parallel.workers`).
    :param reuse: the last build's pages, to read back those whose inputs are unchanged instead of rendering them;
        filled with this build's records (see :meth:`checkframe.publish.site.SiteRenderer.finish`).
    """
    extra = [ExtraPage(p.slug, p.title, p.text, page_origin(project, p)) for p in project.pages]
    for register in registers:
        extra.extend(register.pages)
    template_dirs = [d for r in registers for d in r.template_dirs]
    site = SiteRenderer(catalog, project, plugins, environment(template_dirs), extra, pdfs, template_dirs=template_dirs,
                        reuse=reuse)
    shown = Shown(catalog, project, site.sectors)
    _home_pages(site, shown)
    _sector_pages(site, shown)
    _checklist_pages(site, shown)
    _cross_sector_pages(site, shown, plugins)
    _extra_pages(site, extra)
    if project.config.author_guide:
        _guide_pages(site)
    site.finish(links, searchable, jobs)

    for static in sorted(STATIC.iterdir()):
        if static.is_file():
            site.files[f"static/{static.name}"] = static.read_bytes()
            site.origins[f"static/{static.name}"] = "checkframe"
    return site.files, site.origins
