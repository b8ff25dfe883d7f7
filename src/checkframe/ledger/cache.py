"""What a ledger run keeps for the next: each record as read, and each unit's replayed findings.

Reading and replaying records is what a ledger run costs, and records are never
rewritten once filled in, so ``build_ledger`` keeps, in
``<ledger>/.checkframe-cache/``:

- each record that reads, by the BLAKE2b hash of the file's bytes: the unit it
  belongs to (in the index, ``ledger.pickle``, with each file's size, times and
  inode) and its table as plain data (strings, dates, lists and tables; the
  checkpoint rows as their ids; in the shard of its unit, ``records-NN.pickle``),
  so that a run after one new record parses only that one, reads no other
  record's table unless its unit must be replayed again, and writes one shard;
- each unit's replay (:class:`checkframe.ledger.ledger.UnitResult`): its
  findings' states after all its records, the finding ids it claims and the
  records it refers to, under a key of the unit's registration and its records'
  hashes and the catalog's facts the replay uses (:func:`context`), so that a
  run replays only the units whose records changed.  The index holds each
  unit's key; the replays are in shard files by unit too (``units-NN.pickle``,
  beside their records' shard), so that a run after one new record writes one
  of them and a small index, and a replay's bytes are dropped once unpickled;
- each unit's view (:class:`checkframe.ledger.ledger.UnitView`): its findings as the
  reports take them (:class:`checkframe.ledger.ledger.Line`), under its replay's key, the
  ledger's date and a digest of the rules (:func:`checkframe.ledger.ledger.rules_digest`),
  in shard files of their own (``views-NN.pickle``), so that a run on the same date
  takes an unchanged unit's lines and unpickles neither its replay nor its findings; a
  finding is read in full from its unit's replay only when a report asks for it
  (:func:`replays`).  A view is taken only while its unit's replay is kept.

What crosses units (a finding id recorded by two units, a record following
one that is gone) is checked on every run, and a ledger with any problem is
read and replayed whole, so the ledger and its problems are the same with and
without the cache.

The cache is an optimisation only: written atomically (:func:`checkframe.util.fs.write_atomic`, without
flushing to disk: a file that a power failure left incomplete is read as corrupt),
versioned by :data:`FORMAT` and by a digest of the code whose objects it holds, and ignored
(then rebuilt) when it is missing, corrupt, from another checkframe, or cannot be written
(a read-only ledger reads as before).  It is read with an unpickler that builds only the
ledger's own classes, dates and plain containers, so a cache file that came with a copied
ledger cannot run code.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from checkframe.util import fs
from checkframe.util.pickles import RestrictedPickles, dumps

__all__ = ["CACHE_DIR", "CACHE_FILE", "FORMAT", "Cache", "content_hash", "replays"]

CACHE_DIR = ".checkframe-cache"
CACHE_FILE = "ledger.pickle"
#: Bump when what is cached changes shape.
FORMAT = 7

#: The modules whose classes a cached record is made of; their source is part of the cache's version.
_MODULES = ("checkframe.ledger.records", "checkframe.ledger.findings", "checkframe.ledger.ledger", "checkframe.model")


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


#: What the unpickler may build: the ledger's records and their parts, enums, dates, plain data, nothing that runs
#: code; and the code whose objects it holds, whose source versions the cache.
PICKLES = RestrictedPickles(_MODULES)


def _code_version() -> str:
    return PICKLES.version()


def load(blob: bytes) -> Any:
    """One cached entry, unpickled with the restricted unpickler."""
    return PICKLES.loads(blob)


dump = dumps


#: The record shards: a unit's records are kept in shard ``blake2b(unit) % SHARDS``, so that a run after one
#: new record writes one shard again, not every record.
SHARDS = 64


@functools.cache
def _taken(held: tuple[Any, bytes] | None, key: Any) -> Any:
    """The value a held ``(key, pickle)`` pair keeps, when it is kept under ``key``; None for another key's, or
    for a pickle that does not load (corrupt, hostile: see :data:`PICKLES`)."""
    if held is None or held[0] != key:
        return None
    try:
        return load(held[1])
    except Exception:  # noqa: BLE001 - whatever is wrong with the entry, it is a miss
        return None


def _shard(unit: str) -> int:
    return int.from_bytes(hashlib.blake2b(unit.encode(), digest_size=4).digest(), "big") % SHARDS


def _shard_name(shard: int) -> str:
    return f"records-{shard:02d}.pickle"


def _units_name(shard: int) -> str:
    """The file of the units' replays of ``shard`` (the units whose records are in :func:`_shard_name`)."""
    return f"units-{shard:02d}.pickle"


