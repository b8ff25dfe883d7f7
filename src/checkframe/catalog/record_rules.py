"""The record rules as one description, for the handbook's fill-in mode and for ``checkframe inspect import``.

:func:`describe` turns the model (marks, form kinds, hazard levels, sources, supervision levels, stop
scopes, required fields) and the catalog (remediation categories with the fields each requires and the
levels each serves, a checklist's checkpoints with their levels) and the ledger's stop kinds into plain
JSON data.  The site build writes it into every checklist page (``static/fill-in.js`` reads it) and
:func:`check_record` applies it to a record before import, so the page and the ledger refuse the same
record with the same sentence: the messages are templates in the description itself.

tests/publish/test_fill_in.py feeds the same records to :func:`check_record` and to the script in
Chromium and compares the answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from checkframe.catalog.catalog import Catalog
from checkframe.messages import LONGEST_SHOWN, cut
from checkframe.model import (
    FORM_ANNEXES,
    FORMS,
    ID_MAX_LENGTH,
    ID_PATTERN,
    FindingSource,
    FormKind,
    HazardLevel,
    RequiredField,
    StopScope,
    SupervisionLevel,
)
from checkframe.plugins import Plugins, call_each
from checkframe.registers import LedgerRegister

__all__ = ["DATE_FIELDS", "MARKS", "MESSAGES", "check_record", "describe", "stop_kinds_of"]

#: Version of the description's shape; the script refuses a description it does not know.
VERSION = 1

#: The remediation fields that hold a date (the others are text, and supervision_level a choice).
DATE_FIELDS = frozenset({RequiredField.DEADLINE.value, RequiredField.NOTICE_DATE.value})

#: The marks of 附件2 as records write them (``checkframe.ledger.records.Mark``, one layer up; a test keeps them
#: equal) with the words the page shows beside each symbol.
MARKS = (("ok", "√", "符合"), ("fixing", "0", "正在整改"), ("fail", "×", "不符合"), ("", "", "不适用"))

#: What the person filling in reads when a rule is broken; ``{...}`` are filled by both sides alike.
MESSAGES: dict[str, str] = {
    "unit": "请填写被检查单位",
    "date": "请填写检查日期（如 2024-03-01）",
    "kind": "请选择检查类型：自查或督导检查",
    "checklist": "检查表“{checklist}”不是本手册的检查表",
    "mark": "第{n}项“{title}”的检查结果只能是 √、0、× 或不适用",
    "item_checkpoint": "检查项“{checkpoint}”不在检查表“{checklist}”上",
    "finding_id": "{subject}：隐患编号“{id}”须由小写字母、数字和“-”组成，以字母开头",
    "finding_id_twice": "{subject}：隐患编号“{id}”在本记录中重复",
    "finding_checkpoint": "{subject}：检查项“{checkpoint}”不在检查表“{checklist}”上",
    "description": "{subject}：请填写隐患描述",
    "level": "{subject}：请选择隐患等级",
    "level_reason": "{subject}：隐患等级与检查项的判定（{expected}）不同，请说明理由",
    "source": "{subject}：请选择隐患来源",
    "category": "{subject}：请选择整改方式",
    "category_level": "{subject}：{category}适用于{levels}，不适用于{level}",
    "required": "{subject}：{category}须填写{field}",
    "field_date": "{subject}：{field}须为有效日期（如 2024-03-31）",
    "supervision_level": "{subject}：请选择督办级别",
    "deadline_early": "{subject}：{field}不得早于检查日期",
    "stop_level": "{subject}：停产停业整改只适用于重大事故隐患",
    "stop_kind": "{subject}：请选择停产方式",
    "stop_scope": "{subject}：请选择全部停产停业或局部停产停业",
    # Only the ledger can tell (the page does not see the ledger folder):
    "unknown_unit": "被检查单位“{unit}”未在台账中登记（没有 units/{unit}.toml），请先登记该单位",
    "known_finding": "{subject}：隐患编号“{id}”已在台账中（{file}），请换一个编号",
    "imported": "该记录已导入台账（records/{file}），不再重复导入",
    "exists": "台账中已有另一份同名记录 records/{file}，请改名后再导入",
    "evidence_missing": "{subject}：照片“{file}”不在导入的文件中",
    "evidence_exists": "{subject}：台账中已有照片 {file}，请改名后再导入",
    "photo_exists": "台账中已有照片 {file}，导入会将其覆盖；请改名后再导入",
}


def _choices(kind: Any, labels: dict[str, str] | None = None) -> list[dict[str, str]]:
    return [{"code": m.value, "label": (labels or {}).get(m.value, m.label)} for m in kind]


def stop_kinds_of(plugins: Plugins) -> list[tuple[str, str]]:
    """The stop kinds (code, name) that the plugins' ``checkframe_register_ledger`` hooks register.

    The ledger gathers the same hook with its rules and reports a plugin's mistakes there
    (:func:`checkframe.ledger.rules.gather_ledger_rules`); here they are only left out.
    """
    kinds: dict[str, str] = {}
    for _, kwargs, failure in call_each(plugins, "checkframe_register_ledger",
                                        lambda info: {"register": LedgerRegister(info.name, [])}):
        if failure is None:
            for kind in kwargs["register"].stop_kinds:
                kinds.setdefault(kind.code, kind.name)
    return list(kinds.items())


def describe(catalog: Catalog, stop_kinds: Sequence[tuple[str, str]], checklist: str | None = None) -> dict[str, Any]:
    """The description as JSON data; with ``checklist``, its checkpoints (id, title, level, suggested routes).

    ``stop_kinds`` are (code, name) pairs: :func:`stop_kinds_of`, or the ledger's ``LedgerRules.stop_kinds``.
    """
    data: dict[str, Any] = {
        "version": VERSION,
        "id_pattern": ID_PATTERN.pattern,
        "id_max_length": ID_MAX_LENGTH,
        "marks": [{"code": code, "symbol": symbol, "label": label} for code, symbol, label in MARKS],
        "kinds": _choices(FormKind, {FormKind.SELF_INSPECTION.value: "自查", FormKind.SUPERVISION.value: "督导检查"}),
        "levels": _choices(HazardLevel),
        "sources": _choices(FindingSource),
        "default_source": {FormKind.SELF_INSPECTION.value: FindingSource.SELF.value,
                           FormKind.SUPERVISION.value: FindingSource.SUPERVISION.value},
        "supervision_levels": _choices(SupervisionLevel),
        "stop_scopes": _choices(StopScope),
        "stop_kinds": [{"code": code, "label": name} for code, name in stop_kinds],
        "fields": [{"code": f.value, "label": f.label,
                    "type": "date" if f.value in DATE_FIELDS else
                    "choice" if f is RequiredField.SUPERVISION_LEVEL else "text"} for f in RequiredField],
        # The unit sets its own fix in a self-inspection: no 指令书, so no order number (ledger: self_set).
        "waived": {FormKind.SELF_INSPECTION.value: [RequiredField.ORDER_NUMBER.value]},
        "categories": [{"code": c.code, "name": c.name, "levels": [lv.value for lv in c.levels],
                        "requires": [r.value for r in c.requires]} for c in catalog.categories],
        "messages": MESSAGES,
        # A value longer than this is cut in a message, with an ellipsis (the subject is cut where it is made).
        "longest_value": LONGEST_SHOWN,
        # The browser prints a filled record as the ledger does after import: the supervision record.
        "print": {"annex": FORM_ANNEXES["supervision-record"], "title": FORMS["supervision-record"]},
    }
    if checklist is not None:
        chosen = catalog.checklist(checklist)
        data["checklist"] = {"id": chosen.id, "title": chosen.title, "kind": chosen.kind.value}
        data["checkpoints"] = [{"id": c.id, "title": c.title, "level": c.level.value,
                                "remediation": list(c.remediation)}
                               for c in catalog.checklist_checkpoints(checklist)]
    return data


def _label(choices: list[dict[str, str]], code: Any) -> str:
    return next((c["label"] for c in choices if c["code"] == code), str(code))


def _date(value: Any) -> str | None:
    """An ISO date string, or None when ``value`` is not a date (TOML gives dates, the page strings)."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat() if len(value) == 10 else None
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _code(value: Any) -> str:
    """A value looked up by: a string, else "" (what is not one is the record reader's to report)."""
    return value if isinstance(value, str) else ""


