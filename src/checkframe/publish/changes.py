"""The handbook's 内容变化 page: what changed since an earlier export, as inspectors read it.

:func:`changes_context` lists only the handbook's sectors and links only to
pages that exist; every changed field is shown by its Chinese name, with
documents by title and remediation categories by name.
"""

from __future__ import annotations

from typing import Any

import attrs

from checkframe.catalog import Catalog
from checkframe.catalog.diff import CatalogDiff
from checkframe.model import FIELD_LABELS, Checkpoint, scope_label
from checkframe.publish.markdown import join_wide_lines

__all__ = ["FieldChange", "changes_context"]

@attrs.frozen
class FieldChange:
    """One changed field as the changes page shows it: its Chinese name, the old and new text."""

    label: str
    old: str
    new: str
    #: Long or Markdown text, shown as two blocks rather than on one line.
    long: bool


def _shown(field: str, value: Any, old: Catalog, new: Catalog, sector: str = "") -> str:
    """A field's value as inspectors read it; ``sector``: the id of the sector of the entry (its scope tags' names)."""
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

    def item_title(item: str) -> str:
        """A checklist item by its title: a whole group (类别) or one checkpoint."""
        kind = "group" if "/" in item else "checkpoint"
        for catalog in (new, old):
            if catalog.has(kind, item):
                found = catalog.group(item) if kind == "group" else catalog.checkpoint(item)
                return f"{found.title}（整类）" if kind == "group" else found.title
        return item

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
        elif field == "items":
            parts = [item_title(item) for item in value]
        elif field == "scope":
            named = next((c.sector(sector) for c in (new, old) if sector and c.has("sector", sector)), None)
            parts = [scope_label(tag, named) for tag in value]
        else:
            parts = [getattr(v, "label", str(v)) for v in value]
        return "；".join(parts) if field in ("basis", "items") else "、".join(parts)
    return join_wide_lines(str(value))


def _field_changes(change: Any, old: Catalog, new: Catalog) -> list[FieldChange]:
    out = []
    for field in change.fields:
        sector = getattr(change.new, "sector", "")
        sector = sector if isinstance(sector, str) else ""
        before = _shown(field, getattr(change.old, field), old, new, sector)
        after = _shown(field, getattr(change.new, field), old, new, sector)
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
