"""What goes wrong, as checkframe reports it: one :class:`Problem` per line, all at once.

A :class:`Problem` names the plugin, the file, the key path and what was
expected and what came; :class:`ContentError` carries every problem of one
command, raised once after gathering.  :func:`did_you_mean` is the one place
that suggests a near name.
"""

from __future__ import annotations

import difflib
import os
import sysconfig
import traceback as tb
from collections.abc import Iterable, Sequence
from pathlib import Path

from attrs import field, frozen

__all__ = ["ContentError", "Problem", "closest", "did_you_mean", "in_reading_order", "raised_at", "traceback_of", "unknown",
           "write_problem"]


@frozen
class Problem:
    """One thing wrong with a plugin or its content, reported on one line."""

    plugin: str
    message: str
    file: str = ""
    path: str = ""
    #: The line of ``file`` the problem is on (0 when unknown); printed as ``file:line``.
    line: int = 0
    #: The whole Python traceback when the problem is a plugin's exception; ``checkframe --traceback`` prints it.
    traceback: str = field(default="", eq=False, repr=False)
    #: ``"zh"`` for a problem that clerks read (the ledger's): its ``message`` names the place in words
    #: (``第2个 [[finding]] 的 level 应为……``, :func:`checkframe.messages.chinese_at`), so ``path`` stays the
    #: key path for programs and is not printed, and the parts are joined by a full-width colon.
    language: str = "en"

    def __str__(self) -> str:
        if self.language == "zh":
            place = f"{self.file} 第{self.line}行" if self.file and self.line else self.file
            return "：".join(part for part in (self.plugin, place, self.message) if part)
        parts = [self.plugin] if self.plugin else []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)


class ContentError(Exception):
    """Raised once, after gathering, when any problem was found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def in_reading_order(problems: Sequence[Problem | str]) -> list[Problem | str]:
    """``problems`` with those of one file together, by line, as its author reads it: the files in the order
    their first problem came, a file's problems without a line first, the others by line (each kept in its
    order on one line)."""
    files: dict[tuple[str, str] | int, list[Problem | str]] = {}
    for i, problem in enumerate(problems):  # a problem of no file stays where it came
        where = (problem.plugin, problem.file) if isinstance(problem, Problem) and problem.file else i
        files.setdefault(where, []).append(problem)
    return [p for group in files.values() for p in sorted(group, key=lambda p: p.line if isinstance(p, Problem) else 0)]


def write_problem(exc: OSError, root: Path, output: Path) -> Problem:
    """A disk that is full, a read-only folder: one line naming the folder that could not be written in (``root`` when
    the error names no file), and that ``output`` is as it was when it exists."""
    where = Path(exc.filename).parent.as_posix() if isinstance(exc.filename, str) else root.as_posix()
    kept = f"; {output.as_posix()} is as it was" if output.is_dir() else ""
    return Problem("", f"cannot write in {where}: {exc.strerror or exc}{kept}", root.as_posix())


#: difflib.get_close_matches's default cutoff: how alike a name must be to be suggested.
_CUTOFF = 0.6


def closest(value: str, known: Iterable[str]) -> str | None:
    """The known name nearest to ``value``, if one is near enough to suggest.

    A name whose length alone keeps it below difflib's cutoff (its ``real_quick_ratio``, 0.6) is left out
    first, as difflib would: so a value of millions of characters is not indexed for names of a dozen.
    """
    size = len(value)
    near = [k for k in known if 2.0 * min(size, len(k)) / ((size + len(k)) or 1) >= _CUTOFF or not size + len(k)]
    found = difflib.get_close_matches(value, near, n=1, cutoff=_CUTOFF) if near else []
    return found[0] if found else None



def did_you_mean(value: str, known: Iterable[str], otherwise: str = "") -> str:
    """``"; did you mean 'x'?"`` for the nearest known name, else ``otherwise``."""
    near = closest(value, known)
    return f"; did you mean {near!r}?" if near else otherwise


def unknown(noun: str, value: str, known: Iterable[str]) -> str:
    """``unknown checkpoint 'coal-gas-9'; did you mean 'coal-gas-01'?``"""
    return f"unknown {noun} {value!r}{did_you_mean(value, known)}"


def _not_the_plugins(filename: str) -> bool:
    """Whether a frame's file is checkframe's, pluggy's or the standard library's."""
    import pluggy

    ours = (f"{Path(pluggy.__file__).parent}{os.sep}", f"{Path(__file__).parent}{os.sep}", "<frozen ")
    if filename.startswith(ours):
        return True
    installed = f"{os.sep}site-packages{os.sep}" in filename or f"{os.sep}dist-packages{os.sep}" in filename
    return filename.startswith(sysconfig.get_paths()["stdlib"]) and not installed


def raised_at(exc: BaseException) -> str:
    """`` (at plugin.py:12)``: where a plugin's code raised ``exc``, for a one-line report.

    That is the innermost frame outside checkframe, pluggy and the standard
    library (an ``open()`` that fails is reported at the plugin's line that
    called it); for a syntax error, the line that does not parse.
    """
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        return f" (at {exc.filename}:{exc.lineno})"
    frames = tb.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    theirs = [f for f in frames if not _not_the_plugins(f.filename)]
    chosen = theirs or list(frames)
    return f" (at {chosen[-1].filename}:{chosen[-1].lineno})" if chosen else ""


def traceback_of(exc: BaseException) -> str:
    """The whole traceback of ``exc``, as Python prints it."""
    return "".join(tb.format_exception(exc))
