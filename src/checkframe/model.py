"""The inspection domain: frozen attrs classes named as in DOMAIN.md.

Everything a plugin contributes ends up as one of these classes.  They are
immutable; change one with :func:`attrs.evolve`.  Single-field rules live in
field validators and raise :class:`Invalid`, whose message says what was
expected and what came, so that the content loader can report it verbatim.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen

from checkframe.messages import Message, Shown, show_english

__all__ = [
    "FIELD_LABELS",
    "FIVE_ASSIGNMENTS",
    "FORMS",
    "UNRESOLVED",
    "WEEKLY_STATISTICS_COLUMNS",
    "Checklist",
    "Checkpoint",
    "Document",
    "EnforcementMeasure",
    "FindingKind",
    "FindingSource",
    "FindingState",
    "FormJob",
    "FormKind",
    "Group",
    "HazardLevel",
    "Invalid",
    "LegalBasis",
    "RemediationCategory",
    "ReportColumn",
    "RequiredField",
    "ScopeName",
    "ScopeTag",
    "Sector",
    "StopScope",
    "SupervisionLevel",
    "id_shaped",
    "quote_hint",
    "references",
    "scope_label",
    "scope_named",
    "show",
    "unquote_hint",
]

#: What an id may look like: safe in a URL path segment and a file name on
#: every platform.  Lowercase ASCII letters, digits, single hyphens or
#: underscores between them, starting with a letter, at most 64 characters.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
ID_MAX_LENGTH = 64

#: A reference from one checkpoint's text to another: ``[[coal-other-05]]``.  It renders as the other
#: item's 序号 and title on a form and as a link in the handbook, never as the id itself.
REFERENCE = re.compile(r"\[\[([a-z][a-z0-9]*(?:[-_][a-z0-9]+)*)\]\]")
#: A token that looks like an id (``coal-other-05``, ``mine_duties``) standing in text for people: letters
#: joined by ``-`` or ``_``, not part of a web address, a file name or a longer word.
ID_SHAPED = re.compile(r"(?<![A-Za-z0-9_./:\-])[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+(?![A-Za-z0-9_/\-]|\.[A-Za-z0-9])")


class Invalid(ValueError):
    """A value that breaks a rule of the model.

    ``key`` names the field when the rule belongs to one, so that an error
    report can point at ``$.checkpoint[3].id`` rather than at the table.
    """

    def __init__(self, message: str | Message, key: str | None = None) -> None:
        super().__init__(message)
        #: A :class:`~checkframe.messages.Message` where the rule is shared with the ledger's records, which
        #: word it in Chinese; ``str()`` is the English.
        self.message = message
        self.key = key

    def __str__(self) -> str:
        return str(self.message)


def show(value: Any) -> str:
    """A value that came from a file as TOML spells it, for an error message: ``"big"``, ``true``, ``2023-04-19``.

    A table or an array is named, not shown.
    """
    return show_english(value)


def quote_hint(value: Any) -> str:
    """For a value that is text only when quoted: ``; 2023-04-19 is a date; write "2023-04-19" in quotes``."""
    if isinstance(value, (dict, list)) or isinstance(value, str):
        return ""
    if isinstance(value, bool):
        kind = "true or false"
    elif isinstance(value, dt.datetime):
        kind = "a date and time"
    elif isinstance(value, dt.date):
        kind = "a date"
    elif isinstance(value, dt.time):
        kind = "a time"
    else:
        kind = "a number"
    spelled = show(value)
    return f"; {spelled} is {kind}; write \"{spelled}\" in quotes"


def unquote_hint(value: Any, kind: type) -> str:
    """For text that would be right unquoted: ``; write 1 without quotes``."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if kind is bool and text in ("true", "false"):
        return f"; write {text} without quotes"
    if kind is int and re.fullmatch(r"[+-]?\d+", text):
        return f"; write {int(text)} without quotes"
    return ""


