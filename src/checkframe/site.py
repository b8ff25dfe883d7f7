"""The handbook site: every page rendered in memory from the catalog, then checked.

Pages link to each other by relative URLs, so the site works under any base
path and from a plain static host.  Nothing is written here: :func:`render_site`
returns the files, and :mod:`checkframe.build` checks and writes them.

Pages are first listed (path, template, context), then rendered; a large site
is rendered by forked worker processes, in contiguous chunks whose results are
put back in the listed order, so the output is the same bytes either way.
"""

from __future__ import annotations

import functools
import html as html_lib
import multiprocessing
import os
import posixpath
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from html.parser import attrfind_tolerant
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import jinja2
from markupsafe import Markup

from checkframe import markdown, search
from checkframe.author_guide import guide_pages
from checkframe.catalog import Catalog
from checkframe.content import Problem
from checkframe.diff import CatalogDiff, diff_catalogs
from checkframe.findings import FindingState
from checkframe.model import FIELD_LABELS, FIVE_ASSIGNMENTS, Checkpoint, HazardLevel, SupervisionLevel, check_id
from checkframe.plugins import Plugins
from checkframe.project import Project

__all__ = ["SiteRegister", "gather_site", "page_links", "render_site"]

TEMPLATES = Path(str(resources.files("checkframe") / "templates" / "site"))
STATIC = Path(str(resources.files("checkframe") / "static"))


@attrs.frozen
class ExtraPage:
    slug: str
    title: str
    markdown: str
    #: Who added it: a plugin's name or the handbook file.
    origin: str


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


def page_title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def gather_site(plugins: Plugins, problems: list[Problem]) -> list[SiteRegister]:
    """Call each plugin's site hook on its own."""
    registers = []
    for impl in plugins.pm.hook.checkframe_register_site.get_hookimpls():
        info = plugins.info(impl.plugin_name)
        register = SiteRegister(info.name, problems)
        try:
            impl.function(*[{"site": register}[arg] for arg in impl.argnames])
        except Exception as exc:  # noqa: BLE001 - one plugin must not take the others down
            problems.append(Problem(info.label(), f"hook checkframe_register_site raised {type(exc).__name__}: {exc}"))
            continue
        registers.append(register)
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
    ) -> None:
        """Render every listed page.

        With ``links``, also record each page's links and ids (see :func:`page_links`); with ``documents``,
        append the searchable pages' search documents in the listed order (see :func:`search.document`).
        """
        for _, template, _ in self.pages:
            self.env.get_template(template)  # compiled once, here, before any worker starts
        rendered = _render_pages(self.env, self.pages, links is not None, documents is not None)
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


# -- What changed since an earlier export ---------------------------------------------------


@attrs.frozen
class FieldChange:
    """One changed field as the changes page shows it: its Chinese name, the old and new text."""

    label: str
    old: str
    new: str
    #: Long or Markdown text, shown as two blocks rather than on one line.
    long: bool


def _shown(field: str, value: Any, old: Catalog, new: Catalog) -> str:
    """A field's value as inspectors read it."""
    def document_title(ident: str) -> str:
        for catalog in (new, old):
            if catalog.has("document", ident):
                return catalog.document(ident).title
        return ident

    def category_name(code: str) -> str:
        for catalog in (new, old):
            if catalog.has("category", code):
                return catalog.category(code).name
        return code

    if isinstance(value, bool):
        return "是" if value else "否"
    if hasattr(value, "label"):
        return value.label
    if isinstance(value, tuple):
        if field == "basis":
            parts = [f"《{document_title(b.document)}》{b.cited()}" for b in value]
        elif field == "remediation":
            parts = [category_name(code) for code in value]
        elif field == "sources":
            parts = [f"《{document_title(d)}》" for d in value]
        else:
            parts = [getattr(v, "label", str(v)) for v in value]
        return "；".join(parts) if field in ("basis", "items") else "、".join(parts)
    return str(value)


def _field_changes(change: Any, old: Catalog, new: Catalog) -> list[FieldChange]:
    out = []
    for field in change.fields:
        before = _shown(field, getattr(change.old, field), old, new)
        after = _shown(field, getattr(change.new, field), old, new)
        long = field in ("what", "description") or max(len(before), len(after)) > 60
        out.append(FieldChange(FIELD_LABELS.get(field, field), before or "（空）", after or "（空）", long))
    return out


