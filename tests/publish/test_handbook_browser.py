"""The example handbook in Debian's Chromium, as an inspector at a mine's gate uses it: a 390 x 844 phone.

Every page fits the phone; any checkpoint is three taps from the home page; the header's box finds as you
type; axe-core finds nothing to fix, on a desktop and a phone.  One build of the example handbook serves
every test here (``example_handbook`` in conftest.py).
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import os
import re
import threading
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from checkframe.publish import search

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def pages_of(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()


def test_every_page_fits_a_phone(example_handbook, phone):
    out, url = example_handbook
    wide = {}
    for path in pages_of(out):
        phone.goto(url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = width
    assert wide == {}


def test_any_checkpoint_is_three_taps_and_at_most_one_screen_of_scrolling_from_home(example_handbook, phone):
    """Tap 1: the sector in the header; tap 2: its group in the page's index; tap 3: the checkpoint.

    The scrolling a route needs is what it takes to bring each tap's target into view: the index entry
    on the sector page, then the checkpoint in its group once the index has jumped to the group.
    """
    out, url = example_handbook
    height = PHONE["height"]
    phone.goto(url)
    sectors = phone.evaluate("""() => Array.from(document.querySelectorAll('.nav a[href^="sector/"]')).map(
        (a) => { const r = a.getBoundingClientRect(); return [a.getAttribute('href'), r.bottom, r.width]; })""")
    assert len(sectors) == len([p for p in pages_of(out) if p.startswith("sector/")])  # every sector, in view
    assert all(bottom <= height and width > 0 for _, bottom, width in sectors), sectors
    reached, worst = set(), (0, "")
    for href, _, _ in sectors:
        phone.goto(url + href)
        routes = phone.evaluate("""() => Array.from(document.querySelectorAll('.page-toc a[href^="#group-"]')).map((a) => {
            const group = document.getElementById(a.getAttribute('href').slice(1));
            const top = group.getBoundingClientRect().top;
            return [a.getBoundingClientRect().bottom + window.scrollY,
                    Array.from(group.querySelectorAll('.checkpoint-list a')).map(
                      (c) => [c.getAttribute('href'), c.getBoundingClientRect().bottom - top])];
        })""")
        assert routes, href
        for index_bottom, checkpoints in routes:
            for checkpoint, offset in checkpoints:
                scrolled = max(0, index_bottom - height) + max(0, offset - height)
                worst = max(worst, (scrolled, href + " → " + checkpoint))
                reached.add(checkpoint.removeprefix("../"))
    assert worst[0] <= height, worst
    assert reached == {p for p in pages_of(out) if p.startswith("checkpoint/")}

    # The farthest route, tapped for real.
    sector, checkpoint = worst[1].split(" → ")
    phone.goto(url)
    phone.locator(f'.nav a[href="{sector}"]').tap()
    phone.wait_for_url(url + sector)
    group = phone.evaluate(f"""() => document.querySelector('.checkpoint-list a[href="{checkpoint}"]')
        .closest('details').id""")
    phone.locator(f'.page-toc a[href="#{group}"]').tap()
    assert phone.url.endswith(f"#{group}")
    phone.locator(f'#{group} a[href="{checkpoint}"]').tap()
    phone.wait_for_url(url + checkpoint.removeprefix("../"))


def test_the_header_box_shows_hits_as_you_type(example_handbook, browser):
    """Hits as you type, with their count, 重大 badge, sector and an excerpt of the body; the delay is printed."""
    out, url = example_handbook
    page = browser.new_page(viewport=PHONE)
    page.goto(url + "sector/pipeline.html")
    page.focus("#header-q")
    page.wait_for_function("() => performance.getEntriesByType('resource').some((r) => r.name.endsWith('meta.js'))")
    page.evaluate("""() => { window.shownAt = null;
        new MutationObserver(() => { if (!document.getElementById('header-results').hidden && !window.shownAt)
          window.shownAt = performance.now(); }).observe(document.getElementById('header-results'),
          { attributes: true, childList: true }); }""")
    typed = page.evaluate("() => performance.now()")
    page.keyboard.insert_text("瓦斯")
    page.wait_for_selector("#header-results:not([hidden]) a.hit", timeout=5_000)
    latency = page.evaluate("() => window.shownAt") - typed
    dropdown = page.locator("#header-results")
    total = len(search.query(index(out), "瓦斯"))
    assert f"共找到 {total} 个结果" in dropdown.locator(".dropdown-status").inner_text()
    first = dropdown.locator("a.hit").first
    assert first.locator(".level-major").inner_text() == "重大"
    assert "煤矿" in first.locator(".search-result-sector").inner_text()
    excerpt = first.locator(".excerpt").inner_text()
    assert "瓦斯" in excerpt and not excerpt.startswith(("重大", "检查内容"))
    # Measured, not asserted (the machine may be busy): bench/README.md reports it.
    print(f"\nheader search: {latency:.0f} ms from keystroke to results")

    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/checkpoint/coal-.*\.html"))
    # The full list: Enter without choosing a hit opens the search page.
    page.fill("#header-q", "占压")
    page.wait_for_selector("#header-results:not([hidden]) a.hit")
    page.keyboard.press("Escape")
    assert page.locator("#header-results").is_hidden() and page.input_value("#header-q") == "占压"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/search\.html\?q=.*"))
    page.locator(".search-result-link").first.wait_for()
    assert page.locator(".search-result-link").count() == len(search.query(index(out), "占压"))


def index(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "search").glob("*.js")}


def search_page(page, url: str, query: str, sector: str = "") -> list[tuple[str, str]]:
    page.goto(url + "search.html")
    page.wait_for_selector("#search[data-ready]")
    if sector:
        page.select_option("#search-sector", sector)
    page.fill("#search-q", query)
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.getElementById('search').hasAttribute('data-busy')"
                           " && !/正在搜索/.test(document.getElementById('search-status').textContent)")
    while page.locator("#search-more").is_visible():
        page.click("#search-more")
    links = page.locator(".search-result-link")
    return [(href.removeprefix(url), text) for href, text in
            zip(links.evaluate_all("(ls) => ls.map((l) => l.href)"), links.all_inner_texts(), strict=True)]


@pytest.mark.parametrize("query", ["瓦斯", "占压", "储能", "第三十六条", "重大事故隐患", "检", "烟花 批发", "GB",
                                   "没有这个词"])
def test_the_search_page_and_python_agree_on_the_example_handbook(example_handbook, browser, query):
    out, url = example_handbook
    page = browser.new_page()
    found = search_page(page, url, query)
    assert found == search.query(index(out), query)
    kinds = [path.startswith("checkpoint/") for path, _ in found]
    assert kinds == sorted(kinds, reverse=True)  # checkpoints first
    if found:
        assert page.locator("#search-status").inner_text().startswith(f"共找到 {len(found)} 个结果")


def test_no_hits_under_a_filter_says_so_and_clears_it(example_handbook, browser):
    out, url = example_handbook
    page = browser.new_page()
    assert search_page(page, url, "瓦斯", "电力") == []
    status = page.locator("#search-status")
    assert "在“电力”中没有找到包含“瓦斯”的页面" in status.inner_text()
    page.click(".clear-filter")
    page.locator(".search-result-link").first.wait_for()
    assert page.locator("#search-sector").input_value() == ""
    assert status.inner_text().startswith(f"共找到 {len(search.query(index(out), '瓦斯'))} 个结果")


def test_a_missing_page_is_the_handbooks_own_404_and_no_folder_is_listed(example_handbook, browser):
    _, url = example_handbook
    for missing in ["checkpoint/no-such-checkpoint.html", "checkpoint/", "static/"]:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url + missing)
        assert info.value.code == 404
        body = info.value.read().decode("utf-8")
        assert "页面不存在" in body and "Directory listing" not in body
    page = browser.new_page()
    page.goto(url + "checkpoint/deep/no-such-page.html")
    assert page.locator("h1").inner_text() == "页面不存在"
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "block"  # styled
    page.locator("main a", has_text="首页").click()
    assert page.url == url + "index.html"


def test_the_404_page_works_from_a_plain_file_server_at_any_depth(example_handbook, browser, tmp_path):
    """As a department's web server answers with the handbook's 404.html, unchanged, for a missing address under
    the folder where the handbook is published (nginx's ``error_page``): styled, its links into the handbook."""
    out, _ = example_handbook
    (tmp_path / "intranet" / "safety").mkdir(parents=True)
    (tmp_path / "intranet" / "safety" / "handbook").symlink_to(out, target_is_directory=True)
    missing = (out / "404.html").read_bytes()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def send_error(self, code, message=None, explain=None):
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(missing)))
            self.end_headers()
            self.wfile.write(missing)

        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/intranet/safety/handbook/"
    page = browser.new_page()
    try:
        for missing_path in ["no-such-page.html", "checkpoint/no-such-checkpoint.html", "sector/old/deep/page.html"]:
            page.goto(root + missing_path)
            assert page.locator("h1").inner_text() == "页面不存在"
            assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "block"
            assert page.locator("main a", has_text="首页").get_attribute("href") == "index.html"
            assert page.evaluate("document.querySelector('main a').href") == root + "index.html"
        page.locator("main a", has_text="搜索页面").click()
        assert page.url == root + "search.html"
    finally:
        page.close()
        server.shutdown()


