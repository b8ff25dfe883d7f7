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
import hashlib
import html as html_lib
import os
import posixpath
import re
import secrets
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import jinja2
from markupsafe import Markup, escape

import checkframe
from checkframe.catalog import Catalog
from checkframe.catalog.export import checkpoint_json
from checkframe.errors import Problem
from checkframe.model import REFERENCE, Checkpoint, HazardLevel, scope_label
from checkframe.plugins import PluginInfo, Plugins, call_each
from checkframe.publish import markdown, search
from checkframe.publish.inputs import digest_tree, package_digest
from checkframe.publish.links import KeptLinks, page_links
from checkframe.publish.pagecache import (
    PAGE_CACHE_FORMAT,
    Facts,
    PageCache,
    PageRecord,
    PageReuse,
    bytes_digest,
)
from checkframe.publish.project import Project
from checkframe.registers import ExtraPage, SiteRegister
from checkframe.util import parallel

__all__ = ["PARALLEL_MIN_PAGES", "SiteRenderer", "catalog_digest", "checkpoint_path", "edition_is_plain", "edition_line",
           "environment", "gather_site", "page_code"]

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
        bytecode_cache=_bytecode_cache(),
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
    env.filters["sized"] = _sized
    env.globals["url"] = _url
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between builds (compiling those of a handbook's pages takes 70-100 ms a build).

    jinja2's own cache, in its folder for the user (a private folder in the temporary one, which it checks is
    the user's alone), not in the project's cache: a compiled template is code that runs, and a project's folders
    may come from someone else (see :mod:`checkframe.util.pickles`).  An entry is found by the template's name
    and file and taken only for the same source text; the file names hold a digest of checkframe's own files,
    whose code sets the options that templates are compiled with.  None when the folder cannot be made.
    """
    try:
        return _TemplateCache(pattern=f"checkframe-{package_digest()[:16]}-%s.cache")
    except (OSError, RuntimeError):  # no private folder to be had: templates are compiled every build
        return None


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """jinja2's cache of compiled templates, where an entry that cannot be read or written is only a miss (jinja2
    lets a full disk, or a file cut short in its header, fail the build)."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - whatever is wrong with the file, the template is compiled anew
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


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


#: Words to name in the search box's hint (see :attr:`SiteRenderer.search_placeholder`): what an inspector of each
#: shipped sector would look for, the coal mine's first.
SEARCH_EXAMPLES = ("瓦斯", "占压", "储能", "储存", "有限空间", "粉尘", "电梯", "气瓶", "消防", "特种作业", "动火", "井下",
                   "应急预案")

_IMG = re.compile(r'<img src="([^"]*)"')


@jinja2.pass_context
def _sized(context: Any, html: str, pictures: dict[str, tuple[int, int]]) -> Markup:
    """Each ``<img>`` of ``html`` showing one of ``pictures`` (site path → width and height) gets its width and
    height, so the page keeps its place while it loads, and a picture taller than wide (a phone's screen) the
    ``portrait`` class: those stand side by side at a phone's width, the others take the width of the text."""
    folder = context["page_path"].rpartition("/")[0]

    def size(match: re.Match[str]) -> str:
        src = html_lib.unescape(match.group(1))
        found = pictures.get(posixpath.normpath(posixpath.join(folder, urllib.parse.unquote(src))))
        if found is None or "://" in src:
            return match.group(0)
        width, height = found
        portrait = ' class="portrait"' if height > width else ""
        return f'{match.group(0)} width="{width}" height="{height}"{portrait}'

    return Markup(_IMG.sub(size, str(html)))


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


def catalog_digest(catalog: Catalog, checkpoint_text: Callable[[Checkpoint], str] | None = None) -> str:
    """The digest of the catalog's export: the edition's check code, and what a page that may show anything of the
    catalog is keyed by.  ``checkpoint_text`` gives each checkpoint's part of the export, when kept (see
    :func:`checkframe.catalog.export.catalog_to_json`)."""
    from checkframe.catalog.export import catalog_to_json

    return hashlib.sha256(catalog_to_json(catalog, checkpoint_text).encode()).hexdigest()


#: What the edition line says before each page's own check code (see :func:`page_code`).
PAGE_CODE_LABEL = "本页校验码 "