def _views_name(shard: int) -> str:
    """The file of the units' views of ``shard`` (:class:`checkframe.ledger.ledger.UnitView`)."""
    return f"views-{shard:02d}.pickle"


def _read_keyed(path: Path, version: str, context: str) -> dict[str, tuple[Any, bytes]]:
    """A file of units' replays or views: unit -> (key, pickled value); none when it is missing, corrupt or foreign."""
    try:
        held = load(path.read_bytes())
    except Exception:  # noqa: BLE001 - missing, corrupt, foreign: its units are replayed again
        return {}
    if (not isinstance(held, dict) or held.get("version") != version or held.get("context") != context
            or not isinstance(held.get("units"), dict)):
        return {}
    return {unit: pair for unit, pair in held["units"].items()
            if isinstance(unit, str) and isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], bytes)}


def replays(root: Path, context: str, wanted: dict[str, Any]) -> dict[str, Any]:
    """The replays of the units ``wanted`` (unit id -> the key of its replay) that the cache at ``root`` holds under
    that key, unpickled; each shard file read once.  A unit missing, corrupt or of another key is left out."""
    version = _code_version()
    by_shard: dict[int, list[str]] = {}
    for unit in wanted:
        by_shard.setdefault(_shard(unit), []).append(unit)
    found = {}
    for shard, units in sorted(by_shard.items()):
        held = _read_keyed(Path(root) / CACHE_DIR / _units_name(shard), version, context)
        for unit in units:
            value = _taken(held.get(unit), wanted[unit])
            if value is not None:
                found[unit] = value
    return found


