"""The built handbook in a real browser: Debian's Chromium driven by Playwright, no browser download."""

from __future__ import annotations

import shutil
import threading

import pytest

from checkframe.publish import search
from checkframe.publish.build import build
from checkframe.publish.serve import handbook_server
from doubles import load_only

playwright = pytest.importorskip("playwright.sync_api", reason="install the test extras: pip install playwright")

HOSTILE = """
[group]
id = "hostile"
title = "恶意内容"

[[checkpoint]]
id = "coal-hostile-01"
title = "<img src=x onerror=alert(1)>标题"
what = "正文里有 <script>alert(2)</script> 和 \\"引号\\" 以及 <b onclick=alert(3)>粗体</b>。"
level = "general"
"""

CONFIG = '[handbook]\ntitle = "测试检查手册"\ndepartment = "测试区应急管理局"\n'


@pytest.fixture(scope="module")
def site(tmp_path_factory, request):
    from doubles import ContentDir

    root = tmp_path_factory.mktemp("browser")
    content = ContentDir(root / "content", "coal", "coal")
    content.write("checkpoints/02-hostile.toml", HOSTILE)
    (root / "handbook").mkdir()
    (root / "handbook" / "checkframe.toml").write_text(CONFIG, encoding="utf-8")
    build(root / "handbook", plugins=load_only(coal=content.plugin()))
    out = root / "handbook" / "_build"
    server = handbook_server(out, 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_home_to_sector_to_checkpoint(site, browser):
    _, url = site
    page = browser.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((url, "data:")) else None)
    page.goto(url)
    assert page.locator("h1").inner_text() == "测试检查手册"
    page.get_by_role("link", name="测试行业").first.click()
    assert page.url == url + "sector/coal.html"
    page.get_by_role("link", name="瓦斯检查员持证").click()
    assert page.url == url + "checkpoint/coal-gas-02.html"
    assert page.locator("h1").inner_text() == "瓦斯检查员持证"
    page.get_by_role("link", name="← 瓦斯检查").click()
    assert page.url == url + "checkpoint/coal-gas-01.html"
    assert outside == []


def search_in_browser(page, url: str, query: str, sector: str = "") -> list[tuple[str, str]]:
    """Every result the search page shows for ``query``, pressing 显示更多结果 until there are no more."""
    page.goto(url + "search.html")
    page.wait_for_selector("#search[data-ready]", timeout=15_000)
    if sector:
        page.select_option("#search-sector", sector)
    page.fill("#search-q", query)
    page.keyboard.press("Enter")
    status = page.locator("#search-status")
    while True:
        page.wait_for_function(
            "() => /共找到|没有找到|已显示|请输入/.test(document.getElementById('search-status').textContent)"
            " && !document.getElementById('search-more').disabled", timeout=15_000)
        if "已显示" not in status.inner_text():
            break
        page.click("#search-more")
        page.wait_for_function("() => !document.getElementById('search-more').disabled", timeout=15_000)
    links = page.locator(".search-result-link")
    base = page.url.rsplit("/", 1)[0] + "/"
    return [(href.removeprefix(base), text) for href, text in
            zip(links.evaluate_all("(ls) => ls.map((l) => l.href)"), links.all_inner_texts(), strict=True)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("瓦斯", {"瓦斯检查", "瓦斯检查员持证"}),
        ("假检", {"瓦斯检查"}),  # a word from the middle of a sentence
    ],
)
def test_chinese_search_from_the_home_page(site, browser, query, expected):
    _, url = site
    page = browser.new_page()
    page.goto(url)
    assert page.locator("form[role=search] input").count() == 1  # one search box: the header's
    page.fill("#header-q", query)
    # Enter, no hit chosen in the dropdown: the full list
    page.keyboard.press("Enter")
    results = page.locator(".search-result-link")
    results.first.wait_for(timeout=15_000)
    assert expected <= set(results.all_inner_texts())
    assert page.locator("#search-unavailable").is_hidden()
    assert page.locator(".excerpt mark").first.inner_text() == query


def test_an_excerpt_stays_within_the_hits_own_paragraph(site, browser):
    _, url = site
    page = browser.new_page()
    search_in_browser(page, url, "假检")
    excerpt = page.locator(".search-result").first.locator(".excerpt").inner_text()
    assert "假检" in excerpt
    for elsewhere in ("现场检查", "检查方法", "依据", "《"):  # the page's next blocks: how to check, the basis
        assert elsewhere not in excerpt, excerpt
    page.close()


def test_the_header_search_box_leads_to_the_results(site, browser):
    _, url = site
    page = browser.new_page()
    page.goto(url + "checkpoint/coal-gas-02.html")
    page.fill("#header-q", "假检")
    page.keyboard.press("Enter")
    page.locator(".search-result-link").first.wait_for(timeout=15_000)
    assert page.url.startswith(url + "search.html?q=")
    assert page.locator(".search-result-link").all_inner_texts() == ["瓦斯检查"]


def test_search_works_from_a_file_url(site, browser):
    out, _ = site
    page = browser.new_page()
    page.goto((out / "search.html").as_uri() + "?q=" + "假检")
    page.locator(".search-result-link").first.wait_for(timeout=15_000)
    assert page.locator(".search-result-link").all_inner_texts() == ["瓦斯检查"]
    assert page.locator("#search-unavailable").is_hidden()
    page.click(".search-result-link")
    assert page.url == (out / "checkpoint" / "coal-gas-01.html").as_uri()


QUERIES = ["瓦斯", "假检", "瓦斯检查", "检", "持证 瓦斯", "现场", "第四十一条", "漏检假检", "没有的词", "测试",
           "ＣＯＡＬ", "coal gas", "GAS-01", "\"引号\"", "<script>", "，", "瓦斯，"]


@pytest.mark.parametrize("query", QUERIES)
def test_the_browser_and_python_agree(site, browser, query):
    out, url = site
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "search").glob("*.js")}
    page = browser.new_page()
    assert search_in_browser(page, url, query) == search.query(files, query)


def test_sector_filter_and_no_results(site, browser):
    _, url = site
    page = browser.new_page()
    assert search_in_browser(page, url, "瓦斯", "测试行业")[:2] == [
        ("checkpoint/coal-gas-01.html", "瓦斯检查"), ("checkpoint/coal-gas-02.html", "瓦斯检查员持证")]
    assert search_in_browser(page, url, "完全没有的内容") == []
    assert "没有找到" in page.locator("#search-status").inner_text()


def test_search_explains_itself_only_when_the_index_is_missing(site, browser, tmp_path):
    out, url = site
    page = browser.new_page()
    page.goto(url + "search.html")
    page.wait_for_selector("#search[data-ready]", timeout=15_000)
    assert page.locator("#search-unavailable").is_hidden()

    copy = tmp_path / "site"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("search"))
    page.goto((copy / "search.html").as_uri())
    notice = page.locator("#search-unavailable")
    notice.wait_for(state="visible", timeout=5_000)
    assert "checkframe build" in notice.inner_text()


def test_hostile_text_is_shown_as_text(site, browser):
    _, url = site
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    found = search_in_browser(page, url, "alert")
    assert found[0] == ("checkpoint/coal-hostile-01.html", "<img src=x onerror=alert(1)>标题")
    results = page.locator("#search-results")
    assert results.locator("img, script, b").count() == 0
    assert "<script>alert(2)</script>" in results.inner_text()
    assert dialogs == []


def test_readable_on_a_phone(site, browser):
    _, url = site
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(url + "sector/coal.html")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
