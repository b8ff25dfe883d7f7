"""Commands on inspection records: ``inspect new``, ``inspect recheck``, ``ledger show|report|forms``.

Their readers are clerks: every message, problems included, is in Chinese
(:mod:`checkframe.ledger.messages`; the parsers set ``language="zh"`` for the prefix and the closing line).
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import os
import sys
from pathlib import Path
from typing import Any

from checkframe.catalog import Catalog
from checkframe.cli import common
from checkframe.cli.common import EXIT_OK, UserError, report, today
from checkframe.errors import ContentError, Problem
from checkframe.ledger.messages import os_reason, words
from checkframe.publish.project import Project
from checkframe.util import collector, fs
from checkframe.util.terminal import printable, styled_stream


def ledger_rules(plugins: Any) -> Any:
    """The ledger rules of the installed plugins (the core's alone when a test gives no plugins)."""
    from checkframe.ledger.rules import LedgerRules, gather_ledger_rules

    if plugins is None:
        return LedgerRules.core()
    problems: list[Any] = []
    rules = gather_ledger_rules(plugins, problems)
    if problems:
        raise ContentError(problems)
    return rules


def write_failed(exc: OSError, target: Path) -> ContentError:
    """A full disk, a read-only folder, a file where a folder should be: the one line ``checkframe build`` gives,
    in Chinese (:func:`checkframe.errors.write_problem`).

    It names the folder that could not be written in, and says that ``target`` is as it was when it exists.
    """
    where = Path(exc.filename).parent.as_posix() if isinstance(exc.filename, str) else target.as_posix()
    kept = words("kept", output=target.as_posix()) if target.is_dir() else ""
    message = words("cannot_write_in", folder=where, reason=os_reason(exc)) + kept
    return ContentError([Problem("", message, target.as_posix(), language="zh")])


def write_file(path: Path, data: str | bytes) -> None:
    """:func:`checkframe.cli.common.write_file`, saying in Chinese why a file could not be written."""
    try:
        fs.write_atomic(path, data)
    except OSError as exc:
        raise UserError(words("cannot_write", path=path.as_posix(), reason=os_reason(exc))) from None


def cmd_inspect_new(args: argparse.Namespace) -> int:
    from checkframe.ledger.store import StoreError, new_record

    _, catalog = common.load_catalog()
    try:
        path, text = new_record(Path(args.dir), catalog, args.checklist, args.unit, args.date or today())
    except StoreError as exc:
        raise UserError(str(exc)) from None
    if path.parent.exists() and not path.parent.is_dir():
        raise UserError(words("records_is_file", path=path.as_posix(), parent=path.parent.as_posix()))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # records/ is a file, or the ledger folder cannot be written in
        raise write_failed(exc, path.parent) from None
    write_file(path, text)
    print(f"已写入 {path.as_posix()}")
    return EXIT_OK


def cmd_inspect_recheck(args: argparse.Namespace) -> int:
    from checkframe.ledger.store import LedgerProblems, StoreError, recheck_of

    plugins, catalog = common.load_catalog()
    try:
        path, text = recheck_of(Path(args.record), catalog, args.date or today(), ledger_rules(plugins))
    except StoreError as exc:
        raise UserError(str(exc)) from None
    except LedgerProblems as exc:
        return report(exc.problems, language="zh")
    write_file(path, text)
    print(f"已写入 {path.as_posix()}")
    return EXIT_OK


class _Steps(dict[str, Any]):
    """The steps by name; asked for a folder, the old ``checkframe ledger DIR``, it says what to run instead."""

    #: False while the steps are being added: argparse asks then whether a name is taken (a folder of that name
    #: in the working directory is no reason to fail).
    complete = False

    def __contains__(self, step: object) -> bool:
        if super().__contains__(step):
            return True
        if self.complete and isinstance(step, str) and step and Path(step).is_dir():
            raise argparse.ArgumentError(None, words("folder_step", step=step, steps="、".join(self)))
        return False


class LedgerSteps(argparse._SubParsersAction):
    """The steps of ``checkframe ledger`` (``add_subparsers(action=LedgerSteps)``), with :class:`_Steps` as choices."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._name_parser_map = self.choices = _Steps()

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        steps = self._name_parser_map
        assert isinstance(steps, _Steps)
        steps.complete = False
        try:
            return super().add_parser(name, **kwargs)
        finally:
            steps.complete = True


def cmd_inspect_import(args: argparse.Namespace) -> int:
    from checkframe.ledger.importing import ImportProblems, import_records

    plugins, catalog = common.load_catalog()
    try:
        done = import_records([Path(f) for f in args.files], Path(args.dir), catalog, ledger_rules(plugins), today())
    except ImportProblems as exc:
        return report(exc.problems, last="checkframe：共 {count} 处问题，所有文件均未导入，台账未作改动。", language="zh")
    for imported in done:
        photos = f"，照片 {len(imported.photos)} 张" if imported.photos else ""
        print(f"已导入 {imported.record.as_posix()}：隐患 {imported.findings} 项{photos}")
    return EXIT_OK


#: Written into a ``ledger forms`` folder, so that the next run may replace the folder as a whole.
FORMS_MARK = ".checkframe-forms"


def _usage(args: argparse.Namespace) -> None:
    """Exit 2 for options that do not go together."""
    error = args.ledger_parser.error
    if getattr(args, "start", None) and getattr(args, "end", None) and args.start > args.end:
        error(words("from_after_to", start=args.start, end=args.end))
    fmt = getattr(args, "format", None)
    if fmt in ("pdf", "xlsx") and not args.output:
        error(words("format_output", format=fmt))
    if getattr(args, "bom", False) and fmt != "csv":
        error(words("bom_csv"))
    if getattr(args, "report", None) and getattr(args, "project", None) and fmt != "pdf":
        error(words("project_pdf"))  # read by the PDF alone: a wrong folder would pass unnoticed
    if getattr(args, "report", None) == "major" and args.by:
        error(words("by_major"))


def _check_outside_ledger(output: Path, ledger: Path) -> None:
    """Refuse ``output`` in the ledger's own folders (what it is made of, and its cache): a table written over a
    record, or a new file among them, would change the ledger (found by a test that wrote ``-o records/x.toml``)."""
    from checkframe.ledger.cache import CACHE_DIR  # imported when there is an output to check
    from checkframe.ledger.importing import EVIDENCE

    where = os.path.realpath(output)
    for folder in ("records", "units", EVIDENCE, CACHE_DIR):
        inside = os.path.realpath(ledger / folder)
        if where == inside or where.startswith(os.path.join(inside, "")):
            raise UserError(words("output_in_ledger", path=output.as_posix(), folder=f"{folder}/"))


def _check_output_file(output: Path, ledger: Path) -> None:
    _check_outside_ledger(output, ledger)
    if output.is_dir():
        raise UserError(words("output_is_folder", path=output.as_posix()))
    if not output.parent.is_dir():
        raise UserError(words("no_folder", path=output.as_posix(), folder=output.parent.as_posix()))


def _check_forms_folder(out: Path, ledger: Path) -> None:
    """OUT_DIR may be new, empty, or an earlier ``--forms`` folder; nothing else is replaced."""
    _check_outside_ledger(out, ledger)
    if not out.parent.is_dir():
        raise UserError(words("no_folder", path=out.as_posix(), folder=out.parent.as_posix()))
    if out.exists() and not out.is_dir():
        raise UserError(words("out_is_file", path=out.as_posix()))
    if out.is_dir() and any(out.iterdir()) and not (out / FORMS_MARK).is_file():
        raise UserError(words("out_not_empty", path=out.as_posix()))
    if not os.access(out.parent, os.W_OK | os.X_OK):  # said before the ledger is read and the forms printed
        raise write_failed(PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out)), out)


def _reporter(args: argparse.Namespace, project: Project) -> str:
    """The forms' 填报单位: the project's department; when it has none, the clerk is told how to print one."""
    if not project.config.department and not getattr(args, "quiet", False):
        from checkframe.publish.project import CONFIG_NAME

        print(words("no_reporter", config=CONFIG_NAME), file=sys.stderr)
    return project.config.department


def _write_forms(args: argparse.Namespace, ledger: Any, catalog: Catalog, project: Project) -> int:
    from checkframe.ledger import reports
    from checkframe.publish import pdfs, printing

    out = Path(args.out)
    reporter = _reporter(args, project)
    jobs = reports.plan(Path(args.dir), ledger, catalog, args.start, args.end, reporter, args.by or "township")
    try:
        with fs.staging_folder(out) as tmp:
            pdfs.render_forms(project, jobs, tmp, args.jobs)
            (tmp / FORMS_MARK).write_text(
                "Written by checkframe ledger forms; the whole folder is replaced on the next run.\n", encoding="utf-8")
            fs.swap_folder(tmp, out)
    except printing.PrintError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:  # a full disk, a read-only folder: the staging folder is gone, OUT_DIR as it was
        raise write_failed(exc, out) from None
    kinds = [job.form for job in jobs]
    print(f"已写入 {out.as_posix()}/：摸底登记表（附件1）{kinds.count('unit-registration')} 份，"
          f"督导检查表（附件3）{kinds.count('supervision-record')} 份，"
          f"责令限期整改指令书 {kinds.count('deadline-order')} 份，统计表（附件4），重大隐患统计表（附件5），"
          f"统计期间 {args.start} 至 {args.end}")
    return EXIT_OK


def _replay(args: argparse.Namespace, as_of: Any) -> tuple[Any, Catalog, Any]:
    """The catalog and the ledger of ``args.dir`` replayed to ``as_of``; exit 1 on any problem (raised)."""
    from checkframe.ledger.ledger import build_ledger, with_lines
    from checkframe.util.progress import Progress

    plugins, catalog = common.load_catalog()
    rules = ledger_rules(plugins)
    # The ledger lives until the command ends: frozen, the cycle collector does not scan it again (util/collector).
    with Progress.for_terminal(quiet=args.quiet) as progress, collector.paused(freeze=True):
        ledger = build_ledger(Path(args.dir), catalog, as_of, jobs=args.jobs, rules=rules, progress=progress)
    if ledger.problems:
        raise ContentError(with_lines(Path(args.dir), ledger.problems))
    return plugins, catalog, ledger


def _emit(args: argparse.Namespace, rows: list[dict[str, Any]], columns: list[str], fmt: str,
          sheet: str, styles: dict[str, Any] | None = None, heads: dict[str, tuple[str, ...]] | None = None,
          layout: str = "table", *, as_of: dt.date) -> int:
    """Rows as a table, CSV, JSON or xlsx, to ``--output`` or standard output.

    On a terminal, ``heads`` gives columns headings of several lines (:func:`stacked_table`), and
    ``layout="blocks"`` writes a block per row (:func:`stacked_blocks`), so that the table fits 100 columns.
    ``as_of`` is the ledger's date: an xlsx file says it was made then (the same ledger on the same date gives
    the same bytes).
    """
    from checkframe.ledger import xlsx
    from checkframe.util.tables import render

    output = Path(args.output) if args.output else None
    if output is not None:
        _check_output_file(output, Path(args.dir))
    if fmt == "xlsx":
        assert output is not None  # _usage requires --output with xlsx
        write_file(output, xlsx.workbook([(sheet, columns, rows)], as_of))
        print(f"已写入 {output}")
        return EXIT_OK
    if fmt == "table" and output is None:
        colour = use_colour(sys.stdout)
        if layout == "blocks":
            text = stacked_blocks(rows, styles or {}, colour)
        elif heads:
            text = stacked_table(rows, columns, heads, styles or {}, colour)
        else:
            text = terminal_table(rows, columns, styles or {}, colour=colour)
        if colour:  # every cell made printable by terminal_table; only its own colours stay escapes
            return write_stdout(text, styled_stream(sys.stdout))
    else:
        text = render(rows, columns, fmt)
    if fmt == "csv" and args.bom:
        text = "\ufeff" + text
    if output is not None:
        write_file(output, text)
        print(f"已写入 {output}")
        return EXIT_OK
    return write_stdout(text)


def write_stdout(text: str, stream: Any = None) -> int:
    """Write to standard output; a reader that went away (``| head``) ends the command quietly."""
    stream = sys.stdout if stream is None else stream
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        _quiet_stdout()
    except OSError as exc:  # ``> /dev/full``, a full disk under a redirection
        _quiet_stdout()
        raise UserError(words("stdout", reason=os_reason(exc))) from None
    return EXIT_OK


def _quiet_stdout() -> None:
    """Point standard output at nothing: Python would complain again when it flushes at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def use_colour(stream: Any) -> bool:
    """Colour only on a terminal, and never with ``NO_COLOR`` set (https://no-color.org) or ``TERM=dumb``."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


#: SGR codes: bold red for a major hazard's level and for overdue.
RED = "\x1b[1;31m"
RESET = "\x1b[0m"


def terminal_table(rows: list[dict[str, Any]], columns: list[str], styles: dict[str, Any], colour: bool) -> str:
    """An aligned table (a CJK character two columns wide); cells that ``styles[column](value)`` marks are red."""
    from checkframe.util.tables import width

    def cell(value: Any) -> str:
        if isinstance(value, bool):
            return "逾期" if value else ""
        return printable(str(value))  # a unit's name from a file never reaches the terminal as an escape

    table = [list(columns)] + [[cell(row[c]) for c in columns] for row in rows]
    widths = [max(width(line[i]) for line in table) for i in range(len(columns))]
    lines = []
    for n, line in enumerate(table):
        cells = []
        for i, text in enumerate(line):
            padded = text + " " * (widths[i] - width(text))
            if colour and n and text and styles.get(columns[i], lambda _: False)(text):
                padded = RED + text + RESET + " " * (widths[i] - width(text))
            cells.append(padded)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "逾期" if value else ""
    return printable(str(value))  # a unit's name from a file never reaches the terminal as an escape


def _pad(text: str, columns: int) -> str:
    from checkframe.util.tables import width

    return text + " " * (columns - width(text))


def stacked_table(rows: list[dict[str, Any]], columns: list[str], heads: dict[str, tuple[str, ...]],
                  styles: dict[str, Any], colour: bool) -> str:
    """An aligned table whose headings take several lines (``heads[column]``, the last line above the column).

    Neighbouring columns with the same text on a line above the last share it, written once across them,
    as a printed form groups its columns (一般隐患: 发现, 整改); the columns widen where it is longer.
    """
    from checkframe.util.tables import width

    depth = max((len(heads.get(c, (c,))) for c in columns), default=1)
    head = {c: ("",) * (depth - len(heads.get(c, (c,)))) + heads.get(c, (c,)) for c in columns}
    body = [[_cell(row[c]) for c in columns] for row in rows]
    widths = [max([width(head[c][-1])] + [width(line[i]) for line in body]) for i, c in enumerate(columns)]

    def spans(level: int) -> list[tuple[str, list[int]]]:
        found: list[tuple[str, list[int]]] = []
        for i, c in enumerate(columns):
            label = head[c][level]
            if found and label and found[-1][0] == label:
                found[-1][1].append(i)
            else:
                found.append((label, [i]))
        return found

    for level in range(depth - 1):
        for label, span in spans(level):
            room = sum(widths[i] for i in span) + 2 * (len(span) - 1)
            if width(label) > room:
                widths[span[-1]] += width(label) - room
    lines = []
    for level in range(depth - 1):
        cells = []
        for label, span in spans(level):
            cells.append(_pad(label, sum(widths[i] for i in span) + 2 * (len(span) - 1)))
        lines.append("  ".join(cells).rstrip())
    lines.append("  ".join(_pad(head[c][-1], widths[i]) for i, c in enumerate(columns)).rstrip())
    for line in body:
        cells = []
        for i, text in enumerate(line):
            marked = colour and text and styles.get(columns[i], lambda _: False)(text)
            cells.append(_pad(RED + text + RESET if marked else text, widths[i] + (len(RED + RESET) if marked else 0)))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


#: Where a line of Chinese text breaks best: after these marks.
_BREAK_AFTER = "，；、。："
#: What never begins a line: it hangs over the end of the one before.
_NO_START = _BREAK_AFTER + "）〕」"
#: How far back (in columns) a line looks for such a mark before it is cut where it is full.
_BREAK_BACK = 16


def _wrap(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` (a CJK character takes two).

    A line ends after a comma or semicolon near its end where there is one; a number or a Latin word
    (2024, K12+300) is never cut; a closing mark never begins a line.
    """
    from checkframe.util.tables import width

    lines: list[str] = []
    line = ""
    for char in text:
        if line and width(line + char) > columns and char not in _NO_START:
            cut = max(line.rfind(mark) for mark in _BREAK_AFTER) + 1
            if not (cut and width(line[cut:]) <= _BREAK_BACK):
                cut = len(line)
                while cut and line[cut - 1].isascii() and line[cut - 1].isalnum() and char.isascii() and char.isalnum():
                    cut -= 1  # inside a number or a word: carry it whole to the next line
                cut = cut or len(line)
            lines.append(line[:cut])
            line = line[cut:]
        line += char
    return [*lines, line]