class _Labelled(str, enum.Enum):
    """A string enum whose members carry the Chinese label that people read."""

    label: str

    def __new__(cls, value: str, label: str) -> _Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:
        return self.value


class HazardLevel(_Labelled):
    """事故隐患等级: how grave a hazard is."""

    GENERAL = ("general", "一般事故隐患")
    MAJOR = ("major", "重大事故隐患")


class FormKind(_Labelled):
    """Which printed form a checklist is."""

    SELF_INSPECTION = ("self_inspection", "自查表")
    SUPERVISION = ("supervision", "督导检查表")


class SupervisionLevel(_Labelled):
    """挂牌督办 level: who lists and follows a major hazard."""

    DISTRICT = ("district", "区级")
    DEPARTMENT = ("department", "部门")
    TOWNSHIP = ("township", "镇（街道）")


class RequiredField(_Labelled):
    """A field that a remediation category requires of every remediation."""

    DEADLINE = ("deadline", "整改期限")
    ORDER_NUMBER = ("order_number", "指令书编号")
    SUPERVISION_LEVEL = ("supervision_level", "督办级别")
    RESPONSIBLE_PERSON = ("responsible_person", "责任人")
    MEASURES = ("measures", "整改措施")
    FUNDS = ("funds", "整改资金")
    CONTINGENCY_PLAN = ("contingency_plan", "应急预案")
    #: 挂牌督办: the unit that follows the hazard (牵头单位 or 属地镇（街道）), the notice and its date.
    LEAD_UNIT = ("lead_unit", "牵头单位")
    NOTICE_NUMBER = ("notice_number", "督办通知书编号")
    NOTICE_DATE = ("notice_date", "督办日期")


class ScopeTag(_Labelled):
    """A checkpoint's scope tag as readers see it: the tags the shipped sectors use, with their Chinese names.

    A checkpoint's ``scope`` stays a list of free ids; a tag listed here is
    shown by its label (:func:`scope_label`).  Any other tag needs a Chinese
    name in its sector's ``[[scope]]`` (:class:`ScopeName`); ``checkframe validate``
    reports one that has none.
    """

    PRODUCTION = ("production", "生产企业")
    WHOLESALE = ("wholesale", "批发企业")
    RETAIL = ("retail", "零售经营")
    STORAGE = ("storage", "仓储")
    UNDERGROUND = ("underground", "井下")
    OPEN_PIT = ("open_pit", "露天")
    THIRD_PARTY_WORKS = ("third-party-works", "第三方施工")
    RIVER_CROSSING = ("river-crossing", "穿越河流")
    TUNNEL = ("tunnel", "管道隧道")
    NEW_BUILD = ("new-build", "新建管道")
    OUT_OF_SERVICE = ("out-of-service", "停运封存报废")
    AGED = ("aged", "老旧管道")
    INDUSTRY_TRADE = ("industry_trade", "工贸企业")
    METAL_SMELTING = ("metal_smelting", "金属冶炼")


_SCOPE_LABELS = {tag.value: tag.label for tag in ScopeTag}


def scope_label(tag: str, sector: Sector | None = None) -> str:
    """What readers see for a scope tag: its name in ``sector``'s ``[[scope]]``, else its :class:`ScopeTag` label.

    A tag named in neither is shown as it is; ``checkframe validate`` reports such a tag, so a valid catalog has none.
    """
    if sector is not None:
        for named in sector.scope:
            if named.id == tag:
                return named.name
    return _SCOPE_LABELS.get(tag, tag)


def scope_named(tag: str, sector: Sector | None = None) -> bool:
    """Whether readers see ``tag`` in Chinese: it is named in ``sector``'s ``[[scope]]`` or is a :class:`ScopeTag`."""
    return tag in _SCOPE_LABELS or (sector is not None and any(named.id == tag for named in sector.scope))


