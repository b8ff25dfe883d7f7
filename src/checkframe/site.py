"""The handbook site: every page rendered in memory from the catalog, then checked.

Pages link to each other by relative URLs, so the site works under any base
path and from a plain static host.  Nothing is written here: :func:`render_site`
returns the files, and :mod:`checkframe.build` checks and writes them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import jinja2
from markupsafe import Markup

from checkframe import markdown
from checkframe.catalog import Catalog
from checkframe.content import Problem
from checkframe.findings import FindingState
from checkframe.model import FIVE_ASSIGNMENTS, Checkpoint, HazardLevel, SupervisionLevel, check_id
from checkframe.plugins import Plugins
from checkframe.project import Project

__all__ = ["SiteRegister", "gather_site", "render_site"]

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
    here = posixpath.dirname(context["page_path"])
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


@attrs.define
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

    def render(self, path: str, template: str, origin: str = "", **context: Any) -> None:
        if path in self.files:
            raise ValueError(f"two pages would be written to {path}")
        depth = path.count("/")
        html = self.env.get_template(template).render(
            page_path=path,
            root="../" * depth,
            handbook=self.project.config,
            catalog=self.catalog,
            nav_sectors=self.sectors,
            extra_pages=self.extra_pages,
            pdfs=self.pdfs,
            **self.helpers,
            **context,
        )
        self.files[path] = html.encode("utf-8")
        self.origins[path] = origin

    @property
    def sectors(self) -> list[Any]:
        return [self.catalog.sector(s) for s in self.project.sector_ids(self.catalog)]

    @property
    def helpers(self) -> dict[str, Callable[..., Any]]:
        return {
            "checkpoint_path": checkpoint_path,
            "document_of": self.catalog.document,
            "category_of": self.catalog.category,
            "group_of": self.catalog.group,
            "sector_of": self.catalog.sector,
            "HazardLevel": HazardLevel,
        }


def _citations(catalog: Catalog, checkpoints: Iterable[Checkpoint]) -> dict[str, dict[str, list[Checkpoint]]]:
    """document id → cited article → the checkpoints citing it, in catalog order."""
    cited: dict[str, dict[str, list[Checkpoint]]] = {}
    for checkpoint in checkpoints:
        for basis in checkpoint.basis:
            articles = cited.setdefault(basis.document, {})
            citing = articles.setdefault(basis.cited() or "（全文）", [])
            if checkpoint not in citing:
                citing.append(checkpoint)
    return cited


def render_site(
    catalog: Catalog,
    project: Project,
    plugins: Plugins,
    registers: list[SiteRegister],
    pdfs: dict[str, str],
) -> tuple[dict[str, bytes], dict[str, str]]:
    """Render every page; return ``{path: bytes}`` and ``{path: where it came from}``.

    :param pdfs: checklist id or form name → path of its PDF in the site.
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

    site.render("index.html", "index.html", sectors=sectors, counts={
        s.id: (len(catalog.sector_checkpoints(s.id)),
               sum(1 for c in catalog.sector_checkpoints(s.id) if c.level is HazardLevel.MAJOR),
               len([c for c in checklists if c.sector == s.id]))
        for s in sectors
    }, major_count=len(majors), checkpoint_count=len(checkpoints))
    site.render("search.html", "search.html")

    for sector in sectors:
        groups = [(g, catalog.group_checkpoints(g.key)) for g in catalog.sector_groups(sector.id)]
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
    cited = _citations(catalog, checkpoints)
    documents = [catalog.document(d) for d in sorted(cited, key=lambda d: catalog.documents.index(catalog.document(d)))]
    site.render("sources.html", "sources.html", documents=documents, cited=cited)
    site.render("major-hazards.html", "major_hazards.html", groups=[
        (sector, [c for c in majors if c.sector == sector.id])
        for sector in [catalog.sector(s) for s in dict.fromkeys(c.sector for c in majors)]
    ])
    contributions = {
        name: [s for s in catalog.sectors if s.plugin == name] for name in plugins.infos
    }
    site.render("plugins.html", "plugins.html", infos=list(plugins.infos.values()), contributions=contributions)
    for page in extra:
        site.render(f"pages/{page.slug}.html", "page.html", origin=page.origin, extra=page)

    for static in sorted(STATIC.iterdir()):
        if static.is_file():
            site.files[f"static/{static.name}"] = static.read_bytes()
            site.origins[f"static/{static.name}"] = "checkframe"
    return site.files, site.origins
