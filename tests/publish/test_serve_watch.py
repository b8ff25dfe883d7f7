"""``checkframe serve --watch``: a rebuild after each edit, pages that reload, the last good build kept."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request

import pytest

from checkframe import cli
from checkframe.cli import common
from checkframe.publish import build as build_module
from checkframe.publish import serve
from doubles import handbook_project, load_only


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.read().decode("utf-8")


def status(port: int) -> dict:
    return json.loads(get(port, "/__checkframe/status"))


def wait_for(what, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = what()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def watching(tmp_path, content, monkeypatch):
    """``checkframe serve PROJECT --watch`` running in a thread; yields the project and the port."""
    project = handbook_project(tmp_path / "handbook", {"usage.md": "# 使用说明\n\n第一版。\n"})
    monkeypatch.setattr(common, "load_plugins", lambda: load_only(demo=content.plugin()))
    monkeypatch.setattr(build_module, "print_all", lambda *args, **kwargs: None)  # pages only: no PDF is looked at
    servers = []
    make = serve.watching_server

    def recorded(*args, **kwargs):
        servers.append(make(*args, **kwargs))
        return servers[-1]

    monkeypatch.setattr(serve, "watching_server", recorded)
    port = free_port()
    codes = []
    thread = threading.Thread(target=lambda: codes.append(cli.main(["serve", str(project), "--watch", "--port",
                                                                    str(port), "--jobs", "1"])))
    thread.start()
    try:
        wait_for(lambda: status(port), seconds=120)
        yield project, port
    finally:
        wait_for(lambda: servers)
        servers[0].shutdown()
        thread.join(timeout=10)
    assert codes == [0]


def test_an_edit_rebuilds_and_a_broken_one_keeps_the_last_good_build(watching, capsys):
    project, port = watching
    page = get(port, "/pages/usage.html")
    assert "第一版" in page and '<script src="/__checkframe/reload.js"></script></body>' in page
    assert "location.reload()" in get(port, "/__checkframe/reload.js")
    assert status(port) == {"build": 0, "problems": []}

    (project / "pages" / "usage.md").write_text("# 使用说明\n\n第二版。\n", encoding="utf-8")
    wait_for(lambda: status(port)["build"] == 1)
    assert "第二版" in get(port, "/pages/usage.html")

    config = (project / "checkframe.toml").read_text(encoding="utf-8")
    (project / "checkframe.toml").write_text(config + "broken = [\n", encoding="utf-8")
    problems = wait_for(lambda: status(port)["problems"])
    assert problems == [f"{(project / 'checkframe.toml').as_posix()}: invalid TOML: Invalid value (at end of document)"
                        f"; write a text in double quotes (\"煤矿\"), a date as 2024-03-01, an array as [\"a\", \"b\"]"]
    assert "第二版" in get(port, "/pages/usage.html")  # the last good build, still served

    (project / "checkframe.toml").write_text(config, encoding="utf-8")
    wait_for(lambda: status(port)["problems"] == [])
    assert status(port)["build"] == 1  # the same inputs as build 1: nothing to write, nothing to reload
    err = capsys.readouterr().err
    assert "the last good build is still served; fix and save to rebuild" in err


def test_the_builds_own_output_does_not_set_off_a_rebuild(watching):
    project, port = watching
    (project / "_build" / "stray.txt").write_text("written by hand into the output", encoding="utf-8")
    (project / ".notes.swp").write_text("an editor's swap file", encoding="utf-8")
    time.sleep(1.5)
    assert status(port)["build"] == 0


def test_the_open_page_reloads_and_shows_a_failed_rebuild(watching, browser):
    project, port = watching
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{port}/pages/usage.html")
    assert page.get_by_text("第一版").is_visible()
    (project / "pages" / "usage.md").write_text("# 使用说明\n\n第二版。\n", encoding="utf-8")
    page.get_by_text("第二版").wait_for(timeout=30_000)  # reloaded by itself
    (project / "pages" / "usage.md").write_text("没有标题的页面。\n", encoding="utf-8")
    alert = page.get_by_role("alert")
    alert.wait_for(timeout=30_000)
    assert alert.inner_text().startswith("手册未能重新生成，仍显示上一次生成的结果（1 处问题）：")
    assert "usage.md" in alert.inner_text()
    assert page.get_by_text("第二版").is_visible()
    (project / "pages" / "usage.md").write_text("# 使用说明\n\n第三版。\n", encoding="utf-8")
    page.get_by_text("第三版").wait_for(timeout=30_000)
    assert page.get_by_role("alert").count() == 0
    page.close()
