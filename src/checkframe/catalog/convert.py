"""The one cattrs converter that structures TOML and JSON into the model, and its messages.

``make_converter(authoring=True)`` is for files people write (unknown keys and
the fields the loader fills in are refused); ``authoring=False`` reads
checkframe's own export back.  :func:`errors_of` flattens what cattrs raises
into ``(key path, message)`` pairs, every problem of a file at once, in English
for plugin authors; :func:`structure_errors` leaves the words to the reader's language
(:mod:`checkframe.messages`), which the ledger's records say in Chinese.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import typing
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from checkframe.errors import closest
from checkframe.messages import ENGLISH, Choices, Message, Names, Shown, key_path, say
from checkframe.model import (
    Checklist,
    Checkpoint,
    Group,
    Invalid,
    RemediationCategory,
    Sector,
    _Labelled,
)

__all__ = [
    "LOADER_FIELDS",
    "WrongType",
    "errors_of",
    "is_variadic_tuple",
    "make_converter",
    "quote_message",
    "structure_errors",
    "unknown_key",
    "unquote_message",
    "wrong_type",
]

# -- The converter -----------------------------------------------------------------------

#: Fields that the loader fills in; an author who writes them gets an "unknown key".
LOADER_FIELDS: dict[type, frozenset[str]] = {
    Sector: frozenset({"plugin", "scope"}),
    Group: frozenset({"sector"}),
    Checkpoint: frozenset({"sector", "group"}),
    Checklist: frozenset({"sector", "checkpoints"}),
    RemediationCategory: frozenset({"plugin"}),
}


class WrongType(TypeError):
    """A value of the wrong TOML type; the message is complete (a :class:`~checkframe.messages.Message`, or text)."""

    def __init__(self, message: str | Message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def quote_message(value: Any) -> Message | None:
    """:func:`~checkframe.model.quote_hint` as a message: for a value that is text only when quoted."""
    if isinstance(value, (dict, list, str)):
        return None
    return Message("quote_hint", value=value)


def unquote_message(value: Any, kind: type) -> Message | None:
    """:func:`~checkframe.model.unquote_hint` as a message: for text that would be right unquoted."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if kind is bool and text in ("true", "false"):
        return Message("unquote_hint", text=text)
    if kind is int and re.fullmatch(r"[+-]?\d+", text):
        return Message("unquote_hint", text=int(text))
    return None


def wrong_type(noun: str, value: Any, hint: Message | None = None) -> WrongType:
    """A value that is not of the TOML type ``noun``: str, bool, int, float, array or table."""
    return WrongType(Message("wrong_type", noun=noun, got=Shown(value), hint=hint))


def _strict(kind: type, noun: str) -> Callable[[Any, type], Any]:
    def hook(value: Any, _: type) -> Any:
        # bool is a subclass of int: a TOML true is not a number.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise wrong_type(noun, value, quote_message(value) if kind is str else unquote_message(value, kind))
        return value

    return hook


def _enum_hook(value: Any, kind: type[enum.Enum]) -> enum.Enum:
    if not isinstance(value, str):
        raise WrongType(Message("not_one_of", choices=Choices(kind), got=Shown(value)))
    try:
        return kind(value)
    except ValueError:
        near = closest(value, [str(member.value) for member in kind])
        raise Invalid(Message("not_one_of", choices=Choices(kind), got=Shown(value), near=near)) from None


def _date_hook(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.datetime):
        raise WrongType(Message("date_time", got=Shown(value)))
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise WrongType(Message("date", got=Shown(value)))


def is_variadic_tuple(kind: Any) -> bool:
    args = typing.get_args(kind)
    return typing.get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis


def _fields_of(kind: type, authoring: bool) -> list[str]:
    hidden = LOADER_FIELDS.get(kind, frozenset()) if authoring else frozenset()
    return [a.name for a in attrs.fields(kind) if a.name not in hidden]


def unknown_key(key: str, known: list[str], kind: type | None = None) -> Invalid:
    if kind is not None and key in LOADER_FIELDS.get(kind, ()):
        return Invalid(Message("loader_field", key=key), key=key)
    return Invalid(Message("unknown_key", key=key, near=closest(key, known),
                           otherwise=Message("known_keys", keys=Names(known))), key=key)


