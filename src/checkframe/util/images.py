"""The one rule for pictures in plugin Markdown, the same in the handbook site and in print.

A plugin's text is rendered into pages and PDFs that must work offline and
load nothing from outside (an intranet, a laptop in the field): so a picture
in plugin Markdown is a ``data:`` URI of a PNG, JPEG, GIF or WebP image, held
in the text itself.  A URL (``https://``, ``//host/``), an absolute path
(``/usr/share/...``) or a relative one (which would resolve against
checkframe's own files) is refused, with :func:`image_problem` saying why.

The module knows nothing of checkframe: it needs markdown-it-py only.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt

__all__ = ["ALLOWED", "image_problem", "image_sources"]

#: The pictures that may be in plugin Markdown: inline data of these types.
ALLOWED = ("data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/webp;")


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("js-default")


def image_sources(text: str) -> list[str]:
    """The ``src`` of every picture of a Markdown text, in order, as written."""
    if "![" not in text:  # every picture is written ![...]: a text without it needs no parse (most texts)
        return []
    return _parsed_sources(text)


def _parsed_sources(text: str) -> list[str]:
    found = []
    stack = list(reversed(_parser().parse(text)))
    while stack:
        token = stack.pop()
        if token.type == "image":
            found.append(str(token.attrGet("src") or ""))
        stack.extend(reversed(token.children or []))
    return found


def image_problem(src: str) -> str | None:
    """Why the picture ``src`` may not be in plugin Markdown; None when it may."""
    if src.lower().startswith(ALLOWED):
        return None
    return (f"image {src!r} would be fetched from outside the handbook, and nothing is; put the picture into the "
            "text as a data:image/png;base64,... URI, or leave it out")