def test_every_page_and_printout_names_the_handbook_department_and_edition(example_handbook, browser):
    out, url = example_handbook
    edition = re.compile(r"(安全生产重大事故隐患排查整治检查手册 · 晋城市城区发展和改革局发布 · .*本页校验码 )[0-9a-f]{8}")
    lines, codes = set(), set()
    for path in pages_of(out):
        found = re.search(r'<p class="edition">([^<]*)</p>', (out / path).read_text(encoding="utf-8"))
        matched = found and edition.fullmatch(found.group(1))
        assert matched, path
        lines.add(matched.group(1))
        codes.add(found.group(1)[-8:])
    assert len(lines) == 1  # the same edition on every page, each with the page's own check code
    assert len(codes) > 1
    assert re.search(r"内容校验码：<code>[0-9a-f]{8}</code>", (out / "plugins.html").read_text(encoding="utf-8"))
    page = browser.new_page()
    page.goto(url + "checkpoint/coal-gas-01.html")
    page.emulate_media(media="print")
    assert page.locator(".site-footer .edition").is_visible()
    assert page.locator(".site-header").is_hidden()


# -- axe-core ------------------------------------------------------------------------------------------

AXE_VERSION = "4.14.1"  # as noxfile.py installs it


def axe_script() -> str:
    """axe-core's ``axe.min.js``: where ``$CHECKFRAME_AXE`` says (the nox tests session installs it there)."""
    path = os.environ.get("CHECKFRAME_AXE", "")
    if path:
        if not Path(path).is_file():
            pytest.fail(f"CHECKFRAME_AXE={path} is not a file; the nox tests session installs axe-core there")
        return Path(path).read_text(encoding="utf-8")
    pytest.skip("axe-core is not installed: run the tests through nox (python3 -m nox -s tests), or "
                f"npm install --prefix /tmp/axe axe-core@{AXE_VERSION} and set "
                "CHECKFRAME_AXE=/tmp/axe/node_modules/axe-core/axe.min.js")


