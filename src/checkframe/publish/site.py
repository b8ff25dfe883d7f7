"""The handbook site: every page rendered in memory from the catalog, then checked.

Pages link to each other by relative URLs, so the site works under any base
path and from a plain static host.  Nothing is written here: :func:`render_site`
returns the files, and :mod:`checkframe.publish.build` checks and writes them.

Pages are first listed (path, template, context), then rendered; a large site
is rendered by forked worker processes (:mod:`checkframe.util.parallel`), in
runs of consecutive pages whose results are put back in the listed order, so
the output is the same bytes either way.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import jinja2
from markupsafe import Markup

from checkframe.catalog import Catalog
from checkframe.catalog.diff import diff_catalogs
from checkframe.errors import Problem
from checkframe.model import FIVE_ASSIGNMENTS, Checkpoint, FindingState, HazardLevel, SupervisionLevel
from checkframe.plugins import PluginInfo, Plugins, call_each
from checkframe.publish import markdown, search
from checkframe.publish.changes import changes_context
from checkframe.publish.guide import guide_pages
from checkframe.publish.links import page_links
from checkframe.publish.project import Project
from checkframe.registers import ExtraPage, SiteRegister
from checkframe.util import parallel

__all__ = ["gather_site", "render_site"]

TEMPLATES = Path(str(resources.files("checkframe") / "templates" / "site"))
STATIC = Path(str(resources.files("checkframe") / "static"))


def gather_site(plugins: Plugins, problems: list[Problem]) -> list[SiteRegister]:
    """Call each plugin's site hook on its own, in pluggy's order."""
    registers = []

    def arguments(info: PluginInfo) -> dict[str, Any]:
        return {"site": SiteRegister(info.name, problems)}

    for _, kwargs, failure in call_each(plugins, "checkframe_register_site", arguments):
        if failure is not None:
            problems.append(failure.problem("checkframe_register_site"))
            continue
        registers.append(kwargs["site"])
    return registers


# -- Rendering ---------------------------------------------------------------------------


def environment(template_dirs: Iterable[Path]) -> jinja2.Environment:
    """Templates autoescape; plugin folders come first; ``default/`` always reaches ours."""
    default = jinja2.FileSystemLoader(TEMPLATES)
    loader = jinja2.ChoiceLoader([
        *(jinja2.FileSystemLoader(d) for d in template_dirs),
        default,
        jinja2.PrefixLoader({"default": default}),
    ])
    env = jinja2.Environment(
        loader=loader,
        auto_reload=False,  # one build renders from templates that do not change under it
        cache_size=-1,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = lambda text: Markup(markdown.render(text))
    env.filters["md_inline"] = lambda text: Markup(markdown.render_inline(text))
    env.globals["url"] = _url
    return env


@jinja2.pass_context
def _url(context: Any, target: str) -> str:
    """A link from the page being rendered to ``target`` (a path from the site root)."""
    return _relative(context["page_path"].rpartition("/")[0], target)


@functools.cache
def _relative(here: str, target: str) -> str:
    anchor = ""
    if "#" in target:
        target, anchor = target.split("#", 1)
        anchor = "#" + anchor
    if not target:
        return anchor
    relative = posixpath.relpath(target, here or ".")
    if target.endswith("/"):
        relative += "/"
    return relative + anchor


def checkpoint_path(id: str) -> str:
    return f"checkpoint/{id}.html"


@attrs.frozen
class NavItem:
    """A link of the header's navigation: a path from the site root and its label."""

    path: str
    label: str


