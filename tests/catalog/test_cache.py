"""The content cache: a file read before is not parsed again, and the catalog and its problems are the same."""

from __future__ import annotations

import os
import pickle

import pytest

import checkframe.catalog.content as content_module
from checkframe.catalog import build_catalog
from checkframe.catalog.cache import FORMAT, PICKLES
from checkframe.errors import ContentError
from doubles import load_only


def _build(plugin, cache):
    return build_catalog(load_only(demo=plugin), cache=cache)


def _problems(plugin, cache):
    with pytest.raises(ContentError) as info:
        _build(plugin, cache)
    return [str(p) for p in info.value.problems]


@pytest.fixture
def parses(monkeypatch):
    """The content files parsed, by name, as the loader asks the TOML reader."""
    parsed: list[str] = []
    real = content_module.loads_toml

    def counting(text):
        data = real(text)
        parsed.append(data.get("group", {}).get("id") or next(iter(data), ""))
        return data

    monkeypatch.setattr(content_module, "loads_toml", counting)
    return parsed


def test_a_second_build_parses_nothing_and_is_the_same_catalog(content, tmp_path, parses):
    cache = tmp_path / "cache"
    first = _build(content.plugin(), cache)
    assert parses  # every file read, and kept
    parses.clear()
    second = _build(content.plugin(), cache)
    assert second == first
    # The format check reads sector.toml's top line on its own; no file is structured again.
    assert "gas" not in parses and "checklist" not in parses
    assert second == build_catalog(load_only(demo=content.plugin()))  # and the same without a cache


def test_an_edited_file_alone_is_parsed_again(content, tmp_path, parses):
    cache = tmp_path / "cache"
    content.write("checkpoints/02-dust.toml", (content.root / "checkpoints/01-gas.toml").read_text(encoding="utf-8")
                  .replace('id = "gas"', 'id = "dust"').replace("demo-gas-", "demo-dust-"))
    _build(content.plugin(), cache)
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', 'title = "瓦斯浓度检查"')
    parses.clear()
    catalog = _build(content.plugin(), cache)
    assert "gas" in parses and "dust" not in parses
    assert catalog.checkpoint("demo-gas-01").title == "瓦斯浓度检查"
    assert catalog.checkpoint("demo-dust-01").title == "瓦斯检查"


def test_problems_are_the_same_with_a_cache_and_placed_in_files_read_from_it(content, tmp_path):
    cache = tmp_path / "cache"
    content.write("checkpoints/02-dust.toml", (content.root / "checkpoints/01-gas.toml").read_text(encoding="utf-8")
                  .replace('id = "gas"', 'id = "dust"').replace("demo-gas-", "demo-dust-"))
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"\n', 'title = "瓦斯检查"\nnote = "另见[[demo-dust-01]]。"\n')
    _build(content.plugin(), cache)
    # The checkpoint referenced goes: the problem is in 01-gas.toml, read from the cache (not parsed in this
    # run), and is placed there with its line and entry as without a cache.
    content.edit("checkpoints/02-dust.toml", 'id = "demo-dust-01"', 'id = "demo-dust-09"')
    with_cache = _problems(content.plugin(), cache)
    assert with_cache == _problems(content.plugin(), None)
    assert [line for line in with_cache if line.startswith("demo: checkpoints/01-gas.toml:")] == [
        "demo: checkpoints/01-gas.toml:9: [[checkpoint]] demo-gas-01, note: [[demo-dust-01]] refers to an unknown "
        "checkpoint 'demo-dust-01'; did you mean 'demo-dust-09'?"], with_cache


def test_a_file_with_a_problem_is_not_kept(content, tmp_path, parses):
    cache = tmp_path / "cache"
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', "title = 3")
    first = _problems(content.plugin(), cache)
    parses.clear()
    assert _problems(content.plugin(), cache) == first
    assert "gas" in parses  # read again, and reported again


