"""``checkframe build``: the handbook site and its PDFs, in one pipeline.

::

    load plugins → catalog → handbook project → render pages (in memory) → search index (in memory)
                 → files the plugins add (checkframe_pages_rendered) → check every internal link and anchor
                 → write to a fresh folder → print PDFs → swap the folder in → checkframe_build_written

Everything is gathered and checked before the first byte is written; the
output folder appears at once, so a failed build leaves the previous site as
it was.  Inputs are fingerprinted: a rebuild with nothing changed does nothing.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import re
import shutil
import stat
import time
import traceback
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from checkframe.catalog import Catalog, build_catalog
from checkframe.errors import ContentError, Problem, write_problem
from checkframe.plugins import PluginInfo, Plugins, call_each, load_plugins
from checkframe.publish import pagecache
from checkframe.publish.fonts import PrintError
from checkframe.publish.guide import GuideError
from checkframe.publish.inputs import fingerprint, package_digest
from checkframe.publish.links import KeptLinks, check_links, kept_links, targets_digest
from checkframe.publish.overrides import check_overrides
from checkframe.publish.pagecache import PageReuse, Stat, file_stat
from checkframe.publish.pages import page_origin, render_site
from checkframe.publish.pdfs import print_all, print_jobs
from checkframe.publish.printforms import forms_digest, plugin_forms
from checkframe.publish.project import CACHE, CONFIG_NAME, OUTPUT, Project, load_project
from checkframe.publish.search import Document, IndexState, Previous, build_index
from checkframe.publish.site import TEMPLATES, gather_site
from checkframe.registers import BuildFiles, SiteRegister
from checkframe.util import collector
from checkframe.util.fs import Locked, exclusive_lock, staging_folder, swap_folder
from checkframe.util.progress import NO_PROGRESS, Progress

__all__ = ["CACHE", "OUTPUT", "STAMP", "BuildResult", "build"]

log = logging.getLogger("checkframe.publish.build")

#: What the last build wrote into the output: its fingerprint and counts.  It marks the folder as checkframe's:
#: a build replaces only a folder that has it (or an empty one).
STAMP = ".checkframe-build.json"
#: The lock file in the cache folder that one build at a time holds.
LOCK = "build.lock"
#: The folder in the cache where what the content files read into is kept (:mod:`checkframe.catalog.cache`).
CONTENT_CACHE = "content"

#: The last build's page reuse in this process, while it is alive.  A build's objects are freed by the cycle
#: collector, not when the build returns: jinja2's templates and contexts hold cycles through which the catalog,
#: the pages and the last build's records are reachable.  A process that builds again (``serve --watch``, a
#: benchmark) frees them before it makes the next build's, so that two builds are never in memory at once.
_last_build: weakref.ref[PageReuse] | None = None


@attrs.frozen
class BuildResult:
    output: Path
    pages: int
    pdfs: int
    #: False when the inputs had not changed and nothing was written.
    written: bool
    #: How many pages were rendered; the others were unchanged and read back from the last build's output.
    rendered: int = 0
    #: What the content allows but is probably a mistake (:func:`~checkframe.catalog.build_catalog`'s warnings).
    warnings: tuple[Problem, ...] = ()


# -- Writing -----------------------------------------------------------------------------


def _write_tree(root: Path, files: dict[str, bytes], link_from: Path | None = None,
                same: frozenset[str] | set[str] = frozenset(), unread: dict[str, int] | None = None,
                stats: dict[str, Stat] | None = None) -> int:
    """Write ``files`` below ``root``; returns how many were hard-linked instead.

    The paths in ``same`` hold, in the folder ``link_from`` (the last build's output), exactly the bytes
    they are to have: each is hard-linked from there rather than written again (the files of an output
    are only ever replaced, never changed in place, so the link cannot see a later write), and written
    where linking fails (another file system, no hard links).  Either way ``root`` is a fresh folder
    that is swapped in whole, so a build stopped half-way leaves the published output as it was.
    The paths of ``unread`` (path → size; all in ``same``) were not read (their bytes in ``files`` are
    ``b""``): where one cannot be linked, it is read from ``link_from``.  ``stats`` gets each file's stat
    as written or linked (a link's is its source's: the same inode, the same time).
    """
    made: set[str] = set()
    linked = 0
    unread = unread or {}
    base, linked_base = os.fspath(root), None if link_from is None else os.fspath(link_from)
    for path, data in sorted(files.items()):  # paths as strings: pathlib's joins were a tenth of a build's writing
        target = os.path.join(base, path)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        if linked_base is not None and path in same:
            source = os.path.join(linked_base, path)
            try:
                info = os.lstat(source)  # a regular file, not a link to one, of the expected size
                if stat.S_ISREG(info.st_mode) and info.st_size == unread.get(path, len(data)):
                    os.link(source, target)
                    linked += 1
                    if stats is not None:
                        stats[path] = file_stat(info)
                    continue
            except OSError:
                pass  # written below
            if path in unread:
                with open(source, "rb") as handle:
                    data = handle.read()
        with open(target, "wb") as handle:
            handle.write(data)
            if stats is not None:
                stats[path] = file_stat(os.fstat(handle.fileno()))
    return linked


def build(
    project_root: Path | str, *, plugins: Plugins | None = None, force: bool = False, jobs: int | None = None,
    progress: Progress = NO_PROGRESS,
) -> BuildResult:
    """Build the handbook of ``project_root`` into ``project_root/_build``.

    ``jobs`` processes render the pages and print the PDFs: 1 does everything in this process; by default,
    one per core when there are enough of them to pay (see :func:`checkframe.util.parallel.workers`).
    ``progress`` is told each phase and each PDF printed (see :mod:`checkframe.util.progress`).

    :raises ContentError: with every problem found; nothing is written then.
    """
    project_root = Path(project_root)
    plugins = plugins or load_plugins()
    output = project_root / OUTPUT
    refused = _not_ours(output)
    if refused:
        raise ContentError([Problem("", refused, output.as_posix())])
    if not (project_root / CONFIG_NAME).exists():
        return _build(project_root, plugins, force, jobs, progress)  # which says that there is no handbook project here
    lock = project_root / CACHE / LOCK
    held = exclusive_lock(lock)
    try:
        lock.parent.mkdir(exist_ok=True)
        held.__enter__()
    except Locked:
        raise ContentError([Problem("", f"another checkframe build of {project_root.as_posix()} is running (it holds "
                                        f"{lock.as_posix()}); wait for it to finish", output.as_posix())]) from None
    except OSError as exc:
        raise ContentError([write_problem(exc, project_root, output)]) from None
    if _last_build is not None and _last_build() is not None:
        gc.collect()
    try:
        # A build makes hundreds of thousands of objects that live until it ends (the catalog, the last build's
        # records, every page) and few cycles: the cycle collector would only rescan them, a third of the time
        # it takes to read the page cache alone.
        with collector.paused():
            return _build(project_root, plugins, force, jobs, progress)
    finally:
        held.__exit__(None, None, None)


def _not_ours(output: Path) -> str | None:
    """Why a build may not replace ``output``: it replaces only a folder checkframe built (with a STAMP) or an empty one."""
    if output.is_symlink():
        return (f"is a symlink; checkframe replaces {OUTPUT} as a whole and does not follow it: remove the link "
                f"(or move what it points to), then build again")
    if not output.exists():
        return None
    if not output.is_dir():
        return "is a file, not a folder checkframe built; move or remove it, then build again"
    try:
        if (output / STAMP).is_file() or not any(output.iterdir()):
            return None
    except OSError as exc:
        return f"cannot read the folder: {exc.strerror or exc}"
    return (f"is not a folder checkframe built (it has no {STAMP}), and a build replaces it as a whole: "
            "move or remove it, then build again")


def _build(project_root: Path, plugins: Plugins, force: bool, jobs: int | None, progress: Progress) -> BuildResult:
    problems: list[Problem] = []
    progress.phase("reading the plugins' content")
    started = time.monotonic()
    # 1. What plugins add to the site, and the digest of every input: when it is the
    #    one of the last build, the output is up to date and nothing is parsed.
    registers = gather_site(plugins, problems)
    problems.extend(check_overrides(registers))
    forms, form_problems = plugin_forms(plugins)
    problems.extend(form_problems)
    stamp = None if problems else fingerprint(project_root, plugins, registers)
    if stamp is not None and forms:
        stamp = forms_digest(stamp, forms.values())
    stamp_file = project_root / OUTPUT / STAMP
    if not force and stamp is not None and stamp_file.is_file():
        previous = json.loads(stamp_file.read_text(encoding="utf-8"))
        if previous.get("fingerprint") == stamp:
            log.info("no input changed since the last build (fingerprint %s)", stamp[:12])
            return BuildResult(project_root / OUTPUT, previous["pages"], previous["pdfs"], written=False)
    # The pages of the last build, to read back those whose inputs did not change (see site.SiteRenderer.finish).
    ours = stamp_file.is_file() and not stamp_file.is_symlink()
    reuse = PageReuse(None if force or not ours else pagecache.load(project_root / CACHE),
                      project_root / OUTPUT if ours else None)
    global _last_build
    _last_build = weakref.ref(reuse)

    # 2. The catalog: every problem of every plugin at once.
    warned: list[Problem] = []
    try:
        # No cache where there is no project: a build that only says so writes nothing.
        kept = project_root / CACHE / CONTENT_CACHE if (project_root / CONFIG_NAME).exists() else None
        catalog = build_catalog(plugins, warned, cache=kept)
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
    log.info("catalog: %d checkpoints, %d checklists from %d plugins (%.1f s)", len(catalog.checkpoints),
             len(catalog.checklists), len(plugins.infos), time.monotonic() - started)

    output = project.output
    cache = project_root / CACHE

    # 4. The PDFs planned (fonts checked before anything is written), every page in memory,
    #    then every link checked.
    try:
        print_plan = print_jobs(catalog, project, keys=False, forms=list(forms.values()))
        for job in print_plan:
            if job.kind == "checklist" and not catalog.checklist(job.target).checkpoints:
                raise PrintError(f"checklist {job.target!r} has no checkpoints; there is nothing to print")
    except PrintError as exc:
        raise ContentError([Problem("", str(exc))]) from None
    pdfs = {f"forms/{job.target}" if job.kind == "form" else job.target: f"pdf/{job.name}" for job in print_plan}
    progress.phase("rendering pages")
    links: dict[str, KeptLinks] = {}
    documents: list[Document] = []
    try:
        try:
            files, origins = render_site(catalog, project, plugins, registers, pdfs, links, documents, jobs, reuse)
        except Exception as exc:  # noqa: BLE001 - a template error is the user's (or a plugin's) to fix
            raise ContentError([_template_error(exc, registers)]) from None
        log.info("pages: %d files rendered (%.1f s)", len(files), time.monotonic() - started)
        if reuse.previous is not None:
            log.info("%d of %d pages rendered, the others unchanged since the last build", len(reuse.rendered),
                     len(reuse.records))
        # The search index: more files of the site, from the text the render workers took from each page.
        progress.phase("indexing for search")
        index, state = build_index(documents, _previous_index(reuse))
        reuse.search = (package_digest(), tuple(state))
        for path, data in index.items():
            if path in files:
                raise ContentError([Problem(origins.get(path, ""),
                                            f"{path} is the search index's; choose another name")])
            files[path] = data
            origins[path] = "checkframe (search index)"
        # The pictures the extra pages show, beside them.
        for asset in project.assets:
            path = f"pages/{asset.path}"
            if path in files:
                raise ContentError([Problem("", f"{path} is also a page of the site; rename the picture",
                                            path)])
            files[path] = asset.data
            origins[path] = path
        # Files the plugins add of their own (an export for a provincial system), links checked with the rest.
        problems = added_files(plugins, files, origins, catalog, project)
        if problems:
            raise ContentError(problems)
        progress.phase("checking links")
        reuse.targets = targets_digest(files, pdfs.values())
        problems = check_links(files, origins, extra_targets=pdfs.values(), parsed=links,
                               checked=_links_checked(reuse, links, files),
                               sources={page_origin(project, p): (p.source.as_posix(), p.text) for p in project.pages},
                               missing=_left_out(catalog, project))
        log.info("search index and links checked (%.1f s)", time.monotonic() - started)
    finally:
        del links, documents
    if problems:
        raise ContentError(problems)

    # 5. Write into a fresh folder beside the output (the pages unchanged since the last build hard-linked from
    #    it), print the PDFs into it, swap it in.
    pages = sum(1 for p in files if p.endswith(".html"))
    stamp_text = json.dumps({"fingerprint": stamp, "pages": pages, "pdfs": len(pdfs)}, indent=2) + "\n"
    try:
        with staging_folder(output) as staging:
            progress.phase(f"writing {pages} pages")
            linked = _write_tree(staging, files, output if reuse.previous is not None else None, reuse.kept,
                                 reuse.unread, reuse.stats)
            if linked:
                log.info("%d unchanged files linked from the last build", linked)
            try:
                with collector.running():  # printing makes cycles (WeasyPrint's boxes), in every worker too
                    print_all(catalog, project, staging / "pdf", cache / "pdf", jobs, forms=list(forms.values()),
                              progress=progress)
            except PrintError as exc:
                raise ContentError([Problem("", str(exc))]) from None
            (staging / STAMP).write_text(stamp_text, encoding="utf-8")
            swap_folder(staging, output)
        log.info("written to %s (%.1f s)", output.as_posix(), time.monotonic() - started)
    except OSError as exc:  # a full disk, a read-only folder: the staging folder is gone, the output as it was
        raise ContentError([write_problem(exc, project_root, output)]) from None
    try:
        pagecache.save(cache, reuse.cache())
    except OSError as exc:  # the next build renders every page, that is all
        log.warning("could not keep the rendered pages in %s: %s", cache.as_posix(), exc)
    # 6. Plugins act on the written site.
    problems = [failure.problem("checkframe_build_written") for _, _, failure in call_each(
        plugins, "checkframe_build_written", lambda info: {"output": output, "catalog": catalog, "project": project},
    ) if failure is not None]
    if problems:
        raise ContentError(problems)
    shutil.rmtree(cache / "pagefind", ignore_errors=True)  # what earlier versions cached; no longer used
    return BuildResult(output, pages, len(pdfs), written=True, rendered=len(reuse.rendered), warnings=tuple(warned))


def _left_out(catalog: Catalog, project: Project) -> Callable[[str], str]:
    """Why the site has no page at a path, when it is a sector, checklist or checkpoint the project leaves out."""
    checklists = set(project.checklist_ids(catalog))
    sectors = set(project.sector_ids(catalog))
    fix = "add it there, or remove the link"

    def why(path: str) -> str:
        folder, _, name = path.rpartition("/")
        ident, _, suffix = name.rpartition(".")
        if folder in ("checklist", "pdf") and suffix in ("html", "pdf") and catalog.has("checklist", ident) \
                and ident not in checklists:
            title = catalog.checklist(ident).title
            key = "checklists leaves it" if project.config.checklists else "sectors leaves its sector"
            return f"the checklist {ident!r} ({title}) is not in this handbook: [handbook] {key} out; {fix}"
        if folder == "sector" and suffix == "html" and catalog.has("sector", ident) and ident not in sectors:
            name = catalog.sector(ident).name
            return f"the sector {ident!r} ({name}) is not in this handbook: [handbook] sectors leaves it out; {fix}"
        if folder == "checkpoint" and suffix == "html" and catalog.has("checkpoint", ident):
            return (f"the checkpoint {ident!r} is in none of this handbook's sectors and checklists; add its sector "
                    "or a checklist that holds it to [handbook] in checkframe.toml, or remove the link")
        return ""
    return why


def _links_checked(reuse: PageReuse, links: dict[str, KeptLinks], files: dict[str, bytes]) -> frozenset[str]:
    """The pages whose links need no check (see :func:`checkframe.publish.links.check_links`): those read back from
    the last build, whose links it found good, when every path a link could reach is as it was then and no page
    rendered since has other ids than it had.  Otherwise none: also when a plugin added a page of its own, whose
    ids the last build did not keep."""
    previous = reuse.previous
    if previous is None or not previous.targets or previous.targets != reuse.targets:
        return frozenset()
    if any(path.endswith(".html") and path not in reuse.records for path in files):
        return frozenset()
    rendered = set(reuse.rendered)
    for path in rendered:
        before = previous.pages.get(path)
        if before is None or path not in links or kept_links(before.links)[1] != kept_links(links[path])[1]:
            return frozenset()
    return frozenset(path for path in reuse.records if path not in rendered)


def _previous_index(reuse: PageReuse) -> Previous | None:
    """The last build's search index, to patch (see :func:`checkframe.publish.search.build_index`)."""
    previous, output = reuse.previous, reuse.output
    if previous is None or previous.search is None or output is None:
        return None
    made_by, state = previous.search
    if made_by != package_digest():  # another checkframe may encode the index's files otherwise
        return None
    base = os.fspath(output)

    def read(path: str) -> bytes | None:
        try:
            with open(os.path.join(base, path), "rb") as handle:
                return handle.read()
        except OSError:
            return None

    documents = [Document.from_kept(record.document) for record in previous.pages.values()
                 if record.document is not None]
    return Previous(documents, IndexState(*state), read)


def added_files(
    plugins: Plugins, files: dict[str, bytes], origins: dict[str, str], catalog: Catalog, project: Project,
) -> list[Problem]:
    """Call each plugin's ``checkframe_pages_rendered`` on its own; the problems of the files they add."""
    problems: list[Problem] = []

    def arguments(info: PluginInfo) -> dict[str, Any]:
        return {"files": BuildFiles(info.label(), files, origins, problems), "catalog": catalog, "project": project}

    for _, _, failure in call_each(plugins, "checkframe_pages_rendered", arguments):
        if failure is not None:
            problems.append(failure.problem("checkframe_pages_rendered"))
    return problems


def _template_error(exc: Exception, registers: list[SiteRegister]) -> Problem:
    """A template that failed, named by its file and line and the plugin that supplied it."""
    import jinja2

    if isinstance(exc, GuideError):
        return Problem("", f"author guide: {exc}")
    where = _template_line(exc)
    plugin, file = "", ""
    if where is not None:
        path, line = where
        plugin, shown = _template_owner(Path(path), registers)
        file = f"{shown}:{line}"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Problem(plugin, f"template syntax error: {exc.message}", file)
    if isinstance(exc, jinja2.TemplateError):
        return Problem(plugin, f"template error: {type(exc).__name__}: {exc}", file)
    return Problem(plugin, f"rendering failed: {type(exc).__name__}: {exc}", file)


#: A frame of a traceback's text, as a worker process sends it back with its exception.
_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def _template_line(exc: BaseException) -> tuple[str, int] | None:
    """The template file and line where ``exc`` was raised: jinja2 puts template lines into tracebacks."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return exc.filename, exc.lineno
    frames = [(frame.filename, frame.lineno or 0) for frame in traceback.extract_tb(exc.__traceback__)]
    cause = exc.__cause__
    if cause is not None and type(cause).__name__ == "_RemoteTraceback":  # raised in a worker process
        frames += [(match[1], int(match[2])) for match in _FRAME.finditer(str(cause))]
    templates = [frame for frame in frames if frame[0].endswith((".html", ".xml", ".txt", ".j2"))]
    return templates[-1] if templates else None


def _template_owner(path: Path, registers: list[SiteRegister]) -> tuple[str, str]:
    """The plugin that supplied the template at ``path`` ("checkframe" for the default ones) and the path to show."""
    for register in registers:
        for folder in register.template_dirs:
            if path.is_relative_to(folder):
                return register.plugin, path.as_posix()
    if path.is_relative_to(TEMPLATES):
        return "checkframe", f"templates/site/{path.relative_to(TEMPLATES).as_posix()}"
    return "", path.as_posix()