def _tables(value: Any) -> list[dict[str, Any]]:
    """The entries of an array of tables, an entry that is not a table as an empty one (the reader reports it)."""
    return [v if isinstance(v, dict) else {} for v in value] if isinstance(value, list) else []


def check_record(record: dict[str, Any], description: dict[str, Any]) -> list[tuple[str, str]]:
    """Every rule of the description that ``record`` (a record's TOML data) breaks: ``(key path, message)``.

    ``record`` may be any TOML data, a record that the ledger's reader refuses too (``inspect import`` checks
    both at once): a value of the wrong type is passed over here, the reader says what is wrong with it.
    ``static/fill-in.js`` (``checkRecord``) is the same function in the browser; keep them in step.
    """
    messages = description["messages"]
    found: list[tuple[str, str]] = []

    longest = description["longest_value"]

    def say(key: str, name: str, **values: Any) -> None:
        found.append((key, messages[name].format(**{k: cut(v, longest) if isinstance(v, str) and k != "subject" else v
                                                     for k, v in values.items()})))

    if not _text(record.get("unit")):
        say("$.unit", "unit")
    date = _date(record.get("date"))
    if date is None:
        say("$.date", "date")
    kind = record.get("kind")
    if kind not in [k["code"] for k in description["kinds"]]:
        say("$.kind", "kind")
    checklist = description.get("checklist", {}).get("id", "")
    if record.get("checklist") != checklist:
        say("$.checklist", "checklist", checklist=record.get("checklist", ""))
    points = {c["id"]: c for c in description.get("checkpoints", [])}
    marks = [m["code"] for m in description["marks"]]
    for i, item in enumerate(_tables(record.get("item"))):
        checkpoint = _code(item.get("checkpoint", ""))
        if checkpoint not in points:
            say(f"$.item[{i}].checkpoint", "item_checkpoint", checkpoint=checkpoint, checklist=checklist)
        if item.get("mark", "") not in marks:
            say(f"$.item[{i}].mark", "mark", n=i + 1, title=points.get(checkpoint, {}).get("title", checkpoint))
    pattern = re.compile(description["id_pattern"])
    categories = {c["code"]: c for c in description["categories"]}
    fields = {f["code"]: f for f in description["fields"]}
    waived = description["waived"].get(_code(kind), [])
    seen: set[str] = set()
    for i, finding in enumerate(_tables(record.get("finding"))):
        where = f"$.finding[{i}]"
        checkpoint = _code(finding.get("checkpoint", ""))
        point = points.get(checkpoint)
        subject = f"第{i + 1}项隐患（{point['title'] if point else cut(checkpoint, longest)}）"
        ident = finding.get("id", "")
        if not (isinstance(ident, str) and pattern.fullmatch(ident) and len(ident) <= description["id_max_length"]):
            say(f"{where}.id", "finding_id", subject=subject, id=ident)
        elif ident in seen:
            say(f"{where}.id", "finding_id_twice", subject=subject, id=ident)
        seen.add(ident if isinstance(ident, str) else "")
        if point is None:
            say(f"{where}.checkpoint", "finding_checkpoint", subject=subject, checkpoint=checkpoint,
                checklist=checklist)
        if not _text(finding.get("description")):
            say(f"{where}.description", "description", subject=subject)
        level = finding.get("level")
        if level not in [lv["code"] for lv in description["levels"]]:
            say(f"{where}.level", "level", subject=subject)
            level = None
        elif point is not None and level != point["level"] and not _text(finding.get("level_reason")):
            say(f"{where}.level_reason", "level_reason", subject=subject,
                expected=_label(description["levels"], point["level"]))
        source = finding.get("source")
        if source is not None and source not in [s["code"] for s in description["sources"]]:
            say(f"{where}.source", "source", subject=subject)
        remediation = finding.get("remediation")
        if isinstance(remediation, dict):
            category = categories.get(_code(remediation.get("category", "")))
            if category is None:
                say(f"{where}.remediation.category", "category", subject=subject)
            else:
                if level is not None and level not in category["levels"]:
                    say(f"{where}.remediation.category", "category_level", subject=subject, category=category["name"],
                        levels="、".join(_label(description["levels"], lv) for lv in category["levels"]),
                        level=_label(description["levels"], level))
                for code in category["requires"]:
                    if code in waived:
                        continue
                    field = fields[code]
                    key = f"{where}.remediation.{code}"
                    value = remediation.get(code)
                    if value is None or value == "" or (isinstance(value, str) and not value.strip()):
                        say(key, "required", subject=subject, category=category["name"], field=field["label"])
                for code, field in fields.items():
                    value = remediation.get(code)
                    if value is None or value == "":
                        continue
                    key = f"{where}.remediation.{code}"
                    if field["type"] == "date":
                        day = _date(value)
                        if day is None:
                            say(key, "field_date", subject=subject, field=field["label"])
                        elif code == RequiredField.DEADLINE.value and date is not None and day < date:
                            say(key, "deadline_early", subject=subject, field=field["label"])
                    elif field["type"] == "choice" and value not in [s["code"] for s in
                                                                     description["supervision_levels"]]:
                        say(key, "supervision_level", subject=subject)
        stop = finding.get("stop")
        if isinstance(stop, dict):
            if level is not None and level != HazardLevel.MAJOR.value:
                say(f"{where}.stop", "stop_level", subject=subject)
            if stop.get("kind", "production_stop") not in [k["code"] for k in description["stop_kinds"]]:
                say(f"{where}.stop.kind", "stop_kind", subject=subject)
            if stop.get("scope", "full") not in [s["code"] for s in description["stop_scopes"]]:
                say(f"{where}.stop.scope", "stop_scope", subject=subject)
    return found
