"""What a ledger run keeps for the next: each record as read, and each unit's replayed findings.

Reading and replaying records is what a ledger run costs, and records are never
rewritten once filled in, so ``build_ledger`` keeps, in
``<ledger>/.checkframe-cache/ledger.pickle``:

- each record that reads, by the BLAKE2b hash of the file's bytes: the unit it
  belongs to and its table as plain data (strings, dates, lists and tables;
  the checkpoint rows as their ids), so that a run after one new record parses
  only that one;
- each unit's replay (:class:`checkframe.ledger.ledger.UnitResult`): its
  findings' states after all its records, the finding ids it claims and the
  records it refers to, under a key of the unit's registration and its records'
  hashes and the catalog's facts the replay uses (:func:`context`), so that a
  run replays only the units whose records changed.

What crosses units (a finding id recorded by two units, a record following
one that is gone) is checked on every run, and a ledger with any problem is
read and replayed whole, so the ledger and its problems are the same with and
without the cache.

The cache is an optimisation only: written atomically (:func:`checkframe.util.fs.write_atomic`),
versioned by :data:`FORMAT` and by a digest of the code whose objects it holds, and ignored
(then rebuilt) when it is missing, corrupt, from another checkframe, or cannot be written
(a read-only ledger reads as before).  It is read with an unpickler that builds only the
ledger's own classes, dates and plain containers, so a cache file that came with a copied
ledger cannot run code.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path
from typing import Any

from checkframe.util import fs

__all__ = ["CACHE_DIR", "CACHE_FILE", "FORMAT", "Cache", "content_hash"]

CACHE_DIR = ".checkframe-cache"
CACHE_FILE = "ledger.pickle"
#: Bump when what is cached changes shape.
FORMAT = 4

#: The modules whose classes a cached record is made of; their source is part of the cache's version.
_MODULES = ("checkframe.ledger.records", "checkframe.ledger.findings", "checkframe.ledger.ledger", "checkframe.model")

#: What the unpickler may build: the ledger's records and their parts, enums, dates, and nothing that runs code.
_ALLOWED = {
    "builtins": {"tuple", "frozenset", "set", "list", "dict", "str", "int", "float", "bool", "bytes"},
    "datetime": {"date"},
}


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _code_version() -> str:
    import importlib
    import importlib.metadata

    digest = hashlib.blake2b(digest_size=16)
    digest.update(importlib.metadata.version("checkframe").encode())
    for name in _MODULES:
        source = importlib.import_module(name).__file__
        if source:
            digest.update(Path(source).read_bytes())
    return digest.hexdigest()


#: The classes found so far: each entry is a pickle of its own, so each names its classes again.
_FOUND: dict[tuple[str, str], Any] = {}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _FOUND.get((module, name))
        if found is not None:
            return found
        if module in _MODULES or name in _ALLOWED.get(module, ()):
            found = _FOUND[module, name] = super().find_class(module, name)
            return found
        raise pickle.UnpicklingError(f"{module}.{name} is not something a ledger cache holds")


def load(blob: bytes) -> Any:
    """One cached entry, unpickled with the restricted unpickler."""
    return _Unpickler(io.BytesIO(blob)).load()


def dump(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class Cache:
    """The cache of one ledger folder: records by content hash, unit replays by unit id, each pickled on its own.

    An entry stays bytes until it is asked for, so a run writes the cache back without pickling again
    what it did not read, and a pool's worker hands its records over pickled once.  ``context`` is the
    digest of what a unit's replay depends on besides its records (:func:`checkframe.ledger.ledger.context`):
    the unit replays of another context are dropped, the records kept.
    """

    def __init__(self, root: Path, context: str = "") -> None:
        self.path = Path(root) / CACHE_DIR / CACHE_FILE
        self.version = _code_version()
        self.context = context
        #: Content hash -> (unit id, pickled record).
        self.entries: dict[str, tuple[str, bytes]] = {}
        #: Unit id -> (key, pickled replay).
        self.units: dict[str, tuple[Any, bytes]] = {}
        self.used: set[str] = set()
        self.units_used: set[str] = set()
        #: Each record file's signature (size, times, inode) when it was hashed, and its hash: a file whose
        #: signature is unchanged is not read again to find its entry.
        self.signatures: dict[str, tuple[tuple[int, ...], str]] = {}
        self.seen: dict[str, tuple[tuple[int, ...], str]] = {}
        self.changed = False
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
        if not all(isinstance(held, tuple) and len(held) == 2 and isinstance(held[1], bytes)
                   for held in (*records.values(), *units.values())):
            self.changed = True
            return
        self.entries = records
        self.signatures = loaded["signatures"]
        if loaded.get("context") == self.context:
            self.units = units
        else:
            self.changed = True

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
        held = self.entries.get(key)
        if held is None:
            return None
        self.used.add(key)
        return held[0]

    def blob(self, key: str) -> bytes | None:
        """The cached record ``key`` as it is kept, pickled; None when it is not cached."""
        held = self.entries.get(key)
        return None if held is None else held[1]

    def _take(self, table: dict[str, Any], name: str, blob: bytes, used: set[str]) -> Any:
        """``blob`` of ``table[name]`` unpickled and kept for the next run; None (and dropped) when it is corrupt."""
        try:
            found = load(blob)
        except Exception:  # noqa: BLE001 - a corrupt entry is a miss: read or replayed again
            del table[name]
            self.changed = True
            return None
        used.add(name)
        return found

    def get(self, key: str) -> Any:
        held = self.entries.get(key)
        return None if held is None else self._take(self.entries, key, held[1], self.used)

    def put(self, key: str, unit: str, value: Any, blob: bytes | None = None) -> None:
        """Keep ``value`` of unit ``unit`` under ``key``; ``blob`` is it pickled already (by a pool's worker)."""
        self.entries[key] = (unit, blob if blob is not None else dump(value))
        self.used.add(key)
        self.changed = True

    def unit(self, unit: str, key: Any) -> Any:
        """The replay of ``unit`` cached under ``key``; None when there is none (or another key's)."""
        held = self.units.get(unit)
        if held is None or held[0] != key:
            return None
        return self._take(self.units, unit, held[1], self.units_used)

    def put_unit(self, unit: str, key: Any, value: Any, blob: bytes | None = None) -> None:
        """Keep the replay ``value`` of ``unit`` under ``key``; ``blob`` is it pickled already (by a task)."""
        self.units[unit] = (key, blob if blob is not None else dump(value))
        self.units_used.add(unit)
        self.changed = True

    def save(self) -> None:
        """Write the entries of this run's records and units (the others are dropped); a failure changes nothing."""
        if (not self.changed and len(self.used) == len(self.entries) and self.seen == self.signatures
                and len(self.units_used) == len(self.units)):
            return
        records = {key: self.entries[key] for key in self.used}
        signatures = {name: held for name, held in self.seen.items() if held[1] in records}
        units = {unit: self.units[unit] for unit in self.units_used}
        payload = dump({"format": FORMAT, "version": self.version, "context": self.context, "records": records,
                        "signatures": signatures, "units": units})
        try:
            self.path.parent.mkdir(exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                fs.write_atomic(ignore, "# checkframe's cache of parsed records; safe to delete\n*\n")
            fs.write_atomic(self.path, payload)
            (self.path.parent / "records.pickle").unlink(missing_ok=True)  # an older checkframe's cache
        except OSError:
            pass  # a read-only ledger, a full disk: the next run parses again