class Cache:
    """The cache of one ledger folder: records by content hash, unit replays by unit id, each pickled on its own.

    The index (:data:`CACHE_FILE`) holds each file's signature and hash, each cached record's unit, and the
    key of each unit's replay.  The records themselves are in :data:`SHARDS` shard files by unit, read only
    when a record is asked for (a unit to replay again) and written again only when their records changed;
    the units' replays in as many files of their own, each written again only when one of its units was
    replayed again or dropped, and each replay's bytes let go once it is unpickled.  An
    entry stays bytes until it is asked for, so a run writes the cache back without pickling again what it
    did not read, and a pool's worker hands its records over pickled once.  ``context`` is the digest of
    what a unit's replay depends on besides its records (:func:`checkframe.ledger.ledger.context`): the
    unit replays of another context are dropped, the records kept.  ``fresh`` ignores what is there.
    """

    def __init__(self, root: Path, context: str = "", fresh: bool = False) -> None:
        self.path = Path(root) / CACHE_DIR / CACHE_FILE
        self.version = _code_version()
        self.context = context
        #: Content hash -> unit id, of every record the index holds.
        self.entries: dict[str, str] = {}
        #: Content hash -> pickled record, of the shards read so far and of this run's new records.
        self.blobs: dict[str, bytes] = {}
        #: The shards read so far (or found missing or corrupt).
        self.loaded: set[int] = set()
        #: The shards to write again: a new record in them.
        self.dirty: set[int] = set()
        #: Unit id -> the key of its cached replay, as the index holds it.
        self.units: dict[str, Any] = {}
        #: Unit id -> (key, pickled replay), of the replay shards read so far and of this run's new replays; a
        #: replay is dropped once unpickled (:meth:`unit`), and read again only if its shard must be written.
        self.unit_blobs: dict[str, tuple[Any, bytes]] = {}
        #: The replay shards read so far, and those to write again (a new replay in them).
        self.units_loaded: set[int] = set()
        self.units_dirty: set[int] = set()
        self.used: set[str] = set()
        self.units_used: set[str] = set()
        #: Unit id -> (key, pickled view), of the view shards read so far and of this run's new views; a view is
        #: dropped once unpickled, as a replay is.
        self.view_blobs: dict[str, tuple[Any, bytes]] = {}
        #: The view shards read so far, each with the units its file held.
        self.views_read: dict[int, set[str]] = {}
        #: The view shards to write again (a new view in them, or one that was stale or corrupt), and the units whose
        #: views this run took or made: the others are dropped.
        self.views_dirty: set[int] = set()
        self.views_used: set[str] = set()
        #: Whether the replay file of each shard asked about is there (:meth:`keep_unit`).
        self.units_there: dict[int, bool] = {}
        #: Each record file's signature (size, times, inode) when it was hashed, and its hash: a file whose
        #: signature is unchanged is not read again to find its entry.
        self.signatures: dict[str, tuple[tuple[int, ...], str]] = {}
        self.seen: dict[str, tuple[tuple[int, ...], str]] = {}
        self.changed = False
        if fresh:
            self.changed = True
        else:
            self._load()

    def _load(self) -> None:
        try:
            data = self.path.read_bytes()
        except OSError:
            return
        try:
            loaded = load(data)
        except Exception:  # noqa: BLE001 - corrupt, truncated, foreign: any of them means rebuild
            self.changed = True
            return
        if (not isinstance(loaded, dict) or loaded.get("format") != FORMAT or loaded.get("version") != self.version
                or not all(isinstance(loaded.get(k), dict) for k in ("records", "signatures", "units"))):
            self.changed = True
            return
        records, units = loaded["records"], loaded["units"]
        if not (all(isinstance(unit, str) for unit in records.values())
                and all(isinstance(key, tuple) for key in units.values())
                and all(isinstance(held, tuple) and len(held) == 2 and isinstance(held[0], tuple)
                        and isinstance(held[1], str) for held in loaded["signatures"].values())):
            self.changed = True
            return
        self.entries = records
        self.signatures = loaded["signatures"]
        if loaded.get("context") == self.context:
            self.units = units
        else:
            self.changed = True

    def _read_shard(self, shard: int) -> None:
        """The records of ``shard`` into :attr:`blobs` (none, when its file is missing or corrupt)."""
        self.loaded.add(shard)
        try:
            held = load((self.path.parent / _shard_name(shard)).read_bytes())
        except Exception:  # noqa: BLE001 - missing, corrupt, foreign: its records are read again
            return
        if not isinstance(held, dict) or held.get("version") != self.version or not isinstance(held.get("records"), dict):
            return
        for key, blob in held["records"].items():
            if isinstance(key, str) and isinstance(blob, bytes):
                self.blobs.setdefault(key, blob)

    def _read_units(self, shard: int) -> dict[str, tuple[Any, bytes]]:
        """The replays kept in the file of ``shard``, unit -> (key, pickled replay); none when it is missing or corrupt."""
        return _read_keyed(self.path.parent / _units_name(shard), self.version, self.context)

    def _read_views(self, shard: int) -> dict[str, tuple[Any, bytes]]:
        """The views kept in the file of ``shard``, unit -> (key, pickled view); none when it is missing or corrupt."""
        return _read_keyed(self.path.parent / _views_name(shard), self.version, self.context)

    def known(self, name: str, signature: tuple[int, ...] | None) -> str | None:
        """The content hash of the file ``name`` when its signature is the one it had when hashed."""
        if signature is None:
            return None
        held = self.signatures.get(name)
        if held is None or held[0] != signature:
            return None
        return held[1]

    def remember(self, name: str, signature: tuple[int, ...] | None, key: str) -> None:
        """Keep the signature of the file ``name`` whose content hash is ``key``, for the next run."""
        if signature is not None:
            self.seen[name] = (signature, key)

    def unit_of(self, key: str) -> str | None:
        """The unit of the cached record ``key`` (kept for the next run); None when it is not cached."""
        unit = self.entries.get(key)
        if unit is not None:
            self.used.add(key)
        return unit

    def blob(self, key: str) -> bytes | None:
        """The cached record ``key`` as it is kept, pickled; None when it is not cached (or its shard is lost)."""
        found = self.blobs.get(key)
        if found is not None:
            return found
        unit = self.entries.get(key)
        if unit is None:
            return None
        shard = _shard(unit)
        if shard not in self.loaded:
            self._read_shard(shard)
        return self.blobs.get(key)

    def get(self, key: str) -> Any:
        """The cached record ``key`` unpickled; None when it is not cached or does not unpickle."""
        blob = self.blob(key)
        if blob is None:
            return None
        try:
            return load(blob)
        except Exception:  # noqa: BLE001 - a corrupt entry is a miss: read again
            return None

    def put(self, key: str, unit: str, value: Any, blob: bytes | None = None) -> None:
        """Keep ``value`` of unit ``unit`` under ``key``; ``blob`` is it pickled already (by a pool's worker)."""
        self.entries[key] = unit
        self.blobs[key] = blob if blob is not None else dump(value)
        self.dirty.add(_shard(unit))
        self.used.add(key)
        self.changed = True

    def unit(self, unit: str, key: Any) -> Any:
        """The replay of ``unit`` cached under ``key``; None when there is none (or another key's).

        Its pickled form is not kept once unpickled (it is read again from its shard only if the shard must be
        written), so a run does not hold every unit's replay twice, as objects and as bytes.
        """
        if unit not in self.units or self.units[unit] != key:
            return None
        shard = _shard(unit)
        if shard not in self.units_loaded:
            self.units_loaded.add(shard)
            for other, pair in self._read_units(shard).items():
                if self.units.get(other) == pair[0]:
                    self.unit_blobs.setdefault(other, pair)
        found = _taken(self.unit_blobs.pop(unit, None), key)  # a corrupt entry is a miss: replayed again
        if found is None:
            del self.units[unit]
            self.units_dirty.add(shard)
            self.changed = True
            return None
        self.units_used.add(unit)
        return found

    def put_unit(self, unit: str, key: Any, value: Any, blob: bytes | None = None) -> None:
        """Keep the replay ``value`` of ``unit`` under ``key``; ``blob`` is it pickled already (by a task)."""
        self.units[unit] = key
        self.unit_blobs[unit] = (key, blob if blob is not None else dump(value))
        self.units_dirty.add(_shard(unit))
        self.units_used.add(unit)
        self.changed = True

    def view(self, unit: str, key: Any) -> Any:
        """The view of ``unit`` cached under ``key``; None when there is none, another key's, or it does not unpickle."""
        shard = _shard(unit)
        if shard not in self.views_read:
            on_file = self._read_views(shard)
            self.views_read[shard] = set(on_file)
            for other, pair in on_file.items():
                self.view_blobs.setdefault(other, pair)
        held = self.view_blobs.pop(unit, None)
        found = _taken(held, key)  # a corrupt entry is a miss: made again
        if found is None:
            if held is not None:  # stale or corrupt: the file is written again without it
                self.views_dirty.add(shard)
            return None
        self.views_used.add(unit)
        return found

    def keep_unit(self, unit: str, key: Any) -> bool:
        """Whether the replay of ``unit`` is cached under ``key``; if so it is kept for the next run, not unpickled.

        A unit's view is taken only with its replay kept, so that the findings it holds can be read in full later
        (:func:`replays`).
        """
        if self.units.get(unit) != key:
            return False
        shard = _shard(unit)
        there = self.units_there.get(shard)
        if there is None:  # a lost file is seen here, a corrupt one only when read (then replayed from its records)
            there = self.units_there[shard] = (self.path.parent / _units_name(shard)).is_file()
        if not there:
            return False
        self.units_used.add(unit)
        return True

    def put_view(self, unit: str, key: Any, value: Any) -> None:
        """Keep the view ``value`` of ``unit`` under ``key``."""
        self.view_blobs[unit] = (key, dump(value))
        self.views_dirty.add(_shard(unit))
        self.views_used.add(unit)

    def _views_stale(self) -> bool:
        """Whether a view file must be written again: a view made or dropped, or a unit of its file not asked for."""
        if self.views_dirty:
            return True
        used: dict[int, set[str]] = {}
        for unit in self.views_used:
            used.setdefault(_shard(unit), set()).add(unit)
        return any(units != used.get(shard, set()) for shard, units in self.views_read.items())

    def _save_views(self, folder: Path) -> None:
        """Write the view files that changed; a view unpickled this run is read back from its file."""
        used: dict[int, set[str]] = {}
        for unit in self.views_used:
            used.setdefault(_shard(unit), set()).add(unit)
        for shard in range(SHARDS):
            kept = used.get(shard)
            if not kept:
                (folder / _views_name(shard)).unlink(missing_ok=True)
                continue
            if shard not in self.views_dirty and kept == self.views_read.get(shard):
                continue
            held = {unit: self.view_blobs[unit] for unit in kept if unit in self.view_blobs}
            if len(held) < len(kept):  # unpickled and dropped this run: as the file still holds them
                on_file = self._read_views(shard)
                held.update((unit, on_file[unit]) for unit in kept - held.keys() if unit in on_file)
            fs.write_atomic(folder / _views_name(shard), dump({"version": self.version, "context": self.context,
                                                                "units": dict(sorted(held.items()))}), durable=False)

    def _save_units(self, folder: Path, units: dict[str, Any]) -> None:
        """Write the replay shards that changed: a new replay in them, or a unit dropped (the index says which)."""
        before: dict[int, set[str]] = {}
        for unit in self.units:
            before.setdefault(_shard(unit), set()).add(unit)
        after: dict[int, set[str]] = {}
        for unit in units:
            after.setdefault(_shard(unit), set()).add(unit)
        for shard in range(SHARDS):
            kept = after.get(shard)
            if not kept:
                (folder / _units_name(shard)).unlink(missing_ok=True)
                continue
            if shard not in self.units_dirty and kept == before.get(shard):
                continue
            missing = [unit for unit in kept if unit not in self.unit_blobs]
            if missing:  # unpickled and dropped this run: as the file still holds them
                on_file = self._read_units(shard)
                for unit in missing:
                    pair = on_file.get(unit)
                    if pair is not None and pair[0] == units[unit]:
                        self.unit_blobs[unit] = pair
                    else:  # the file changed meanwhile: replayed again next time
                        del units[unit]
            held = {unit: self.unit_blobs[unit] for unit in sorted(kept) if unit in units}
            fs.write_atomic(folder / _units_name(shard), dump({"version": self.version, "context": self.context,
                                                                "units": held}), durable=False)

    def save(self) -> None:
        """Write the entries of this run's records and units (the others are dropped); a failure changes nothing.

        A shard is written again when it holds a new record or lost one; the index last, so that an index
        never names a record that its shard was not written with (a shard lost meanwhile is a miss).
        """
        if (not self.changed and len(self.used) == len(self.entries) and self.seen == self.signatures
                and len(self.units_used) == len(self.units) and not self._views_stale()):
            return
        records = {key: self.entries[key] for key in self.used}
        before: dict[int, set[str]] = {}
        for key, unit in self.entries.items():
            before.setdefault(_shard(unit), set()).add(key)
        after: dict[int, set[str]] = {}
        for key, unit in records.items():
            after.setdefault(_shard(unit), set()).add(key)
        units = {unit: self.units[unit] for unit in self.units_used}
        folder = self.path.parent
        try:
            folder.mkdir(exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                fs.write_atomic(ignore, "# checkframe's cache of parsed records; safe to delete\n*\n")
            for shard in range(SHARDS):
                keys = after.get(shard)
                if not keys:
                    (folder / _shard_name(shard)).unlink(missing_ok=True)
                    continue
                if shard not in self.dirty and keys == before.get(shard):
                    continue
                blobs = {key: self.blob(key) for key in sorted(keys)}
                if None in blobs.values():  # its shard was lost: those records are read again next time
                    for key in [key for key, blob in blobs.items() if blob is None]:
                        del blobs[key], records[key]
                fs.write_atomic(folder / _shard_name(shard), dump({"version": self.version, "records": blobs}),
                                durable=False)
            self._save_units(folder, units)
            self._save_views(folder)
            signatures = {name: held for name, held in self.seen.items() if held[1] in records}
            fs.write_atomic(self.path, dump({"format": FORMAT, "version": self.version, "context": self.context,
                                             "records": records, "signatures": signatures, "units": units}),
                            durable=False)
            (folder / "records.pickle").unlink(missing_ok=True)  # an older checkframe's cache
        except OSError:
            pass  # a read-only ledger, a full disk: the next run parses again
