"""Commands on inspection records: ``inspect new``, ``inspect recheck``, ``ledger``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from checkframe.catalog import Catalog
from checkframe.cli import common
from checkframe.cli.common import EXIT_OK, UserError, report, today, write_file
from checkframe.publish.project import Project
from checkframe.util import fs


def cmd_inspect_new(args: argparse.Namespace) -> int:
    from checkframe.ledger.store import StoreError, new_record

    _, catalog = common.load_catalog()
    try:
        path, text = new_record(Path(args.dir), catalog, args.checklist, args.unit, args.date or today())
    except StoreError as exc:
        raise UserError(str(exc)) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, text)
    print(f"wrote {path.as_posix()}")
    return EXIT_OK


def cmd_inspect_recheck(args: argparse.Namespace) -> int:
    from checkframe.ledger.store import LedgerProblems, StoreError, recheck_of

    _, catalog = common.load_catalog()
    try:
        path, text = recheck_of(Path(args.record), catalog, args.date or today())
    except StoreError as exc:
        raise UserError(str(exc)) from None
    except LedgerProblems as exc:
        return report(exc.problems)
    write_file(path, text)
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


def _write_forms(args: argparse.Namespace, ledger: Any, catalog: Catalog, project: Project) -> int:
    from checkframe.ledger import reports
    from checkframe.publish import pdfs, printing

    out = Path(args.forms)
    _check_forms_folder(out)
    reporter = project.config.department
    jobs = reports.plan(Path(args.dir), ledger, catalog, args.start, args.end, reporter, args.by or "township")
    try:
        with fs.staging_folder(out) as tmp:
            pdfs.render_forms(project, jobs, tmp, args.jobs)
            (tmp / FORMS_MARK).write_text(
                "Written by checkframe ledger --forms; the whole folder is replaced on the next run.\n", encoding="utf-8")
            fs.swap_folder(tmp, out)
    except printing.PrintError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    kinds = [job.form for job in jobs]
    print(f"wrote {out.as_posix()}/: {kinds.count('supervision-record')} 督导检查表 (附件3), "
          f"{kinds.count('deadline-order')} 责令限期整改指令书, 统计表 (附件4), 重大隐患统计表 (附件5), "
          f"{args.start} to {args.end}")
    return EXIT_OK


def cmd_ledger(args: argparse.Namespace) -> int:
    from checkframe.ledger import rows as tables
    from checkframe.ledger.ledger import build_ledger

    _ledger_usage(args)
    output = Path(args.output) if args.output else None
    if output is not None:
        _check_output_file(output)
    _, catalog = common.load_catalog()
    project = common.print_project(args.project, catalog) if (args.forms or args.format == "pdf") else None
    as_of = args.as_of or (args.end if (args.report or args.forms) else None) or today()
    ledger = build_ledger(Path(args.dir), catalog, as_of, jobs=args.jobs)
    if ledger.problems:
        return report(ledger.problems)
    if args.forms:
        assert project is not None
        return _write_forms(args, ledger, catalog, project)
    if args.format == "pdf":
        assert project is not None and output is not None  # _ledger_usage requires --output with pdf
        from checkframe.ledger import reports
        from checkframe.publish import printing

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
        write_file(output, pdf)
        print(f"wrote {output}")
        return EXIT_OK
    if args.report == "weekly":
        rows = tables.weekly_rows(ledger, args.start, args.end, args.by or "township")
    elif args.report == "major":
        rows = tables.major_rows(ledger, catalog, args.start, args.end)
    elif args.by:
        rows = tables.summary_rows(ledger, args.by)
    else:
        rows = tables.ledger_rows(ledger)
    columns = list(rows[0]) if rows else list(tables.LEDGER_COLUMNS)
    text = tables.render(rows, columns, args.format or "table")
    if output is not None:
        write_file(output, text)
        print(f"wrote {output}")
    else:
        sys.stdout.write(text)
    return EXIT_OK
