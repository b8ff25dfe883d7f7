"""Every PDF of a handbook, printed in parallel into a cache keyed by what goes into each.

:func:`print_jobs` plans the PDFs of a project with their cache keys;
:func:`print_all` renders the ones not cached yet and copies every one into
the site; :func:`render_forms` prints the filled forms of the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from checkframe.catalog import Catalog
from checkframe.model import FORMS, FormJob, references
from checkframe.publish.fonts import PrintError, check_environment, check_fonts
from checkframe.publish.inputs import pdf_inputs, pdf_key
from checkframe.publish.printing import _render_form, render_checklist, render_form, render_plugin_form
from checkframe.publish.project import Project
from checkframe.registers import PluginForm
from checkframe.util import parallel
from checkframe.util.fs import copy_atomic, write_atomic
from checkframe.util.progress import NO_PROGRESS, Progress

__all__ = ["PrintJob", "print_all", "print_jobs", "render_forms"]

log = logging.getLogger("checkframe.publish.printing")


def _render_form_job(shared: tuple[Project, Path], job: FormJob) -> str:
    project, out_dir = shared
    write_atomic(out_dir / job.name, _render_form(project, job.form, job.values, job.subject))
    return job.name


def render_forms(project: Project, jobs: list[FormJob], out_dir: Path, workers: int | None = None) -> None:
    """Render every job into ``out_dir``, in parallel (``workers`` processes, default one per core) from 3 jobs up.

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
    parallel.ordered_map(_render_form_job, jobs, shared=(project, out_dir), jobs=workers, threshold=3)


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
    #: The form a plugin adds (``checkframe_register_forms``), for a job of kind "form" that prints one.
    form: PluginForm | None = None


def _checklist_inputs(catalog: Catalog, checklist_id: str) -> Any:
    checklist = catalog.checklist(checklist_id)
    checkpoints = [catalog.checkpoint(c) for c in checklist.checkpoints]
    groups = {c.group_key for c in checkpoints}
    documents = {b.document for c in checkpoints for b in c.basis}
    return {
        "checklist": attrs.asdict(checklist),
        "checkpoints": [attrs.asdict(c) for c in checkpoints],
        "groups": {k: catalog.group(k).title for k in sorted(groups) if catalog.has("group", k)},
        # A [[reference]] prints the other checkpoint's title.
        "references": {r: catalog.checkpoint(r).title for c in checkpoints for r in references(c.what)
                       if catalog.has("checkpoint", r)},
        "documents": [attrs.asdict(catalog.document(d)) for d in sorted(documents) if catalog.has("document", d)],
        "sector": attrs.asdict(catalog.sector(checklist.sector)) if catalog.has("sector", checklist.sector) else None,
    }


def print_jobs(catalog: Catalog, project: Project, *, keys: bool = True,
               forms: Sequence[PluginForm] = ()) -> list[PrintJob]:
    """Every PDF of the project with its cache key, checklists first, then the forms.

    A key hashes everything that goes into its PDF (see :mod:`checkframe.publish.inputs`):
    the checklist, its checkpoints, groups, documents and sector; what a print
    template reads of the project's configuration; checkframe's code, print
    templates and stylesheet by content; the installed CJK fonts; the checkframe
    and WeasyPrint versions; SOURCE_DATE_EPOCH.
    With ``keys=False`` the keys are left empty: the plan alone, with the fonts checked (HarfBuzz and the rest
    of WeasyPrint are checked by :func:`print_all`, and only when some PDF is not in the cache).
    ``forms`` are the plugins' forms (:func:`checkframe.publish.printforms.plugin_forms`); those of
    the sectors the project shows are printed after the built-in ones.
    """
    sectors = set(project.sector_ids(catalog))
    added = [f for f in forms if f.sector in sectors]
    check_fonts()
    if not keys:
        return [
            *(PrintJob(f"{ident}.pdf", "checklist", ident, "") for ident in _checklist_ids(catalog, project)),
            *(PrintJob(f"forms/{form}.pdf", "form", form, "") for form in FORMS),
            *(PrintJob(f"forms/{f.name}.pdf", "form", f.name, "", f) for f in added),
        ]
    common = pdf_inputs(project)
    jobs = []
    for ident in _checklist_ids(catalog, project):
        key = pdf_key("checklist", ident, _checklist_inputs(catalog, ident), common)
        jobs.append(PrintJob(f"{ident}.pdf", "checklist", ident, key))
    for form in FORMS:
        jobs.append(PrintJob(f"forms/{form}.pdf", "form", form, pdf_key("form", form, None, common)))
    for f in added:
        inputs = {"title": f.title, "fields": f.fields, "annex": f.annex, "plugin": f.plugin,
                  "template": f.template.read_text(encoding="utf-8")}
        jobs.append(PrintJob(f"forms/{f.name}.pdf", "form", f.name, pdf_key("plugin-form", f.name, inputs, common), f))
    return jobs