class Structure(html.parser.HTMLParser):
    """What axe would find in a page's markup alone, checked without a browser: repeated ids, links, buttons and
    headings with no name, pictures with no alt text, form fields with no label, a page with no language."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.labelled: set[str] = set()
        self.fields: list[str] = []
        self.open: list[tuple[str, str, list[str]]] = []  # (tag, aria-label, text seen inside)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            if a["id"] in self.ids:
                self.problems.append(f"id {a['id']!r} twice")
            self.ids.add(a["id"])
        if tag == "html" and not a.get("lang"):
            self.problems.append("<html> without lang")
        if tag == "img" and "alt" not in a:
            self.problems.append(f"<img src={a.get('src')!r}> without alt")
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden" and not (
                a.get("aria-label") or a.get("aria-labelledby")):
            self.fields.append(a.get("id", f"<{tag} name={a.get('name')!r}>"))
        if tag in ("a", "button", "h1", "h2", "h3", "h4") and not (tag == "a" and "href" not in a):
            self.open.append((tag, a.get("aria-label", ""), []))
        for _, _, text in self.open:
            if tag == "img" and a.get("alt"):
                text.append(a["alt"])

    def handle_data(self, data: str) -> None:
        for _, _, text in self.open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1][0] == tag:
            name, label, text = self.open.pop()
            if not label and not "".join(text).strip():
                self.problems.append(f"<{name}> with no name")

    def close(self) -> None:
        super().close()
        self.problems.extend(f"form field {field!r} without a label" for field in self.fields
                             if field not in self.labelled)


def structure_problems(html_text: str) -> list[str]:
    parser = Structure()
    parser.feed(html_text)
    parser.close()
    return parser.problems


def test_the_structure_check_finds_what_it_looks_for():
    page = ('<html><body><h2 id="a"></h2><p id="a"><a href="x.html"> </a><a href="y.html" aria-label="下一页"></a>'
            '<button><img src="i.png" alt="搜索"></button><img src="j.png"><input id="q"><label for="r">地址</label>'
            '<input id="r"><input aria-label="搜索"></p></body></html>')
    assert structure_problems(page) == [
        "<html> without lang", "<h2> with no name", "id 'a' twice", "<a> with no name", "<img src='j.png'> without alt",
        "form field 'q' without a label"]


def test_every_pages_markup_is_sound(example_handbook):
    out, _ = example_handbook
    found = {path: problems for path in pages_of(out)
             if (problems := structure_problems((out / path).read_text(encoding="utf-8")))}
    assert found == {}


#: A page's shape: the elements and classes it is made of.  Checkpoint pages are ten thousand of one template; axe
#: runs over one page of each shape among them (every other page it checks whole).
_ELEMENT = re.compile(r'<([a-z][a-z0-9]*)\b(?:[^>]*?\sclass="([^"]*)")?')


def axe_pages(out: Path) -> list[str]:
    seen: set[frozenset[tuple[str, str]]] = set()
    chosen = []
    for path in pages_of(out):
        if path.startswith("checkpoint/"):
            shape = frozenset(_ELEMENT.findall((out / path).read_text(encoding="utf-8")))
            if shape in seen:
                continue
            seen.add(shape)
        chosen.append(path)
    return chosen


@pytest.mark.parametrize(("viewport", "scheme"), [(DESKTOP, "light"), (PHONE, "light"), (PHONE, "dark")],
                         ids=["desktop", "phone", "phone-dark"])
def test_axe_finds_nothing_on_any_page(example_handbook, browser, viewport, scheme):
    out, url = example_handbook
    script = axe_script()
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    paths = axe_pages(out)
    if scheme == "dark":  # colours only: one page of each kind
        paths = [p for p in paths if p in {"index.html", "search.html", "404.html", "sources.html", "remediation.html",
                                           "sector/coal_mine.html", "checkpoint/coal-gas-01.html", "plugins.html",
                                           "pages/ledger.html", "guide/index.html", "changes.html"}]
    found = {}
    for path in paths:
        page.goto(url + path)
        page.add_script_tag(content=script)
        result = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
        for violation in result["violations"]:
            found.setdefault(violation["id"], []).extend(
                f"{path}: {node['target']}" for node in violation["nodes"][:3])
    context.close()
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_every_page_has_a_description(example_handbook):
    out, _ = example_handbook
    descriptions = {}
    for path in pages_of(out):
        found = re.search(r'<meta name="description" content="([^"]*)">', (out / path).read_text(encoding="utf-8"))
        assert found and len(found.group(1)) >= 10, path
        descriptions[path] = found.group(1)
    assert len(set(descriptions.values())) > len(descriptions) * 0.9  # each page its own


def test_readers_see_no_english_state_scope_tag_or_plugin_name(example_handbook):
    from checkframe.model import FindingState, ScopeTag

    out, _ = example_handbook
    plugins = [p.stem for p in (out / "sector").glob("*.html")]  # each sector's plugin is named as its page
    assert {"coal_mine", "general", "industry_trade", "special_equipment"} <= set(plugins)
    # Every scope tag that a shipped checkpoint uses, each shown by the Chinese name of its sector's [[scope]].
    used = {tag for file in Path(__file__).parents[2].glob("plugins/*/src/*/content/checkpoints/*.toml")
            for cp in tomllib.loads(file.read_text(encoding="utf-8")).get("checkpoint", []) for tag in cp.get("scope", [])}
    assert {"confined_space", "energy-storage", "crane"} <= used
    words = [s.value for s in FindingState] + sorted({t.value for t in ScopeTag} | used) + plugins
    for path in pages_of(out):
        if path.startswith("guide/"):
            continue  # for plugin authors, who name plugins by their ids
        html = re.sub(r"<script\b.*?</script>", " ", (out / path).read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"<[^>]+>", " ", html)  # what a reader sees: no script (the fill-in mode's rules are data)
        text = re.sub(r"编号 +[a-z0-9_-]+", "", text)  # the id line, small, for maintainers
        shown = [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
        assert shown == [], path
        # Notes are for readers: boxed as 说明, never "editor's notes" or the editors' own words.
        assert [w for w in ("编者注", "编辑性", "参考资料") if w in text] == [], path


def test_the_example_handbooks_extra_pages_speak_to_their_readers_not_its_editors(example_handbook):
    """在手机上填写检查记录 ended with a note to the handbook's editors (手册编者在 checkframe.toml 中写 units = …,
    fill_in = false): inspectors and enterprises read these pages, and cannot change the handbook's settings."""
    import html

    out, _ = example_handbook
    pages = sorted((out / "pages").glob("*.html"))
    assert "fill-in.html" in {p.name for p in pages}
    for page in pages:
        main = page.read_text(encoding="utf-8").split("<main", 1)[1].split("</main>", 1)[0]
        text = html.unescape(re.sub(r"<[^>]+>", " ", main))
        assert re.findall(r"编者|checkframe\.toml|\bfill_in\b|\bunits\s*=", text) == [], page.name


