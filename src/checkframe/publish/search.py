"""The built-in search index: Chinese and ASCII search with no server and no binary, over HTTP and from ``file://``.

::

    rendered pages → documents (title, sector, text) → tokens → postings, sharded → small JavaScript files

A *document* is a page whose ``<main>`` carries :data:`BODY`; its title is the
``<h1>``, its text what ``<main>`` shows besides, without the elements marked
:data:`IGNORE` (labels such as 检查内容, the pager, indexes), so that an excerpt
is always the page's own words.  ``<main>`` also says what kind of page it is
(:data:`KIND`: a checkpoint or a list) and whether it is a major hazard
(:data:`MAJOR`).  :func:`document` reads all this from a rendered page with
regular expressions, in the render workers.

Tokens follow Lucene's CJK analyzer: the text is folded (NFKC, lowercase, see
:func:`fold`); a run of CJK characters gives its overlapping bigrams, a run of
ASCII letters and digits gives a word.  Unlike Lucene, every CJK character is
also indexed alone, so that a one-character query finds it inside a longer
run; a word mixing letters and digits (``gb50016``) also gives its letter and
digit runs (``gb``, ``50016``).

A query is split on whitespace; every term must occur in the page's folded
text as a substring.  Candidates are the intersection of the postings of the
term's tokens, then each is verified against the title and text, so that 瓦斯 and 斯抽
elsewhere on a page do not match 瓦斯抽.  Checkpoints come before other pages;
of each, those with every term in the title first, then the others, each in
catalog order (:func:`rank`).  :func:`query` is the
reference; ``static/search.js`` does the same in the browser (a browser test
runs the same queries through both).

The index is a folder of JavaScript files that each call
``cfSearch.load(name, data)``, so the browser can load them with ``<script>``
tags, which work from ``file://`` where ``fetch`` does not:

- ``search/meta.js``: the number of documents and shards, where each text file starts, the sector
  names and each document's sector (as runs);
- ``search/t-<n>.js``: the postings of the tokens whose :func:`token_hash` falls
  in shard ``n``: token → [document numbers, of them those with it in the title],
  both delta-encoded;
- ``search/d-<n>.js``: a run of documents, from the n-th start listed in ``meta.js`` (at most
  :data:`CHUNK`, about :data:`CHUNK_CHARS` characters): [path, title, sector number, text,
  1 for a checkpoint or 0, 1 for a major hazard or 0].

The files are byte-identical for the same pages.
"""

from __future__ import annotations

import bisect
import hashlib
import html as html_lib
import json
import operator
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, NamedTuple

__all__ = ["BODY", "IGNORE", "KIND", "MAJOR", "SECTOR", "Document", "IndexState", "Page", "Previous", "build_index",
           "document", "fold", "index_files", "query", "rank", "read_page", "tokens"]

#: The attribute of ``<main>`` that makes a page searchable.
BODY = "data-search-body"
#: The attribute of ``<main>`` naming the page's sector (the sector filter).
SECTOR = "data-search-sector"
#: The attribute of ``<main>`` saying what the page is: ``checkpoint`` ranks first, ``list`` (or none) after.
KIND = "data-search-kind"
#: The attribute of ``<main>`` that marks a checkpoint of a major hazard (the 重大 badge on a hit).
MAJOR = "data-search-major"
#: Elements with this attribute are left out of the searched text.
IGNORE = "data-search-ignore"

FOLDER = "search"
FORMAT = 2
#: At most this many documents per text file, and about this many characters.
CHUNK = 32
CHUNK_CHARS = 12_000
#: The aimed-at size of a postings file, in bytes.
SHARD_BYTES = 24_000

# -- Documents, read from rendered pages -----------------------------------------------------

