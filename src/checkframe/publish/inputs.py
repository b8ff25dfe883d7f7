"""What every output of a build depends on, in one place: the build fingerprint (also the search index's key), each PDF key.

Every key is a digest of named inputs, taken from files and objects before
anything is parsed or rendered.  The outputs and what each depends on:

the whole build (:func:`fingerprint`)
    the content files and objects of every plugin, the plugins and their versions,
    every plugin's site pages (their text) and template folders, the project's files
    (through symlinks) but its output and cache, the export that ``[changes] since``
    names, the ``units/`` of the ledger that ``handbook.units`` names, checkframe's own
    files by content (:func:`package_digest`: code, templates, static files, author guide),
    and whatever a PDF's key reads besides (:func:`machine`: the CJK fonts and WeasyPrint's version; SOURCE_DATE_EPOCH).
    A rebuild whose fingerprint is the last build's writes nothing.
each PDF (:func:`pdf_key`, with :func:`pdf_inputs`)
    its checklist, checkpoints, groups, documents and sector (or the form's name); what
    a print template reads of the project (:data:`PRINTED_CONFIG` and ``[print]``);
    checkframe's files but those only the site reads (:data:`SITE_ONLY`); checkframe's
    version (the PDF's generator); :func:`machine`; SOURCE_DATE_EPOCH (the PDF's dates).
    A PDF whose key is in the cache is copied from there, not rendered.
the search index
    the searchable pages' text, so whatever the pages depend on, and checkframe's
    code that tokenizes it: the build's inputs.  It is made anew with the pages
    whenever the fingerprint changes, so the fingerprint is its key.

Import order: :mod:`~checkframe.publish.project` < this module < ``site``, ``pdfs`` < ``build``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import tomllib
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import attrs

import checkframe
from checkframe.plugins import PluginInfo, Plugins, call_each
from checkframe.publish import fonts
from checkframe.publish.printing import _source_date
from checkframe.publish.printing import _version as _checkframe_version
from checkframe.publish.project import CACHE, CONFIG_NAME, OUTPUT, Project
from checkframe.registers import KINDS, Register, SiteRegister

__all__ = [
    "PDF_CACHE_FORMAT",
    "PRINTED_CONFIG",
    "SITE_ONLY",
    "digest_sources",
    "digest_tree",
    "fingerprint",
    "machine",
    "package_digest",
    "pdf_inputs",
    "pdf_key",
    "watched_folders",
]

#: The checkframe package folder: every output depends on what is in it.
PACKAGE = Path(checkframe.__file__).parent

#: Folders of the package that only the site reads (relative to :data:`PACKAGE`): they are not in a PDF's key.
SITE_ONLY = ("templates/site", "templates/plugin", "static", "guide")

#: The fields of ``[handbook]`` that a print template shows (the author, the language, the QR codes' address);
#: the title, the sectors and checklists listed and the author guide are not printed.
PRINTED_CONFIG = ("department", "language", "base_url")

#: Raised when what a cached PDF is keyed by changes shape, so that no old PDF is taken for a new one.
PDF_CACHE_FORMAT = 2


def digest_tree(root: Path, digest: Any, *, skip: Iterable[str] = (), hidden: bool = False) -> None:
    """Feed ``digest`` with every regular file's path, size and bytes below ``root``, in a stable order.

    Symlinks are followed, to folders as to files; a folder reached again (a
    symlink loop, or two links to one folder) is read once.  Pipes, sockets and
    broken links are left out, so are ``__pycache__`` folders, ``skip`` (folder
    paths relative to ``root``, such as ``_build`` or ``templates/site``) and,
    unless ``hidden``, folders whose name starts with a dot.
    :raises OSError: when a file or folder cannot be read.
    """
    skipped = {Path(s).as_posix() for s in skip}
    seen = {os.path.realpath(root / s) for s in skipped}  # a link into a skipped folder is left out too

    def fail(error: OSError) -> None:
        raise error

    for folder, dirs, names in os.walk(root, onerror=fail, followlinks=True):
        here = Path(folder)
        real = os.path.realpath(here)
        if real in seen:  # a loop or a second link: its files are in already
            dirs[:] = []
            continue
        seen.add(real)
        rel = here.relative_to(root).as_posix()
        prefix = "" if rel == "." else f"{rel}/"
        dirs[:] = sorted(
            d for d in dirs
            if d != "__pycache__" and f"{prefix}{d}" not in skipped and (hidden or not d.startswith("."))
        )
        for name in sorted(names):
            path = here / name
            if path.is_file():  # a regular file, through symlinks; not a socket or a pipe, which would block
                data = path.read_bytes()
                digest.update(f"{rel}/{name} {len(data)}\n".encode())
                digest.update(data)


@cache
def package_digest(skip: tuple[str, ...] = ()) -> str:
    """A digest of checkframe's own files by content (code, templates, static files, author guide), once per process.

    ``skip`` leaves folders of the package out, as :func:`digest_tree` does:
    ``package_digest(SITE_ONLY)`` is what the PDFs depend on.
    :raises OSError: when a file cannot be read.
    """
    digest = hashlib.sha256()
    digest_tree(PACKAGE, digest, skip=skip)
    return digest.hexdigest()


def machine() -> dict[str, Any]:
    """What a PDF's look depends on outside the project and checkframe: the CJK fonts and WeasyPrint."""
    return {"weasyprint": distribution_version("weasyprint"), "fonts": fonts.font_stamps()}


