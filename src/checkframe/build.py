"""``checkframe build``: the handbook site and its PDFs, in one pipeline.

::

    load plugins → catalog → handbook project → render pages (in memory) → search index (in memory)
                 → check every internal link and anchor → write to a fresh folder
                 → print PDFs → swap the folder in

Everything is gathered and checked before the first byte is written; the
output folder appears at once, so a failed build leaves the previous site as
it was.  Inputs are fingerprinted: a rebuild with nothing changed does nothing.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib.metadata
import json
import os
import posixpath
import shutil
import tempfile
import tomllib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import attrs

import checkframe
from checkframe import printing
from checkframe.author_guide import GuideError
from checkframe.catalog import build_catalog, digest_sources, digest_tree
from checkframe.content import ContentError, Problem
from checkframe.plugins import Plugins, load_plugins
from checkframe.printing import PrintError, print_all, print_jobs
from checkframe.project import CONFIG_NAME, load_project
from checkframe.search import Document, index_files
from checkframe.site import gather_site, page_links, render_site

__all__ = ["BuildResult", "build"]

STAMP = ".checkframe-build.json"
CACHE = ".checkframe-cache"
OUTPUT = "_build"
#: The checkframe package folder: every output depends on what is in it.
PACKAGE = Path(checkframe.__file__).parent


@attrs.frozen
class BuildResult:
    output: Path
    pages: int
    pdfs: int
    #: False when the inputs had not changed and nothing was written.
    written: bool


# -- Link checking -----------------------------------------------------------------------


#: What a page's links and ids are: see :func:`checkframe.site.page_links`.
PageLinks = tuple[list[tuple[bool, str]], set[str]]


@functools.lru_cache(maxsize=65536)
def _resolve(folder: str, link: str, resource: bool) -> tuple[str, str, str]:
    """What a link from a page in ``folder`` is: ("ok", "", ""), ("bad", message, ""), or ("page", target, anchor).

    An empty target is the page itself.
    """
    parts = urlsplit(link)
    if parts.scheme == "data" and resource:
        return "ok", "", ""  # inline, nothing is requested
    if parts.scheme or parts.netloc or link.startswith("//"):
        if resource:
            return "bad", f"{link!r} would be loaded from outside the site; ship it with the site instead", ""
        if parts.scheme not in ("http", "https", "mailto", "tel"):
            return "bad", f"link to {link!r}: only http(s), mailto and tel links may leave the site", ""
        return "ok", "", ""
    target = ""
    if parts.path:
        target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
        if parts.path.endswith("/"):
            target += "/"
    return "page", target, unquote(parts.fragment)


def check_links(
    files: dict[str, bytes],
    origins: dict[str, str],
    extra_targets: Iterable[str] = (),
    parsed: dict[str, PageLinks] | None = None,
) -> list[Problem]:
    """Every internal link must reach a file of the site, and every anchor an id on that page.

    :param parsed: the links and ids of the pages, when rendering found them already.
    """
    parsed = parsed or {}
    pages: dict[str, PageLinks] = {
        path: parsed[path] if path in parsed else page_links(data.decode("utf-8"))
        for path, data in files.items() if path.endswith(".html")
    }
    targets = set(files) | set(extra_targets)
    folders: dict[str, bool] = {}
    problems = []
    for path, (links, _) in pages.items():
        origin = origins.get(path, "")
        folder = posixpath.dirname(path)

        def bad(message: str, path: str = path, origin: str = origin) -> None:
            # Named by the file the page came from (a Markdown page), else by the page itself.
            problems.append(Problem("", message, origin or path, path if origin else ""))

        for resource, link in links:
            kind, target, anchor = _resolve(folder, link, resource)
            if kind == "ok":
                continue
            if kind == "bad":
                bad(target)
                continue
            target = target or path
            if target.startswith("../") or target == "..":
                bad(f"link to {link!r} leaves the site")
            elif target.endswith("/"):
                if target not in folders:
                    folders[target] = any(t.startswith(target) for t in targets)
                if not folders[target]:
                    bad(f"broken link to {link!r}: no such folder in the site")
            elif target not in targets:
                bad(f"broken link to {link!r}: no such page")
            elif anchor and target in pages and anchor not in pages[target][1]:
                bad(f"broken link to {link!r}: no anchor #{anchor} there")
    return problems


# -- Fingerprint -------------------------------------------------------------------------


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _changes_since(project_root: Path) -> Path | None:
    """The export that ``[changes] since`` names, read leniently: load_project reports a bad config."""
    try:
        config = tomllib.loads((project_root / CONFIG_NAME).read_text(encoding="utf-8"))
        since = config["changes"]["since"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return None
    return project_root / since if isinstance(since, str) else None


def fingerprint(project_root: Path, plugins: Plugins, template_dirs: Iterable[Path]) -> str | None:
    """A digest of everything the output depends on, taken before any content is parsed.

    It covers the content files and objects of every plugin (see
    :func:`checkframe.catalog.digest_sources`), the plugins and their versions,
    the whole handbook project but its output, checkframe's own files (code,
    templates, stylesheet, author guide) and the plugins' templates, and what
    the PDFs' look depends on (the CJK fonts, WeasyPrint).
    ``None`` when it cannot be taken; the build then goes ahead.
    """
    digest = hashlib.sha256()
    digest.update(checkframe.__version__.encode())
    digest.update(repr(sorted((i.name, i.distribution, i.version) for i in plugins.infos.values())).encode())
    digest.update(repr([_version("weasyprint"), *printing.font_stamps()]).encode())  # the PDFs' look
    if not digest_sources(plugins, digest):
        return None
    try:
        digest_tree(project_root, digest, skip=[OUTPUT, CACHE])
        since = _changes_since(project_root)
        if since is not None and since.is_file():  # the export compared with may live outside the project
            digest.update(since.read_bytes())
        # checkframe itself (templates, stylesheet, the code that writes pages and the author guide), plugins' templates
        for folder in (PACKAGE, *template_dirs):
            digest.update(f"templates {folder}\n".encode())
            digest_tree(folder, digest)
    except OSError:  # unreadable: the build goes ahead and reports what it cannot read
        return None
    return digest.hexdigest()


# -- Writing -----------------------------------------------------------------------------


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    made: set[Path] = set()
    for path, data in sorted(files.items()):
        target = root / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)


def _swap_in(staging: Path, output: Path) -> None:
    """Replace ``output`` by ``staging`` with two renames; the old tree is removed after."""
    old = None
    if output.exists():
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        os.rename(output, old)
    os.rename(staging, output)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build(
    project_root: Path | str, *, plugins: Plugins | None = None, force: bool = False, jobs: int | None = None
) -> BuildResult:
    """Build the handbook of ``project_root`` into ``project_root/_build``.

    :raises ContentError: with every problem found; nothing is written then.
    """
    project_root = Path(project_root)
    plugins = plugins or load_plugins()
    problems: list[Problem] = []
    # 1. What plugins add to the site, and the digest of every input: when it is the
    #    one of the last build, the output is up to date and nothing is parsed.
    registers = gather_site(plugins, problems)
    stamp = None if problems else fingerprint(project_root, plugins, [d for r in registers for d in r.template_dirs])
    stamp_file = project_root / OUTPUT / STAMP
    if not force and stamp is not None and stamp_file.is_file():
        previous = json.loads(stamp_file.read_text(encoding="utf-8"))
        if previous.get("fingerprint") == stamp:
            return BuildResult(project_root / OUTPUT, previous["pages"], previous["pdfs"], written=False)

    # 2. The catalog: every problem of every plugin at once.
    try:
        catalog = build_catalog(plugins)
    except ContentError as exc:
        problems.extend(exc.problems)
        catalog = None
    # 3. The handbook project, checked against the catalog.
    try:
        project = load_project(project_root, catalog)
    except ContentError as exc:
        problems.extend(exc.problems)
    if problems or catalog is None:
        raise ContentError(problems)

    output = project.output
    cache = project_root / CACHE

    # 4. The PDFs planned (fonts checked before anything is written), every page in memory,
    #    then every link checked.
    try:
        print_plan = print_jobs(catalog, project, keys=False)
        for job in print_plan:
            if job.kind == "checklist" and not catalog.checklist(job.target).checkpoints:
                raise PrintError(f"checklist {job.target!r} has no checkpoints; there is nothing to print")
    except PrintError as exc:
        raise ContentError([Problem("", str(exc))]) from None
    pdfs = {f"forms/{job.target}" if job.kind == "form" else job.target: f"pdf/{job.name}" for job in print_plan}
    links: dict[str, PageLinks] = {}
    documents: list[Document] = []
    collecting = gc.isenabled()
    gc.disable()  # rendering makes many objects and frees few: the cycle collector only rescans them
    try:
        try:
            files, origins = render_site(catalog, project, plugins, registers, pdfs, links, documents)
        except Exception as exc:  # noqa: BLE001 - a template error is the user's (or a plugin's) to fix
            raise ContentError([Problem("", _template_error(exc))]) from None
        # The search index: more files of the site, from the text the render workers took from each page.
        for path, data in index_files(documents).items():
            if path in files:
                raise ContentError([Problem(origins.get(path, ""), f"{path} is the search index's; choose another name")])
            files[path] = data
            origins[path] = "checkframe (search index)"
        problems = check_links(files, origins, extra_targets=pdfs.values(), parsed=links)
    finally:
        if collecting:
            gc.enable()
        del links, documents
    if problems:
        raise ContentError(problems)

    # 5. Write into a fresh folder beside the output, index it, swap it in.
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    try:
        _write_tree(staging, files)
        try:
            print_all(catalog, project, staging / "pdf", cache / "pdf", jobs)
        except PrintError as exc:
            raise ContentError([Problem("", str(exc))]) from None
        pages = sum(1 for p in files if p.endswith(".html"))
        (staging / STAMP).write_text(
            json.dumps({"fingerprint": stamp, "pages": pages, "pdfs": len(pdfs)}, indent=2) + "\n", encoding="utf-8"
        )
        _swap_in(staging, output)
        shutil.rmtree(cache / "pagefind", ignore_errors=True)  # what earlier versions cached; no longer used
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(output, pages, len(pdfs), written=True)


def _template_error(exc: Exception) -> str:
    import jinja2

    if isinstance(exc, GuideError):
        return f"author guide: {exc}"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}"
    if isinstance(exc, jinja2.TemplateError):
        return f"template error: {type(exc).__name__}: {exc}"
    return f"rendering failed: {type(exc).__name__}: {exc}"
