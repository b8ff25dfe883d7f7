"""Printable checklists and forms: PDFs rendered with WeasyPrint from the catalog.

A checklist prints as the form of 附件2 of seed 004, generalised: title and
publishing department, the unit's header fields, one numbered row per
checkpoint under a header row per group, the check columns of the form kind,
the legend of marks and the signature lines.  The blank forms of the campaign
(:data:`FORMS`) print from their own templates.  Every template takes an
optional mapping of ``values`` and prints blank fields without one, so that a
later stage can print filled-in forms from inspection records.

Pages of a long checklist
    The column header is the ``thead`` of the checklist table, which WeasyPrint
    repeats on every page.  Each group is a nested table in one full-width
    cell, whose own ``thead`` is the group's header row: when the group runs
    onto a new page, WeasyPrint repeats it there too.  The header row holds
    the group's name and a "（续）" mark; after layout, the mark is taken out
    of the first occurrence of every group header (:func:`_unmark_first_headers`,
    through WeasyPrint's layout API), so it shows only where a group continues.
    One layout, no second pass.

Reproducible output
    The same input gives the same bytes: no creation date unless
    ``SOURCE_DATE_EPOCH`` is set, no random PDF identifier.  :func:`print_all`
    keys each PDF by a hash of everything that goes into it and renders only
    the PDFs whose key is not in its cache yet.

Fonts
    Chinese text needs a CJK font ("Noto Sans CJK SC" from fonts-noto-cjk).
    Without one WeasyPrint prints boxes and succeeds; here a missing font, a
    missing glyph or an unusable HarfBuzz subsetter is a :class:`PrintError`
    that says what to install.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jinja2
import segno
from markupsafe import Markup, escape

from checkframe.catalog import Catalog
from checkframe.errors import did_you_mean, unknown
from checkframe.model import (
    FORM_ANNEXES,
    FORMS,
    WEEKLY_STATISTICS_COLUMNS,
    Checklist,
    Checkpoint,
    FormKind,
    HazardLevel,
    ReportColumn,
)
from checkframe.publish import markdown
from checkframe.publish.fetch import Fetcher
from checkframe.publish.fonts import PrintError, check_environment, raise_for_warnings, weasyprint_warnings
from checkframe.publish.project import Project
from checkframe.registers import PluginForm
from checkframe.util.images import image_sources

__all__ = [
    "FORMS",
    "PrintError",
    "check_environment",
    "render_checklist",
    "render_form",
]

TEMPLATES = Path(__file__).parent.parent / "templates" / "print"

#: The check columns of each form kind: (key in ``values["results"][checkpoint id]``, heading).
COLUMNS: dict[FormKind, tuple[tuple[str, str], ...]] = {
    FormKind.SELF_INSPECTION: (("self", "自查结果"), ("check", "检查结果")),
    FormKind.SUPERVISION: (("result", "检查结果"), ("note", "备注")),
}

# -- Templates ---------------------------------------------------------------------------


#: The templates of plugin forms, by loader name (``plugin-form/NAME``): registered when first rendered.
_PLUGIN_TEMPLATES: dict[str, Path] = {}


def _plugin_template(name: str) -> tuple[str, str, Callable[[], bool]] | None:
    path = _PLUGIN_TEMPLATES.get(name)
    if path is None:
        return None
    mtime = path.stat().st_mtime_ns

    def uptodate() -> bool:
        return _PLUGIN_TEMPLATES.get(name) == path and path.is_file() and path.stat().st_mtime_ns == mtime

    return path.read_text(encoding="utf-8"), str(path), uptodate


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(TEMPLATES), jinja2.FunctionLoader(_plugin_template)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["chinese_number"] = chinese_number
    env.filters["keep_tail"] = _keep_text
    return env


@cache
def _stylesheet() -> Any:
    import weasyprint  # slow to import; the command line loads it only to print

    return weasyprint.CSS(filename=str(TEMPLATES / "print.css"))


def chinese_number(n: int) -> str:
    """一, 二, ... 九十九: how a form numbers its parts."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _source_date() -> str | None:
    """SOURCE_DATE_EPOCH as a W3C date for the PDF's dates; None leaves the dates out."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    try:
        moment = datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise PrintError(f"SOURCE_DATE_EPOCH must be a count of seconds since 1970 (got {epoch!r})") from None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _version() -> str:
    try:
        return importlib.metadata.version("checkframe")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


#: The forms that are attachments of seed 004 (附件N above the title and in the footer): :data:`FORM_ANNEXES`.
ANNEXES = FORM_ANNEXES
#: A self-inspection checklist is 附件2 of seed 004 (生产经营单位自查表), generalised.
CHECKLIST_ANNEXES: dict[FormKind, str] = {FormKind.SELF_INSPECTION: "附件2"}
#: The unit's name line in the running header of each form's later pages: (label, the value it shows).
RUNNING_UNIT: dict[str, tuple[str, str]] = {
    "supervision-record": ("检查企业（场所）", "unit"),
    "deadline-order": ("被检查单位", "unit"),
    "unit-registration": ("单位名称", "unit"),
    "weekly-statistics": ("填报单位", "reporter"),
    "major-hazard-list": ("填报单位", "reporter"),
}
#: Where a running header's unit is not filled in: a line to write on.
WRITE_IN = "＿" * 14


def _document(project: Project, title: str, *, form_title: str, annex: str, unit_line: str,
              **extra: Any) -> dict[str, Any]:
    """What every template's ``<head>`` and page frame need.

    ``form_title`` and ``annex`` make the footer (附件2　煤矿企业自查表) and, with ``unit_line``, the
    running header of every page after the first.
    """
    return {
        "doc": {
            "title": title,
            "author": project.config.department,
            "generator": f"checkframe {_version()}",
            "date": _source_date(),
            "lang": project.config.language or "zh-CN",
            "annex": annex,
            "footer": f"{annex}　{form_title}" if annex else form_title,
            "running_title": form_title,
            "running_unit": unit_line,
            **extra,
        },
    }


# -- Checklists --------------------------------------------------------------------------


#: The mark after a citation that is not confirmed; the form's legend says once what it means.
UNCONFIRMED_MARK = "※"


def _citation(catalog: Catalog, checkpoint: Checkpoint) -> list[dict[str, Any]]:
    """The legal basis as printed, one citation each: 《安全生产法》第四十一条, and whether it is unconfirmed."""
    parts = []
    for basis in checkpoint.basis:
        document = catalog.document(basis.document) if catalog.has("document", basis.document) else None
        name = f"《{document.title}》" if document else basis.document
        unconfirmed = not basis.confirmed  # the article's text; a document's number or date marks no citation
        parts.append({"text": f"{name}{basis.cited()}", "unconfirmed": unconfirmed})
    return parts


#: The last characters of a paragraph, kept on one line: never one character alone on a cell's last line.
_TAIL = re.compile(r"([^<>&;\s]{2,4})(?=</(?:p|li)>)")
#: U+2060 WORD JOINER: no line break on either side, no glyph, no width (pdftotext reads nothing for it).
WORD_JOINER = "\u2060"


def keep_tail(html: str) -> Markup:
    """Join the last few characters of every paragraph of ``html`` so that they do not break apart.

    A line break inside them would leave 1 character (上岗。 → 岗。) alone on the last line of a cell.
    They are joined by word joiners rather than wrapped in a ``white-space: nowrap`` span: the same line
    breaks without an element per paragraph for WeasyPrint to style, lay out and tag.
    """
    return Markup(_TAIL.sub(lambda m: WORD_JOINER.join(m.group(1)), str(html)))


def _keep_text(text: str) -> Markup:
    """Plain text as HTML with its last characters kept together (see :func:`keep_tail`)."""
    return keep_tail(f"<p>{escape(text)}</p>")[3:-4]


def _reference(catalog: Catalog, numbers: Mapping[str, int]) -> Callable[[str], str]:
    """How a ``[[id]]`` prints: 第12项“title” for an item of this form, “title” for one that is not on it."""
    def render(ident: str) -> str:
        if not catalog.has("checkpoint", ident):
            return f"[[{ident}]]"
        title = escape(catalog.checkpoint(ident).title)
        return f"第{numbers[ident]}项“{title}”" if ident in numbers else f"“{title}”"
    return render


def checklist_context(
    catalog: Catalog, project: Project, checklist_id: str, *, legal_basis: bool | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything ``checklist.html`` shows: the checklist's rows grouped as the form prints them.

    :raises PrintError: for an unknown checklist or one without checkpoints.
    """
    if not catalog.has("checklist", checklist_id):
        raise PrintError(f"unknown checklist {checklist_id!r}")
    checklist: Checklist = catalog.checklist(checklist_id)
    if not checklist.checkpoints:
        raise PrintError(f"checklist {checklist_id!r} has no checkpoints; there is nothing to print")
    if legal_basis is None:
        legal_basis = project.print.legal_basis
    numbers = {ident: number for number, ident in enumerate(checklist.checkpoints, start=1)}
    reference = _reference(catalog, numbers)
    sections: list[dict[str, Any]] = []
    for number, ident in enumerate(checklist.checkpoints, start=1):
        checkpoint = catalog.checkpoint(ident)
        if not sections or sections[-1]["key"] != checkpoint.group_key:
            group = catalog.group(checkpoint.group_key) if catalog.has("group", checkpoint.group_key) else None
            sections.append({
                "key": checkpoint.group_key,
                "title": group.title if group else checkpoint.group,
                "items": [],
            })
        sections[-1]["items"].append({
            "id": checkpoint.id,
            "number": number,
            "major": checkpoint.level is HazardLevel.MAJOR,
            "what": keep_tail(markdown.render(checkpoint.what, reference)),
            "how": "、".join(checkpoint.how) if checklist.kind is FormKind.SUPERVISION else "",
            "basis": _citation(catalog, checkpoint) if legal_basis else [],
        })
    sector = catalog.sector(checklist.sector).name if catalog.has("sector", checklist.sector) else ""
    qr = None
    if project.config.base_url:
        url = f"{project.config.base_url}checklist/{checklist.id}.html"
        qr = {"url": url, "src": segno.make(url, error="m").svg_data_uri(border=0)}
    return {
        **_document(
            project, checklist.title, id=checklist.id, form_title=checklist.title,
            annex=CHECKLIST_ANNEXES.get(checklist.kind, ""),
            unit_line=f"企业名称：{(values or {}).get('unit') or WRITE_IN}",
            description=checklist.scope or checklist.description,
            keywords=[k for k in (sector, checklist.kind.label) if k],
        ),
        "checklist": checklist,
        "kind": checklist.kind.value,
        "sector": sector,
        "department": project.config.department,
        "columns": [{"key": key, "label": label} for key, label in COLUMNS[checklist.kind]],
        "sections": sections,
        "has_major": any(item["major"] for section in sections for item in section["items"]),
        "legal_basis": legal_basis,
        "unconfirmed_mark": UNCONFIRMED_MARK,
        "has_unconfirmed": any(part["unconfirmed"] for section in sections for item in section["items"]
                               for part in item["basis"]),
        "qr": qr,
        "values": dict(values or {}),
        "results": dict((values or {}).get("results", {})),
    }


