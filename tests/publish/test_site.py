"""The handbook build: pages, links, atomic output, reproducibility and every bad input."""

from __future__ import annotations

import re
import types
from html.parser import HTMLParser
from pathlib import Path

import pytest

from checkframe import hookimpl
from checkframe.errors import ContentError
from checkframe.publish.build import STAMP, build
from checkframe.publish.links import check_links, page_links
from checkframe.util import parallel
from doubles import CHECKLISTS, HANDBOOK_CONFIG, handbook_project, load_only


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return handbook_project(tmp_path / "handbook", {"usage.md": "# 使用说明\n\n见[重大隐患](../major-hazards.html)。\n"})


def problems(project: Path, jobs: int | None = None, **plugins: object) -> list[str]:
    with pytest.raises(ContentError) as info:
        build(project, plugins=load_only(**plugins), jobs=jobs)
    return [str(p) for p in info.value.problems]


#: The example site is far below the page threshold of the workers: ``jobs=2`` makes the build use them anyway.
JOBS = pytest.mark.parametrize("jobs", [1, 2], ids=["one-process", "workers"])


@pytest.fixture
def pooled(monkeypatch) -> list[str]:
    """The names of the functions that ran in worker processes, one per task."""
    ran: list[str] = []

    class Spy(parallel.ProcessPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            ran.append(args[0].__name__)
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Spy)
    return ran


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@JOBS
def test_builds_every_page(project, content, jobs, pooled):
    result = build(project, plugins=load_only(demo=content.plugin()), jobs=jobs)
    assert ("_render_page" in pooled) is (jobs > 1)
    out = project / "_build"
    assert result.written and result.output == out
    for page in ["index.html", "search.html", "sector/demo.html", "checkpoint/demo-gas-01.html",
                 "checklist/demo-self.html", "remediation.html", "sources.html", "major-hazards.html",
                 "plugins.html", "pages/usage.html", "static/site.css", "search/meta.js"]:
        assert (out / page).is_file(), page
    checkpoint = (out / "checkpoint/demo-gas-01.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in checkpoint
    assert "瓦斯检查存在漏检、假检情况且进行作业的。" in checkpoint
    assert "《中华人民共和国安全生产法》第四十一条" in checkpoint
    assert 'href="../remediation.html#category-listed_supervision"' in checkpoint
    assert 'rel="next" href="demo-gas-02.html"' in checkpoint


def test_an_extra_page_has_breadcrumbs_and_the_home_page_lists_extra_pages_apart_from_its_steps(project, content):
    """An extra page had no breadcrumbs, unlike a sector's or a checkpoint's; the home page appended the extra pages
    to 如何使用 as further numbered steps (4. 使用说明), which read as steps they are not."""
    build(project, plugins=load_only(demo=content.plugin()))
    out = project / "_build"
    page = (out / "pages/usage.html").read_text(encoding="utf-8")
    assert '<nav class="breadcrumbs" aria-label="位置"><a href="../index.html">首页</a> › 使用说明</nav>' in page
    home = (out / "index.html").read_text(encoding="utf-8")
    steps = re.search(r'<ol class="how">(.*?)</ol>', home, re.S).group(1)
    assert "pages/usage.html" not in steps and steps.count("<li>") == 3
    more = re.search(r'<h2 id="more">更多说明.*?</h2>\s*<ul>(.*?)</ul>', home, re.S)
    assert more and re.findall(r'<li><a href="([^"]*)">([^<]*)</a></li>', more.group(1)) == [
        ("pages/usage.html", "使用说明")]


def test_a_home_page_without_extra_pages_has_no_empty_list_of_them(tmp_path, content):
    project = handbook_project(tmp_path / "bare")
    build(project, plugins=load_only(demo=content.plugin()))
    assert 'id="more"' not in (project / "_build/index.html").read_text(encoding="utf-8")


def test_every_internal_link_and_anchor_resolves(project, content):
    build(project, plugins=load_only(demo=content.plugin()))
    files = read_tree(project / "_build")
    assert check_links(files, {}) == []
    hrefs = sum(data.count(b'href="') for path, data in files.items() if path.endswith(".html"))
    assert hrefs > 100


class LinkCollector(HTMLParser):
    """The reference reading of a page: html.parser's start tags, attributes and raw-text elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[bool, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        for name, value in attributes:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name in ("href", "src", "data-bundle"):
                self.links.append((tag != "a", value))

    handle_startendtag = handle_starttag


def html_parser_links(html: str) -> tuple[list[tuple[bool, str]], set[str]]:
    collector = LinkCollector()
    collector.feed(html)
    collector.close()
    return collector.links, collector.ids


TRICKY_PAGES = [
    '<p>no tags with links</p>',
    '<A HREF="Up.html" ID=top>x</A><img\nsrc=\'i.png\'/><link rel=stylesheet href=s.css>',
    '<!-- <a href="commented.html"> --><a href="kept.html">k</a>',
    '<script src="s.js">if (a<b) document.write("<a href=\'in-script.html\'>")</script><a href="after.html">',
    '<style>a[href="x"]{}</style><div data-bundle="search/meta.js" id="search"></div><p data-href="no.html" id=p-1>',
    '<a href="a.html?x=1&amp;y=2#sec" title="id=nothing">t</a><a href>empty</a><a href="">blank</a>',
    '<a href="before.html"><!-- unterminated <a href="never.html">',
    '<a href="before.html"><SCRIPT>unterminated <a href="never.html">',
    '<a href=x.html>x</a> < a href="not-a-tag.html"> <<a href="y.html">y</a> <!----><a id=z>',
]


@pytest.mark.parametrize("html", TRICKY_PAGES)
def test_link_scanner_reads_tricky_markup_as_html_parser_does(html):
    assert page_links(html) == html_parser_links(html)


def test_a_base_off_the_site_is_reported_as_loading_from_outside():
    """A ``<base>`` sends every relative resource of its page where it points: not a link to follow."""
    page = b'<head><base href="https://checkframe.example.org/"><link rel="stylesheet" href="static/site.css"></head>'
    problems = check_links({"404.html": page, "static/site.css": b""}, {"404.html": "", "static/site.css": ""})
    assert [p.message for p in problems if "checkframe.example.org" in p.message and "outside" in p.message]


def test_a_link_judged_once_per_folder_is_reported_on_every_page_that_has_it():
    """The same link from pages of one folder is one verdict, reported for each page; ``#x`` is each page's own."""
    files = {
        "a/x.html": b'<a href="../nope.html">x</a> <a href="w.html#top">w</a>',
        "a/y.html": b'<a href="../nope.html">y</a> <a href="w.html#none">w</a>',
        "a/z.html": b'<a href="#top">z</a>',
        "a/w.html": b'<p id="top"></p><a href="#top">w</a>',
        "b/v.html": b'<a href="../nope.html">v</a>',
    }
    problems = [(p.file, p.message) for p in check_links(files, {})]
    assert problems == [
        ("a/x.html", "broken link to '../nope.html': no such page"),
        ("a/y.html", "broken link to '../nope.html': no such page"),
        ("a/y.html", "broken link to 'w.html#none': no anchor #none there"),
        ("a/z.html", "broken link to '#top': no anchor #top there"),
        ("b/v.html", "broken link to '../nope.html': no such page"),
    ]


@JOBS
def test_link_scanner_reads_every_built_page_as_html_parser_does(project, content, jobs):
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查存在漏检、假检情况且进行作业的。"',
                 'what = "[点我](javascript:alert(1)) <a href=\'x.html\' id=\\"y\\">raw</a> `<b id=z>`"')
    build(project, plugins=load_only(demo=content.plugin()), jobs=jobs)
    pages = {p: d.decode("utf-8") for p, d in read_tree(project / "_build").items() if p.endswith(".html")}
    assert len(pages) > 10
    for path, html in pages.items():
        assert page_links(html) == html_parser_links(html), path