#: 五落实: what a fix that takes time must name.
FIVE_ASSIGNMENTS: tuple[RequiredField, ...] = (
    RequiredField.RESPONSIBLE_PERSON,
    RequiredField.MEASURES,
    RequiredField.FUNDS,
    RequiredField.DEADLINE,
    RequiredField.CONTINGENCY_PLAN,
)


def check_id(value: str, key: str = "id") -> str:
    """Raise :class:`Invalid` unless ``value`` is a safe id."""
    if not ID_PATTERN.fullmatch(value) or len(value) > ID_MAX_LENGTH:
        raise Invalid(Message("id", most=ID_MAX_LENGTH, got=Shown(value)), key=key)
    return value


def references(text: str) -> list[str]:
    """The checkpoint ids that ``text`` refers to with ``[[id]]``, in order."""
    return REFERENCE.findall(text)


def id_shaped(text: str) -> list[str]:
    """The id-shaped tokens of ``text`` outside ``[[id]]`` references: internal codes a reader should not see."""
    if "-" not in text and "_" not in text:  # an id-shaped token has one; most texts have neither
        return []
    return ID_SHAPED.findall(REFERENCE.sub("", text))


def _id(instance: Any, attribute: Any, value: str) -> None:
    check_id(value, attribute.name)


def _ids(instance: Any, attribute: Any, value: tuple[str, ...]) -> None:
    for item in value:
        check_id(item, attribute.name)


def _not_blank(instance: Any, attribute: Any, value: str) -> None:
    if not value.strip():
        raise Invalid(Message("blank"), key=attribute.name)


def _unique(instance: Any, attribute: Any, value: tuple[Any, ...]) -> None:
    seen = set()
    for item in value:
        if item in seen:
            raise Invalid(Message("twice", item=str(item)), key=attribute.name)
        seen.add(item)


#: A date of issue as far as it is known: 2020-11-20, 2023-04 or 2023.
ISSUE_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _issue_date(instance: Any, attribute: Any, value: str) -> None:
    found = ISSUE_DATE.fullmatch(value)
    if value == "" or (found and _real_date(*found.groups())):
        return
    raise Invalid(Message("issue_date", got=Shown(value)), key=attribute.name)


def _real_date(year: str, month: str | None, day: str | None) -> bool:
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return False
    return True


@frozen
class Document:
    """A regulation, standard or law that checkpoints cite (依据文件)."""

    id: str = field(validator=_id)
    #: The title, without book-title marks: 煤矿重大事故隐患判定标准.
    title: str = field(validator=_not_blank)
    #: The document number (文号): 应急管理部令第4号.
    number: str = ""
    issuer: str = ""
    #: ISO date of issue, as far as it is known: 2020-11-20, or 2023-04 or 2023.
    date: str = field(default="", validator=_issue_date)
    #: False when neither the number nor the date could be confirmed: short for number_confirmed = false and
    #: date_confirmed = false.
    confirmed: bool = True
    #: False when the document number (文号) could not be checked against the issuer's text.
    number_confirmed: bool = True
    #: False when the date of issue could not be checked against the issuer's text.
    date_confirmed: bool = True
    #: Why something is unconfirmed, or any other remark for readers.
    note: str = ""

    def __attrs_post_init__(self) -> None:
        # A document's confirmation marks the document (its number, its date), never the citations of its
        # articles: each article's text is confirmed on its own (LegalBasis.confirmed).
        if not self.confirmed:
            object.__setattr__(self, "number_confirmed", False)
            object.__setattr__(self, "date_confirmed", False)

    def unconfirmed(self) -> list[str]:
        """What of the document is not confirmed, as readers are told: 文号, 日期."""
        return [label for label, ok in (("文号", self.number_confirmed), ("日期", self.date_confirmed)) if not ok]


def _as_written(instance: Any, attribute: Any, value: str) -> None:
    """An article or item as the document numbers it (第四条, （三）), not a bare number that prints as "4"."""
    if value.strip().isascii() and value.strip().isdigit():
        raise Invalid(Message("bare_number", got=Shown(value)), key=attribute.name)


