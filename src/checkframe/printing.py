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

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import jinja2
import segno
from markdown_it import MarkdownIt
from markupsafe import Markup

from checkframe import markdown
from checkframe.catalog import Catalog
from checkframe.model import Checklist, Checkpoint, FormKind, HazardLevel
from checkframe.project import Project

__all__ = [
    "FORMS",
    "PrintError",
    "PrintJob",
    "check_environment",
    "print_all",
    "print_jobs",
    "render_checklist",
    "render_form",
    "render_forms",
]

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates" / "print"

#: The blank forms, by name: the template under ``forms/`` and the title printed on it.
FORMS: dict[str, str] = {
    "supervision-record": "镇（街道）、部门督导检查表",
    "deadline-order": "责令限期整改指令书",
    "unit-registration": "生产经营单位摸底登记表",
    "weekly-statistics": "镇（街道）、部门大排查大整治行动统计表",
    "major-hazard-list": "非法违法生产经营行为、重大隐患统计表",
}

#: The check columns of each form kind: (key in ``values["results"][checkpoint id]``, heading).
COLUMNS: dict[FormKind, tuple[tuple[str, str], ...]] = {
    FormKind.SELF_INSPECTION: (("self", "自查结果"), ("check", "检查结果")),
    FormKind.SUPERVISION: (("result", "检查结果"), ("note", "备注")),
}

FONT_PACKAGE = "fonts-noto-cjk"
SUBSET_PACKAGE = "libharfbuzz-subset0"

#: Bumped when the way a PDF is made changes in a way the hashed inputs do not show.
CACHE_FORMAT = 1


class PrintError(Exception):
    """A PDF cannot be printed; the message says why and what to do, in one line."""


# -- The environment ---------------------------------------------------------------------


def _cjk_fonts() -> list[str]:
    """The font files that fontconfig knows to cover Chinese, one ``file: family`` line each."""
    try:
        found = subprocess.run(
            ["fc-list", ":lang=zh", "file", "family"], capture_output=True, text=True, check=False,
        )
    except OSError:
        return []
    return sorted(line for line in found.stdout.splitlines() if line.strip())


def font_stamps() -> list[str]:
    """The installed CJK fonts with each file's size and modification time: what a PDF's look depends on."""
    return [f"{line}|{_font_stamp(line)}" for line in _cjk_fonts()]


def check_environment() -> list[str]:
    """Fail unless a CJK font and a usable HarfBuzz subsetter are installed.

    :returns: the CJK font lines of ``fc-list``, which :func:`print_all` hashes.
    :raises PrintError: naming the package to install.
    """
    fonts = _cjk_fonts()
    if not fonts:
        raise PrintError(
            f"no font with Chinese glyphs is installed (fc-list :lang=zh finds none); "
            f"install one with: apt-get install {FONT_PACKAGE}"
        )
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        raise PrintError(
            "libharfbuzz-subset (HarfBuzz 4.1 or later) is not usable, so fonts cannot be subset; "
            f"install it with: apt-get install {SUBSET_PACKAGE}"
        )
    return fonts


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _weasyprint_warnings() -> Iterator[_Collect]:
    """Collect WeasyPrint's warnings instead of letting them reach stderr."""
    logger = logging.getLogger("weasyprint")
    collect = _Collect()
    saved = logger.propagate, logger.level
    logger.addHandler(collect)
    logger.propagate = False
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield collect
    finally:
        logger.removeHandler(collect)
        logger.propagate, level = saved
        logger.setLevel(level)


def _raise_for_warnings(collect: _Collect) -> None:
    """Turn WeasyPrint's missing-glyph warnings into one :class:`PrintError`; pass on the rest."""
    missing: dict[str, None] = {}
    for record in collect.records:
        # weasyprint/draw/text.py: '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)'
        if record.msg.startswith(".notdef glyph") and record.args:
            missing[str(record.args[0])] = None
        else:
            log.warning("weasyprint: %s", record.getMessage())
    if missing:
        shown = ", ".join(f"'{char}' (U+{ord(char):04X})" for char in missing)
        raise PrintError(
            f"no installed font has a glyph for {shown}; the PDF would show boxes instead; "
            f"install a font that has it, for Chinese: apt-get install {FONT_PACKAGE}"
        )