def test_no_request_leaves_the_site(project, content):
    build(project, plugins=load_only(demo=content.plugin()))
    for path, data in read_tree(project / "_build").items():
        if path.endswith((".html", ".css")):
            text = data.decode("utf-8")
            assert "//cdn" not in text and "fonts.googleapis" not in text, path
            assert 'src="http' not in text and "url(http" not in text, path


@JOBS
def test_two_builds_are_byte_identical(tmp_path, project, content, jobs):
    """Built again, in this process or by workers, every file has the same bytes."""
    plugins = load_only(demo=content.plugin())
    build(project, plugins=plugins, jobs=1)
    first = read_tree(project / "_build")
    build(project, plugins=plugins, force=True, jobs=jobs)
    assert read_tree(project / "_build") == first


def test_rebuild_with_nothing_changed_writes_nothing(project, content):
    plugins = load_only(demo=content.plugin())
    build(project, plugins=plugins)
    stamp = (project / "_build" / STAMP).stat().st_mtime_ns
    assert build(project, plugins=plugins).written is False
    assert (project / "_build" / STAMP).stat().st_mtime_ns == stamp
    content.edit("checkpoints/01-gas.toml", "瓦斯检查员是否持证上岗。", "瓦斯检查员是否持证上岗作业。")
    assert build(project, plugins=load_only(demo=content.plugin())).written is True


@pytest.mark.parametrize(
    "change", ["content", "same-size content", "page", "project file", "python object", "template", "fonts"]
)
def test_rebuild_follows_every_input(tmp_path, monkeypatch, project, content, change):
    from checkframe.model import Document

    document = Document(id="extra-law", title="某法")
    site = site_plugin(tmp_path, '{% extends "default/checkpoint.html" %}')

    def plugins(doc: Document = document) -> object:
        module = content.plugin()
        register_dir = module.checkframe_register_content

        @hookimpl
        def checkframe_register_content(register):
            register_dir(register)
            register.document(doc)

        module.checkframe_register_content = checkframe_register_content
        return load_only(demo=module, site=site)

    build(project, plugins=plugins())
    assert build(project, plugins=plugins()).written is False
    if change == "content":
        content.edit("checkpoints/01-gas.toml", "瓦斯检查员是否持证上岗。", "瓦斯检查员是否持证上岗作业。")
    elif change == "same-size content":
        content.edit("checkpoints/01-gas.toml", "瓦斯检查员是否持证上岗。", "瓦斯检查员是否持证在岗。")
    elif change == "page":
        (project / "pages" / "usage.md").write_text("# 使用说明\n\n改过了。\n", encoding="utf-8")
    elif change == "project file":
        (project / "notes.txt").write_text("exports and other files of the project count too", encoding="utf-8")
    elif change == "python object":
        document = Document(id="extra-law", title="某法（修订）")
    elif change == "fonts":
        import checkframe.publish.fonts

        fonts = checkframe.publish.fonts._cjk_fonts()
        monkeypatch.setattr(checkframe.publish.fonts, "_cjk_fonts", lambda: [*fonts, "/usr/share/fonts/new.otf: 新字体"])
    else:
        (tmp_path / "templates" / "checkpoint.html").write_text(
            '{% extends "default/checkpoint.html" %}{% block after_basis %}补充{% endblock %}', encoding="utf-8")
    assert build(project, plugins=plugins(document)).written is True
    assert build(project, plugins=plugins(document)).written is False