@frozen
class LegalBasis:
    """One citation: which article of which document a checkpoint enforces."""

    #: The :class:`Document` id.
    document: str = field(validator=_id)
    #: 第五条, as the document numbers it; empty when the document as a whole is cited.
    article: str = field(default="", validator=_as_written)
    #: （一）, 第二款, ...
    item: str = field(default="", validator=_as_written)
    #: False when the reference material marks this article or its text unconfirmed; only this marks the
    #: citation 待核实 (a document's unconfirmed number or date does not).
    confirmed: bool = True
    #: Why it is unconfirmed; shown next to the citation.
    note: str = ""

    def cited(self) -> str:
        """The article as it is cited in text: 第五条（一）."""
        return f"{self.article}{self.item}"


@frozen
class ScopeName:
    """The Chinese name of one scope tag that a sector's checkpoints use (``[[scope]]`` in ``sector.toml``)."""

    #: The tag, as checkpoints write it in ``scope``.
    id: str = field(validator=_id)
    #: What readers see after 适用范围：, in the words of the sources: 冶金, 有限空间.
    name: str = field(validator=_not_blank)


@frozen
class Sector:
    """行业领域: an industry with its own regulator and rules."""

    id: str = field(validator=_id)
    #: 煤矿, 油气长输管道, ...
    name: str = field(validator=_not_blank)
    #: The department that regulates the sector (监管部门).
    regulator: str = ""
    #: The department that maintains the plugin's content; the handbook names it as author.
    maintainer: str = ""
    #: Markdown: what the sector covers.
    description: str = ""
    #: Ids of the documents that the sector's content is drawn from.
    sources: tuple[str, ...] = field(default=(), validator=_ids)
    #: Set by the loader: the plugin that contributed the sector.
    plugin: str = ""
    #: Set by the loader from the ``[[scope]]`` tables of ``sector.toml``: the Chinese names of its scope tags.
    scope: tuple[ScopeName, ...] = ()


@frozen
class Group:
    """A category of checkpoints within a sector, as the sources group them."""

    id: str = field(validator=_id)
    title: str = field(validator=_not_blank)
    description: str = ""
    #: Markdown for the handbook's readers and maintainers (what the sources leave open, how the group
    #: was read); shown on the sector page in a box of its own, never printed on a form.
    note: str = ""
    #: Set by the loader from the content folder.
    sector: str = ""

    @property
    def key(self) -> str:
        """The group's name across the catalog: ``sector/group``."""
        return f"{self.sector}/{self.id}"


@frozen
class Checkpoint:
    """检查项: one thing an inspector checks."""

    id: str = field(validator=_id)
    title: str = field(validator=_not_blank)
    #: Markdown: what to check (检查内容).
    what: str = field(validator=_not_blank)
    #: How to check it: 查阅资料, 现场检查, 询问, 测量, ...
    how: tuple[str, ...] = ()
    level: HazardLevel = HazardLevel.GENERAL
    basis: tuple[LegalBasis, ...] = ()
    #: Codes of the remediation categories suggested for a hazard found here.
    remediation: tuple[str, ...] = field(default=(), validator=_unique)
    #: Free tags narrowing where the checkpoint applies: retail, underground, ...
    scope: tuple[str, ...] = field(default=(), validator=_ids)
    #: Markdown for the handbook's readers and maintainers: what the source text leaves open, how it was
    #: read, where to check it.  Shown on the checkpoint page in a box of its own, never printed on a form.
    note: str = ""
    #: Set by the loader from the content folder and file.
    sector: str = ""
    group: str = ""

    @property
    def group_key(self) -> str:
        return f"{self.sector}/{self.group}"


