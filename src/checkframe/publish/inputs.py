"""What every output of a build depends on: the build fingerprint, from the files, before anything is parsed.

:func:`fingerprint` digests every input of the handbook (content files and
objects, the project, checkframe's own files, the plugins' templates, the
fonts and WeasyPrint); a rebuild whose fingerprint is the last build's does
nothing.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import checkframe
from checkframe.plugins import PluginInfo, Plugins, call_each
from checkframe.publish import fonts
from checkframe.publish.project import CACHE, CONFIG_NAME, OUTPUT
from checkframe.registers import KINDS, Register

__all__ = ["digest_sources", "digest_tree", "fingerprint"]

#: The checkframe package folder: every output depends on what is in it.
PACKAGE = Path(checkframe.__file__).parent


def digest_tree(root: Path, digest: Any, *, skip: Iterable[str] = (), hidden: bool = False) -> None:
    """Feed ``digest`` with every regular file's path, size and bytes below ``root``, in a stable order.

    ``__pycache__`` folders are left out, and so are ``skip`` (folder names at the
    top) and, unless ``hidden``, folders whose name starts with a dot.
    :raises OSError: when a file cannot be read.
    """
    skipped = {*skip, "__pycache__"}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skipped and (hidden or not d.startswith(".")))
        skipped = {"__pycache__"}  # ``skip`` names folders at the top only
        here = Path(folder)
        rel = here.relative_to(root).as_posix()
        for name in sorted(names):
            path = here / name
            if path.is_file():  # not a socket or a pipe, which would block
                data = path.read_bytes()
                digest.update(f"{rel}/{name} {len(data)}\n".encode())
                digest.update(data)


def digest_sources(plugins: Plugins, digest: Any) -> bool:
    """Feed ``digest`` with every content file's name and bytes and every object the plugins register.

    The content hooks are called with a register that reads nothing, so this
    costs a hash of the files, not a parse: it tells a build whether the
    catalog can have changed.  Returns False when that cannot be told (a
    plugin failed to load or its hook raised); the caller then builds.
    """
    if plugins.problems:
        return False

    def arguments(info: PluginInfo) -> dict[str, Any]:
        return {"register": Register(info.name, [], distribution=info.distribution)}

    for info, kwargs, failure in call_each(plugins, "checkframe_register_content", arguments):
        if failure is not None:
            return False  # the real build reports it, with the plugin's name
        digest.update(f"plugin {info.name}\n".encode())
        for part in kwargs["register"].parts:
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
    digest.update(repr([_version("weasyprint"), *fonts.font_stamps()]).encode())  # the PDFs' look
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
