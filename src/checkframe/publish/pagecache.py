"""The build cache of rendered pages: what each page of the last build was rendered from, and what it gave.

For every page the cache keeps a :class:`PageRecord`: the page's key (a
digest of what it is rendered from, see
:meth:`checkframe.publish.site.SiteRenderer.finish`), the digest of the bytes
written, and the facts the rest of the build takes from a rendered page: its links and ids (for the link
check) and its search document.  A page whose key is unchanged is read back
from the output and checked against its digest, instead of being rendered, and
hard-linked into the new output; its file is not even read when its size, modification time and inode are
those recorded when it was written or linked, and it is older than the cache by a margin (as git's index
trusts a file's stat: a page edited in place by hand keeping its size and time is not noticed).

Beside the pages it keeps what the last build derived from each checkpoint that has a fingerprint
(:meth:`checkframe.catalog.Catalog.fingerprint`), by that fingerprint: its part of the catalog's export
(whose digest is the catalog's check code, 内容校验码) and the checkpoints its texts reference (which page keys hold).

The file is ``<cache>/pages.marshal``: :mod:`marshal` holds only plain data
(no code runs when it is read) and is fast for the 10,000 pages of a large
catalog.  Anything unexpected in it (another format, another Python, a
truncated file) makes it unread: the build is then a cold one.

Import order: ``links`` < this module < ``site`` < ``pages`` < ``build``.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import time
from pathlib import Path
from typing import Any

import attrs

from checkframe.publish.links import KeptLinks, keep_links
from checkframe.util.fs import write_atomic

__all__ = ["FILE", "PAGE_CACHE_FORMAT", "RACY_MARGIN_NS", "Facts", "Guide", "PageCache", "PageRecord", "PageReuse",
           "Stat", "bytes_digest", "file_stat", "load", "save"]

#: Raised when what a record holds, or how a page key is made, changes shape: no old record is taken for a new one.
PAGE_CACHE_FORMAT = 9
#: The cache file, in the build cache folder.
FILE = "pages.marshal"
#: A page file modified less than this before the page cache was written is "racily clean" (as git says of an
#: entry not older than its index): an edit in the same tick of the file system's clock (two seconds on some) could
#: keep its size and time, so its bytes are read and checked whatever its stat says.
RACY_MARGIN_NS = 2_000_000_000

#: What the page cache keeps of a written page's file: its size, modification time (ns) and inode.
Stat = tuple[int, int, int]


def file_stat(info: os.stat_result) -> Stat:
    """What the page cache keeps of a file's ``os.stat`` (:data:`Stat`)."""
    return info.st_size, info.st_mtime_ns, info.st_ino


def bytes_digest(data: bytes) -> str:
    """The digest of a written file's bytes, as a record keeps it."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@attrs.frozen
class PageRecord:
    """What the cache keeps of one rendered page."""

    #: The digest of what the page was rendered from (its key).
    key: str
    #: The digest of the bytes written (:func:`bytes_digest`).
    digest: str
    #: The page's links and ids, as :func:`checkframe.publish.links.page_links` found them, or as the page cache
    #: keeps them (:func:`checkframe.publish.links.keep_links`).
    links: KeptLinks
    #: The page's search document without its tokens (:meth:`checkframe.publish.search.Document.kept`), or None.
    document: tuple[Any, ...] | None


#: What a build derived from a checkpoint with a fingerprint: its part of the export's text
#: (:func:`checkframe.catalog.export.checkpoint_json`) and the ids of the checkpoints it references.
Facts = tuple[str, tuple[str, ...]]


#: The author guide's pages as a build made them: the key of what they are made from (checkframe's own files
#: and the libraries whose objects they describe, see :func:`checkframe.publish.pages.guide_key`) and each page's
#: (slug, title, Markdown).  Making them anew inspects the code: most of a second in every fresh process.
Guide = tuple[str, tuple[tuple[str, str, str], ...]]


@attrs.define
class PageCache:
    """The records of the last build's pages, the author guide's, the search index's state and the facts."""

    pages: dict[str, PageRecord] = attrs.Factory(dict)
    guide: Guide = ("", ())
    #: What made the search index (checkframe's own files, :func:`checkframe.publish.inputs.package_digest`) and its
    #: state (:class:`checkframe.publish.search.IndexState` as a plain tuple), or None.
    search: tuple[str, tuple[Any, ...]] | None = None
    #: The digest of every path a link could reach (:func:`checkframe.publish.links.targets_digest`); "" for none.
    targets: str = ""
    #: What made :attr:`facts` (:func:`checkframe.publish.inputs.package_digest`), and the facts by fingerprint.
    facts: tuple[str, dict[str, Facts]] = attrs.Factory(lambda: ("", {}))
    #: The :data:`Stat` of each page's file in the last output, as written or linked there (the file the next build
    #: checks: a hard link shares its inode and time with the file it links).
    stats: dict[str, Stat] = attrs.Factory(dict)
    #: When the cache was written (``time.time_ns()``); a page file not older than this less :data:`RACY_MARGIN_NS`
    #: is read and checked even when its stat is the recorded one.
    saved: int = 0

    def trusted(self, path: str, info: os.stat_result) -> bool:
        """Whether the file of the page at ``path``, whose ``os.lstat`` is ``info``, is taken to hold the recorded
        bytes without reading it: its stat is the one recorded, and it is older than the cache (less the margin)."""
        return (self.stats.get(path) == (info.st_size, info.st_mtime_ns, info.st_ino)
                and info.st_mtime_ns < self.saved - RACY_MARGIN_NS)