#: ``ledger report major`` on a terminal: one block per finding, at most this many columns wide.
TERMINAL_COLUMNS = 100


def stacked_blocks(rows: list[dict[str, Any]], styles: dict[str, Any], colour: bool) -> str:
    """附件5's rows for a terminal: one block a finding, each field named as the form names it, long text wrapped.

    The form's eleven columns of free text do not fit a terminal side by side; this does, in 100 columns.
    """
    from checkframe.util.tables import width

    if not rows:
        return "期间内没有重大事故隐患和非法违法生产经营建设行为。\n"
    blocks = []
    for row in rows:
        number = f"{_cell(row['序号'])}．"
        indent = " " * width(number)

        def field(name: str, row: dict[str, Any] = row) -> str:
            value = _cell(row[name])
            if colour and value and styles.get(name, lambda _: False)(value):
                value = RED + value + RESET
            return f"{name}：{value}"

        lines = [number + _cell(row["生产经营单位名称"])]
        line = indent
        for name in ("所在镇（街道）", "企业类别", "类别", "来源", "核查单位", "隐患编号", "状态"):
            text = field(name)
            shown = width(text.replace(RED, "").replace(RESET, ""))
            if line.strip() and width(line.replace(RED, "").replace(RESET, "")) + 2 + shown > TERMINAL_COLUMNS:
                lines.append(line.rstrip())
                line = indent
            line += ("  " if line.strip() else "") + text
        lines.append(line)
        for name in ("重大隐患/具体非违法行为", "处理措施"):
            label = f"{name}："
            room = TERMINAL_COLUMNS - width(indent)
            wrapped = _wrap(_cell(row[name]), room - width(label) - 2)  # a closing mark may hang over
            lines.append(indent + label + wrapped[0])
            lines.extend(indent + " " * width(label) + part for part in wrapped[1:])
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _shorten(text: str, most: int) -> str:
    from checkframe.util.tables import width

    if width(text) <= most:
        return text
    used = kept = 0
    for char in text:  # the longest start that leaves a column for the ellipsis
        used += width(char)
        if used > most - 1:
            break
        kept += 1
    return text[:kept] + "…"


