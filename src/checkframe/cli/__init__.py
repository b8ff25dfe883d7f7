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
from checkframe.cli.catalog_commands import (
    cmd_diff,
    cmd_documents,
    cmd_export,
    cmd_plugins,
    cmd_schema,
    cmd_validate,
)
from checkframe.cli.common import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_TERMINATED,
    Terminated,
    UserError,
    chinese_jobs_arg,
    date_arg,
    jobs_arg,
    port_arg,
    report,
)
from checkframe.cli.ledger_commands import (
    LedgerSteps,
    cmd_inspect_import,
    cmd_inspect_new,
    cmd_inspect_recheck,
    cmd_ledger_forms,
    cmd_ledger_report,
    cmd_ledger_show,
)
from checkframe.cli.parser import Parser
from checkframe.cli.publish_commands import cmd_build, cmd_new_handbook, cmd_new_plugin, cmd_print, cmd_serve
from checkframe.errors import ContentError, Problem
from checkframe.plugins import PluginInfo, Plugins, call_each
from checkframe.registers import CommandRegister, PluginCommand
from checkframe.util import stopping
from checkframe.util.parallel import ENV_JOBS
from checkframe.util.terminal import PrintableWriter

__all__ = ["build_parser", "main", "plugin_commands"]


# -- Parser ------------------------------------------------------------------------------


