"""One reader for every file checkframe reads: a file that is not what it should be is one line, never a traceback.

Content TOML, ``checkframe.toml``, the extra pages, inspection records and
unit registrations, and exports are all read here.  Whatever is wrong with
the file itself (not there, a folder, a symlink loop, not readable, too big,
not UTF-8) or with what it holds (nested too deep, an integer too big, a
control character in a string) raises :class:`ReadError`, whose message says
what is wrong and how to fix it, and whose ``key`` is the key path (TOML and
JSON) or the line (text) where it is.

The limits, stated in the README:

- :data:`MAX_BYTES`: a file of at most 64 MiB;
- :data:`MAX_DEPTH`: tables and arrays nested at most 64 deep;
- integers of TOML are 64-bit (the TOML specification's range), and integers of
  JSON have at most :data:`MAX_DIGITS` digits;
- strings hold no control character but tab, newline and carriage return in a
  text file, tab and newline in a TOML or JSON string (:func:`control_character`).

A UTF-8 byte order mark at the start of a file (what some Windows editors
write) is skipped.

The module knows nothing of checkframe: it imports from the standard library only.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import json
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "ReadError",
    "check_data",
    "check_text",
    "control_character",
    "decode_text",
    "loads_json",
    "loads_toml",
    "loads_toml_fast",
    "read_bytes",
    "read_json",
    "read_text",
    "read_toml",
]

#: The largest file read: 64 MiB (the biggest content file shipped is under 100 KiB).
MAX_BYTES = 64 * 1024 * 1024
#: How deep tables and arrays may nest; checkframe's own files nest 4 deep at most.
MAX_DEPTH = 64
#: The most digits of a JSON integer (an export's counts and formats have a few).
MAX_DIGITS = 20
_INT64 = range(-(2**63), 2**63)

#: C0 and C1 control characters and DEL; tab, newline and carriage return are checked apart.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ReadError(Exception):
    """A file that cannot be read as what it should be; ``key`` is where in it ("" for the whole file).

    ``message`` is in English; ``code`` and ``values`` say the same for a reader of another language
    (:func:`checkframe.messages.read_error_chinese`): ``"toml"`` with the parser's ``detail``, ``line`` and
    ``column``, ``"too_big"`` with ``size`` and ``limit``, ...
    """

    def __init__(self, message: str, key: str = "", code: str = "", **values: Any) -> None:
        super().__init__(message)
        self.message = message
        self.key = key
        self.code = code
        self.values = values


def _why(exc: OSError) -> ReadError:
    if exc.errno == errno.ELOOP:
        return ReadError("cannot read: a symlink loop (the link points back at itself); fix or remove the link",
                         code="symlink_loop")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ReadError("cannot read: permission denied; make it readable (chmod u+r)", code="permission")
    if exc.errno == errno.ENOENT:
        return ReadError("no such file (a broken symlink?)", code="missing")
    if exc.errno == errno.EISDIR:
        return ReadError("is a folder, not a file", code="folder")
    return ReadError(f"cannot read: {exc.strerror or exc}", code="os", reason=exc.strerror or str(exc))


def read_bytes(path: Path | str, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes: :func:`read_text` without the decoding.

    :raises ReadError: when it is not a regular file, cannot be read or is bigger than ``limit``.
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError("is a folder, not a file", code="folder")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError("not a regular file (a device, socket or pipe); give a file", code="not_regular")
        if info.st_size > limit:
            raise ReadError(f"too big: {_size(info.st_size)}, and the limit is {_size(limit)}", code="too_big",
                            size=_size(info.st_size), limit=_size(limit))
        with open(path, "rb") as handle:
            # Asking for the size the file has saves allocating (and faulting in) ``limit`` bytes for each
            # small file; a file that grew since is read on, up to the limit.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(limit + 1 - len(data))
    except OSError as exc:
        raise _why(exc) from None
    if len(data) > limit:
        raise ReadError(f"too big: more than {_size(limit)}, the limit", code="too_big", size="", limit=_size(limit))
    return data


def decode_text(data: bytes) -> str:
    """The text of a file's bytes as :func:`read_text` reads it (UTF-8, a leading byte order mark skipped).

    :raises ReadError: when it is not UTF-8.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReadError(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8",
                        f"line {line}", "not_utf8", byte=f"0x{data[exc.start]:02x}", line=line) from None


