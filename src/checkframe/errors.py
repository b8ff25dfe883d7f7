"""What goes wrong, as checkframe reports it: one :class:`Problem` per line, all at once.

A :class:`Problem` names the plugin, the file, the key path and what was
expected and what came; :class:`ContentError` carries every problem of one
command, raised once after gathering.  :func:`did_you_mean` is the one place
that suggests a near name.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from attrs import frozen

__all__ = ["ContentError", "Problem", "closest", "did_you_mean", "unknown"]


@frozen
class Problem:
    """One thing wrong with a plugin or its content, reported on one line."""

    plugin: str
    message: str
    file: str = ""
    path: str = ""

    def __str__(self) -> str:
        parts = [self.plugin] if self.plugin else []
        if self.file:
            parts.append(self.file)
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)


class ContentError(Exception):
    """Raised once, after gathering, when any problem was found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def closest(value: str, known: Iterable[str]) -> str | None:
    """The known name nearest to ``value``, if one is near enough to suggest."""
    found = difflib.get_close_matches(value, list(known), n=1)
    return found[0] if found else None


def did_you_mean(value: str, known: Iterable[str], otherwise: str = "") -> str:
    """``"; did you mean 'x'?"`` for the nearest known name, else ``otherwise``."""
    near = closest(value, known)
    return f"; did you mean {near!r}?" if near else otherwise


def unknown(noun: str, value: str, known: Iterable[str]) -> str:
    """``unknown checkpoint 'coal-gas-9'; did you mean 'coal-gas-01'?``"""
    return f"unknown {noun} {value!r}{did_you_mean(value, known)}"
