"""The catalog as JSON for other tools, read back to an equal catalog: ``checkframe export``.

:func:`load_export` reads an export file for ``checkframe diff`` and the
handbook's changes page, or says in one line why it cannot.
"""

from __future__ import annotations

import json
from pathlib import Path

from checkframe.catalog.catalog import Catalog
from checkframe.catalog.convert import errors_of, make_converter

__all__ = ["EXPORT_FORMAT", "DiffInputError", "catalog_from_json", "catalog_to_json", "load_export"]

#: The version of the JSON export; bumped when a reader of the old one would misread it.
EXPORT_FORMAT = 1

_EXPORT = make_converter(authoring=False)


def catalog_to_json(catalog: Catalog) -> str:
    """The catalog as JSON for other tools; :func:`catalog_from_json` reads it back."""
    data = {"format": EXPORT_FORMAT, **_EXPORT.unstructure(catalog)}
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def catalog_from_json(text: str) -> Catalog:
    """Read an export written by :func:`catalog_to_json`."""
    data = json.loads(text)
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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DiffInputError(name, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DiffInputError(name, f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DiffInputError(name, f"not JSON ({exc.msg} at line {exc.lineno}); expected a file written by "
                                   "checkframe export") from None
    if not isinstance(data, dict) or "format" not in data or "checkpoints" not in data:
        raise DiffInputError(name, "not a checkframe export (no format and checkpoints); "
                                   "make one with: checkframe export -o FILE")
    if data["format"] != EXPORT_FORMAT:
        raise DiffInputError(name, f"export format {data['format']!r}, but this checkframe reads format "
                                   f"{EXPORT_FORMAT}; export it again with this version of checkframe")
    try:
        return catalog_from_json(text)
    except Exception as exc:  # noqa: BLE001 - cattrs groups every problem in one exception
        where, message = next(iter(errors_of(exc)), ("$", str(exc)))
        raise DiffInputError(name, f"{where}: {message}") from None
