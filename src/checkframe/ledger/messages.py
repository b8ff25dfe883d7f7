"""The ledger's problems in the words clerks read: one table of Chinese templates.

The records' and units' structure (types, keys, enums, dates) is worded by the table of
:mod:`checkframe.messages`, which the catalog shares in English; what only the ledger checks (the closed
loop's moves, references to units, checklists and findings, the store, the command line's files) is
worded here.  A template is filled by :func:`words`, or made a problem by :func:`problem`: one with ``{where}``
says the place itself (``unit 为 "acne"，……``), any other follows it after a colon (``第1个 [[close]]：隐患
"f-1" ……``).

Values from files are spelled as TOML writes them (:func:`quoted`: ``"f-1"``, 2024-03-01); enum values
come with their labels (:func:`labelled`: ``general（一般事故隐患）``); the fill-in page's sentences
(:data:`checkframe.catalog.record_rules.MESSAGES`) are followed where the same rule is checked.
"""

from __future__ import annotations

import datetime as dt
import errno
import re
from collections.abc import Iterable
from typing import Any

from checkframe.errors import Problem, closest
from checkframe.messages import chinese_where, show_english

__all__ = ["MESSAGES", "TABLES", "at", "labelled", "near", "os_reason", "problem", "quoted", "segments_of", "words"]

#: The arrays of a record written as ``[[name]]`` tables: their entries are called 第N个 [[name]].
TABLES = frozenset(("finding", "remediate", "report", "escalate", "stop", "fixed", "recheck", "close", "resume"))