def test_a_failed_build_leaves_the_previous_site(project, content):
    build(project, plugins=load_only(demo=content.plugin()))
    before = read_tree(project / "_build")
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "big"')
    assert problems(project, demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:22: [[checkpoint]] demo-gas-02, level: expected one of general, major (got \"big\")"
    ]
    assert read_tree(project / "_build") == before
    assert [p.name for p in project.iterdir() if p.name.startswith("._build")] == []


def test_missing_config(tmp_path, content):
    """Nothing is written where there is no project: not even the content cache (nor the folder, if missing)."""
    folder = tmp_path / "not-a-project"
    folder.mkdir()
    assert problems(folder, demo=content.plugin()) == [
        f"{(folder / 'checkframe.toml').as_posix()}: no checkframe.toml here; a handbook project needs one"
    ]
    assert list(folder.iterdir()) == []
    problems(tmp_path / "missing", demo=content.plugin())
    assert not (tmp_path / "missing").exists()


def test_broken_config(project, content):
    (project / "checkframe.toml").write_text('[handbook]\ntitle = "x"\ndepartment = \n', encoding="utf-8")
    assert problems(project, demo=content.plugin()) == [
        f"{(project / 'checkframe.toml').as_posix()}: invalid TOML: Invalid value (at line 3, column 14)"
        f"; write a text in double quotes (\"煤矿\"), a date as 2024-03-01, an array as [\"a\", \"b\"]"
    ]


def test_unknown_sector_and_checklist_in_config(project, content):
    (project / "checkframe.toml").write_text(
        HANDBOOK_CONFIG + 'sectors = ["demo", "coal"]\nchecklists = ["nope"]\nbase_url = "ftp://x"\n', encoding="utf-8"
    )
    config = (project / "checkframe.toml").as_posix()
    assert problems(project, demo=content.plugin()) == [
        f"{config}:7: $.handbook.base_url: expected an absolute http(s) URL ending in '/', without spaces, query or "
        "fragment, such as 'https://example.gov.cn/handbook/' (got 'ftp://x')",
    ]
    (project / "checkframe.toml").write_text(HANDBOOK_CONFIG + 'sectors = ["demo", "coal"]\nchecklists = ["nope"]\n',
                                             encoding="utf-8")
    assert problems(project, demo=content.plugin()) == [
        f"{config}:5: $.handbook.sectors[1]: unknown sector 'coal'; installed: demo",
        f"{config}:6: $.handbook.checklists[0]: unknown checklist 'nope'",
    ]
    (project / "checkframe.toml").write_text(HANDBOOK_CONFIG + 'sectors = ["dmeo"]\nchecklists = ["demo-slef"]\n',
                                             encoding="utf-8")
    assert problems(project, demo=content.plugin()) == [
        f"{config}:5: $.handbook.sectors[0]: unknown sector 'dmeo'; did you mean 'demo'?",
        f"{config}:6: $.handbook.checklists[0]: unknown checklist 'demo-slef'; did you mean 'demo-self'?",
    ]


def test_page_with_a_broken_link_names_the_file(project, content):
    (project / "pages" / "usage.md").write_text("# 使用说明\n\n[见此](../nowhere.html) [锚点](../remediation.html#nope)\n",
                                               encoding="utf-8")
    page = (project / "pages" / "usage.md").as_posix()  # as a path from here, with the line, as written there
    assert problems(project, demo=content.plugin()) == [
        f"{page}:3: broken link to '../nowhere.html': no such page; links are relative to the page, such as "
        "'../major-hazards.html'",
        f"{page}:3: broken link to '../remediation.html#nope': no anchor #nope there",
    ]
    assert not (project / "_build").exists()


def test_the_search_boxs_hint_names_words_of_the_handbooks_own_sectors(project, content):
    """The hint was 例如：瓦斯、占压、储能 on every handbook, words of the coal mine, pipelines and power, which
    find nothing in a handbook of other sectors: it names what the header's sectors' checkpoints are about."""
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', 'title = "有限空间作业审批"')
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查员持证"', 'title = "有限空间监护人员"')
    build(project, plugins=load_only(demo=content.plugin()))
    for page in ("index.html", "search.html", "checkpoint/demo-gas-01.html"):
        html = (project / "_build" / page).read_text(encoding="utf-8")
        assert re.findall(r'placeholder="([^"]*)"', html) == ["搜索检查项，例如：有限空间"], page
    content.edit("checkpoints/01-gas.toml", 'title = "有限空间作业审批"', 'title = "作业审批"')
    content.edit("checkpoints/01-gas.toml", 'title = "有限空间监护人员"', 'title = "监护人员"')
    build(project, plugins=load_only(demo=content.plugin()))  # the page cache knows the hint changed
    html = (project / "_build/checkpoint/demo-gas-02.html").read_text(encoding="utf-8")
    assert re.findall(r'placeholder="([^"]*)"', html) == ["搜索检查项"]


def test_a_projects_own_files_are_named_as_paths_from_where_checkframe_runs(project, content, monkeypatch):
    """Every problem of a project's file names it as the project folder was given, as checkframe.toml's do: a page
    without a title on its line 1, a page's file name with one that would do; and a blank title is one too."""
    monkeypatch.chdir(project.parent)
    (project / "pages" / "Contacts 2.md").write_text("# 联系方式\n", encoding="utf-8")
    (project / "pages" / "notes.md").write_text("说明\n", encoding="utf-8")
    (project / "checkframe.toml").write_text(HANDBOOK_CONFIG.replace('"测试检查手册"', '" "'), encoding="utf-8")
    assert problems(Path("handbook"), demo=content.plugin()) == [
        "handbook/checkframe.toml:3: $.handbook.title: expected a non-empty text, such as '安全生产重大事故隐患排查整治"
        "检查手册' (got an empty one): every page and printout shows it",
        "handbook/pages/Contacts 2.md: expected an id of lowercase letters, digits, '-' or '_', starting with a letter, "
        "at most 64 characters (got \"Contacts 2\"); rename the file, such as contacts-2.md",
        "handbook/pages/notes.md:1: a page needs a title: begin its Markdown with a heading line such as '# 使用说明' "
        "(a '#', a space, then the title)",
    ]


def test_a_broken_link_of_a_page_says_what_to_write(project, content):
    """A department's page names the line of each broken link, as written (not percent-encoded), and what to write:
    the page's .html for its .md, a relative path for one from the server's root, the near name for a slip, and
    which key of checkframe.toml leaves out a checklist, a sector or a checkpoint that the plugins have."""
    content.write("checklists.toml", CHECKLISTS.format(prefix="demo", sector="demo") + '\n[[checklist]]\nid = '
                  '"demo-other"\ntitle = "另一张表"\nkind = "supervision"\nitems = ["demo-gas-01"]\n')
    (project / "checkframe.toml").write_text(HANDBOOK_CONFIG + 'checklists = ["demo-self"]\n', encoding="utf-8")
    (project / "pages" / "notes.md").write_text("# 说明\n\n## 第二节\n\n## 检查方法和记录\n\n## remediation-steps\n",
                                              encoding="utf-8")
    (project / "pages" / "usage.md").write_text(
        "# 使用说明\n\n见[说明](notes.md)和[第二节](notes.html#第二节)。\n\n[重大](/major-hazards.html)、"
        "[依据](../source.html)\n[另一张表](../checklist/demo-other.html)、[它的 PDF](../pdf/demo-other.pdf)\n"
        "[锚点](notes.html#第三节)\n[方法](notes.html#检查方法)[步骤](notes.html#remediaton-steps)\n", encoding="utf-8")
    page = (project / "pages" / "usage.md").as_posix()
    left_out = ("the checklist 'demo-other' (另一张表) is not in this handbook: [handbook] checklists leaves it out; "
                "add it there, or remove the link")
    assert problems(project, demo=content.plugin()) == [
        f"{page}:3: broken link to 'notes.md': no such page; pages link to each other's .html: write 'notes.html'",
        f"{page}:5: broken link to '/major-hazards.html': no such page; links are relative to the page: write "
        "'../major-hazards.html'",
        f"{page}:5: broken link to '../source.html': no such page; did you mean '../sources.html'?",
        f"{page}:6: broken link to '../checklist/demo-other.html': no such page; {left_out}",
        f"{page}:6: broken link to '../pdf/demo-other.pdf': no such page; {left_out}",
        f"{page}:7: broken link to 'notes.html#第三节': no anchor #第三节 there",  # not 第二节: another section
        # A heading's id is its whole title; a misspelt id is suggested as page links are.
        f"{page}:8: broken link to 'notes.html#检查方法': no anchor #检查方法 there; did you mean "
        "'notes.html#检查方法和记录'?",
        f"{page}:8: broken link to 'notes.html#remediaton-steps': no anchor #remediaton-steps there; did you mean "
        "'notes.html#remediation-steps'?",
    ]


#: The smallest PNG: one transparent pixel.
PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                      "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def test_an_extra_page_shows_the_pictures_beside_it(project, content):
    (project / "pages" / "images").mkdir()
    (project / "pages" / "images" / "step-1.png").write_bytes(PIXEL)
    (project / "pages" / ".hidden.png").write_bytes(PIXEL)  # an editor's leftover is not published
    (project / "pages" / "usage.md").write_text("# 使用说明\n\n![第一步：打开检查表](images/step-1.png)\n",
                                               encoding="utf-8")
    build(project, plugins=load_only(demo=content.plugin()))
    out = project / "_build"
    assert (out / "pages/images/step-1.png").read_bytes() == PIXEL
    assert not (out / "pages/.hidden.png").exists()
    page = (out / "pages/usage.html").read_text(encoding="utf-8")
    assert '<img src="images/step-1.png" width="1" height="1" alt="第一步：打开检查表"' in page
    (project / "pages" / "images" / "step-1.png").write_bytes(PIXEL + b"\0")
    assert build(project, plugins=load_only(demo=content.plugin())).written is True  # a picture is an input too
    assert (out / "pages/images/step-1.png").read_bytes() == PIXEL + b"\0"


def png(width: int, height: int) -> bytes:
    """A blank PNG of that size."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\xff" * (3 * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_a_pages_pictures_have_their_size_and_only_a_phones_screen_is_kept_narrow(project, content):
    """A department's map or diagram (wider than tall) takes the width of the text: every picture was kept as narrow
    as a phone's screenshot (18rem), so a map came out a thumbnail.  Screenshots, taller than wide, still are."""
    (project / "pages" / "images").mkdir()
    (project / "pages" / "images" / "map.png").write_bytes(png(160, 60))
    (project / "pages" / "images" / "phone.png").write_bytes(png(39, 84))
    (project / "pages" / "images" / "plan.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    (project / "pages" / "usage.md").write_text(
        "# 使用说明\n\n![辖区片区图](images/map.png)\n\n![手机上的检查表](images/phone.png)"
        "![平面图](images/plan.svg)\n", encoding="utf-8")
    build(project, plugins=load_only(demo=content.plugin()))
    html = (project / "_build/pages/usage.html").read_text(encoding="utf-8")
    assert '<img src="images/map.png" width="160" height="60" alt="辖区片区图">' in html
    assert '<img src="images/phone.png" width="39" height="84" class="portrait" alt="手机上的检查表">' in html
    assert '<img src="images/plan.svg" alt="平面图">' in html  # no size to read: as wide as it is, at most the text
    css = (project / "_build/static/site.css").read_text(encoding="utf-8")
    assert ".prose img { max-width: 100%;" in css and ".prose img.portrait { max-width: min(100%, 18rem); }" in css


def test_a_missing_picture_names_the_page_and_the_file(project, content):
    (project / "pages" / "usage.md").write_text("# 使用说明\n\n![第一步](images/step-1.png)\n", encoding="utf-8")
    assert problems(project, demo=content.plugin()) == [
        f"{(project / 'pages/usage.md').as_posix()}:3: broken link to 'images/step-1.png': no such file; put the "
        "picture at pages/images/step-1.png in the project folder (pictures are copied from pages/ as they lie)",
    ]
    assert not (project / "_build").exists()


def site_plugin(tmp_path: Path, template: str, page: str | None = None) -> types.ModuleType:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "checkpoint.html").write_text(template, encoding="utf-8")
    module = types.ModuleType("site_plugin")

    @hookimpl
    def checkframe_register_site(site):
        site.template_dir(folder)
        if page:
            site.page("drills", page)

    module.checkframe_register_site = checkframe_register_site
    return module


