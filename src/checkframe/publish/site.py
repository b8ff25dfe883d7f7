"""The handbook site's renderer: templates, the header's navigation, and every listed page rendered in memory.

Pages link to each other by relative URLs, so the site works under any base
path and from a plain static host.  Nothing is written here:
:func:`checkframe.publish.pages.render_site` lists the pages and returns the
files, and :mod:`checkframe.publish.build` checks and writes them.

Pages are first listed (path, template, context), then rendered; a large site
is rendered by forked worker processes (:mod:`checkframe.util.parallel`), in
runs of consecutive pages whose results are put back in the listed order, so
the output is the same bytes either way.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import jinja2
from markupsafe import Markup, escape

from checkframe.catalog import Catalog
from checkframe.errors import Problem
from checkframe.model import HazardLevel, scope_label
from checkframe.plugins import PluginInfo, Plugins, call_each
from checkframe.publish import markdown, search
from checkframe.publish.links import page_links
from checkframe.publish.project import Project
from checkframe.registers import ExtraPage, SiteRegister
from checkframe.util import parallel

__all__ = ["PARALLEL_MIN_PAGES", "SiteRenderer", "checkpoint_path", "edition_line", "environment", "gather_site"]

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
    env.filters["md"] = _md
    env.filters["md_inline"] = _md_inline
    env.globals["url"] = _url
    return env


def _linker(context: Any) -> Callable[[str], str]:
    """How a ``[[id]]`` reads on this page: a link to the checkpoint's page, or its title where it has none."""
    def link(ident: str) -> str:
        if not context["catalog"].has("checkpoint", ident):  # the guide's [[document]]: TOML, not a reference
            return f"[[{ident}]]"
        title = escape(context["catalog"].checkpoint(ident).title)
        if checkpoint_path(ident) not in context["site_paths"]:
            return f"“{title}”"
        return f'<a class="reference" href="{escape(_url(context, checkpoint_path(ident)))}">{title}</a>'
    return link


@jinja2.pass_context
def _md(context: Any, text: str) -> Markup:
    memo = context.get("md_memo")  # one page renders a checkpoint's text twice: its description and its body
    if memo is None:
        return Markup(scrollable(markdown.render(text, _linker(context))))
    if text not in memo:
        memo[text] = Markup(scrollable(markdown.render(text, _linker(context))))
    return memo[text]


@jinja2.pass_context
def _md_inline(context: Any, text: str) -> Markup:
    return Markup(markdown.render_inline(text, _linker(context)))


def scrollable(html: str) -> str:
    """Tables and code blocks of rendered Markdown scroll inside their own region, which the keyboard can reach."""
    if "<table" in html:
        tables = html.split("<table>")
        for n in range(1, len(tables)):
            heads = "、".join(markdown_text(h) for h in _TH.findall(tables[n].partition("</tr>")[0]))
            label = f"表格{n}（{heads}）" if heads else f"表格{n}"
            tables[n] = (f'<div class="table-wrap" tabindex="0" role="region" aria-label="{label}"><table>'
                         + tables[n].replace("</table>", "</table></div>", 1))
        html = "".join(tables)
    return html.replace("<pre>", '<pre tabindex="0">')


_TH = re.compile(r"<th\b[^>]*>(.*?)</th>", re.DOTALL)


def markdown_text(html: str) -> str:
    """The text of a bit of rendered Markdown, safe in an attribute (it was escaped, and stays so)."""
    return re.sub(r"<[^>]*>", "", html).replace('"', "&quot;").strip()


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


def edition_line(config: Any, catalog: Catalog) -> str:
    """The edition as every page and printout names it: 2024年版 · 2024年3月1日 · 内容校验码 1a2b3c4d.

    Without a date in the project, the date of the newest document the content cites stands for it.

    The check code is a digest of the catalog's export, so two builds of the same content show the same
    line and a printout can be matched to the handbook it came from.
    """
    import hashlib

    from checkframe.catalog.export import catalog_to_json

    parts = [config.edition] if config.edition else []
    if config.date:
        parts.append(chinese_date(config.date))
    else:  # the content's own date: its newest document
        newest = max((d.date for d in catalog.documents if re.fullmatch(r"\d{4}(-\d{2}){0,2}", d.date)), default="")
        if newest:
            parts.append(f"依据文件截至{chinese_date(newest)}")
    parts.append("内容校验码 " + hashlib.sha256(catalog_to_json(catalog).encode()).hexdigest()[:8])
    return " · ".join(parts)


def chinese_date(iso: str) -> str:
    """2024-03-01 → 2024年3月1日; 2024-03 → 2024年3月; 2024 → 2024年."""
    return "".join(f"{int(n)}{unit}" for n, unit in zip(iso.split("-"), "年月日", strict=False))


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
            md_memo={},  # _md's, for this page only: a reference renders relative to the page
            site_paths=self.origins,  # every page's path once all are listed: where a [[reference]] can link
            handbook=self.project.config,
            catalog=self.catalog,
            nav_sectors=self.nav_sectors,
            extra_pages=self.extra_pages,
            pdfs=self.pdfs,
            changes=self.project.changes if self.project.previous is not None else None,
            edition=self.edition,
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
    def edition(self) -> str:
        return edition_line(self.project.config, self.catalog)

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
            "scope_label": scope_label,
        }


_HEADING = re.compile(r'(<(h[23])\b[^>]*\sid="([^"<>]+)"[^>]*>)(.*?)(</\2>)', re.DOTALL)


def permalinks(html: str) -> str:
    """Each ``<h2>`` and ``<h3>`` with an id gets a link to itself (the 本节链接 mark), as documentation sites do."""
    if "<main" not in html:
        return html
    head, main, rest = html.partition("<main")
    return head + main + _HEADING.sub(
        lambda m: f'{m.group(1)}{m.group(4)}<a class="permalink" href="#{m.group(3)}" aria-label="本节链接" '
                  f'data-search-ignore>#</a>{m.group(5)}', rest)


# -- Rendering the listed pages, in worker processes when it pays ----------------------------

#: Below this many pages, starting workers costs more than it saves.
PARALLEL_MIN_PAGES = 400

#: What one page's render returns: its bytes, its links and ids, its search document.
Rendered = tuple[bytes, Any, Any]


def _render_page(work: tuple[jinja2.Environment, list[tuple[str, str, dict[str, Any]]], bool, bool],
                 index: int) -> Rendered:
    env, pages, want_links, want_documents = work
    path, template, context = pages[index]
    html = permalinks(env.get_template(template).render(context))
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
