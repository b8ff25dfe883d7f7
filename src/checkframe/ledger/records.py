"""Inspection records and unit registrations as TOML files: the ledger's store.

A store is a folder::

    units/<unit id>.toml      one unit's registration (附件1 生产经营单位摸底登记表)
    records/<name>.toml       one inspection each (附件2 自查表, 附件3 督导检查表), or a recheck

A unit's id is its file name without ``.toml``.  A record names its unit, its
date, its checklist, and holds:

``[[item]]``
    one per checkpoint of the checklist: ``checkpoint``, ``title`` (copied from
    the checklist so that the file reads on its own; not checked) and ``mark``,
    the 附件2 mark: ``"ok"`` (√ meets the requirement), ``"fixing"`` (0 being
    fixed), ``"fail"`` (× does not meet it) or ``""`` (blank: does not apply).
``[[finding]]``
    a hazard found: ``id`` (unique across the store), ``checkpoint``,
    ``description``, ``level`` (general, major), ``evidence`` (file names) and
    optionally ``remediation``, a table with the ``category`` code and the
    fields that category requires (:class:`~checkframe.ledger.findings.Remediation`).
``[[remediate]]``, ``[[fixed]]``, ``[[recheck]]``, ``[[close]]``
    events that move a finding, found in this or an earlier record, along the
    closed loop: assign a remediation later, the unit reports the fix done, a
    recheck (``result = "passed"`` or ``"failed"``; ``""`` while not done yet),
    the close-out (销号).  Each names its ``finding``; its ``date`` defaults to
    the record's.

A recheck record (``checkframe inspect recheck``) has ``follows = "<record
file>"`` and one ``[[recheck]]`` per finding of that record still unresolved.

Everything is structured by :func:`checkframe.catalog.convert.make_converter`, and its
problems are worded for the clerk (:mod:`checkframe.messages`), so a mistake reads
``records/x.toml：第3个 [[finding]] 的 remediation.deadline 应为日期，如 2024-03-01（现为 "soon"）``.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import tomli_w
from attrs import field, frozen
from cattrs.errors import ClassValidationError, IterableValidationError

from checkframe.catalog.convert import WrongType, make_converter, structure_errors, wrong_type
from checkframe.errors import Problem
from checkframe.ledger.findings import Enforcement, Remediation, Stop
from checkframe.ledger.messages import TABLES
from checkframe.messages import Choices, Message, Shown, chinese_at, key_path, read_error_chinese
from checkframe.model import (
    Checklist,
    Checkpoint,
    FindingKind,
    FindingSource,
    FormKind,
    HazardLevel,
    Invalid,
    _Labelled,
    check_id,
)
from checkframe.util.reading import ReadError, decode_text, read_text
from checkframe.util.reading import loads_toml_fast as loads_toml

__all__ = [
    "Close",
    "Escalate",
    "Fixed",
    "Item",
    "Mark",
    "RecheckEvent",
    "RecheckResult",
    "Record",
    "RecordFinding",
    "Remediate",
    "Report",
    "Resume",
    "Staff",
    "StopEvent",
    "Unit",
    "new_record_toml",
    "read_record",
    "read_unit",
    "recheck_record_toml",
    "record_data",
]


def _id(instance: Any, attribute: Any, value: str) -> None:
    check_id(value, attribute.name)


class Mark(_Labelled):
    """A mark of 附件2 against one checkpoint; the label is what the printed form shows."""

    OK = ("ok", "√")
    FIXING = ("fixing", "0")
    FAIL = ("fail", "×")
    NOT_APPLICABLE = ("", "")


class RecheckResult(_Labelled):
    """回查结果; blank while the recheck has not been done."""

    PASSED = ("passed", "合格")
    FAILED = ("failed", "不合格")
    PENDING = ("", "")


def _blankable_hook(kind: type[enum.Enum], blank: str) -> Any:
    """The hook of an enum with a blank member; ``blank`` says when it is blank (a code of the messages' tables)."""
    members = {m.value: m for m in kind}

    def hook(value: Any, _: type) -> enum.Enum:
        if isinstance(value, str) and value in members:
            return members[value]
        message = Message("not_one_of_or_blank", choices=Choices(kind), blank=blank, got=Shown(value))
        if not isinstance(value, str):
            raise WrongType(message)
        raise Invalid(message)

    return hook


def _float_hook(value: Any, _: type) -> float:
    """A number as cattrs takes it (``float(value)``), refused in words the records' reader reads."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise wrong_type("float", value) from None


_CONVERTER = make_converter(authoring=True)
_CONVERTER.register_structure_hook(Mark, _blankable_hook(Mark, "mark"))
_CONVERTER.register_structure_hook(RecheckResult, _blankable_hook(RecheckResult, "recheck"))
_CONVERTER.register_structure_hook(float, _float_hook)

def structure_problem(rel: str, segments: tuple[str | int, ...], message: Message | str) -> Problem:
    """A problem of a record or unit file at ``segments``, in the clerk's words (see :mod:`checkframe.messages`)."""
    return Problem("", chinese_at(segments, message, TABLES), rel, key_path(segments), language="zh")


def read_problem(rel: str, exc: ReadError) -> Problem:
    """A record or unit file that does not read (not TOML, not UTF-8, not there), in the clerk's words."""
    return Problem("", read_error_chinese(exc.code, exc.values, exc.message, TABLES), rel, exc.key, language="zh")


# -- Units (附件1) -------------------------------------------------------------------------


@frozen
class Staff:
    """从业人员: the staff counts of 附件1; a count not given is ``None`` (left blank on the form, not 0)."""

    #: 职工人数（从业人数）
    total: int | None = None
    #: 正式职工人数
    permanent: int | None = None
    #: 临时用工（含承包单位）人数
    temporary: int | None = None
    #: 接受本单位安全培训教育人数
    trained: int | None = None
    #: 缴纳工伤保险人数
    insured: int | None = None
    #: 安全管理人员人数
    safety: int | None = None


@frozen
class Unit:
    """生产经营单位: a unit's registration; its id is its file name."""

    name: str
    #: 所属镇（街道）
    township: str
    #: The sector id (coal_mine, general, ...); checked against the installed plugins.
    sector: str
    #: 统一社会信用代码 / 注册号
    registration_number: str = ""
    #: 注册资金
    capital: str = ""
    address: str = ""
    #: 单位类型, as 附件5 lists it: 工贸企业, 九小场所, ...
    unit_type: str = ""
    #: 规模: 规上, 规下, 小微, ...
    size: str = ""
    #: 监管部门
    regulator: str = ""
    #: 证照: 营业执照, 安全生产许可证, ...
    licences: tuple[str, ...] = ()
    principal: str = ""
    principal_phone: str = ""
    safety_lead: str = ""
    safety_lead_phone: str = ""
    #: 重大危险源
    major_hazard_sources: str = ""
    #: 安全管理机构
    safety_office: str = ""
    staff: Staff = Staff()
    # The rest of 附件1 (生产经营单位摸底登记表), printed on the unit's filled form.
    #: 成立时间
    founded: str = ""
    #: 办公电话
    office_phone: str = ""
    #: 安全生产许可证号
    safety_licence: str = ""
    #: 其他许可证号
    other_licences: str = ""
    #: 经济类型
    economic_type: str = ""
    #: 资产总额（万元）
    assets: str = ""
    #: 生产/经营产品
    products: str = ""
    #: 安全管理机构: 机构人数, 办公电话, 值班电话, 机构负责人 and 手机号码
    safety_office_size: int | None = None
    safety_office_phone: str = ""
    duty_phone: str = ""
    safety_office_head: str = ""
    safety_office_head_phone: str = ""
    #: 专（兼）职安全管理人员名单
    safety_staff_names: tuple[str, ...] = ()


# -- Records -------------------------------------------------------------------------------


@frozen
class Item:
    """One row of the checklist: a checkpoint and its mark."""

    checkpoint: str
    mark: Mark = Mark.NOT_APPLICABLE
    #: Copied from the checklist for the person filling in the file; not checked.
    title: str = ""
    note: str = ""


_ITEM_KEYS = frozenset(("checkpoint", "mark", "title", "note"))
_MARKS = {m.value: m for m in Mark}


def _structure_items(value: Any, kind: Any) -> tuple[Item, ...]:
    """The checkpoint rows, read directly when every row is well formed (the common case).

    A record holds one row per checkpoint of its checklist, so this is the bulk of a ledger;
    anything out of the ordinary goes through the converter, which reports it exactly.
    """
    if isinstance(value, list):
        items = []
        for row in value:
            if not (isinstance(row, dict) and row.keys() <= _ITEM_KEYS
                    and isinstance(row.get("checkpoint"), str) and row.get("mark", "") in _MARKS
                    and isinstance(row.get("title", ""), str) and isinstance(row.get("note", ""), str)):
                break
            items.append(Item(row["checkpoint"], _MARKS[row.get("mark", "")], row.get("title", ""),
                              row.get("note", "")))
        else:
            return tuple(items)
    return _ITEMS_SLOW(value, kind)


@frozen
class RecordFinding:
    """A hazard found in this record (排查)."""

    id: str = field(validator=_id)
    checkpoint: str = field()
    description: str = field()
    level: HazardLevel = field()
    evidence: tuple[str, ...] = ()
    remediation: Remediation | None = None
    #: The channel: 自查, 督导检查, 举报, 上级交办, 移送; when left out, 自查 in a self-inspection record and
    #: 督导检查 in a supervision record.
    source: FindingSource | None = None
    #: ``illegal`` for an illegal operation (非法违法生产经营建设行为), with its ``enforcement``.
    kind: FindingKind = FindingKind.HAZARD
    #: Why ``level`` differs from the checkpoint's; the ledger shows it.
    level_reason: str = ""
    enforcement: Enforcement | None = None
    #: 停产停业整改 ordered with the finding, alongside its remediation.
    stop: Stop | None = None
    #: 上报: the department a self-found major hazard was reported to, on the record's date.
    reported_to: str = ""


@frozen
class StopEvent:
    """停产停业整改 ordered after the finding was recorded (a major hazard that cannot be controlled)."""

    finding: str
    stop: Stop

    @property
    def date(self) -> dt.date | None:
        return self.stop.date


@frozen
class Resume:
    """恢复生产: the application (``applied``), and once checked, ``inspected`` and ``approved_by``."""

    finding: str
    applied: dt.date
    inspected: dt.date | None = None
    approved_by: str = ""
    note: str = ""
    date: dt.date | None = None


@frozen
class Report:
    """上报: a hazard the unit found itself, reported to the department."""

    finding: str
    to: str
    date: dt.date | None = None


@frozen
class Escalate:
    """An overdue fix escalated to a graver route (挂牌督办, a stop category); ``level`` may regrade it."""

    finding: str
    remediation: Remediation
    level: HazardLevel | None = None
    reason: str = ""
    date: dt.date | None = None


@frozen
class Remediate:
    """A remediation assigned after the finding was recorded (e.g. listed for supervision later)."""

    finding: str
    remediation: Remediation
    date: dt.date | None = None


@frozen
class Fixed:
    """The unit reports the fix done (整改结果上报)."""

    finding: str
    date: dt.date | None = None
    note: str = ""


@frozen
class RecheckEvent:
    """回查 / 复核验收: ``result`` passed, failed, or blank while not done."""

    finding: str
    result: RecheckResult = RecheckResult.PENDING
    by: str = ""
    date: dt.date | None = None
    #: Copied by ``checkframe inspect recheck`` so that the file reads on its own; not checked.
    about: str = ""
    note: str = ""


@frozen
class Close:
    """销号: strike an accepted finding off the ledger."""

    finding: str
    date: dt.date | None = None
    #: 审核把关: who approved the close-out; required for a major hazard.
    approver: str = ""


@frozen
class Record:
    """One inspection (or recheck) of one unit on one date."""

    unit: str
    date: dt.date
    kind: FormKind
    checklist: str
    inspectors: tuple[str, ...] = ()
    #: 检查单位: who inspected; for a self-inspection, the unit itself when left empty.
    checking_unit: str = ""
    #: The record file (in ``records/``) that this recheck follows.
    follows: str = ""
    note: str = ""
    item: tuple[Item, ...] = ()
    finding: tuple[RecordFinding, ...] = ()
    remediate: tuple[Remediate, ...] = ()
    report: tuple[Report, ...] = ()
    escalate: tuple[Escalate, ...] = ()
    stop: tuple[StopEvent, ...] = ()
    fixed: tuple[Fixed, ...] = ()
    recheck: tuple[RecheckEvent, ...] = ()
    close: tuple[Close, ...] = ()
    resume: tuple[Resume, ...] = ()


_ITEMS_SLOW = _CONVERTER.get_structure_hook(tuple[Item, ...])
_CONVERTER.register_structure_hook_func(lambda kind: kind == tuple[Item, ...], _structure_items)


# -- Reading -------------------------------------------------------------------------------


# The checkpoint rows as ``inspect new`` writes them, one inline table a line: the bulk of every record,
# and most of the time the stdlib's pure-Python parser spends on a ledger.  Strings without escapes or
# control characters only, so that the text between the quotes is the value.
_ROWS_START = re.compile(r"^item = \[[ \t]*\n", re.M)
_ROW = re.compile(r'[ \t]*\{ checkpoint = "([^"\\\x00-\x1f\x7f-\x9f]*)", title = "([^"\\\x00-\x1f\x7f-\x9f]*)", '
                  r'mark = "([^"\\\x00-\x1f\x7f-\x9f]*)" \}(,?)[ \t]*\n')
_ROWS_END = re.compile(r"[ \t]*\][ \t]*(?:\n|$)")
_TABLE_HEADER = re.compile(r"^[ \t]*\[", re.M)
#: The rows' array exactly as ``inspect new`` writes it (tomli_w: four spaces, a comma after every row), with
#: strings without escapes or control characters and valid marks: its text says everything the ledger needs.
_ROWS_BLOCK = re.compile(r'item = \[\n((?:    \{ checkpoint = "[^"\\\x00-\x1f\x7f-\x9f]*", '
                         r'title = "[^"\\\x00-\x1f\x7f-\x9f]*", mark = "(?:ok|fixing|fail|)" \},\n)*)\]\n')
_ROW_CHECKPOINT = re.compile(r'\{ checkpoint = "([^"]*)"')


# -- The plain shape: what inspect new and inspect recheck write and people add, read line by line -------------

#: Anything that makes a text not plain: a control character (a raw one is tomllib's error, an escaped one
#: check_data's), DEL, C1 controls, a carriage return.
_NOT_PLAIN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BARE = r"[A-Za-z0-9_-]+"
_STR = r'"[^"\\\n]*"'
_END = r"[ \t]*(?:#.*)?"
_KEY_VALUE = re.compile(
    rf"[ \t]*({_BARE})[ \t]*=[ \t]*(?:"
    r'"([^"\\\n]*)"|'  # 2: a basic string without escapes
    r"'([^'\n]*)'|"  # 3: a literal string
    r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|"  # 4-6: a local date
    r"(-?(?:0|[1-9][0-9]{0,17}))|"  # 7: an integer well inside 64 bits
    r"(true|false)|"  # 8
    rf"\[((?:[ \t]*{_STR}[ \t]*,)*(?:[ \t]*{_STR}[ \t]*)?)\]|"  # 9: an array of strings on one line
    r"(\[)"  # 10: an array over the lines that follow
    rf"){_END}")
_STRING_IN = re.compile(r'"([^"\\\n]*)"')
_ELEMENT = re.compile(
    r'[ \t]*(?:"([^"\\\n]*)"|'  # 1: a string
    r'\{ checkpoint = "([^"\\\n]*)", title = "([^"\\\n]*)", mark = "([^"\\\n]*)" \}|'  # 2-4: a checkpoint row
    rf"\{{ ({_BARE} = {_STR}(?:, {_BARE} = {_STR})*) \}})"  # 5: another table of strings, as tomli_w writes it
    rf"[ \t]*(,?){_END}")
_PAIR = re.compile(rf'({_BARE}) = "([^"\\\n]*)"')
_ARRAY_END = re.compile(rf"[ \t]*\]{_END}")
_TABLE_LINE = re.compile(rf"[ \t]*(\[?)\[({_BARE})(?:\.({_BARE}))?\](\]?){_END}")


def _plain(text: str) -> dict[str, Any] | None:
    """The text read as tomllib reads it, when it is plain; None when it is not (then tomllib reads it).

    Plain is a subset of TOML: comments; bare keys set to a string without escapes, a local date, a small
    integer, a boolean, or an array of such strings or of checkpoint rows as ``inspect new`` writes them,
    one a line; ``[table]``, ``[[array]]`` and ``[array.table]`` headers.  Whatever else, and whatever
    tomllib would refuse (a key twice, a table defined twice, a missing comma), is not plain, so errors
    are always tomllib's.  A plain text holds nothing that ``check_data`` refuses.
    tests/ledger/test_records_property.py compares it with tomllib.
    """
    if _NOT_PLAIN.search(text) is not None:
        return None
    root: dict[str, Any] = {}
    arrays: set[str] = set()  # the names of root arrays of tables
    current = root
    lines = text.split("\n")
    count = len(lines)
    i = 0
    while i < count:
        line = lines[i]
        i += 1
        start = line.lstrip(" \t")
        if not start or start[0] == "#":
            continue
        if start[0] == "[":
            header = _TABLE_LINE.fullmatch(line)
            if header is None or bool(header[1]) != bool(header[4]):
                return None
            name, sub = header[2], header[3]
            if header[1]:  # [[name]]
                if sub is not None or (name in root and name not in arrays):
                    return None
                current = {}
                root.setdefault(name, []).append(current)
                arrays.add(name)
            elif sub is None:  # [name]
                if name in root:
                    return None
                current = root[name] = {}
            else:  # [name.sub]
                parent = root[name][-1] if name in arrays else root.setdefault(name, {})
                if not isinstance(parent, dict) or sub in parent:
                    return None
                current = parent[sub] = {}
            continue
        match = _KEY_VALUE.fullmatch(line)
        if match is None or match[1] in current:
            return None
        value: Any
        if match[2] is not None:
            value = match[2]
        elif match[3] is not None:
            value = match[3]
        elif match[4] is not None:
            try:
                value = dt.date(int(match[4]), int(match[5]), int(match[6]))
            except ValueError:
                return None
        elif match[7] is not None:
            value = int(match[7])
        elif match[8] is not None:
            value = match[8] == "true"
        elif match[9] is not None:
            value = _STRING_IN.findall(match[9])
        else:
            value = []
            comma = True
            while True:
                if i >= count:
                    return None
                line = lines[i]
                i += 1
                element = _ELEMENT.fullmatch(line)
                if element is None:
                    start = line.lstrip(" \t")
                    if not start or start[0] == "#":
                        continue
                    if _ARRAY_END.fullmatch(line) is None:
                        return None
                    break
                if not comma:
                    return None  # two elements without a comma between them
                if element[1] is not None:
                    value.append(element[1])
                elif element[2] is not None:
                    value.append({"checkpoint": element[2], "title": element[3], "mark": element[4]})
                else:
                    pairs = _PAIR.findall(element[5])
                    table = dict(pairs)
                    if len(table) != len(pairs):
                        return None  # a key twice
                    value.append(table)
                comma = bool(element[6])
        current[match[1]] = value
    return root


def _loads(text: str) -> dict[str, Any]:
    """``tomllib.loads``, with the checkpoint rows read directly when they are exactly as written by ``inspect new``.

    The rows' array (``item = [`` ... ``]``, top level, one ``{ checkpoint, title, mark }`` a line) is
    read with a regular expression and left to the parser as ``item = []`` on as many lines, so that
    the rest of the file, its errors and their line numbers are the parser's own.  Anything else (a row
    without its comma before the next, a comment, an escape), or any multi-line string that might hide
    such lines, goes to the parser whole.  tests/ledger/test_records_property.py checks with hypothesis
    that the answer, or the error, is always tomllib's.
    """
    plain = _plain(text)
    if plain is not None:
        return plain
    start = _ROWS_START.search(text)
    if start is None or '"""' in text or "'''" in text:
        return loads_toml(text)
    header = _TABLE_HEADER.search(text, 0, start.start())
    if header is not None:
        return loads_toml(text)
    rows = []
    position = start.end()
    while match := _ROW.match(text, position):
        rows.append({"checkpoint": match[1], "title": match[2], "mark": match[3]})
        position = match.end()
        if not match[4]:
            break  # no comma: the array must end here, or it is the parser's to report
    end = _ROWS_END.match(text, position)
    if end is None:
        return loads_toml(text)
    lines = text.count("\n", start.start(), end.end())
    try:
        data = loads_toml(text[:start.start()] + "item = []" + "\n" * lines + text[end.end():])
    except ReadError:
        return loads_toml(text)  # the error where the parser finds it in the file as written
    data["item"] = rows
    return data


#: The finding ids of a record that does not parse: its ``id = "..."`` lines (only findings have an ``id``).
_FINDING_ID = re.compile(r"""^[ \t]*id[ \t]*=[ \t]*["']([^"'\n]+)["']""", re.M)


def _read(path: Path, rel: str, kind: type, problems: list[Problem], broken: set[str] | None = None) -> Any:
    text = ""
    try:
        text = read_text(path)
        data = _loads(text)
    except ReadError as exc:
        problems.append(read_problem(rel, exc))
        if broken is not None:  # the findings it seems to define: events on them elsewhere are not reported again
            broken.update(_FINDING_ID.findall(text))
        return None
    try:
        return _CONVERTER.structure(data, kind)
    except (ClassValidationError, IterableValidationError, WrongType, Invalid) as exc:
        problems.extend(structure_problem(rel, segments, message) for segments, message in structure_errors(exc))
        if broken is not None and isinstance(data, dict) and isinstance(data.get("finding"), list):
            # Events on these findings elsewhere are not reported again as unknown.
            broken.update(f["id"] for f in data["finding"] if isinstance(f, dict) and isinstance(f.get("id"), str))
        return None


# -- Structuring without cattrs when everything is as it should be --------------------------------------------


class _Unusual(Exception):
    """A value the quick structuring does not take: the converter structures it, or says what is wrong."""


def _quick_hook(kind: Any) -> Any:
    """A function structuring a valid value of ``kind`` as the converter does, raising anything on the rest.

    It takes only what the converter takes unchanged (a str for str, a date that is not a datetime, an int
    that is not a bool, an enum's value, a list for a tuple, a table with known keys for a class); anything
    else raises, and the caller then asks the converter, whose answer or errors are the reference.
    """
    if kind in (str, int, bool, dt.date):  # exactly that class: not a bool for an int, nor a datetime for a date
        def exactly(value: Any, kind: type = kind) -> Any:
            if value.__class__ is not kind:
                raise _Unusual
            return value
        return exactly
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        members = {m.value: m for m in kind}

        def member(value: Any) -> Any:
            if value.__class__ is not str:
                raise _Unusual
            return members[value]  # a KeyError for anything else
        return member
    args = typing.get_args(kind)
    if isinstance(kind, types.UnionType) and len(args) == 2 and args[1] is type(None):
        return _quick_hook(args[0])  # TOML has no None
    if typing.get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis:
        inner = _quick_hook(args[0])

        def sequence(value: Any) -> tuple[Any, ...]:
            if value.__class__ is not list:
                raise _Unusual
            return tuple(map(inner, value))
        return sequence
    if attrs.has(kind):
        return _quick_class(kind)

    def other(value: Any) -> Any:
        raise _Unusual
    return other


def _quick_class(kind: type) -> Any:
    hints = typing.get_type_hints(kind)
    hooks: dict[str, Any] = {}

    def table(value: Any) -> Any:
        if value.__class__ is not dict:
            raise _Unusual
        return kind(**{name: hooks[name](raw) for name, raw in value.items()})  # a KeyError for an unknown key

    hooks.update((a.name, _quick_hook(hints[a.name])) for a in attrs.fields(kind) if a.name != "item" or kind is not Record)
    return table


_QUICK_RECORD = _quick_class(Record)


def _rows(value: Any) -> tuple[str, ...]:
    """The checkpoints of well-formed rows, as :func:`_structure_items` takes them; raises on anything else."""
    if value.__class__ is not list:
        raise _Unusual
    ids = []
    for row in value:
        if not (row.__class__ is dict and row.keys() <= _ITEM_KEYS and row.get("checkpoint").__class__ is str
                and row.get("mark", "") in _MARKS and row.get("title", "").__class__ is str
                and row.get("note", "").__class__ is str):
            raise _Unusual
        ids.append(row["checkpoint"])
    return tuple(ids)


def _split_rows(text: str) -> tuple[str, tuple[str, ...]] | None:
    """The text with its rows' array as ``item = []``, and the rows' checkpoints; None unless it is as written.

    Only an array as :data:`_ROWS_BLOCK` has it, at the top level (no table header before it), is taken;
    whether the rest is plain is :func:`_plain`'s to say, so that a block inside a multi-line string or an
    array leaves a rest that is not plain, and the whole text goes to :func:`_loads`.
    """
    at = 0 if text.startswith("item = [\n") else text.find("\nitem = [\n") + 1
    if not at and not text.startswith("item = [\n"):
        return None
    block = _ROWS_BLOCK.match(text, at)
    if block is None or _TABLE_HEADER.search(text, 0, at) is not None:
        return None
    return text[:at] + "item = []\n" + text[block.end():], tuple(_ROW_CHECKPOINT.findall(block[1]))


def _quick(text: str) -> tuple[dict[str, Any], tuple[str, ...]] | None:
    """The record's table without its rows and the rows' checkpoints, read directly when it is plain."""
    if "item" not in text:  # a recheck record: no rows
        data = _plain(text)
        return None if data is None else (data, ())
    split = _split_rows(text)
    if split is None:
        return None
    rest, ids = split
    data = _plain(rest)
    if data is None or data.get("item") != []:
        return None
    del data["item"]
    return data, ids


#: A record as the ledger keeps it between runs (:mod:`checkframe.ledger.cache`): its table as plain data without
#: the rows (``("data", table)``), or, for a record only the converter structures, the record without its rows
#: (``("record", record)``); and the rows' checkpoint ids.
Kept = tuple[tuple[str, Any], tuple[str, ...]]


def read_record_rows(path: Path | str, rel: str, problems: list[Problem], broken: set[str] | None = None,
                     content: bytes | None = None) -> tuple[Record, tuple[str, ...], Kept] | None:
    """:func:`read_record`, the record without its rows and the rows' checkpoints: what the ledger keeps.

    ``content`` is the file's bytes when the caller has read them already.  A record as it should be is
    structured without the converter (:func:`_quick_hook`); any other goes through :func:`read_record`,
    so its problems are the same.  The third item is what the ledger's cache keeps of it (:func:`kept_record`
    makes the record from it again): plain data, which pickles several times faster than the record.
    """
    try:
        text = read_text(path) if content is None else decode_text(content)
        quick = _quick(text)
        if quick is not None:
            data, ids = quick
        else:
            data = _loads(text)
            if data.__class__ is not dict:
                raise _Unusual
            rows = data.pop("item", [])
            try:
                ids = _rows(rows)
            except Exception:
                data["item"] = rows
                raise
        return _QUICK_RECORD(data), ids, (("data", data), ids)
    except Exception:  # noqa: BLE001 - unusual or wrong: the full reader says what, as it always did
        pass
    full = read_record(Path(path), rel, problems, broken)
    if full is None:
        return None
    bare, ids = attrs.evolve(full, item=()), tuple(row.checkpoint for row in full.item)
    return bare, ids, (("record", bare), ids)


def kept_record(kept: Kept) -> tuple[Record, tuple[str, ...]]:
    """The record and its rows' checkpoints from what :func:`read_record_rows` gave the cache."""
    (form, value), ids = kept
    if form == "record":
        return value, ids
    try:
        return _QUICK_RECORD(value), ids
    except Exception:  # noqa: BLE001 - what the quick structuring does not take, the converter does
        return _CONVERTER.structure(value, Record), ids


def read_record(path: Path, rel: str, problems: list[Problem], broken: set[str] | None = None) -> Record | None:
    """Read one record; on failure append one problem per mistake and return None.

    The ids of the findings of a record that cannot be read are added to ``broken``.
    """
    return _read(path, rel, Record, problems, broken)


def record_data(path: Path | str) -> dict[str, Any] | None:
    """A record file's raw tables, read as :func:`read_record` reads them; None when it does not read as TOML.

    For the checks that can be made of a record that does not structure (see ``ledger._check_unread``).
    """
    try:
        data = _loads(read_text(path))
    except ReadError:
        return None
    return data if isinstance(data, dict) else None


def read_unit(path: Path, rel: str, problems: list[Problem]) -> Unit | None:
    """Read one unit registration; its file name must be an id."""
    try:
        check_id(path.stem, "file name")
    except Invalid as exc:
        problems.append(structure_problem(rel, (), Message("unit_file_name", problem=exc.message)))
        return None
    return _read(path, rel, Unit, problems)


# -- Writing -------------------------------------------------------------------------------

_HEADER = """\
# 检查记录：逐项填写检查结果，填好后在台账文件夹中运行 checkframe ledger show 核对。
# mark（检查结果）："ok" = √ 符合要求；"fixing" = 0 正在整改；"fail" = × 不符合要求；"" = 不填写（无该项）
# 发现事故隐患时，在文件末尾逐项添加，例如：
#   [[finding]]
#   id = "f-2024-001"            # 隐患编号，整个台账中不得重复
#   checkpoint = "gen-fire-21"   # 检查项编号（见下面 item 中的 checkpoint）
#   description = "二楼安全出口被货物堵塞"
#   level = "general"            # general 一般事故隐患，major 重大事故隐患
#   evidence = ["photos/exit.jpg"]   # 照片等，可不写
#   [finding.remediation]        # 整改
#   category = "deadline"        # on_site 现场整改，deadline 限期整改，listed_supervision 挂牌督办……
#   deadline = 2024-03-15        # 整改期限
#   order_number = "城应急责改〔2024〕3号"   # 责令限期整改指令书编号
#   responsible_person = "张三"   # 整改责任人
#   measures = "清理堆放货物"      # 整改措施
# 之后的闭环：[[fixed]] finding = "隐患编号"（报告整改完成）；[[recheck]] finding、result、by（回查）；
# [[close]] finding（销号）
"""

_RECHECK_HEADER = """\
# 回查记录：逐项隐患填写 result = "passed"（合格）或 "failed"（不合格），by = 回查人；
# 本次未回查的隐患，result 保持 ""。
# 单位报告整改完成的记录须在前：台账上还没有时，先添加 [[fixed]] finding = "隐患编号"。
# 验收合格的隐患，用 [[close]] finding = "隐患编号" 销号。
"""


_CLOSE_HEADER = """\
# 已验收、尚未销号的隐患：审核把关后，去掉该项 [[close]] 几行行首的 "# " 即可销号；
# 重大事故隐患还须在 approver 填审核人。
"""


def new_record_toml(
    checklist: Checklist, checkpoints: list[Checkpoint], unit: str, date: dt.date, kind: FormKind
) -> str:
    """A new record ready to fill: every checkpoint of the checklist with a blank mark."""
    data = {
        "unit": unit,
        "date": date,
        "kind": kind.value,
        "checklist": checklist.id,
        "checking_unit": "",
        "inspectors": [],
        "note": "",
        "item": [{"checkpoint": c.id, "title": c.title, "mark": ""} for c in checkpoints],
    }
    return _HEADER + "\n" + tomli_w.dumps(data, multiline_strings=False)


def recheck_record_toml(earlier: Record, earlier_file: str, open_findings: list[tuple[str, str]],
                        date: dt.date, accepted: Sequence[tuple[str, str]] = ()) -> str:
    """A recheck record following ``earlier_file``: one blank recheck per unresolved finding.

    ``open_findings`` is ``(finding id, what it is about)`` in the earlier record's order; ``accepted`` the
    earlier record's findings accepted but not closed, written after the rechecks as close-outs commented out,
    which the clerk takes in once the close-out is approved (a close-out written by the command would strike a
    hazard off the ledger that nobody approved).
    """
    data: dict[str, Any] = {
        "unit": earlier.unit,
        "date": date,
        "kind": earlier.kind.value,
        "checklist": earlier.checklist,
        "follows": earlier_file,
        "checking_unit": earlier.checking_unit,
        "inspectors": [],
        "note": "",
    }
    if open_findings:
        data["recheck"] = [
            {"finding": ident, "about": about, "result": "", "by": ""} for ident, about in open_findings
        ]
    text = _RECHECK_HEADER + "\n" + tomli_w.dumps(data)
    if accepted:
        text += "\n" + _CLOSE_HEADER + "".join(
            f'\n# {" ".join(about.split())}\n# [[close]]\n# finding = "{ident}"\n# approver = ""\n'
            for ident, about in accepted)
    return text
