"""A progress display on standard error for work that takes more than about two seconds.

A build, a print run or a ledger replay tells its :class:`Progress` which phase
it is in and how far it has got; the command line decides whether anything is
shown.  Nothing is drawn when standard error is not a terminal (a pipe, a log
file, CI), with ``-q``, or for work that ends within :data:`DELAY` seconds, so
that quick commands stay as quiet as before.  The display is `rich`'s: it
measures CJK text in terminal columns and redraws one line in place.

::

    with Progress.for_terminal(quiet=args.quiet) as progress:
        progress.phase("rendering pages")
        ...
        progress.phase("printing PDFs", total=len(jobs))
        for job in jobs:
            ...
            progress.advance(job.name)

:data:`NO_PROGRESS` is the one that shows nothing (the default of every API that takes one).
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import IO, Any

from checkframe.util.terminal import printable, styled_stream

__all__ = ["DELAY", "NO_PROGRESS", "Progress"]

#: Seconds of work before the display appears; quicker commands show nothing.
DELAY = 2.0


class Progress:
    """Phases and counts of one command's work, drawn on ``stream`` when ``enabled`` (see the module)."""

    def __init__(self, *, enabled: bool = False, stream: IO[str] | None = None, delay: float = DELAY) -> None:
        self.enabled = enabled
        self._stream = stream
        self._delay = delay
        self._lock = threading.Lock()
        self._display: Any = None  # rich.progress.Progress, once shown
        self._task: Any = None
        self._phase = ""
        self._total: int | None = None
        self._completed = 0
        self._detail = ""
        self._timer: threading.Timer | None = None
        self._start = time.monotonic()
        self._closed = False

    @classmethod
    def for_terminal(cls, *, quiet: bool = False, stream: IO[str] | None = None) -> Progress:
        """Shown on ``stream`` (standard error) when it is a terminal and not ``quiet``."""
        stream = styled_stream(stream if stream is not None else sys.stderr)  # its own escapes are not filtered
        isatty = getattr(stream, "isatty", None)
        return cls(enabled=not quiet and bool(isatty and isatty()), stream=stream)

    # -- What the work reports ----------------------------------------------------------

    def phase(self, description: str, total: int | None = None) -> None:
        """A new phase of the work: ``total`` items when it counts them, else a spinner."""
        if not self.enabled:
            return
        with self._lock:
            self._phase, self._total, self._completed, self._detail = printable(description), total, 0, ""
            if self._display is not None:
                self._display.update(self._task, description=self._phase, total=total, completed=0, detail="")
            elif self._timer is None and not self._closed:
                self._timer = threading.Timer(max(0.0, self._delay - (time.monotonic() - self._start)), self._show)
                self._timer.daemon = True
                self._timer.start()

    def advance(self, detail: str = "", count: int = 1) -> None:
        """``count`` more items of the phase are done; ``detail`` names the last (a PDF's name)."""
        if not self.enabled:
            return
        with self._lock:
            self._completed += count
            self._detail = printable(detail)
            if self._display is not None:
                self._display.update(self._task, completed=self._completed, detail=self._detail)

    # -- Drawing ---------------------------------------------------------------------------

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, SpinnerColumn, TextColumn
        from rich.progress import Progress as RichProgress
        from rich.text import Text

        start = self._start

        class Elapsed(ProgressColumn):
            """Minutes and seconds since the command started (not since the display appeared)."""

            def render(self, task: Any) -> Text:
                seconds = int(time.monotonic() - start)
                return Text(f"{seconds // 60}:{seconds % 60:02d}", style="progress.elapsed")

        with self._lock:
            if self._closed:
                return
            console = Console(file=self._stream, stderr=self._stream is None)
            self._display = RichProgress(
                SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                Elapsed(), TextColumn("{task.fields[detail]}", markup=False),
                console=console, transient=True, refresh_per_second=8,
            )
            self._task = self._display.add_task(self._phase, total=self._total, completed=self._completed,
                                                detail=self._detail)
            self._display.start()

    def close(self) -> None:
        """Take the display off the terminal (it leaves no line behind); later reports draw nothing."""
        with self._lock:
            self._closed = True
            timer, display = self._timer, self._display
            self._display = None
        if timer is not None:
            timer.cancel()
        if display is not None:
            display.stop()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


#: Shows nothing: the default wherever a progress display may be passed.
NO_PROGRESS = Progress(enabled=False)
