"""What a build keeps of the content files it read, so that the next reads only the files that changed.

Parsing the TOML of every content file and structuring it into the model is most of what building
the catalog costs (about a second for 10,000 checkpoints), and a department editing its content
changes one file at a time.  :class:`ContentCache` keeps, for every content file that read without a
problem, what :func:`checkframe.catalog.content.load_content_dir` made of it (the file's object and
where its entries are) under a digest of the file's text and kind; a file whose text is the one kept
is not parsed again.  Everything else (the folder's checks, the cross-checks of the catalog) runs
every time, so the catalog and its problems are the same with and without the cache.

The cache is a folder of pickles, one per content folder (a handbook build keeps it in
``.checkframe-cache/content/``).  Like the ledger's cache it is an optimisation only: written
atomically without flushing to disk, versioned by the code that made it
(:class:`checkframe.util.pickles.RestrictedPickles`), read with an unpickler that builds only the
model's classes, and ignored (then written anew) when it is missing, corrupt, another code's, or
cannot be written.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checkframe.util.fs import write_atomic
from checkframe.util.pickles import RestrictedPickles, dumps

__all__ = ["ContentCache", "FolderCache"]

log = logging.getLogger(__name__)

#: Bump when what is kept changes shape.
FORMAT = 2

#: The classes an entry is made of, and the code that reads a content file into them.
PICKLES = RestrictedPickles(
    ("checkframe.model", "checkframe.catalog.content"),
    versioned=("checkframe.catalog.convert", "checkframe.catalog.places", "checkframe.util.reading",
               "checkframe.errors", __name__),
    distributions=("attrs", "cattrs", "tomli"),
)

#: What a file read into: its object and, for each array of tables, the positions of the entries read.
Parsed = tuple[Any, dict[str, list[int]]]


def _digest(text: str, kind: type) -> str:
    return hashlib.blake2b(f"{kind.__qualname__}\0{text}".encode(), digest_size=20).hexdigest()


class FolderCache:
    """The kept files of one content folder: relative path -> (digest of text and kind, what it read into)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.files: dict[str, tuple[str, Parsed]] = {}
        self.kept: dict[str, tuple[str, Parsed]] = {}
        #: relative path -> (digest of text and kind, a digest of each object it holds): read, and this run's.
        self.values: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.kept_values: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._replaced = False
        self._read()

    def _read(self) -> None:
        try:
            held = PICKLES.loads(self.path.read_bytes())
        except FileNotFoundError:
            return
        except Exception:  # unreadable, corrupt, foreign: every file is read again
            log.debug("content cache %s unread", self.path, exc_info=True)
            return
        if (isinstance(held, dict) and held.get("format") == FORMAT and held.get("version") == PICKLES.version()
                and isinstance(held.get("files"), dict)):
            self.files = {rel: entry for rel, entry in held["files"].items() if _well_formed(rel, entry)}
            values = held.get("values")
            if isinstance(values, dict):
                self.values = {rel: entry for rel, entry in values.items() if isinstance(rel, str) and isinstance(
                    entry, tuple) and len(entry) == 2 and isinstance(entry[0], str) and isinstance(entry[1], tuple)
                    and all(isinstance(v, str) for v in entry[1])}

    def get(self, rel: str, kind: type, text: str) -> Parsed | None:
        """What ``rel`` read into when its text was ``text``; None when that is not kept."""
        entry = self.files.get(rel)
        if entry is None or entry[0] != _digest(text, kind):
            return None
        obj, positions = entry[1]
        if type(obj) is not kind:
            return None
        self.kept[rel] = entry
        return obj, {name: list(found) for name, found in positions.items()}

    def put(self, rel: str, kind: type, text: str, parsed: Parsed) -> None:
        """Keep what ``rel`` (of text ``text``) read into, without a problem."""
        obj, positions = parsed
        self.kept[rel] = (_digest(text, kind), (obj, {name: list(found) for name, found in positions.items()}))

    def replace(self, rel: str, obj: Any) -> None:
        """Keep ``obj`` for ``rel`` instead of what it read into: the same value with what its folder adds (its
        checkpoints placed in their sector and group), so that a later run need not add it again."""
        entry = self.kept.get(rel)
        if entry is not None:
            self.kept[rel] = (entry[0], (obj, entry[1][1]))
            self._replaced = True

    def value_digests(self, rel: str, objects: Sequence[Any]) -> tuple[str, ...] | None:
        """A digest of each of ``objects`` (what ``rel`` read into in this run, or made of it) by its repr, which
        stands for its value; kept with the file, so that a file read from the cache needs no repr.  None when the
        file is not kept (it did not read without a problem)."""
        entry = self.kept.get(rel)
        if entry is None:
            return None
        old = self.values.get(rel)
        if old is None or old[0] != entry[0] or len(old[1]) != len(objects):
            old = (entry[0], tuple(hashlib.blake2b(repr(o).encode(), digest_size=20).hexdigest() for o in objects))
        self.kept_values[rel] = old
        return old[1]

    @property
    def changed(self) -> bool:
        return self._replaced or self.kept.keys() != self.files.keys() or any(
            self.files[rel][0] != entry[0] for rel, entry in self.kept.items()) or self.kept_values != self.values

    @property
    def version(self) -> str:
        """What the kept files were read by (the code and libraries, see :class:`RestrictedPickles`)."""
        return PICKLES.version()

    def save(self) -> None:
        """Write what this run read (files gone or broken are dropped); unchanged, nothing is written."""
        if not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, dumps({"format": FORMAT, "version": PICKLES.version(), "files": self.kept,
                                       "values": self.kept_values}), durable=False)


def _well_formed(rel: Any, entry: Any) -> bool:
    return (isinstance(rel, str) and isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)
            and isinstance(entry[1], tuple) and len(entry[1]) == 2 and isinstance(entry[1][1], dict)
            and all(isinstance(k, str) and isinstance(v, list) and all(type(i) is int for i in v)
                    for k, v in entry[1][1].items()))


class ContentCache:
    """The content cache in ``folder``: one :class:`FolderCache` per content folder read, by its path."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.folders: dict[Path, FolderCache] = {}

    def for_folder(self, root: Path) -> FolderCache:
        root = Path(root).absolute()
        found = self.folders.get(root)
        if found is None:
            name = hashlib.blake2b(root.as_posix().encode(), digest_size=10).hexdigest()
            found = self.folders[root] = FolderCache(self.folder / f"{name}.pickle")
        return found

    def save(self) -> None:
        """Write each folder's file that changed; one that cannot be written is left (the next build reads more)."""
        for cache in self.folders.values():
            try:
                cache.save()
            except OSError as exc:
                log.warning("could not keep the parsed content in %s: %s", cache.path.as_posix(), exc)