def read_text(path: Path | str, *, limit: int = MAX_BYTES) -> str:
    """The text of a UTF-8 file (a leading byte order mark skipped).

    :raises ReadError: when it is not a regular file, cannot be read, is bigger than ``limit`` or is not UTF-8.
    """
    return decode_text(read_bytes(path, limit=limit))


def _size(count: int) -> str:
    return f"{count / 2**20:.0f} MiB" if count >= 2**20 else f"{count} bytes"


def control_character(text: str, allowed: str = "\t\n") -> int | None:
    """The index of the first control character of ``text`` that is not in ``allowed``; None when there is none."""
    match = _control_pattern(allowed).search(text)
    return match.start() if match else None


@functools.cache
def _control_pattern(allowed: str) -> re.Pattern[str]:
    """:data:`_CONTROL` and whichever of tab, newline and carriage return are not ``allowed``, in one pattern."""
    extra = "".join(sorted({"\t", "\n", "\r"} - set(allowed)))
    return re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{re.escape(extra)}]")


def _control_message(char: str) -> str:
    return (f"control character U+{ord(char):04X} in the text; remove it "
            "(only tab and newline may be written, and only where the text may have them)")


def check_text(text: str) -> None:
    """Refuse a control character in a text file (tab, newline and carriage return are allowed).

    :raises ReadError: naming the line.
    """
    at = control_character(text, "\t\n\r")
    if at is not None:
        line = text.count("\n", 0, at) + 1
        raise ReadError(_control_message(text[at]), f"line {line}", "control", char=f"U+{ord(text[at]):04X}",
                        line=line)