def cmd_ledger_show(args: argparse.Namespace) -> int:
    from checkframe.ledger import rows as tables

    _usage(args)
    _, catalog, ledger = _replay(args, args.as_of or today())
    fmt = args.format or "table"
    if args.by:
        rows = tables.summary_rows(ledger, args.by, catalog)
        columns = list(rows[0]) if rows else [tables.SUMMARY_HEADING[args.by], *tables.SUMMARY_COUNTS]
        return _emit(args, rows, columns, fmt, "台账汇总", {"逾期": lambda v: v != "0"}, as_of=ledger.as_of)
    found = tables.ledger_rows(ledger, catalog)
    if args.overdue:
        found = [row for row in found if row["overdue"]]
    if fmt == "json":
        keys = [*tables.LEDGER_COLUMNS, "category_name", "sector_name"]
        return _emit(args, [{k: row[k] for k in keys} for row in found], keys, fmt, "台账", as_of=ledger.as_of)
    people = [tables.for_people(row) for row in found]
    headings = list(tables.LEDGER_HEADINGS.values())
    if fmt == "table" and not args.wide:
        headings = [tables.LEDGER_HEADINGS[c] for c in tables.NARROW_COLUMNS]
        if args.overdue:
            headings.append(tables.LEDGER_HEADINGS["late"])
        for row in people:
            row["单位名称"] = _shorten(row["单位名称"], 16)
            row["类别"] = "违法" if row["类别"].startswith("非法") else "隐患"
    styles = {"等级": lambda v: v == "重大", "逾期": lambda v: v == "逾期",
              "类别": lambda v: v.startswith("非法") or v == "违法"}
    return _emit(args, people, headings, fmt, "隐患排查治理台账", styles, as_of=ledger.as_of)