def verbosity(parser: argparse.ArgumentParser) -> None:
    """``-q`` and ``-v`` for a command whose work can take long (see :func:`checkframe.cli.common.progress`)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true",
                       help="no progress display on standard error (it shows only on a terminal anyway)")
    group.add_argument("-v", "--verbose", action="store_true",
                       help="also log each step's details on standard error (what was printed, what was reused)")


def build_parser(plugins: Plugins | None = None, problems: list[Problem] | None = None) -> argparse.ArgumentParser:
    """The command line: checkframe's commands, then those the ``plugins`` add (their problems go to ``problems``)."""
    parser = Parser(
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

    def command(name: str, func: Callable[[argparse.Namespace], int], help: str,
                language: str = "en") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, language=language)
        p.set_defaults(func=func)
        return p

    p = command("plugins", cmd_plugins, "List the installed plugins and what each contributes.")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    command("validate", cmd_validate, "Load every plugin's content and check it.")
    p = command("documents", cmd_documents, "List the documents the plugins declare: id, title, number, "
                                            "who declares it, which checkpoints cite it.")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
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
    verbosity(p)
    p = command("serve", cmd_serve, "Preview the built handbook on http://127.0.0.1 (a local web server).")
    p.add_argument("project", metavar="PROJECT", help="the handbook folder, e.g. site/")
    p.add_argument("--port", type=port_arg, default=8000, help="port on 127.0.0.1 (default: 8000; 0 picks a free one)")
    p.add_argument("--watch", action="store_true",
                   help="build first, then rebuild after every change to the project, the plugins' content or "
                        "templates, and reload the open pages; a failed rebuild keeps the last good build served "
                        "and shows its problems (restart after changing a plugin's Python code)")
    p.add_argument("--jobs", type=jobs_arg, metavar="N", help="with --watch: processes for each rebuild, as for build")
    p = command("print", cmd_print, "Print a checklist or a blank form as a PDF.")
    p.add_argument("checklist", nargs="?", metavar="CHECKLIST_ID", help="the checklist to print")
    p.add_argument("--form", metavar="FORM",
                   help="print a blank form instead: supervision-record (附件3 督导检查表), "
                        "deadline-order (责令限期整改指令书), unit-registration (附件1 摸底登记表), "
                        "weekly-statistics (附件4 统计表), major-hazard-list (附件5 重大隐患统计表), "
                        "or a form a plugin adds, such as coal-mine-supervision-form (煤矿安全生产督查表)")
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
    p.add_argument("--title", required=True, metavar="TITLE",
                   help="the sector's name as inspectors read it, e.g. 危险化学品")
    p.add_argument("--maintainer", metavar="DEPARTMENT", help="the department that maintains the content")
    p.add_argument("--dir", default=".", metavar="DIR", help="where to write checkframe-NAME/ (default: the current folder)")
    p = command("new-handbook", cmd_new_handbook, "Write a handbook project for the installed sectors, ready to build.")
    p.add_argument("dir", metavar="DIR", help="the folder to write checkframe.toml and pages/usage.md into")
    p.add_argument("--title", required=True, metavar="TITLE", help="the handbook's title, e.g. 安全生产检查手册")
    p.add_argument("--department", required=True, metavar="DEPARTMENT",
                   help="the department that publishes it, e.g. 某某区应急管理局")
    p.add_argument("--sector", action="append", metavar="SECTOR",
                   help="a sector to include (repeat for more; default: every installed sector)")
    p = command("inspect", cmd_inspect_new, "检查记录：在台账文件夹中开始一份检查记录或回查记录，或导入填好的记录。",
                language="zh")
    p.set_defaults(language="zh")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True)
    q = steps.add_parser("new", help="写一份新的检查记录：列出检查表的每个检查项，检查结果留空待填",
                         description="写入 DIR/records/日期-单位-检查表.toml，供手工填写。")
    q.set_defaults(func=cmd_inspect_new)
    q.add_argument("--checklist", required=True, metavar="ID", help="检查表编号，如 general-self")
    q.add_argument("--unit", required=True, metavar="UNIT", help="单位编号：DIR/units/UNIT.toml 的文件名")
    q.add_argument("--dir", default=".", metavar="DIR", help="台账文件夹（默认：当前文件夹）")
    q.add_argument("--date", type=date_arg, metavar="DATE", help="检查日期（默认：今天）")
    q = steps.add_parser("recheck", help="写一份回查记录：带上 RECORD 中尚未闭环的每项隐患",
                         description="写入 records/日期-单位-recheck.toml：RECORD 中尚未闭环的隐患每项一条回查，"
                                     "结果留空待填，并记 follows = RECORD。")
    q.set_defaults(func=cmd_inspect_recheck)
    q.add_argument("record", metavar="RECORD", help="先前的检查记录，如 DIR/records/2024-03-01-u1-general-self.toml")
    q.add_argument("--date", type=date_arg, metavar="DATE", help="回查日期（默认：今天）")
    q = steps.add_parser("import", help="导入检查手册“填写检查记录”保存的记录（.toml 或带照片的 .zip）",
                         description="逐份按台账规则检查，记录放入 DIR/records/，照片放入 DIR/evidence/；"
                                     "有任何问题则一份也不导入。")
    q.set_defaults(func=cmd_inspect_import)
    q.add_argument("files", nargs="+", metavar="FILE", help="“保存记录”下载的文件")
    q.add_argument("--dir", default=".", metavar="DIR", help="台账文件夹（默认：当前文件夹）")
    p = command("ledger", cmd_ledger_show, "台账：按检查记录逐项复核隐患闭环，列出台账、统计表，填写表格。",
                language="zh")
    p.set_defaults(language="zh")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True, action=LedgerSteps)
    jobs_help = f"读取记录的进程数（默认：记录多时每个处理器核一个，或按 ${ENV_JOBS}；1 为不分进程）"

    def ledger_step(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        q = steps.add_parser(name, help=help, description=help)
        q.set_defaults(func=func, ledger_parser=q)
        q.add_argument("dir", metavar="DIR", help="台账文件夹：units/*.toml（单位登记）和 records/*.toml（检查记录）")
        q.add_argument("-q", "--quiet", action="store_true",
                       help="不显示进度（进度只在终端上、读取超过约两秒时显示在标准错误上）")
        return q

    def as_of(q: argparse.ArgumentParser, default: str) -> None:
        q.add_argument("--as-of", type=date_arg, metavar="DATE",
                       help=f"按此日期复核记录、判断是否逾期（默认：{default}）")

    def output(q: argparse.ArgumentParser, formats: list[str]) -> None:
        q.add_argument("--format", choices=formats,
                       help="输出格式：table 表格（默认）、csv、json、xlsx（Excel，需 -o）"
                            + ("、pdf（按附件式样打印，需 -o）" if "pdf" in formats else ""))
        q.add_argument("-o", "--output", metavar="FILE", help="写入文件，不输出到屏幕")
        q.add_argument("--bom", action="store_true", help="CSV 文件开头加 BOM，便于 Excel 直接打开中文")
        q.add_argument("--jobs", type=chinese_jobs_arg, metavar="N", help=jobs_help)

    def period(q: argparse.ArgumentParser) -> None:
        q.add_argument("--from", dest="start", type=date_arg, metavar="DATE", required=True, help="统计期间第一天")
        q.add_argument("--to", dest="end", type=date_arg, metavar="DATE", required=True, help="统计期间最后一天")

    q = ledger_step("show", cmd_ledger_show, "列出台账：每项隐患的等级、来源、整改方式、期限、状态，逾期的标出。")
    as_of(q, "今天")
    q.add_argument("--by", choices=["unit", "sector", "township"], help="按单位、行业领域或镇（街道）汇总")
    q.add_argument("--overdue", action="store_true", help="只列逾期的隐患，并写明逾期原因")
    q.add_argument("--wide", action="store_true", help="列出全部栏目（镇街、检查项、发现日期、记录文件等）")
    output(q, ["table", "csv", "json", "xlsx"])
    q = ledger_step("report", cmd_ledger_report, "统计表：weekly 附件4 统计表，major 附件5 重大隐患统计表。")
    q.add_argument("report", choices=["weekly", "major"], metavar="weekly|major",
                   help="weekly：附件4 大排查大整治行动统计表；major：附件5 非法违法生产经营行为、重大隐患统计表")
    period(q)
    as_of(q, "--to 的日期")
    q.add_argument("--by", choices=["unit", "sector", "township"],
                   help="附件4 的检查组按单位、行业领域或镇（街道）分列（默认：镇（街道））")
    output(q, ["table", "csv", "json", "xlsx", "pdf"])
    q.add_argument("--project", metavar="DIR", help="手册项目文件夹，取其中的填报单位（默认：site/）")
    q = ledger_step("forms", cmd_ledger_forms,
                    "填写表格：期间内每次督导检查的督导检查表（附件3）、每份责令限期整改指令书、附件4、附件5，存为 PDF。")
    q.add_argument("out", metavar="OUT_DIR", help="存放 PDF 的文件夹（每次整个替换）")
    period(q)
    as_of(q, "--to 的日期")
    q.add_argument("--by", choices=["unit", "sector", "township"], help="附件4 的检查组分列方式（默认：镇（街道））")
    q.add_argument("--project", metavar="DIR", help="手册项目文件夹，取其中的填报单位（默认：site/）")
    q.add_argument("--jobs", type=chinese_jobs_arg, metavar="N", help=jobs_help.replace("读取记录", "读取记录和打印表格"))
    if plugins is not None:
        for found in plugin_commands(plugins, dict.fromkeys(sub.choices, "checkframe"),
                                     problems if problems is not None else []):
            p = sub.add_parser(found.name, parents=[found.parser], help=f"{found.help} [{found.plugin}]",
                               description=found.help)
            p.set_defaults(func=_run_plugin_command(found.run))
    return parser


def plugin_commands(plugins: Plugins, taken: dict[str, str], problems: list[Problem]) -> list[PluginCommand]:
    """Call each plugin's ``checkframe_register_commands`` on its own; the commands they add, in order."""
    found: list[PluginCommand] = []

    def arguments(info: PluginInfo) -> dict[str, Any]:
        return {"commands": CommandRegister(info.label(), taken, problems)}

    for _, kwargs, failure in call_each(plugins, "checkframe_register_commands", arguments):
        if failure is not None:
            problems.append(failure.problem("checkframe_register_commands"))
            continue
        found.extend(kwargs["commands"].commands)
    return found


def _run_plugin_command(run: Callable[[argparse.Namespace], int | None]) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        code = run(args)
        return EXIT_OK if code is None else int(code)

    return command


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
    problems: list[Problem] = []
    parser = build_parser(common.load_plugins(), problems)
    common.warn(problems)
    args = parser.parse_args(argv)
    common.show_tracebacks = args.traceback
    stopping.clear()
    #: The readers of the command's messages: clerks for inspect and ledger (Chinese), else developers.
    language = getattr(args, "language", "en")
    previous = _catch_signals()
    try:
        code = args.func(args)
        stopping.check()  # a stop whose exception Python swallowed (see checkframe.util.stopping)
        return code
    except ContentError as exc:
        return report(exc.problems, getattr(exc, "plugins", None), language=language)
    except UserError as exc:
        print(f"{common.ERROR_PREFIX[language]}{exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print(common.stopped(False, language), file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print(common.stopped(True, language), file=sys.stderr)
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
    stopping.request(number)  # kept, in case the exception raised here is swallowed
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
