"""Helpers for testing a sector plugin with pytest.

Plugin authors opt in by importing them in their own tests::

    from checkframe.testing import build_handbook, plugin_catalog, print_checklist

    def test_content_validates():
        catalog = plugin_catalog("gas", "general")
        assert catalog.sector("gas").name == "燃气"

    def test_handbook_shows_the_sector(tmp_path):
        handbook = build_handbook(tmp_path, "gas", "general")
        assert "燃气" in handbook.page("sector/gas.html")

    def test_checklist_prints(tmp_path):
        assert print_checklist(tmp_path, "gas-self", "gas", "general").stat().st_size > 0

Every helper loads the built-in plugins and only the installed plugins it is
named (as ``CHECKFRAME_LOAD_PLUGINS`` would), with the checkframe plugins they
depend on (their distributions' dependencies, which pip installed with them),
so a test sees the plugin as a user who installed it alone would, whatever
else is installed.  ``content_dirs`` adds content folders that are
not installed, as plugins of the given names: a test can check a copy, or a
plugin's source tree before it is installed.
"""

from __future__ import annotations

import importlib.metadata
import textwrap
import types
from collections.abc import Mapping
from pathlib import Path

import attrs
import tomli_w

from checkframe.catalog import Catalog, build_catalog
from checkframe.errors import ContentError, in_reading_order
from checkframe.hookspecs import hookimpl
from checkframe.model import HazardLevel
from checkframe.plugins import ENTRY_POINT_GROUP, ENV_ALLOWLIST, Plugins, load_plugins
from checkframe.util import fs

__all__ = [
    "Handbook",
    "assert_ids_stable",
    "assert_major_hazards_cite_articles",
    "build_handbook",
    "load_plugin",
    "plugin_catalog",
    "plugin_problems",
    "print_checklist",
]

ContentDirs = Mapping[str, "Path | str"]


def _content_plugin(name: str, root: Path) -> types.ModuleType:
    module = types.ModuleType(name)

    @hookimpl
    def checkframe_register_content(register):
        register.content_dir(root)

    module.checkframe_register_content = checkframe_register_content  # type: ignore[attr-defined]
    return module


def load_plugin(*names: str, content_dirs: ContentDirs | None = None) -> Plugins:
    """The built-in plugins, only the named installed plugins and those they depend on, and ``content_dirs``
    as plugins.

    Fails the test when a named plugin is not installed or cannot be loaded.
    """
    extra = {name: _content_plugin(name, Path(root)) for name, root in (content_dirs or {}).items()}
    plugins = load_plugins(environ={ENV_ALLOWLIST: ",".join(_with_dependencies(names))}, extra=extra)
    missing = set(names) - set(plugins.infos)
    if plugins.problems or missing:
        lines = [str(p) for p in plugins.problems]
        if missing:
            installed = sorted({ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)})
            lines.append(
                f"plugins not installed: {', '.join(sorted(missing))}; the installed checkframe plugins are "
                f"{', '.join(installed) or 'none'}. Install the plugin into this environment "
                "(pip install -e '.[test]' in its folder), and check that its entry point in "
                "[project.entry-points.checkframe] is named after its sector id"
            )
        raise AssertionError("the plugins could not be loaded:\n" + "\n".join(lines))
    return plugins


