"""How fast checklists print, next to the floor: WeasyPrint rendering a bare table of the same rows.

    python bench/print_bench.py [--project site] [--only ID ...]

Prints, for every checklist of the installed plugins, the pages and seconds per
page of :func:`checkframe.publish.printing.render_checklist` and of the floor (one
``<table>`` with a repeated ``thead``, the same rows as plain text, the same
font and page size, no other styling), and their ratio; then the time of
:func:`checkframe.publish.pdfs.print_all` with 1 and 2 processes into an empty
cache, and of a rebuild with nothing changed, which must render no PDF.
The target is a ratio within 1.3 on one core.

    python bench/print_bench.py --cost --only ID ... [--wait PREFIX]

renders only the given checklists once, after the same warm-up, for counting
instructions under ``valgrind --tool=callgrind --instr-atstart=no``: with
``--wait``, the script writes ``PREFIX.ready`` (its pid) after the warm-up and
waits for ``PREFIX.go``, so that ``callgrind_control -i on PID`` turns counting on
for the rendering alone (see bench/README.md, "print").  It uses nothing newer
than c359bb9's API, so the old tree's interpreter can run it too.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import weasyprint

from checkframe.catalog import build_catalog
from checkframe.cli.common import print_project
from checkframe.plugins import load_plugins
from checkframe.publish import pdfs, printing

FLOOR_CSS = weasyprint.CSS(string="""
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
html { font-family: "Noto Sans CJK SC"; font-size: 10pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.6pt solid #000; }
""")


def floor_html(catalog, checklist_id: str) -> str:
    """The checklist's rows as a bare table: number, the text as written, two empty columns."""
    rows = "".join(
        f"<tr><td>{n}</td><td>{html.escape(catalog.checkpoint(c).what)}</td><td></td><td></td></tr>"
        for n, c in enumerate(catalog.checklist(checklist_id).checkpoints, start=1)
    )
    return (
        f'<html lang="zh-CN"><head><title>{html.escape(catalog.checklist(checklist_id).title)}</title></head><body>'
        f"<table><thead><tr><th>序号</th><th>检查内容</th><th>结果</th><th>备注</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></body></html>"
    )


def pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def floor_pdf(source: str) -> bytes:
    return weasyprint.HTML(string=source).write_pdf(stylesheets=[FLOOR_CSS])


def timed(func, repeat: int):
    """The best time of ``repeat`` runs and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def cost(catalog, project, ids: list[str], wait: str | None) -> int:
    """Warm up on the smallest checklist, then render ``ids`` once each (for an instruction count)."""
    printing.render_checklist(catalog, project, "power-construction")  # imports, fonts, templates
    if wait:
        Path(f"{wait}.ready").write_text(str(os.getpid()))
        while not Path(f"{wait}.go").exists():
            time.sleep(0.05)
    for ident in ids:
        printing.render_checklist(catalog, project, ident)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", help="handbook project (default: site/ if present)")
    parser.add_argument("--only", nargs="*", help="checklist ids (default: all installed)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; the best counts (default: 2)")
    parser.add_argument("--cost", action="store_true", help="render the --only checklists once, nothing else")
    parser.add_argument("--wait", help="with --cost: write WAIT.ready after the warm-up, wait for WAIT.go")
    args = parser.parse_args()

    catalog = build_catalog(load_plugins())
    project = print_project(args.project, catalog)
    ids = args.only or [c.id for c in catalog.checklists]
    if args.cost:
        return cost(catalog, project, args.only or [], args.wait)
    printing.render_form(catalog, project, "deadline-order")  # warm up: imports, fonts, templates

    ours_total = floor_total = 0.0
    ours_pages = floor_pages = 0
    print(f"{'checklist':28} {'items':>5} {'pages':>5} {'s/page':>7} {'floor pages':>11} {'floor s/page':>12} {'ratio':>6}")
    for ident in ids:
        t_ours, pdf = timed(lambda i=ident: printing.render_checklist(catalog, project, i), args.repeat)
        source = floor_html(catalog, ident)
        t_floor, floor = timed(lambda s=source: floor_pdf(s), args.repeat)
        n, m = pages(pdf), pages(floor)
        ours_total, ours_pages = ours_total + t_ours, ours_pages + n
        floor_total, floor_pages = floor_total + t_floor, floor_pages + m
        print(f"{ident:28} {len(catalog.checklist(ident).checkpoints):5} {n:5} {t_ours / n:7.3f} {m:11} {t_floor / m:12.3f} "
              f"{(t_ours / n) / (t_floor / m):6.2f}")
    per_page, floor_per_page = ours_total / ours_pages, floor_total / floor_pages
    print(f"{'all':28} {'':5} {ours_pages:5} {per_page:7.3f} {floor_pages:11} {floor_per_page:12.3f} "
          f"{per_page / floor_per_page:6.2f}")
    print(f"ratio per page: {per_page / floor_per_page:.2f} (target: within 1.3); "
          f"ratio of whole checklists: {ours_total / floor_total:.2f} ({ours_total:.2f} s against {floor_total:.2f} s)")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for jobs in (1, 2):
            start = time.perf_counter()
            written = pdfs.print_all(catalog, project, tmp / f"out{jobs}", tmp / f"cache{jobs}", jobs=jobs)
            print(f"print_all, {jobs} process{'es' if jobs > 1 else ''}: {time.perf_counter() - start:.2f} s "
                  f"for {len(written)} PDFs")
        rendered: list[str] = []
        real = pdfs._render_job
        pdfs._render_job = lambda shared, job: rendered.append(job.name) or real(shared, job)
        start = time.perf_counter()
        pdfs.print_all(catalog, project, tmp / "out2", tmp / "cache2", jobs=2)
        print(f"rebuild with nothing changed: {time.perf_counter() - start:.2f} s, {len(rendered)} PDFs rendered")
        pdfs._render_job = real
        if rendered:
            print(f"error: these rendered again: {', '.join(rendered)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
