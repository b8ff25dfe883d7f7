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
"""

from __future__ import annotations

import signal

__all__ = ["Terminated", "check", "clear", "request", "requested"]


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt, so that every cleanup runs."""


_requested: int | None = None


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


def check() -> None:
    """Raise the stop asked for, if any: KeyboardInterrupt for SIGINT, :class:`Terminated` for another signal."""
    if _requested is None:
        return
    if _requested == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(_requested)
