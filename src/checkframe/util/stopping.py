"""A stop that a signal asked for, kept until the command has stopped, so that it cannot be lost.

The command line turns SIGINT and SIGTERM into exceptions raised in the main thread (KeyboardInterrupt and
:class:`Terminated`), so that every cleanup runs.  But Python swallows an exception raised in a few places:
an object's ``__del__``, a weak reference's or the cycle collector's callback, an at-fork hook.  It reports
"Exception ignored" and goes on; a signal whose handler ran there would be lost, and the command would go on
to write its output.  So the handler also records the stop here (:func:`request`), and every place that puts
a finished output in place (:func:`checkframe.util.fs.swap_folder`, :func:`~checkframe.util.fs.write_atomic`
and the others) calls :func:`check` first: a stop asked for is raised again there, before anything is replaced.

Outside the command line (a program calling :func:`checkframe.publish.build.build`) nothing is recorded and
:func:`check` does nothing.

The same functions also note what they put in place (:func:`placed`), so that a command stopped after it
replaced an output says which, instead of saying that nothing was changed.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

__all__ = ["Terminated", "check", "clear", "forget_placed", "note_placed", "placed", "request", "requested"]


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt, so that every cleanup runs."""


_requested: int | None = None
#: What was put in place since :func:`clear`, as absolute paths, in order (a dict as an ordered set: a
#: process that builds again and again, ``serve --watch``, notes the same few paths).
_placed: dict[str, None] = {}


def request(number: int) -> None:
    """Note that signal ``number`` asked the command to stop."""
    global _requested
    _requested = number


def requested() -> int | None:
    """The signal that asked the command to stop, or None."""
    return _requested


def clear() -> None:
    """Forget a stop asked for (a command starting in a process that ran another, as the tests do)."""
    global _requested
    _requested = None
    _placed.clear()


def note_placed(path: str | os.PathLike[str]) -> None:
    """Note that ``path`` is about to be replaced by a finished file or folder (:mod:`checkframe.util.fs`)."""
    _placed[os.path.abspath(path)] = None


def forget_placed(path: str | os.PathLike[str]) -> None:
    """Undo :func:`note_placed`: replacing ``path`` failed, it is as it was."""
    _placed.pop(os.path.abspath(path), None)


def placed() -> list[Path]:
    """What was put in place since :func:`clear` and is still there, outermost only, in order.

    A file written into a folder noted too (or into a staging folder since removed) is left out: the
    folder says it, or it is gone.
    """
    found: list[Path] = []
    for name in _placed:
        parent, outer = os.path.dirname(name), False
        while not outer and parent != os.path.dirname(parent):  # up to the root: a noted folder holds it
            outer, parent = parent in _placed, os.path.dirname(parent)
        if not outer and os.path.lexists(name):
            found.append(Path(name))
    return found


def check() -> None:
    """Raise the stop asked for, if any: KeyboardInterrupt for SIGINT, :class:`Terminated` for another signal."""
    if _requested is None:
        return
    if _requested == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(_requested)