_SECTOR_ATTR = re.compile(SECTOR + r"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_KIND_ATTR = re.compile(KIND + r"""\s*=\s*["']checkpoint["']""")
_MAJOR_ATTR = re.compile(MAJOR + r"(?![\w-])")
_RAW = re.compile(r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
_IGNORED = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*\s" + IGNORE + r"\b[^>]*>.*?</\1\s*>", re.DOTALL)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.DOTALL | re.IGNORECASE)
#: Tags that separate words; other tags (<a>, <strong>, <code> ...) are taken out without a trace.
_BLOCK = re.compile(
    r"</?(?:p|div|br|li|ul|ol|dl|dt|dd|h[1-6]|table|thead|tbody|tr|td|th|section|article|header|footer|nav"
    r"|aside|blockquote|pre|figure|figcaption|hr|details|summary|caption)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def _text(html: str) -> str:
    """The page's words, one line per block (paragraph, list item, table cell): an excerpt stays within one."""
    words = _SPACE.sub(" ", html_lib.unescape(_TAG.sub("", _BLOCK.sub("\0", html))))
    return "\n".join(line for line in (part.strip() for part in words.split("\0")) if line)


class Page(NamedTuple):
    """What search takes from a rendered page."""

    title: str
    sector: str
    text: str
    checkpoint: bool = False
    major: bool = False


class Document(NamedTuple):
    """A searchable page: where it is, its title, sector and text, and its tokens (see :func:`tokens`)."""

    path: str
    title: str
    sector: str
    text: str
    #: The text's tokens, then the title's, each joined by newlines: one string each is cheap to send
    #: from a render worker.  None in a document taken from the page cache, which does not keep them
    #: (:meth:`kept`): :func:`build_index` makes them again when it needs them.
    tokens: str | None
    title_tokens: str | None
    checkpoint: bool = False
    major: bool = False

    def kept(self) -> tuple[Any, ...]:
        """What the page cache keeps of the document: all but its tokens, which follow from the rest."""
        return self.path, self.title, self.sector, self.text, self.checkpoint, self.major

    @classmethod
    def from_kept(cls, kept: tuple[Any, ...]) -> Document:
        """The document that :meth:`kept` gave, without its tokens."""
        path, title, sector, text, checkpoint, major = kept
        return cls(path, title, sector, text, None, None, checkpoint, major)

    @classmethod
    def of(cls, path: str, title: str, sector: str, text: str, checkpoint: bool = False,
           major: bool = False) -> Document:
        return cls(path, title, sector, text, "\n".join(tokens(fold(text))), "\n".join(tokens(fold(title))),
                   checkpoint, major)


def read_page(page: str) -> Page | None:
    """A rendered page's :class:`Page`, or ``None`` when its ``<main>`` does not carry :data:`BODY`.

    The title is the ``<h1>``'s text; the text is the rest.  Elements carrying
    :data:`IGNORE` must not hold another element of the same name.
    """
    start = page.find("<main ")  # the templates' own <main>: page text before it is escaped
    end = page.find(">", start)
    if start < 0 or end < 0 or BODY not in page[start:end]:
        return None
    attrs = page[start:end]
    close = page.find("</main>", end)
    body = page[end + 1:close if close >= 0 else len(page)]
    sector = _SECTOR_ATTR.search(attrs)
    if "<!--" in body or "<script" in body or "<style" in body or "<template" in body:
        body = _RAW.sub(" ", body)
    if IGNORE in body:
        body = _IGNORED.sub(" ", body)
    h1 = _H1.search(body)
    title = _text(h1.group(1)) if h1 else ""
    if h1:
        body = body[:h1.start()] + " " + body[h1.end():]
    return Page(title, html_lib.unescape(sector.group(1) or sector.group(2) or "") if sector else "", _text(body),
                _KIND_ATTR.search(attrs) is not None, _MAJOR_ATTR.search(attrs) is not None)


def document(path: str, page: str) -> Document | None:
    """The search document of a rendered page, tokens included, or ``None`` (see :func:`read_page`)."""
    found = read_page(page)
    return None if found is None else Document.of(path, *found)


# -- Tokens ----------------------------------------------------------------------------------

_CJK_RANGES = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
_TOKEN = re.compile(f"([{_CJK_RANGES}]+)|([a-z0-9]+)")
_ALNUM_PARTS = re.compile(r"[a-z]+|[0-9]+")


class _Folding(dict[int, str]):
    """What :func:`fold` maps each character to, worked out the first time it is met."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char).lower()
        # One character, of the same UTF-16 length (search.js cuts excerpts by UTF-16 positions), or none.
        if len(folded) != 1 or (ord(folded) > 0xFFFF) != (code > 0xFFFF):
            folded = char
        self[code] = folded
        return folded


_FOLDING = _Folding()


def fold(text: str) -> str:
    """Each character NFKC-normalized and lowercased, on its own; one that would become several stays as it is.

    The folded text is as long as the text, so an excerpt can be cut from the
    text where the folded text matched.
    """
    return text.translate(_FOLDING)


_BIGRAM = re.compile(f"(?=([{_CJK_RANGES}]{{2}}))")
_CJK_CHAR = re.compile(f"[{_CJK_RANGES}]")
_WORD = re.compile(r"[a-z0-9]+")


def tokens(folded: str) -> set[str]:
    """The tokens a document is found by (see the module's docstring)."""
    found = set(_BIGRAM.findall(folded))
    found.update(_CJK_CHAR.findall("".join(set(folded))))
    for word in set(_WORD.findall(folded)):
        found.add(word)
        if not (word.isalpha() or word.isdigit()):
            found.update(_ALNUM_PARTS.findall(word))
    return found


def query_tokens(folded_term: str) -> list[str]:
    """The tokens whose postings a term's candidates must all be in: the bigrams of a CJK run (one character alone)."""
    found: list[str] = []
    for match in _TOKEN.finditer(folded_term):
        run = match.group(1)
        if run:
            found.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
        else:
            found.append(match.group(2))
    return list(dict.fromkeys(found))


def token_hash(token: str) -> int:
    """FNV-1a over the token's code points, 32 bits (``static/search.js`` computes the same)."""
    h = 0x811C9DC5
    for char in token:
        h = ((h ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return h


# -- The index files -------------------------------------------------------------------------


def _js(name: str, data: Any) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f'cfSearch.load("{name}",{payload});\n'.encode()


def _deltas(numbers: list[int]) -> list[int]:
    return [*numbers[:1], *map(operator.sub, numbers[1:], numbers)]


def index_files(documents: Iterable[Document]) -> dict[str, bytes]:
    """The index of ``documents``, in catalog order, as ``{path: bytes}``."""
    return build_index(documents)[0]


class IndexState(NamedTuple):
    """What an index was made of, for the next build to patch it (:func:`build_index`): every token's postings
    (document numbers, ascending) in the text or title and in the title, how many postings files there were, and
    the digest of each file's bytes.  Plain data, kept in the page cache (:mod:`checkframe.publish.pagecache`)."""

    postings: dict[str, list[int]]
    in_title: dict[str, list[int]]
    shards: int
    digests: dict[str, str]


class Previous(NamedTuple):
    """The last build's index: its documents, in order, its state, and how to read one of its files (None when it
    cannot be read)."""

    documents: list[Document]
    state: IndexState
    read: Callable[[str], bytes | None]


def build_index(documents: Iterable[Document], previous: Previous | None = None) -> tuple[dict[str, bytes], IndexState]:
    """The index of ``documents`` (as :func:`index_files`) and its :class:`IndexState`.

    With ``previous``, and the same pages in the same order, the postings of the documents that changed are
    patched and only the files they change are encoded again; the others are read from the last build's index,
    each checked against its digest (encoded again when it does not match).  The files are those of an index
    made from nothing either way.
    """
    docs = list(documents)
    if previous is not None and len(previous.documents) == len(docs) and all(
            new.path == old.path for new, old in zip(docs, previous.documents, strict=True)):
        changed = [n for n, (new, old) in enumerate(zip(docs, previous.documents, strict=True))
                   if new.kept() != old.kept()]  # the tokens follow from the rest
        patched = _patched_postings(docs, previous, changed)
        if patched is not None:
            postings, in_title, touched = patched
            return _index(docs, postings, in_title, previous, touched, changed)
    postings, in_title = _postings(docs)
    return _index(docs, postings, in_title)


def _postings(docs: list[Document]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    postings: defaultdict[str, list[int]] = defaultdict(list)
    in_title: defaultdict[str, list[int]] = defaultdict(list)
    for number, doc in enumerate(docs):
        text, title = _token_lists(doc)
        for token in text:
            postings[token].append(number)
        if title:
            for token in title:
                in_title[token].append(number)
                # A title outside the <main> text still finds its page: its tokens are the page's too.  The
                # page's own text tokens came just before, so the last number tells whether it has this one.
                found = postings[token]
                if not found or found[-1] != number:
                    found.append(number)
    return dict(postings), dict(in_title)


def _token_sets(doc: Document) -> tuple[set[str], set[str]] | None:
    """The tokens under which ``doc`` is listed (its text's and its title's) and those of its title; None when
    a token is given twice (the postings would then list the document twice, which :func:`tokens` never does)."""
    text, title = _token_lists(doc)
    listed, titled = set(text), set(title)
    if len(listed) != len(text) or len(titled) != len(title):
        return None
    return listed | titled, titled


def _token_lists(doc: Document) -> tuple[list[str], list[str]]:
    """The document's text tokens and title tokens, made again from its text and title where it has none."""
    text, title = doc.tokens, doc.title_tokens
    if text is None or title is None:
        text, title = "\n".join(tokens(fold(doc.text))), "\n".join(tokens(fold(doc.title)))
    return text.split("\n"), title.split("\n") if title else []


def _patched_postings(docs: list[Document], previous: Previous, changed: list[int],
                      ) -> tuple[dict[str, list[int]], dict[str, list[int]], set[str]] | None:
    """The last index's postings with the ``changed`` documents' tokens taken out and put in again, and the
    tokens whose postings changed; None when they cannot be patched."""
    postings, in_title = dict(previous.state.postings), dict(previous.state.in_title)  # lists copied when changed
    touched: set[str] = set()
    for number in changed:
        new, old = _token_sets(docs[number]), _token_sets(previous.documents[number])
        if new is None or old is None:
            return None
        for table, now, before in ((postings, new[0], old[0]), (in_title, new[1], old[1])):
            for token in before - now:
                numbers = list(table.get(token, ()))
                at = bisect.bisect_left(numbers, number)
                if at == len(numbers) or numbers[at] != number:
                    return None  # the state does not hold what the last documents say: made anew
                del numbers[at]
                if numbers:
                    table[token] = numbers
                else:
                    del table[token]
            for token in now - before:
                numbers = list(table.get(token, ()))
                at = bisect.bisect_left(numbers, number)
                if at < len(numbers) and numbers[at] == number:
                    return None
                numbers.insert(at, number)
                table[token] = numbers
            touched |= now ^ before
    return postings, in_title, touched


def _chunk_starts(docs: list[Document]) -> list[int]:
    """Pages in chunks of at most CHUNK pages and about CHUNK_CHARS characters; a long page is a chunk of its own."""
    starts: list[int] = []
    size = 0
    for n, doc in enumerate(docs):
        if not starts or n - starts[-1] >= CHUNK or size + len(doc.text) > CHUNK_CHARS:
            starts.append(n)
            size = 0
        size += len(doc.text)
    return starts


def _index(docs: list[Document], postings: dict[str, list[int]], in_title: dict[str, list[int]],
           previous: Previous | None = None, touched: Collection[str] = frozenset(), changed: Collection[int] = (),
           ) -> tuple[dict[str, bytes], IndexState]:
    """The index files of ``docs`` from their postings; with ``previous``, a file that nothing ``touched`` or
    ``changed`` changes is read from the last index instead of being encoded."""
    entries = sum(map(len, postings.values()))
    shards = 1
    while shards * SHARD_BYTES < entries * 3 and shards < 4096:
        shards *= 2
    old = previous.state if previous is not None else None
    digests: dict[str, str] = {}

    def reused(path: str) -> bytes | None:
        if old is None or previous is None or path not in old.digests:
            return None
        data = previous.read(path)
        if data is None or _digest(data) != old.digests[path]:
            return None
        digests[path] = old.digests[path]
        return data

    def encoded(path: str, name: str, data: Any) -> bytes:
        payload = _js(name, data)
        digests[path] = _digest(payload)
        return payload

    sectors = list(dict.fromkeys(doc.sector for doc in docs if doc.sector))
    sector_number = {name: i for i, name in enumerate(sectors)}
    runs: list[list[int]] = []
    for doc in docs:
        index = sector_number.get(doc.sector, -1)
        if runs and runs[-1][0] == index:
            runs[-1][1] += 1
        else:
            runs.append([index, 1])
    starts = _chunk_starts(docs)

    files: dict[str, bytes] = {}
    files[f"{FOLDER}/meta.js"] = encoded(f"{FOLDER}/meta.js", "meta", {
        "format": FORMAT, "docs": len(docs), "chunks": starts, "shards": shards, "sectors": sectors, "sectorRuns": runs,
    })
    # With another number of postings files, every token is in another file.
    stale = range(shards) if old is None or old.shards != shards else {token_hash(token) % shards for token in touched}
    by_shard: dict[int, list[str]] = {}
    for token in sorted(postings):
        by_shard.setdefault(token_hash(token) % shards, []).append(token)
    for n in range(shards):
        path = f"{FOLDER}/t-{n}.js"
        data = None if n in stale else reused(path)
        if data is None:
            data = encoded(path, f"t-{n}", {token: [_deltas(postings[token]), _deltas(in_title.get(token, []))]
                                            for token in by_shard.get(n, [])})
        files[path] = data
    old_chunks: list[tuple[int, int]] = []
    if previous is not None:
        before = _chunk_starts(previous.documents)
        old_chunks = list(zip(before, [*before[1:], len(previous.documents)][:len(before)], strict=True))
    renewed = set(changed)
    for c, (start, end) in enumerate(zip(starts, [*starts[1:], len(docs)][:len(starts)], strict=True)):
        path = f"{FOLDER}/d-{c}.js"
        same = c < len(old_chunks) and old_chunks[c] == (start, end) and renewed.isdisjoint(range(start, end))
        data = reused(path) if same else None
        if data is None:
            data = encoded(path, f"d-{c}", [
                [doc.path, doc.title, sector_number.get(doc.sector, -1), doc.text, int(doc.checkpoint), int(doc.major)]
                for doc in docs[start:end]
            ])
        files[path] = data
    return files, IndexState(postings, in_title, shards, digests)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


# -- The query, as search.js runs it -----------------------------------------------------------

_LOAD = re.compile(rb'^cfSearch\.load\("([^"]+)",(.*)\);\n\Z', re.DOTALL)


def _load(files: Mapping[str, bytes], name: str) -> Any:
    match = _LOAD.match(files[f"{FOLDER}/{name}.js"])
    if match is None:
        raise ValueError(f"{FOLDER}/{name}.js is not a search index file")
    return json.loads(match.group(2))


def _undelta(deltas: list[int]) -> list[int]:
    total = 0
    out = []
    for d in deltas:
        total += d
        out.append(total)
    return out


def terms(text: str) -> list[str]:
    """The query's terms, folded; terms without a token (punctuation only) are left out."""
    return [term for term in dict.fromkeys(fold(text).split()) if query_tokens(term)]


def query(files: Mapping[str, bytes], text: str, sector: str | None = None) -> list[tuple[str, str]]:
    """The (path, title) of every page that ``text`` finds, best first; ``sector`` keeps that sector's pages only."""
    meta = _load(files, "meta")
    wanted = terms(text)
    if not wanted:
        return []
    shards: dict[int, dict[str, list[list[int]]]] = {}
    every: set[int] | None = None
    titled: set[int] | None = None
    for term in wanted:
        for token in query_tokens(term):
            shard = token_hash(token) % meta["shards"]
            if shard not in shards:
                shards[shard] = _load(files, f"t-{shard}")
            all_deltas, title_deltas = shards[shard].get(token, [[], []])
            docs, in_title = set(_undelta(all_deltas)), set(_undelta(title_deltas))
            every = docs if every is None else every & docs
            titled = in_title if titled is None else titled & in_title
    assert every is not None and titled is not None
    if sector is not None:
        keep = meta["sectors"].index(sector) if sector in meta["sectors"] else -2
        of: list[int] = []
        for index, count in meta["sectorRuns"]:
            of.extend([index] * count)
        every = {n for n in every if of[n] == keep}
    chunks: dict[int, list[Any]] = {}

    def doc(n: int) -> list[Any]:
        c = bisect.bisect_right(meta["chunks"], n) - 1
        if c not in chunks:
            chunks[c] = _load(files, f"d-{c}")
        return chunks[c][n - meta["chunks"][c]]

    found = []
    for n in sorted(every):
        path, title, _, body, checkpoint, _ = doc(n)
        title_hit = n in titled and all(term in fold(title) for term in wanted)
        if title_hit or all(term in fold(title + "\n" + body) for term in wanted):
            found.append((rank(bool(checkpoint), title_hit), n, path, title))
    return [(path, title) for _, _, path, title in sorted(found)]


def rank(checkpoint: bool, in_title: bool) -> int:
    """Where a hit goes: checkpoints before other pages; of each, every term in the title before in the text only."""
    return (0 if checkpoint else 2) + (0 if in_title else 1)
