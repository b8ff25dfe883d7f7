"""The one function that everything checkframe prints passes through: no escape sequence reaches a terminal.

Unit names, export titles, plugin names and file names come from files that
anyone may have written.  A terminal acts on the control characters among
them (``ESC [ 2 J`` clears the screen, ``ESC ] 8`` makes a link, a carriage
return overwrites the line), so :func:`printable` shows each as text instead,
``\\x1b``, ``\\r``, ``\\x9b``, leaving tab, newline and every printable character
(Chinese included) as they are.  :class:`PrintableWriter` applies it to a
whole stream; the command line wraps standard output and standard error in it.

The module knows nothing of checkframe: it imports from the standard library only.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

__all__ = ["PrintableWriter", "printable", "styled_stream"]

#: C0 controls but tab and newline, a carriage return not before a newline, DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def _show(match: re.Match[str]) -> str:
    char = match.group()
    return "\\r" if char == "\r" else f"\\x{ord(char):02x}"


def printable(text: str) -> str:
    """``text`` with every control character but tab and newline shown as an escape (``\\x1b``)."""
    return _CONTROL.sub(_show, text)


class PrintableWriter:
    """A text stream whose every write passes through :func:`printable`; the rest is the wrapped stream's."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(printable(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def styled_stream(stream: Any) -> Any:
    """The stream under a :class:`PrintableWriter`, for text that is printable already but for styling of
    checkframe's own (a table's colours): every value in it must have passed through :func:`printable`."""
    return stream.stream if isinstance(stream, PrintableWriter) else stream