def render_checklist(
    catalog: Catalog, project: Project, checklist_id: str, *, legal_basis: bool | None = None,
    values: Mapping[str, Any] | None = None,
) -> bytes:
    """The checklist as PDF bytes: blank, or filled with ``values``.

    :param legal_basis: print each item's legal basis; None follows ``project.print.legal_basis``.
    :param values: header fields by name (``unit``, ``sector``, ``address``, ``township``,
        ``principal``, ``phone``, ``date``) and ``results``: checkpoint id -> column key -> mark.
    :raises PrintError: for an unknown or empty checklist, or fonts that cannot print it.
    """
    context = checklist_context(catalog, project, checklist_id, legal_basis=legal_basis, values=values)
    html = _environment().get_template("checklist.html").render(context)
    checkpoints = [catalog.checkpoint(ident) for ident in catalog.checklist(checklist_id).checkpoints]

    def holder(url: str) -> str:
        for checkpoint in checkpoints:
            if any(urljoin(TEMPLATES.as_uri() + "/", src) == url for src in image_sources(checkpoint.what)):
                sector = catalog.sector(checkpoint.sector) if catalog.has("sector", checkpoint.sector) else None
                plugin = f"plugin {sector.plugin}, " if sector and sector.plugin else ""
                return f"checklist {checklist_id!r}: checkpoint {checkpoint.id!r} ({plugin}$.what)"
        return f"checklist {checklist_id!r}"

    return _write_pdf(html, holder)


