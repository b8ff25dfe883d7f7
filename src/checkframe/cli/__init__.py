"""The ``checkframe`` command.

Exit codes: 0 when all went well, 1 when content or a plugin is wrong (every
problem printed, one line each, nothing written), 2 for a usage error, 70 for
an unexpected exception (a bug: one line, and ``--traceback`` shows the rest),
130 when interrupted.
``checkframe diff`` follows diff(1) instead: 0 for a report, 1 for differences
with ``--exit-code``, 2 when an input cannot be read.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from checkframe.catalog.schema import KINDS
from checkframe.cli import common
from checkframe.cli.catalog_commands import cmd_diff, cmd_export, cmd_plugins, cmd_schema, cmd_validate
from checkframe.cli.common import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_PROBLEMS,
    EXIT_TERMINATED,
    Terminated,
    UserError,
    date_arg,
    jobs_arg,
    port_arg,
    report,
)
from checkframe.cli.ledger_commands import cmd_inspect_new, cmd_inspect_recheck, cmd_ledger
from checkframe.cli.publish_commands import cmd_build, cmd_new_plugin, cmd_print, cmd_serve
from checkframe.errors import ContentError
from checkframe.util.parallel import ENV_JOBS
from checkframe.util.terminal import PrintableWriter

__all__ = ["build_parser", "main"]


# -- Parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="checkframe",
        description="Checklists, handbook and forms for work-safety inspection campaigns.",
    )
    parser.add_argument(
        "--version", action="version",
        version=f"%(prog)s {importlib.metadata.version('checkframe')}",
    )
    parser.add_argument(
        "--traceback", action="store_true",
        help="on an unexpected error (exit 70), show the whole Python traceback instead of one line",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    p = command("plugins", cmd_plugins, "List the installed plugins and what each contributes.")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    command("validate", cmd_validate, "Load every plugin's content and check it.")
    p = command("export", cmd_export, "Write the whole catalog for other tools.")
    p.add_argument("--format", choices=["json"], default="json", help="output format (default: json)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p = command("diff", cmd_diff, "List the sectors, checkpoints, checklists and documents that changed "
                                  "between two exports.")
    p.add_argument("old", metavar="OLD.json", help="the earlier export (checkframe export -o OLD.json)")
    p.add_argument("new", metavar="NEW.json", help="the later export")
    p.add_argument("--json", action="store_true", help="print JSON instead of a report")
    p.add_argument("--exit-code", action="store_true",
                   help="exit 1 when there are differences, as git diff --exit-code (unreadable input: 2)")
    p = command("schema", cmd_schema, "Write the JSON Schema of a kind of content file, for editors.")
    p.add_argument("kind", nargs="?", metavar="KIND", choices=list(KINDS),
                   help="; ".join(f"{k.name}: {k.path}" for k in KINDS.values())
                        + f"; without KIND, -o DIR gets all {len(KINDS)}")
    p.add_argument("-o", "--output", metavar="FILE|DIR",
                   help="write to FILE (or DIR/KIND.schema.json) instead of standard output")
    p.set_defaults(schema_parser=p)
    p = command("build", cmd_build, "Build the handbook site and its PDFs into PROJECT/_build.")
    p.add_argument("project", metavar="PROJECT", help="the handbook folder holding checkframe.toml, e.g. site/")
    p.add_argument("--force", action="store_true", help="rebuild even when no input changed")
    p.add_argument("--jobs", type=jobs_arg, metavar="N",
                   help=f"processes for rendering pages and printing PDFs (default: one per core, or ${ENV_JOBS}, "
                        "when it pays; 1 runs in this process)")
    p = command("serve", cmd_serve, "Preview the built handbook on http://127.0.0.1 (a local web server).")
    p.add_argument("project", metavar="PROJECT", help="the handbook folder, e.g. site/")
    p.add_argument("--port", type=port_arg, default=8000, help="port on 127.0.0.1 (default: 8000; 0 picks a free one)")
    p = command("print", cmd_print, "Print a checklist or a blank form as a PDF.")
    p.add_argument("checklist", nargs="?", metavar="CHECKLIST_ID", help="the checklist to print")
    p.add_argument("--form", metavar="FORM",
                   help="print a blank form instead: supervision-record (附件3 督导检查表), "
                        "deadline-order (责令限期整改指令书), unit-registration (附件1 摸底登记表), "
                        "weekly-statistics (附件4 统计表), major-hazard-list (附件5 重大隐患统计表)")
    p.add_argument("-o", "--output", metavar="FILE.pdf", required=True, help="the PDF to write")
    p.add_argument("--project", metavar="DIR",
                   help="the handbook project whose department, base_url and [print] options to use "
                        "(default: site/ if it has a checkframe.toml, else no department and no QR code)")
    p.add_argument("--legal-basis", action="store_true",
                   help="print each item's legal basis in small type (default: the project's print.legal_basis)")
    p.set_defaults(print_parser=p)
    p = command("new-plugin", cmd_new_plugin, "Write a new sector plugin distribution, ready to install and fill in.")
    p.add_argument("name", metavar="NAME",
                   help="the plugin's name: its sector id and entry point, e.g. hazardous_chemicals "
                        "(distribution checkframe-NAME, package checkframe_NAME)")
    p.add_argument("--title", required=True, metavar="中文名",
                   help="the sector's name as inspectors read it, e.g. 危险化学品")
    p.add_argument("--maintainer", metavar="DEPARTMENT", help="the department that maintains the content")
    p.add_argument("--dir", default=".", metavar="DIR", help="where to write checkframe-NAME/ (default: the current folder)")
    p = command("inspect", cmd_inspect_new, "Start an inspection record or a recheck in a ledger folder.")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True)
    q = steps.add_parser("new", help="write a new record listing every checkpoint of a checklist, marks blank",
                         description="Write DIR/records/DATE-UNIT-CHECKLIST.toml, ready to fill in by hand.")
    q.set_defaults(func=cmd_inspect_new)
    q.add_argument("--checklist", required=True, metavar="ID", help="the checklist id, e.g. general-self")
    q.add_argument("--unit", required=True, metavar="UNIT", help="the unit id: the name of DIR/units/UNIT.toml")
    q.add_argument("--dir", default=".", metavar="DIR", help="the ledger folder (default: the current one)")
    q.add_argument("--date", type=date_arg, metavar="DATE", help="the inspection date (default: today)")
    q = steps.add_parser("recheck", help="write a recheck record carrying the unresolved findings of RECORD",
                         description="Write records/DATE-UNIT-recheck.toml with one blank recheck per finding "
                                     "of RECORD still unresolved, and follows = RECORD.")
    q.set_defaults(func=cmd_inspect_recheck)
    q.add_argument("record", metavar="RECORD", help="the earlier record, e.g. DIR/records/2024-03-01-u1-general-self.toml")
    q.add_argument("--date", type=date_arg, metavar="DATE", help="the recheck date (default: today)")
    p = command("ledger", cmd_ledger, "Replay a ledger folder's records: each finding's state, or a report.")
    p.add_argument("dir", metavar="DIR", help="the ledger folder holding units/*.toml and records/*.toml")
    p.add_argument("--format", choices=["table", "csv", "json", "pdf"],
                   help="output format: table (the default), csv, json; pdf for --report, printed as the form of seed 004")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output (needed for pdf)")
    p.add_argument("--by", choices=["unit", "sector", "township"],
                   help="counts per unit, sector or township instead of one row per finding")
    p.add_argument("--as-of", type=date_arg, metavar="DATE",
                   help="replay records up to DATE and judge deadlines on it (default: today, or --to)")
    p.add_argument("--report", choices=["weekly", "major"],
                   help="weekly: 附件4 hazards found and fixed; major: 附件5 major-hazard list")
    p.add_argument("--from", dest="start", type=date_arg, metavar="DATE", help="first day of the report")
    p.add_argument("--to", dest="end", type=date_arg, metavar="DATE", help="last day of the report")
    p.add_argument("--forms", metavar="OUT_DIR",
                   help="write the filled forms of the records dated --from to --to as PDFs into OUT_DIR: a 督导检查表 "
                        "(附件3) per supervision record, a 责令限期整改指令书 per deadline fix, the 统计表 (附件4) and "
                        "the 重大隐患统计表 (附件5); OUT_DIR is replaced as a whole")
    p.add_argument("--project", metavar="DIR",
                   help="the handbook project whose department signs the reports and authors the PDFs "
                        "(default: site/ if it has a checkframe.toml)")
    p.add_argument("--jobs", type=jobs_arg, metavar="N",
                   help=f"processes for reading the records and printing the forms (default: one per core, or "
                        f"${ENV_JOBS}, when it pays; 1 runs in this process)")
    p.set_defaults(ledger_parser=p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    streams = sys.stdout, sys.stderr
    # Everything printed, argparse's messages included, passes through one function: no escape sequence from a
    # file reaches the terminal.
    sys.stdout, sys.stderr = PrintableWriter(sys.stdout), PrintableWriter(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    common.show_tracebacks = args.traceback
    previous = _catch_signals()
    try:
        return args.func(args)
    except ContentError as exc:
        return report(exc.problems, getattr(exc, "plugins", None))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("checkframe: interrupted; nothing was changed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("checkframe: terminated; nothing was changed", file=sys.stderr)
        return EXIT_TERMINATED
    except Exception as exc:  # noqa: BLE001  # the last resort: a bug is never mistaken for bad input
        return internal_error(exc)
    finally:
        # Once stopped by a signal, later ones stay ignored until the process has exited: a second Ctrl-C
        # must not kill it while the interpreter shuts down.
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            for number, handler in previous.items():
                signal.signal(number, handler)


def _on_signal(number: int, frame: object) -> None:
    """The first Ctrl-C or SIGTERM stops the command; those that follow are ignored while it cleans up.

    Cleaning up (the pool's workers terminated, temporary folders removed) takes well under a second; a
    second Ctrl-C that interrupted it would leave a worker or a temporary folder behind.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if number == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(number)


def _catch_signals() -> dict[int, Any]:
    """Turn SIGINT and SIGTERM into exceptions, so that every ``finally`` and cleanup runs; the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, _on_signal) for number in (signal.SIGINT, signal.SIGTERM)}


def internal_error(exc: BaseException) -> int:
    """Report an unexpected exception in one line (all of it with ``--traceback``); return exit code 70."""
    if common.show_tracebacks:
        traceback.print_exception(exc, file=sys.stderr)
    else:
        where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        at = f" (at {where[0].filename}:{where[0].lineno})" if where else ""
        print(f"checkframe: internal error: {type(exc).__name__}: {exc}{at}", file=sys.stderr)
        print("hint: run the same command with checkframe --traceback ... to see the whole traceback, "
              "and report it to the plugin or checkframe", file=sys.stderr)
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