def test_articles_sort_as_the_document_runs():
    from checkframe.publish.pages import article_key

    runs = ["（全文）", "第二条", "第十条", "第十条（二）", "第十条（十一）", "第十一条", "第三十六条", "第三十六条（四）",
            "第三十六条（五）", "第三十六条（十一）", "第一百零一条", "第一百一十条"]
    assert sorted(reversed(runs), key=article_key) == runs


def test_the_sources_page_lists_each_documents_articles_in_order(example_handbook):
    from checkframe.publish.pages import article_key

    out, _ = example_handbook
    page = (out / "sources.html").read_text(encoding="utf-8")
    documents = re.findall(r'<dl class="articles">(.*?)</dl>', page, re.DOTALL)
    assert len(documents) > 10
    for articles in documents:
        listed = re.findall(r"<dt>([^<]*)</dt>", articles)
        assert listed == sorted(listed, key=article_key)
    coal = re.findall(r"<dt>(第三十六条[^<]*)</dt>", page)
    assert coal.index("第三十六条（五）") < coal.index("第三十六条（十一）")


def test_an_extra_pages_code_is_set_apart_wraps_on_paper_and_its_tables_keep_their_columns(example_handbook, phone):
    """The ledger page's code blocks had no box (only the guide's had one) and, printed, were cut at the paper's
    edge; its tables squeezed each column on a phone to a character or two a line instead of scrolling."""
    _, url = example_handbook
    phone.goto(url + "pages/ledger.html")
    pre = phone.evaluate("""() => { const s = getComputedStyle(document.querySelector('.prose pre'));
        return [s.borderTopStyle, s.backgroundColor, s.whiteSpace]; }""")
    assert pre[0] == "solid" and pre[1] != "rgba(0, 0, 0, 0)" and pre[2] == "pre"
    narrowest = phone.evaluate("""() => Math.min(...[...document.querySelectorAll('.prose .table-wrap td')].map(
        td => td.getBoundingClientRect().width))""")
    font = phone.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.prose td')).fontSize)")
    assert narrowest >= 5 * font - 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls, not the page
    phone.emulate_media(media="print")
    try:
        assert phone.evaluate("getComputedStyle(document.querySelector('.prose pre')).whiteSpace") == "pre-wrap"
    finally:
        phone.emulate_media(media="screen")


def test_the_header_marks_the_sector_a_checkpoint_or_checklist_page_is_of(example_handbook):
    """As a documentation site marks the section a page is in: a checkpoint's or checklist's page marked nothing in
    the header, so a reader on a coal mine's checkpoint saw no sign of being under 煤矿.  The sector's own page is the
    current page; a page of no sector in the header marks none."""
    out, _ = example_handbook

    def marked(path: str) -> list[tuple[str, str]]:
        nav = re.search(r'<nav aria-label="主导航".*?</nav>', (out / path).read_text(encoding="utf-8"), re.S).group(0)
        return re.findall(r'aria-current="(\w+)">([^<]*)<', nav)

    assert marked("sector/coal_mine.html") == [("page", "煤矿")]
    assert marked("checkpoint/coal-gas-01.html") == [("true", "煤矿")]
    assert marked("checklist/coal-mine-self.html") == [("true", "煤矿")]
    assert marked("checkpoint/pipe-act-01.html") == [("true", "油气长输管道")]
    assert marked("pages/usage.html") == []
    assert marked("major-hazards.html") == [("page", "重大隐患")]