def _content_registers(plugins: Plugins) -> Iterator[tuple[PluginInfo, Register | None]]:
    """Each plugin's content hook called with a register that reads nothing: the plugin and what it registered
    (None when its hook raised; the real build reports that)."""

    def arguments(info: PluginInfo) -> dict[str, Any]:
        return {"register": Register(info.name, distribution=info.distribution)}

    for info, kwargs, failure in call_each(plugins, "checkframe_register_content", arguments):
        yield info, (kwargs["register"] if failure is None else None)


def digest_sources(plugins: Plugins, digest: Any) -> bool:
    """Feed ``digest`` with every content file's name and bytes and every object the plugins register.

    The content hooks are called with a register that reads nothing, so this
    costs a hash of the files, not a parse: it tells a build whether the
    catalog can have changed.  Returns False when that cannot be told (a
    plugin failed to load or its hook raised); the caller then builds.
    """
    if plugins.problems:
        return False
    for info, register in _content_registers(plugins):
        if register is None:
            return False  # the real build reports it, with the plugin's name
        digest.update(f"plugin {info.name}\n".encode())
        for part in register.parts:
            if isinstance(part, Path):
                digest.update(f"dir {part}\n".encode())
                try:
                    digest_tree(part, digest, hidden=True)
                except OSError:  # unreadable: the real build reports it
                    return False
                continue
            for name in KINDS:
                for entry in getattr(part, name):
                    digest.update(f"{name} {entry.obj!r}\n".encode())
    return True


def watched_folders(project_root: Path, plugins: Plugins, registers: Iterable[SiteRegister]) -> list[Path]:
    """The folders a build reads files from, for ``checkframe serve --watch``: the project, each plugin's
    content folders and template folders, and the folders of the export compared with and of the units.

    Objects a plugin registers from Python are not files: a change to them needs a restart.
    """
    folders = [project_root]
    if not plugins.problems:
        for _, content in _content_registers(plugins):
            if content is not None:
                folders.extend(part for part in content.parts if isinstance(part, Path))
    for site in registers:
        folders.extend(site.template_dirs)
    since = _changes_since(project_root)
    if since is not None:
        folders.append(since.parent)
    units = _units_folder(project_root)
    if units is not None:
        folders.append(units)
    found: list[Path] = []
    for folder in folders:
        folder = folder.resolve()
        if folder.is_dir() and not any(folder.is_relative_to(f) for f in found):
            found = [f for f in found if not f.is_relative_to(folder)] + [folder]
    return found


def distribution_version(distribution: str) -> str:
    """The installed version of ``distribution``; empty when it is not installed."""
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


