"""What every command shares: exit codes, reporting problems, writing files, loading the catalog.

A test may replace :func:`load_plugins` here to run the commands on its own plugins.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checkframe.catalog import Catalog, build_catalog
from checkframe.errors import ContentError, Problem, in_reading_order
from checkframe.messages import CHINESE, Message, Shown, say
from checkframe.plugins import ENV_ALLOWLIST, Plugins, load_plugins
from checkframe.publish.project import CACHE, CONFIG_NAME, HandbookConfig, PrintConfig, Project, load_project
from checkframe.util import fs, stopping
from checkframe.util.progress import Progress
from checkframe.util.stopping import Terminated

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "Terminated",
    "UserError",
    "date_arg",
    "jobs_arg",
    "load_catalog",
    "load_plugins",
    "port_arg",
    "print_project",
    "report",
    "stopped",
    "today",
    "warn",
    "write_file",
]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
#: An unexpected exception: a bug in checkframe or in a plugin, never the user's input (sysexits' EX_SOFTWARE).
EXIT_INTERNAL = 70
#: Stopped by Ctrl-C (SIGINT) or SIGTERM: 128 + the signal's number, as a shell reports it.
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

#: Set by ``checkframe --traceback``: show the whole traceback of an unexpected exception.
show_tracebacks = False


class UserError(Exception):
    """A mistake of the user's, reported as one line without a traceback (in the command's language)."""


#: What a command's own messages begin with and end with, by the language of its readers: the ledger's and
#: inspect's commands (``set_defaults(language="zh")``) are read by clerks, the others by developers.
ERROR_PREFIX = {"en": "error: ", "zh": "错误："}
SUMMARY = {
    "en": "checkframe: {count} problem{s} found; nothing was written.",
    "zh": "checkframe：共 {count} 处问题，未写入任何文件。",
}
INTERRUPTED = {"en": "checkframe: interrupted; nothing was changed", "zh": "checkframe：已中断，未作任何改动。"}
TERMINATED = {"en": "checkframe: terminated; nothing was changed", "zh": "checkframe：已终止，未作任何改动。"}
#: The same when the command had already put something in place before the signal came.
STOPPED_AFTER = {
    "en": "checkframe: {how}; {what} had already been written; nothing else was changed",
    "zh": "checkframe：已{how}；此前已写入 {what}，其余未作改动。",
}
_HOW = {"en": ("interrupted", "terminated"), "zh": ("中断", "终止")}
#: How many of the paths written before a stop are named; the rest are counted.
_NAMED = 3


def stopped(terminated: bool, language: str = "en") -> str:
    """The last line of a command stopped by a signal: nothing was changed, or what had been written.

    What was written is what :mod:`checkframe.util.fs` put in place during the command
    (:func:`checkframe.util.stopping.placed`), caches left out: they are checkframe's, rebuilt when
    they are wrong, and no one reads them.
    """
    written = [path for path in stopping.placed() if CACHE not in path.parts]
    if not written:
        return (TERMINATED if terminated else INTERRUPTED)[language]
    names = [_shown_path(path) for path in written[:_NAMED]]
    more = len(written) - len(names)
    if language == "zh":
        what = "、".join(names) + (f" 等 {len(written)} 项" if more else "")
    else:
        what = ", ".join(names) + (f" and {more} more" if more else "")
    return STOPPED_AFTER[language].format(how=_HOW[language][terminated], what=what)


def _shown_path(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it, else as it is."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def report(problems: Sequence[Problem | str], plugins: Plugins | None = None, last: str | None = None,
           language: str = "en") -> int:
    """Print every problem on its own line, then how to go on; return exit code 1.

    ``language`` is the readers' (:data:`ERROR_PREFIX`): ``"zh"`` for the ledger's and inspect's commands.
    ``last`` replaces the closing line (a count and "nothing was written"): ``inspect import`` says
    that nothing was imported.
    """
    for problem in in_reading_order(problems):
        print(f"{ERROR_PREFIX[language]}{problem}", file=sys.stderr)
        if show_tracebacks and isinstance(problem, Problem) and problem.traceback:
            print(problem.traceback.rstrip("\n"), file=sys.stderr)
    if not show_tracebacks and any(isinstance(p, Problem) and p.traceback for p in problems):
        print("hint: a plugin raised an exception; run checkframe --traceback ... to see the whole traceback",
              file=sys.stderr)
    if plugins is not None and any(p.plugin for p in plugins.problems):  # a broken plugin, not a misspelt allowlist
        names = ",".join(sorted(set(plugins.infos) - {i for i in plugins.infos if plugins.infos[i].builtin}))
        example = names or "NAME1,NAME2"
        print(
            f"hint: fix or uninstall the broken plugin, or load only the others with "
            f"{ENV_ALLOWLIST}={example}",
            file=sys.stderr,
        )
    count = len(problems)
    if last is None:
        last = SUMMARY[language]
    print(last.format(count=count, s="s" if count != 1 else ""), file=sys.stderr)
    return EXIT_PROBLEMS


def write_file(path: Path, data: str | bytes) -> None:
    """Write a file so that it is either complete or untouched; a failure is the user's to fix."""
    if path.is_dir():
        raise UserError(f"cannot write {path}: it is a folder; give the name of the file to write in it "
                        f"(-o {path.as_posix()}/NAME)")
    try:
        fs.write_atomic(path, data)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def warn(warnings: Sequence[Problem]) -> None:
    """Print each warning on its own line: what works but is probably a mistake."""
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def load_catalog(warnings: list[Problem] | None = None) -> tuple[Plugins, Catalog]:
    """The installed plugins and their catalog; a :class:`ContentError` carries the plugins for the hint.

    :param warnings: when given, what loads but is probably a mistake is appended to it.
    """
    plugins = load_plugins()
    try:
        return plugins, build_catalog(plugins, warnings)
    except ContentError as exc:
        exc.plugins = plugins  # type: ignore[attr-defined]  # for the hint on broken plugins
        raise