# -- Forms -------------------------------------------------------------------------------


#: The statistics forms: their columns, in order (see :data:`checkframe.model.WEEKLY_STATISTICS_COLUMNS`).
REPORT_COLUMNS: dict[str, tuple[ReportColumn, ...]] = {"weekly-statistics": WEEKLY_STATISTICS_COLUMNS}


def header_rows(columns: Sequence[ReportColumn]) -> list[list[dict[str, Any]]]:
    """The header tree of ``columns`` as table rows: each cell's text, colspan and rowspan.

    Neighbouring columns that share their first headings share those cells; a column whose headings end
    above the last row reaches down to it.
    """
    depth = max(len(c.headings) for c in columns)
    rows: list[list[dict[str, Any]]] = [[] for _ in range(depth)]
    for level in range(depth):
        i = 0
        while i < len(columns):
            if len(columns[i].headings) <= level:
                i += 1  # its last heading reaches down through this row
                continue
            prefix = columns[i].headings[:level + 1]
            j = i + 1
            while j < len(columns) and columns[j].headings[:level + 1] == prefix:
                j += 1
            leaf = len(columns[i].headings) == level + 1
            rows[level].append({"text": prefix[-1], "colspan": j - i, "rowspan": depth - level if leaf else 1,
                                "key": columns[i].key if leaf else ""})
            i = j
    return rows


