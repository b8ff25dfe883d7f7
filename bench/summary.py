"""Every speed figure of issue 19 measured in one run, each beside its reference and its target, as one table.

::

    python bench/summary.py                               # 40 sectors; the ledger at 10,000, 50,000, 100,000
    python bench/summary.py --sectors 10 --ledger 10000   # a quick look (minutes less)

It runs, one after the other on the same machine, what the other scripts of bench/ measure one at a time:

- the site (``site_bench.py``, in a fresh child): the whole cold build with search against MkDocs on
  the same pages, the pages alone against Hugo (``hugo_bench.py``'s tree, minimal layouts), a rebuild
  with nothing changed, one checkpoint changed and the handbook's title changed, each against cold;
  the build's peak memory;
- printing (``print_bench.py``): seconds per PDF page of the ``--print`` longest installed checklists
  against WeasyPrint's floor (a bare table of the same rows);
- the ledger (``ledger_bench.py``, each run a fresh child): cold, again with nothing new and after one
  new record, with peak memory, at each size.

Every figure is one run (best of ``--repeat`` for the site and Hugo), so it carries the machine's noise:
the load average is printed before and after.  MkDocs (``pip install mkdocs``) and Hugo (``apt-get
install hugo``) are optional; a row without its reference says so.  Output under ``--out`` (a tmpfs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hugo_bench  # the bench folder, first on the path
import ledger_bench
import site_bench
import synth

TARGETS = {
    "mkdocs": 0.5, "hugo": 1.2, "rebuild": site_bench.TARGET_REBUILD, "one": site_bench.TARGET_ONE_CHECKPOINT,
    "print": 1.3, "ledger_cold": ledger_bench.TARGET_SECONDS, "ledger_new": 0.3,
}


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def hugo_seconds(root: Path, out: Path, repeat: int) -> tuple[float, int, float] | None:
    """Hugo's best wall time on the site's pages, its page count, and the best wall time of the floor on the same
    pages (``hugo_bench.floor``: markdown-it-py and jinja2 alone); None when Hugo is not installed."""
    hugo = shutil.which("hugo")
    if hugo is None:
        return None
    target = out / f"hugo-{root.name}"
    hugo_bench.write_hugo(root, target)
    command = [hugo, "--quiet", "--source", str(target), "--destination", str(target / "public"),
               "--cleanDestinationDir"]
    best = min(hugo_bench.timed(lambda: subprocess.run(command, check=True))[0] for _ in range(repeat))
    floor = min(hugo_bench.timed(lambda: hugo_bench.floor(target))[0] for _ in range(repeat))
    return best, sum(1 for _ in (target / "public").rglob("*.html")), floor


def mkdocs_seconds(root: Path) -> tuple[float, float] | None:
    """MkDocs' wall time and peak memory on the same pages; None when MkDocs is not installed."""
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        return None
    figures = site_bench.measure_mkdocs(root)
    return figures["mkdocs"], figures["mkdocs_rss_mib"]