def _shared_start(names: list[str]) -> int:
    """How many characters every name begins with (the city all the units are in)."""
    first, last = min(names), max(names)
    count = 0
    while count < len(first) and first[count] == last[count]:
        count += 1
    return count


def cmd_ledger_report(args: argparse.Namespace) -> int:
    from checkframe.ledger import reports
    from checkframe.ledger import rows as tables

    _usage(args)
    output = Path(args.output) if args.output else None
    if output is not None:
        _check_output_file(output, Path(args.dir))
    _, catalog, ledger = _replay(args, args.as_of or args.end)
    fmt = args.format or "table"
    if fmt == "pdf":
        from checkframe.publish import printing

        assert output is not None
        project = common.print_project(args.project, catalog, "zh")
        reporter = _reporter(args, project)
        if args.report == "weekly":
            form, values = "weekly-statistics", reports.weekly_values(ledger, args.start, args.end, reporter,
                                                                      args.by or "township", catalog)
        else:
            form, values = "major-hazard-list", reports.major_values(ledger, catalog, args.start, args.end, reporter)
        try:
            pdf = printing.render_form(catalog, project, form, values=values,
                                       subject=reports.period(args.start, args.end))
        except printing.PrintError as exc:
            raise UserError(str(exc)) from None
        write_file(output, pdf)
        print(f"已写入 {output}")
        return EXIT_OK
    styles = {"状态": lambda v: "逾期" in v}
    if args.report == "weekly":
        rows = tables.weekly_rows(ledger, args.start, args.end, args.by or "township", catalog)
        columns = list(rows[0])
        if fmt == "table" and output is None:
            # The first column at most six characters wide, so that the table fits 100 columns: the units' names
            # lose what they all begin with (the city, 晋城市) first.
            names = [str(row[columns[0]]) for row in rows[:-1]]
            prefix = _shared_start(names) if len(names) > 1 and args.by == "unit" else 0
            for row in rows[:-1]:
                row[columns[0]] = _shorten(str(row[columns[0]])[prefix:], 12)
        return _emit(args, rows, columns, fmt, "统计表（附件4）", styles, heads=tables.WEEKLY_HEADS, as_of=ledger.as_of)
    rows = tables.major_rows(ledger, catalog, args.start, args.end)
    columns = list(rows[0]) if rows else ["序号", "生产经营单位名称", "核查单位", "所在镇（街道）", "企业类别", "类别",
                                          "来源", "重大隐患/具体非违法行为", "处理措施", "隐患编号", "状态"]
    return _emit(args, rows, columns, fmt, "重大隐患统计表（附件5）", styles, layout="blocks", as_of=ledger.as_of)


def cmd_ledger_forms(args: argparse.Namespace) -> int:
    _usage(args)
    out = Path(args.out)
    _check_forms_folder(out, Path(args.dir))
    _, catalog, ledger = _replay(args, args.as_of or args.end)
    project = common.print_project(args.project, catalog, "zh")
    return _write_forms(args, ledger, catalog, project)