MESSAGES: dict[str, str] = {
    # -- The closed loop (findings.py) ------------------------------------------------------------------------
    "state": "隐患 {id} 现为“{state}”，不能{move}（须为“{allowed}”）；{hint}",
    # How to get there: the moves that take a finding from where it is to where the refused move needs it.
    "hint": "请先{steps}",
    "hint_then": "，再",
    "step_remediate": "用 [[remediate]] 定下整改方式",
    "step_fixed": "记单位报告整改完成（[[fixed]] finding = {id}，日期不晚于此项）",
    "step_recheck": "记回查合格（[[recheck]] finding = {id}，result = \"passed\"）",
    "hint_past": "此项已过了这一步，请核对隐患编号和日期，或删去这一条",
    "hint_escalate": "已有整改方式的，超过整改期限后用 [[escalate]] 升级",
    "category_mismatch": "隐患 {id}：整改方式写的是 {named}，给出的整改类别却是 {given}",
    "category_level": "隐患 {id}：{category}适用于{levels}，不适用于{level}",
    "escalate_level": "隐患 {id}：{category}适用于{levels}，不适用于{level}；如要将一般事故隐患升级为重大事故隐患，"
                      "请同时写 level = \"major\"",
    "required": "隐患 {id}：{category}须填写 {fields}",
    "deadline_early": "隐患 {id}：整改期限 {deadline} 不得早于定下整改方式的日期 {since}，请改为更晚的日期",
    "not_past_deadline": "隐患 {id}：超过整改期限的隐患才能升级整改方式；{on} 时{deadline}",
    "its_deadline": "整改期限为 {deadline}，尚未超过",
    "no_deadline": "它没有整改期限",
    "stop_level": "隐患 {id}：停产停业整改只适用于重大事故隐患，此项为{level}",
    "stop_kind": "隐患 {id}：没有停产方式 {kind}{near}",
    "stop_kinds": "；可用的停产方式：{kinds}",
    "stopped": "隐患 {id}：自 {date} 起已停产，不能再次责令停产",
    "resume_no_stop": "隐患 {id}：没有停产记录，不能申请恢复生产",
    "resume_early": "隐患 {id}：申请恢复生产的日期 {applied} 早于停产日期 {stopped}",
    "inspected_early": "隐患 {id}：验收日期 {inspected} 早于申请恢复生产的日期 {applied}",
    "resume_approver": "隐患 {id}：已验收的恢复生产须写明同意人，请填写 approved_by",
    "resume_state": "隐患 {id}：重大事故隐患消除、经审查同意后方可恢复生产；现为“{state}”，须为“已验收”",
    "report_to": "隐患 {id}：上报须写明上报给哪个部门，请填写 to",
    "fixed_early": "隐患 {id}：整改完成日期 {on} 早于发现日期 {found}",
    "recheck_early": "隐患 {id}：回查日期 {on} 早于报告整改完成的日期 {fixed}",
    "close_early": "隐患 {id}：销号日期 {on} 早于验收日期 {accepted}",
    "close_department": "隐患 {id}：重大事故隐患须经监管部门回查合格后方可销号，此项是在单位的自查记录中验收的；"
                        "请在督导检查记录中回查",
    "close_approver": "隐患 {id}：重大事故隐患销号须审核把关，请填写 approver（审核人）",
    # -- A record's references and its moves (ledger.py) -----------------------------------------------------------
    "no_units": "{root} 中没有 units/ 文件夹；检查记录所属的单位在其中登记（units/单位编号.toml）",
    "no_records": "{root} 中没有 records/ 文件夹；台账文件夹应有 units/*.toml（单位登记）和 records/*.toml（检查记录）",
    "unknown_sector": "{where} 为 {sector}，没有这个行业领域{near}",
    "unknown_unit": "{where} 为 {unit}，台账中没有这个单位（没有 units/{name}.toml）{near}",
    "unknown_checklist": "{where} 为 {checklist}，没有这个检查表{near}",
    "no_follows": "{where} 为 {follows}，records/ 中没有这份记录",
    "unknown_checkpoint": "{where} 为 {checkpoint}，没有这个检查项{near}",
    "off_checklist": "{where}：检查项 {checkpoint} 不在检查表 {checklist} 上",
    "unknown_category": "{where} 为 {category}，没有这个整改类别{near}",
    "level_reason": "{where}：隐患 {id} 的等级 {level} 与检查项 {checkpoint} 的判定（{expected}）不同；"
                    "请写 {value}，或在 level_reason 中说明理由",
    "enforcement_missing": "{where}：隐患 {id} 是非法违法生产经营建设行为，须写明采取的措施，请填写 enforcement.measures"
                           "（{measures}）",
    "enforcement_hazard": "{where}：enforcement 只用于 kind = \"illegal\"（非法违法生产经营建设行为）；"
                          "事故隐患的措施写在 remediation 中",
    "fine_amount": "{where}：隐患 {id} 有行政罚款，须写明金额（万元），如 fine = 2.5",
    "fine_measure": "{where}：隐患 {id} 罚款 {fine}万元，须在 measures 中列出 \"fine\"",
    "claimed": "{where}：隐患编号 {id} 已记录在 {file}（{date}）中；同一隐患只记录一次，之后的记录用 [[remediate]]、"
               "[[fixed]]、[[recheck]] 或 [[close]] 推进",
    "recorded_later": "{where}：隐患 {id} 在 {date} 才记录（{file}），晚于此项的日期 {on}",
    "unknown_finding": "{where} 为 {id}，台账中没有这项隐患{near}",
    "foreign_finding": "{where}：隐患 {id} 属于单位 {owner}，不属于 {unit}",
    "refused": "{text}",
    "unchecked": "；单位 {unit} 的 {count} 份检查记录待此文件能读取后再核对",
    "unchecked_here": "；本文件登记的单位有 {count} 份检查记录，待此文件能读取后再核对",
    # -- The ledger's rules (rules.py) ------------------------------------------------------------------------------
    "rule": "隐患 {id}：{message}",
    "rule_raised": "台账规则 {name} 出错：{error}（隐患 {id}）；这是插件的问题，请告知插件的维护单位",
    # -- New records (store.py) -------------------------------------------------------------------------------------
    "exists": "{path} 已存在；检查记录不会被覆盖，请先将它改名或删除",
    "store_checklist": "没有检查表 {checklist}{near}",
    "store_unit_id": "--unit {problem}；单位编号就是其登记文件 {units}/编号.toml 的文件名",
    "store_unit": "台账中没有单位 {unit}（没有 {file}，请先在那里登记该单位）{near}",
    "no_record": "没有检查记录 {path}",
    "changed_while_read": "读取台账时此文件被改动了；请在改完后再运行一次命令",
    "unit_changed_while_read": "读取台账时单位 {unit} 的检查记录被改动了；请在改完后再运行一次命令",
    "record_is_folder": "{path} 是文件夹，不是检查记录；请给出其中的一份记录，如 {path}/记录.toml",
    "no_ledger": "没有台账文件夹 {root}",
    "not_toml": "{path} 不是检查记录：检查记录是台账 records/ 文件夹中的 .toml 文件",
    "not_in_records": "{path} 不在台账的 records/ 文件夹中",
    "recheck_early_date": "回查日期 {date} 不能早于 {name} 的检查日期 {earlier}",
    "nothing_to_recheck": "无需回查：{name} 中的隐患到 {date} 都已销号",
    "only_close_left": "无需回查：{name} 中的隐患到 {date} 都已验收；尚未销号的 {findings}，"
                       "审核把关后在检查记录中写 [[close]] finding = \"隐患编号\" 销号"
                       "（重大事故隐患还须写 approver = \"审核人\"）",
    "no_reporter": "提示：没有设定填报单位，表上“填报单位（盖章）”留空待手写；"
                   "要印上单位名称，用 --project 指定手册项目文件夹（其 {config} 中 [handbook] 的 department）",
    # -- The command line's files (cli/ledger_commands.py) ----------------------------------------------------------
    "cannot_write": "无法写入 {path}：{reason}",
    "cannot_write_in": "无法在 {folder} 中写入：{reason}",
    "kept": "；{output} 保持原样",
    "records_is_file": "无法写入 {path}：{parent} 是文件，不是存放检查记录的文件夹；请移走或删除它后再试",
    "output_is_folder": "无法写入 {path}：这是一个文件夹",
    "output_in_ledger": "不能写入 {path}：它在台账的 {folder} 文件夹中，写入会改动台账；请写到台账文件夹之外",
    "no_folder": "无法写入 {path}：没有文件夹 {folder}",
    "out_is_file": "无法写入 {path}：这是一个文件，不是文件夹",
    "out_not_empty": "{path} 不是空文件夹，也不是 checkframe ledger forms 写的；请换一个新文件夹或将它清空"
                     "（每次运行都会整个替换该文件夹）",
    "stdout": "无法写到标准输出：{reason}",
    "from_after_to": "--from {start} 晚于 --to {end}；统计期间从第一天到最后一天",
    "format_output": "--format {format} 须同时给出 --output 文件.{format}",
    "bom_csv": "--bom 只用于 --format csv（为 Excel 加字节顺序标记）",
    "project_pdf": "--project 只用于 --format pdf（取手册项目中的填报单位印在表上）",
    "by_major": "--by 用于 ledger show、ledger report weekly 或 ledger forms，不用于 ledger report major",
    "folder_step": "{step} 是文件夹，不是步骤：要列出它的台账，请运行 checkframe ledger show {step}（可用的步骤：{steps}）",
}