def test_plugin_overrides_a_template_by_extending_the_default_and_adds_a_page(tmp_path, project, content):
    plugin = site_plugin(
        tmp_path,
        '{% extends "default/checkpoint.html" %}{% block after_basis %}<p class="local">本部门补充说明</p>{% endblock %}',
        "# 应急演练\n\n每年至少组织一次。",
    )
    build(project, plugins=load_only(demo=content.plugin(), site=plugin))
    page = (project / "_build/checkpoint/demo-gas-01.html").read_text(encoding="utf-8")
    assert '<p class="local">本部门补充说明</p>' in page
    assert "瓦斯检查存在漏检" in page
    drills = (project / "_build/pages/drills.html").read_text(encoding="utf-8")
    assert "<title>应急演练 · 测试检查手册</title>" in drills


@JOBS
def test_plugin_template_that_fails_to_render(tmp_path, project, content, jobs):
    plugin = site_plugin(tmp_path, "{% extends 'default/checkpoint.html' %}{% block content %}{{ nope.x }}{% endblock %}")
    template = (tmp_path / "templates" / "checkpoint.html").as_posix()
    assert problems(project, jobs, demo=content.plugin(), site=plugin) == [
        f"site: {template}:1: template error: UndefinedError: 'nope' is undefined"
    ]
    plugin = site_plugin(tmp_path, "{% block content %}")
    assert problems(project, jobs, demo=content.plugin(), site=plugin) == [
        f"site: {template}:1: template syntax error: "
        "Unexpected end of template. Jinja was looking for the following tags: 'endblock'. "
        "The innermost block that needs to be closed is 'block'."
    ]