@attrs.define
class PageReuse:
    """What a build gives the renderer to reuse pages, and what the renderer tells it back."""

    #: The last build's records, or None for a cold build (every page rendered).
    previous: PageCache | None
    #: The folder the last build wrote, where the pages of ``previous`` are read back from.
    output: Path | None
    #: Filled by the renderer: the record of every page of this build.
    records: dict[str, PageRecord] = attrs.Factory(dict)
    #: Filled by the renderer: the paths of the pages it rendered; every other page was read back.
    rendered: list[str] = attrs.Factory(list)
    #: Filled by the renderer: the pages read back, whose bytes are those of their file in :attr:`output` (to be
    #: hard-linked from there).
    kept: set[str] = attrs.Factory(set)
    #: Filled by the renderer: the author guide's pages of this build, as the next may take them.
    guide: Guide = ("", ())
    #: Filled by the build: the state of this build's search index, as :attr:`PageCache.search`.
    search: tuple[str, tuple[Any, ...]] | None = None
    #: Filled by the build: as :attr:`PageCache.targets`.
    targets: str = ""
    #: Filled by the renderer: the facts of this build's checkpoints, as :attr:`PageCache.facts`.
    facts: tuple[str, dict[str, Facts]] = attrs.Factory(lambda: ("", {}))
    #: Filled by the renderer: the pages of :attr:`kept` trusted by their file's stat (:meth:`PageCache.trusted`),
    #: not read, with their size: their bytes in the site's files are ``b""``, their file's are the recorded ones.
    unread: dict[str, int] = attrs.Factory(dict)
    #: Filled by the build as it writes the output: each file's :data:`Stat` there.
    stats: dict[str, Stat] = attrs.Factory(dict)

    def cache(self) -> PageCache:
        """What to keep for the next build."""
        stats = {path: self.stats[path] for path in self.records if path in self.stats}
        return PageCache(self.records, self.guide, self.search, self.targets, self.facts, stats)


def _header() -> list[Any]:
    return ["checkframe pages", PAGE_CACHE_FORMAT, sys.version, marshal.version]


def load(cache_dir: Path) -> PageCache | None:
    """The page cache of ``cache_dir``, or None when there is none or it cannot be used."""
    try:
        data = marshal.loads((cache_dir / FILE).read_bytes())
        header, rows, (guide_key, guide_pages), search, targets, (facts_by, facts), stats, saved = data
        if header != _header():
            return None
        pages = {path: PageRecord(key, digest, links, document) for path, key, digest, links, document in rows}
        guide = (guide_key, tuple((slug, title, text) for slug, title, text in guide_pages))
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not all(isinstance(record.links, bytes) for record in pages.values()):
        return None
    if not isinstance(guide_key, str) or not isinstance(targets, str) or not all(
            isinstance(part, str) for page in guide[1] for part in page):
        return None
    if not (isinstance(facts_by, str) and isinstance(facts, dict) and all(
            type(fp) is str and type(fact) is tuple and len(fact) == 2 and type(fact[0]) is str
            and type(fact[1]) is tuple and all(type(ref) is str for ref in fact[1]) for fp, fact in facts.items())):
        facts_by, facts = "", {}
    if search is not None and not (isinstance(search, tuple) and len(search) == 2 and isinstance(search[0], str)
                                   and isinstance(search[1], tuple) and len(search[1]) == 4
                                   and isinstance(search[1][0], dict) and isinstance(search[1][1], dict)
                                   and isinstance(search[1][2], int) and isinstance(search[1][3], dict)):
        search = None
    if not (type(saved) is int and isinstance(stats, dict) and all(
            type(stat) is tuple and len(stat) == 3 and all(type(n) is int for n in stat) for stat in stats.values())):
        stats, saved = {}, 0
    return PageCache(pages, guide, search, targets, (facts_by, facts), stats, saved)


def save(cache_dir: Path, cache: PageCache) -> None:
    """Write ``cache`` into ``cache_dir`` atomically.

    :raises OSError: when it cannot be written.
    """
    rows = [(path, r.key, r.digest, keep_links(r.links), r.document) for path, r in cache.pages.items()]
    cache_dir.mkdir(parents=True, exist_ok=True)
    search = None if cache.search is None else (cache.search[0], tuple(cache.search[1]))  # marshal: plain tuples
    # A cache, not a record: no flush to disk (tens of megabytes at 10,000 pages); a file cut short by a power
    # failure does not load, and every record is checked against the page it stands for.
    cache.saved = time.time_ns()  # after every page's file was written: see PageCache.trusted
    write_atomic(cache_dir / FILE, marshal.dumps((_header(), rows, cache.guide, search, cache.targets,
                                                 cache.facts, cache.stats, cache.saved)), durable=False)