def changes_context(
    diff: CatalogDiff, old: Catalog, new: Catalog, sector_ids: set[str], shown: set[str], checklist_ids: set[str],
    cited: set[str],
) -> dict[str, Any]:
    """What the changes page lists: only the handbook's sectors, and links only to pages that exist."""
    cps = diff.of("checkpoints")
    added = [c for c in cps.added if c.id in shown]
    by_group: dict[str, list[Checkpoint]] = {}
    for checkpoint in added:
        by_group.setdefault(checkpoint.group_key, []).append(checkpoint)
    added_sectors: list[tuple[Any, list[tuple[Any, list[Checkpoint]]]]] = []
    for sector in dict.fromkeys(c.sector for c in added):
        groups = [(new.group(key), members) for key, members in by_group.items() if key.startswith(f"{sector}/")]
        added_sectors.append((new.sector(sector), groups))
    checklists = diff.of("checklists")
    documents = diff.of("documents")
    return {
        "new_sectors": [s for s in diff.of("sectors").added if s.id in sector_ids],
        "added": added,
        "added_sectors": added_sectors,
        "changed": [(c.new, _field_changes(c, old, new)) for c in cps.changed if c.key in shown],
        "removed": [c for c in cps.removed if c.sector in sector_ids],
        "old_sector_name": {s.id: s.name for s in old.sectors},
        "checklists_added": [c for c in checklists.added if c.id in checklist_ids],
        "checklists_removed": [c for c in checklists.removed if c.sector in sector_ids],
        "checklists_changed": [(c, _field_changes(c, old, new)) for c in checklists.changed if c.key in checklist_ids],
        "documents_added": documents.added,
        "documents_removed": documents.removed,
        "documents_changed": [(c, _field_changes(c, old, new)) for c in documents.changed],
        "cited": cited,
    }


# -- Rendering the listed pages, in worker processes when it pays ----------------------------

#: Below this many pages, forking workers costs more than it saves.
PARALLEL_MIN_PAGES = 400
#: The number of worker processes; ``CHECKFRAME_JOBS=1`` renders in this process.
ENV_JOBS = "CHECKFRAME_JOBS"

#: What forked workers render: set in the parent just before the workers start.
_WORK: tuple[jinja2.Environment, list[tuple[str, str, dict[str, Any]]], bool, bool] | None = None


def _jobs(pages: int) -> int:
    if pages < PARALLEL_MIN_PAGES or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        wanted = int(os.environ.get(ENV_JOBS, "0"))
    except ValueError:
        wanted = 0
    if wanted <= 0:
        wanted = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, wanted)


def _render_chunk(bounds: tuple[int, int]) -> list[tuple[bytes, Any, Any]]:
    assert _WORK is not None
    env, pages, want_links, want_documents = _WORK
    out = []
    for path, template, context in pages[bounds[0]:bounds[1]]:
        html = env.get_template(template).render(context)
        out.append((html.encode("utf-8"), page_links(html) if want_links else None,
                    search.document(path, html) if want_documents else None))
    return out