def _key(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return f"{path}.{key}"
    return f"{path}.{json.dumps(key, ensure_ascii=False)}"


def check_data(data: Any, root: str = "$", *, int64: bool = True) -> list[ReadError]:
    """Every problem of parsed TOML or JSON: nesting deeper than :data:`MAX_DEPTH`, a control character
    in a key or a string, an integer outside 64 bits (``int64``).  Each names its key path."""
    found: list[ReadError] = []
    # Each value with the path to it as (parent's path, key): the text of a path is made only for a problem.
    stack: list[tuple[Any, Any, int]] = [(data, root, 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            at = control_character(value)
            if at is not None:
                found.append(ReadError(_control_message(value[at]), _where(path), "control",
                                       char=f"U+{ord(value[at]):04X}", path=_segments(path)))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if int64 and value not in _INT64:
                found.append(ReadError(f"integer out of range (got {len(str(abs(value)))} digits); "
                                       "integers are 64-bit", _where(path), "int_range",
                                       digits=len(str(abs(value))), path=_segments(path)))
        elif isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                found.append(ReadError(f"nested more than {MAX_DEPTH} levels deep; the limit is {MAX_DEPTH}",
                                       _where(path), "nesting", path=_segments(path)))
                continue
            pairs = value.items() if isinstance(value, dict) else enumerate(value)
            children = []
            for key, child in pairs:
                if isinstance(key, str) and control_character(key) is not None:
                    char = key[control_character(key) or 0]
                    found.append(ReadError(f"{_control_message(char)} of a key", _where((path, key)), "control_key",
                                           char=f"U+{ord(char):04X}", path=_segments((path, key))))
                if isinstance(child, (str, dict, list)) or (isinstance(child, int) and not isinstance(child, bool)):
                    children.append((child, (path, key), depth + 1))
            stack.extend(reversed(children))
    return found


def _segments(path: Any) -> tuple[Any, ...]:
    """The keys and indexes of a (parent's path, key) chain, from the root."""
    keys = []
    while isinstance(path, tuple):
        path, key = path
        keys.append(key)
    return tuple(reversed(keys))


def _where(path: Any) -> str:
    """The key path ``$.a.b[0]`` of a (parent's path, key) chain."""
    keys = []
    while isinstance(path, tuple):
        path, key = path
        keys.append(key)
    where = path
    for key in reversed(keys):
        where = _key(where, key)
    return where


#: What :func:`check_data` refuses in a string: C0 and C1 controls and DEL but tab and newline.
_BAD_IN_STRING = _control_pattern("\t\n")


def _clean(value: Any, depth: int, strings: bool) -> bool:
    """True when :func:`check_data` finds nothing in ``value`` (a quick pass that builds no key paths)."""
    if isinstance(value, str):
        return not strings or _BAD_IN_STRING.search(value) is None
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return value in _INT64
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            return False
        for key, child in value.items():
            if strings and _BAD_IN_STRING.search(key) is not None:
                return False
            if not _clean(child, depth + 1, strings):
                return False
        return True
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            return False
        return all(_clean(child, depth + 1, strings) for child in value)
    return True


def _first(problems: list[ReadError]) -> None:
    if problems:
        raise problems[0]


#: Where tomllib says its error is: `` (at line 5, column 8)`` or `` (at end of document)``.
_AT = re.compile(r"^(.*) \(at (?:line (\d+), column (\d+)|end of document)\)$", re.S)


#: A key set to what is shaped as a date, unquoted: ``date = 2024-13-01``.
_DATE_VALUE = re.compile(r"^[^=#\[]+=\s*(\d{4}-\d{1,2}-\d{1,2})(?![\d:])")
#: A line setting a bare dotted key: ``remediation.deadline = ...`` (its key, and where its value starts).
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=")
#: A table's header: ``[[finding]]``, ``[finding.remediation]``.
_HEADER_LINE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*\]\]?\s*(?:#.*)?$")


def _key_at(lines: list[str], line: int, column: int) -> list[str | int]:
    """The key whose value the parser stopped in, read from the text: ``["finding", 1, "remediation", "deadline"]``.

    Only for an error after the ``=`` of a line that sets a bare key; the table is the last header above it,
    an array of tables counted by its headers.  Empty when the line is not so shaped (then only line and column
    are said).
    """
    if not 0 < line <= len(lines):
        return []
    setting = _KEY_LINE.match(lines[line - 1])
    if setting is None or column <= setting.end():
        return []
    arrays: dict[str, int] = {}
    table: list[str | int] = []
    for text in lines[:line - 1]:
        header = _HEADER_LINE.match(text)
        if header is None:
            continue
        names = [name.strip() for name in header[2].split(".")]
        if header[1] == "[[":
            arrays[".".join(names)] = arrays.get(".".join(names), 0) + 1
        table = []
        for depth in range(len(names)):  # [finding.remediation] under the second [[finding]]: finding, 1, remediation
            table.append(names[depth])
            count = arrays.get(".".join(names[:depth + 1]))
            if count:
                table.append(count - 1)
    return [*table, *(name.strip() for name in setting[1].split("."))]


def _syntax(exc: Exception, text: str = "") -> ReadError:
    """The parser's error, with its words (``detail``), line and column (0 at the end of the document) apart.

    A date that is no day (``2024-13-01``, ``2024-02-30``) is said as such: the parser reads ``2024`` as a
    number there and then finds the rest of the line, or says only that a date is wrong.
    """
    found = _AT.match(str(exc))
    detail, line, column = (found[1], int(found[2] or 0), int(found[3] or 0)) if found else (str(exc), 0, 0)
    lines = text.splitlines()
    at: dict[str, Any] = {"line": line, "column": column, "path": tuple(_key_at(lines, line, column))}
    shaped = _DATE_VALUE.match(lines[line - 1]) if 0 < line <= len(lines) else None
    if shaped is not None:
        try:
            day = dt.date(*(int(part) for part in shaped[1].split("-")))
        except ValueError:
            return ReadError(f"invalid TOML: {shaped[1]} is no date (at line {line}, column {column})", code="toml",
                             detail=f"No date {shaped[1]}", **at)
        if day.isoformat() != shaped[1]:  # 2021-9-1: a day, written without its zeros
            return ReadError(f"invalid TOML: write the date {shaped[1]} as {day.isoformat()} (at line {line}, column "
                             f"{column})", code="toml", detail=f"Date {shaped[1]} as {day.isoformat()}", **at)
    hint = next((words for pattern, words in _HINTS if pattern.fullmatch(detail)), "")
    return ReadError(f"invalid TOML: {exc}{'; ' + hint if hint else ''}", code="toml", detail=detail, **at)


#: How to mend what the parser says of a text that is not TOML, for authors (clerks read it in Chinese,
#: :mod:`checkframe.messages`).
_HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), words) for pattern, words in (
    (r"Invalid value", 'write a text in double quotes ("煤矿"), a date as 2024-03-01, an array as ["a", "b"]'),
    (r"Illegal character '\\n'", 'a text in quotes ends on its line: close the quote, or put a text of several '
                                 'lines between three quotes (""")'),
    (r"Unterminated string", "close the quote"),
    (r"Unclosed array", "an array ends with ']', its items separated by commas"),
    (r"Unclosed inline table", "an inline table ends with '}', its keys separated by commas"),
    (r"Expected '=' after a key in a key/value pair", "write key = value"),
    (r"Expected newline or end of document after a statement", "write one key = value on a line"),
    (r"Cannot declare \(?(.*?),?\)? twice", "a table is declared twice: write its header once"),
    (r"Cannot overwrite a value", "a key is written twice: keep one"),
))


