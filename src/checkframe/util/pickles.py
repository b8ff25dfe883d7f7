"""Pickles that checkframe's caches keep between runs, read back without letting a cache file run code.

A cache lives in the user's folders (a handbook project, a ledger) and may come along when one is
copied from someone else, so it is read with an unpickler that builds only the classes of the
modules the cache was made of, a few plain builtins and dates: anything else in the file is
refused, and the cache that reads it counts it as corrupt.  :meth:`RestrictedPickles.version`
is a digest of checkframe's version and of those modules' source, so that a cache written by
other code is not taken for this code's.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import io
import pickle
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["PLAIN", "RestrictedPickles", "dumps"]

#: What any cache may build besides its modules' classes: plain containers, numbers, text and dates.
PLAIN: dict[str, frozenset[str]] = {
    "builtins": frozenset({"tuple", "frozenset", "set", "list", "dict", "str", "int", "float", "bool", "bytes"}),
    "datetime": frozenset({"date"}),
}


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class RestrictedPickles:
    """Unpickling of what one cache holds: the classes of ``modules`` (by module name) and :data:`PLAIN`.

    ``versioned`` are further modules whose source the cache's entries depend on (the code that made
    them) without being their classes; with ``modules``, :meth:`version` digests them, and the
    ``distributions``' versions (a library whose behaviour made the entries).
    """

    def __init__(self, modules: Iterable[str], versioned: Iterable[str] = (), distributions: Iterable[str] = ()) -> None:
        self.modules = frozenset(modules)
        self.versioned = (*sorted(self.modules), *versioned)
        self.distributions = tuple(distributions)
        #: The classes found so far: a cache's entries are often pickles of their own, each naming its classes.
        self._found: dict[tuple[str, str], Any] = {}
        self._version: str | None = None

    def loads(self, blob: bytes) -> Any:
        """``blob`` unpickled; :class:`pickle.UnpicklingError` for anything it may not build."""
        return _Unpickler(io.BytesIO(blob), self).load()

    def allows(self, module: str, name: str) -> bool:
        """Whether this cache may build ``module.name``."""
        return module in self.modules or name in PLAIN.get(module, ())

    def version(self) -> str:
        """A digest of Python's and checkframe's versions, the versioned modules' source and the distributions' versions
        (those not installed said so)."""
        if self._version is None:
            digest = hashlib.blake2b(digest_size=16)
            digest.update(f"python {sys.version}\n".encode())
            for distribution in ("checkframe", *self.distributions):
                try:
                    version = importlib.metadata.version(distribution)
                except importlib.metadata.PackageNotFoundError:
                    version = "not installed"
                digest.update(f"{distribution} {version}\n".encode())
            for name in self.versioned:
                source = importlib.import_module(name).__file__
                if source:
                    digest.update(Path(source).read_bytes())
            self._version = digest.hexdigest()
        return self._version


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, pickles: RestrictedPickles) -> None:
        super().__init__(file)
        self._pickles = pickles

    def find_class(self, module: str, name: str) -> Any:
        found = self._pickles._found.get((module, name))
        if found is not None:
            return found
        if not self._pickles.allows(module, name):
            raise pickle.UnpicklingError(f"{module}.{name} is not something this cache holds")
        found = self._pickles._found[module, name] = super().find_class(module, name)
        return found
