"""Helpers for testing a sector plugin with pytest.

Plugin authors opt in by importing them in their own tests::

    from checkframe.testing import assert_ids_stable, plugin_catalog

    def test_content_validates():
        catalog = plugin_catalog("gas", "general")
        assert catalog.sector("gas").name == "燃气"
"""

from __future__ import annotations

from pathlib import Path

from checkframe.catalog import Catalog, build_catalog
from checkframe.content import ContentError
from checkframe.model import HazardLevel
from checkframe.plugins import ENV_ALLOWLIST, load_plugins

__all__ = ["assert_ids_stable", "assert_major_hazards_cite_articles", "plugin_catalog"]


def plugin_catalog(*names: str) -> Catalog:
    """Build the catalog from the built-in plugins and only the named installed plugins.

    Fails the test with every problem, one per line, when the content is invalid.
    """
    plugins = load_plugins(environ={ENV_ALLOWLIST: ",".join(names)})
    missing = set(names) - set(plugins.infos)
    try:
        catalog = build_catalog(plugins)
    except ContentError as exc:
        lines = "\n".join(str(p) for p in exc.problems)
        raise AssertionError(f"the content of {', '.join(names)} is invalid:\n{lines}") from None
    if missing:
        raise AssertionError(f"plugins not installed: {', '.join(sorted(missing))}")
    return catalog


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
