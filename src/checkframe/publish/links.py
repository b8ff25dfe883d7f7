"""Links in the rendered handbook: read from each page, then every internal one checked.

:func:`page_links` reads a page's links and ids as :mod:`html.parser` would,
fast (rendering calls it on every page, in the render workers);
:func:`check_links` checks that every internal link reaches a file of the site
and every anchor an id on that page, and that nothing is loaded from outside.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import html as html_lib
import marshal
import posixpath
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from html.parser import attrfind_tolerant  # type: ignore[attr-defined]  # html.parser's own pattern, not in the stubs
from urllib.parse import unquote, urlsplit

from checkframe.errors import Problem

__all__ = ["KeptLinks", "PageLinks", "check_links", "keep_links", "kept_links", "page_links", "targets_digest"]

#: What a page's links and ids are: see :func:`page_links`.
PageLinks = tuple[list[tuple[bool, str]], set[str]]
#: A page's links and ids as the page cache keeps them (:func:`keep_links`), or as found.  A build reads the
#: links of the pages it did not render only where it checks them (:func:`kept_links`): at 10,000 pages they
#: are 700,000 pairs, most of the page cache's time to read and to write.
KeptLinks = PageLinks | bytes


def keep_links(links: KeptLinks) -> bytes:
    """``links`` as the page cache keeps them."""
    return links if isinstance(links, bytes) else marshal.dumps((links[0], links[1]))


def kept_links(links: KeptLinks) -> PageLinks:
    """The links and ids that :func:`keep_links` kept (or ``links`` as they are)."""
    if not isinstance(links, bytes):
        return links
    found, ids = marshal.loads(links)
    if not (isinstance(found, list) and isinstance(ids, (set, frozenset))):
        raise ValueError("not a page's kept links")
    return found, set(ids)

#: What the link scanner stops at: a comment, a script or style element (its text is not markup), a start tag
#: that may carry a link or an id, or an unterminated comment or raw-text element (scanning stops there, as
#: html.parser's does).  Tags without such attributes are stepped over by the regular expression itself.  Every
#: branch starts with the ``<`` outside the alternation: the engine then jumps from one ``<`` to the next instead
#: of trying each branch at every character of the page (a quarter less time).
_SCAN = re.compile(r"""
    <(?:
        !--.*?--\s*>
      | (?P<raw>script|style)(?=[\s/>])(?P<raw_attrs>[^>]*)>.*?</(?P=raw)\s*>
      | (?P<stop>!--|(?:script|style)(?=[\s/>]))
      | (?P<tag>[a-zA-Z][^\s/>]*)(?P<attrs>\s[^>]*?(?:href|src|data-bundle|id)\s*=[^>]*)>
    )
