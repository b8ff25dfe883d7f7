"""What changed between two catalogs: ``checkframe diff OLD.json NEW.json`` and the handbook's changes page.

Entries are matched by id (groups by ``sector/group``, remediation categories
by code).  An entry in both whose fields differ is *changed*, field by field
(old → new); a checklist also tells which checkpoints joined it, which left
it, and whether the ones it kept changed order.
"""

from __future__ import annotations

import difflib
import json
import textwrap
from typing import Any

import attrs
from attrs import frozen

from checkframe.catalog.catalog import Catalog
from checkframe.catalog.convert import make_converter
from checkframe.model import FIELD_LABELS

__all__ = ["CatalogDiff", "KindDiff", "diff_catalogs", "render_json", "render_text"]

_PLAIN = make_converter(authoring=False)

#: What is compared, in the order reports list it: (catalog attribute, key, Chinese noun, fields left out).
KINDS: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    ("sectors", "id", "行业领域", frozenset()),
    ("groups", "key", "类别", frozenset()),
    ("checkpoints", "id", "检查项", frozenset()),
    ("checklists", "id", "检查表", frozenset({"checkpoints"})),
    ("documents", "id", "依据文件", frozenset()),
    ("categories", "code", "整改类别", frozenset()),
)


@frozen
class Change:
    """One entry present in both catalogs whose fields differ."""

    key: str
    #: The entry as it is now (for a title and a link).
    new: Any
    old: Any
    #: Field name → (old value, new value), as plain JSON values, in field order.
    fields: dict[str, tuple[Any, Any]]
    #: For a checklist: checkpoints that joined it and that left it, and whether the kept ones changed order.
    joined: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    reordered: bool = False


