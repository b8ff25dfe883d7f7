"""The records' parsed form, kept between runs by each file's content hash.

Parsing TOML is most of what a ledger run costs, and records are never
rewritten once filled in, so ``build_ledger`` keeps each record that reads, as
its :class:`~checkframe.ledger.records.Record` without the checkpoint rows plus
the rows' checkpoint ids, in ``<ledger>/.checkframe-cache/records.pickle``,
keyed by the BLAKE2b hash of the file's bytes.  A run after one new record
parses only that one.  What depends on anything but the file itself (the
catalog, the units, the other records) is checked again on every run, so the
ledger is the same with and without the cache.

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
CACHE_FILE = "records.pickle"
#: Bump when what is cached changes shape.
FORMAT = 3

#: The modules whose classes a cached record is made of; their source is part of the cache's version.
_MODULES = ("checkframe.ledger.records", "checkframe.ledger.findings", "checkframe.model")

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


class Cache:
    """The cached records of one ledger folder: content hash -> parsed record, each pickled on its own.

    An entry stays bytes until it is asked for, so a run writes the cache back without pickling again
    what it did not parse, and a pool's worker hands its records over pickled once.
    """

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / CACHE_DIR / CACHE_FILE
        self.version = _code_version()
        self.entries: dict[str, Any] = {}
        self.used: set[str] = set()
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
            loaded = _Unpickler(io.BytesIO(data)).load()
        except Exception:  # noqa: BLE001 - corrupt, truncated, foreign: any of them means rebuild
            self.changed = True
            return
        if (not isinstance(loaded, dict) or loaded.get("format") != FORMAT or loaded.get("version") != self.version
                or not isinstance(loaded.get("records"), dict) or not isinstance(loaded.get("signatures"), dict)):
            self.changed = True
            return
        if not all(isinstance(blob, bytes) for blob in loaded["records"].values()):
            self.changed = True
            return
        self.entries = loaded["records"]
        self.signatures = loaded["signatures"]

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

    def get(self, key: str) -> Any:
        blob = self.entries.get(key)
        if blob is None:
            return None
        try:
            found = _Unpickler(io.BytesIO(blob)).load()
        except Exception:  # noqa: BLE001 - a corrupt entry is a miss: the record is parsed again
            del self.entries[key]
            self.changed = True
            return None
        self.used.add(key)
        return found

    def put(self, key: str, value: Any, blob: bytes | None = None) -> None:
        """Keep ``value`` under ``key``; ``blob`` is it pickled already (by a pool's worker)."""
        self.entries[key] = blob if blob is not None else pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.used.add(key)
        self.changed = True

    def save(self) -> None:
        """Write the entries of this run's records (the others are dropped); a failure leaves the ledger as it was."""
        if not self.changed and len(self.used) == len(self.entries) and self.seen == self.signatures:
            return
        records = {key: self.entries[key] for key in self.used}
        signatures = {name: held for name, held in self.seen.items() if held[1] in records}
        payload = pickle.dumps({"format": FORMAT, "version": self.version, "records": records,
                                "signatures": signatures}, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.path.parent.mkdir(exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                fs.write_atomic(ignore, "# checkframe's cache of parsed records; safe to delete\n*\n")
            fs.write_atomic(self.path, payload)
        except OSError:
            pass  # a read-only ledger, a full disk: the next run parses again