""", re.VERBOSE | re.DOTALL | re.IGNORECASE)
_LINK_ATTRIBUTES = ("href", "src", "data-bundle")
#: start tag → its (is it a resource, link) pairs and (None, id) pairs; most tags of a site repeat on every page.
_TAG_CACHE: dict[str, tuple[tuple[bool | None, str], ...]] = {}
_TAG_CACHE_SIZE = 100_000


#: Tags whose link the browser does not load by itself: a link to follow.  Not ``<base>``: it sets where every
#: relative resource of the page is loaded from, so one pointing off the site is reported as loading from outside.
NAVIGATION_TAGS = ("a",)


def _tag_attributes(html: str, tag: str, start: int, end: int) -> tuple[tuple[bool | None, str], ...]:
    """The links and ids among the attributes in ``html[start:end]``, read as :mod:`html.parser` reads them."""
    found: list[tuple[bool | None, str]] = []
    while start < end and html[start] in " \t\n\r\f/":
        start += 1
    while start < end:
        attr = attrfind_tolerant.match(html, start, end)
        if not attr or attr.end() == start:
            break
        name, rest, value = attr.group(1, 2, 3)
        start = attr.end()
        if not rest:
            continue
        if value[:1] == "'" == value[-1:] or value[:1] == '"' == value[-1:]:
            value = value[1:-1]
        if value:
            value = html_lib.unescape(value)
        name = name.lower()
        if name == "id":
            found.append((None, value))
        elif name in _LINK_ATTRIBUTES:
            found.append((tag not in NAVIGATION_TAGS, value))
    return tuple(found)


def page_links(html: str) -> tuple[list[tuple[bool, str]], set[str]]:
    """The links of a page, as (is it a resource the browser loads by itself, URL), and its ids.

    Attributes are read with the patterns of :mod:`html.parser`, so for the
    pages checkframe writes the result is what an :class:`html.parser.HTMLParser`
    collecting start-tag attributes finds (a test compares them on every page
    of the example handbook).  Only start tags that may hold a link or an id are
    looked at, and each distinct tag is read once per process.  One difference
    on purpose: a ``>`` inside a quoted attribute value ends the tag here; the
    templates and the Markdown renderer escape it as ``&gt;``.
    """
    links: list[tuple[bool, str]] = []
    ids: set[str] = set()
    cache = _TAG_CACHE
    for match in _SCAN.finditer(html):
        if match.start("stop") >= 0:
            break
        group = "attrs" if match.start("tag") >= 0 else "raw_attrs"
        start, end = match.span(group)
        if start < 0 or start == end:
            continue
        text = html[match.start():end]
        found = cache.get(text)
        if found is None:
            found = _tag_attributes(html, (match.group("tag") or match.group("raw")).lower(), start, end)
            if len(cache) < _TAG_CACHE_SIZE:
                cache[text] = found
        for resource, value in found:
            if resource is None:
                ids.add(value)
            else:
                links.append((resource, value))
    return links, ids


# -- Checking every link of the site ---------------------------------------------------------

@functools.lru_cache(maxsize=65536)
def _resolve(folder: str, link: str, resource: bool) -> tuple[str, str, str]:
    """What a link from a page in ``folder`` is: ("ok", "", ""), ("bad", message, ""), or ("page", target, anchor).

    An empty target is the page itself.
    """
    parts = urlsplit(link)
    if parts.scheme == "data" and resource:
        return "ok", "", ""  # inline, nothing is requested
    if parts.scheme or parts.netloc or link.startswith("//"):
        if resource:
            return "bad", f"{link!r} would be loaded from outside the site; ship it with the site instead", ""
        if parts.scheme not in ("http", "https", "mailto", "tel"):
            return "bad", f"link to {link!r}: only http(s), mailto and tel links may leave the site", ""
        return "ok", "", ""
    target = ""
    if parts.path:
        target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
        if parts.path.endswith("/"):
            target += "/"
    return "page", target, unquote(parts.fragment)


def targets_digest(files: Iterable[str], extra_targets: Iterable[str] = ()) -> str:
    """A digest of every path a link may reach: the site's files and ``extra_targets`` (see :func:`check_links`)."""
    return hashlib.blake2b("\n".join(sorted({*files, *extra_targets})).encode(), digest_size=20).hexdigest()


def check_links(
    files: dict[str, bytes],
    origins: dict[str, str],
    extra_targets: Iterable[str] = (),
    parsed: dict[str, KeptLinks] | None = None,
    checked: Collection[str] = frozenset(),
    sources: Mapping[str, tuple[str, str]] | None = None,
    missing: Callable[[str], str] | None = None,
) -> list[Problem]:
    """Every internal link must reach a file of the site, and every anchor an id on that page.

    :param parsed: the links and ids of the pages, when rendering found them already (or the page cache kept them).
    :param checked: pages whose links need no check: their links were found good by the last build, and every
        page and file they could reach, and every page's ids, are as they were then (the caller knows).
    :param sources: origin → (the file to name, its Markdown text), for pages written in Markdown (a project's
        ``pages/*.md``): a broken link of such a page is named by that file and the line it is written on, as
        written there (not as the rendered page percent-encodes it), with what to write instead.
    :param missing: site path → why the site does not have it, when it knows (a checklist the project leaves
        out), with what to do; "" when it does not know.
    """
    parsed = parsed or {}
    pages: dict[str, KeptLinks] = {
        path: parsed[path] if path in parsed else page_links(data.decode("utf-8"))
        for path, data in files.items() if path.endswith(".html")
    }
    targets = set(files) | set(extra_targets)
    folders: dict[str, bool] = {}
    problems = []
    # What is wrong with a link ("" for nothing), the same from every page of a folder unless it points at
    # the page itself: the navigation's links, on every page, are judged once per folder.
    verdicts: dict[tuple[str, bool, str], str] = {}
    seen: dict[tuple[str, str], int] = {}  # (origin, link) → how many times it was found broken so far
    for path, page in pages.items():
        if path in checked:
            continue
        links = kept_links(page)[0]
        origin = origins.get(path, "")
        folder = posixpath.dirname(path)
        for resource, link in links:
            key = (folder, resource, link)
            message = verdicts.get(key)
            if message is None:
                kind, target, anchor = _resolve(folder, link, resource)
                message = _link_problem(link, resource, kind, target or path, anchor, targets, pages, folders)
                if kind != "page" or target:
                    verdicts[key] = message
            if message:  # named by the file the page came from (a Markdown page), else by the page itself
                source = (sources or {}).get(origin)
                if source is None:
                    problems.append(Problem("", message, origin or path, path if origin else ""))
                    continue
                kind, target, _ = _resolve(folder, link, resource)
                written = unquote(link)
                message = message.replace(repr(link), repr(written), 1)
                if kind == "page" and target and target not in targets:
                    message += _how_to_link(written, folder, target, targets, missing)
                seen[origin, written] = seen.get((origin, written), 0) + 1
                problems.append(Problem("", message, source[0], "", _line_of(source[1], written, seen[origin, written])))
    return problems