#: What the operating system says when a file cannot be written, for a clerk.
_OS_REASONS = {
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOSPC: "磁盘已满",
    errno.EROFS: "这是只读的文件系统",
    errno.ENOENT: "文件夹不存在",
    errno.ENOTDIR: "路径中有一个同名的文件，而不是文件夹",
    errno.EISDIR: "这是一个文件夹",
    errno.EEXIST: "已有同名的文件或文件夹",
    errno.EDQUOT: "超出磁盘配额",
}


def words(code: str, /, **values: Any) -> str:
    """The template ``code`` of :data:`MESSAGES` filled with ``values`` (already spelled, see :func:`quoted`)."""
    return MESSAGES[code].format(**values)


def quoted(value: Any) -> str:
    """A value from a file as TOML writes it: ``"f-1"``, ``true``, ``2024-03-01``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return show_english(value)


def labelled(member: Any) -> str:
    """An enum's value with its label: ``general（一般事故隐患）``."""
    label = getattr(member, "label", "")
    return f"{member.value}（{label}）" if label else str(member.value)


def near(value: str, known: Iterable[str], otherwise: str = "") -> str:
    """``；是否想写 "x"？`` for the nearest known name, else ``otherwise``."""
    found = closest(value, known)
    return f"；是否想写 {quoted(found)}？" if found else otherwise


def os_reason(exc: OSError) -> str:
    """Why a file could not be written, in Chinese where the reason is a common one."""
    return _OS_REASONS.get(exc.errno or 0) or (exc.strerror or str(exc))


_SEGMENT = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]")


def segments_of(path: str) -> tuple[str | int, ...]:
    """The keys and indexes of a key path as the ledger writes them: ``$.finding[1].remediation``."""
    return tuple(int(index) if index else key for key, index in _SEGMENT.findall(path))


def problem(file: str, path: str, code: str, /, **values: Any) -> Problem:
    """One problem of a record or unit: the template ``code`` said at ``path`` (its ``{where}``, or before it)."""
    template = MESSAGES[code]
    if "{where}" in template:
        where = chinese_where(segments_of(path), TABLES)
        return Problem("", template.format(where=where, **values), file, path, language="zh")
    return at(file, path, template.format(**values))


def at(file: str, path: str, text: str) -> Problem:
    """One problem of a record or unit: a sentence ``text`` (a move the loop refused) after its place."""
    where = chinese_where(segments_of(path), TABLES)
    return Problem("", f"{where}：{text}" if where else text, file, path, language="zh")
