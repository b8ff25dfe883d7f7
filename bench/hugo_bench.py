"""Page rendering against Hugo: the synthetic catalog's pages built by checkframe and by Hugo in one run.

::

    python bench/hugo_bench.py                  # 40 sectors x 250 checkpoints, best of 3
    python bench/hugo_bench.py --sectors 8 --repeat 2

Hugo (``apt-get install hugo``) builds the same pages that ``site_bench.write_mkdocs`` writes for MkDocs
(home, sectors, checkpoints, checklists, as Markdown) with the smallest layouts it accepts: a page is its
title and its rendered Markdown.  checkframe's figure is ``build(force=True)`` with no search documents
(catalog, rendering, link check, writing; PDFs left out), as "pages" in ``site_bench.py``.  Both write to
a tmpfs and both use every core; each figure is the best of ``--repeat`` runs, wall and CPU (the process
and its children).
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import site_bench  # the bench folder is this script's own, first on sys.path
import synth

LAYOUT = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
          "<body><main>{{ .Content }}</main></body></html>\n")
CONFIG = """baseURL = "http://example.org/"
languageCode = "zh-cn"
title = "合成基准检查手册"
uglyURLs = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""


def write_hugo(root: Path, target: Path) -> int:
    """The pages of ``write_mkdocs`` as a Hugo site in ``target``; returns the number of pages."""
    count = site_bench.write_mkdocs(root, target / "mkdocs")
    docs = target / "mkdocs" / "docs"
    content = target / "content"
    shutil.rmtree(content, ignore_errors=True)
    for source in docs.rglob("*.md"):
        text = source.read_text(encoding="utf-8")
        title = text.splitlines()[0].removeprefix("# ")
        rel = source.relative_to(docs)
        path = content / ("_index.md" if rel.as_posix() == "index.md" else rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'+++\ntitle = "{title}"\n+++\n' + text, encoding="utf-8")
    layouts = target / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    for name in ("single.html", "list.html"):
        (layouts / name).write_text(LAYOUT, encoding="utf-8")
    (target / "layouts" / "index.html").write_text(LAYOUT, encoding="utf-8")
    (target / "config.toml").write_text(CONFIG, encoding="utf-8")
    return count


def _floor_pages(shared: None, chunk: list[tuple[str, str]]) -> int:
    """Render and write a chunk of (Markdown file, output file) with markdown-it-py and jinja2 (see :func:`floor`)."""
    import jinja2

    from checkframe.publish.markdown import render

    template = jinja2.Environment(autoescape=True).from_string(FLOOR_LAYOUT)
    for source, out in chunk:
        text = Path(source).read_text(encoding="utf-8").split("+++\n", 2)[2]
        title = text.splitlines()[0].removeprefix("# ")
        page = Path(out)
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(template.render(title=title, content=jinja2.utils.markupsafe.Markup(render(text))),
                        encoding="utf-8")
    return len(chunk)


#: Hugo's minimal layout as a jinja2 template.
FLOOR_LAYOUT = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title></head>'
                "<body><main>{{ content }}</main></body></html>\n")


def floor(target: Path, jobs: int = 0) -> int:
    """The least any page build on checkframe's libraries does for Hugo's pages: each Markdown file of the Hugo tree
    rendered by markdown-it-py (checkframe's configuration) into Hugo's minimal layout as a jinja2 template, and
    written; no navigation, no links checked, no catalog.  In ``jobs`` forked processes (default: one per core),
    as checkframe and Hugo use every core.  Returns the pages written."""
    import multiprocessing
    import os

    content, out = target / "content", target / "floor"
    shutil.rmtree(out, ignore_errors=True)
    items = [(str(p), str(out / p.relative_to(content).with_suffix(".html"))) for p in sorted(content.rglob("*.md"))]
    jobs = jobs or os.cpu_count() or 1
    chunks = [items[i::jobs] for i in range(jobs)]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        return sum(pool.starmap(_floor_pages, [(None, chunk) for chunk in chunks]))


def _cpu() -> float:
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def timed(run) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    gc.collect()  # the last build's objects, as a fresh process has none (see site_bench.timed_build)
    cpu, start = _cpu(), time.perf_counter()
    run()
    return time.perf_counter() - start, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sectors", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/dev/shm/checkframe-hugo-bench"))
    args = parser.parse_args()
    hugo = shutil.which("hugo")
    if hugo is None:
        sys.exit("hugo is not installed: apt-get install hugo")
    version = subprocess.run([hugo, "version"], capture_output=True, text=True, check=True).stdout.split()[1]
    root = args.out / f"catalog-{args.sectors}"
    if not (root / "handbook").is_dir():
        synth.generate(root, sectors=args.sectors)
    target = args.out / f"hugo-{args.sectors}"
    hugo_pages = write_hugo(root, target)

    import checkframe.publish.build as cfbuild
    import checkframe.publish.site as cfsite

    project = root / "handbook"
    cfbuild.print_all = lambda *a, **k: None  # the site only, as in site_bench.py
    shutil.rmtree(project / "_build", ignore_errors=True)
    result = cfbuild.build(project, plugins=synth.plugins_for(root))
    cfsite.search.document = lambda path, page: None  # no search documents: the pages alone
    ours = [timed(lambda: cfbuild.build(project, plugins=synth.plugins_for(root), force=True))
            for _ in range(args.repeat)]
    theirs = [timed(lambda: subprocess.run([hugo, "--quiet", "--source", str(target), "--destination",
                                            str(target / "public"), "--cleanDestinationDir"], check=True))
              for _ in range(args.repeat)]
    built = sum(1 for _ in (target / "public").rglob("*.html"))
    floors = [timed(lambda: floor(target)) for _ in range(args.repeat)]
    floor_pages = floor(target)
    (ours_wall, ours_cpu), (hugo_wall, hugo_cpu), (floor_wall, floor_cpu) = min(ours), min(theirs), min(floors)
    print(f"{site_bench.machine()}; Hugo {version}; best of {args.repeat}")
    print(f"{'':<28}{'pages':>8}{'wall s':>9}{'CPU s':>8}")
    print(f"{'checkframe (pages, no PDF)':<28}{result.pages:>8}{ours_wall:>9.2f}{ours_cpu:>8.2f}")
    print(f"{'Hugo (minimal layouts)':<28}{built:>8}{hugo_wall:>9.2f}{hugo_cpu:>8.2f}")
    print(f"{'markdown-it + jinja2 floor':<28}{floor_pages:>8}{floor_wall:>9.2f}{floor_cpu:>8.2f}")
    print(f"checkframe / Hugo: {ours_wall / hugo_wall:.2f}x wall, {ours_cpu / hugo_cpu:.2f}x CPU "
          f"(target <= 1.2x; Hugo's {hugo_pages} Markdown pages)")
    print(f"the floor / Hugo: {floor_wall / hugo_wall:.2f}x wall, {floor_cpu / hugo_cpu:.2f}x CPU (the same pages in "
          "Hugo's layout, Markdown and template alone)")


if __name__ == "__main__":
    main()
