"""Fixtures of the browser tests: one Chromium (Debian's, driven by Playwright) and one built example handbook."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from unittest import mock

import pytest

from doubles import content_plugin, load_only

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="install the test extras: pip install playwright")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: apt-get install chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


def shipped_plugins():
    """This checkout's sector plugins (``plugins/*``), each under its folder's name, and no installed one."""
    return load_only(**{
        folder.name: content_plugin(next((folder / "src").glob("*/content")))
        for folder in sorted((REPO / "plugins").iterdir()) if (folder / "src").is_dir()
    })


@pytest.fixture(scope="session")
def example_handbook(tmp_path_factory):
    """The example handbook (``site/``) built from this checkout, served as ``checkframe serve`` serves it.

    Its PDFs are left out: printing them takes a minute, and the browser tests do not open them.
    Yields (the built folder, its URL).
    """
    from checkframe.publish import build as build_module
    from checkframe.publish.serve import handbook_server

    root = tmp_path_factory.mktemp("example") / "site"
    shutil.copytree(REPO / "site", root, ignore=shutil.ignore_patterns("_build", ".checkframe-cache"))
    with mock.patch.object(build_module, "print_all", lambda *args, **kwargs: None):
        build_module.build(root, plugins=shipped_plugins())
    out = root / "_build"
    server = handbook_server(out, 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