def edition_line(config: Any, catalog: Catalog, code: str = "") -> str:
    """The edition as every page names it: 2024年版 · 2024年3月1日 · 本页校验码 1a2b3c4d (``code``, the page's own).

    Without a date in the project, the date of the newest document the content cites stands for it.

    The check code is the page's own (:func:`page_code`): a printout of a page stays matched to the handbook as long as
    that page's content is unchanged.  It was the catalog's (内容校验码, a digest of the whole export), which any edit
    changed, so that every printout looked outdated after an unrelated edit, and every page was written again; the
    catalog's code is shown once, on the 内容来源与版本 page (:func:`catalog_digest`).
    """
    parts = [config.edition] if config.edition else []
    if config.date:
        parts.append(chinese_date(config.date))
    else:  # the content's own date: its newest document
        newest = max((d.date for d in catalog.documents if re.fullmatch(r"\d{4}(-\d{2}){0,2}", d.date)), default="")
        if newest:
            parts.append(f"依据文件截至{chinese_date(newest)}")
    parts.append(PAGE_CODE_LABEL + code)
    return " · ".join(parts)


def page_code(without: Sequence[bytes | memoryview]) -> str:
    """A page's own check code (本页校验码): the first 8 hex digits of the BLAKE2b-160 digest of the page's bytes as
    rendered with the code left out (the edition line ending in :data:`PAGE_CODE_LABEL`), given as ``without``, the
    parts of the page around the code's places.  Reproducible: the same page shows the same code in every build,
    cold or incremental, and a page whose text did not change keeps its code and its bytes."""
    digest = hashlib.blake2b(digest_size=20)
    for part in without:
        digest.update(part)
    return digest.hexdigest()[:8]


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
    #: For each listed page: its own context, and whether it may show anything of the catalog (see :meth:`render`).
    page_inputs: list[tuple[dict[str, Any], bool]] = attrs.Factory(list)
    #: The plugins' template folders (the environment's, before checkframe's own).
    template_dirs: list[Path] = attrs.Factory(list)
    #: The last build's pages to reuse, and where to report this build's (see :meth:`finish`); None renders all.
    reuse: PageReuse | None = None

    def render(self, path: str, template: str, origin: str = "", *, whole_catalog: bool = True, key: Any = None,
               **context: Any) -> None:
        """List a page; :meth:`finish` renders every listed page.

        ``context`` is what this page shows besides what every page is given (see :meth:`shared_digest`); it is in
        the page's key.  ``whole_catalog=False`` says that the page reads no more of the catalog than its
        ``context``, the catalog's sectors, documents, groups and categories and the titles of the checkpoints its
        texts reference; otherwise the page may show anything of the catalog and its key holds the whole catalog.
        ``key``, when given, stands for ``context`` in the key: what checkframe's template shows of a context that
        holds more (the sources page shows each citing checkpoint's id and title, not the rest of it).  A plugin's
        template may show anything, so with plugin templates every page is keyed by the whole catalog anyway.
        """
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
            search_placeholder=self.search_placeholder,
            extra_pages=self.extra_pages,
            pdfs=self.pdfs,
            changes=self.project.changes if self.project.previous is not None else None,
            edition=self.edition,
            **self.helpers,
            **context,
        )))
        self.page_inputs.append((context if key is None else {"key": key}, whole_catalog))
        self.files[path] = b""  # keeps the order in which pages were listed
        self.origins[path] = origin

    def finish(
        self,
        links: dict[str, KeptLinks] | None = None,
        documents: list[search.Document] | None = None,
        jobs: int | None = None,
    ) -> None:
        """Render every listed page, in ``jobs`` processes (see :func:`checkframe.util.parallel.workers`).

        With ``links``, also record each page's links and ids (see :func:`page_links`); with ``documents``,
        append the searchable pages' search documents in the listed order (see :func:`search.document`).

        With :attr:`reuse`, each page gets a key: a digest of the inputs every page shares (:meth:`shared_digest`)
        and of its own (its path, template and context, the titles of the checkpoints its texts reference, and
        the whole catalog unless it said otherwise, see :meth:`render`).  A page whose key is the one the last
        build recorded, and whose file in the last output still has the recorded bytes, is read back instead of
        rendered, its links and search document taken from the record, and its file hard-linked into the new output
        (:attr:`PageReuse.kept`).  The edition line ends in the page's own check code (:func:`page_code`), a digest
        of the page without it: with templates that show the line only as ``{{ edition }}`` (see
        :func:`edition_is_plain`) the code's place is rendered as a placeholder and the code put in afterwards,
        otherwise the page is rendered twice, without the code and with it.  What the line says before the code is
        in every key (:meth:`shared_digest`), so a page's key fixes its bytes, which are those of a cold build.
        """
        reuse = self.reuse
        count = len(self.pages)
        known: dict[int, tuple[bytes | None, int, PageRecord]] = {}
        keys: list[str] = []
        edition = self.edition
        placeholder = f"\0code-{secrets.token_hex(8)}\0" if edition_is_plain(self.env) else ""
        if reuse is not None:
            shared = self.shared_digest()
            keys = [self._page_key(shared, i) for i in range(count)]
            if reuse.previous is not None and reuse.output is not None:
                for i, (path, _, _) in enumerate(self.pages):
                    back = self._read_back(reuse.previous, reuse.output, path, keys[i])
                    if back is not None:
                        known[i] = back
        todo = [i for i in range(count) if i not in known]
        for template in dict.fromkeys(self.pages[i][1] for i in todo):
            self.env.get_template(template)  # compiled once, here, before any worker starts; only those rendered
        for i in todo:
            self.pages[i][2]["edition"] = edition + placeholder
        want_links, want_documents = links is not None or reuse is not None, documents is not None or reuse is not None
        rendered = dict(zip(todo, _render_pages(self.env, self.pages, todo, want_links, want_documents, placeholder,
                                                edition, jobs), strict=True))
        found: Any
        for i, (path, _, _) in enumerate(self.pages):
            record: PageRecord | None = None
            if i in known and reuse is not None:
                kept, size, record = known[i]
                reuse.kept.add(path)
                if kept is None:
                    reuse.unread[path] = size
                data = b"" if kept is None else kept
                found = record.links
                doc = None if record.document is None else search.Document.from_kept(record.document)
            else:
                data, found, doc = rendered[i]
                if reuse is not None:
                    record = PageRecord(keys[i], bytes_digest(data), found,
                                        None if doc is None else doc.kept())
            self.files[path] = data
            if reuse is not None and record is not None:
                reuse.records[path] = record
            if links is not None:
                links[path] = found
            if documents is not None and doc is not None:
                documents.append(doc)
        if reuse is not None:
            reuse.rendered = [self.pages[i][0] for i in todo]
        self.pages = []
        self.page_inputs = []

    def shared_digest(self) -> str:
        """A digest of what every page is rendered from: a change here renders every page again.

        checkframe's version and files (code, templates, static files, the author guide), the plugins and their
        versions, the plugins' template folders, SOURCE_DATE_EPOCH, the project's configuration, the export it
        compares with, its units and pictures, the extra pages' titles (the footer lists them; each page's text
        is that page's own input), the header's sectors, the PDFs' paths, every page's path (where a reference
        links), the catalog's sectors, documents, groups and remediation categories (which pages look up by id),
        and what the edition line says before each page's own check code (see :meth:`finish`).
        """
        digest = hashlib.sha256()

        def part(name: str, value: Any) -> None:
            text = value if isinstance(value, str) else repr(value)
            digest.update(f"{name} {len(text)}\n{text}\n".encode())

        project, catalog = self.project, self.catalog
        part("format", PAGE_CACHE_FORMAT)
        part("checkframe", f"{checkframe.__version__} {package_digest()}")
        part("plugins", sorted((i.name, i.distribution, i.version) for i in self.plugins.infos.values()))
        try:
            for folder in self.template_dirs:
                part("templates", str(folder))
                digest_tree(folder, digest)
            since = project.since_path if project.previous is not None else None
            part("since", "" if since is None else bytes_digest(since.read_bytes()))
        except OSError:  # unreadable now (it was read a moment ago): nothing is reused
            part("unreadable", secrets.token_hex(16))
        part("date", os.environ.get("SOURCE_DATE_EPOCH", "").strip())
        part("project", (project.config, project.print, project.changes, project.units))
        part("assets", [(asset.path, bytes_digest(asset.data)) for asset in project.assets])
        # A plugin's template may show anything of an extra page; checkframe's show their titles.
        part("extra", self.extra_pages if self.template_dirs else [(p.slug, p.title, p.origin) for p in self.extra_pages])
        part("nav", (self.nav_sectors, self.search_placeholder))
        part("pdfs", sorted(self.pdfs.items()))
        part("paths", list(self.origins))
        part("catalog", (catalog.sectors, catalog.documents, catalog.groups, catalog.categories))
        part("edition", self.edition)
        return digest.hexdigest()

    def _page_key(self, shared: str, index: int) -> str:
        path, template, _ = self.pages[index]
        context, whole = self.page_inputs[index]
        references: set[str] = set()
        own = ",".join([f"{name!r}:{self._inputs_text(value, references)}" for name, value in sorted(context.items())])
        catalog = self.catalog
        titles = [(ref, catalog.checkpoint(ref).title if catalog.has("checkpoint", ref) else None)
                  for ref in sorted(references)]
        text = "\0".join([shared, path, template, self.origins[path], own, repr(titles),
                          self.catalog_digest if whole or self.template_dirs else ""])
        return hashlib.sha256(text.encode()).hexdigest()

    def _inputs_text(self, value: Any, references: set[str]) -> str:
        """``value`` as text for a page key: lists, tuples and dicts item by item, a model object (attrs) by the
        digest of its repr, taken once per build; the ids of the checkpoints that the texts reference go into
        ``references``."""
        kind = type(value)
        if kind is str:
            if "[[" in value:
                references.update(REFERENCE.findall(value))
            return repr(value)
        if kind in _SCALARS:
            return repr(value)
        memo = self._input_memo.get(id(value))  # most of a page's other inputs are model objects met before
        if memo is not None and memo[0] is value:
            if memo[2]:
                references.update(memo[2])
            return memo[1]
        if isinstance(value, (list, tuple)):
            return "(" + ",".join([self._inputs_text(item, references) for item in value]) + ")"
        if isinstance(value, dict):
            return "{" + ",".join([f"{k!r}:{self._inputs_text(v, references)}" for k, v in value.items()]) + "}"
        if attrs.has(kind):
            facts = self._facts(value) if kind is Checkpoint else None
            if facts is not None:  # a checkpoint with a fingerprint: it stands for the value
                memo = self._input_memo[id(value)] = (value, f"checkpoint {self.catalog.fingerprint(value)}", facts[1])
            else:
                text = repr(value)
                memo = self._input_memo[id(value)] = (value, hashlib.sha256(text.encode()).hexdigest(),
                                                       tuple(REFERENCE.findall(text)))
            references.update(memo[2])
            return memo[1]
        text = repr(value)
        if "[[" in text:
            references.update(REFERENCE.findall(text))
        return text

    @functools.cached_property
    def _input_memo(self) -> dict[int, tuple[Any, str, tuple[str, ...]]]:
        return {}

    @functools.cached_property
    def catalog_digest(self) -> str:
        if self.reuse is None:
            return catalog_digest(self.catalog)
        return catalog_digest(self.catalog, self._checkpoint_json)

    def _checkpoint_json(self, checkpoint: Checkpoint) -> str:
        facts = self._facts(checkpoint)
        return checkpoint_json(checkpoint) if facts is None else facts[0]

    def _facts(self, checkpoint: Checkpoint) -> Facts | None:
        """What is derived from a checkpoint with a fingerprint (see :data:`checkframe.publish.pagecache.Facts`): kept
        by the last build, or made now; None for one without (or without a page cache)."""
        reuse = self.reuse
        fingerprint = self.catalog.fingerprint(checkpoint)
        if reuse is None or fingerprint is None:
            return None
        if reuse.facts[0] != package_digest():
            reuse.facts = (package_digest(), {})
        made = reuse.facts[1]
        found = made.get(fingerprint)
        if found is None:
            found = self._kept_facts.get(fingerprint)
            if found is None:
                found = (checkpoint_json(checkpoint), tuple(REFERENCE.findall(repr(checkpoint))))
            made[fingerprint] = found
        return found

    @functools.cached_property
    def _kept_facts(self) -> dict[str, Facts]:
        """The last build's facts, when the same checkframe made them."""
        previous = None if self.reuse is None else self.reuse.previous
        if previous is None or previous.facts[0] != package_digest():
            return {}
        return previous.facts[1]

    @staticmethod
    def _read_back(previous: PageCache, output: Path, path: str, key: str) -> tuple[bytes | None, int, PageRecord] | None:
        """The page at ``path`` as the last build wrote it (None when its file is trusted unread, see
        :meth:`PageCache.trusted`), its size and its record; None when it must be rendered (a new key, a file missing
        or changed since).  A page's key fixes its bytes, its own
        check code included (see :meth:`finish`)."""
        record = previous.pages.get(path)
        if record is None or record.key != key:
            return None
        file = os.path.join(output, path)
        try:
            info = os.lstat(file)
            if previous.trusted(path, info):  # its file as it was written: not read (see PageCache.trusted)
                return None, info.st_size, record
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        if bytes_digest(data) != record.digest:
            return None
        return data, len(data), record

    @functools.cached_property
    def edition(self) -> str:
        """The edition line without the page's own code, which :meth:`finish` puts after it."""
        return edition_line(self.project.config, self.catalog)

    @functools.cached_property
    def nav_sectors(self) -> list[Any]:
        return self.sectors

    @functools.cached_property
    def search_placeholder(self) -> str:
        """The search box's hint: words to try, each found in the checkpoints of one of the header's sectors.

        They were the coal mine's, the pipeline's and power's words on every handbook, nothing found in one of
        fireworks and industry and trade.  For each sector in turn, the word of :data:`SEARCH_EXAMPLES` most of
        its checkpoints' titles hold (the first of those listed when as many do), up to three words.
        """
        chosen: list[str] = []
        for sector in self.nav_sectors:
            titles = [c.title for c in self.catalog.checkpoints if c.sector == sector.id]
            counts = [(sum(word in t for t in titles), -i, word) for i, word in enumerate(SEARCH_EXAMPLES)
                      if word not in chosen]
            found, _, word = max(counts, default=(0, 0, ""))
            if found:
                chosen.append(word)
            if len(chosen) == 3:
                break
        return "搜索检查项" + ("，例如：" + "、".join(chosen) if chosen else "")

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

    def navigation(self, page_path: str, sector: str = "") -> Markup:
        """The header's navigation for a page (``_nav.html``); ``sector``: the id of the sector the page is of.

        It is the same for every page of a folder, except on the pages it links
        to (marked as current) and those of a sector it links to (the sector is
        marked as where the page is: a checkpoint's, a checklist's), so it is
        rendered once for each of those and once per folder for the rest: on a
        big catalog, most of each page's links.
        """
        paths = self._nav_paths
        folder = page_path.rpartition("/")[0]
        section = f"sector/{sector}.html" if sector else ""
        section = section if section in paths and section != page_path else ""
        key = (folder, page_path if page_path in paths else "", section)
        html = self._nav_cache.get(key)
        if html is None:
            html = self._nav_cache[key] = Markup(self.env.get_template("_nav.html").render(
                page_path=page_path, section=section, nav_items=self.nav_items, handbook=self.project.config,
                search_placeholder=self.search_placeholder,
            ))
        return html

    @functools.cached_property
    def _nav_paths(self) -> frozenset[str]:
        return frozenset(item.path for item in self.nav_items)

    @functools.cached_property
    def _nav_cache(self) -> dict[tuple[str, str, str], Markup]:
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