@frozen
class Checklist:
    """检查表: an ordered selection of checkpoints printed or shown as one form."""

    id: str = field(validator=_id)
    title: str = field(validator=_not_blank)
    kind: FormKind = field()
    #: As written: checkpoint ids and whole groups as ``sector/group``, in order.
    items: tuple[str, ...] = field(validator=_unique)
    #: A narrower use, such as 零售 for fireworks retail points.
    scope: str = ""
    description: str = ""
    #: Set by the loader: the sector whose plugin contributed the checklist.
    sector: str = ""
    #: Set by the catalog: ``items`` resolved to checkpoint ids.
    checkpoints: tuple[str, ...] = ()


@frozen
class RemediationCategory:
    """整改类别: a route by which a hazard is fixed."""

    code: str = field(validator=_id)
    #: 现场整改, 限期整改, ...
    name: str = field(validator=_not_blank)
    #: The hazard levels this route may be used for.
    levels: tuple[HazardLevel, ...] = field(validator=_unique)
    #: What every remediation by this route must state.
    requires: tuple[RequiredField, ...] = field(default=(), validator=_unique)
    description: str = ""
    #: Set by the loader: the plugin that contributed the category.
    plugin: str = ""

    @levels.validator
    def _some_level(self, attribute: Any, value: tuple[HazardLevel, ...]) -> None:
        if not value:
            raise Invalid(Message("no_level"), key="levels")


#: What the fields of the model are called in Chinese, for people: schema titles, the content diff.
FIELD_LABELS: dict[str, str] = {
    "article": "条款",
    "basis": "依据",
    "category": "整改类别",
    "checklist": "检查表",
    "checkpoint": "检查项",
    "checkpoints": "检查项",
    "code": "代码",
    "confirmed": "已核实",
    "date_confirmed": "日期已核实",
    "date": "日期",
    "description": "说明",
    "document": "依据文件",
    "group": "类别",
    "how": "检查方法",
    "id": "标识",
    "issuer": "发布机关",
    "item": "项",
    "items": "检查表条目",
    "kind": "表式",
    "level": "隐患等级",
    "levels": "适用隐患等级",
    "maintainer": "内容维护单位",
    "name": "名称",
    "note": "备注",
    "number": "文号",
    "number_confirmed": "文号已核实",
    "plugin": "插件",
    "regulator": "监管部门",
    "remediation": "整改类别",
    "requires": "必填事项",
    "scope": "适用范围",
    "sector": "行业领域",
    "sources": "依据文件",
    "title": "标题",
    "what": "检查内容",
}


class FindingState(_Labelled):
    """Where a finding stands in the closed loop: 排查 → 整改 → 回查 → 复核验收 → 销号."""

    OPEN = ("open", "待整改")
    FIXING = ("fixing", "整改中")
    AWAITING_RECHECK = ("awaiting_recheck", "待回查")
    ACCEPTED = ("accepted", "已验收")
    CLOSED = ("closed", "已销号")


class FindingSource(_Labelled):
    """Where a finding came from (seeds 003, 004, 000): the channel it reached the ledger by."""

    SELF = ("self", "自查")
    SUPERVISION = ("supervision", "督导检查")
    PUBLIC_REPORT = ("public_report", "举报")
    ASSIGNED = ("assigned", "上级交办")
    REFERRAL = ("referral", "移送")


class FindingKind(_Labelled):
    """What a finding is: a hazard, or an illegal operation (附件4's 非法违法生产经营建设行为)."""

    HAZARD = ("hazard", "事故隐患")
    ILLEGAL = ("illegal", "非法违法生产经营建设行为")


class StopScope(_Labelled):
    """停产停业整改: the whole operation or the affected part (全部或者局部)."""

    FULL = ("full", "全部停产停业")
    PARTIAL = ("partial", "局部停产停业")


class EnforcementMeasure(_Labelled):
    """A measure taken against an illegal operation; the labels are 附件4's enforcement columns."""

    ORDER_STOP = ("order_stop", "责令停止违法行为")
    ORDER_DEADLINE = ("order_deadline", "责令限期整改")
    FINE = ("fine", "行政罚款")
    STOP = ("stop", "停产整顿")
    LICENCE = ("licence", "暂扣吊销证照")
    CLOSURE = ("closure", "关闭取缔")


