"""The ``checkframe`` command.

Exit codes: 0 when all went well, 1 when content or a plugin is wrong (every
problem printed, one line each, nothing written), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from checkframe.catalog import Catalog, build_catalog, catalog_to_json, gather
from checkframe.content import ContentError, Problem
from checkframe.plugins import ENV_ALLOWLIST, Plugins, load_plugins

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """A mistake of the user's, reported as one line without a traceback."""


def report(problems: Sequence[Problem | str], plugins: Plugins | None = None) -> int:
    """Print every problem on its own line, then how to go on; return exit code 1."""
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if plugins is not None and plugins.problems:
        names = ",".join(sorted(set(plugins.infos) - {i for i in plugins.infos if plugins.infos[i].builtin}))
        example = names or "NAME1,NAME2"
        print(
            f"hint: fix or uninstall the broken plugin, or load only the others with "
            f"{ENV_ALLOWLIST}={example}",
            file=sys.stderr,
        )
    count = len(problems)
    print(
        f"checkframe: {count} problem{'s' if count != 1 else ''} found; nothing was written.",
        file=sys.stderr,
    )
    return EXIT_PROBLEMS


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file so that it is either complete or untouched."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def _catalog() -> tuple[Plugins, Catalog]:
    plugins = load_plugins()
    try:
        return plugins, build_catalog(plugins)
    except ContentError as exc:
        exc.plugins = plugins  # type: ignore[attr-defined]  # for the hint on broken plugins
        raise


# -- Commands ----------------------------------------------------------------------------