@attrs.define(slots=False)
class SiteRenderer:
    catalog: Catalog
    project: Project
    plugins: Plugins
    env: jinja2.Environment
    extra_pages: list[ExtraPage]
    pdfs: dict[str, str]
    files: dict[str, bytes] = attrs.Factory(dict)
    #: Where each page came from, for error messages: path → source.
    origins: dict[str, str] = attrs.Factory(dict)
    #: The pages to render, in order: (path, template, context).
    pages: list[tuple[str, str, dict[str, Any]]] = attrs.Factory(list)

    def render(self, path: str, template: str, origin: str = "", **context: Any) -> None:
        """List a page; :meth:`finish` renders every listed page."""
        if path in self.origins:
            raise ValueError(f"two pages would be written to {path}")
        depth = path.count("/")
        self.pages.append((path, template, dict(
            page_path=path,
            root="../" * depth,
            handbook=self.project.config,
            catalog=self.catalog,
            nav_sectors=self.nav_sectors,
            extra_pages=self.extra_pages,
            pdfs=self.pdfs,
            changes=self.project.changes if self.project.previous is not None else None,
            **self.helpers,
            **context,
        )))
        self.files[path] = b""  # keeps the order in which pages were listed
        self.origins[path] = origin

    def finish(
        self,
        links: dict[str, tuple[list[tuple[bool, str]], set[str]]] | None = None,
        documents: list[search.Document] | None = None,
        jobs: int | None = None,
    ) -> None:
        """Render every listed page, in ``jobs`` processes (see :func:`checkframe.util.parallel.workers`).

        With ``links``, also record each page's links and ids (see :func:`page_links`); with ``documents``,
        append the searchable pages' search documents in the listed order (see :func:`search.document`).
        """
        for _, template, _ in self.pages:
            self.env.get_template(template)  # compiled once, here, before any worker starts
        rendered = _render_pages(self.env, self.pages, links is not None, documents is not None, jobs)
        for (path, _, _), (data, found, doc) in zip(self.pages, rendered, strict=True):
            self.files[path] = data
            if links is not None:
                links[path] = found
            if documents is not None and doc is not None:
                documents.append(doc)
        self.pages = []

    @functools.cached_property
    def nav_sectors(self) -> list[Any]:
        return self.sectors

    @functools.cached_property
    def nav_items(self) -> list[NavItem]:
        """The header's links: every sector, then the cross-sector pages."""
        return [
            *(NavItem(f"sector/{s.id}.html", s.name) for s in self.nav_sectors),
            NavItem("major-hazards.html", "重大隐患"),
            NavItem("remediation.html", "整改与闭环"),
            NavItem("sources.html", "法规依据"),
            *([NavItem("changes.html", "内容变化")] if self.project.changes and self.project.previous is not None else []),
            NavItem("search.html", "搜索"),
        ]

    def navigation(self, page_path: str) -> Markup:
        """The header's navigation for a page (``_nav.html``).

        It is the same for every page of a folder, except on the pages it links
        to (marked as current), so it is rendered once for each of those and once
        per folder for the rest: on a big catalog, most of each page's links.
        """
        paths = self._nav_paths
        folder = page_path.rpartition("/")[0]
        key = (folder, page_path if page_path in paths else "")
        html = self._nav_cache.get(key)
        if html is None:
            html = self._nav_cache[key] = Markup(self.env.get_template("_nav.html").render(
                page_path=page_path, nav_items=self.nav_items, handbook=self.project.config,
            ))
        return html

    @functools.cached_property
    def _nav_paths(self) -> frozenset[str]:
        return frozenset(item.path for item in self.nav_items)

    @functools.cached_property
    def _nav_cache(self) -> dict[tuple[str, str], Markup]:
        return {}

    @property
    def sectors(self) -> list[Any]:
        return [self.catalog.sector(s) for s in self.project.sector_ids(self.catalog)]

    @functools.cached_property
    def helpers(self) -> dict[str, Callable[..., Any]]:
        return {
            "checkpoint_path": checkpoint_path,
            "navigation": self.navigation,
            "document_of": self.catalog.document,
            "category_of": self.catalog.category,
            "group_of": self.catalog.group,
            "sector_of": self.catalog.sector,
            "HazardLevel": HazardLevel,
        }


def _citations(catalog: Catalog, checkpoints: Iterable[Checkpoint]) -> dict[str, dict[str, list[Checkpoint]]]:
    """document id → cited article → the checkpoints citing it, in catalog order."""
    cited: dict[str, dict[str, list[Checkpoint]]] = {}
    seen: dict[tuple[str, str], set[Checkpoint]] = {}
    for checkpoint in checkpoints:
        for basis in checkpoint.basis:
            articles = cited.setdefault(basis.document, {})
            article = basis.cited() or "（全文）"
            citing = articles.setdefault(article, [])
            members = seen.setdefault((basis.document, article), set())
            if checkpoint not in members:  # equal checkpoints count once, as `in` on the list did
                members.add(checkpoint)
                citing.append(checkpoint)
    return cited


