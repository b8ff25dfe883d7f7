"""The JSON Schema of the content files: generated from the model, and in agreement with the loader.

Every sample, valid or not, is judged twice: by the loader (:func:`load_content_dir`
on a content folder holding it) and by the ``jsonschema`` validator with the
generated schema.  Both must accept it or both refuse it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
import tomli_w

import checkframe.cli as cli
from checkframe.catalog.content import load_content_dir
from checkframe.catalog.schema import KINDS, SchemaError, _Builder, schema_for, schema_json
from checkframe.model import FIELD_LABELS, HazardLevel, RequiredField

ROOT = Path(__file__).parents[2]
BUILTIN = ROOT / "src/checkframe/builtin/content"
REAL = sorted(
    [*ROOT.glob("plugins/*/src/*/content/**/*.toml"), *BUILTIN.glob("*.toml")]
)
SECTOR = {"sector": {"id": "demo", "name": "测试行业"}, "document": [{"id": "law", "title": "安全生产法"}]}


def kind_of(path: Path) -> str:
    return "checkpoints" if path.parent.name == "checkpoints" else path.stem


def rel_of(kind: str) -> str:
    return "checkpoints/01-sample.toml" if kind == "checkpoints" else KINDS[kind].path


def _search_as_editors_do(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """``pattern`` as ECMA-262 and Rust's regex read it: ``$`` is the end of the text.

    Python's ``$`` also matches before a final newline, so jsonschema's own
    check would pass ``"abc\\n"`` as an id that every editor refuses.
    """
    if isinstance(instance, str) and not re.search(pattern.replace("$", r"\Z"), instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _search_as_editors_do})


def as_editors_see(value: Any) -> Any:
    """TOML as JSON, the way taplo hands it to a schema: dates and times become ISO text."""
    if isinstance(value, dict):
        return {k: as_editors_see(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editors_see(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def loader_problems(tmp_path: Path, kind: str, data: dict[str, Any]) -> list[str]:
    """The problems the loader reports in the sample's own file."""
    root = Path(tmp_path) / f"content-{len(list(Path(tmp_path).iterdir()))}"
    rel = rel_of(kind)
    files = {rel: data} if kind == "sector" else {"sector.toml": SECTOR, rel: data}
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(tomli_w.dumps(content), encoding="utf-8")
    problems: list = []
    load_content_dir(root, "sample", problems)
    return [str(p) for p in problems if p.file == rel]


def schema_errors(kind: str, data: dict[str, Any]) -> list[str]:
    validator = Validator(schema_for(kind))
    return [e.message for e in validator.iter_errors(as_editors_see(data))]


def verdicts(tmp_path: Path, kind: str, data: dict[str, Any]) -> tuple[bool, bool]:
    return not loader_problems(tmp_path, kind, data), not schema_errors(kind, data)