#: What a page key spells by its repr, without further ado.
_SCALARS = frozenset({bool, int, float, type(None)})


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

#: What one page's render returns: its bytes, its links and ids, its search document, and where in its bytes the
#: edition line starts (see :class:`~checkframe.publish.pagecache.PageRecord`).
Rendered = tuple[bytes, Any, Any]


def _render_page(work: tuple[jinja2.Environment, list[tuple[str, str, dict[str, Any]]], bool, bool, str, str],
                 index: int) -> Rendered:
    env, pages, want_links, want_documents, placeholder, edition = work
    path, template, context = pages[index]
    if placeholder:  # the page's edition line is ``edition`` followed by the placeholder
        html = permalinks(env.get_template(template).render(context))
        parts = html.split(placeholder)
        if "\0" not in "".join(parts) and all(
                _in_plain_text(html, pos) for pos in _positions(parts, placeholder)):
            encoded = [part.encode("utf-8") for part in parts]
            code = page_code(encoded)
            html = code.join(parts)
            data = code.encode("ascii").join(encoded)
            return (data, page_links(html) if want_links else None,
                    search.document(path, html) if want_documents else None)
    # The placeholder was changed on its way into the page, or lands where it could be a link, an id or searched
    # text, or the templates may show the line otherwise: the page is rendered without its code, then with it.
    template_ = env.get_template(template)
    without = permalinks(template_.render({**context, "edition": edition})).encode("utf-8")
    html = permalinks(template_.render({**context, "edition": edition + page_code([without])}))
    return (html.encode("utf-8"), page_links(html) if want_links else None,
            search.document(path, html) if want_documents else None)