# -- Rendering the listed pages, in worker processes when it pays ----------------------------

#: Below this many pages, starting workers costs more than it saves.
PARALLEL_MIN_PAGES = 400

#: What one page's render returns: its bytes, its links and ids, its search document.
Rendered = tuple[bytes, Any, Any]


def _render_page(work: tuple[jinja2.Environment, list[tuple[str, str, dict[str, Any]]], bool, bool],
                 index: int) -> Rendered:
    env, pages, want_links, want_documents = work
    path, template, context = pages[index]
    html = env.get_template(template).render(context)
    return (html.encode("utf-8"), page_links(html) if want_links else None,
            search.document(path, html) if want_documents else None)


def _render_pages(
    env: jinja2.Environment, pages: list[tuple[str, str, dict[str, Any]]], want_links: bool, want_documents: bool,
    jobs: int | None = None,
) -> list[Rendered]:
    """Each page's bytes (links, search document), in the order of ``pages``; the first error in that order is raised.

    Workers get the pages by their index, in runs of consecutive pages: the catalog, the compiled templates and
    the listed pages are inherited through fork, so nothing is pickled on the way in.  They cannot be pickled
    (templates are compiled code), so where workers do not fork the pages are rendered in this process.
    """
    return parallel.ordered_map(
        _render_page, range(len(pages)), shared=(env, pages, want_links, want_documents), jobs=jobs,
        threshold=PARALLEL_MIN_PAGES, min_chunk=16, picklable=False,
    )