def _how_to_link(written: str, folder: str, target: str, targets: set[str], missing: Callable[[str], str] | None) -> str:
    """What to write instead of a link of a Markdown page to ``target``, which the site does not have."""
    why = missing(target) if missing is not None else ""
    if why:
        return f"; {why}"
    anchor = written.partition("#")[2]
    if written.startswith("/"):  # from the root of the server, which is not the handbook's folder
        target = posixpath.normpath(written.lstrip("/").partition("#")[0])
    stem, _, suffix = target.rpartition(".")
    candidates = [t for t in targets if t.endswith(".html")] if suffix in ("md", "html", "htm") else list(targets)
    near = difflib.get_close_matches(target, candidates, n=1, cutoff=0.8)  # a slip of a letter or two, no more
    found = f"{stem}.html" if suffix == "md" and f"{stem}.html" in targets else (
        target if target in targets else near[0] if near else None)
    if found is None and suffix.lower() in ("png", "jpg", "jpeg", "gif", "webp", "svg"):
        return f"; put the picture at {target} in the project folder (pictures are copied from pages/ as they lie)"
    if found is None:
        return "; links are relative to the page, such as '../major-hazards.html'"
    better = posixpath.relpath(found, folder or ".") + (f"#{anchor}" if anchor else "")
    if written.startswith("/"):
        return f"; links are relative to the page: write {better!r}"
    if suffix == "md" and found == f"{stem}.html":
        return f"; pages link to each other's .html: write {better!r}"
    return f"; did you mean {better!r}?"


def _line_of(text: str, link: str, nth: int) -> int:
    """The line of ``text`` on which ``link`` is written the ``nth`` time (counted from 1), or 0 if it is not found."""
    count = 0
    for number, line in enumerate(text.splitlines(), 1):
        for quoted in (f"]({link}", f"](<{link}>", f"]: {link}"):
            count += line.count(quoted)
        if count >= nth:
            return number
    return 0


def _link_problem(link: str, resource: bool, kind: str, target: str, anchor: str, targets: set[str],
                  pages: dict[str, KeptLinks], folders: dict[str, bool]) -> str:
    """What is wrong with ``link``, resolved by :func:`_resolve` to ``target`` (the page itself when it was empty)."""
    if kind == "ok":
        return ""
    if kind == "bad":
        return target
    if target.startswith("../") or target == "..":
        return f"link to {link!r} leaves the site"
    if target.endswith("/"):
        if target not in folders:
            folders[target] = any(t.startswith(target) for t in targets)
        return "" if folders[target] else f"broken link to {link!r}: no such folder in the site"
    if target not in targets:
        return f"broken link to {link!r}: no such {'file' if resource else 'page'}"
    if anchor and target in pages:
        found = pages[target]
        if isinstance(found, bytes):
            found = pages[target] = kept_links(found)
        if anchor not in found[1]:
            near = _nearest_anchor(anchor, found[1])
            hint = f"; did you mean {link.partition('#')[0] + '#' + near!r}?" if near else ""
            return f"broken link to {link!r}: no anchor #{anchor} there{hint}"
    return ""


def _nearest_anchor(anchor: str, ids: Iterable[str]) -> str:
    """The id of the page that ``anchor`` was most likely meant to be: one it begins (a heading's id is its whole
    title: #检查方法 for the heading 检查方法和记录), else the closest in spelling, closer than 第二节 is to 第三节
    (another section, not a slip); "" when none is."""
    ids = sorted(ids)
    begun = [i for i in ids if i.startswith(anchor) or (anchor.startswith(i) and len(i) >= 2)]
    if begun:
        return min(begun, key=lambda i: (abs(len(i) - len(anchor)), i))
    close = difflib.get_close_matches(anchor, ids, n=1, cutoff=0.8)  # not 第二节 for 第三节
    return close[0] if close else ""
