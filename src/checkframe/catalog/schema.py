"""JSON Schema (draft 2020-12) for the content TOML files, generated from the model.

An editor that knows JSON Schema (Even Better TOML, through taplo) then checks
a content file as it is typed.  Nothing here is written by hand: each kind of
file is the attrs class that :mod:`checkframe.catalog.content` structures it into, and
the schema follows the classes' fields, types, defaults and validators:

* a field without a default is ``required``; the fields that the loader fills
  in (:data:`checkframe.catalog.convert.LOADER_FIELDS`) are left out, and every table
  is ``additionalProperties: false``, as the converter refuses unknown keys;
* an enum lists its values, and carries the Chinese labels for the editor;
* a validator of the model maps to the keywords in :data:`RULES`.  A validator
  with no entry there stops the generator, so a new rule in the model cannot
  be silently missing from the schema;
* ``#:`` comments above a field and a class's docstring become descriptions,
  and :data:`checkframe.model.FIELD_LABELS` the fields' Chinese titles.

The output is deterministic: keys sorted, ``$defs`` named after the classes.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import json
import re
import typing
from typing import Any

import attrs

from checkframe import model
from checkframe.catalog.content import ChecklistsFile, GroupFile, RemediationFile, SectorFile
from checkframe.catalog.convert import LOADER_FIELDS, is_variadic_tuple
from checkframe.model import FIELD_LABELS, ID_MAX_LENGTH, ID_PATTERN, _Labelled

__all__ = ["KINDS", "RULES", "SchemaError", "schema_for", "schema_json"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"


@attrs.frozen
class Kind:
    """One kind of content file: where it lives in a content folder and what it holds."""

    name: str
    #: Where the file lives in a content folder (a glob for group files).
    path: str
    cls: type
    description: str

    @property
    def file_name(self) -> str:
        """The schema's file name when all are written into one folder."""
        return f"{self.name}.schema.json"


#: The content files of a plugin's content folder, by the name ``checkframe schema`` gives them.
KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("sector", "sector.toml", SectorFile,
         "行业领域及其依据文件。The sector ([sector]) and the documents ([[document]]) its checkpoints cite."),
    Kind("checkpoints", "checkpoints/*.toml", GroupFile,
         "一个类别及其检查项。One group ([group]) and its checkpoints ([[checkpoint]]); "
         "files are read in file-name order."),
    Kind("checklists", "checklists.toml", ChecklistsFile,
         "检查表。Checklists ([[checklist]]): ordered checkpoint ids and whole groups as sector/group."),
    Kind("remediation", "remediation.toml", RemediationFile,
         "整改类别。Extra remediation categories ([[category]]), such as a production stop."),
]}

_ID = {"pattern": ID_PATTERN.pattern, "maxLength": ID_MAX_LENGTH}

#: What each validator of the model means in JSON Schema.
RULES: dict[Any, dict[str, Any]] = {
    model._id: _ID,
    model._ids: {"items": _ID},
    model._not_blank: {"pattern": r"\S"},
    # The form of a date of issue; the editor cannot tell 2023-02-30 from a real day, `checkframe validate` can.
    model._as_written: {"not": {"pattern": r"^\s*[0-9]+\s*$"}},
    model._issue_date: {"pattern": rf"^({model.ISSUE_DATE.pattern})?$"},
    model._unique: {"uniqueItems": True},
    model.RemediationCategory._some_level: {"minItems": 1},
}


class SchemaError(Exception):
    """The model uses something the generator cannot express; extend :data:`RULES` or the type mapping."""


def _field_docs(cls: type) -> dict[str, str]:
    """The ``#:`` comments written above each field of a class."""
    try:
        lines = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):
        return {}
    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        found = re.match(r"(\w+)\s*:", stripped)
        if found and pending:
            docs[found.group(1)] = re.sub(r":\w+:`~?([^`]+)`", r"\1", " ".join(pending))  # Sphinx roles read as plain names
        pending = []
    return docs