def _checklist_ids(catalog: Catalog, project: Project) -> list[str]:
    idents = project.checklist_ids(catalog)
    for ident in idents:
        if not catalog.has("checklist", ident):
            raise PrintError(f"unknown checklist {ident!r}")
    return idents


def _size(catalog: Catalog) -> Any:
    """A sort key: bigger checklists first, forms last."""
    return lambda job: -len(catalog.checklist(job.target).checkpoints) if job.kind == "checklist" else 0


def _render_job(shared: tuple[Catalog, Project, Path], job: PrintJob) -> Path:
    """Render one job into the cache (in a worker process or in this one)."""
    catalog, project, cache_dir = shared
    if job.kind == "checklist":
        pdf = render_checklist(catalog, project, job.target)
    elif job.form is not None:
        pdf = render_plugin_form(project, job.form)
    else:
        pdf = render_form(catalog, project, job.target)
    target = cache_dir / f"{job.key}.pdf"
    write_atomic(target, pdf)
    return target


def print_all(
    catalog: Catalog, project: Project, out_dir: Path, cache_dir: Path, jobs: int | None = None,
    forms: Sequence[PluginForm] = (), progress: Progress = NO_PROGRESS,
) -> list[Path]:
    """Write ``out_dir/<checklist-id>.pdf`` for every checklist of the project and ``out_dir/forms/<form>.pdf``.

    PDFs are rendered in parallel, ``jobs`` processes (default: one per core
    from two PDFs up; 1 prints in this process), into ``cache_dir/<key>.pdf``,
    and copied from there; a PDF whose key is already cached is not rendered
    again.  Every checklist is checked before the first PDF is rendered.
    ``progress`` counts the PDFs rendered (those in the cache are not).

    :returns: the written paths, in the order of :func:`print_jobs`.
    :raises PrintError: for an unknown or empty checklist, or fonts that cannot print.
    """
    out_dir, cache_dir = Path(out_dir), Path(cache_dir)
    planned = print_jobs(catalog, project, forms=forms)
    for job in planned:
        if job.kind == "checklist" and not catalog.checklist(job.target).checkpoints:
            raise PrintError(f"checklist {job.target!r} has no checkpoints; there is nothing to print")
    cache_dir.mkdir(parents=True, exist_ok=True)
    missing = [job for job in planned if not (cache_dir / f"{job.key}.pdf").is_file()]
    # Longest first, so that one big checklist does not finish alone at the end.
    if missing:
        check_environment()
        progress.phase("printing PDFs", total=len(missing))
    parallel.ordered_map(_render_job, missing, shared=(catalog, project, cache_dir), jobs=jobs, order=_size(catalog),
                         done=lambda job: progress.advance(job.name))
    log.info("printed %d of %d PDFs (%d unchanged)", len(missing), len(planned), len(planned) - len(missing))

    written = []
    (out_dir / "forms").mkdir(parents=True, exist_ok=True)
    for job in planned:
        path = out_dir / job.name
        copy_atomic(cache_dir / f"{job.key}.pdf", path)
        written.append(path)
    return written
