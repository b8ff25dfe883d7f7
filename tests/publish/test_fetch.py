"""Nothing fetched, nothing embedded from outside: pictures in plugin Markdown, and WeasyPrint's URL fetcher."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import hypothesis
import hypothesis.strategies
import pytest

import checkframe.cli as cli
from checkframe.catalog import catalog as catalog_module
from checkframe.cli import common
from checkframe.plugins import ENV_ALLOWLIST
from checkframe.publish.fetch import Fetcher, allowed
from checkframe.publish.printing import TEMPLATES, PrintError, render_checklist
from checkframe.publish.project import HandbookConfig, PrintConfig, Project
from checkframe.util.images import image_problem, image_sources
from doubles import catalog_of

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
def server():
    """A web server on the loopback interface that records every request it gets."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()
    httpd.server_close()


def hostile(content, tmp_path, base: str) -> Path:
    local = tmp_path / "secret.png"
    local.write_bytes(PNG)
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查存在漏检、假检情况且进行作业的。"',
                 f'what = "瓦斯检查存在漏检。![远程]({base}/remote.png) ![本地]({local.as_posix()})"')
    return local


def test_print_refuses_remote_and_local_pictures_and_requests_nothing(monkeypatch, content, tmp_path, server, capsys):
    base, seen = server
    local = hostile(content, tmp_path, base)
    real = common.load_plugins
    monkeypatch.setattr(common, "load_plugins", lambda: real(environ={ENV_ALLOWLIST: ""}, extra={"demo": content.plugin()}))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["print", "demo-self", "-o", str(tmp_path / "out.pdf")]) == 1
    rule = ("would be fetched from outside the handbook, and nothing is; put the picture into the text as a "
            "data:image/png;base64,... URI, or leave it out")
    assert capsys.readouterr().err.splitlines() == [
        f"error: demo: checkpoints/01-gas.toml:9: [[checkpoint]] demo-gas-01, what: image '{base}/remote.png' {rule}",
        f"error: demo: checkpoints/01-gas.toml:9: [[checkpoint]] demo-gas-01, what: image '{local.as_posix()}' {rule}",
        "checkframe: 2 problems found; nothing was written.",
    ]
    assert seen == []
    assert not (tmp_path / "out.pdf").exists()


def test_the_fetcher_refuses_what_reaches_it_and_names_the_checkpoint(monkeypatch, content, tmp_path, server):
    """Should a picture pass the catalog's rule, the fetcher still requests and embeds nothing."""
    base, seen = server
    hostile(content, tmp_path, base)
    monkeypatch.setattr(catalog_module, "image_problem", lambda src: None)
    catalog = catalog_of(demo=content.plugin())
    project = Project(tmp_path, HandbookConfig(title="手册", department="区应急管理局"), PrintConfig())
    with pytest.raises(PrintError) as info:
        render_checklist(catalog, project, "demo-self")
    assert str(info.value) == (
        f"checklist 'demo-self': checkpoint 'demo-gas-01' (plugin demo, $.what): '{base}/remote.png' is outside the "
        "handbook, and nothing is fetched or embedded from outside; put a picture into the text as a "
        "data:image/png;base64,... URI, or leave it out")
    assert seen == []


def test_a_data_picture_prints(content, tmp_path):
    import base64

    data = "data:image/png;base64," + base64.b64encode(PNG).decode()
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查存在漏检、假检情况且进行作业的。"',
                 f'what = "瓦斯 ![图]({data})"')
    catalog = catalog_of(demo=content.plugin())
    project = Project(tmp_path, HandbookConfig(title="手册", department="区应急管理局"), PrintConfig())
    assert render_checklist(catalog, project, "demo-self").startswith(b"%PDF")


@pytest.mark.parametrize("src, ok", [
    ("data:image/png;base64,AAAA", True),
    ("DATA:image/jpeg;base64,AAAA", True),
    ("https://example.gov.cn/a.png", False),
    ("//example.gov.cn/a.png", False),
    ("/usr/share/pixmaps/debian-logo.png", False),
    ("print.css", False),
    ("../../etc/passwd", False),
])
def test_the_picture_rule(src, ok):
    assert (image_problem(src) is None) is ok


@hypothesis.given(hypothesis.strategies.text(alphabet="![]()<>\\&#33;: \n*_`x.pngimgsrc=/", max_size=40))
def test_a_text_without_an_image_mark_needs_no_parse(text):
    from checkframe.util.images import _parsed_sources

    assert image_sources(text) == _parsed_sources(text)


@pytest.mark.parametrize("text", ["&#33;[x](a.png)", "!\\[x](a.png)", "<img src=a.png>", "! [x](a.png)",
                                  "![x][r]\n\n[r]: a.png", "[![x](a.png)](b.html)"])
def test_the_shortcut_agrees_with_the_parser_on_lookalikes(text):
    from checkframe.util.images import _parsed_sources

    assert image_sources(text) == _parsed_sources(text)


def test_image_sources_finds_nested_pictures():
    assert image_sources("a ![x](one.png)\n\n- **b ![y](two.png)**\n\n[link](three.html)") == ["one.png", "two.png"]


def test_allowed_urls(tmp_path):
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "link").symlink_to("/etc/hostname")
    roots = [tmp_path / "inside"]
    assert allowed((tmp_path / "inside" / "a.css").as_uri(), roots)
    assert not allowed((tmp_path / "inside" / "link").as_uri(), roots)  # a symlink out is outside
    assert not allowed((tmp_path / "inside" / ".." / "x").as_uri(), roots)
    assert not allowed("file://server/share/a.png", roots)
    assert not allowed("https://example.gov.cn/a.png", roots)
    assert allowed("data:image/png;base64,AAAA", roots)
    fetcher = Fetcher([TEMPLATES])
    with pytest.raises(ValueError):
        fetcher("http://127.0.0.1:9/x.png")
    assert fetcher.refused == ["http://127.0.0.1:9/x.png"]
