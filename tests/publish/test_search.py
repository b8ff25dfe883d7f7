"""The built-in search index: documents from pages, tokens, postings, queries, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkframe.publish import search
from checkframe.publish.build import build
from doubles import load_only

CONFIG = '[handbook]\ntitle = "测试检查手册"\ndepartment = "测试区应急管理局"\n'
SITE = Path(__file__).resolve().parents[2] / "site"

EXTRA = """
[group]
id = "misc"
title = "杂项"

[[checkpoint]]
id = "{prefix}-misc-01"
title = "抽采系统"
what = "瓦斯泵房外有抽采管路；执行 GB 50016 和 AQ1029 的规定。"
level = "general"

[[checkpoint]]
id = "{prefix}-misc-02"
title = "标题里的<script>alert(1)</script>"
what = "说明里有 \\"引号\\" 和 <b>标签</b> 以及 &amp; 符号。"
level = "general"
"""


def index_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "search").glob("*.js"))}


@pytest.fixture
def built(tmp_path, content) -> Path:
    content.write("checkpoints/02-misc.toml", EXTRA)
    root = tmp_path / "handbook"
    root.mkdir()
    (root / "checkframe.toml").write_text(CONFIG, encoding="utf-8")
    build(root, plugins=load_only(demo=content.plugin()))
    return root / "_build"


def titles(files: dict[str, bytes], text: str, sector: str | None = None) -> list[str]:
    return [title for _, title in search.query(files, text, sector)]


def test_document_reads_main_and_leaves_out_the_ignored_parts():
    page = ('<html><head><title>x</title></head><body><nav>导航</nav>'
            '<main id="main" data-search-body data-search-sector="煤矿&amp;矿山"><h1>瓦斯<em>检查</em></h1>'
            '<p>第一段</p><p>第二<strong>段</strong>&lt;b&gt;</p><script>var x = "脚本";</script>'
            '<nav class="pager" data-search-ignore><a href="x">下一项</a></nav></main><footer>页脚</footer>')
    assert search.read_page(page) == ("瓦斯检查", "煤矿&矿山", "第一段\n第二段<b>", False, False)  # a line per block
    checkpoint = page.replace("data-search-body", 'data-search-body data-search-kind="checkpoint" data-search-major')
    assert search.read_page(checkpoint) == ("瓦斯检查", "煤矿&矿山", "第一段\n第二段<b>", True, True)
    assert search.read_page(page.replace("data-search-body", 'data-search-body data-search-major-x'))[4] is False
    assert search.document("p.html", '<main id="main"><h1>不索引</h1></main>') is None
    doc = search.document("p.html", page)
    assert doc.path == "p.html" and "第二" in doc.tokens.split("\n") and "导航" not in doc.tokens


def test_tokens_are_cjk_bigrams_single_characters_and_ascii_words():
    assert search.tokens(search.fold("瓦斯抽采")) == {"瓦", "斯", "抽", "采", "瓦斯", "斯抽", "抽采"}
    assert search.tokens(search.fold("ＧＢ５００１６ AQ-1029")) == {"gb50016", "gb", "50016", "aq", "1029"}
    assert search.query_tokens("瓦斯抽") == ["瓦斯", "斯抽"]
    assert search.query_tokens("煤") == ["煤"]
    assert search.query_tokens("gb50016煤矿") == ["gb50016", "煤矿"]
    assert search.fold("ＡＢＣ，㎡") == "abc,㎡"  # NFKC and lowercase; a character that would grow stays


def test_a_word_from_the_middle_of_a_sentence_is_found(built):
    files = index_of(built)
    assert titles(files, "假检")[0] == "瓦斯检查"
    assert "抽采系统" in titles(files, "泵房")


def test_title_matches_come_first_then_catalog_order(built):
    found = titles(built and index_of(built), "瓦斯")
    assert found[:2] == ["瓦斯检查", "瓦斯检查员持证"]
    assert "抽采系统" in found[2:]


def test_single_characters_ascii_words_and_mixed_queries(built):
    files = index_of(built)
    assert "抽采系统" in titles(files, "泵")
    assert titles(files, "gb") == titles(files, "GB 50016") == ["抽采系统"]
    assert titles(files, "ＡＱ1029") == ["抽采系统"]
    assert titles(files, "50016 泵房") == ["抽采系统"]
    assert titles(files, "gb50016") == []  # not in the text: "GB 50016"
    assert titles(files, "瓦斯 持证")[0] == "瓦斯检查员持证"  # then the sector page and the checklist
    assert titles(files, "，") == titles(files, "   ") == []


def test_no_false_positives_from_bigrams_found_apart(built):
    files = index_of(built)
    # The page of 抽采系统 has 瓦斯 and 斯抽 nowhere together; 瓦斯 and 抽采 are there, apart.
    assert titles(files, "瓦斯抽采") == []
    assert titles(files, "检漏") == []  # 漏检 is there, 检漏 is not


def test_hostile_text_is_indexed_as_text(built):
    files = index_of(built)
    hostile = "标题里的<script>alert(1)</script>"
    assert titles(files, "script")[0] == hostile  # then the sector page listing it
    assert titles(files, '"引号"') == titles(files, "<b>标签</b>") == [hostile]


def test_sector_filter(built):
    files = index_of(built)
    assert titles(files, "瓦斯", "测试行业")[:2] == ["瓦斯检查", "瓦斯检查员持证"]
    assert titles(files, "瓦斯", "没有这个行业") == []


def test_the_index_is_byte_identical_across_builds(built, tmp_path, content):
    first = index_of(built)
    build(built.parent, plugins=load_only(demo=content.plugin()), force=True)
    assert index_of(built) == first
    assert len(first) > 2


def test_the_pager_is_not_indexed(built):
    files = index_of(built)
    # 瓦斯检查员持证 is linked from 瓦斯检查's pager only: that page must not match it.
    assert "瓦斯检查" not in titles(files, "员持证")


EXAMPLE = """
import json, sys
from pathlib import Path
from checkframe.publish import search
from checkframe.publish.build import build
root = Path(sys.argv[1])
build(root)
files = {p.relative_to(root / "_build").as_posix(): p.read_bytes() for p in (root / "_build" / "search").glob("*.js")}
print(json.dumps(search.query(files, "瓦斯")))
"""


def test_the_example_handbook_finds_the_coal_mine_gas_checkpoints(tmp_path):
    """The example handbook of this checkout, built with this checkout's sector plugins (first on the path)."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    repo = SITE.parent
    path = [str(repo / "src"), *sorted(str(p) for p in (repo / "plugins").glob("*/src"))]
    root = tmp_path / "site"
    shutil.copytree(SITE, root, ignore=shutil.ignore_patterns("_build", ".checkframe-cache"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*path, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", EXAMPLE, str(root)], capture_output=True, text=True, env=env)
    if "No module named" in out.stderr:
        pytest.skip(f"the sector plugins are not installed: {out.stderr.strip().splitlines()[-1]}")
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.splitlines()[-1])
    paths = [path for path, _ in found]
    assert "checkpoint/coal-gas-01.html" in paths
    gas = [title for path, title in found if path.startswith("checkpoint/coal-")]
    assert len(gas) >= 10 and all("瓦斯" in t for t in gas[:5])


def test_an_index_of_no_pages_finds_nothing():
    files = search.index_files([])
    assert sorted(files) == ["search/meta.js", "search/t-0.js"]
    assert search.query(files, "瓦斯") == []


def test_long_pages_get_text_files_of_their_own():
    docs = [search.Document.of(f"p{i}.html", f"页{i}", "", "长文" * (9000 if i == 2 else 10)) for i in range(5)]
    files = search.index_files(docs)
    assert sorted(p for p in files if "/d-" in p) == ["search/d-0.js", "search/d-1.js", "search/d-2.js"]
    assert [path for path, _ in search.query(files, "长文")] == [f"p{i}.html" for i in range(5)]
    assert search.query(files, "页3") == [("p3.html", "页3")]


def random_documents(rng, count: int) -> list[search.Document]:
    words = ["瓦斯", "抽采", "通风", "排水", "顶板", "爆破", "消防", "管道", "gb", "50016", "电缆", "巷道"]
    return [search.Document.of(f"p{n}.html", "".join(rng.sample(words, 2)), rng.choice(["", "煤矿", "管道"]),
                               "；".join("".join(rng.sample(words, 3)) for _ in range(rng.randrange(0, 6))),
                               rng.random() < 0.5, rng.random() < 0.2)
            for n in range(count)]


@pytest.mark.parametrize("seed", range(6))
def test_a_patched_index_is_the_index_made_anew(monkeypatch, seed):
    """build_index with the last build's documents, state and files: the same files and state as from nothing,
    after edits of text and titles (a text emptied, a new token, a token gone), and a file of the last index
    changed by hand; files that nothing changed are read, not encoded again."""
    import random

    monkeypatch.setattr(search, "SHARD_BYTES", 400)  # many postings files, and edits that change their number
    rng = random.Random(seed)
    before = random_documents(rng, 120)
    files, state = search.build_index(before)
    for step in range(4):
        after = list(before)
        for n in rng.sample(range(len(after)), rng.choice([1, 2, 5, 40])):
            doc = after[n]
            title = doc.title + ("修订" if rng.random() < 0.3 else "")
            text = "" if rng.random() < 0.1 else doc.text + rng.choice(["", "；新增围岩观测", "；abc123"])
            after[n] = search.Document.of(doc.path, title, doc.sector, text, doc.checkpoint, doc.major)
        last = dict(files)
        if step == 2:  # a file of the last index changed since: encoded again, not taken
            victim = rng.choice(sorted(last))
            last[victim] = last[victim].replace(b"[", b"[0,", 1)
        read: list[str] = []

        def reader(path: str, last=last, read=read) -> bytes | None:
            read.append(path)
            return last.get(path)

        kept = [search.Document.from_kept(doc.kept()) for doc in before]  # as the page cache gives them: no tokens
        patched, patched_state = search.build_index(after, search.Previous(kept, state, reader))
        fresh, fresh_state = search.build_index(after)
        assert search.build_index([search.Document.from_kept(doc.kept()) for doc in after]) == (fresh, fresh_state)
        assert patched == fresh
        assert patched_state == fresh_state
        assert read, "nothing was taken from the last index"
        before, files, state = after, patched, patched_state


def test_an_index_of_other_pages_is_made_anew():
    import random

    docs = random_documents(random.Random(1), 30)
    _, state = search.build_index(docs)
    moved = [docs[1], docs[0], *docs[2:]]

    def reader(path: str) -> bytes | None:
        raise AssertionError("read from an index of other pages")

    assert search.build_index(moved, search.Previous(docs, state, reader)) == search.build_index(moved)
