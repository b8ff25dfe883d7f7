"""The records' cache: the same ledger with and without it, only new files parsed, anything odd ignored and rebuilt."""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
from pathlib import Path

import pytest

from checkframe.errors import ContentError
from checkframe.ledger import cache as records_cache
from checkframe.ledger import ledger as ledger_module
from checkframe.ledger.ledger import build_ledger
from checkframe.ledger.rows import ledger_rows
from checkframe.ledger.rules import LedgerRules
from checkframe.registers import LedgerRule
from checkframe.util import fs
from stores import CATALOG, EXAMPLE, FOUND, Store

D = dt.date
AS_OF = D(2024, 3, 31)

RECHECK = """
[[fixed]]
finding = "f-1"
date = 2024-03-10

[[recheck]]
finding = "f-1"
result = "passed"
by = "王五"
"""


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "ledger", jobs=1)
    store.record("a.toml", FOUND)
    store.record("b.toml", RECHECK, date="2024-03-12")
    return store


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The record files parsed from their TOML, in order."""
    seen: list[str] = []
    real = ledger_module.read_record_rows

    def counting(path, rel, problems, broken=None, content=None):
        seen.append(rel)
        return real(path, rel, problems, broken, content)

    monkeypatch.setattr(ledger_module, "read_record_rows", counting)
    return seen


def cache_file(store: Store) -> Path:
    return store.root / records_cache.CACHE_DIR / records_cache.CACHE_FILE


def same(store: Store, as_of: dt.date = AS_OF) -> None:
    """The ledger from the cache is the ledger without it: entries, states, places, rows and problems."""
    cached = build_ledger(store.root, CATALOG, as_of, jobs=1)
    fresh = build_ledger(store.root, CATALOG, as_of, jobs=1, cache=False)
    assert cached == fresh
    assert [e.places for e in cached.all_entries().values()] == [e.places for e in fresh.all_entries().values()]
    assert ledger_rows(cached, CATALOG) == ledger_rows(fresh, CATALOG)
    assert [str(p) for p in cached.problems] == [str(p) for p in fresh.problems]


def test_a_second_run_parses_only_the_new_record(store, parsed):
    first = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert parsed == ["records/a.toml", "records/b.toml"] and cache_file(store).is_file()
    parsed.clear()
    again = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert parsed == [] and again == first
    store.record("c.toml", '[[close]]\nfinding = "f-1"\n', date="2024-03-13")
    assert build_ledger(store.root, CATALOG, AS_OF, jobs=1).entry("f-1").finding.state.value == "closed"
    assert parsed == ["records/c.toml"]
    same(store)


def test_a_changed_record_is_parsed_again(store, parsed):
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    parsed.clear()
    store.record("b.toml", RECHECK.replace('"passed"', '"failed"'), date="2024-03-12")
    ledger = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert parsed == ["records/b.toml"]
    assert ledger.entry("f-1").finding.state.value == "fixing"
    same(store)


def test_the_cache_does_not_hide_problems_that_depend_on_other_files(store):
    """A cached record is checked again: against the catalog, the units and the other records, every run."""
    store.record("c.toml", 'follows = "z.toml"\n[[close]]\nfinding = "f-1"\n', unit="gamma", date="2024-03-13")
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    store.unit("gamma", "新单位", "北石店镇")
    (store.root / "records" / "z.toml").write_text((store.root / "records" / "c.toml").read_text().replace(
        'follows = "z.toml"\n[[close]]\nfinding = "f-1"\n', ""))
    problems = [str(p) for p in build_ledger(store.root, CATALOG, AS_OF, jobs=1).problems]
    assert problems == [
        "records/c.toml：第1个 [[close]] 的 finding：隐患 \"f-1\" 属于单位 \"恒泰五金\"，不属于 \"新单位\"",
    ]
    same(store)


def test_the_worked_example_is_the_same_with_and_without_the_cache(tmp_path):
    for plugin in ("checkframe_general", "checkframe_coal_mine", "checkframe_pipeline"):
        pytest.importorskip(plugin)
    from checkframe.catalog import build_catalog
    from checkframe.ledger.rules import gather_ledger_rules
    from checkframe.plugins import load_plugins

    plugins = load_plugins()
    catalog, rules = build_catalog(plugins), gather_ledger_rules(plugins, [])
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    for as_of in (D(2024, 3, 20), D(2024, 4, 30), D(2024, 4, 30)):  # cold, then warm, then warm again
        cached = build_ledger(root, catalog, as_of, rules=rules)
        fresh = build_ledger(root, catalog, as_of, rules=rules, cache=False)
        assert cached == fresh and not cached.problems
        assert ledger_rows(cached, catalog) == ledger_rows(fresh, catalog)
        assert cached.late == fresh.late
    held = pickle.loads((root / records_cache.CACHE_DIR / records_cache.CACHE_FILE).read_bytes())["records"]
    assert len(held) == len(list((root / "records").glob("*.toml")))


@pytest.mark.parametrize("content", [
    b"",                                   # truncated to nothing
    b"\x80\x05garbage",                    # not a pickle
    b"not a pickle at all",
], ids=["empty", "garbage", "text"])
def test_a_corrupt_cache_is_ignored_and_rebuilt(store, parsed, content):
    cache_file(store).parent.mkdir()
    cache_file(store).write_bytes(content)
    same(store)
    parsed.clear()
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert parsed == []  # rebuilt by the first run


def test_a_cache_of_another_version_is_ignored(store, parsed, monkeypatch):
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    monkeypatch.setattr(records_cache, "_code_version", lambda: "another checkframe")
    parsed.clear()
    same(store)
    assert parsed == ["records/a.toml", "records/b.toml"] * 2  # cached run (ignored, rebuilt) and uncached run
    data = pickle.loads(cache_file(store).read_bytes())
    assert (data["format"], data["version"]) == (records_cache.FORMAT, "another checkframe")


class Payload:
    """What a hostile cache file would hold: unpickling it would run a command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_hostile_cache_file_runs_nothing(store, tmp_path):
    marker = tmp_path / "ran"
    cache_file(store).parent.mkdir()
    cache_file(store).write_bytes(pickle.dumps({"format": records_cache.FORMAT, "version": records_cache._code_version(),
                                                "records": {"x": Payload(marker)}}))
    same(store)
    assert not marker.exists()