def _class_doc(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


def _rules(validator: Any, where: str) -> dict[str, Any]:
    if validator is None:
        return {}
    inner = getattr(validator, "_validators", None)
    if inner is not None:  # attrs.validators.and_: a field validator and a @field.validator method
        merged: dict[str, Any] = {}
        for one in inner:
            merged.update(_rules(one, where))
        return merged
    if validator in RULES:
        return dict(RULES[validator])
    raise SchemaError(f"{where}: no JSON Schema for the validator {validator!r}; add it to checkframe.catalog.schema.RULES")


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def type_schema(self, kind: Any, where: str) -> dict[str, Any]:
        if kind is str:
            return {"type": "string"}
        if kind is bool:
            return {"type": "boolean"}
        if kind is int:
            return {"type": "integer"}
        if kind is dt.date:
            # Editors hand a TOML date to the schema as its ISO text; the loader takes either.
            return {"type": "string", "format": "date"}
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return self.ref(kind, self.enum_schema)
        if is_variadic_tuple(kind):
            return {"type": "array", "items": self.type_schema(typing.get_args(kind)[0], f"{where}[]")}
        if attrs.has(kind):
            return self.ref(kind, self.object_schema)
        raise SchemaError(f"{where}: no JSON Schema for the type {kind!r}")

    def ref(self, kind: type, make: Any) -> dict[str, Any]:
        name = kind.__name__
        if name not in self.defs:
            self.defs[name] = {}  # placeholder: a class that refers to itself terminates
            self.defs[name] = make(kind)
        return {"$ref": f"#/$defs/{name}"}

    def enum_schema(self, kind: type[enum.Enum]) -> dict[str, Any]:
        members = list(kind)
        labels = [getattr(m, "label", "") for m in members]
        described = "; ".join(f"{m.value}: {label}" if label else str(m.value) for m, label in zip(members, labels,
                                                                                                     strict=True))
        schema: dict[str, Any] = {
            "type": "string",
            "enum": [m.value for m in members],
            "description": f"{_class_doc(kind)} ({described})",
        }
        if issubclass(kind, _Labelled):
            schema["x-taplo"] = {"docs": {"enumValues": labels}}
        return schema

    def object_schema(self, kind: type) -> dict[str, Any]:
        kind = attrs.resolve_types(kind)
        hidden = LOADER_FIELDS.get(kind, frozenset())
        docs = _field_docs(kind)
        properties: dict[str, Any] = {}
        required = []
        for attribute in attrs.fields(kind):
            if attribute.name in hidden:
                continue
            where = f"{kind.__name__}.{attribute.name}"
            schema = self.type_schema(attribute.type, where)
            schema = {**schema, **_rules(attribute.validator, where)}
            if attribute.name in FIELD_LABELS:
                schema["title"] = FIELD_LABELS[attribute.name]
            if attribute.name in docs:
                schema["description"] = docs[attribute.name]
            if attribute.default is attrs.NOTHING:
                required.append(attribute.name)
            elif not isinstance(attribute.default, attrs.Factory):  # type: ignore[arg-type]
                schema["default"] = _json_value(attribute.default)
            properties[attribute.name] = schema
        schema = {"type": "object", "properties": properties, "additionalProperties": False}
        if required:
            schema["required"] = required
        if doc := _class_doc(kind):
            schema["description"] = doc
        return schema


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if attrs.has(type(value)):
        return {k: _json_value(v) for k, v in attrs.asdict(value, recurse=False).items()}
    return value


def schema_for(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of content file (a key of :data:`KINDS`)."""
    spec = KINDS[kind]
    builder = _Builder()
    body = builder.object_schema(spec.cls)
    body["description"] = spec.description
    return {
        "$schema": DRAFT,
        "title": f"checkframe content: {spec.path}",
        **body,
        "$defs": dict(sorted(builder.defs.items())),
    }


def schema_json(kind: str) -> str:
    """:func:`schema_for` as stable JSON text: sorted keys, two-space indent, a final newline."""
    return json.dumps(schema_for(kind), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