@frozen
class KindDiff:
    kind: str
    noun: str
    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()
    changed: tuple[Change, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@frozen
class CatalogDiff:
    kinds: tuple[KindDiff, ...]

    def __bool__(self) -> bool:
        return any(self.kinds)

    def of(self, kind: str) -> KindDiff:
        return next(k for k in self.kinds if k.kind == kind)


def _key(obj: Any, key: str) -> str:
    return getattr(obj, key)


def _changed(old: Any, new: Any, skip: frozenset[str]) -> dict[str, tuple[Any, Any]]:
    fields = {}
    for attribute in attrs.fields(type(new)):
        if attribute.name in skip:
            continue
        before, after = getattr(old, attribute.name), getattr(new, attribute.name)
        if before != after:
            fields[attribute.name] = (_PLAIN.unstructure(before), _PLAIN.unstructure(after))
    return fields


def _membership(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    joined = tuple(c for c in new if c not in set(old))
    left = tuple(c for c in old if c not in set(new))
    kept_old = [c for c in old if c in set(new)]
    kept_new = [c for c in new if c in set(old)]
    return joined, left, kept_old != kept_new


def diff_catalogs(old: Catalog, new: Catalog) -> CatalogDiff:
    """Every entry added, removed and changed from ``old`` to ``new``, in the new catalog's order."""
    kinds = []
    for attribute, key, noun, skip in KINDS:
        before = {_key(o, key): o for o in getattr(old, attribute)}
        after = {_key(o, key): o for o in getattr(new, attribute)}
        added = tuple(o for k, o in after.items() if k not in before)
        removed = tuple(o for k, o in before.items() if k not in after)
        changed = []
        for k, now in after.items():
            if k not in before or before[k] == now:
                continue
            was = before[k]
            fields = _changed(was, now, skip)
            joined: tuple[str, ...] = ()
            left: tuple[str, ...] = ()
            reordered = False
            if attribute == "checklists":
                joined, left, reordered = _membership(was.checkpoints, now.checkpoints)
            if fields or joined or left or reordered:
                changed.append(Change(k, now, was, fields, joined, left, reordered))
        kinds.append(KindDiff(attribute, noun, added, removed, tuple(changed)))
    return CatalogDiff(tuple(kinds))


# -- Reports -----------------------------------------------------------------------------


def _name(obj: Any) -> str:
    return str(getattr(obj, "title", None) or getattr(obj, "name", ""))


def _label(field: str) -> str:
    return f"{FIELD_LABELS[field]}（{field}）" if field in FIELD_LABELS else field


def _brief(value: Any) -> str:
    """A field's value on one line, for a terminal."""
    if isinstance(value, list):
        return "[" + ", ".join(_brief(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_brief(v)}" for k, v in value.items() if v not in ("", True, [], None)) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if value == "" or "\n" in value or value != value.strip() else value
    return str(value)


#: Text longer than this, or of several lines, is shown as the lines that changed, one per line.
LONG_TEXT = 40


def _field_lines(field: str, before: Any, after: Any) -> list[str]:
    texts = isinstance(before, str) and isinstance(after, str)
    if texts and ("\n" in before or "\n" in after or max(len(before), len(after)) > LONG_TEXT):
        lines = [f"      {_label(field)}:"]
        for line in difflib.ndiff(before.splitlines(), after.splitlines()):
            if line[:2] in ("- ", "+ "):
                lines.append(f"        {line.rstrip()}")
        return lines
    if isinstance(before, list) and isinstance(after, list) and (
        any(isinstance(v, dict) for v in [*before, *after]) or max(len(before), len(after)) > 4
    ):
        lines = [f"      {_label(field)}:"]
        for line in difflib.ndiff([_brief(v) for v in before], [_brief(v) for v in after]):
            if line[:2] in ("- ", "+ "):
                lines.append(f"        {line}")
        return lines
    return [f"      {_label(field)}: {_brief(before)} → {_brief(after)}"]


def render_text(diff: CatalogDiff, old_name: str = "OLD", new_name: str = "NEW") -> str:
    """A report for a terminal: one section per kind, a line per entry, a line per changed field."""
    lines = [f"--- {old_name}", f"+++ {new_name}"]
    if not diff:
        lines.append("没有差异 (no differences)")
        return "\n".join(lines) + "\n"
    for kind in diff.kinds:
        if not kind:
            continue
        lines.append("")
        lines.append(f"{kind.noun} {kind.kind}: 新增 {len(kind.added)} · 删除 {len(kind.removed)} · "
                     f"修改 {len(kind.changed)}")
        key = next(k for a, k, _, _ in KINDS if a == kind.kind)
        rows = [("+", _key(o, key), _name(o)) for o in kind.added]
        rows += [("-", _key(o, key), _name(o)) for o in kind.removed]
        width = max((len(r[1]) for r in [*rows, *(("", c.key, "") for c in kind.changed)]), default=0)
        for mark, ident, name in rows:
            lines.append(f"  {mark} {ident.ljust(width)}  {name}".rstrip())
        for change in kind.changed:
            lines.append(f"  ~ {change.key.ljust(width)}  {_name(change.new)}".rstrip())
            for field, (before, after) in change.fields.items():
                lines.extend(_field_lines(field, before, after))
            for label, ids in (("加入检查项", change.joined), ("移出检查项", change.left)):
                if ids:
                    lines.extend(textwrap.wrap(f"{label}（{len(ids)}）: {', '.join(ids)}", 110,
                                               initial_indent=" " * 6, subsequent_indent=" " * 8,
                                               break_on_hyphens=False))
            if change.reordered:
                lines.append("      检查项顺序调整 (reordered)")
    total = sum(len(k.added) + len(k.removed) + len(k.changed) for k in diff.kinds)
    lines.append("")
    lines.append(f"共 {total} 处差异 ({total} differences)")
    return "\n".join(lines) + "\n"


def to_data(diff: CatalogDiff) -> dict[str, Any]:
    """The diff as plain JSON values, every kind present, for machines."""
    data: dict[str, Any] = {"format": 1}
    for attribute, key, _, _ in KINDS:
        kind = diff.of(attribute)
        changed = []
        for change in kind.changed:
            entry: dict[str, Any] = {
                key: change.key,
                "fields": {f: {"old": a, "new": b} for f, (a, b) in change.fields.items()},
            }
            if attribute == "checklists":
                entry["checkpoints"] = {"added": list(change.joined), "removed": list(change.left),
                                        "reordered": change.reordered}
            changed.append(entry)
        data[attribute] = {
            "added": [_PLAIN.unstructure(o) for o in kind.added],
            "removed": [_PLAIN.unstructure(o) for o in kind.removed],
            "changed": changed,
        }
    return data


def render_json(diff: CatalogDiff) -> str:
    return json.dumps(to_data(diff), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
