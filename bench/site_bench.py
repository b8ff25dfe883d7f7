"""Benchmark of the handbook site build on the synthetic catalog of :mod:`synth`, with MkDocs as the reference.

::

    python bench/site_bench.py                        # 40 x 250 checkpoints, 1/4, 1/2 and full; MkDocs at full size
    python bench/site_bench.py --no-mkdocs --sizes 40
    python bench/site_bench.py --sizes 40 --pagefind   # also Pagefind on the same built site, if installed

Output goes to ``--out`` (default ``/dev/shm/checkframe-bench``, a tmpfs) so
that the disk does not dominate.  Each catalog size is built in a fresh child
process, so that its peak memory is its own.  The figures:

- **cold**: ``build()`` with no previous output, search index included;
- **search**: of the cold build, the time :func:`checkframe.publish.search.build_index` took in the
  building process (postings, shards, files); the documents and their tokens are made by
  the render workers, so their cost is in **cold** minus **pages**;
- **pages**: ``build(force=True)`` with no search documents and an empty index: catalog,
  rendering, link checking and writing (``hugo_bench.py`` compares it with Hugo);
- **index**: the size of ``_build/search/`` and its number of files;
- **rebuild**: ``build()`` again with nothing changed (plugins loaded afresh);
- **one checkpoint**: ``build()`` after one checkpoint's 检查内容 is edited in its content file (a checkpoint
  in the middle of sector 5): the incremental build (issue 19, item 1), with how many pages it rendered;
- **again**: the same checkpoint edited once more: the pages the cold build wrote just before its page cache
  were then "racily clean" (read and checked, see ``checkframe.publish.pagecache``), now their stat is trusted;
  each edit is made 2 s (the racy margin) after the build before it, as a person's edits are seconds apart:
  edits in quicker succession find the pages the build before linked still racily clean, and read them;
- **title**: ``build()`` after that, with the handbook's title changed (every page shows it);
- each build starts with the objects of the one before freed (``gc.collect()``, not timed): the command builds
  in a fresh process, and a build's objects wait for the cycle collector (see ``checkframe.publish.build``);
- **peak RSS**: the child's own peak (``VmHWM``, :mod:`memory`) and ``ru_maxrss`` of its largest child
  process, a render worker;
- with ``--pagefind``: the Pagefind (extended) binary on a copy of the built site whose search
  attributes are renamed to Pagefind's, as the handbook used it before its own index.

The PDFs that ``build()`` also prints (one per checklist: 120 long ones here) are
left out: ``checkframe.publish.build.print_all`` is replaced by a no-op, since MkDocs and
Hugo print nothing and ``bench/print_bench.py`` measures printing.  The pages
still link to the PDFs, and the link check still expects them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import memory  # the folder of this script is put on the path first
import synth

TARGET_VS_MKDOCS = 0.5
TARGET_REBUILD = 1 / 20
TARGET_ONE_CHECKPOINT = 0.1


def edit_one_checkpoint(root: Path) -> None:
    """Append a sentence to the 检查内容 of one checkpoint in the middle of the catalog's sixth sector (or its last)."""
    import tomllib

    import tomli_w

    folders = sorted((root / "plugins").iterdir())
    files = sorted((folders[min(5, len(folders) - 1)] / "checkpoints").glob("*.toml"))
    path = files[len(files) // 2]
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    checkpoint = data["checkpoint"][len(data["checkpoint"]) // 2]
    checkpoint["what"] = checkpoint["what"].rstrip("\n") + "\n\n检查时一并核对整改台账。\n"
    path.write_text(tomli_w.dumps(data, multiline_strings=True), encoding="utf-8")


def edit_title(project: Path) -> None:
    """Change the handbook's title in the project's ``checkframe.toml`` (a change every page shows)."""
    config = project / "checkframe.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(synth.HANDBOOK["handbook"]["title"], synth.HANDBOOK["handbook"]["title"] + "（修订）"),
                      encoding="utf-8")


def _mib(kib: int) -> float:
    return kib / 1024


# -- One catalog size, in a child process ---------------------------------------------------


def timed_build(project: Path, root: Path, **kwargs: bool) -> tuple[Any, float]:
    """``build()`` and its wall time, started with the last build's objects freed (not timed)."""
    import checkframe.publish.build as cfbuild

    gc.collect()
    start = time.perf_counter()
    result = cfbuild.build(project, plugins=synth.plugins_for(root), **kwargs)
    return result, time.perf_counter() - start


def measure(root: Path) -> dict[str, float]:
    import checkframe.publish.build as cfbuild

    project = root / "handbook"
    cfbuild.print_all = lambda *args, **kwargs: None  # the site only; see the module's docstring
    shutil.rmtree(project / "_build", ignore_errors=True)
    shutil.rmtree(project / cfbuild.CACHE, ignore_errors=True)
    figures: dict[str, float] = {}

    real_index = cfbuild.build_index

    def timed_index(documents, previous=None):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        built = real_index(documents, previous)
        figures["search"] = time.perf_counter() - start
        return built

    cfbuild.build_index = timed_index
    result, figures["cold"] = timed_build(project, root)
    figures["pages_count"] = result.pages
    assert result.written
    cfbuild.build_index = real_index
    index = [p for p in (project / "_build" / "search").iterdir()]
    figures["index_mb"] = sum(p.stat().st_size for p in index) / 1e6
    figures["index_files"] = len(index)

    again, figures["rebuild"] = timed_build(project, root)
    assert not again.written

    from checkframe.publish.pagecache import RACY_MARGIN_NS

    for name, edit in (("one_checkpoint", lambda: edit_one_checkpoint(root)),
                       ("one_checkpoint_again", lambda: edit_one_checkpoint(root)),
                       ("title", lambda: edit_title(project))):
        time.sleep(RACY_MARGIN_NS / 1e9)  # edits seconds apart, as a person makes them (not timed)
        edit()
        edited, figures[name] = timed_build(project, root)
        figures[f"{name}_rendered"] = edited.rendered
        assert edited.written

    import checkframe.publish.site as cfsite

    real_document = cfsite.search.document
    cfsite.search.document = lambda path, page: None  # no documents: the index of nothing
    try:
        _, figures["pages"] = timed_build(project, root, force=True)
    finally:
        cfsite.search.document = real_document
    if PAGEFIND:
        cfbuild.build(project, plugins=synth.plugins_for(root), force=True)
        figures.update(measure_pagefind(root, project / "_build"))
    figures["rss_self_mib"] = memory.peak_mib()
    figures["rss_children_mib"] = _mib(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return figures


#: Set by ``--pagefind`` (in the child through the environment).
PAGEFIND = os.environ.get("CHECKFRAME_BENCH_PAGEFIND") == "1"


def pagefind_binary() -> str | None:
    try:
        from pagefind_bin_extended import get_executable  # type: ignore[import-not-found]
    except ImportError:
        return None
    return str(get_executable())


def measure_pagefind(root: Path, site: Path) -> dict[str, float]:
    """Pagefind on a copy of ``site`` with the search attributes renamed to Pagefind's (the copy is not timed)."""
    binary = pagefind_binary()
    if binary is None:
        return {}
    copy = root / "pagefind-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("search"))
    for page in copy.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        renamed = (text.replace("data-search-body", "data-pagefind-body")
                   .replace("data-search-ignore", "data-pagefind-ignore")
                   .replace(' data-search-sector="', ' data-pagefind-filter="行业:'))
        if renamed != text:
            page.write_text(renamed, encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([binary, "--site", str(copy), "--output-path", str(copy / "pagefind")], check=True,
                   capture_output=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    files = [p for p in (copy / "pagefind").rglob("*") if p.is_file()]
    return {"pagefind": seconds, "pagefind_cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "pagefind_mb": sum(p.stat().st_size for p in files) / 1e6, "pagefind_files": len(files)}


def measure_in_child(root: Path, pagefind: bool = False) -> dict[str, float]:
    env = {**os.environ, "CHECKFRAME_BENCH_PAGEFIND": "1" if pagefind else "0"}
    out = subprocess.run([sys.executable, __file__, "--child", str(root)], check=True, capture_output=True, text=True,
                         env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- MkDocs, on the same pages --------------------------------------------------------------


def write_mkdocs(root: Path, target: Path) -> int:
    """The same pages as Markdown for MkDocs: home, sectors, checkpoints, checklists; return the page count."""
    from checkframe.catalog import build_catalog

    catalog = build_catalog(synth.plugins_for(root))
    docs = target / "docs"
    shutil.rmtree(target, ignore_errors=True)
    pages: dict[str, str] = {}
    pages["index.md"] = "# 合成基准检查手册\n\n" + "".join(f"- [{s.name}](sector/{s.id}.md)\n" for s in catalog.sectors)
    for sector in catalog.sectors:
        lines = [f"# {sector.name}\n\n{sector.description}\n"]
        for group in catalog.sector_groups(sector.id):
            lines.append(f"\n## {group.title}\n\n| 编号 | 检查项 | 等级 |\n| --- | --- | --- |\n")
            lines.extend(f"| `{c.id}` | [{c.title}](../checkpoint/{c.id}.md) | {c.level.label} |\n"
                         for c in catalog.checkpoints if c.group_key == group.key)
        pages[f"sector/{sector.id}.md"] = "".join(lines)
    for c in catalog.checkpoints:
        basis = "".join(f"- 《{catalog.document(b.document).title}》{b.article}{b.item}\n" for b in c.basis)
        pages[f"checkpoint/{c.id}.md"] = (
            f"# {c.title}\n\n`{c.id}` · {c.level.label}\n\n## 检查内容\n\n{c.what}\n\n## 检查方法\n\n"
            + "".join(f"- {m}\n" for m in c.how) + f"\n## 法规依据\n\n{basis}"
        )
    for checklist in catalog.checklists:
        pages[f"checklist/{checklist.id}.md"] = f"# {checklist.title}\n\n" + "".join(
            f"1. [{catalog.checkpoint(i).title}](../checkpoint/{i}.md)\n" for i in checklist.checkpoints)
    for path, text in pages.items():
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text(text, encoding="utf-8")
    nav = "\n".join(["nav:", "  - 首页: index.md", *(f"  - '{s.name}': sector/{s.id}.md" for s in catalog.sectors)])
    (target / "mkdocs.yml").write_text(
        f"site_name: 合成基准检查手册\nsite_dir: {target / 'site'}\ntheme:\n  name: mkdocs\n  locale: zh\n"
        f"plugins:\n  - search\n{nav}\n", encoding="utf-8")
    return len(pages)


def measure_mkdocs(root: Path) -> dict[str, float]:
    target = root.parent / (root.name + "-mkdocs")
    count = write_mkdocs(root, target)
    # `mkdocs build -q -f mkdocs.yml`, in a child that reports its own peak memory.
    command = [sys.executable, "-c", MKDOCS_CHILD, str(target / "mkdocs.yml")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"mkdocs": seconds, "mkdocs_pages": count, "mkdocs_rss_mib": _mib(int(out.stdout.split()[-1])),
            "mkdocs_cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)}


MKDOCS_CHILD = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
import memory
from mkdocs.__main__ import cli
cli.main(["build", "-q", "-f", sys.argv[1]], standalone_mode=False)
print(int(memory.peak_mib() * 1024))
"""


# -- The report -----------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/dev/shm/checkframe-bench"))
    parser.add_argument("--sectors", type=int, default=synth.SECTORS)
    parser.add_argument("--sizes", default="10,20,40", help="catalog sizes to build, in sectors of 250 checkpoints")
    parser.add_argument("--no-mkdocs", action="store_true")
    parser.add_argument("--pagefind", action="store_true",
                        help="also run Pagefind (pip install 'pagefind[extended]') on the largest built site")
    parser.add_argument("--repeat", type=int, default=1, help="build each size this many times; report the best")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return

    print(f"machine: {machine()}")
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, float]] = {}
    for sectors in sizes:
        root = args.out / f"catalog-{sectors}"
        shutil.rmtree(root, ignore_errors=True)
        synth.generate(root, sectors)
        runs = [measure_in_child(root, args.pagefind and sectors == max(sizes)) for _ in range(args.repeat)]
        results[sectors] = r = min(runs, key=lambda run: run["cold"])
        for key in ("pages", "rebuild", "one_checkpoint", "one_checkpoint_again", "title", "search", "pagefind",
                    "pagefind_cpu"):
            if key in r:
                r[key] = min(run[key] for run in runs)
        print(f"{sectors:>3} sectors, {sectors * synth.PER_SECTOR:>6} checkpoints, {int(r['pages_count']):>6} pages: "
              f"cold {r['cold']:6.2f} s | pages without search {r['pages']:6.2f} s | search index step "
              f"{r['search']:5.2f} s | index {r['index_mb']:5.1f} MB in {int(r['index_files'])} files | "
              f"rebuild {r['rebuild']:5.2f} s | one checkpoint changed {r['one_checkpoint']:5.2f} s "
              f"({int(r['one_checkpoint_rendered'])} pages rendered), again {r['one_checkpoint_again']:5.2f} s "
              f"({int(r['one_checkpoint_again_rendered'])}) | title changed {r['title']:5.2f} s "
              f"| peak RSS {r['rss_self_mib']:6.0f} MiB (largest child "
              f"{r['rss_children_mib']:5.0f} MiB)" + (f" [best of {args.repeat}]" if args.repeat > 1 else ""))
        if "pagefind" in r:
            print(f"    Pagefind (extended) on the same pages: {r['pagefind']:.2f} s wall, {r['pagefind_cpu']:.2f} s CPU, "
                  f"index {r['pagefind_mb']:.1f} MB in {int(r['pagefind_files'])} files")
        elif args.pagefind and sectors == max(sizes):
            print("    Pagefind is not installed: pip install 'pagefind[extended]'")
    full = results[max(sizes)]

    print()
    if not args.no_mkdocs:
        mk = min((measure_mkdocs(args.out / f"catalog-{max(sizes)}") for _ in range(args.repeat)),
                 key=lambda run: run["mkdocs"])
        print(f"MkDocs {max(sizes)} sectors, {int(mk['mkdocs_pages'])} pages (theme mkdocs, built-in search): "
              f"{mk['mkdocs']:.2f} s wall, {mk['mkdocs_cpu']:.2f} s CPU, peak RSS {mk['mkdocs_rss_mib']:.0f} MiB")
        ratio = full["cold"] / mk["mkdocs"]
        print(f"whole build vs MkDocs:       {ratio:5.2f} x   "
              f"(target <= {TARGET_VS_MKDOCS}: {verdict(ratio <= TARGET_VS_MKDOCS)})")
    print("pages vs Hugo: python bench/hugo_bench.py (the same pages built by both in one run)")
    ratio = full["rebuild"] / full["cold"]
    print(f"rebuild vs cold:             {ratio:6.3f} x  "
          f"(target <= {TARGET_REBUILD:.3f}: {verdict(ratio <= TARGET_REBUILD)})")
    ratio = full["one_checkpoint"] / full["cold"]
    print(f"one checkpoint vs cold:      {ratio:6.3f} x  "
          f"(target <= {TARGET_ONE_CHECKPOINT:.3f}: {verdict(ratio <= TARGET_ONE_CHECKPOINT)})")
    ratio = full["one_checkpoint_again"] / full["cold"]
    print(f"  the same edited again:     {ratio:6.3f} x  "
          f"(target <= {TARGET_ONE_CHECKPOINT:.3f}: {verdict(ratio <= TARGET_ONE_CHECKPOINT)})")
    if len(sizes) > 1:
        small, big = min(sizes), max(sizes)
        growth = results[big]["rss_self_mib"] / results[small]["rss_self_mib"]
        print(f"peak memory growth {small}→{big} sectors: {growth:.2f} x for {big / small:.2f} x the catalog   "
              f"(target: not faster than the catalog: {verdict(growth <= big / small)})")


if __name__ == "__main__":
    main()