def _too_deep() -> ReadError:
    return ReadError(f"nested more than {MAX_DEPTH} levels deep; the limit is {MAX_DEPTH}", code="nesting", path=())


def _huge(exc: ValueError) -> ReadError:
    return ReadError(f"invalid TOML: {exc.args[0].split(':')[0]}; integers are 64-bit", code="int_huge")


def loads_toml(text: str) -> dict[str, Any]:
    """Parse TOML and check it with :func:`check_data`.

    :raises ReadError: for invalid TOML (the message has the line) or the first problem of :func:`check_data`.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax(exc, text) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:  # an integer of thousands of digits
        raise _huge(exc) from None
    _first(check_data(data))
    return data


try:  # the compiled parser (mypyc) of the same code as tomllib, where installed; tomli 2.4 reads TOML 1.1
    import tomli as _tomli

    if tuple(int(part) for part in _tomli.__version__.split(".")[:2]) >= (2, 4):
        raise ImportError("tomli 2.4 and later read TOML 1.1, which tomllib does not")
    _FAST_LOADS: Any = _tomli.loads
    _FAST_ERROR: Any = _tomli.TOMLDecodeError
except (ImportError, AttributeError, ValueError):
    _FAST_LOADS, _FAST_ERROR = tomllib.loads, tomllib.TOMLDecodeError

#: Brackets and braces beyond which a text goes to tomllib itself: the compiled parser nests deeper before
#: its RecursionError than the pure-Python one, and below this neither comes near it.
_FAST_NESTING = 200
#: A string of parsed TOML can hold a control character only through an escape or as a raw C1 character.
_MAY_HOLD_CONTROLS = re.compile(r"[\\\x7f-\x9f]")


def loads_toml_fast(text: str) -> dict[str, Any]:
    """:func:`loads_toml`'s answer and error, from the compiled ``tomli`` when it is installed.

    tomli 2.0 to 2.3 is the code of the standard library's ``tomllib`` compiled with mypyc (TOML 1.0, the
    same errors worded the same way), about twice as fast; a text nested deep goes to tomllib, whose
    RecursionError comes sooner.  The checks of :func:`check_data` run as a quick pass first, and in
    full only when it finds something, so the problem reported is the same.
    """
    if text.count("[") + text.count("{") > _FAST_NESTING:
        return loads_toml(text)
    try:
        data = _FAST_LOADS(text)
    except _FAST_ERROR as exc:
        raise _syntax(exc, text) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:  # an integer of thousands of digits
        raise _huge(exc) from None
    if not _clean(data, 0, _MAY_HOLD_CONTROLS.search(text) is not None):
        _first(check_data(data))
    return data


def read_toml(path: Path | str) -> dict[str, Any]:
    """:func:`read_text` then :func:`loads_toml`."""
    return loads_toml(read_text(path))


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ReadError(f"an integer of {len(text.lstrip('-'))} digits; the limit is {MAX_DIGITS}")
    return int(text)


def loads_json(text: str) -> Any:
    """Parse JSON and check it with :func:`check_data` (integers up to :data:`MAX_DIGITS` digits).

    :raises ReadError: for invalid JSON (the message has the line) or the first problem found.
    """
    try:
        data = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise ReadError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ReadError(f"nested more than {MAX_DEPTH} levels deep; the limit is {MAX_DEPTH}") from None
    _first(check_data(data, int64=False))
    return data


def read_json(path: Path | str) -> Any:
    """:func:`read_text` then :func:`loads_json`."""
    return loads_json(read_text(path))