@pytest.mark.parametrize("part, value", [
    ("signatures", {"records/a.toml": 5}),
    ("signatures", {"records/a.toml": ((1, 2), 3)}),
    ("records", {"d04d42e73d8181297b0e064f1c008b24": 7}),
    ("units", {"acme": "not a replay"}),
], ids=["signature-not-a-pair", "hash-not-text", "unit-not-text", "replay-not-a-pair"])
def test_an_index_of_the_wrong_shape_is_ignored_and_rebuilt(store, parsed, part, value):
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    data = pickle.loads(cache_file(store).read_bytes())
    data[part] = value
    cache_file(store).write_bytes(pickle.dumps(data))
    parsed.clear()
    same(store)
    assert parsed == ["records/a.toml", "records/b.toml"] * 2  # read again (the cache rebuilt), and uncached
    parsed.clear()
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert parsed == []


def test_a_cache_that_cannot_be_written_changes_nothing(store, monkeypatch):
    def full(path, data, durable=True):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(fs, "write_atomic", full)
    ledger = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert not ledger.problems and not cache_file(store).exists()
    assert ledger == build_ledger(store.root, CATALOG, AS_OF, jobs=1, cache=False)


def test_the_cache_folder_ignores_itself_and_holds_only_current_records(store):
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert (store.root / records_cache.CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    (store.root / "records" / "b.toml").unlink()
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert len(pickle.loads(cache_file(store).read_bytes())["records"]) == 1


def shard_file(store: Store, unit: str) -> Path:
    return store.root / records_cache.CACHE_DIR / records_cache._shard_name(records_cache._shard(unit))


@pytest.fixture
def shards_read(monkeypatch) -> list[int]:
    """The record shards read from the cache, in order."""
    seen: list[int] = []
    real = records_cache.Cache._read_shard
    monkeypatch.setattr(records_cache.Cache, "_read_shard", lambda self, shard: seen.append(shard) or real(self, shard))
    return seen


def test_a_new_record_reads_and_writes_only_its_units_shard(store, shards_read):
    store.record("c.toml", FOUND.replace('"f-1"', '"g-1"').replace('"f-2"', '"g-2"'), unit="beta")
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    acme, beta = shard_file(store, "acme"), shard_file(store, "beta")
    assert acme != beta and acme.is_file() and beta.is_file()
    written = acme.stat().st_mtime_ns, acme.stat().st_ino
    beta_written = beta.stat().st_ino
    assert shards_read == []  # a cold run reads no shard
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert shards_read == []  # nor does a run with nothing new: the units' replays are in their own files
    store.record("d.toml", "", unit="beta", date="2024-03-20")
    same(store)
    assert shards_read == [records_cache._shard("beta")]  # beta is replayed again, from its cached records
    assert (acme.stat().st_mtime_ns, acme.stat().st_ino) == written  # acme's records are not written again
    assert beta.stat().st_ino != beta_written  # beta's shard is, with d.toml
    for name in ("c.toml", "d.toml"):
        (store.root / "records" / name).unlink()
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert acme.is_file() and not beta.exists()  # no record of beta's is left to keep


@pytest.mark.parametrize("damage", ["lost", "garbage", "hostile"])
def test_a_lost_or_corrupt_shard_means_its_records_are_read_again(store, parsed, tmp_path, damage):
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    marker = tmp_path / "ran"
    shard = shard_file(store, "acme")
    if damage == "lost":
        shard.unlink()
    else:
        shard.write_bytes(b"\x80\x05garbage" if damage == "garbage" else pickle.dumps(Payload(marker)))
    parsed.clear()
    store.record("c.toml", '[[close]]\nfinding = "f-1"\n', date="2024-03-13")  # acme is replayed from its records
    assert build_ledger(store.root, CATALOG, AS_OF, jobs=1).entry("f-1").finding.state.value == "closed"
    assert {"records/a.toml", "records/b.toml", "records/c.toml"} <= set(parsed)  # read again, not taken from the shard
    assert not marker.exists()
    parsed.clear()
    same(store)
    assert parsed == ["records/a.toml", "records/b.toml", "records/c.toml"]  # only the uncached run of same()


def test_a_lost_shard_with_the_replays_dropped_rebuilds_the_cache(store, parsed, monkeypatch):
    """A unit replayed in the main process from a record its shard lost: everything is read, and cached anew."""
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    shard_file(store, "acme").unlink()
    monkeypatch.setattr(ledger_module, "context", lambda catalog, rules: "another catalog")  # no replay holds
    parsed.clear()
    assert build_ledger(store.root, CATALOG, AS_OF, jobs=1) == build_ledger(store.root, CATALOG, AS_OF, jobs=1,
                                                                           cache=False)
    assert parsed == ["records/a.toml", "records/b.toml"] * 2  # the fresh run, then the uncached one
    parsed.clear()
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert parsed == [] and shard_file(store, "acme").is_file()


def test_a_pool_fills_the_cache_as_one_process_does(tmp_path, monkeypatch):
    store = Store(tmp_path / "ledger", jobs=2)
    monkeypatch.setattr(ledger_module, "POOL_THRESHOLD", 2)
    for n in range(6):
        store.record(f"r{n}.toml", FOUND.replace('"f-1"', f'"f-{n}1"').replace('"f-2"', f'"f-{n}2"'))
    pooled = build_ledger(store.root, CATALOG, AS_OF, jobs=2)
    assert pooled == build_ledger(store.root, CATALOG, AS_OF, jobs=1)  # from the cache the pool filled
    assert pooled == build_ledger(store.root, CATALOG, AS_OF, jobs=1, cache=False)


def whole(monkeypatch, root: Path, catalog, as_of: dt.date, **kwargs):
    """The ledger replayed whole, in one, as a ledger with problems is: not unit by unit."""
    with monkeypatch.context() as patch:
        patch.setattr(ledger_module, "_by_unit", lambda *args: None)
        return build_ledger(root, catalog, as_of, cache=False, **kwargs)


def same_as_whole(monkeypatch, root: Path, catalog, as_of: dt.date, **kwargs) -> None:
    taken: list[bool] = []
    real = ledger_module._by_unit

    def by_unit(*args):
        answer = real(*args)
        taken.append(answer is not None)
        return answer

    with monkeypatch.context() as patch:
        patch.setattr(ledger_module, "_by_unit", by_unit)
        by_unit = build_ledger(root, catalog, as_of, **kwargs)
    assert taken == [True]  # replayed unit by unit
    alone = whole(monkeypatch, root, catalog, as_of, **kwargs)
    assert not by_unit.problems and not alone.problems
    assert by_unit == alone
    assert list(by_unit.lines) == list(alone.lines)  # the same order, not only the same findings
    assert list(by_unit.all_entries()) == list(alone.entries)
    assert [e.places for e in by_unit.all_entries().values()] == [e.places for e in alone.all_entries().values()]
    assert ledger_rows(by_unit, catalog) == ledger_rows(alone, catalog)
    assert by_unit.late == alone.late


def test_units_replayed_on_their_own_make_the_ledger_replayed_whole(tmp_path, monkeypatch):
    """Each unit's replay, fresh or from the cache, adds up to the ledger replayed in one, on any date."""
    for plugin in ("checkframe_general", "checkframe_coal_mine", "checkframe_pipeline"):
        pytest.importorskip(plugin)
    import importlib.util

    from checkframe.catalog import build_catalog
    from checkframe.ledger.rules import gather_ledger_rules
    from checkframe.plugins import load_plugins

    spec = importlib.util.spec_from_file_location("ledger_bench", Path(__file__).parents[2] / "bench" / "ledger_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    plugins = load_plugins()
    catalog, rules = build_catalog(plugins), gather_ledger_rules(plugins, [])
    root = tmp_path / "synthetic"
    bench.generate(root, 240, 12, 7)
    example = tmp_path / "example"
    shutil.copytree(EXAMPLE, example)
    for folder in (root, example):
        for as_of in (D(2024, 1, 20), D(2024, 3, 20), D(2024, 6, 30), D(2030, 1, 1), D(2024, 3, 20)):
            same_as_whole(monkeypatch, folder, catalog, as_of, rules=rules)
    # One record more: only its unit is replayed again, and the sum is still the whole.
    (root / "records" / "2029-12-31-u0000-new.toml").write_text(
        bench.NEW_RECORD.format(checklist=catalog.checklists[0].id), encoding="utf-8")
    same_as_whole(monkeypatch, root, catalog, D(2030, 1, 1), rules=rules)


def test_a_ledger_with_a_problem_is_replayed_whole(store, monkeypatch):
    """Two units claiming one finding id: neither unit is wrong alone, the ledger is, and says where."""
    store.unit("gamma", "新单位", "北石店镇")
    store.record("c.toml", FOUND, unit="gamma", date="2024-03-13")
    for _ in range(2):  # cold, then with every unit's replay cached
        problems = [str(p) for p in build_ledger(store.root, CATALOG, AS_OF, jobs=1).problems]
        assert problems == [str(p) for p in whole(monkeypatch, store.root, CATALOG, AS_OF, jobs=1).problems]
        assert problems[0].startswith('records/c.toml：第1个 [[finding]] 的 id：隐患编号 "f-1" 已记录在 records/a.toml')


def unit_tasks(monkeypatch) -> list[str]:
    """The units whose replay a task made and the ledger took, in the order taken."""
    taken: list[str] = []
    real = ledger_module.pickle.loads

    def loads(blob):
        held = real(blob)
        if isinstance(held, ledger_module.UnitResult):
            taken.append(sorted({entry.unit for _, entry in held.entries})[0] if held.entries else "")
        return held

    monkeypatch.setattr(ledger_module.pickle, "loads", loads)
    return taken


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_units_replay_from_its_task_is_taken_only_when_the_task_held_all_its_files(tmp_path, monkeypatch, jobs):
    """Files are given to a unit's task by their names; the records say whose they are, and that counts."""
    store = Store(tmp_path / "ledger", jobs=jobs)
    store.unit("acme-east", "恒泰五金东厂", "北石店镇")
    monkeypatch.setattr(ledger_module, "POOL_THRESHOLD", 2)
    store.record("2024-03-01-acme-east-self.toml", FOUND, unit="acme-east")  # the longest unit id the name holds
    store.record("2024-03-01-beta-self.toml", FOUND.replace('"f-', '"b-'), unit="beta")
    store.record("2024-03-12-beta-recheck.toml", RECHECK.replace('"f-1"', '"b-1"'), unit="beta", date="2024-03-12")
    # Named as beta's, but acme's: beta's task does not hold all of acme's files, nor only beta's.
    store.record("2024-03-02-beta-visit.toml", FOUND.replace('"f-', '"a-'), unit="acme")
    store.record("visit.toml", FOUND.replace('"f-', '"c-'), unit="acme")  # a name that names no unit
    # acme-east's task holds only acme-east's files, but not this one, which beta's task holds.
    store.record("2024-03-03-beta-east.toml", FOUND.replace('"f-', '"e-'), unit="acme-east")
    store.unit("gamma", "新单位", "北石店镇")
    store.record("2024-03-04-gamma.toml", FOUND.replace('"f-', '"g-'), unit="gamma")
    taken = unit_tasks(monkeypatch)
    ledger = build_ledger(store.root, CATALOG, AS_OF, jobs=jobs)
    assert taken == ["gamma"]  # the only task that held all of its unit's files and only them
    assert not ledger.problems
    assert ledger == build_ledger(store.root, CATALOG, AS_OF, jobs=1, cache=False)
    assert {ident: e.unit for ident, e in ledger.all_entries().items()} == {
        "f-1": "acme-east", "f-2": "acme-east", "b-1": "beta", "b-2": "beta", "a-1": "acme", "a-2": "acme",
        "c-1": "acme", "c-2": "acme", "e-1": "acme-east", "e-2": "acme-east", "g-1": "gamma", "g-2": "gamma"}
    assert ledger.entry("b-1").finding.state.value == "accepted"
    taken.clear()
    again = build_ledger(store.root, CATALOG, AS_OF, jobs=jobs)  # every unit's replay from the cache
    assert taken == [] and again == ledger


def test_a_record_named_for_a_unit_is_the_unit_it_names_inside(tmp_path):
    assert ledger_module._unit_by_name("2024-03-01-acme-east-self.toml", {"acme", "acme-east"}) == "acme-east"
    assert ledger_module._unit_by_name("2024-03-01-acme-east.toml", {"acme", "acme-east"}) == "acme-east"
    assert ledger_module._unit_by_name("2024-03-01-acme-x.toml", {"acme", "acme-east"}) == "acme"
    assert ledger_module._unit_by_name("2024-03-01-other.toml", {"acme"}) is None
    assert ledger_module._unit_by_name("acme-2024-03-01.toml", {"acme"}) is None


def units_file(store: Store, unit: str) -> Path:
    return store.root / records_cache.CACHE_DIR / records_cache._units_name(records_cache._shard(unit))


@pytest.fixture
def replayed(monkeypatch) -> list[str]:
    """The units replayed in this process (not taken from the cache), in order."""
    seen: list[str] = []
    real = ledger_module._replay_unit

    def counting(ledger, records, *args):
        seen.extend(sorted({record.unit for _, (record, _) in records}))
        return real(ledger, records, *args)

    monkeypatch.setattr(ledger_module, "_replay_unit", counting)
    return seen


def test_a_new_record_writes_only_its_units_replays_and_a_small_index(store, replayed):
    store.record("c.toml", FOUND.replace('"f-1"', '"g-1"').replace('"f-2"', '"g-2"'), unit="beta")
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    acme, beta = units_file(store, "acme"), units_file(store, "beta")
    assert acme != beta and acme.is_file() and beta.is_file()
    index = pickle.loads(cache_file(store).read_bytes())
    assert set(index["units"]) == {"acme", "beta"} and all(isinstance(key, tuple) for key in index["units"].values())
    written, beta_written = acme.stat().st_ino, beta.stat().st_ino
    replayed.clear()
    store.record("d.toml", "", unit="beta", date="2024-03-20")
    same(store)
    assert replayed[0] == "beta" and "acme" not in replayed[:1]  # acme's replay from its file, beta's again
    assert acme.stat().st_ino == written and beta.stat().st_ino != beta_written
    replayed.clear()
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert replayed == []  # both replays kept, beta's written with acme's left as it was
    for name in ("c.toml", "d.toml"):
        (store.root / "records" / name).unlink()
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert acme.is_file() and not beta.exists()  # no unit of beta's shard is left to keep


@pytest.mark.parametrize("damage", ["lost", "garbage", "hostile", "other-context"])
def test_a_lost_or_corrupt_replay_file_means_its_unit_is_replayed_again(store, replayed, tmp_path, damage):
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    marker = tmp_path / "ran"
    held = units_file(store, "acme")
    if damage == "lost":
        held.unlink()
    elif damage == "other-context":
        data = pickle.loads(held.read_bytes())
        held.write_bytes(pickle.dumps({**data, "context": "another catalog"}))
    else:
        held.write_bytes(b"\x80\x05garbage" if damage == "garbage" else pickle.dumps(Payload(marker)))
    replayed.clear()
    same(store)
    assert replayed[0] == "acme" and not marker.exists()
    replayed.clear()
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert replayed == [] and held.is_file()  # written again, and taken


def test_a_replay_dropped_after_reading_is_written_again_from_its_file(store, replayed, monkeypatch):
    """Two units of one replay file, one replayed again: the other's bytes, let go once read, come from the file."""
    monkeypatch.setattr(records_cache, "_shard", lambda unit: 0)
    store.record("c.toml", FOUND.replace('"f-1"', '"g-1"').replace('"f-2"', '"g-2"'), unit="beta")
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    store.record("d.toml", "", unit="beta", date="2024-03-20")
    first = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    replayed.clear()
    assert build_ledger(store.root, CATALOG, AS_OF, jobs=1) == first
    assert replayed == []  # acme's replay, dropped when read in the run before, was written again with beta's
    assert first == build_ledger(store.root, CATALOG, AS_OF, jobs=1, cache=False)


# -- Each unit's lines, kept by its records, the date and the rules (ledger.UnitView) ---------------------------


def views_file(store: Store, unit: str) -> Path:
    return store.root / records_cache.CACHE_DIR / records_cache._views_name(records_cache._shard(unit))


def test_a_run_on_the_same_date_rebuilds_no_finding(store, replayed):
    """Every unit's lines from the cache: no finding is rebuilt, and each is read in full only when asked for."""
    first = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    replayed.clear()
    again = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert replayed == [] and again.entries == {} and list(again.lines) == ["f-1", "f-2"]
    assert again == first == build_ledger(store.root, CATALOG, AS_OF, jobs=1, cache=False)
    replayed.clear()
    assert again.entry("f-1").finding.state.value == "accepted" and replayed == []  # read from the unit's replay
    same(store)


def test_a_units_lines_are_kept_by_the_date(store, replayed):
    """Overdue depends on the date: a run on another date makes the lines again (f-2's deadline is 2024-04-30)."""
    same(store)
    later = D(2024, 5, 10)
    same(store, later)
    ledger = build_ledger(store.root, CATALOG, later, jobs=1)
    assert ledger.lines["f-2"].overdue and ledger.lines["f-2"].late == "超过整改期限2024-04-30"
    assert not build_ledger(store.root, CATALOG, AS_OF, jobs=1).lines["f-2"].overdue


CALLS: list[str] = []


def counted_rule(entry, ledger):
    CALLS.append(entry.finding.id)
    if entry.finding.level.value == "major":
        ledger.overdue("测试规则")


def other_rule(entry, ledger):
    CALLS.append(entry.finding.id)


def catalog_rule(entry, ledger):
    CALLS.append(entry.finding.id)
    if ledger.catalog.checkpoint(entry.finding.checkpoint).title:
        ledger.overdue("测试规则")


def with_rule(check) -> LedgerRules:
    core = LedgerRules.core()
    return LedgerRules(core.stop_kinds, (*core.rules, LedgerRule(check, "", "test")))


def test_a_units_lines_are_kept_by_the_rules(store):
    """The rules say what is late: lines made under other rules are not taken; rules that read the catalog
    (which the lines are not kept by) are run on every run."""
    rules = with_rule(counted_rule)
    for _ in range(2):
        ledger = build_ledger(store.root, CATALOG, AS_OF, jobs=1, rules=rules)
        assert ledger == build_ledger(store.root, CATALOG, AS_OF, jobs=1, rules=rules, cache=False)
    assert ledger.lines["f-2"].late == "测试规则" and ledger.late == {"f-2": ["测试规则"]}
    CALLS.clear()
    assert build_ledger(store.root, CATALOG, AS_OF, jobs=1, rules=rules) == ledger
    assert CALLS == []  # the lines from the cache: the rules were not run again
    other = build_ledger(store.root, CATALOG, AS_OF, jobs=1, rules=with_rule(other_rule))
    assert CALLS == ["f-1", "f-2"] and not other.lines["f-2"].overdue and other.late == {}
    for _ in range(2):
        CALLS.clear()
        reading = build_ledger(store.root, CATALOG, AS_OF, jobs=1, rules=with_rule(catalog_rule))
        assert CALLS == ["f-1", "f-2"] and reading.lines["f-1"].late == "测试规则"


def test_a_units_lines_are_kept_by_every_module_of_the_rules_package(store, tmp_path, monkeypatch):
    """A rule may say what it says through a helper of its plugin's other module: an upgraded helper is a change of
    the rules, though the rule's own module is as it was."""
    import importlib
    import sys

    package = tmp_path / "rulepkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "helper.py").write_text('REASON = "旧规则"\n', encoding="utf-8")
    (package / "rule.py").write_text(
        "from rulepkg import helper\n\n\ndef check(entry, ledger):\n"
        '    if entry.finding.level.value == "major":\n        ledger.overdue(helper.REASON)\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # no .pyc of the same second and size taken for the source
    rule = importlib.import_module("rulepkg.rule")
    try:
        rules = with_rule(rule.check)
        assert build_ledger(store.root, CATALOG, AS_OF, jobs=1, rules=rules).lines["f-2"].late == "旧规则"
        (package / "helper.py").write_text('REASON = "升级后的规则"\n', encoding="utf-8")
        importlib.reload(sys.modules["rulepkg.helper"])  # as a new process would import the upgraded plugin
        assert build_ledger(store.root, CATALOG, AS_OF, jobs=1, rules=rules).lines["f-2"].late == "升级后的规则"
    finally:
        for name in [n for n in sys.modules if n == "rulepkg" or n.startswith("rulepkg.")]:
            del sys.modules[name]


@pytest.mark.parametrize("damage", ["lost", "garbage", "hostile", "other-context", "other-key"])
def test_a_lost_or_corrupt_views_file_means_its_units_lines_are_made_again(store, replayed, tmp_path, damage):
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    marker = tmp_path / "ran"
    held = views_file(store, "acme")
    assert held.is_file()
    if damage == "lost":
        held.unlink()
    elif damage in ("other-context", "other-key"):
        data = pickle.loads(held.read_bytes())
        if damage == "other-context":
            data["context"] = "another catalog"
        else:
            data["units"] = {unit: (("another key",), blob) for unit, (_, blob) in data["units"].items()}
        held.write_bytes(pickle.dumps(data))
    else:
        held.write_bytes(b"\x80\x05garbage" if damage == "garbage" else pickle.dumps(Payload(marker)))
    ledger = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert "acme" in {entry.unit for entry in ledger.entries.values()} and not marker.exists()  # made again
    assert ledger == build_ledger(store.root, CATALOG, AS_OF, jobs=1, cache=False)
    again = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    assert again.entries == {} and again == ledger  # written again, and taken


@pytest.mark.parametrize("damage", ["lost", "garbage"])
def test_a_finding_in_full_comes_from_its_records_when_its_replay_is_gone(store, replayed, damage):
    """The lines came from the cache, the unit's replay file is lost or corrupt: the finding is replayed again."""
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    ledger = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    held = units_file(store, "acme")
    if damage == "lost":
        held.unlink()
    else:
        held.write_bytes(b"\x80\x05garbage")
    fresh = build_ledger(store.root, CATALOG, AS_OF, jobs=1, cache=False).entry("f-1")
    replayed.clear()
    found = ledger.entry("f-1")
    assert replayed == ["acme"] and found == fresh and found.places == fresh.places


@pytest.mark.parametrize("edit", ["not-toml", "loop-broken"])
def test_a_record_edited_while_the_ledger_is_read_is_the_clerks_problem_not_a_bug(store, edit):
    """A finding read in full after its unit's replay is gone is replayed from the records: if one was edited since
    the ledger was read, the command says so, in the clerk's words, as a problem (run it again), not a crash."""
    build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    ledger = build_ledger(store.root, CATALOG, AS_OF, jobs=1)
    units_file(store, "acme").unlink()
    record = next((store.root / "records").glob("*.toml"))
    text = record.read_text(encoding="utf-8")
    record.write_text("not = [toml" if edit == "not-toml" else text.replace('"f-1"', '"f-9"', 1), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        ledger.entry("f-1")
    [problem] = caught.value.problems
    assert "读取台账时" in problem.message and "再运行一次命令" in problem.message
    assert problem.language == "zh"


def dated_rule(entry, ledger):
    CALLS.append(entry.finding.id)
    if ledger.as_of > D(2024, 4, 30):
        ledger.overdue("测试规则")


def test_lines_that_do_not_depend_on_the_date_are_taken_on_a_later_date(tmp_path, replayed):
    """A unit whose findings are all accepted or closed: its lines hold on any later date, unless a rule reads it."""
    store = Store(tmp_path / "ledger", jobs=1)
    store.record("a.toml", FOUND[:FOUND.index('[[finding]]\nid = "f-2"')])
    store.record("b.toml", RECHECK, date="2024-03-12")
    same(store)
    replayed.clear()
    later = build_ledger(store.root, CATALOG, D(2024, 5, 10), jobs=1)
    assert replayed == [] and later.entries == {} and later.lines["f-1"].state.value == "accepted"
    same(store, D(2024, 5, 10))
    rules = with_rule(dated_rule)
    build_ledger(store.root, CATALOG, AS_OF, jobs=1, rules=rules)
    CALLS.clear()
    assert not build_ledger(store.root, CATALOG, AS_OF, jobs=1, rules=rules).lines["f-1"].overdue and CALLS == []
    late = build_ledger(store.root, CATALOG, D(2024, 5, 10), jobs=1, rules=rules)
    assert CALLS == ["f-1"] and late.lines["f-1"].late == "测试规则"  # the rule read the date: run again
    assert late == build_ledger(store.root, CATALOG, D(2024, 5, 10), jobs=1, rules=rules, cache=False)
    assert build_ledger(store.root, CATALOG, D(2024, 3, 11), jobs=1) == build_ledger(
        store.root, CATALOG, D(2024, 3, 11), jobs=1, cache=False)  # before the recheck: not the lines kept