def render_site(
    catalog: Catalog,
    project: Project,
    plugins: Plugins,
    registers: list[SiteRegister],
    pdfs: dict[str, str],
    links: dict[str, tuple[list[tuple[bool, str]], set[str]]] | None = None,
    searchable: list[search.Document] | None = None,
    jobs: int | None = None,
) -> tuple[dict[str, bytes], dict[str, str]]:
    """Render every page; return ``{path: bytes}`` and ``{path: where it came from}``.

    :param pdfs: checklist id or form name → path of its PDF in the site.
    :param links: filled with each rendered page's links and ids, as :func:`page_links` finds them.
    :param searchable: filled with the searchable pages' documents, as :func:`checkframe.publish.search.document`
        reads them, in the order the pages were listed.
    :param jobs: processes rendering the pages: 1 renders in this process; by default one per core from
        :data:`PARALLEL_MIN_PAGES` pages up (see :func:`checkframe.util.parallel.workers`).
    """
    extra = [
        ExtraPage(p.slug, p.title, p.text, p.source.relative_to(project.root.parent).as_posix()
                  if project.root.parent in p.source.parents else str(p.source))
        for p in project.pages
    ]
    for register in registers:
        extra.extend(register.pages)
    env = environment([d for r in registers for d in r.template_dirs])
    site = SiteRenderer(catalog, project, plugins, env, extra, pdfs)
    by_sector: dict[str, list[Checkpoint]] = {}
    by_group: dict[str, list[Checkpoint]] = {}
    for c in catalog.checkpoints:
        by_sector.setdefault(c.sector, []).append(c)
        by_group.setdefault(c.group_key, []).append(c)
    groups_of: dict[str, list[Any]] = {}
    for g in catalog.groups:
        groups_of.setdefault(g.sector, []).append(g)

    sectors = site.sectors
    sector_ids = {s.id for s in sectors}
    checklist_ids = project.checklist_ids(catalog)
    checklists = [catalog.checklist(c) for c in checklist_ids]
    checkpoints = [c for c in catalog.checkpoints if c.sector in sector_ids]
    # A checklist may draw from sectors left out of the handbook; their checkpoints get pages too.
    shown = {c.id for c in checkpoints}
    for checklist in checklists:
        for cid in checklist.checkpoints:
            if cid not in shown:
                shown.add(cid)
                checkpoints.append(catalog.checkpoint(cid))
    appears_in: dict[str, list[Any]] = {}
    for checklist in checklists:
        for cid in checklist.checkpoints:
            appears_in.setdefault(cid, []).append(checklist)
    majors = [c for c in checkpoints if c.level is HazardLevel.MAJOR]
    cited = _citations(catalog, checkpoints)
    changes = None
    if project.changes is not None and project.previous is not None:
        changes = changes_context(
            diff_catalogs(project.previous, catalog), project.previous, catalog, sector_ids, shown,
            set(checklist_ids), set(cited),
        )

    site.render("index.html", "index.html", sectors=sectors, counts={
        s.id: (len(by_sector.get(s.id, [])),
               sum(1 for c in by_sector.get(s.id, []) if c.level is HazardLevel.MAJOR),
               len([c for c in checklists if c.sector == s.id]))
        for s in sectors
    }, major_count=len(majors), checkpoint_count=len(checkpoints), change_counts=changes and (
        len(changes["added"]), len(changes["changed"]), len(changes["removed"])))
    site.render("search.html", "search.html")

    for sector in sectors:
        groups = [(g, list(by_group.get(g.key, []))) for g in groups_of.get(sector.id, [])]
        site.render(
            f"sector/{sector.id}.html", "sector.html", sector=sector, groups=groups,
            checklists=[c for c in checklists if c.sector == sector.id],
        )
        ordered = [cp for _, members in groups for cp in members]
        for i, checkpoint in enumerate(ordered):
            site.render(
                checkpoint_path(checkpoint.id), "checkpoint.html", checkpoint=checkpoint,
                sector=sector, group=catalog.group(checkpoint.group_key),
                checklists=appears_in.get(checkpoint.id, []),
                previous=ordered[i - 1] if i > 0 else None,
                next=ordered[i + 1] if i + 1 < len(ordered) else None,
            )
    for checkpoint in checkpoints:
        if checkpoint.sector not in sector_ids:
            site.render(
                checkpoint_path(checkpoint.id), "checkpoint.html", checkpoint=checkpoint,
                sector=catalog.sector(checkpoint.sector), group=catalog.group(checkpoint.group_key),
                checklists=appears_in.get(checkpoint.id, []), previous=None, next=None,
            )

    for checklist in checklists:
        items = [catalog.checkpoint(c) for c in checklist.checkpoints]
        runs: list[tuple[Any, list[Checkpoint]]] = []
        for item in items:
            if runs and runs[-1][0].key == item.group_key:
                runs[-1][1].append(item)
            else:
                runs.append((catalog.group(item.group_key), [item]))
        site.render(f"checklist/{checklist.id}.html", "checklist.html", checklist=checklist, runs=runs,
                    sector=catalog.sector(checklist.sector))

    site.render("remediation.html", "remediation.html", categories=catalog.categories,
                five=FIVE_ASSIGNMENTS, levels=list(SupervisionLevel), states=list(FindingState))
    position = {id(d): i for i, d in enumerate(catalog.documents)}
    documents = [catalog.document(d) for d in sorted(cited, key=lambda d: position[id(catalog.document(d))])]
    site.render("sources.html", "sources.html", documents=documents, cited=cited)
    site.render("major-hazards.html", "major_hazards.html", groups=[
        (sector, [c for c in majors if c.sector == sector.id])
        for sector in [catalog.sector(s) for s in dict.fromkeys(c.sector for c in majors)]
    ])
    contributions = {
        name: [s for s in catalog.sectors if s.plugin == name] for name in plugins.infos
    }
    site.render("plugins.html", "plugins.html", infos=list(plugins.infos.values()), contributions=contributions)
    if changes is not None and project.changes is not None:
        site.render("changes.html", "changes.html", label=project.changes.label, **changes)
    for page in extra:
        site.render(f"pages/{page.slug}.html", "page.html", origin=page.origin, extra=page)
    if project.config.author_guide:
        guide = guide_pages()
        for guide_page in guide:
            site.render(f"guide/{guide_page.slug}.html", "guide.html", origin=f"checkframe/guide/{guide_page.slug}.md",
                        guide_page=guide_page, guide_pages=guide)
    site.finish(links, searchable, jobs)

    for static in sorted(STATIC.iterdir()):
        if static.is_file():
            site.files[f"static/{static.name}"] = static.read_bytes()
            site.origins[f"static/{static.name}"] = "checkframe"
    return site.files, site.origins