def _check_rows(form: str, columns: Sequence[ReportColumn], rows: Any) -> None:
    """Refuse a row that names a column the form does not have: its number would print under no heading."""
    known = [c.key for c in columns]
    for n, row in enumerate(rows or (), start=1):
        for key in row:
            if key not in known:
                raise PrintError(f"{form}: rows[{n - 1}]: {unknown('column', key, known)} "
                                 f"(the columns are {', '.join(known)})")


def form_context(project: Project, form: str, values: Mapping[str, Any] | None = None,
                 subject: str = "") -> dict[str, Any]:
    """Everything ``forms/<form>.html`` shows; ``subject`` (the unit, the finding) goes into the PDF's title.

    :raises PrintError: for an unknown form, or a row of a statistics form with a column the form lacks.
    """
    if form not in FORMS:
        known = ", ".join(FORMS)
        raise PrintError(f"unknown form {form!r}; the forms are: {known}")
    values = dict(values or {})
    title = f"{FORMS[form]}（{subject}）" if subject else FORMS[form]
    columns = REPORT_COLUMNS.get(form, ())
    if columns:
        _check_rows(form, columns, values.get("rows"))
    return {
        **_document(project, title, id=form, description="", keywords=[], form_title=FORMS[form],
                    annex=ANNEXES.get(form, ""),
                    unit_line=f"{RUNNING_UNIT[form][0]}：{values.get(RUNNING_UNIT[form][1]) or WRITE_IN}"
                    if form in RUNNING_UNIT else ""),
        "form": form,
        "title": FORMS[form],
        "department": project.config.department,
        "values": values,
        "columns": columns,
        "header_rows": header_rows(columns) if columns else [],
    }


