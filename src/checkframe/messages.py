"""Messages for people in two languages: a code and its values, turned into words by one table per language.

Some rules of the model are read by two kinds of people: the catalog's content files are written by
plugin authors (developers, who read English), the ledger's records and unit registrations by clerks
(who read Chinese in the regulators' own words).  A rule that both share (a wrong type, an unknown key,
an id that is not an id) raises its problem as a :class:`Message`: a code from :data:`ENGLISH` and
:data:`CHINESE` and the values to fill in, not yet words.  :func:`say` words it in a language;
``str(message)`` is the English.  Words are made only when a problem is reported, never on the way.

A value that came from a file is wrapped in :class:`Shown`, so that each language spells it as TOML
writes it (``"big"``, ``true``, ``2024-03-01``) and names what it is (a table, an array, a number).  A
value may also be another :class:`Message` (a hint), a :class:`Choices` (the members of an enum, with
their Chinese labels) or a :class:`Names` (keys, joined as the language joins a list).

The Chinese side also says *where* a problem is as a clerk reads the file (:func:`chinese_where`):
``第2个 [[finding]] 的 remediation.deadline`` rather than ``$.finding[1].remediation.deadline``.

This module knows nothing of the rest of checkframe (the model sits above it).
"""

from __future__ import annotations

import ast
import datetime as dt
import enum
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "CHINESE",
    "ENGLISH",
    "LONGEST_SHOWN",
    "Choices",
    "Language",
    "Message",
    "Names",
    "Shown",
    "chinese_at",
    "chinese_where",
    "cut",
    "key_path",
    "say",
    "spaced",
]


class Message:
    """A problem not yet put into words: a code of the languages' tables and the values it is filled with."""

    __slots__ = ("code", "values")

    def __init__(self, code: str, **values: Any) -> None:
        self.code = code
        self.values = values

    def __str__(self) -> str:
        return say(self, ENGLISH)

    def __repr__(self) -> str:
        return f"Message({self.code!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.code, self.values) == (other.code, other.values)

    def __hash__(self) -> int:
        return hash(self.code)


class Shown:
    """A value that came from a file, spelled as TOML writes it by each language."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shown) and type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return 0


class Choices:
    """The values an enum allows, in order; ``blank`` when ``""`` is one of them (and what it means)."""

    __slots__ = ("kind",)

    def __init__(self, kind: type[enum.Enum]) -> None:
        self.kind = kind

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Choices) and self.kind is other.kind

    def __hash__(self) -> int:
        return hash(self.kind)


class Names(tuple[str, ...]):
    """Names (keys, codes) to list, joined as the language joins them."""

    __slots__ = ()


#: How a template is filled: a format string, or a function of the language and the values.
Template = str | Callable[["Language", Mapping[str, Any]], str]


class Language:
    """One language's words: a table of templates by code, and how it spells values and lists."""

    def __init__(self, name: str, templates: dict[str, Template], show: Callable[[Any], str],
                 join: Callable[[Sequence[str]], str], choice: Callable[[Choices], str]) -> None:
        self.name = name
        self.templates = templates
        self.show = show
        self.join = join
        self.choice = choice

    def word(self, value: Any) -> str:
        """One value of a message as this language writes it."""
        if isinstance(value, Message):
            return say(value, self)
        if isinstance(value, Shown):
            return self.show(value.value)
        if isinstance(value, Choices):
            return self.choice(value)
        if isinstance(value, Names):
            return self.join(list(value))
        return str(value)


def say(message: Message | str, language: Language) -> str:
    """``message`` in ``language``; a plain string is returned as it is (an English text from elsewhere)."""
    if not isinstance(message, Message):
        return message
    template = language.templates[message.code]
    if callable(template):
        return template(language, message.values)
    return template.format(**{k: language.word(v) for k, v in message.values.items()})