# -- Templates ---------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["chinese_number"] = chinese_number
    return env


@cache
def _stylesheet() -> Any:
    import weasyprint  # slow to import; the command line loads it only to print

    return weasyprint.CSS(filename=str(TEMPLATES / "print.css"))


@cache
def _markdown() -> MarkdownIt:
    # The handbook's parser: no raw HTML, and emphasis that works next to full-width punctuation.
    return markdown.markdown()


def _template_digest() -> str:
    """A hash of every template and the stylesheet."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(TEMPLATES).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


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


def _document(project: Project, title: str, **extra: Any) -> dict[str, Any]:
    """What every template's ``<head>`` and page frame need."""
    return {
        "doc": {
            "title": title,
            "author": project.config.department,
            "generator": f"checkframe {_version()}",
            "date": _source_date(),
            "lang": project.config.language or "zh-CN",
            **extra,
        },
    }


# -- Checklists --------------------------------------------------------------------------


def _citation(catalog: Catalog, checkpoint: Checkpoint) -> str:
    """The legal basis as printed: 《安全生产法》第四十一条；《…》第五条（待核实）."""
    parts = []
    for basis in checkpoint.basis:
        document = catalog.document(basis.document) if catalog.has("document", basis.document) else None
        name = f"《{document.title}》" if document else basis.document
        unconfirmed = not basis.confirmed or (document is not None and not document.confirmed)
        parts.append(f"{name}{basis.cited()}{'（待核实）' if unconfirmed else ''}")
    return "；".join(parts)


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
    md = _markdown()
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
            "what": Markup(md.render(checkpoint.what)),
            "how": "、".join(checkpoint.how) if checklist.kind is FormKind.SUPERVISION else "",
            "basis": _citation(catalog, checkpoint) if legal_basis else "",
        })
    sector = catalog.sector(checklist.sector).name if catalog.has("sector", checklist.sector) else ""
    qr = None
    if project.config.base_url:
        url = f"{project.config.base_url}checklist/{checklist.id}.html"
        qr = {"url": url, "src": segno.make(url, error="m").svg_data_uri(border=0)}
    return {
        **_document(
            project, checklist.title, id=checklist.id,
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
    return _write_pdf(html)


# -- Forms -------------------------------------------------------------------------------


def form_context(project: Project, form: str, values: Mapping[str, Any] | None = None,
                 subject: str = "") -> dict[str, Any]:
    """Everything ``forms/<form>.html`` shows; ``subject`` (the unit, the finding) goes into the PDF's title."""
    if form not in FORMS:
        known = ", ".join(FORMS)
        raise PrintError(f"unknown form {form!r}; the forms are: {known}")
    title = f"{FORMS[form]}（{subject}）" if subject else FORMS[form]
    return {
        **_document(project, title, id=form, description="", keywords=[]),
        "form": form,
        "title": FORMS[form],
        "department": project.config.department,
        "values": dict(values or {}),
    }


def _render_form(project: Project, form: str, values: Mapping[str, Any] | None, subject: str = "") -> bytes:
    context = form_context(project, form, values, subject)
    html = _environment().get_template(f"forms/{form}.html").render(context)
    return _write_pdf(html)


def render_form(
    catalog: Catalog, project: Project, form: str, *, values: Mapping[str, Any] | None = None,
    subject: str = "",
) -> bytes:
    """One of :data:`FORMS` as PDF bytes: blank, or filled with ``values`` (field name -> text).

    ``catalog`` is not read yet; it is there so that forms can offer the catalog's sectors.
    """
    return _render_form(project, form, values, subject)


@attrs.frozen
class FormJob:
    """A filled form to render: where it goes (relative to the output folder), which form, what it says."""

    name: str
    form: str
    values: Mapping[str, Any]
    subject: str = ""


def _render_form_job(job: FormJob, out_dir: Path) -> str:
    project = _worker["project"]
    target = out_dir / job.name
    _write_atomic(target, _render_form(project, job.form, job.values, job.subject))
    return job.name


def render_forms(project: Project, jobs: list[FormJob], out_dir: Path, workers: int | None = None) -> None:
    """Render every job into ``out_dir``, in parallel (``workers`` processes, default one per core) when many.

    Every job's form is checked first; sub-folders named in the jobs are made.

    :raises PrintError: for an unknown form, or fonts that cannot print.
    """
    out_dir = Path(out_dir)
    for job in jobs:
        if job.form not in FORMS:
            raise PrintError(f"unknown form {job.form!r}; the forms are: {', '.join(FORMS)}")
    check_environment()
    for folder in sorted({(out_dir / job.name).parent for job in jobs}):
        folder.mkdir(parents=True, exist_ok=True)
    count = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if count == 1 or len(jobs) < 3:
        _worker["project"] = project
        for job in jobs:
            _render_form_job(job, out_dir)
        return
    with ProcessPoolExecutor(count, initializer=_init_worker, initargs=(None, project)) as pool:
        for future in [pool.submit(_render_form_job, job, out_dir) for job in jobs]:
            future.result()


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


def _write_pdf(html: str) -> bytes:
    """Lay out ``html`` and write the PDF, failing on any glyph that no font has."""
    import weasyprint

    check_environment()
    with _weasyprint_warnings() as collect:
        document = weasyprint.HTML(string=html, base_url=TEMPLATES.as_uri() + "/").render(
            stylesheets=[_stylesheet()],
        )
        _unmark_first_headers(document)
        pdf = document.write_pdf(pdf_identifier=False)
    _raise_for_warnings(collect)
    return pdf


# -- Batch -------------------------------------------------------------------------------


@attrs.frozen
class PrintJob:
    """One PDF of :func:`print_all`: where it goes and the hash of its inputs."""

    #: Relative to the output folder: ``<checklist-id>.pdf`` or ``forms/<form>.pdf``.
    name: str
    #: "checklist" or "form".
    kind: str
    #: The checklist id or the form name.
    target: str
    key: str


def _checklist_inputs(catalog: Catalog, checklist_id: str) -> Any:
    checklist = catalog.checklist(checklist_id)
    checkpoints = [catalog.checkpoint(c) for c in checklist.checkpoints]
    groups = {c.group_key for c in checkpoints}
    documents = {b.document for c in checkpoints for b in c.basis}
    return {
        "checklist": attrs.asdict(checklist),
        "checkpoints": [attrs.asdict(c) for c in checkpoints],
        "groups": {k: catalog.group(k).title for k in sorted(groups) if catalog.has("group", k)},
        "documents": [attrs.asdict(catalog.document(d)) for d in sorted(documents) if catalog.has("document", d)],
        "sector": attrs.asdict(catalog.sector(checklist.sector)) if catalog.has("sector", checklist.sector) else None,
    }


def print_jobs(catalog: Catalog, project: Project, *, keys: bool = True) -> list[PrintJob]:
    """Every PDF of the project with its cache key, checklists first, then the forms.

    A key hashes everything that goes into its PDF: the checklist, its checkpoints,
    groups, documents and sector; the project's configuration; every template and
    the stylesheet; the installed CJK fonts; the checkframe and WeasyPrint versions.
    With ``keys=False`` the keys are left empty: the plan alone, with the fonts checked.
    """
    check_environment()
    fonts = font_stamps()
    if not keys:
        return [
            *(PrintJob(f"{ident}.pdf", "checklist", ident, "") for ident in _checklist_ids(catalog, project)),
            *(PrintJob(f"forms/{form}.pdf", "form", form, "") for form in FORMS),
        ]
    import weasyprint

    common = {
        "format": CACHE_FORMAT,
        "checkframe": _version(),
        "weasyprint": weasyprint.__version__,
        "templates": _template_digest(),
        "fonts": fonts,
        "config": attrs.asdict(project.config),
        "print": attrs.asdict(project.print),
        "date": _source_date(),
    }

    def key(kind: str, target: str, inputs: Any) -> str:
        text = json.dumps({**common, "kind": kind, "target": target, "inputs": inputs},
                          sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    jobs = []
    for ident in _checklist_ids(catalog, project):
        jobs.append(PrintJob(f"{ident}.pdf", "checklist", ident, key("checklist", ident, _checklist_inputs(catalog, ident))))
    for form in FORMS:
        jobs.append(PrintJob(f"forms/{form}.pdf", "form", form, key("form", form, None)))
    return jobs


def _checklist_ids(catalog: Catalog, project: Project) -> list[str]:
    idents = project.checklist_ids(catalog)
    for ident in idents:
        if not catalog.has("checklist", ident):
            raise PrintError(f"unknown checklist {ident!r}")
    return idents


def _font_stamp(line: str) -> str:
    path = Path(line.partition(":")[0])
    try:
        stat = path.stat()
    except OSError:
        return ""
    return f"{stat.st_size}:{stat.st_mtime_ns}"


_worker: dict[str, Any] = {}


def _size(catalog: Catalog) -> Any:
    """A sort key: bigger checklists first, forms last."""
    return lambda job: -len(catalog.checklist(job.target).checkpoints) if job.kind == "checklist" else 0


def _init_worker(catalog: Catalog, project: Project) -> None:
    _worker["catalog"], _worker["project"] = catalog, project


def _render_job(job: PrintJob, cache_dir: Path) -> Path:
    """Render one job into the cache (in a worker process or in this one)."""
    catalog, project = _worker["catalog"], _worker["project"]
    if job.kind == "checklist":
        pdf = render_checklist(catalog, project, job.target)
    else:
        pdf = render_form(catalog, project, job.target)
    target = cache_dir / f"{job.key}.pdf"
    _write_atomic(target, pdf)
    return target


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _copy_atomic(source: Path, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def print_all(
    catalog: Catalog, project: Project, out_dir: Path, cache_dir: Path, jobs: int | None = None,
) -> list[Path]:
    """Write ``out_dir/<checklist-id>.pdf`` for every checklist of the project and ``out_dir/forms/<form>.pdf``.

    PDFs are rendered in parallel, ``jobs`` processes (default: one per core),
    into ``cache_dir/<key>.pdf``, and copied from there; a PDF whose key is
    already cached is not rendered again.  Every checklist is checked before
    the first PDF is rendered.

    :returns: the written paths, in the order of :func:`print_jobs`.
    :raises PrintError: for an unknown or empty checklist, or fonts that cannot print.
    """
    out_dir, cache_dir = Path(out_dir), Path(cache_dir)
    planned = print_jobs(catalog, project)
    for job in planned:
        if job.kind == "checklist" and not catalog.checklist(job.target).checkpoints:
            raise PrintError(f"checklist {job.target!r} has no checkpoints; there is nothing to print")
    cache_dir.mkdir(parents=True, exist_ok=True)
    missing = [job for job in planned if not (cache_dir / f"{job.key}.pdf").is_file()]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(missing) or 1))
    if workers == 1 or len(missing) < 2:
        _init_worker(catalog, project)
        for job in missing:
            _render_job(job, cache_dir)
    else:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(catalog, project)) as pool:
            # Longest first, so that one big checklist does not finish alone at the end.
            order = sorted(missing, key=_size(catalog))
            for future in [pool.submit(_render_job, job, cache_dir) for job in order]:
                future.result()
    log.info("printed %d of %d PDFs (%d unchanged)", len(missing), len(planned), len(planned) - len(missing))

    written = []
    (out_dir / "forms").mkdir(parents=True, exist_ok=True)
    for job in planned:
        path = out_dir / job.name
        _copy_atomic(cache_dir / f"{job.key}.pdf", path)
        written.append(path)
    return written