#: The forms whose list is padded with numbered blank rows to write in, up to this many rows in all (seed 004's
#: 附件5 has eight); fewer are printed when more would push the closing rows onto a page of their own.
PADDED_ROWS = {"major-hazard-list": 8}


def _render_form(project: Project, form: str, values: Mapping[str, Any] | None, subject: str = "") -> bytes:
    context = form_context(project, form, values, subject)
    template = _environment().get_template(f"forms/{form}.html")
    most = max(0, PADDED_ROWS.get(form, 0) - len(context["values"].get("rows") or ()))
    return _write_pdf(template.render(context, blank_rows=most), most=most,
                      fewer=(lambda blank: template.render(context, blank_rows=blank)) if most else None)


def render_form(
    catalog: Catalog, project: Project, form: str, *, values: Mapping[str, Any] | None = None,
    subject: str = "",
) -> bytes:
    """One of :data:`FORMS` as PDF bytes: blank, or filled with ``values`` (field name -> text).

    ``catalog`` is not read yet; it is there so that forms can offer the catalog's sectors.
    """
    return _render_form(project, form, values, subject)


# -- Forms that plugins add -------------------------------------------------------------

#: Where a plugin form's template is found by the print templates' loader: ``plugin-form/NAME``.
PREFIX = "plugin-form/"


class UnknownField(KeyError):
    """A template read a key of ``values`` that its form does not declare."""

    def __init__(self, key: str, known: list[str]) -> None:
        super().__init__(key)
        self.key = key
        self.known = known

    def __str__(self) -> str:
        listed = ", ".join(self.known) or "none"
        return f"values[{self.key!r}] is not a field of the form{did_you_mean(self.key, self.known)} (its fields: {listed})"


class FieldValues(Mapping[str, Any]):
    """``values`` as a plugin form's template sees it: the declared fields only; a missing value is empty."""

    def __init__(self, fields: list[str], values: Mapping[str, Any] | None = None) -> None:
        self._fields = fields
        self._values = dict(values or {})

    def _check(self, key: str) -> None:
        if key not in self._fields:
            raise UnknownField(str(key), self._fields)

    def __getitem__(self, key: str) -> Any:
        self._check(key)
        return self._values.get(key, "")

    def get(self, key: str, default: Any = None) -> Any:
        self._check(key)
        return self._values.get(key, default)

    def __contains__(self, key: object) -> bool:
        self._check(str(key))
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


def template_name(form: PluginForm) -> str:
    """The name under which the print templates' loader finds the form's template."""
    return f"{PREFIX}{form.name}"




def plugin_form_context(project: Project, form: PluginForm, values: Mapping[str, Any] | None = None,
                        subject: str = "") -> dict[str, Any]:
    """Everything a plugin form's template shows (see ``checkframe_register_forms``)."""
    title = f"{form.title}（{subject}）" if subject else form.title
    return {
        **_document(project, title, id=form.name, description="", keywords=[], form_title=form.title,
                    annex=form.annex, unit_line=""),
        "form": form.name,
        "title": form.title,
        "department": project.config.department,
        "fields": form.fields,
        "values": FieldValues(form.field_names(), values),
    }


def render_plugin_form_html(form: PluginForm, project: Project | None = None,
                            values: Mapping[str, Any] | None = None, subject: str = "") -> str:
    """The HTML of a plugin's form; with no project, as ``checkframe print`` prints without one.

    :raises jinja2.TemplateError: or :class:`checkframe.publish.printforms.UnknownField`, as the template fails.
    """
    if project is None:
        from checkframe.publish.project import HandbookConfig, PrintConfig

        project = Project(Path.cwd(), HandbookConfig(title="安全生产检查表", department=""), PrintConfig())
    name = template_name(form)
    _PLUGIN_TEMPLATES[name] = form.template
    return _environment().get_template(name).render(plugin_form_context(project, form, values, subject))