def key_path(segments: Sequence[str | int]) -> str:
    """The developers' key path of a list of keys and indexes: ``$.finding[1].remediation``."""
    path = "$"
    for segment in segments:
        path += f"[{segment!r}]" if isinstance(segment, int) else f".{segment}"
    return path


# -- English: what plugin authors read (the catalog's content loader), exactly as before ---------------------------


#: Characters that a terminal or an editor does not show as themselves: C1 controls, soft hyphen, zero-width
#: and direction marks, line and paragraph separators, bidirectional embeddings, overrides and isolates, BOM.
_INVISIBLE = re.compile("[\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


#: The most characters of a text a message quotes: a longer one is cut, ``"隐患描述……"…`` (the ellipsis after the
#: quote: what is quoted is what the file has).  A description of millions of characters is one short line.
LONGEST_SHOWN = 80


def cut(text: str, longest: int = LONGEST_SHOWN) -> str:
    """``text``, or its first ``longest`` characters and an ellipsis when it is longer."""
    return text if len(text) <= longest else text[:longest] + "…"


def show_english(value: Any) -> str:
    """A value that came from a file as TOML spells it, for an error message: ``"big"``, ``true``, ``2023-04-19``.

    A table or an array is named, not shown; a text longer than :data:`LONGEST_SHOWN` is cut.
    """
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # escaped as TOML writes them: what would move or hide the text on a terminal
        more = "…" if len(value) > LONGEST_SHOWN else ""
        return _INVISIBLE.sub(lambda c: f"\\u{ord(c[0]):04X}", json.dumps(value[:LONGEST_SHOWN], ensure_ascii=False)) + more
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat().replace("T", " ")
    return repr(value)


def _kind(value: Any) -> str:
    """What an unquoted TOML value is (a quoted one is text): ``bool``, ``datetime``, ``date``, ``time``, ``number``."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    return "number"


_KINDS_ENGLISH = {"bool": "true or false", "datetime": "a date and time", "date": "a date", "time": "a time",
                  "number": "a number"}


def _choices_english(choices: Choices) -> str:
    return ", ".join(str(m.value) for m in choices.kind if m.value != "")


def _near(language: Language, values: Mapping[str, Any]) -> str:
    """A message's ending: the name nearest what came (the language's ``did_you_mean``), else its ``otherwise``."""
    near, otherwise = values.get("near"), values.get("otherwise")
    if near:
        return say(Message("did_you_mean", near=near), language)
    return language.word(otherwise) if otherwise else ""


_TYPE_NOUNS_ENGLISH = {"str": "a string", "bool": "true or false", "int": "an integer", "float": "a number",
                       "array": "an array", "table": "a table"}

_BLANK_ENGLISH = {"mark": "when it does not apply", "recheck": "while not rechecked yet"}

ENGLISH = Language(
    "en",
    {
        "wrong_type": lambda lang, v: (f"expected {_TYPE_NOUNS_ENGLISH[v['noun']]} (got {lang.word(v['got'])})"
                                       + (lang.word(v["hint"]) if v.get("hint") else "")),
        "quote_hint": lambda lang, v: (f"; {show_english(v['value'])} is {_KINDS_ENGLISH[_kind(v['value'])]}; "
                                       f"write \"{show_english(v['value'])}\" in quotes"),
        "unquote_hint": "; write {text} without quotes",
        "not_one_of": lambda lang, v: (f"expected one of {lang.word(v['choices'])} (got {lang.word(v['got'])})"
                                       + _near(lang, v)),
        "not_one_of_or_blank": lambda lang, v: (
            f"expected one of {lang.word(v['choices'])}, or \"\" {_BLANK_ENGLISH[v['blank']]} (got "
            + (repr(v["got"].value) if isinstance(v["got"].value, str) else lang.word(v["got"])) + ")"),
        "date": "expected a date such as 2024-03-01 (got {got})",
        "date_time": "expected a date such as 2024-03-01 (got a date and time {got})",
        "bare_number": "expected it as the document numbers it, such as 第四条 or （三）, which forms print as written "
                       "(got {got})",
        "issue_date": "expected the date of issue as 2020-11-20, or 2023-04 or 2023 when only the month or the year "
                      "is known (got {got})",
        "unknown_key": lambda lang, v: "unknown key" + _near(lang, v),
        "did_you_mean": lambda lang, v: f"; did you mean {v['near']!r}?",
        "known_keys": "; expected one of {keys}",
        "loader_field": "unknown key; it is set from the folder and file the entry is in: remove it",
        "required_key": "required key missing",
        "invalid": "{detail}",
        "id": "expected an id of lowercase letters, digits, '-' or '_', starting with a letter, "
              "at most {most} characters (got {got})",
        "blank": "expected a non-empty text (got an empty one)",
        "twice": lambda lang, v: f"{v['item']!r} is listed twice",
        "no_level": "expected at least one hazard level (got none)",
        "unit_file_name": "the file name is the unit's id: {problem}",
        "base_url": lambda lang, v: ("expected an absolute http(s) URL ending in '/', without spaces, query or "
                                     f"fragment, such as 'https://example.gov.cn/handbook/' (got {v['got']!r})"),
        "iso_date": lambda lang, v: f"expected a date as YYYY-MM-DD (got {v['got']!r})",
    },
    show_english,
    lambda names: ", ".join(names),
    _choices_english,
)


# -- Chinese: what clerks read (the ledger's records and units) -------------------------------------------------


def show_chinese(value: Any) -> str:
    """A value from a file for a clerk: as TOML writes it (``"big"``, ``true``, ``2024-03-01``); a table or an
    array named in Chinese."""
    if isinstance(value, dict):
        return "一个表"
    if isinstance(value, list):
        return "一个数组"
    return show_english(value)


_KINDS_CHINESE = {"bool": "真假值", "datetime": "日期时间", "date": "日期", "time": "时间", "number": "数字"}


def _join_chinese(names: Sequence[str]) -> str:
    return "、".join(names)


#: What clerks call each member of the enums whose own label is not what the form says of the value.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "FormKind": {"self_inspection": "自查", "supervision": "督导检查"},
    "Mark": {"ok": "√ 符合", "fixing": "0 正在整改", "fail": "× 不符合"},
}


def _choice_labelled(member: Any) -> str:
    label = CHOICE_LABELS.get(type(member).__name__, {}).get(member.value) or getattr(member, "label", "")
    return f"{member.value}（{label}）" if label else str(member.value)


def _choices_chinese(choices: Choices) -> str:
    """``self_inspection（自查）或 supervision（督导检查）``: the values that are not blank, with their labels."""
    shown = [_choice_labelled(m) for m in choices.kind if m.value != ""]
    if len(shown) == 1:
        return shown[0]
    return spaced(spaced("、".join(shown[:-1]), "或"), shown[-1])


_TYPE_NOUNS_CHINESE = {"str": "文字", "bool": "true 或 false", "int": "整数", "float": "数字",
                       "array": "数组", "table": "表"}
_BLANK_CHINESE = {"mark": "不适用时写 \"\"", "recheck": "尚未回查时写 \"\""}


def _not_one_of_chinese(lang: Language, v: Mapping[str, Any]) -> str:
    choices = v["choices"]
    count = sum(1 for m in choices.kind if m.value != "")
    allowed = lang.word(choices) if count == 1 else spaced(lang.word(choices), "之一")
    return f"应为 {allowed}（现为 {lang.word(v['got'])}）" + _near(lang, v)


CHINESE = Language(
    "zh",
    {
        "wrong_type": lambda lang, v: (f"应为{_spaced_noun(_TYPE_NOUNS_CHINESE[v['noun']])}（现为 {lang.word(v['got'])}）"
                                       + (lang.word(v["hint"]) if v.get("hint") else "")),
        "quote_hint": lambda lang, v: (f"；{show_english(v['value'])} 不加引号是{_KINDS_CHINESE[_kind(v['value'])]}，"
                                       f"作为文字请加引号，写成 \"{show_english(v['value'])}\""),
        "unquote_hint": "；请去掉引号，写成 {text}",
        "not_one_of": _not_one_of_chinese,
        "not_one_of_or_blank": lambda lang, v: (f"应为 {lang.word(v['choices'])}，{_BLANK_CHINESE[v['blank']]}"
                                                f"（现为 {lang.word(v['got'])}）"),
        "date": "应为日期，如 2024-03-01（现为 {got}）",
        "date_time": "应为日期，如 2024-03-01（现为日期时间 {got}），请去掉时刻",
        "bare_number": "应照依据文件的写法填写，如 第四条 或 （三）（现为 {got}）",
        "issue_date": "应为发布日期，如 2020-11-20，只知道年月或年份时写 2023-04 或 2023（现为 {got}）",
        # The next three are said of the table that holds the key (see chinese_at).
        "unknown_key": lambda lang, v: f"中有未知的键 {v['key']}" + _near(lang, v),
        "did_you_mean": lambda lang, v: f"；是否想写 {show_english(v['near'])}？",
        "known_keys": "；可用的键：{keys}",
        "loader_field": "中不应写 {key}：它由条目所在的文件夹和文件决定，请删去",
        "required_key": "中缺少必填的键 {key}",
        "invalid": "的值无效，请检查写法",
        "id": "须由小写字母、数字、“-”或“_”组成，以字母开头，最多 {most} 个字符（现为 {got}）",
        "blank": "须填写，不能为空",
        "twice": lambda lang, v: f"中 {show_english(str(v['item']))} 重复列出，请只写一次",
        "no_level": "应至少列出一个隐患等级",
        "unit_file_name": "文件名就是单位编号，{problem}",
        "base_url": lambda lang, v: ("应为以 http:// 或 https:// 开头、以“/”结尾的完整网址，不含空格、“?”或“#”，"
                                     f"如 https://example.gov.cn/handbook/（现为 {show_chinese(v['got'])}）"),
        "iso_date": lambda lang, v: f"应为日期，如 2024-03-01（现为 {show_chinese(v['got'])}）",
    },
    show_chinese,
    _join_chinese,
    _choices_chinese,
)

#: The codes said of the table that holds the key, not of the key itself: ``第2个 [[finding]] 中缺少必填的键 level``.
_OF_THE_TABLE = frozenset({"unknown_key", "loader_field", "required_key"})


def _spaced_noun(noun: str) -> str:
    return f" {noun}" if noun[:1].isascii() else noun


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def spaced(before: str, after: str) -> str:
    """``before`` and ``after`` joined as Chinese text sets Latin words: a space between a Latin word and a
    Chinese character, none between two Chinese characters nor before a Chinese punctuation mark."""
    if not before or not after:
        return before + after
    if after[0] in "：，；。、（）" or (_CJK.match(before[-1]) and _CJK.match(after[0])):
        return before + after
    return f"{before} {after}"


#: The most keys and indexes a place is said with in full; a deeper one (a value nested 60 deep, which the
#: reader may meet before it refuses the nesting) is said by its first keys, its last and its depth.
DEEPEST_PLACE = 8


def chinese_where(segments: Sequence[str | int], tables: Iterable[str] = (), *, depth: bool = True) -> str:
    """Where a key is, as a clerk reads the file: ``第2个 [[finding]] 的 remediation.deadline``, ``item 第4项的 mark``.

    ``tables`` are the top-level arrays written as ``[[name]]`` tables; other arrays' elements are
    ``name 第N项``, an array's in an array ``第N项``.  The whole file (no segments) is ``""``.  A place more than
    :data:`DEEPEST_PLACE` deep is cut: ``note 第1项的第1项……第1项（共嵌套 64 层）``, without the depth unless
    ``depth`` (when the message says it).
    """
    if len(segments) > DEEPEST_PLACE:
        last = segments[-1]
        cut = f"{chinese_where(segments[:3], tables)}……{f'第{last + 1}项' if isinstance(last, int) else last}"
        return f"{cut}（共嵌套 {len(segments)} 层）" if depth else cut
    tables = frozenset(tables)
    groups: list[str] = []
    dotted: list[str] = []
    for segment in segments:
        if isinstance(segment, int):
            name = ".".join(dotted)
            if not groups and len(dotted) == 1 and name in tables:
                groups.append(f"第{segment + 1}个 [[{name}]]")
            else:
                groups.append(spaced(name, f"第{segment + 1}项"))
            dotted = []
        else:
            dotted.append(segment)
    if dotted:
        groups.append(".".join(dotted))
    where = ""
    for group in groups:
        where = group if not where else spaced(spaced(where, "的"), group)
    return where


def chinese_at(segments: Sequence[str | int], message: Message | str, tables: Iterable[str] = ()) -> str:
    """A problem at ``segments`` as one Chinese sentence, the place in words first.

    Most messages are said of the key (``date 应为日期……``); those of :data:`_OF_THE_TABLE` of the table
    holding it (``第2个 [[finding]] 的 remediation 中有未知的键 bogus……``), the whole file being 本文件.
    """
    text = say(message, CHINESE)
    if isinstance(message, Message) and message.code in _OF_THE_TABLE:
        segments = segments[:-1]
        return spaced(chinese_where(segments, tables) or "本文件", text)
    return spaced(chinese_where(segments, tables), text)


# -- A file that does not read, for clerks ------------------------------------------------------------------------

#: What tomllib (and the compiled tomli of the same code) says of a text that is not TOML, in Chinese.  A
#: pattern's groups fill the sentence; an error not listed here is said by :data:`_TOML_UNKNOWN`.
_TOML_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), words) for pattern, words in (
    (r"Invalid value", "值的写法不对（文字要加英文引号，如 \"张三\"；日期写成 2024-03-01；数组写成 [\"a\", \"b\"]）"),
    (r"Invalid statement", "这一行不是“键 = 值”，也不是 [表] 或 [[表]] 的标题"),
    (r"Expected '=' after a key in a key/value pair", "键后面缺少“=”（应写成 键 = 值）"),
    (r"Expected newline or end of document after a statement", "一行只能写一个“键 = 值”，值后面多了内容"),
    (r"Invalid initial character for a key part", "键名的写法不对：键名由字母、数字、“_”“-”组成，其他写法要加引号"),
    (r"Unclosed array", "数组缺少结尾的“]”，或元素之间缺少逗号"),
    (r"Unclosed inline table", "行内表缺少结尾的“}”，或键值之间缺少逗号"),
    (r"Unterminated string", "文字缺少结尾的引号"),
    (r"Unescaped '\\' in a string", "文字中的“\\”要写成“\\\\”"),
    (r"Invalid hex value", "文字中的 \\u 转义写法不对"),
    (r"Escaped character is not a Unicode scalar value", "文字中的 \\u 转义不是有效的字符"),
    (r"Invalid date or datetime", "日期写法不对，应写成 2024-03-01 这样的有效日期"),
    (r"No date (\S+)", r"日期 \1 不存在，应写成 2024-03-01 这样的有效日期"),
    (r"Date (\S+) as (\S+)", r"日期 \1 应写成 \2（月、日都写两位数）"),
    (r"Illegal character '\\n'", "文字缺少结尾的引号（一行文字中间不能换行，多行文字要用三个引号 \"\"\" 括起）"),
    (r"Illegal character (.+)", "文字中不能直接写控制字符 {char}"),
    (r"Found invalid character (.+)", "此处不能写字符 {char}"),
    (r"Expected ']' at the end of a table declaration", "表的标题缺少结尾的“]”"),
    (r"Expected ']]' at the end of an array declaration", "[[表]] 的标题缺少结尾的“]]”"),
    (r"Cannot declare \(?(.*?),?\)? twice", "同一个表标题写了两次"),
    (r"Cannot overwrite a value", "同一个键写了两次，或键已有值"),
    (r"Cannot mutate immutable namespace .*", "不能给行内表或数组再添加键"),
    (r"Cannot redefine namespace .*", "同一个表定义了两次"),
    (r"Duplicate inline table key (.+)", r"行内表中的键 \1 写了两次"),
    (r"Expected (.+)", r"此处应为 \1"),
))
_TOML_UNKNOWN = "TOML 写法有误"


def _toml_words(detail: str) -> str:
    for pattern, words in _TOML_ERRORS:
        found = pattern.fullmatch(detail)
        if found:
            if "{char}" in words:  # a character the parser shows as Python writes it: '\x01', 'é'
                try:
                    char = ast.literal_eval(found[1])
                except (ValueError, SyntaxError):
                    char = found[1]
                shown = f"U+{ord(char):04X}" if isinstance(char, str) and len(char) == 1 else str(char)
                return words.format(char=shown)
            return found.expand(words)
    return _TOML_UNKNOWN


def read_error_chinese(code: str, values: Mapping[str, Any], message: str, tables: Iterable[str] = ()) -> str:
    """What :class:`~checkframe.util.reading.ReadError` says (its ``code``, ``values`` and English ``message``),
    for a clerk: ``第5行第8列：值的写法不对……``."""
    def where(path: Sequence[Any], depth: bool = True) -> str:
        return chinese_where([p if isinstance(p, int) else str(p) for p in path], tables, depth=depth)

    if code == "toml":
        line, column = values.get("line", 0), values.get("column", 0)
        at = f"第{line}行第{column}列" if line else "读到文件末尾时"
        key = where(values.get("path", ()))
        return f"不是有效的 TOML 文件，{at}{f'（{key}）' if key else ''}：{_toml_words(values.get('detail', ''))}"
    if code == "symlink_loop":
        return "无法读取：符号链接指向自身（链接循环），请修正或删除该链接"
    if code == "permission":
        return "无法读取：没有读取权限，请设为可读（chmod u+r）"
    if code == "missing":
        return "没有这个文件（符号链接已失效？）"
    if code == "folder":
        return "这是文件夹，不是文件"
    if code == "not_regular":
        return "不是普通文件（是设备、套接字或管道），请给出文件"
    if code == "os":
        return f"无法读取（{values.get('reason', '')}）"
    if code == "too_big":
        size = f"{values['size']}，" if values.get("size") else ""
        return f"文件太大：{size}超过上限 {values.get('limit', '')}"
    if code == "not_utf8":
        return f"第{values.get('line', 0)}行不是 UTF-8 编码的文字（字节 {values.get('byte', '')}），请另存为 UTF-8 编码"
    if code in ("control", "control_key"):
        place = where(values.get("path", ()))
        if "path" not in values:
            place = f"第{values.get('line', 0)}行"
        what = "的键名中" if code == "control_key" else "中"
        return spaced(place or "本文件", f"{what}有控制字符 {values.get('char', '')}，请删去（只有制表符和换行可以写，"
                                          "且只能写在允许的地方）")
    if code == "int_range":
        return spaced(where(values.get("path", ())) or "本文件",
                      f"的整数超出范围（{values.get('digits', 0)} 位数字）；整数须在 64 位范围内")
    if code == "nesting":
        return spaced(where(values.get("path", ()), depth=False) or "本文件", "嵌套超过 64 层；最多嵌套 64 层")
    if code == "int_huge":
        return "不是有效的 TOML 文件：整数位数太多；整数须在 64 位范围内"
    return f"无法按 TOML 读取此文件（{message}）"
