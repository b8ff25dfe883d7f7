"""Markdown for text that plugins write: no raw HTML, and Chinese punctuation that works.

CommonMark decides whether ``**`` opens or closes emphasis by the characters
around it (the flanking rules).  Full-width punctuation counts as punctuation,
so ``**依据：**GB 50016`` is not bold: the closing ``**`` follows ``：`` and is
followed by a letter.  Authors of Chinese text hit this all the time.  Here a
delimiter run next to an East Asian wide character (a CJK character or
full-width punctuation) is treated the way the CJK-friendly amendment to
CommonMark proposes: the wide neighbour does not stop it from flanking.

A reference to a checkpoint, ``[[coal-other-05]]``, is one token: the caller
says how it renders through ``env["reference"]`` (id -> HTML), as a link in the
handbook and as the item's 序号 and title on a form; without one it stays as
written.

Soft line breaks between two Chinese characters are joined without a space,
since Chinese has no spaces between words.  Heading anchors keep Chinese
headings as they are (``#检查方法``), and repeat with ``-1``, ``-2``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.parser_inline import ParserInline
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Scanned
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin

from checkframe.model import REFERENCE

__all__ = ["is_wide", "join_wide_lines", "markdown", "render", "render_inline", "slugify"]


def is_wide(char: str) -> bool:
    """True for East Asian wide and full-width characters: 汉字 and ，。：（）."""
    return unicodedata.east_asian_width(char) in ("W", "F")


#: Chinese quotation marks and the ellipsis and dash, of ambiguous width: a line break next to them in Chinese text is
#: no space either (判定标准原文照录于“说明”\n中).
_CHINESE_AMBIGUOUS = frozenset("“”‘’…—")


def _joins(char: str) -> bool:
    """Whether a line break next to ``char`` (and another such) is no space: it is wide, or a Chinese quotation mark."""
    return is_wide(char) or char in _CHINESE_AMBIGUOUS


_WIDE_BREAK = re.compile(r"(?<=[^\x00-\u2000])[ \t]*\n[ \t]*(?=[^\x00-\u2000])")


def join_wide_lines(text: str) -> str:
    """``text`` with each line break between two Chinese characters removed, as the pages' Markdown joins them.

    For a plain text that a page shows as it is (a field's old and new text on the changes page): a line of the
    TOML that was wrapped between two 汉字 would read as a space.
    """
    return _WIDE_BREAK.sub(lambda m: "" if _joins(text[m.start() - 1]) and _joins(text[m.end()]) else m.group(), text)


def _is_punct(char: str) -> bool:
    return isMdAsciiPunct(ord(char)) or isPunctChar(char)


class CJKFriendlyStateInline(StateInline):
    """Inline state whose flanking rules let emphasis sit next to wide characters."""

    def scanDelims(self, start: int, canSplitWord: bool) -> Scanned:
        scanned = super().scanDelims(start, canSplitWord)
        src, pos, maximum = self.src, start, self.posMax
        last = src[start - 1] if start > 0 else " "
        marker = src[start]
        while pos < maximum and src[pos] == marker:
            pos += 1
        after = src[pos] if pos < maximum else " "
        if not (is_wide(last) or is_wide(after)):
            return scanned
        last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(after))
        last_punct, next_punct = _is_punct(last), _is_punct(after)
        wide = is_wide(last) or is_wide(after)
        left = not next_space and (not next_punct or last_space or last_punct or wide)
        right = not last_space and (not last_punct or next_space or next_punct or wide)
        can_open = left and (canSplitWord or not right or last_punct)
        can_close = right and (canSplitWord or not left or next_punct)
        return Scanned(can_open, can_close, scanned.length)


class CJKFriendlyParserInline(ParserInline):
    """The inline parser, using :class:`CJKFriendlyStateInline` (upstream hard-codes its state class)."""

    def parse(self, src: str, md: MarkdownIt, env: Any, tokens: list[Token]) -> list[Token]:
        state = CJKFriendlyStateInline(src, md, env, tokens)
        self.tokenize(state)
        for rule in self.ruler2.getRules(""):
            rule(state)
        return state.tokens


def _softbreak(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    before = tokens[idx - 1].content if idx > 0 else ""
    after = tokens[idx + 1].content if idx + 1 < len(tokens) else ""
    if before and after and _joins(before[-1]) and _joins(after[0]):
        return ""
    return "\n"


def _reference_rule(state: StateInline, silent: bool) -> bool:
    """``[[id]]``: a reference to a checkpoint (see :data:`checkframe.model.REFERENCE`)."""
    if not state.src.startswith("[[", state.pos):
        return False
    found = REFERENCE.match(state.src, state.pos)
    if found is None or found.end() > state.posMax:
        return False
    end = found.end()
    # A space that sets the reference off from Chinese text in the source is not printed: 按 [[id]] 判定 → 按…判定.
    if state.src[end:end + 1] == " " and end + 1 < state.posMax and is_wide(state.src[end + 1]):
        end += 1
    if not silent:
        if state.pending[-2:-1] and state.pending[-1] == " " and is_wide(state.pending[-2]):
            state.pending = state.pending[:-1]
        token = state.push("reference", "", 0)
        token.content = found.group(1)
    state.pos = end
    return True


def _reference(self: RendererHTML, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    ident = tokens[idx].content
    resolve = env.get("reference") if isinstance(env, dict) else None
    if resolve is None:
        return f"[[{ident}]]"
    return str(resolve(ident))


def slugify(title: str) -> str:
    """An anchor for a heading that keeps Chinese text: 检查 方法 → 检查-方法."""
    kept = "".join(c for c in title.strip().lower() if c.isalnum() or c in "-_ " or (is_wide(c) and not _is_punct(c)))
    return "-".join(kept.split()) or "section"


@cache
def markdown() -> MarkdownIt:
    """The one parser for plugin-written Markdown: ``js-default`` (raw HTML is escaped)."""
    md = MarkdownIt("js-default", {"typographer": False})
    md.inline.__class__ = CJKFriendlyParserInline  # keeps the rules the preset configured
    md.add_render_rule("softbreak", _softbreak)
    md.inline.ruler.before("link", "reference", _reference_rule)
    md.add_render_rule("reference", _reference)
    anchors_plugin(md, min_level=1, max_level=4, slug_func=slugify)
    return md


def render(text: str, reference: Callable[[str], str] | None = None) -> str:
    """Markdown → HTML, for blocks of plugin text; ``reference`` renders a ``[[id]]`` (id -> HTML)."""
    return markdown().render(text, {"reference": reference} if reference else None)


def render_inline(text: str, reference: Callable[[str], str] | None = None) -> str:
    """Markdown → HTML without a surrounding paragraph, for titles and table cells."""
    return markdown().renderInline(text, {"reference": reference} if reference else None)