# -- The schema itself -------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_schema_is_valid_draft_2020_12_and_stable(kind):
    schema = schema_for(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema_json(kind) == schema_json(kind)
    assert schema_json(kind) == json.dumps(json.loads(schema_json(kind)), ensure_ascii=False, indent=2,
                                           sort_keys=True) + "\n"


def test_schema_follows_the_model():
    defs = schema_for("checkpoints")["$defs"]
    checkpoint = defs["Checkpoint"]
    assert checkpoint["additionalProperties"] is False
    assert checkpoint["required"] == ["id", "title", "what"]
    assert "sector" not in checkpoint["properties"] and "group" not in checkpoint["properties"]  # set by the loader
    assert checkpoint["properties"]["what"]["title"] == FIELD_LABELS["what"] == "检查内容"
    assert checkpoint["properties"]["what"]["description"] == "Markdown: what to check (检查内容)."
    assert checkpoint["properties"]["level"] == {"$ref": "#/$defs/HazardLevel", "default": "general", "title": "隐患等级"}
    assert defs["HazardLevel"]["enum"] == [m.value for m in HazardLevel]
    assert defs["HazardLevel"]["x-taplo"] == {"docs": {"enumValues": ["一般事故隐患", "重大事故隐患"]}}
    assert defs["LegalBasis"]["properties"]["document"]["description"] == "The Document id."
    remediation = schema_for("remediation")["$defs"]
    assert remediation["RequiredField"]["enum"] == [m.value for m in RequiredField]
    assert remediation["RemediationCategory"]["properties"]["levels"]["minItems"] == 1
    checklists = schema_for("checklists")
    assert checklists["required"] == ["checklist"]
    assert checklists["$defs"]["Checklist"]["required"] == ["id", "title", "kind", "items"]
    assert schema_for("sector")["title"] == "checkframe content: sector.toml"


def test_new_fields_follow_the_model():
    """A field added to a file class (a content-format key, say) appears with no change to the generator."""
    @attrs.frozen
    class Versioned:
        issued: dt.date
        #: The content-format version the file is written for.
        format: int = 1

    schema = _Builder().object_schema(Versioned)
    assert schema["properties"] == {
        "issued": {"type": "string", "format": "date"},
        "format": {"type": "integer", "default": 1, "description": "The content-format version the file is written for."},
    }
    assert schema["required"] == ["issued"]


def test_a_validator_without_a_rule_stops_the_generator():
    def _odd(instance, attribute, value):
        pass

    @attrs.frozen
    class Strange:
        name: str = attrs.field(validator=_odd)

    with pytest.raises(SchemaError, match=r"^Strange.name: no JSON Schema for the validator <function"):
        _Builder().object_schema(Strange)


# -- Agreement with the loader -----------------------------------------------------------


def test_there_are_real_samples_of_every_kind():
    assert {kind_of(p) for p in REAL} == set(KINDS)
    assert len(REAL) > 40


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_real_content_file_is_accepted_by_both(tmp_path, path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    kind = kind_of(path)
    assert loader_problems(tmp_path, kind, data) == []
    assert schema_errors(kind, data) == []


LONG_ID = "a" * 64
VALID: list[tuple[str, str, dict[str, Any]]] = [
    ("minimal sector", "sector", {"sector": {"id": "x", "name": "某行业"}}),
    ("sector, every field", "sector", {
        "sector": {"id": "x_y-2", "name": "某行业", "regulator": "应急管理局", "maintainer": "某局",
                   "description": "**说明**", "sources": ["law"]},
        "document": [{"id": "law", "title": "法", "number": "第1号", "issuer": "国务院", "date": "2021-06-10",
                      "confirmed": False, "note": "待核实"}],
    }),
    ("minimal group", "checkpoints", {"group": {"id": "g", "title": "类别"},
                                      "checkpoint": [{"id": "c-1", "title": "标题", "what": "内容"}]}),
    ("group without checkpoints", "checkpoints", {"group": {"id": "g", "title": "类别"}, "checkpoint": []}),
    ("checkpoint, every field", "checkpoints", {
        "group": {"id": "g", "title": "类别", "description": "说明"},
        "checkpoint": [{"id": LONG_ID, "title": "标题", "what": "内容", "how": ["现场检查", "查阅资料"], "level": "major",
                        "remediation": ["listed_supervision"], "scope": ["retail", "under_ground"],
                        "basis": [{"document": "law", "article": "第五条", "item": "（一）", "confirmed": False,
                                   "note": "条文待核实"}]}],
    }),
    ("checklist", "checklists", {"checklist": [{"id": "l", "title": "表", "kind": "supervision",
                                                "items": ["demo/g", "c-1"], "scope": "零售", "description": "说明"}]}),
    ("checklist without items", "checklists", {"checklist": [{"id": "l", "title": "表", "kind": "self_inspection",
                                                              "items": []}]}),
    ("category", "remediation", {"category": [{"code": "stop", "name": "停产整顿", "levels": ["major"],
                                               "requires": ["deadline", "responsible_person"], "description": "说明"}]}),
]


def _group() -> dict[str, Any]:
    return copy.deepcopy(VALID[4][2])


def _edit(kind: str, base: int, change: Callable[[dict[str, Any]], Any]) -> tuple[str, dict[str, Any]]:
    data = copy.deepcopy(VALID[base][2])
    change(data)
    return kind, data


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets ``a.b[0].c`` to ``value``."""
    def change(data: dict[str, Any]) -> None:
        *head, last = re.findall(r"\w+|\[\d+\]", path)
        target: Any = data
        for part in head:
            target = target[int(part[1:-1])] if part.startswith("[") else target[part]
        target[last] = value
    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *head, last = path.split(".")
        target: Any = data
        for part in head:
            name, _, index = part.partition("[")
            target = target[name][int(index[:-1])] if index else target[name]
        del target[last]
    return change


INVALID: dict[str, tuple[str, int, Callable[[dict[str, Any]], Any]]] = {
    "unknown top-level key": ("sector", 1, _set("extra", 1)),
    "unknown key in [sector]": ("sector", 1, _set("sector.colour", "red")),
    "loader field in [sector]": ("sector", 1, _set("sector.plugin", "me")),
    "bad sector id": ("sector", 1, _set("sector.id", "Coal Mine")),
    "id with a final newline": ("sector", 1, _set("sector.id", "coal\n")),
    "id of 65 characters": ("sector", 1, _set("sector.id", "a" * 65)),
    "blank name": ("sector", 1, _set("sector.name", " \u3000")),
    "name of the wrong type": ("sector", 1, _set("sector.name", 3)),
    "bad id in sources": ("sector", 1, _set("sector.sources", ["law", "Law"])),
    "missing [sector]": ("sector", 1, _drop("sector")),
    "document without a title": ("sector", 1, _drop("document[0].title")),
    "confirmed as text": ("sector", 1, _set("document[0].confirmed", "yes")),
    "document as a table": ("sector", 1, _set("document", {"id": "law", "title": "法"})),
    "bad level": ("checkpoints", 4, _set("checkpoint[0].level", "big")),
    "level as a number": ("checkpoints", 4, _set("checkpoint[0].level", 1)),
    "checkpoint without what": ("checkpoints", 4, _drop("checkpoint[0].what")),
    "empty what": ("checkpoints", 4, _set("checkpoint[0].what", "")),
    "loader field in a checkpoint": ("checkpoints", 4, _set("checkpoint[0].sector", "demo")),
    "unknown key in a checkpoint": ("checkpoints", 4, _set("checkpoint[0].levle", "major")),
    "remediation listed twice": ("checkpoints", 4, _set("checkpoint[0].remediation", ["deadline", "deadline"])),
    "bad scope tag": ("checkpoints", 4, _set("checkpoint[0].scope", ["Retail"])),
    "how as a string": ("checkpoints", 4, _set("checkpoint[0].how", "现场检查")),
    "basis without a document": ("checkpoints", 4, _drop("checkpoint[0].basis[0].document")),
    "basis as a string": ("checkpoints", 4, _set("checkpoint[0].basis", "law")),
    "group without a title": ("checkpoints", 4, _drop("group.title")),
    "no [[checkpoint]]": ("checkpoints", 4, _drop("checkpoint")),
    "checklist without a kind": ("checklists", 5, _drop("checklist[0].kind")),
    "bad kind": ("checklists", 5, _set("checklist[0].kind", "form")),
    "item listed twice": ("checklists", 5, _set("checklist[0].items", ["c-1", "c-1"])),
    "items as a string": ("checklists", 5, _set("checklist[0].items", "c-1")),
    "loader field in a checklist": ("checklists", 5, _set("checklist[0].checkpoints", ["c-1"])),
    "no levels": ("remediation", 7, _set("category[0].levels", [])),
    "bad level in levels": ("remediation", 7, _set("category[0].levels", ["big"])),
    "unknown required field": ("remediation", 7, _set("category[0].requires", ["fee"])),
    "required field twice": ("remediation", 7, _set("category[0].requires", ["deadline", "deadline"])),
    "bad code": ("remediation", 7, _set("category[0].code", "停产")),
    "category without a name": ("remediation", 7, _drop("category[0].name")),
}


@pytest.mark.parametrize(("name", "kind", "data"), VALID, ids=[v[0] for v in VALID])
def test_valid_samples_are_accepted_by_both(tmp_path, name, kind, data):
    assert loader_problems(tmp_path, kind, data) == []
    assert schema_errors(kind, data) == []


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_samples_are_refused_by_both(tmp_path, name):
    kind, base, change = INVALID[name]
    kind, data = _edit(kind, base, change)
    assert loader_problems(tmp_path, kind, data) != []
    assert schema_errors(kind, data) != []


def test_invalid_edits_of_real_files_are_refused_by_both(tmp_path):
    """Each real file broken in one way (an unknown key, a bad id) is refused by both."""
    disagreements = []
    for path in REAL:
        kind = kind_of(path)
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        array = next((k for k in data if isinstance(data[k], list)), None)  # checkpoint, checklist, category, document
        if array is None:
            continue  # a sector.toml that declares no document of its own: its [sector] table is tested elsewhere
        for label, change in [("unknown key", lambda e: e.update(colour="red")),
                              ("bad id", lambda e: e.update({"code" if "code" in e else "id": "Bad Id"}))]:
            broken = copy.deepcopy(data)
            change(broken[array][-1])
            loader, schema = verdicts(tmp_path, kind, broken)
            if loader or schema:
                disagreements.append((path.name, label, loader, schema))
    assert disagreements == []


def test_known_gap_a_toml_date_where_text_is_expected():
    """The one difference: an editor hands a TOML date to the schema as text, the loader wants a string.

    ``date = 2021-06-10`` (a TOML date, not ``"2021-06-10"``) is refused by the
    loader with a clear message and passed by the editor.
    """
    data = copy.deepcopy(VALID[1][2])
    data["document"][0]["date"] = dt.date(2021, 6, 10)
    assert schema_errors("sector", data) == []


def test_toml_date_is_refused_by_the_loader(tmp_path):
    data = copy.deepcopy(VALID[1][2])
    data["document"][0]["date"] = dt.date(2021, 6, 10)
    assert loader_problems(tmp_path, "sector", data) == [
        "sample: sector.toml:16: [[document]] law, date: expected a string"
        " (got 2021-06-10); 2021-06-10 is a date; write \"2021-06-10\" in quotes"
    ]


# -- The command ---------------------------------------------------------------------------


def test_cli_writes_one_kind_to_stdout(capsys):
    assert cli.main(["schema", "checkpoints"]) == 0
    assert capsys.readouterr().out == schema_json("checkpoints")


def test_cli_writes_every_kind_into_a_folder(tmp_path, capsys):
    assert cli.main(["schema", "-o", str(tmp_path / "schema")]) == 0
    assert sorted(p.name for p in (tmp_path / "schema").iterdir()) == [
        "checklists.schema.json", "checkpoints.schema.json", "remediation.schema.json", "sector.schema.json"]
    assert (tmp_path / "schema" / "sector.schema.json").read_text(encoding="utf-8") == schema_json("sector")
    assert cli.main(["schema", "sector", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "sector.schema.json").is_file()


def test_cli_refuses_no_kind_without_a_folder_and_a_missing_folder(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["schema"])
    assert info.value.code == 2
    assert "give a KIND (sector, checkpoints, checklists, remediation) or -o DIR" in capsys.readouterr().err
    assert cli.main(["schema", "sector", "-o", str(tmp_path / "no" / "x.json")]) == 1
    assert capsys.readouterr().err == f"error: cannot write {tmp_path / 'no' / 'x.json'}: there is no folder " \
                                      f"{(tmp_path / 'no').as_posix()!r}\n"


def test_committed_schemas_are_current_and_taplo_knows_them():
    """schema/ is what editors use through .taplo.toml; regenerate it with: checkframe schema -o schema/"""
    for kind in KINDS.values():
        committed = (ROOT / "schema" / kind.file_name).read_text(encoding="utf-8")
        assert committed == schema_json(kind.name), f"schema/{kind.file_name} is stale: run checkframe schema -o schema/"
    rules = tomllib.loads((ROOT / ".taplo.toml").read_text(encoding="utf-8"))["rule"]
    assert {r["schema"]["path"] for r in rules} == {f"./schema/{k.file_name}" for k in KINDS.values()}
    for rule in rules:
        kind = rule["schema"]["path"].removeprefix("./schema/").removesuffix(".schema.json")
        assert rule["include"] == [f"**/content/{KINDS[kind].path}"]