def render_plugin_form(project: Project, form: PluginForm, *, values: Mapping[str, Any] | None = None,
                       subject: str = "") -> bytes:
    """A plugin's form as PDF bytes: blank, or filled with ``values`` (field name -> text)."""
    try:
        html = render_plugin_form_html(form, project, values, subject)
    except UnknownField as exc:
        raise PrintError(f"{form.plugin}: form {form.name!r}: {exc}") from None
    unknown_values = [k for k in values or {} if k not in form.field_names()]
    if unknown_values:
        raise PrintError(f"{form.plugin}: form {form.name!r}: {unknown('field', unknown_values[0], form.field_names())}")
    return _write_pdf(html)


# -- WeasyPrint --------------------------------------------------------------------------


def _unmark_first_headers(document: Any) -> None:
    """Drop the "（续）" mark from the first occurrence of every group header.

    Each group header row is a ``thead`` that WeasyPrint repeats on every page
    the group runs onto.  The first page a group header appears on is where the
    group begins; only the later ones are continuations.
    """
    seen: set[int] = set()
    for page in document.pages:
        for parent, child in _walk(page._page_box):
            element = getattr(child, "element", None)
            if element is None or "continued" not in (element.get("class") or "").split():
                continue
            if id(element) in seen:
                continue
            seen.add(id(element))
            parent.children = [c for c in parent.children if c is not child]


def _walk(box: Any) -> Iterator[tuple[Any, Any]]:
    for child in getattr(box, "children", ()):
        yield box, child
        yield from _walk(child)


def _write_pdf(html: str, refused: Callable[[str], str] | None = None, *,
               fewer: Callable[[int], str] | None = None, most: int = 0) -> bytes:
    """Lay out ``html`` and write the PDF, failing on any glyph that no font has.

    Nothing is fetched but checkframe's print assets and inline data (:class:`Fetcher`); a URL refused
    is a :class:`PrintError`, named by ``refused(url)`` (the checkpoint that holds it).

    ``fewer(n)`` is the same page with ``n`` of its ``most`` blank rows: when ``html`` (all of them) takes more pages
    than none would, the most rows that take no more pages are printed, so that no page holds only blank rows and
    the signatures.
    """
    import weasyprint

    check_environment()
    fetcher = Fetcher([TEMPLATES])

    def layout(text: str) -> Any:
        return weasyprint.HTML(string=text, base_url=TEMPLATES.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=[_stylesheet()],
        )

    with weasyprint_warnings() as collect:
        document = layout(html)
        if fewer is not None and len(document.pages) > 1:
            least = layout(fewer(0))
            if len(least.pages) < len(document.pages):
                low, high, document = 0, most, least  # low: known to fit; high: known not to
                while high - low > 1:
                    middle = (low + high) // 2
                    tried = layout(fewer(middle))
                    if len(tried.pages) == len(least.pages):
                        low, document = middle, tried
                    else:
                        high = middle
        if fetcher.refused:
            url = fetcher.refused[0]
            where = refused(url) if refused else ""
            raise PrintError(f"{where}{': ' if where else ''}{url!r} is outside the handbook, and nothing is fetched "
                             "or embedded from outside; put a picture into the text as a data:image/png;base64,... "
                             "URI, or leave it out")
        _unmark_first_headers(document)
        # Tagged PDF/UA-1: structure tags (headings, tables with their header cells, lists), the language,
        # title and author in the XMP metadata; no random identifier and no dates, so rebuilds are byte-identical.
        pdf = document.write_pdf(pdf_identifier=False, pdf_variant="pdf/ua-1")
    raise_for_warnings(collect)
    return pdf
