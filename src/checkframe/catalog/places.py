"""Where a problem is in a content file, as its author finds it: the line, and the entry named by its id.

:mod:`tomllib` keeps no positions, so :func:`key_lines` scans the text once
more (only for a file that has a problem: loading a catalog that is fine never
calls it) and maps every key path, in the ``$.checkpoint[2].basis[0].document``
form the loader uses, to the line where it is written.  :class:`Source` turns
such a key path into what a problem line shows::

    checkpoints/01-gas.toml:14: [[checkpoint]] coal-gas-01, basis no. 1, document: unknown document ...
    checklists.toml:3: [[checklist]] no. 2, id: expected a string ...

An entry of an array of tables is named by its ``id`` (or ``code``) when it
has one, else by its position counted from 1 (``no. 2``); a position within
an entry (``basis``, ``items``) is counted from 1 as well.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from typing import Any

from attrs import define, evolve, field

from checkframe.errors import Problem
from checkframe.util.reading import ReadError, loads_toml

__all__ = ["UNPARSED", "Source", "key_lines", "label", "lines_placed", "placed", "split_path"]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SEGMENT = re.compile(r"\.([^.\[\]\"]+)|\.\"((?:[^\"\\]|\\.)*)\"|\[(\d+)\]")
_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")
#: What may end a string, or escape what follows, by its opening quote: the rest is its content.
_STRING_STOPS = {'"': re.compile(r'["\\\n]'), "'": re.compile(r"['\n]")}


class _Scanner:
    """A TOML structure scanner: keys, tables and array elements with their lines; values are skipped."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.lines: dict[str, int] = {}
        self.counts: dict[str, int] = {}  # array path -> elements so far (arrays of tables and inline arrays)

    # -- characters

    def peek(self, n: int = 1) -> str:
        return self.text[self.i:self.i + n]

    def advance(self, n: int = 1) -> None:
        self.line += self.text.count("\n", self.i, self.i + n)
        self.i += n

    def skip_blank(self, newlines: bool) -> None:
        while self.i < len(self.text):
            c = self.text[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end == -1 else end
            else:
                return

    def skip_string(self) -> None:
        quote = self.text[self.i]
        triple = self.peek(3) == quote * 3
        close = quote * 3 if triple else quote
        self.advance(3 if triple else 1)
        stops = _STRING_STOPS[quote]
        while self.i < len(self.text):
            found = stops.search(self.text, self.i)  # the text up to it is the string's: skipped at once
            self.advance((found.start() if found else len(self.text)) - self.i)
            if found is None:
                return
            if self.text[self.i] == "\\":
                self.advance(2)
            elif self.text.startswith(close, self.i):
                self.advance(len(close))
                while triple and self.peek() == quote:  # up to two quotes may end the content
                    self.advance()
                return
            elif not triple and self.text[self.i] == "\n":
                return
            else:
                self.advance()

    # -- keys

    def key(self) -> list[str]:
        parts: list[str] = []
        while self.i < len(self.text):
            self.skip_blank(newlines=False)
            c = self.peek()
            if c in "\"'":
                start = self.i
                self.skip_string()
                raw = self.text[start + 1:self.i - 1]
                parts.append(raw.encode().decode("unicode_escape") if c == '"' and "\\" in raw else raw)
            else:
                match = _BARE.match(self.text, self.i)
                if not match:
                    break
                parts.append(match.group())
                self.advance(match.end() - self.i)
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                break
            self.advance()
        return parts

    # -- paths

    def resolve(self, parts: list[str], base: str = "$") -> str:
        """A table header's prefix: through an array of tables, its last element."""
        path = base
        for part in parts:
            path = _join(path, part)
            if path in self.counts:
                path = f"{path}[{self.counts[path] - 1}]"
        return path

    def note(self, path: str, line: int) -> None:
        self.lines.setdefault(path, line)

    # -- the document

    def scan(self) -> dict[str, int]:
        table = "$"
        while self.i < len(self.text):
            self.skip_blank(newlines=True)
            if self.i >= len(self.text):
                break
            line = self.line
            if self.peek(2) == "[[":
                self.advance(2)
                parts = self.key()
                array = _join(self.resolve(parts[:-1]), parts[-1]) if parts else "$"
                self.note(array, line)
                index = self.counts.get(array, 0)
                self.counts[array] = index + 1
                table = f"{array}[{index}]"
                self.note(table, line)
            elif self.peek() == "[":
                self.advance()
                parts = self.key()
                table = _join(self.resolve(parts[:-1]), parts[-1]) if parts else "$"
                self.note(table, line)
            else:
                parts = self.key()
                if not parts or self.peek() != "=":
                    self.to_line_end()
                    continue
                self.advance()
                path = table
                for part in parts:
                    path = _join(path, part)
                    self.note(path, line)
                self.value(path)
            self.to_line_end()
        return self.lines

    def to_line_end(self) -> None:
        while self.i < len(self.text) and self.text[self.i] != "\n":
            if self.text[self.i] == "#":
                self.skip_blank(newlines=False)
            else:
                self.advance()

    def value(self, path: str) -> None:
        self.skip_blank(newlines=False)
        c = self.peek()
        if c in "\"'":
            self.skip_string()
        elif c == "[":
            self.advance()
            index = 0
            while self.i < len(self.text):
                self.skip_blank(newlines=True)
                if self.peek() in ("]", ""):
                    self.advance()
                    break
                if self.peek() == ",":
                    self.advance()
                    continue
                self.note(f"{path}[{index}]", self.line)
                start = self.i
                self.value(f"{path}[{index}]")
                if self.i == start:
                    self.advance()  # not TOML; tomllib has read it, so this is only a guard against a loop
                index += 1
        elif c == "{":
            self.advance()
            while self.i < len(self.text):
                self.skip_blank(newlines=True)
                if self.peek() in ("}", ""):
                    self.advance()
                    break
                if self.peek() == ",":
                    self.advance()
                    continue
                line = self.line
                parts = self.key()
                if not parts or self.peek() != "=":
                    self.advance()
                    continue
                self.advance()
                inner = path
                for part in parts:
                    inner = _join(inner, part)
                    self.note(inner, line)
                self.value(inner)
        else:
            while self.i < len(self.text) and self.text[self.i] not in ",]}\n#":
                self.advance()


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if _BARE.fullmatch(key) else f'{path}."{key}"'


def key_lines(text: str) -> dict[str, int]:
    """Every key path of a TOML text (``$.checkpoint[2].basis[0].document``) → the line it is written on."""
    return _Scanner(text).scan()


def split_path(path: str) -> list[str | int]:
    """``$.checkpoint[2].what`` → ``["checkpoint", 2, "what"]``."""
    parts: list[str | int] = []
    for key, quoted, index in _SEGMENT.findall(path.removeprefix("$")):
        parts.append(int(index) if index else key or quoted)
    return parts


def _entry_name(entry: Any, position: int) -> str:
    if isinstance(entry, dict):
        for name in ("id", "code"):
            value = entry.get(name)
            if isinstance(value, str) and value.strip():
                return value
    return f"no. {position + 1}"


def label(path: str, data: Any) -> str:
    """How a key path reads to an author: ``[[checkpoint]] coal-gas-01, basis no. 1, document``."""
    parts = split_path(path)
    words: list[str] = []
    rest = parts
    if parts and isinstance(parts[0], str) and isinstance(data, dict):
        top = data.get(parts[0])
        if len(parts) > 1 and isinstance(parts[1], int) and isinstance(top, list):
            position = parts[1]
            entry = top[position] if position < len(top) else None
            words.append(f"[[{parts[0]}]] {_entry_name(entry, position)}")
            rest = parts[2:]
        elif isinstance(top, dict):
            words.append(f"[{parts[0]}]")
            rest = parts[1:]
    for part in rest:
        if isinstance(part, int):
            if words:
                words[-1] = f"{words[-1]} no. {part + 1}"
            else:
                words.append(f"no. {part + 1}")
        else:
            words.append(part)
    return ", ".join(words)


#: The data of a :class:`Source` whose text was not parsed in this run (see :mod:`checkframe.catalog.cache`).
class _Unparsed(enum.Enum):
    UNPARSED = "unparsed"


UNPARSED = _Unparsed.UNPARSED


@define
class Source:
    """One content file's text and parsed data, to place a problem in it; the line map is made on first use.

    ``data`` is :data:`UNPARSED` for a file whose model objects came from the content cache: it is parsed
    when a problem is placed in it.
    """

    text: str
    data: Any = None
    #: For each array of tables, the position in the file of each entry that was read (broken ones are left out).
    positions: dict[str, list[int]] = field(factory=dict)
    _lines: dict[str, int] | None = field(default=None, init=False, repr=False)

    def position(self, array: str, i: int) -> int:
        """The position in the file of the ``i``-th entry of ``array`` that was read."""
        found = self.positions.get(array)
        return found[i] if found is not None and i < len(found) else i

    def line(self, path: str) -> int:
        """The line of ``path``, or of the nearest key above it that is written (0 when none is)."""
        if path.startswith("line "):
            return int(path.split()[1]) if path.split()[1].isdigit() else 0
        if self._lines is None:
            self._lines = key_lines(self.text)
        while path:
            if path in self._lines:
                return self._lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                break
            path = path[:cut]
        return 0

    def place(self, path: str, message: str = "") -> tuple[int, str]:
        """``(line, label)`` for a key path (``label`` is empty for the whole file)."""
        if not path or path == "$":
            found = _AT_LINE.search(message)
            return (int(found.group(1)) if found else 0), ""
        if path.startswith("line "):
            return self.line(path), ""
        if self.data is UNPARSED:
            try:
                self.data = loads_toml(self.text)
            except ReadError:  # it parsed when it was cached
                self.data = None
        return self.line(path), label(path, self.data)


def placed(problem: Problem, source: Source | None) -> Problem:
    """``problem`` with its line, and its key path as the author reads it (see :func:`label`)."""
    if source is None or problem.line:
        return problem
    line, where = source.place(problem.path, problem.message)
    return evolve(problem, line=line, path=where)


def lines_placed(problems: list[Problem], text_of: Callable[[str], str | None]) -> list[Problem]:
    """``problems`` with the line of each one's key in the text ``text_of`` gives for its file (None, or
    :class:`ReadError`: no line); their key paths as they were (:func:`placed` also says them as the author
    reads them).  The ledger's problems, and the handbook config's."""
    texts: dict[str, Source | None] = {}
    found = []
    for problem in problems:
        if problem.line or not problem.file or not problem.path.startswith("$."):
            found.append(problem)
            continue
        if problem.file not in texts:
            try:
                text = text_of(problem.file)
            except ReadError:
                text = None
            texts[problem.file] = Source(text) if text is not None else None
        source = texts[problem.file]
        line = source.line(problem.path) if source is not None else 0
        found.append(evolve(problem, line=line) if line else problem)
    return found