def _render_pages(
    env: jinja2.Environment, pages: list[tuple[str, str, dict[str, Any]]], want_links: bool, want_documents: bool
) -> list[tuple[bytes, Any, Any]]:
    """Each page's bytes (links, search document), in the order of ``pages``; the first error in that order is raised."""
    global _WORK
    jobs = _jobs(len(pages))
    _WORK = (env, pages, want_links, want_documents)
    try:
        if jobs == 1:
            return _render_chunk((0, len(pages)))
        size = max(16, -(-len(pages) // (jobs * 8)))
        chunks = [(start, min(start + size, len(pages))) for start in range(0, len(pages), size)]
        out: list[tuple[bytes, Any, Any]] = []
        # Forked workers inherit the catalog, the templates and the listed pages: nothing is pickled on the way in.
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            for result in pool.map(_render_chunk, chunks):
                out.extend(result)
        return out
    finally:
        _WORK = None


# -- Links and ids of a rendered page --------------------------------------------------------

#: What the link scanner stops at: a comment, a script or style element (its text is not markup), a start tag
#: that may carry a link or an id, or an unterminated comment or raw-text element (scanning stops there, as
#: html.parser's does).  Tags without such attributes are stepped over by the regular expression itself.
_SCAN = re.compile(r"""
    <!--.*?--\s*>
  | <(?P<raw>script|style)(?=[\s/>])(?P<raw_attrs>[^>]*)>.*?</(?P=raw)\s*>
  | (?P<stop><!--|<(?:script|style)(?=[\s/>]))
  | <(?P<tag>[a-zA-Z][^\s/>]*)(?P<attrs>\s[^>]*?(?:href|src|data-bundle|id)\s*=[^>]*)>
""", re.VERBOSE | re.DOTALL | re.IGNORECASE)
_LINK_ATTRIBUTES = ("href", "src", "data-bundle")
#: start tag → its (is it a resource, link) pairs and (None, id) pairs; most tags of a site repeat on every page.
_TAG_CACHE: dict[str, tuple[tuple[bool | None, str], ...]] = {}
_TAG_CACHE_SIZE = 100_000


def _tag_attributes(html: str, tag: str, start: int, end: int) -> tuple[tuple[bool | None, str], ...]:
    """The links and ids among the attributes in ``html[start:end]``, read as :mod:`html.parser` reads them."""
    found: list[tuple[bool | None, str]] = []
    while start < end and html[start] in " \t\n\r\f/":
        start += 1
    while start < end:
        attr = attrfind_tolerant.match(html, start, end)
        if not attr or attr.end() == start:
            break
        name, rest, value = attr.group(1, 2, 3)
        start = attr.end()
        if not rest:
            continue
        if value[:1] == "'" == value[-1:] or value[:1] == '"' == value[-1:]:
            value = value[1:-1]
        if value:
            value = html_lib.unescape(value)
        name = name.lower()
        if name == "id":
            found.append((None, value))
        elif name in _LINK_ATTRIBUTES:
            found.append((tag != "a", value))
    return tuple(found)


def page_links(html: str) -> tuple[list[tuple[bool, str]], set[str]]:
    """The links of a page, as (is it a resource the browser loads by itself, URL), and its ids.

    Attributes are read with the patterns of :mod:`html.parser`, so for the
    pages checkframe writes the result is what an :class:`html.parser.HTMLParser`
    collecting start-tag attributes finds (a test compares them on every page
    of the example handbook).  Only start tags that may hold a link or an id are
    looked at, and each distinct tag is read once per process.  One difference
    on purpose: a ``>`` inside a quoted attribute value ends the tag here; the
    templates and the Markdown renderer escape it as ``&gt;``.
    """
    links: list[tuple[bool, str]] = []
    ids: set[str] = set()
    cache = _TAG_CACHE
    for match in _SCAN.finditer(html):
        if match.start("stop") >= 0:
            break
        group = "attrs" if match.start("tag") >= 0 else "raw_attrs"
        start, end = match.span(group)
        if start < 0 or start == end:
            continue
        text = html[match.start():end]
        found = cache.get(text)
        if found is None:
            found = _tag_attributes(html, (match.group("tag") or match.group("raw")).lower(), start, end)
            if len(cache) < _TAG_CACHE_SIZE:
                cache[text] = found
        for resource, value in found:
            if resource is None:
                ids.add(value)
            else:
                links.append((resource, value))
    return links, ids


def render_site(
    catalog: Catalog,
    project: Project,
    plugins: Plugins,
    registers: list[SiteRegister],
    pdfs: dict[str, str],
    links: dict[str, tuple[list[tuple[bool, str]], set[str]]] | None = None,
    searchable: list[search.Document] | None = None,
) -> tuple[dict[str, bytes], dict[str, str]]:
    """Render every page; return ``{path: bytes}`` and ``{path: where it came from}``.

    :param pdfs: checklist id or form name → path of its PDF in the site.
    :param links: filled with each rendered page's links and ids, as :func:`page_links` finds them.
    :param searchable: filled with the searchable pages' documents, as :func:`checkframe.search.document`
        reads them, in the order the pages were listed.
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
    if changes is not None:
        site.render("changes.html", "changes.html", label=project.changes.label, **changes)
    for page in extra:
        site.render(f"pages/{page.slug}.html", "page.html", origin=page.origin, extra=page)
    if project.config.author_guide:
        guide = guide_pages()
        for page in guide:
            site.render(f"guide/{page.slug}.html", "guide.html", origin=f"checkframe/guide/{page.slug}.md",
                        guide_page=page, guide_pages=guide)
    site.finish(links, searchable)

    for static in sorted(STATIC.iterdir()):
        if static.is_file():
            site.files[f"static/{static.name}"] = static.read_bytes()
            site.origins[f"static/{static.name}"] = "checkframe"
    return site.files, site.origins