def print_per_page(count: int, repeat: int) -> tuple[float, float, int, int]:
    """Seconds per page of the ``count`` longest installed checklists, of their floor, and both page counts."""
    import print_bench

    from checkframe.catalog import build_catalog
    from checkframe.cli.common import print_project
    from checkframe.plugins import load_plugins
    from checkframe.publish import printing

    catalog = build_catalog(load_plugins())
    project = print_project(None, catalog)
    ids = sorted((c.id for c in catalog.checklists), key=lambda i: -len(catalog.checklist(i).checkpoints))[:count]
    printing.render_form(catalog, project, "deadline-order")  # warm up: imports, fonts, templates
    ours = floor = 0.0
    ours_pages = floor_pages = 0
    for ident in ids:
        seconds, pdf = print_bench.timed(lambda i=ident: printing.render_checklist(catalog, project, i), repeat)
        ours, ours_pages = ours + seconds, ours_pages + print_bench.pages(pdf)
        source = print_bench.floor_html(catalog, ident)
        seconds, pdf = print_bench.timed(lambda s=source: print_bench.floor_pdf(s), repeat)
        floor, floor_pages = floor + seconds, floor_pages + print_bench.pages(pdf)
    return ours / ours_pages, floor / floor_pages, ours_pages, floor_pages


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "**not met**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sectors", type=int, default=40, help="synthetic sectors of 250 checkpoints (default 40)")
    parser.add_argument("--ledger", type=int, nargs="+", default=[10000, 50000, 100000], help="ledger sizes, records")
    parser.add_argument("--print", type=int, default=4, dest="printed", help="checklists to print (default 4)")
    parser.add_argument("--repeat", type=int, default=1, help="site, Hugo and PDF runs; the best counts")
    parser.add_argument("--out", type=Path, default=Path("/dev/shm/checkframe-summary")
                        if Path("/dev/shm").is_dir() else Path("/tmp/checkframe-summary"))
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"{site_bench.machine()}; load average {load()}", flush=True)
    rows: list[tuple[str, str, str, str, str, str]] = []
    # The ledger first: a child's peak memory starts at its parent's (Linux keeps it across exec), and the
    # parent is smallest now, before it holds a catalog and WeasyPrint.
    ledger_rows: list[tuple[str, str, str, str, str, str]] = []
    first: float | None = None
    for size in args.ledger:
        store = args.out / f"ledger-{size}"
        ledger_bench.generate(store, size, max(1, size // 20), 4)
        runs = dict(ledger_bench.runs(store, []))
        shutil.rmtree(store, ignore_errors=True)
        cold_run, new_run = runs["cold (no cache)"], runs["after one new record"]
        first = first if first is not None else cold_run["ledger"] / size
        linear = cold_run["ledger"] / size / first
        ledger_rows.append((f"ledger, {size:,} records, cold", f"{cold_run['ledger']:.2f} s",
                     f"{linear:.2f} x the first size's time per record" if size != args.ledger[0] else "",
                     "", "< 2 s" if size == 10000 else "linear",
                     verdict(cold_run["ledger"], TARGETS["ledger_cold"] - 1e-9) if size == 10000 else ""))
        ledger_rows.append((f"ledger, {size:,} records, after one new record", f"{new_run['ledger']:.2f} s",
                     f"nothing new {runs['again, nothing new']['ledger']:.2f} s", "",
                     "< 0.3 s" if size == 10000 else "",
                     verdict(new_run["ledger"], TARGETS["ledger_new"] - 1e-9) if size == 10000 else ""))
        ledger_rows.append((f"ledger, {size:,} records, peak memory", f"{max(r['rss_mib'] for r in runs.values()):.0f} MiB",
                     "", "", "", ""))
        print(f"ledger {size} done, load average {load()}", flush=True)


    root = args.out / f"catalog-{args.sectors}"
    shutil.rmtree(root, ignore_errors=True)
    synth.generate(root, args.sectors)
    site = min((site_bench.measure_in_child(root) for _ in range(args.repeat)), key=lambda r: r["cold"])
    pages, cold = int(site["pages_count"]), site["cold"]
    print(f"site done ({pages} pages), load average {load()}", flush=True)
    mk = mkdocs_seconds(root)
    if mk is None:
        rows.append((f"whole build with search, {pages:,} pages", f"{cold:.2f} s", "MkDocs not installed", "", "<= 0.5 x",
                     ""))
    else:
        rows.append((f"whole build with search, {pages:,} pages", f"{cold:.2f} s", f"MkDocs {mk[0]:.2f} s",
                     f"{cold / mk[0]:.2f} x", "<= 0.5 x", verdict(cold / mk[0], TARGETS["mkdocs"])))
    hugo = hugo_seconds(root, args.out, args.repeat)
    if hugo is None:
        rows.append(("pages alone (no search, no PDFs)", f"{site['pages']:.2f} s", "Hugo not installed", "", "<= 1.2 x",
                     ""))
    else:
        ratio = site["pages"] / hugo[0]
        rows.append(("pages alone (no search, no PDFs)", f"{site['pages']:.2f} s",
                     f"Hugo {hugo[0]:.2f} s ({hugo[1]:,} pages, minimal layouts)", f"{ratio:.2f} x", "<= 1.2 x",
                     verdict(ratio, TARGETS["hugo"])))
        rows.append(("the floor: Hugo's pages and layout in markdown-it-py and jinja2 alone", f"{hugo[2]:.2f} s",
                     f"Hugo {hugo[0]:.2f} s", f"{hugo[2] / hugo[0]:.2f} x", "<= 1.2 x",
                     verdict(hugo[2] / hugo[0], TARGETS["hugo"])))
    for key, label, target in (("rebuild", "rebuild, nothing changed", "rebuild"),
                               ("one_checkpoint", "one checkpoint changed, first edit after cold", "one"),
                               ("one_checkpoint_again", "the same checkpoint edited again", "one")):
        ratio = site[key] / cold
        rendered = f" ({int(site[key + '_rendered'])} pages rendered)" if key.startswith("one_checkpoint") else ""
        rows.append((label + rendered, f"{site[key]:.2f} s", f"cold {cold:.2f} s", f"{ratio:.3f} x",
                     f"<= {TARGETS[target]:g} x", verdict(ratio, TARGETS[target])))
    rows.append((f"handbook title changed ({int(site['title_rendered'])} pages rendered)", f"{site['title']:.2f} s",
                 f"cold {cold:.2f} s", f"{site['title'] / cold:.2f} x", "may be a cold build", ""))
    rows.append(("site build, peak memory", f"{site['rss_self_mib']:.0f} MiB (largest worker "
                 f"{site['rss_children_mib']:.0f} MiB)", "" if mk is None else f"MkDocs {mk[1]:.0f} MiB", "", "", ""))

    ours, floor, ours_pages, floor_pages = print_per_page(args.printed, args.repeat)
    rows.append((f"PDF per page ({args.printed} longest checklists, {ours_pages} pages)", f"{ours:.3f} s",
                 f"floor {floor:.3f} s ({floor_pages} pages)", f"{ours / floor:.2f} x", "<= 1.3 x",
                 verdict(ours / floor, TARGETS["print"])))
    print(f"print done, load average {load()}", flush=True)

    shutil.rmtree(root, ignore_errors=True)

    rows.extend(ledger_rows)
    shutil.rmtree(root, ignore_errors=True)

    print(f"\none run, {time.perf_counter() - started:.0f} s; load average {load()}\n")
    print("| figure | checkframe | reference | ratio | target | |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
