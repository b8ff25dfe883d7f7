"""The command line's parser: argparse's, with its own words in Chinese for the clerks' commands.

``checkframe inspect`` and ``checkframe ledger`` are read by clerks and inspectors, so their help and usage
errors are Chinese throughout: argparse's frame (``usage:``, ``options``, ``error: argument --to: ...``) as
well as checkframe's texts.  A :class:`Parser` made with ``language="zh"`` words that frame in Chinese, and so
do the parsers of its subcommands; the developers' commands keep argparse's English.

argparse builds its messages from fixed English templates; :func:`usage_message` puts the ones a command line
can meet into Chinese, and leaves a message it does not know as it is.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from checkframe.util.tables import width as columns

__all__ = ["Parser", "usage_message", "wrap_columns"]

#: Where the parser that parsed a command's last words notes itself in the namespace (see Parser.parse_args).
_LEAF = "_checkframe_parser"

#: argparse's messages for what is missing: a required option or positional, one of a required group.
_MISSING = re.compile(r"the following arguments are required: .+|one of the arguments .+ is required")


class _Refused(Exception):
    """A usage error met while the parser looks again for the words it does not know (see Parser.error)."""


class _ChineseFormatter(argparse.HelpFormatter):
    """Usage and help with Chinese headings.  The usage is laid out after argparse's ``usage: `` and given
    ``用法： `` in its place, as wide on a terminal (argparse counts characters, not columns, when it indents
    the usage's next lines)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        """The help text in lines of at most ``width`` columns on a terminal, where a Chinese character takes two
        (argparse counts characters): a line may break between two Chinese characters, not inside a word of
        letters and digits, and not before a closing mark such as ，or ）."""
        return wrap_columns(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        """A description, wrapped as :meth:`_split_lines` wraps help."""
        return "\n".join(indent + line for line in wrap_columns(" ".join(text.split()), width - len(indent)))

    def format_help(self) -> str:
        text = super().format_help()
        if text.startswith("usage: "):
            text = "用法： " + text[len("usage: "):]
        return text.replace("\n参数:\n", "\n参数：\n").replace("\n选项:\n", "\n选项：\n")


class Parser(argparse.ArgumentParser):
    """An argument parser whose frame is in ``language`` (``"en"``: argparse's own; ``"zh"``: Chinese).

    Its subcommands' parsers get the same language.  Arguments that a subcommand does not know are reported
    by that subcommand's parser, in its language, with its usage.
    """

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any) -> None:
        self.language = language
        if language == "zh":
            kwargs.setdefault("formatter_class", _ChineseFormatter)
            if sys.version_info >= (3, 14):  # argparse's colours would wrap the words put into Chinese here
                kwargs.setdefault("color", False)
            add_help = kwargs.pop("add_help", True)
            kwargs["add_help"] = False  # added below, in Chinese
            super().__init__(*args, **kwargs)
            self._positionals.title = "参数"
            self._optionals.title = "选项"
            if add_help:
                self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")
        else:
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("parser_class", functools.partial(Parser, language=self.language))
        return super().add_subparsers(**kwargs)

    _words: list[str] | None = None
    _again = False

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        self._words = list(sys.argv[1:] if args is None else args)  # what error() parses again
        parsed, extras = super().parse_known_args(args, namespace)
        if not hasattr(parsed, _LEAF):  # a subcommand's parser finishes first and notes itself
            setattr(parsed, _LEAF, self)
        return parsed, extras

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        leaf = vars(parsed).pop(_LEAF, self)
        if extras:
            leaf.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed

    def error(self, message: str) -> NoReturn:
        """Exit 2 with the usage and ``message``; with what is missing, the words it does not know too.

        argparse stops at the first missing argument before it looks at the words left over, so
        ``--bogus`` with a required option missing would be told only once the option is given: the
        words are parsed again with nothing required, and what is left over is said on a line of its own.
        """
        if self._again:
            raise _Refused(message)
        messages = [message]
        if _MISSING.fullmatch(message):
            extras = self._unknown_words()
            if extras:
                messages.insert(0, f"unrecognized arguments: {' '.join(extras)}")
        near = self._near_choice(message)
        self.print_usage(sys.stderr)
        if self.language != "zh":
            lines = [f"{self.prog}: error: {m}" for m in messages]
            if near is not None:
                value, name, parser = near
                lines[-1] += f"; did you mean {name!r}?"
                if parser is not None and parser.language == "zh":  # a clerk's command: said to the clerk too
                    lines.append(f'{self.prog} 用法有误：没有命令 {_value(value)}；是否想写 "{name}"？')
            self.exit(2, "".join(f"{line}\n" for line in lines))
        lines = [f"{self.prog} 用法有误：{usage_message(m)}" for m in messages]
        if near is not None:
            lines[-1] += f'；是否想写 "{near[1]}"？'
        self.exit(2, "".join(f"{line}\n" for line in lines))

    def _unknown_words(self) -> list[str]:
        """The words of the last parse that this parser does not know, found with nothing required."""
        if self._words is None:
            return []
        required = [a for a in self._actions if a.required] + [g for g in self._mutually_exclusive_groups if g.required]
        self._again = True
        try:
            for each in required:
                each.required = False
            _, extras = argparse.ArgumentParser.parse_known_args(self, self._words, argparse.Namespace())
        except (_Refused, SystemExit):
            return []  # another mistake: the missing argument is told alone, as argparse tells it
        finally:
            for each in required:
                each.required = True
            self._again = False
        return extras

    def _near_choice(self, message: str) -> tuple[str, str, Parser | None] | None:
        """For argparse's message of a value not among an argument's choices (a subcommand, ``--by``): the value
        as argparse quotes it, the choice nearest it and, for a subcommand, its parser; None for any other
        message, or when no choice is near (difflib's ratio from 0.65: "nwe" is near "new", "county" not near "unit")."""
        match = re.fullmatch(r"argument (?P<name>\S+): invalid choice: (?P<value>'.*?') \(choose from .*\)", message,
                             re.DOTALL)
        if match is None:
            return None
        action = next((a for a in self._actions if argparse._get_action_name(a) == match["name"]), None)
        choices = list(action.choices or ()) if action is not None else []
        found = difflib.get_close_matches(match["value"][1:-1], [str(c) for c in choices], n=1, cutoff=0.65)
        if not found:
            return None
        parser = action.choices.get(found[0]) if isinstance(action, argparse._SubParsersAction) else None
        return match["value"], found[0], parser if isinstance(parser, Parser) else None


#: What a line may break between: a run of letters, digits and other marks that are not spaces or Chinese
#: (--as-of, records/*.toml, $CHECKFRAME_JOBS), one Chinese character or mark, or spaces.
_UNITS = re.compile(r"\s+|[^\s\u2e80-\uffff]+|.")
#: Marks that end a line rather than begin one, and those that begin one rather than end it.
_CLOSING = frozenset("，。、；：！？）》」』】〕”’")
_OPENING = frozenset("（《「『【〔“‘")


def wrap_columns(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal columns (a unit wider than that on a line of its own)."""
    lines: list[list[str]] = [[]]
    used = 0
    for unit in _UNITS.findall(text):
        if unit.isspace():
            if lines[-1]:
                lines[-1].append(" ")
                used += 1
            continue
        size = columns(unit)
        if used + size > width and lines[-1]:
            line = lines[-1]
            while line and line[-1] == " ":
                line.pop()
            # ，never starts a line (the character before it goes down with it), （ never ends one.
            carried: list[str] = []
            while len(line) > 1 and (line[-1][0] in _OPENING
                                     or (unit[0] in _CLOSING and (not carried or carried[0][0] in _CLOSING))):
                carried.insert(0, line.pop())
            while line and line[-1] == " ":
                line.pop()
            lines.append(carried)
            used = sum(map(columns, carried))
        lines[-1].append(unit)
        used += size
    return ["".join(line).rstrip() for line in lines if line]


def _values(text: str, quoted: bool = True) -> str:
    """argparse's list of names or choices (``'show', 'report'`` or ``--from, --to``) as a Chinese list; the
    choices without their quotes unless ``quoted``."""
    return "、".join(_value(item) if quoted else item.strip("'") for item in text.split(", "))


def _value(text: str) -> str:
    """A value as argparse quotes it (``'nope'``), as the Chinese messages quote one (``"nope"``)."""
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return f'"{text[1:-1]}"'
    return text


_Rule = tuple["re.Pattern[str]", Callable[["re.Match[str]"], str]]

#: What an argument's own message says (after ``argument --x:``), in Chinese: argparse's English templates.
_ARGUMENT: list[_Rule] = [
    (re.compile(r"invalid choice: (?P<value>.+?) \(choose from (?P<choices>.*)\)"),
     lambda m: f" 的取值 {_value(m['value'])} 无效（可选：{_values(m['choices'], quoted=False)}）"),
    (re.compile(r"expected one argument"), lambda m: " 后须跟一个值"),
    (re.compile(r"expected at least one argument"), lambda m: " 后须跟至少一个值"),
    (re.compile(r"expected (?P<count>\d+) arguments?"), lambda m: f" 后须跟 {m['count']} 个值"),
    (re.compile(r"invalid \S+ value: (?P<value>.+)"), lambda m: f" 的取值 {_value(m['value'])} 无效"),
    (re.compile(r"not allowed with argument (?P<other>.+)"), lambda m: f" 不能与 {m['other']} 同时使用"),
    (re.compile(r"ignored explicit argument (?P<value>.+)"), lambda m: f" 不带取值（现为 {_value(m['value'])}）"),
]

#: argparse's whole messages, in Chinese.
_MESSAGES: list[_Rule] = [
    (re.compile(r"the following arguments are required: (?P<names>.+)"),
     lambda m: f"缺少必需的参数 {_values(m['names'])}"),
    (re.compile(r"unrecognized arguments: (?P<words>.+)"), lambda m: f"无法识别的参数 {m['words']}"),
    (re.compile(r"one of the arguments (?P<names>.+) is required"), lambda m: f"须给出 {_values(m['names'])} 之一"),
    (re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)"),
     lambda m: f"选项 {m['option']} 不明确，可指 {_values(m['matches'])}"),
    (re.compile(r"argument (?P<name>[^:]+): (?P<message>.+)", re.DOTALL), lambda m: _argument(m["name"], m["message"])),
]


def _argument(name: str, message: str) -> str:
    for pattern, words in _ARGUMENT:
        match = pattern.fullmatch(message)
        if match:
            return name.split("/")[-1] + words(match)
    return f"{name.split('/')[-1]} {message}"  # checkframe's own (a type's Chinese message): 应为日期……


def usage_message(message: str) -> str:
    """argparse's usage error ``message`` in Chinese; a message of checkframe's own (already Chinese) as it is."""
    for pattern, words in _MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            return words(match)
    return message