def _units_folder(project_root: Path) -> Path | None:
    """The ``units/`` folder of the ledger that ``handbook.units`` names, read leniently like ``_changes_since``."""
    try:
        config = tomllib.loads((project_root / CONFIG_NAME).read_text(encoding="utf-8"))
        folder = config["handbook"]["units"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return None
    return project_root / folder / "units" if isinstance(folder, str) and folder else None


def _site_pages(registers: Iterable[SiteRegister], digest: Any) -> None:
    """Feed ``digest`` with what each plugin's site hook registered: its pages' text and its template folders.

    :raises OSError: when a template cannot be read.
    """
    for register in registers:
        digest.update(f"site {register.plugin}\n".encode())
        for page in register.pages:
            text = f"{page.slug}\0{page.title}\0{page.origin}\0{page.markdown}".encode()
            digest.update(f"page {len(text)}\n".encode())
            digest.update(text)
        for folder in register.template_dirs:
            digest.update(f"templates {folder}\n".encode())
            digest_tree(folder, digest)


def fingerprint(project_root: Path, plugins: Plugins, registers: Iterable[SiteRegister]) -> str | None:
    """A digest of everything the output depends on, taken before any content is parsed.

    ``registers`` are what the plugins' site hooks registered (see
    :func:`checkframe.publish.site.gather_site`).  The digest covers every
    input the module's docstring lists: the content files and objects of every
    plugin (:func:`digest_sources`), the plugins and their versions, their
    site pages and templates, the whole handbook project but its output and
    cache (through symlinks), checkframe's own files (:func:`package_digest`),
    the fonts and WeasyPrint (:func:`machine`) and SOURCE_DATE_EPOCH, so
    everything any PDF's key reads as well.
    ``None`` when it cannot be taken; the build then goes ahead.
    """
    digest = hashlib.sha256()
    digest.update(f"{checkframe.__version__}\n".encode())
    digest.update(repr(sorted((i.name, i.distribution, i.version) for i in plugins.infos.values())).encode())
    digest.update(_json({**machine(), "date": os.environ.get("SOURCE_DATE_EPOCH", "").strip()}).encode())
    if not digest_sources(plugins, digest):
        return None
    try:
        digest.update(f"checkframe {package_digest()}\n".encode())
        _site_pages(registers, digest)
        digest.update(b"project\n")
        digest_tree(project_root, digest, skip=[OUTPUT, CACHE])
        since = _changes_since(project_root)
        if since is not None and since.is_file():  # the export compared with may live outside the project
            digest.update(since.read_bytes())
        units = _units_folder(project_root)
        if units is not None and units.is_dir():  # the ledger whose units the fill-in mode offers, outside too
            digest.update(b"units\n")
            digest_tree(units, digest)
    except OSError:  # unreadable: the build goes ahead and reports what it cannot read
        return None
    return digest.hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def pdf_inputs(project: Project) -> dict[str, Any]:
    """What every PDF of ``project`` depends on besides its own checklist or form (see :func:`pdf_key`).

    Only what a print template reads of the project is in: :data:`PRINTED_CONFIG`
    and ``[print]``; so a new handbook title prints nothing again.
    :raises PrintError: for a SOURCE_DATE_EPOCH that is not a number.
    """
    return {
        "format": PDF_CACHE_FORMAT,
        "checkframe": _checkframe_version(),  # the PDF's generator
        "code": package_digest(SITE_ONLY),  # the code that prints, the print templates and stylesheet
        **machine(),
        "config": {name: getattr(project.config, name) for name in PRINTED_CONFIG},
        "print": attrs.asdict(project.print),
        "date": _source_date(),
    }


def pdf_key(kind: str, target: str, inputs: Any, common: dict[str, Any]) -> str:
    """The cache key of one PDF: ``kind`` ("checklist" or "form"), ``target`` (its id or name),
    ``inputs`` (what of the catalog it prints, as JSON-able data) and ``common`` (:func:`pdf_inputs`).
    """
    text = _json({**common, "kind": kind, "target": target, "inputs": inputs})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