def _with_dependencies(names: tuple[str, ...]) -> list[str]:
    """``names`` and, after them, the installed checkframe plugins their distributions require, transitively
    (``Requires-Dist`` without an extra's marker: ``checkframe-general``, not ``pytest; extra == "test"``)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    by_distribution: dict[str, list[str]] = {}
    distribution_of: dict[str, importlib.metadata.Distribution] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        if dist is not None:
            by_distribution.setdefault(canonicalize_name(dist.metadata["Name"]), []).append(ep.name)
            distribution_of.setdefault(ep.name, dist)
    found = list(dict.fromkeys(names))
    for name in found:  # grows while it is walked: the dependencies' dependencies too
        dist = distribution_of.get(name)
        for line in (dist.requires or []) if dist is not None else []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            found.extend(n for n in by_distribution.get(canonicalize_name(requirement.name), []) if n not in found)
    return found


def plugin_problems(*names: str, content_dirs: ContentDirs | None = None) -> list[str]:
    """The problems that ``checkframe validate`` reports for these plugins alone, one string each.

    Empty when the content is valid; use it to assert on a message::

        assert plugin_problems("gas") == []
    """
    plugins = load_plugin(*names, content_dirs=content_dirs)
    try:
        build_catalog(plugins)
    except ContentError as exc:
        return [str(p) for p in in_reading_order(exc.problems)]
    return []


def plugin_catalog(*names: str, content_dirs: ContentDirs | None = None) -> Catalog:
    """Build the catalog from the built-in plugins and only the named plugins.

    Fails the test with every problem, one per line, when the content is invalid.
    """
    plugins = load_plugin(*names, content_dirs=content_dirs)
    try:
        return build_catalog(plugins)
    except ContentError as exc:
        lines = "\n".join(str(p) for p in in_reading_order(exc.problems))
        named = ", ".join([*names, *(content_dirs or {})])
        raise AssertionError(f"the content of {named} is invalid:\n{lines}") from None


@attrs.frozen
class Handbook:
    """A handbook built by :func:`build_handbook`: paths a test can assert on.

    ``root`` is the project folder, ``output`` the built site and ``pages`` the
    number of HTML pages.  ``page("sector/gas.html")`` is a page's HTML;
    ``checkpoint_page(id)``, ``checklist_pdf(id)`` and ``path(relative)`` are
    paths of the site.  Each fails the test when the file was not written.
    """

    #: The project folder, holding ``checkframe.toml``.
    root: Path
    #: The built site, ``root / "_build"``.
    output: Path
    #: The number of HTML pages written.
    pages: int

    def path(self, relative: str) -> Path:
        """A file of the site; fails the test when it was not written."""
        path = self.output / relative
        if not path.is_file():
            raise AssertionError(f"the handbook has no {relative}")
        return path

    def page(self, relative: str) -> str:
        """The HTML of a page, such as ``sector/gas.html`` or ``checkpoint/gas-01.html``."""
        return self.path(relative).read_text(encoding="utf-8")

    def checkpoint_page(self, checkpoint_id: str) -> Path:
        """The page of a checkpoint, ``checkpoint/<id>.html``; AssertionError when the handbook has none."""
        return self.path(f"checkpoint/{checkpoint_id}.html")

    def checklist_pdf(self, checklist_id: str) -> Path:
        """The printed checklist, ``pdf/<id>.pdf``; AssertionError when the handbook has none."""
        return self.path(f"pdf/{checklist_id}.pdf")


def build_handbook(
    folder: Path | str,
    *names: str,
    content_dirs: ContentDirs | None = None,
    sectors: list[str] | None = None,
    checklists: list[str] | None = None,
    pages: Mapping[str, str] | None = None,
    author_guide: bool = False,
) -> Handbook:
    """Build a small handbook of the named plugins in ``folder``, PDFs and search index included.

    :param sectors: the sectors it shows; by default those of the named plugins and ``content_dirs``.
    :param checklists: the checklists it shows and prints; by default those of the sectors shown.
    :param pages: extra Markdown pages of the project, file name → text.
    :param author_guide: include the plugin author guide (off by default: it is the same in every handbook).
    Fails the test with every problem, one per line, when the build fails.
    """
    from checkframe.publish.build import build

    root = Path(folder)
    plugins = load_plugin(*names, content_dirs=content_dirs)
    contributed = set(plugins.infos) - {name for name, info in plugins.infos.items() if info.builtin}
    try:
        catalog = build_catalog(plugins)
    except ContentError as exc:
        lines = "\n".join(str(p) for p in in_reading_order(exc.problems))
        raise AssertionError(f"the content is invalid:\n{lines}") from None
    if sectors is None:
        sectors = [s.id for s in catalog.sectors if s.plugin in contributed]
    handbook: dict[str, object] = {
        "title": "测试检查手册", "department": "测试区应急管理局", "sectors": sectors, "author_guide": author_guide,
    }
    if checklists is not None:
        handbook["checklists"] = checklists
    root.mkdir(parents=True, exist_ok=True)
    (root / "checkframe.toml").write_text(tomli_w.dumps({"handbook": handbook}), encoding="utf-8")
    for name, text in (pages or {}).items():
        (root / "pages").mkdir(exist_ok=True)
        (root / "pages" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    try:
        result = build(root, plugins=plugins, force=True, jobs=1)
    except ContentError as exc:
        lines = "\n".join(str(p) for p in in_reading_order(exc.problems))
        raise AssertionError(f"the handbook did not build:\n{lines}") from None
    return Handbook(root, result.output, result.pages)


def print_checklist(
    folder: Path | str,
    checklist_id: str,
    *names: str,
    content_dirs: ContentDirs | None = None,
    legal_basis: bool = False,
) -> Path:
    """Print a checklist of the named plugins to ``folder/<checklist_id>.pdf``, as ``checkframe print`` does.

    Fails the test when the checklist is unknown, empty or cannot be printed.
    """
    from checkframe.publish import printing
    from checkframe.publish.project import HandbookConfig, PrintConfig, Project

    catalog = plugin_catalog(*names, content_dirs=content_dirs)
    if not catalog.has("checklist", checklist_id):
        known = ", ".join(c.id for c in catalog.checklists) or "none"
        raise AssertionError(f"unknown checklist {checklist_id!r}; known: {known}")
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    project = Project(root, HandbookConfig(title="测试检查手册", department="测试区应急管理局"), PrintConfig(legal_basis))
    try:
        pdf = printing.render_checklist(catalog, project, checklist_id)
    except printing.PrintError as exc:
        raise AssertionError(f"checklist {checklist_id!r} cannot be printed: {exc}") from None
    path = root / f"{checklist_id}.pdf"
    fs.write_atomic(path, pdf)
    return path


def sector_ids(catalog: Catalog, sector: str) -> list[str]:
    """The ids a sector publishes: its checkpoints and checklists, in catalog order."""
    return [c.id for c in catalog.sector_checkpoints(sector)] + [
        c.id for c in catalog.sector_checklists(sector)
    ]


def assert_ids_stable(catalog: Catalog, sector: str, snapshot: Path | str) -> None:
    """Fail when a checkpoint or checklist id appeared or disappeared.

    Inspectors, records and printed forms refer to ids: changing one is a
    deliberate act, made by editing ``snapshot`` (one id per line) in the same
    change.
    """
    path = Path(snapshot)
    recorded = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    current = sector_ids(catalog, sector)
    added = sorted(set(current) - set(recorded))
    removed = sorted(set(recorded) - set(current))
    if added or removed:
        raise AssertionError(
            f"ids of sector {sector!r} changed; if that is deliberate, update {path.name}:\n"
            + (f"  added:   {', '.join(added)}\n" if added else "")
            + (f"  removed: {', '.join(removed)}\n" if removed else "")
        )


def assert_major_hazards_cite_articles(catalog: Catalog, sector: str) -> None:
    """Fail for every major-hazard checkpoint that does not cite an article."""
    bad = [
        c.id
        for c in catalog.sector_checkpoints(sector)
        if c.level is HazardLevel.MAJOR and not any(b.article for b in c.basis)
    ]
    if bad:
        raise AssertionError(f"major-hazard checkpoints without a cited article: {', '.join(bad)}")
