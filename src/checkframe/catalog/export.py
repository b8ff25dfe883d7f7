"""The catalog as JSON for other tools, read back to an equal catalog: ``checkframe export``.

:func:`load_export` reads an export file for ``checkframe diff`` and the
handbook's changes page, or says in one line why it cannot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

import attrs

from checkframe.catalog.catalog import Catalog
from checkframe.catalog.convert import errors_of, make_converter
from checkframe.model import Checkpoint
from checkframe.util.reading import ReadError, loads_json, read_text

__all__ = ["EXPORT_FORMAT", "DiffInputError", "catalog_from_json", "catalog_to_json", "checkpoint_json", "load_export"]

#: The version of the JSON export; bumped when a reader of the old one would misread it.
EXPORT_FORMAT = 1

_EXPORT = make_converter(authoring=False)


def catalog_to_json(catalog: Catalog, checkpoint_text: Callable[[Checkpoint], str] | None = None) -> str:
    """The catalog as JSON for other tools; :func:`catalog_from_json` reads it back.

    ``checkpoint_text`` gives each checkpoint's part of the text, as :func:`checkpoint_json` writes it: a caller
    that kept those of an earlier run (by :meth:`Catalog.fingerprint`) need not make them again.  The text is the
    same.
    """
    if checkpoint_text is not None and catalog.checkpoints:
        data = {"format": EXPORT_FORMAT, **_EXPORT.unstructure(attrs.evolve(catalog, checkpoints=()))}
        data["checkpoints"] = [_Written(checkpoint_text(c)) for c in catalog.checkpoints]
        out: list[str] = []
        try:
            _encode(data, "", out)
            return "".join(out) + "\n"
        except _Other:  # written by json.dumps: the checkpoints too
            pass
    data = {"format": EXPORT_FORMAT, **_EXPORT.unstructure(catalog)}
    return dumps_indented(data) + "\n"


#: Where :func:`catalog_to_json` writes each checkpoint: in the list of the top-level object.
_CHECKPOINT_INDENT = "    "


def checkpoint_json(checkpoint: Checkpoint) -> str:
    """One checkpoint's part of :func:`catalog_to_json`'s text, indented for its place there."""
    data = _EXPORT.unstructure(checkpoint)
    out: list[str] = []
    try:
        _encode(data, _CHECKPOINT_INDENT, out)
    except _Other:
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).replace("\n", "\n" + _CHECKPOINT_INDENT)
    return "".join(out)


@attrs.frozen
class _Written:
    """Text that :func:`_encode` puts in as it is."""

    text: str


def dumps_indented(data: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)``, the same text in half the time.

    With ``indent``, the standard library encodes in Python, through a generator per container; the
    export of a large catalog (the check code of every handbook page) took a quarter of a second of each
    build.  This writes the same text with strings, keys and numbers encoded as the standard library
    encodes them; anything else in ``data`` (a float, a key that is not a string) goes to ``json.dumps``.
    """
    out: list[str] = []
    try:
        _encode(data, "", out)
    except _Other:
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return "".join(out)


class _Other(Exception):
    """A value :func:`dumps_indented` leaves to ``json.dumps``."""


def _encode(value: Any, indent: str, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value is None:
        out.append("null")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        if not all(type(key) is str for key in value):
            raise _Other
        inner = indent + "  "
        between = ",\n" + inner
        out.append("{\n" + inner)
        for n, key in enumerate(sorted(value)):
            if n:
                out.append(between)
            out.append(encode_basestring(key) + ": ")
            _encode(value[key], inner, out)
        out.append("\n" + indent + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        between = ",\n" + inner
        out.append("[\n" + inner)
        for n, item in enumerate(value):
            if n:
                out.append(between)
            _encode(item, inner, out)
        out.append("\n" + indent + "]")
    elif kind is _Written:
        out.append(value.text)
    else:
        raise _Other


def catalog_from_json(text: str) -> Catalog:
    """Read an export written by :func:`catalog_to_json`."""
    return _structure(json.loads(text))


def _structure(data: dict[str, Any]) -> Catalog:
    data = dict(data)
    version = data.pop("format", None)
    if version != EXPORT_FORMAT:
        raise ValueError(f"expected an export of format {EXPORT_FORMAT} (got {version!r})")
    return _EXPORT.structure(data, Catalog)


class DiffInputError(Exception):
    """An input that is not a readable export; the message is one line: the file, then why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def load_export(path: Path | str) -> Catalog:
    """Read a ``checkframe export`` file, or say in one line why it cannot be read."""
    path = Path(path)
    name = path.as_posix()
    if not path.exists() and not path.is_symlink():
        raise DiffInputError(name, "no such file")
    try:
        data = loads_json(read_text(path))
    except ReadError as exc:
        reason = f"{exc.key}: {exc.message}" if exc.key else exc.message
        if exc.message.startswith("not JSON"):
            reason += "; expected a file written by checkframe export"
        raise DiffInputError(name, reason) from None
    if not isinstance(data, dict) or "format" not in data or "checkpoints" not in data:
        raise DiffInputError(name, "not a checkframe export (no format and checkpoints); "
                                   "make one with: checkframe export -o FILE")
    if data["format"] != EXPORT_FORMAT:
        raise DiffInputError(name, f"export format {data['format']!r}, but this checkframe reads format "
                                   f"{EXPORT_FORMAT}; export it again with this version of checkframe")
    try:
        return _structure(data)
    except Exception as exc:  # noqa: BLE001 - cattrs groups every problem in one exception
        where, message = next(iter(errors_of(exc)), ("$", str(exc)))
        raise DiffInputError(name, f"{where}: {message}") from None