#: The states in which a finding still counts as a hazard on the ledger.
UNRESOLVED = (FindingState.OPEN, FindingState.FIXING, FindingState.AWAITING_RECHECK)

#: The forms of the campaign, by name: the template under ``templates/print/forms/`` and the title printed on it.
FORMS: dict[str, str] = {
    "supervision-record": "镇（街道）、部门督导检查表",
    "deadline-order": "责令限期整改指令书",
    "unit-registration": "生产经营单位摸底登记表",
    "weekly-statistics": "镇（街道）、部门大排查大整治行动统计表",
    "major-hazard-list": "非法违法生产经营行为、重大隐患统计表",
}
#: The forms that are attachments of seed 004, by the seed's number: printed above the title and in the footer.
FORM_ANNEXES: dict[str, str] = {
    "unit-registration": "附件1",
    "supervision-record": "附件3",
    "weekly-statistics": "附件4",
    "major-hazard-list": "附件5",
}


@frozen
class ReportColumn:
    """One column of a statistics form: the key its values go under, the headings above it, its unit."""

    key: str
    #: The headings above the column, outermost first: ("集中行动开展情况", "一般隐患", "排查").  Neighbours
    #: that share a heading share its cell.
    headings: tuple[str, ...]
    #: What the column counts in: 项, 家, 人, 万 (yuan), 个.
    unit: str


#: 附件4 of seed 004 (镇（街道）、部门大排查大整治行动统计表), column by column as the seed lays it out: the
#: one list that the printed header and the filled values both follow.  A row of the form is a mapping of
#: these keys to what is printed under them.
WEEKLY_STATISTICS_COLUMNS: tuple[ReportColumn, ...] = (
    ReportColumn("group", ("检查组",), "个"),
    ReportColumn("general_found", ("集中行动开展情况", "一般隐患", "排查"), "项"),
    ReportColumn("general_fixed", ("集中行动开展情况", "一般隐患", "整改"), "项"),
    ReportColumn("major_found", ("集中行动开展情况", "重大隐患", "排查"), "项"),
    ReportColumn("major_fixed", ("集中行动开展情况", "重大隐患", "整改"), "项"),
    ReportColumn("illegal_found", ("执法情况", "非法违法生产经营建设行为查处情况", "排查"), "项"),
    ReportColumn("illegal_punished", ("执法情况", "非法违法生产经营建设行为查处情况", "查处"), "项"),
    ReportColumn("orders", ("执法情况", "责令限期整改企业"), "项"),
    ReportColumn("fines", ("执法情况", "行政罚款"), "万"),
    ReportColumn("stops", ("执法情况", "停产整顿"), "家"),
    ReportColumn("licences", ("执法情况", "暂扣吊销证照"), "个"),
    ReportColumn("closures", ("执法情况", "关闭取缔"), "家"),
    ReportColumn("discipline", ("追责情况", "追究", "党纪政纪处分"), "人"),
    ReportColumn("criminal", ("追责情况", "追究", "刑事责任"), "人"),
    ReportColumn("interviews", ("问责曝光工作不力情况", "约谈通报"), "家"),
    ReportColumn("exposure", ("问责曝光工作不力情况", "公开曝光"), "家"),
    ReportColumn("sanctions", ("问责曝光工作不力情况", "联合惩戒"), "家"),
    ReportColumn("cases", ("典型案例（详另情报）",), "个"),
)


@frozen
class FormJob:
    """A filled form to print: where it goes (relative to the output folder), which form, what it says.

    The ledger makes them (:func:`checkframe.ledger.reports.plan`); the publish
    wing prints them (:func:`checkframe.publish.pdfs.render_forms`).
    """

    name: str
    form: str
    values: Mapping[str, Any]
    subject: str = ""