def _positions(parts: list[str], placeholder: str) -> list[int]:
    """Where the placeholder stands in the text that ``parts`` were split from."""
    positions, pos = [], 0
    for part in parts[:-1]:
        pos += len(part)
        positions.append(pos)
        pos += len(placeholder)
    return positions


def _in_plain_text(html: str, pos: int) -> bool:
    """Whether ``pos`` is in text that neither the link scan nor the search index reads: outside every tag,
    comment, script and style, and outside the ``<main>`` that :func:`search.read_page` reads."""
    main = html.find("<main ")
    if 0 <= main <= pos:
        close = html.find("</main>", main)
        if close < 0 or pos <= close:
            return False
    if html.rfind("<", 0, pos) > html.rfind(">", 0, pos):
        return False
    if html.rfind("<!--", 0, pos) > html.rfind("-->", 0, pos):
        return False
    return all(html.rfind(f"<{raw}", 0, pos) <= html.rfind(f"</{raw}", 0, pos) for raw in ("script", "style"))


def edition_is_plain(env: jinja2.Environment) -> bool:
    """Whether every template of ``env`` shows the edition line only as ``{{ edition }}``, outside any block,
    macro, call, filter or block ``set`` (whose text a template could take apart): then a page's text with
    the line put in is the text rendered with it (see :meth:`SiteRenderer.finish`)."""
    assert env.loader is not None
    for name in env.list_templates():
        source = env.loader.get_source(env, name)[0]
        if "edition" not in source:
            continue
        tokens = [(kind, value) for _, kind, value in env.lex(source) if kind != "whitespace"]
        depth = 0
        for n, (kind, value) in enumerate(tokens):
            if kind == "block_begin" and n + 1 < len(tokens) and tokens[n + 1][0] == "name":
                word = tokens[n + 1][1]
                if word in ("block", "filter", "macro", "call"):
                    depth += 1
                elif word in ("endblock", "endfilter", "endmacro", "endcall", "endset"):
                    depth -= 1
                elif word == "set":
                    end = next((m for m in range(n, len(tokens)) if tokens[m][0] == "block_end"), len(tokens))
                    if not any(tokens[m][0] == "assign" for m in range(n, end)):
                        depth += 1  # {% set x %}...{% endset %}
            elif kind == "name" and value == "edition":
                if tokens[n - 1] == ("operator", "."):
                    continue  # an attribute of something else: handbook.edition
                if not (depth == 0 and tokens[n - 1][0] == "variable_begin" and n + 1 < len(tokens)
                        and tokens[n + 1][0] == "variable_end"):
                    return False
            elif kind == "string" and "edition" in value:  # context()["edition"], as the lexer gives it: quoted
                return False
    return True


def _render_pages(
    env: jinja2.Environment, pages: list[tuple[str, str, dict[str, Any]]], indexes: list[int], want_links: bool,
    want_documents: bool, placeholder: str = "", edition: str = "", jobs: int | None = None,
) -> list[Rendered]:
    """The pages of ``indexes``, rendered, in that order; the first error in that order is raised.

    Workers get the pages by their index, in runs of consecutive pages: the catalog, the compiled templates and
    the listed pages are inherited through fork, so nothing is pickled on the way in.  They cannot be pickled
    (templates are compiled code), so where workers do not fork the pages are rendered in this process.
    With a ``placeholder``, the pages were given it as their edition line: each gets ``edition`` (as HTML) in its
    place, and says where.
    """
    return parallel.ordered_map(
        _render_page, indexes, shared=(env, pages, want_links, want_documents, placeholder, edition), jobs=jobs,
        threshold=PARALLEL_MIN_PAGES, min_chunk=16, picklable=False,
    )