#: The title of the project that ``print`` uses when there is no ``site/`` and no ``--project``.
PRINT_DEFAULT_TITLE = "安全生产检查表"


def print_project(root: str | None, catalog: Catalog, language: str = "en") -> Project:
    """The project named by ``--project``; else ``site/`` when it exists; else built-in defaults.

    The defaults print as for a department that has set nothing up: no
    department (no issuer line, no PDF author), no QR code, no legal basis.
    ``language`` is that of its problems: ``"zh"`` for the ledger's commands (see :func:`load_project`).
    """
    if root is None and (Path("site") / CONFIG_NAME).is_file():
        root = "site"
    if root is None:
        return Project(Path.cwd(), HandbookConfig(title=PRINT_DEFAULT_TITLE, department=""), PrintConfig())
    return load_project(Path(root), catalog, language=language)


def date_arg(text: str) -> dt.date:
    """An argparse type: a date such as 2024-03-01 (the ledger's and inspect's options: the message is Chinese)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(say(Message("date", got=Shown(text)), CHINESE)) from None


def jobs_arg(text: str) -> int:
    """An argparse type: a number of processes, 1 or more."""
    jobs = _jobs(text)
    if jobs is None:
        raise argparse.ArgumentTypeError(f"expected a number of processes, 1 or more (got {text!r})")
    return jobs


def chinese_jobs_arg(text: str) -> int:
    """:func:`jobs_arg` of the ledger's and inspect's options: the message is Chinese."""
    jobs = _jobs(text)
    if jobs is None:
        raise argparse.ArgumentTypeError(f"应为进程数，1 或更大（现为 {CHINESE.word(Shown(text))}）")
    return jobs


def _jobs(text: str) -> int | None:
    try:
        jobs = int(text)
    except ValueError:
        return None
    return jobs if jobs >= 1 else None


def port_arg(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535 (got {text!r})")
    return port


class _Stderr(logging.StreamHandler):
    """Log lines to whatever ``sys.stderr`` is when they are written (the terminal filter, a test's capture)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def progress(args: argparse.Namespace) -> Progress:
    """The progress display of a command with ``-q``/``-v`` (see ``verbosity`` in :mod:`checkframe.cli`).

    ``-v`` also sends checkframe's log (what was printed, what was reused) to standard error.
    """
    logger = logging.getLogger("checkframe")
    if getattr(args, "verbose", False):
        if not any(isinstance(h, _Stderr) for h in logger.handlers):
            handler = _Stderr()
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    else:
        logger.setLevel(logging.NOTSET)
    return Progress.for_terminal(quiet=getattr(args, "quiet", False))


def today() -> dt.date:
    return dt.date.today()