def cmd_plugins(args: argparse.Namespace) -> int:
    plugins = load_plugins()
    contributions, hook_problems = gather(plugins)
    by_plugin = {c.plugin: c for c in contributions}
    problems = [*plugins.problems, *hook_problems]
    rows = []
    for info in plugins.infos.values():
        found = by_plugin.get(info.name)
        rows.append({
            "name": info.name,
            "distribution": info.distribution,
            "version": info.version,
            "builtin": info.builtin,
            "sectors": [e.obj.id for e in found.sectors] if found else [],
            "checkpoints": len(found.checkpoints) if found else 0,
            "checklists": len(found.checklists) if found else 0,
            "remediation_categories": [e.obj.code for e in found.categories] if found else [],
        })
    if args.json:
        print(json.dumps({
            "plugins": rows,
            "skipped": plugins.skipped,
            "errors": [str(p) for p in problems],
        }, ensure_ascii=False, indent=2))
    else:
        header = ("plugin", "distribution", "version", "sectors", "checkpoints", "checklists")
        table = [header] + [
            (r["name"], r["distribution"], r["version"], ",".join(r["sectors"]) or "-",
             str(r["checkpoints"]), str(r["checklists"]))
            for r in rows
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        for row in table:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if plugins.skipped:
            print(f"skipped by {ENV_ALLOWLIST}: {', '.join(plugins.skipped)}")
    if problems:
        return report(problems, plugins)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    plugins, catalog = _catalog()
    print(
        f"ok: {len(catalog.sectors)} sectors, {len(catalog.checkpoints)} checkpoints, "
        f"{len(catalog.checklists)} checklists, {len(catalog.categories)} remediation "
        f"categories from {len(plugins.infos)} plugins"
    )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    _, catalog = _catalog()
    text = catalog_to_json(catalog)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        write_atomic(Path(args.output), text)
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from checkframe.build import build

    result = build(Path(args.project), force=args.force, jobs=args.jobs)
    if result.written:
        print(f"built {result.output}: {result.pages} pages, {result.pdfs} PDFs")
    else:
        print(f"{result.output} is up to date ({result.pages} pages, {result.pdfs} PDFs); nothing changed")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import functools
    import http.server

    root = Path(args.project) / "_build"
    if not (root / "index.html").is_file():
        raise UserError(f"{root} has no built handbook; run: checkframe build {args.project}")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}; try --port") from None
    print(f"serving {root} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return EXIT_OK


#: The title of the project that ``print`` uses when there is no ``site/`` and no ``--project``.
PRINT_DEFAULT_TITLE = "安全生产检查表"


def _print_project(root: str | None, catalog: Catalog):
    """The project named by ``--project``; else ``site/`` when it exists; else built-in defaults.

    The defaults print as for a department that has set nothing up: no
    department (no issuer line, no PDF author), no QR code, no legal basis.
    """
    from checkframe.project import CONFIG_NAME, HandbookConfig, PrintConfig, Project, load_project

    if root is None and (Path("site") / CONFIG_NAME).is_file():
        root = "site"
    if root is None:
        return Project(Path.cwd(), HandbookConfig(title=PRINT_DEFAULT_TITLE, department=""), PrintConfig())
    return load_project(Path(root), catalog)


def cmd_print(args: argparse.Namespace) -> int:
    if (args.checklist is None) == (args.form is None):
        args.print_parser.error("give either a CHECKLIST_ID or --form FORM")
    from checkframe import printing  # loads WeasyPrint, which only this command needs

    output = Path(args.output)
    if not output.parent.is_dir():
        raise UserError(f"cannot write {output}: there is no folder {output.parent.as_posix()!r}")
    _, catalog = _catalog()
    project = _print_project(args.project, catalog)
    try:
        if args.form is not None:
            pdf = printing.render_form(catalog, project, args.form)
        else:
            if not catalog.has("checklist", args.checklist):
                known = [c.id for c in catalog.checklists]
                close = difflib.get_close_matches(args.checklist, known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"installed: {', '.join(known) or 'none'}"
                raise UserError(f"unknown checklist {args.checklist!r}; {hint}")
            pdf = printing.render_checklist(catalog, project, args.checklist, legal_basis=args.legal_basis or None)
    except printing.PrintError as exc:
        raise UserError(str(exc)) from None
    write_atomic(output, pdf)
    print(f"wrote {output}")
    return EXIT_OK


def _date_arg(text: str):  # -> datetime.date; an argparse type
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2024-03-01 (got {text!r})") from None


def _today():  # -> datetime.date
    import datetime as dt

    return dt.date.today()


def cmd_inspect_new(args: argparse.Namespace) -> int:
    from checkframe.ledger import StoreError, new_record

    _, catalog = _catalog()
    try:
        path, text = new_record(Path(args.dir), catalog, args.checklist, args.unit, args.date or _today())
    except StoreError as exc:
        raise UserError(str(exc)) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
    print(f"wrote {path.as_posix()}")
    return EXIT_OK


def cmd_inspect_recheck(args: argparse.Namespace) -> int:
    from checkframe.ledger import LedgerProblems, StoreError, recheck_of

    _, catalog = _catalog()
    try:
        path, text = recheck_of(Path(args.record), catalog, args.date or _today())
    except StoreError as exc:
        raise UserError(str(exc)) from None
    except LedgerProblems as exc:
        return report(exc.problems)
    write_atomic(path, text)
    print(f"wrote {path.as_posix()}")
    return EXIT_OK


def cmd_ledger(args: argparse.Namespace) -> int:
    from checkframe import ledger as ledgers

    if args.report and (args.start is None or args.end is None):
        args.ledger_parser.error(f"--report {args.report} needs --from DATE and --to DATE")
    if not args.report and (args.start or args.end):
        args.ledger_parser.error("--from and --to go with --report weekly or --report major")
    if args.report == "major" and args.by:
        args.ledger_parser.error("--by goes with the ledger or --report weekly, not --report major")
    _, catalog = _catalog()
    as_of = args.as_of or (args.end if args.report else None) or _today()
    ledger = ledgers.build_ledger(Path(args.dir), catalog, as_of)
    if ledger.problems:
        return report(ledger.problems)
    if args.report == "weekly":
        rows = ledgers.weekly_rows(ledger, args.start, args.end, args.by or "township")
    elif args.report == "major":
        rows = ledgers.major_rows(ledger, catalog, args.start, args.end)
    elif args.by:
        rows = ledgers.summary_rows(ledger, args.by)
    else:
        rows = ledgers.ledger_rows(ledger)
    columns = list(rows[0]) if rows else list(ledgers.LEDGER_COLUMNS)
    sys.stdout.write(ledgers.render(rows, columns, args.format))
    return EXIT_OK


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
    p = command("build", cmd_build, "Build the handbook site and its PDFs into PROJECT/_build.")
    p.add_argument("project", metavar="PROJECT", help="the handbook folder holding checkframe.toml, e.g. site/")
    p.add_argument("--force", action="store_true", help="rebuild even when no input changed")
    p.add_argument("--jobs", type=int, metavar="N", help="processes printing PDFs (default: one per core)")
    p = command("serve", cmd_serve, "Preview the built handbook on http://127.0.0.1 (a local web server).")
    p.add_argument("project", metavar="PROJECT", help="the handbook folder, e.g. site/")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0 picks a free one)")
    p = command("print", cmd_print, "Print a checklist or a blank form as a PDF.")
    p.add_argument("checklist", nargs="?", metavar="CHECKLIST_ID", help="the checklist to print")
    p.add_argument("--form", metavar="FORM",
                   help="print a blank form instead: supervision-record (附件3 督导检查表), "
                        "deadline-order (责令限期整改指令书), unit-registration (附件1 摸底登记表)")
    p.add_argument("-o", "--output", metavar="FILE.pdf", required=True, help="the PDF to write")
    p.add_argument("--project", metavar="DIR",
                   help="the handbook project whose department, base_url and [print] options to use "
                        "(default: site/ if it has a checkframe.toml, else no department and no QR code)")
    p.add_argument("--legal-basis", action="store_true",
                   help="print each item's legal basis in small type (default: the project's print.legal_basis)")
    p.set_defaults(print_parser=p)
    p = command("inspect", cmd_inspect_new, "Start an inspection record or a recheck in a ledger folder.")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True)
    q = steps.add_parser("new", help="write a new record listing every checkpoint of a checklist, marks blank",
                         description="Write DIR/records/DATE-UNIT-CHECKLIST.toml, ready to fill in by hand.")
    q.set_defaults(func=cmd_inspect_new)
    q.add_argument("--checklist", required=True, metavar="ID", help="the checklist id, e.g. general-self")
    q.add_argument("--unit", required=True, metavar="UNIT", help="the unit id: the name of DIR/units/UNIT.toml")
    q.add_argument("--dir", default=".", metavar="DIR", help="the ledger folder (default: the current one)")
    q.add_argument("--date", type=_date_arg, metavar="DATE", help="the inspection date (default: today)")
    q = steps.add_parser("recheck", help="write a recheck record carrying the unresolved findings of RECORD",
                         description="Write records/DATE-UNIT-recheck.toml with one blank recheck per finding "
                                     "of RECORD still unresolved, and follows = RECORD.")
    q.set_defaults(func=cmd_inspect_recheck)
    q.add_argument("record", metavar="RECORD", help="the earlier record, e.g. DIR/records/2024-03-01-u1-general-self.toml")
    q.add_argument("--date", type=_date_arg, metavar="DATE", help="the recheck date (default: today)")
    p = command("ledger", cmd_ledger, "Replay a ledger folder's records: each finding's state, or a report.")
    p.add_argument("dir", metavar="DIR", help="the ledger folder holding units/*.toml and records/*.toml")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format (default: table)")
    p.add_argument("--by", choices=["unit", "sector", "township"],
                   help="counts per unit, sector or township instead of one row per finding")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE",
                   help="replay records up to DATE and judge deadlines on it (default: today, or --to)")
    p.add_argument("--report", choices=["weekly", "major"],
                   help="weekly: 附件4 hazards found and fixed; major: 附件5 major-hazard list")
    p.add_argument("--from", dest="start", type=_date_arg, metavar="DATE", help="first day of the report")
    p.add_argument("--to", dest="end", type=_date_arg, metavar="DATE", help="last day of the report")
    p.set_defaults(ledger_parser=p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ContentError as exc:
        return report(exc.problems, getattr(exc, "plugins", None))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
