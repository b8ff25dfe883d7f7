"""Recall of the handbook's search against Pagefind's on the synthetic catalog: does a piece of a page find it?

::

    python bench/site_bench.py --sizes 40 --no-mkdocs --pagefind   # builds both indexes under --out
    python bench/search_recall.py /dev/shm/checkframe-bench/catalog-40 [--queries 200]

Queries are random substrings of 2 to 6 characters of checkpoints' 检查内容 (``what``), without
whitespace, seeded, each with at least one CJK character: what an inspector remembers of a sentence.
For each, the share of queries whose checkpoint is among the results: checkframe's through
:func:`checkframe.publish.search.query` (the same answers as the browser's, see tests/test_browser.py),
Pagefind's through its JavaScript API (``pagefind.search``) in Debian's Chromium, over HTTP.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import random
import re
import shutil
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # the folder of this script is put on the path first

from checkframe.catalog import build_catalog
from checkframe.publish import search

SEED = 4
CJK = re.compile(r"[\u4e00-\u9fff]")


def queries(root: Path, count: int) -> list[tuple[str, str]]:
    """(query, path of the checkpoint it was cut from), seeded."""
    catalog = build_catalog(synth.plugins_for(root))
    rng = random.Random(SEED)
    out: list[tuple[str, str]] = []
    checkpoints = list(catalog.checkpoints)
    while len(out) < count:
        checkpoint = rng.choice(checkpoints)
        text = re.sub(r"[*`#>\[\]()\-]", "", checkpoint.what)  # the Markdown marks are not on the page
        size = rng.randint(2, 6)
        if len(text) <= size:
            continue
        start = rng.randrange(len(text) - size)
        piece = text[start:start + size]
        if re.search(r"\s", piece) or not CJK.search(piece):
            continue
        out.append((piece, f"checkpoint/{checkpoint.id}.html"))
    return out


PAGE = """<!DOCTYPE html><meta charset="utf-8"><script type="module">
import * as pagefind from "./pagefind/pagefind.js";
window.pagefind = pagefind;
await pagefind.init();
window.ready = true;
</script>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def pagefind_found(site: Path, asked: list[tuple[str, str]]) -> list[bool]:
    from playwright.sync_api import sync_playwright

    (site / "recall.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/recall.html")
            page.wait_for_function("window.ready === true", timeout=30_000)
            found = []
            for query, path in asked:
                # Every result's URL: Pagefind gives ids first, the URL is in each result's data.
                urls = page.evaluate(
                    """async (q) => {
                        const search = await window.pagefind.search(q);
                        const data = await Promise.all(search.results.map((r) => r.data()));
                        return data.map((d) => d.url);
                    }""", query)
                found.append(any(url.endswith("/" + path) or url == path for url in urls))
            browser.close()
    finally:
        server.shutdown()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a catalog folder of site_bench.py")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    asked = queries(args.root, args.queries)
    built = args.root / "handbook" / "_build"
    files = {p.relative_to(built).as_posix(): p.read_bytes() for p in (built / "search").glob("*.js")}
    ours = [path in {p for p, _ in search.query(files, query)} for query, path in asked]
    print(f"{len(asked)} queries (2-6 characters cut from checkpoint texts, seed {SEED})")
    print(f"checkframe search: {sum(ours)}/{len(asked)} found ({sum(ours) / len(asked):.0%})")
    site = args.root / "pagefind-site"
    if not (site / "pagefind" / "pagefind.js").is_file():
        print("Pagefind: no index; run site_bench.py --pagefind first")
        return
    theirs = pagefind_found(site, asked)
    print(f"Pagefind (extended):  {sum(theirs)}/{len(asked)} found ({sum(theirs) / len(asked):.0%})")
    missed = [q for (q, _), ok in zip(asked, theirs, strict=True) if not ok][:12]
    print("missed by Pagefind, e.g.: " + "、".join(missed))
    missed = [q for (q, _), ok in zip(asked, ours, strict=True) if not ok][:12]
    if missed:
        print("missed by checkframe, e.g.: " + "、".join(missed))


if __name__ == "__main__":
    main()
