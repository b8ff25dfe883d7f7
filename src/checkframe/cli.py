"""The ``checkframe`` command.

Exit codes: 0 when all went well, 1 when content or a plugin is wrong (every
problem printed, one line each, nothing written), 2 for a usage error.
``checkframe diff`` follows diff(1) instead: 0 for a report, 1 for differences
with ``--exit-code``, 2 when an input cannot be read.
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
from checkframe.schema import KINDS

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


def cmd_schema(args: argparse.Namespace) -> int:
    from checkframe.schema import schema_json

    output = Path(args.output) if args.output not in (None, "-") else None
    if args.kind is None:
        if output is None:
            args.schema_parser.error(f"give a KIND ({', '.join(KINDS)}) or -o DIR to write the schema of every kind")
        if output.exists() and not output.is_dir():
            raise UserError(f"{output} is a file; without a KIND, -o names a folder for all {len(KINDS)} schemas")
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot make the folder {output}: {exc.strerror or exc}") from None
        for kind in KINDS.values():
            write_atomic(output / kind.file_name, schema_json(kind.name))
            print(f"wrote {(output / kind.file_name).as_posix()}  ({kind.path})")
        return EXIT_OK
    text = schema_json(args.kind)
    if output is None:
        sys.stdout.write(text)
        return EXIT_OK
    if output.is_dir():
        output = output / KINDS[args.kind].file_name
    elif not output.parent.is_dir():
        raise UserError(f"cannot write {output}: there is no folder {output.parent.as_posix()!r}")
    write_atomic(output, text)
    print(f"wrote {output.as_posix()}")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from checkframe.diff import DiffInputError, diff_catalogs, load_export, render_json, render_text

    try:
        old, new = load_export(args.old), load_export(args.new)
    except DiffInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    diff = diff_catalogs(old, new)
    sys.stdout.write(render_json(diff) if args.json else render_text(diff, args.old, args.new))
    return EXIT_PROBLEMS if args.exit_code and diff else EXIT_OK


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


def cmd_new_plugin(args: argparse.Namespace) -> int:
    from checkframe.scaffold import InvalidName, NameTaken, PluginNames, write_plugin

    try:
        target = write_plugin(Path(args.dir), args.name, args.title, args.maintainer or "")
    except InvalidName as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except NameTaken as exc:
        raise UserError(str(exc)) from None
    names = PluginNames(args.name)
    print(f"wrote {target.as_posix()}/: plugin {names.name}, distribution {names.distribution}, "
          f"package {names.package}")
    print(f"next: pip install -e '{target.as_posix()}[test]' && checkframe validate && pytest {target.as_posix()}")
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


#: Written into a ``ledger --forms`` folder, so that the next run may replace the folder as a whole.
FORMS_MARK = ".checkframe-forms"


def _ledger_usage(args: argparse.Namespace) -> None:
    """Exit 2 for options that do not go together."""
    error = args.ledger_parser.error
    if args.forms and args.report:
        error("--forms writes both reports already; give --forms OUT_DIR or --report, not both")
    if args.forms and (args.start is None or args.end is None):
        error("--forms OUT_DIR needs --from DATE and --to DATE: the forms of the records dated in that range")
    if args.forms and (args.format or args.output):
        error("--format and --output go with the ledger or --report; --forms writes PDFs into OUT_DIR")
    if args.report and (args.start is None or args.end is None):
        error(f"--report {args.report} needs --from DATE and --to DATE")
    if not (args.report or args.forms) and (args.start or args.end):
        error("--from and --to go with --report weekly, --report major or --forms OUT_DIR")
    if args.start and args.end and args.start > args.end:
        error(f"--from {args.start} is after --to {args.end}; the range runs from the first day to the last")
    if args.report == "major" and args.by:
        error("--by goes with the ledger, --report weekly or --forms, not --report major")
    if args.format == "pdf" and not args.report:
        error("--format pdf goes with --report weekly or --report major; for the filled forms use --forms OUT_DIR")
    if args.format == "pdf" and not args.output:
        error("--format pdf needs --output FILE.pdf")


def _check_output_file(output: Path) -> None:
    if output.is_dir():
        raise UserError(f"cannot write {output}: it is a folder")
    if not output.parent.is_dir():
        raise UserError(f"cannot write {output}: there is no folder {output.parent.as_posix()!r}")


def _check_forms_folder(out: Path) -> None:
    """OUT_DIR may be new, empty, or an earlier ``--forms`` folder; nothing else is replaced."""
    if not out.parent.is_dir():
        raise UserError(f"cannot write {out}: there is no folder {out.parent.as_posix()!r}")
    if out.exists() and not out.is_dir():
        raise UserError(f"cannot write {out}: it is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / FORMS_MARK).is_file():
        raise UserError(f"{out} is not empty and was not written by checkframe ledger --forms; "
                        "choose a new folder or empty it (the whole folder is replaced on each run)")
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {out}: the folder {out.parent.as_posix()!r} is not writable")


def _replace_folder(tmp: Path, out: Path) -> None:
    """Put the complete folder ``tmp`` where ``out`` is, so that ``out`` is either old or new, never half."""
    import shutil

    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old."))
        os.replace(out, old / out.name)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_forms(args: argparse.Namespace, ledger, catalog: Catalog, project) -> int:
    import shutil

    from checkframe import printing, reports

    out = Path(args.forms)
    _check_forms_folder(out)
    reporter = project.config.department
    jobs = reports.plan(Path(args.dir), ledger, catalog, args.start, args.end, reporter, args.by or "township")
    try:
        tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        printing.render_forms(project, jobs, tmp, args.jobs)
        (tmp / FORMS_MARK).write_text(
            "Written by checkframe ledger --forms; the whole folder is replaced on the next run.\n", encoding="utf-8")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's folder is private; the forms folder is an ordinary one
        _replace_folder(tmp, out)
    except printing.PrintError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UserError(str(exc)) from None
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    kinds = [job.form for job in jobs]
    print(f"wrote {out.as_posix()}/: {kinds.count('supervision-record')} 督导检查表 (附件3), "
          f"{kinds.count('deadline-order')} 责令限期整改指令书, 统计表 (附件4), 重大隐患统计表 (附件5), "
          f"{args.start} to {args.end}")
    return EXIT_OK


def cmd_ledger(args: argparse.Namespace) -> int:
    from checkframe import ledger as ledgers

    _ledger_usage(args)
    output = Path(args.output) if args.output else None
    if output is not None:
        _check_output_file(output)
    _, catalog = _catalog()
    project = _print_project(args.project, catalog) if (args.forms or args.format == "pdf") else None
    as_of = args.as_of or (args.end if (args.report or args.forms) else None) or _today()
    ledger = ledgers.build_ledger(Path(args.dir), catalog, as_of)
    if ledger.problems:
        return report(ledger.problems)
    if args.forms:
        return _write_forms(args, ledger, catalog, project)
    if args.format == "pdf":
        from checkframe import printing, reports

        reporter = project.config.department
        if args.report == "weekly":
            form, values = "weekly-statistics", reports.weekly_values(ledger, args.start, args.end, reporter,
                                                                      args.by or "township")
        else:
            form, values = "major-hazard-list", reports.major_values(ledger, catalog, args.start, args.end, reporter)
        try:
            pdf = printing.render_form(catalog, project, form, values=values,
                                       subject=reports.period(args.start, args.end))
        except printing.PrintError as exc:
            raise UserError(str(exc)) from None
        write_atomic(output, pdf)
        print(f"wrote {output}")
        return EXIT_OK
    if args.report == "weekly":
        rows = ledgers.weekly_rows(ledger, args.start, args.end, args.by or "township")
    elif args.report == "major":
        rows = ledgers.major_rows(ledger, catalog, args.start, args.end)
    elif args.by:
        rows = ledgers.summary_rows(ledger, args.by)
    else:
        rows = ledgers.ledger_rows(ledger)
    columns = list(rows[0]) if rows else list(ledgers.LEDGER_COLUMNS)
    text = ledgers.render(rows, columns, args.format or "table")
    if output is not None:
        write_atomic(output, text)
        print(f"wrote {output}")
    else:
        sys.stdout.write(text)
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
    p.add_argument("--jobs", type=int, metavar="N", help="processes printing PDFs (default: one per core)")
    p = command("serve", cmd_serve, "Preview the built handbook on http://127.0.0.1 (a local web server).")
    p.add_argument("project", metavar="PROJECT", help="the handbook folder, e.g. site/")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0 picks a free one)")
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
    q.add_argument("--date", type=_date_arg, metavar="DATE", help="the inspection date (default: today)")
    q = steps.add_parser("recheck", help="write a recheck record carrying the unresolved findings of RECORD",
                         description="Write records/DATE-UNIT-recheck.toml with one blank recheck per finding "
                                     "of RECORD still unresolved, and follows = RECORD.")
    q.set_defaults(func=cmd_inspect_recheck)
    q.add_argument("record", metavar="RECORD", help="the earlier record, e.g. DIR/records/2024-03-01-u1-general-self.toml")
    q.add_argument("--date", type=_date_arg, metavar="DATE", help="the recheck date (default: today)")
    p = command("ledger", cmd_ledger, "Replay a ledger folder's records: each finding's state, or a report.")
    p.add_argument("dir", metavar="DIR", help="the ledger folder holding units/*.toml and records/*.toml")
    p.add_argument("--format", choices=["table", "csv", "json", "pdf"],
                   help="output format: table (the default), csv, json; pdf for --report, printed as the form of seed 004")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output (needed for pdf)")
    p.add_argument("--by", choices=["unit", "sector", "township"],
                   help="counts per unit, sector or township instead of one row per finding")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE",
                   help="replay records up to DATE and judge deadlines on it (default: today, or --to)")
    p.add_argument("--report", choices=["weekly", "major"],
                   help="weekly: 附件4 hazards found and fixed; major: 附件5 major-hazard list")
    p.add_argument("--from", dest="start", type=_date_arg, metavar="DATE", help="first day of the report")
    p.add_argument("--to", dest="end", type=_date_arg, metavar="DATE", help="last day of the report")
    p.add_argument("--forms", metavar="OUT_DIR",
                   help="write the filled forms of the records dated --from to --to as PDFs into OUT_DIR: a 督导检查表 "
                        "(附件3) per supervision record, a 责令限期整改指令书 per deadline fix, the 统计表 (附件4) and "
                        "the 重大隐患统计表 (附件5); OUT_DIR is replaced as a whole")
    p.add_argument("--project", metavar="DIR",
                   help="the handbook project whose department signs the reports and authors the PDFs "
                        "(default: site/ if it has a checkframe.toml)")
    p.add_argument("--jobs", type=int, metavar="N", help="processes printing the forms (default: one per core)")
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