def test_hostile_plugin_content_is_shown_as_text(project, content):
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', 'title = "<script>alert(1)</script>"')
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查存在漏检、假检情况且进行作业的。"',
                 'what = "[点我](javascript:alert(1)) <img src=x onerror=alert(1)>"')
    build(project, plugins=load_only(demo=content.plugin()))
    for path, data in read_tree(project / "_build").items():
        if path.endswith(".html"):
            text = data.decode("utf-8")
            assert "<script>alert" not in text and "<img src=x" not in text, path
            assert 'href="javascript:' not in text, path
    page = (project / "_build/checkpoint/demo-gas-01.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_ids_with_dots_cannot_escape_the_output(project, content):
    content.edit("checkpoints/01-gas.toml", 'id = "demo-gas-02"', 'id = "../../etc"')
    assert problems(project, demo=content.plugin())[0].startswith(
        "demo: checkpoints/01-gas.toml:19: [[checkpoint]] ../../etc, id: expected an id of lowercase letters"
    )
    assert not (project / "_build").exists()


# -- The 内容变化 page ---------------------------------------------------------------------


def with_changes(project: Path, since: str = "exports/old.json", label: str = "2024年专项整治版本",
                 published: bool = True) -> str:
    config = project / "checkframe.toml"
    config.write_text(HANDBOOK_CONFIG + f'\n[changes]\nsince = "{since}"\nlabel = "{label}"\n'
                      + ("published = true\n" if published else ""), encoding="utf-8")
    return config.as_posix()


def test_changes_page_lists_added_changed_and_removed(project, content):
    from attrs import evolve

    from checkframe.catalog import catalog_to_json
    from doubles import catalog_of

    now = catalog_of(demo=content.plugin())
    retired = evolve(now.checkpoints[1], id="demo-retired", title="已废止的检查项")
    earlier = evolve(now, checkpoints=(now.checkpoints[0], retired))  # demo-gas-02 is new, demo-retired gone
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', 'title = "瓦斯检查漏检、假检"')
    (project / "exports").mkdir()
    (project / "exports" / "old.json").write_text(catalog_to_json(earlier), encoding="utf-8")
    with_changes(project)
    build(project, plugins=load_only(demo=content.plugin()))
    out = project / "_build"
    page = (out / "changes.html").read_text(encoding="utf-8")
    assert "与<strong>2024年专项整治版本</strong>相比，本手册新增检查项 1 个，修改 1 个，删除 1 个。" in page
    assert '<a href="checkpoint/demo-gas-02.html">瓦斯检查员持证</a>' in page
    assert '<a href="checkpoint/demo-gas-01.html">瓦斯检查漏检、假检</a>' in page
    assert "<dt>标题</dt>\n  <dd><del>瓦斯检查</del> → <ins>瓦斯检查漏检、假检</ins></dd>" in page
    assert "已废止的检查项 <span class=\"meta\">（测试行业 · 瓦斯）</span>" in page
    assert 'href="checkpoint/demo-retired.html"' not in page  # no page to link to
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "新增检查项 1 个，修改 1 个，删除 1 个。<a href=\"changes.html\">查看本年度内容变化</a>" in index
    checkpoint = (out / "checkpoint/demo-gas-01.html").read_text(encoding="utf-8")
    assert '<a href="../changes.html">内容变化</a>' in checkpoint
    assert check_links(read_tree(out), {}) == []

    # Compared with a baseline that readers never had, the page stays, but the home page does not announce it.
    with_changes(project, published=False)
    build(project, plugins=load_only(demo=content.plugin()))
    assert "查看本年度内容变化" not in (out / "index.html").read_text(encoding="utf-8")
    assert (out / "changes.html").is_file()


def test_the_changes_page_names_what_is_gone_by_its_title_not_its_id(project, content):
    """A removed checkpoint, a checkpoint that left a checklist and a retired checklist were shown by their ids
    (原编号 demo-retired, 移出 1 项：demo-retired): readers know them by the titles of the earlier export."""
    from attrs import evolve

    from checkframe.catalog import catalog_to_json
    from doubles import catalog_of

    now = catalog_of(demo=content.plugin())
    retired = evolve(now.checkpoints[1], id="demo-retired", title="已废止的检查项")
    twins = [evolve(now.checkpoints[1], id=f"demo-twin-{n}", title="同名的检查项") for n in (1, 2)]
    self_check = evolve(now.checklists[0], checkpoints=(*now.checklists[0].checkpoints, "demo-retired"))
    old_form = evolve(now.checklists[0], id="demo-old", title="旧督导检查表")
    earlier = evolve(now, checkpoints=(*now.checkpoints, retired, *twins), checklists=(self_check, old_form))
    (project / "exports").mkdir()
    (project / "exports" / "old.json").write_text(catalog_to_json(earlier), encoding="utf-8")
    with_changes(project)
    build(project, plugins=load_only(demo=content.plugin()))
    page = (project / "_build/changes.html").read_text(encoding="utf-8")
    assert "已废止的检查项 <span class=\"meta\">（测试行业 · 瓦斯）</span>" in page
    assert "<li>移出 1 项：已废止的检查项</li>" in page
    assert "旧督导检查表 <span class=\"meta\">（测试行业，自查表）</span>" in page
    # Two gone with one title in one group: only their ids tell them apart.
    assert "同名的检查项 <span class=\"meta\">（测试行业 · 瓦斯，原编号 demo-twin-1）</span>" in page
    body = re.sub(r"原编号 demo-twin-[12]", "", page.split("<main", 1)[1])
    assert not re.search(r"demo-(retired|old|twin)", body)


def test_without_changes_there_is_no_page_and_no_link(project, content):
    build(project, plugins=load_only(demo=content.plugin()))
    assert not (project / "_build" / "changes.html").exists()
    assert "changes.html" not in (project / "_build" / "index.html").read_text(encoding="utf-8")


def test_a_new_export_to_compare_with_rebuilds(project, content):
    from checkframe.catalog import catalog_to_json
    from doubles import catalog_of

    (project / "exports").mkdir()
    old = project / "exports" / "old.json"
    old.write_text(catalog_to_json(catalog_of(demo=content.plugin())), encoding="utf-8")
    with_changes(project)
    plugins = load_only(demo=content.plugin())
    build(project, plugins=plugins)
    assert build(project, plugins=plugins).written is False
    old.write_text(old.read_text(encoding="utf-8").replace("瓦斯检查员持证", "瓦斯检查员"), encoding="utf-8")
    assert build(project, plugins=plugins).written is True
    assert "修改 1 个" in (project / "_build" / "changes.html").read_text(encoding="utf-8")


def test_changes_config_problems_name_file_and_key(project, content, tmp_path):
    config = with_changes(project)
    assert problems(project, demo=content.plugin()) == [
        f"{config}:7: $.changes.since: cannot compare with 'exports/old.json': no such file"]
    (project / "exports").mkdir()
    (project / "exports" / "old.json").write_text('{"plugins": []}', encoding="utf-8")
    assert problems(project, demo=content.plugin()) == [
        f"{config}:7: $.changes.since: cannot compare with 'exports/old.json': not a checkframe export "
        "(no format and checkpoints); make one with: checkframe export -o FILE"]
    (project / "exports" / "old.json").write_text('{"format": 0, "checkpoints": []}', encoding="utf-8")
    assert problems(project, demo=content.plugin()) == [
        f"{config}:7: $.changes.since: cannot compare with 'exports/old.json': export format 0, but this checkframe "
        "reads format 1; export it again with this version of checkframe"]
    (project / "checkframe.toml").write_text(HANDBOOK_CONFIG + '\n[changes]\nsince = 2024\nlabl = "x"\n', encoding="utf-8")
    assert problems(project, demo=content.plugin()) == [
        f"{config}:7: $.changes.since: expected a string (got 2024); 2024 is a number; write \"2024\" in quotes",
        f"{config}:6: $.changes.label: required key missing",
        f"{config}:8: $.changes.labl: unknown key; did you mean 'label'?",
    ]
    with_changes(project, label=" ")
    assert problems(project, demo=content.plugin()) == [
        f"{config}:8: $.changes.label: expected a non-empty text (got an empty one)"]


def test_the_example_handbook_compares_with_a_committed_export():
    from checkframe.publish.project import load_project

    root = Path(__file__).parents[2] / "site"
    project = load_project(root)
    assert project.changes is not None and project.since_path.is_file()
    assert {s.id for s in project.previous.sectors} == {"coal_mine", "general"}


def test_a_pipe_or_an_unreadable_file_in_the_project_neither_hangs_nor_breaks_the_fingerprint(project, content):
    import os

    os.mkfifo(project / "pipe")  # reading it would block the build forever
    plugins = load_only(demo=content.plugin())
    assert build(project, plugins=plugins).written is True
    assert build(project, plugins=plugins).written is False


def test_no_text_is_left_to_a_tooltip(project, content):
    """A phone shows no tooltips: what a mark such as 待核实 means is said in words on the page (issue 12)."""
    content.edit("sector.toml", 'title = "中华人民共和国安全生产法"',
                 'title = "中华人民共和国安全生产法"\nconfirmed = false\nnote = "文号和日期未能与公布文本核对。"')
    content.edit("checkpoints/01-gas.toml", 'article = "第四十一条"',
                 'article = "第四十一条"\nconfirmed = false\nnote = "条文未能与公布文本核对。"')
    build(project, plugins=load_only(demo=content.plugin()))
    pages = {p: p.read_text(encoding="utf-8") for p in (project / "_build").rglob("*.html")}
    assert any('class="unconfirmed"' in text for text in pages.values())  # the demo content has an unconfirmed citation
    for path, text in pages.items():
        assert not re.search(r"<[a-z][^<>]*\stitle=", text), path
        if 'class="unconfirmed"' in text:  # a 待核实 mark: the page says once what it means
            assert "尚未与发布机关公布的文本核对" in text, path


def test_a_checkpoint_from_a_sector_left_out_is_shown_without_links_to_that_sector(tmp_path, content, make_content):
    other = make_content("other")
    other.write("sector.toml", '[sector]\nid = "other"\nname = "特种设备"\nsources = ["law"]\n')
    other.write("checklists.toml", '[[checklist]]\nid = "other-visit"\ntitle = "特种设备检查表"\nkind = "supervision"\n'
                                   'items = ["other/gas", "demo/gas"]\n')
    project = handbook_project(tmp_path / "only-other", config=HANDBOOK_CONFIG + 'sectors = ["other"]\n')
    build(project, plugins=load_only(demo=content.plugin(), other=other.plugin()))
    out = project / "_build"
    assert not (out / "sector/demo.html").exists()
    page = (out / "checkpoint/demo-gas-01.html").read_text(encoding="utf-8")
    assert "sector/demo.html" not in page
    assert '<nav class="breadcrumbs" aria-label="位置"><a href="../index.html">首页</a> › 测试行业 › 瓦斯</nav>' in page
    assert 'href="../checklist/other-visit.html"' in page


def test_an_id_on_a_page_is_said_to_be_its_number(example_handbook):
    """A checklist's or checkpoint's id is what a clerk types (``inspect new --checklist ID``, a record's
    ``checkpoint``), so the pages show it, labelled 编号; nowhere else does a page show a bare code."""
    out, _ = example_handbook
    pages = [*sorted((out / "checklist").glob("*.html")), *sorted((out / "checkpoint").glob("*.html"))[:40]]
    assert len(pages) > 40
    for page in pages:
        body = page.read_text(encoding="utf-8").split("<main", 1)[1]
        codes = re.findall(r"(.{0,3})<code>([^<]*)</code>", body)
        assert codes == [("编号 ", page.stem)], page.name


#: Two Chinese characters (or a Chinese quotation mark) with white space between them inside one text of a page:
#: a reader sees a stray space (本手册由 某某区应急管理局 发布).  Spaces next to a tag (a badge, a link) are layout.
STRAY_SPACE = re.compile(r"[\u4e00-\u9fff（）《》“”：，。、；][ \t\n]+[\u4e00-\u9fff（）《》“”：，。、；]")


def stray_spaces(html: str) -> list[str]:
    html = re.sub(r"<(script|style|template|pre)\b.*?</\1>", "<>", html, flags=re.S)
    # The legend of the marks spaces each mark from its meaning, the blank one too: "空白 无该项".
    return [text.strip() for text in re.findall(r">([^<>]*)<", html) if STRAY_SPACE.search(text.replace("空白 无该项", ""))]


def test_no_stray_space_between_chinese_words_on_pages_or_forms(project, content, monkeypatch):
    """Jinja's whitespace around a department's name, or a TOML line wrapped after a closing quotation mark,
    reads as a space in Chinese: on every page and every printed form, none."""
    from checkframe.publish import printing

    printed: list[str] = []
    write_pdf = printing._write_pdf
    monkeypatch.setattr(printing, "_write_pdf", lambda html, *a, **k: (printed.append(html), write_pdf(html, *a, **k))[1])
    wrapped = '"""\n判定标准原文照录于各检查项的“说明”\n中。\n"""'  # the line wrapped after a quotation mark
    content.edit("sector.toml", 'name = "测试行业"', f'name = "测试行业"\ndescription = {wrapped}')
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    out = project / "_build"
    assert "本手册由测试区应急管理局发布" in (out / "plugins.html").read_text(encoding="utf-8")
    found = {p.relative_to(out).as_posix(): stray_spaces(p.read_text(encoding="utf-8"))
             for p in out.rglob("*.html") if not p.relative_to(out).as_posix().startswith("guide/")}
    assert {path: texts for path, texts in found.items() if texts} == {}
    assert printed and [stray_spaces(html) for html in printed if stray_spaces(html)] == []


def test_the_remediation_page_lists_only_the_categories_of_the_sectors_in_the_handbook(tmp_path, make_content):
    """A project that leaves a sector out: its own remediation category (停产整顿), which none of the handbook's
    checkpoints names, was listed on 整改与闭环 beside checkframe's own, and its plugin as a source of the handbook."""
    demo, coal = make_content("demo"), make_content("coal")
    coal.write("remediation.toml", """
        [[category]]
        code = "coal_stop"
        name = "停产整顿"
        levels = ["major"]
        """)
    coal.edit("checkpoints/01-gas.toml", 'remediation = ["listed_supervision"]', 'remediation = ["coal_stop"]')
    project = handbook_project(tmp_path / "handbook", config=HANDBOOK_CONFIG + 'sectors = ["demo"]\n')
    plugins = load_only(demo=demo.plugin(), coal=coal.plugin())
    build(project, plugins=plugins, jobs=1)
    page = (project / "_build/remediation.html").read_text(encoding="utf-8")
    assert re.findall(r"<h3>([^<]*)</h3>", page) == ["现场整改", "限期整改", "挂牌督办"]
    assert "停产整顿" not in (project / "_build/plugins.html").read_text(encoding="utf-8")

    # A checkpoint of the handbook that names it: the category is the handbook's too.
    demo.edit("checkpoints/01-gas.toml", 'remediation = ["listed_supervision"]', 'remediation = ["coal_stop"]')
    build(project, plugins=plugins, jobs=1)
    page = (project / "_build/remediation.html").read_text(encoding="utf-8")
    assert re.findall(r"<h3>([^<]*)</h3>", page) == ["现场整改", "限期整改", "挂牌督办", "停产整顿"]
    assert check_links(read_tree(project / "_build"), {}) == []


def test_the_plugins_page_lists_only_the_plugins_whose_content_is_in_the_handbook(tmp_path, make_content):
    """A project that selects some sectors: the others' plugins are not its sources, and are named apart.  Each
    plugin is named by what it brings, in Chinese (its id, an English code, was the first column)."""
    demo, coal, gas = make_content("demo"), make_content("coal"), make_content("gas")
    gas.write("checklists.toml", CHECKLISTS.replace('items = ["{sector}/gas"]', 'items = ["coal-gas-01"]'))
    coal.edit("sector.toml", 'name = "测试行业"', 'name = "煤矿"\nmaintainer = "测试区能源局"')
    project = handbook_project(tmp_path / "handbook", config=HANDBOOK_CONFIG + 'sectors = ["demo", "gas"]\n')
    build(project, plugins=load_only(demo=demo.plugin(), coal=coal.plugin(), gas=gas.plugin()), jobs=1)
    page = (project / "_build/plugins.html").read_text(encoding="utf-8")
    table = page[page.index("<tbody>"):page.index("</tbody>")]
    rows = [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in table.split("<tr>")[1:]]
    version = rows[0][3]
    assert rows == [
        ["基本整改方式（系统内置）", "整改类别：现场整改、限期整改、挂牌督办", "—", version, "发行包", "checkframe"],
        ["测试行业", "—", "—"],
        ["煤矿（检查表引用的检查项）", "测试区能源局", "—"],  # only its checkpoint that gas's checklist draws
        ["测试行业", "—", "—"],
    ]
    assert "已安装，但本手册未收入" not in page
    assert not re.search(r">\s*(demo|coal|gas)\s*<", page)

    (project / "checkframe.toml").write_text(HANDBOOK_CONFIG + 'sectors = ["demo"]\n', encoding="utf-8")
    build(project, plugins=load_only(demo=demo.plugin(), coal=coal.plugin(), gas=gas.plugin()), jobs=1)
    page = (project / "_build/plugins.html").read_text(encoding="utf-8")
    assert "以下内容的插件已安装，但本手册未收入：煤矿、测试行业。" in page
    assert not re.search(r">\s*(demo|coal|gas)\s*<", page)