@pytest.mark.parametrize("written", [
    b"not a pickle",
    pickle.dumps({"format": FORMAT, "version": "another checkframe", "files": {}}),
    pickle.dumps(os.system),  # a cache file that would run code is refused, not run
    pickle.dumps({"format": FORMAT, "version": PICKLES.version(), "files": {"checkpoints/01-gas.toml": ("x", 3)}}),
])
def test_a_corrupt_foreign_or_hostile_cache_file_is_read_past_and_written_anew(content, tmp_path, written):
    cache = tmp_path / "cache"
    expected = _build(content.plugin(), cache)
    kept = sorted(cache.iterdir())
    assert kept
    for path in kept:
        path.write_bytes(written)
    assert _build(content.plugin(), cache) == expected
    assert all(PICKLES.loads(path.read_bytes())["format"] == FORMAT for path in kept)


def test_a_cache_that_cannot_be_written_changes_nothing(content, tmp_path, caplog):
    cache = tmp_path / "cache"
    cache.write_text("a file where the cache folder would be")
    assert _build(content.plugin(), cache) == build_catalog(load_only(demo=content.plugin()))
    assert "could not keep the parsed content" in caplog.text


def test_a_checkpoint_keeps_its_fingerprint_while_its_value_does(content, tmp_path):
    cache = tmp_path / "cache"
    first = _build(content.plugin(), cache)
    prints = {c.id: first.fingerprint(c) for c in first.checkpoints}
    assert all(prints.values()) and len(set(prints.values())) == len(prints)
    again = _build(content.plugin(), cache)
    assert {c.id: again.fingerprint(c) for c in again.checkpoints} == prints
    # One checkpoint of a file edited: its fingerprint changes, its neighbour's in the same file does not.
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', 'title = "瓦斯浓度检查"')
    edited = _build(content.plugin(), cache)
    assert edited.fingerprint(edited.checkpoint("demo-gas-01")) != prints["demo-gas-01"]
    assert edited.fingerprint(edited.checkpoint("demo-gas-02")) == prints["demo-gas-02"]
    # Read again from the cache, the edited one keeps its new fingerprint.
    assert _build(content.plugin(), cache).fingerprint(edited.checkpoint("demo-gas-01")) is None  # not its object
    later = _build(content.plugin(), cache)
    assert later.fingerprint(later.checkpoint("demo-gas-01")) == edited.fingerprint(edited.checkpoint("demo-gas-01"))


def test_the_same_checkpoint_in_another_sector_has_another_fingerprint(content, tmp_path):
    cache = tmp_path / "cache"
    first = _build(content.plugin(), cache)
    content.edit("sector.toml", 'id = "demo"', 'id = "other"')
    content.edit("checklists.toml", '"demo/gas"', '"other/gas"')
    moved = _build(content.plugin(), cache)
    assert moved.checkpoint("demo-gas-01").sector == "other"
    assert moved.fingerprint(moved.checkpoint("demo-gas-01")) != first.fingerprint(first.checkpoint("demo-gas-01"))


def test_a_catalog_without_a_content_cache_has_no_fingerprints(content):
    catalog = build_catalog(load_only(demo=content.plugin()))
    assert all(catalog.fingerprint(c) is None for c in catalog.checkpoints)


def test_checkpoints_are_kept_placed_in_their_sector_and_group_and_placed_anew_when_those_change(
        content, tmp_path, monkeypatch):
    """The cache keeps each group file's checkpoints with their sector and group: a later build takes them as they
    are (no ``evolve`` of each), the same catalog and fingerprints; a sector renamed places them anew."""
    from checkframe.model import Checkpoint

    evolved: list[str] = []
    real = content_module.evolve

    def counting(obj, **changes):
        if isinstance(obj, Checkpoint):
            evolved.append(obj.id)
        return real(obj, **changes)

    monkeypatch.setattr(content_module, "evolve", counting)
    cache = tmp_path / "cache"
    first = _build(content.plugin(), cache)
    assert evolved
    evolved.clear()
    second, third = _build(content.plugin(), cache), _build(content.plugin(), cache)
    assert evolved == []
    assert first == second == third == build_catalog(load_only(demo=content.plugin()))
    assert [first.fingerprint(c) for c in first.checkpoints] == [third.fingerprint(c) for c in third.checkpoints]
    content.edit("sector.toml", 'id = "demo"', 'id = "other"')
    content.edit("checklists.toml", '"demo/gas"', '"other/gas"')
    moved = _build(content.plugin(), cache)
    assert evolved and {c.sector for c in moved.checkpoints} == {"other"}
    assert _build(content.plugin(), cache) == moved == build_catalog(load_only(demo=content.plugin()))
