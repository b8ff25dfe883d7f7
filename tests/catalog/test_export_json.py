"""The export's JSON: the standard library's indented text, written faster."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from checkframe.catalog.export import catalog_to_json, dumps_indented
from doubles import catalog_of

_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_DATA = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner) | st.tuples(inner, inner) | st.dictionaries(st.text(), inner)
    | st.dictionaries(st.integers(), inner, max_size=2),
    max_leaves=30,
)


@given(_DATA)
def test_the_same_text_as_json_dumps(data):
    assert dumps_indented(data) == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


def test_the_export_is_the_text_json_dumps_writes(content):
    catalog = catalog_of(demo=content.plugin())
    text = catalog_to_json(catalog)
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert "瓦斯检查" in text  # not escaped


def test_the_export_from_kept_checkpoint_parts_is_the_same_text(content):
    from checkframe.catalog.export import checkpoint_json

    catalog = catalog_of(demo=content.plugin())
    assert len(catalog.checkpoints) > 1
    parts = {c.id: checkpoint_json(c) for c in catalog.checkpoints}
    asked: list[str] = []

    def kept(checkpoint):
        asked.append(checkpoint.id)
        return parts[checkpoint.id]

    assert catalog_to_json(catalog, kept) == catalog_to_json(catalog)
    assert asked == [c.id for c in catalog.checkpoints]

