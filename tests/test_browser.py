"""The built handbook in a real browser: Debian's Chromium driven by Playwright, no browser download."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

from checkframe.build import build
from doubles import load_only

playwright = pytest.importorskip("playwright.sync_api", reason="install the test extras: pip install playwright")

CONFIG = '[handbook]\ntitle = "测试检查手册"\ndepartment = "测试区应急管理局"\n'


@pytest.fixture(scope="module")
def site(tmp_path_factory, request):
    from doubles import ContentDir

    root = tmp_path_factory.mktemp("browser")
    content = ContentDir(root / "content", "coal", "coal")
    (root / "handbook").mkdir()
    (root / "handbook" / "checkframe.toml").write_text(CONFIG, encoding="utf-8")
    build(root / "handbook", plugins=load_only(coal=content.plugin()))
    out = root / "handbook" / "_build"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: apt-get install chromium")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


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


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("瓦斯", {"瓦斯检查", "瓦斯检查员持证"}),
        ("假检", {"瓦斯检查"}),  # a word from the middle of a sentence
    ],
)
def test_chinese_search(site, browser, query, expected):
    _, url = site
    page = browser.new_page()
    page.goto(url)
    page.fill("#q", query)
    page.keyboard.press("Enter")
    results = page.locator(".pagefind-ui__result-link")
    results.first.wait_for(timeout=15_000)
    titles = set(results.all_inner_texts())
    assert expected <= titles
    assert page.locator("#search-unavailable").is_hidden()


def test_search_explains_itself_when_opened_from_a_file(site, browser):
    out, _ = site
    page = browser.new_page()
    page.goto((out / "search.html").as_uri())
    notice = page.locator("#search-unavailable")
    notice.wait_for(state="visible", timeout=5_000)
    assert "checkframe serve" in notice.inner_text()


def test_readable_on_a_phone(site, browser):
    _, url = site
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(url + "sector/coal.html")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