def make_converter(*, authoring: bool = True) -> cattrs.Converter:
    """Build the converter.

    ``authoring=True`` is the converter for files that people write: unknown
    keys and the fields the loader fills in are refused.  ``authoring=False``
    reads checkframe's own export back, loader fields included.
    """
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(str, _strict(str, "str"))
    converter.register_structure_hook(bool, _strict(bool, "bool"))
    converter.register_structure_hook(int, _strict(int, "int"))
    converter.register_structure_hook(dt.date, _date_hook)
    converter.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    # The model's enums are str subclasses: register them where dispatch meets them before str.
    for base_kind in (_Labelled, enum.Enum):
        converter.register_structure_hook(base_kind, _enum_hook)
        converter.register_unstructure_hook(base_kind, lambda e: e.value)

    def tuple_hook_factory(kind: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        inner = typing.get_args(kind)[0]
        structure_inner = converter.get_structure_hook(inner)

        def hook(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise wrong_type("array", value)
            items, errors = [], []
            for index, element in enumerate(value):
                try:
                    items.append(structure_inner(element, inner))
                except Exception as exc:  # noqa: BLE001 - every problem is collected
                    exc.__notes__ = [*getattr(exc, "__notes__", []), IterableValidationNote(
                        f"Structuring {kind} @ index {index}", index, inner
                    )]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {kind!r}", errors, kind)
            return tuple(items)

        return hook

    converter.register_structure_hook_factory(is_variadic_tuple, tuple_hook_factory)

    def class_hook_factory(kind: type) -> Callable[[Any, type], Any]:
        known = _fields_of(kind, authoring)
        base: Callable[[Any, type], Any] = make_dict_structure_fn(kind, converter, _cattrs_forbid_extra_keys=False)
        validated = [a for a in attrs.fields(kind) if a.validator is not None and a.name in known]
        hints = typing.get_type_hints(kind)
        #: The validated fields that hold an array: their validator is run early on a list, others' on a string.
        arrays = {a.name for a in validated if is_variadic_tuple(hints.get(a.name))}

        def hook(value: Any, _: type) -> Any:
            if not isinstance(value, dict):
                raise wrong_type("table", value)
            # Report unknown keys, broken rules and wrong types of one table all at once:
            # attrs runs validators only once every field has structured.
            errors: list[Exception] = [unknown_key(key, known, kind) for key in value if key not in known]
            for attribute in validated:
                raw = value.get(attribute.name)
                if (isinstance(raw, str) and attribute.name not in arrays) or (
                    isinstance(raw, list) and all(isinstance(x, str) for x in raw) and attribute.name in arrays
                ):
                    try:
                        attribute.validator(None, attribute, tuple(raw) if isinstance(raw, list) else raw)
                    except Invalid as exc:
                        errors.append(exc)
                    except (TypeError, AttributeError):
                        pass  # the wrong type is reported when the field is structured
            if not errors:
                return base(value, kind)
            try:
                base({k: v for k, v in value.items() if k in known}, kind)
            except ClassValidationError as exc:
                errors.extend(exc.exceptions)
            except (Invalid, WrongType) as exc:
                errors.append(exc)
            # A validator that failed in the first pass fails again in __init__: keep it once.
            unique = {(type(e), str(e), getattr(e, "key", None)): e for e in errors}
            errors = list(unique.values())
            raise ClassValidationError(f"While structuring {kind.__name__}", errors, kind)

        return hook

    converter.register_structure_hook_factory(attrs.has, class_hook_factory)
    return converter


def _message_of(exc: BaseException, segments: tuple[str | int, ...]) -> Message | str:
    if isinstance(exc, (Invalid, WrongType)):
        return exc.message
    if isinstance(exc, KeyError):
        return Message("required_key", key=segments[-1] if segments else "")
    if isinstance(exc, ForbiddenExtraKeysError):
        return Message("invalid", detail="unknown keys: " + ", ".join(sorted(exc.extra_fields)))
    if isinstance(exc, (ValueError, TypeError)):
        return Message("invalid", detail=f"invalid value ({exc})")
    return Message("invalid", detail=f"{type(exc).__name__}: {exc}")


def structure_errors(exc: BaseException, segments: tuple[str | int, ...] = ()) -> Iterator[
        tuple[tuple[str | int, ...], Message | str]]:
    """Flatten a cattrs exception into ``(keys and indexes, message)`` pairs, words left to the reader's language."""
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            step = note.index if isinstance(note, IterableValidationNote) else note.name
            yield from structure_errors(sub, (*segments, step))
        for sub in without:
            yield from structure_errors(sub, segments)
        return
    key = getattr(exc, "key", None)
    where = (*segments, key) if key else segments
    yield where, _message_of(exc, where)


def errors_of(exc: BaseException, path: str = "$") -> Iterator[tuple[str, str]]:
    """Flatten a cattrs exception into ``(key path, message)`` pairs, in English (the catalog's readers)."""
    for segments, message in structure_errors(exc):
        yield path + key_path(segments)[1:], say(message, ENGLISH)
