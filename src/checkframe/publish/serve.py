"""``checkframe serve``: the built handbook over HTTP on this machine, as a static host serves it.

With ``--watch`` it also rebuilds the handbook after every change to its inputs (watchfiles, which
uses the system's file notifications rather than scanning), and each open page reloads itself after a
rebuild.  A rebuild that fails leaves the last good build served, its problems printed in the terminal
and shown over the page until a rebuild succeeds.

No folder is listed (a folder without ``index.html`` is not found), and every
page that is not found gets the handbook's own ``404.html``, with a
``<base href="/">`` so that its relative links work at any depth even without
JavaScript.  (Served unchanged by another server, the page sets that ``<base>``
itself, from the address: see templates/site/404.html.)
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from checkframe.publish.project import OUTPUT

__all__ = ["BuildState", "HandbookHandler", "handbook_server", "watch_and_rebuild", "watching_server"]


class HandbookHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the files of one built handbook; its 404 page for what is not there."""

    def list_directory(self, path: str | Any) -> None:
        self.send_error(404)
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        if b"<base " not in body:
            body = body.replace(b"<head>", b'<head>\n<base href="/">', 1)
        self.send_response(404, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class QuietHandler(HandbookHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def handbook_server(
    root: Path, port: int, host: str = "127.0.0.1", *, quiet: bool = False
) -> http.server.ThreadingHTTPServer:
    """A server of the handbook built in ``root``, ``quiet``: no line per request.

    :raises OSError: when it cannot listen.
    """
    handler = functools.partial(QuietHandler if quiet else HandbookHandler, directory=str(root))
    return http.server.ThreadingHTTPServer((host, port), handler)


# -- checkframe serve --watch -----------------------------------------------------------------------------

#: The address under which a watching server answers its own requests (never a file of the handbook).
OWN = "/__checkframe/"
#: Put into every page a watching server sends: it asks for the build's state, reloads the page after a
#: rebuild and shows the problems of a rebuild that failed over the last good build.
RELOAD_SCRIPT = """(function () {
  var seen = null, box = null;
  function show(problems) {
    if (!problems.length) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement('div');
      box.setAttribute('role', 'alert');
      box.style.cssText = 'position:fixed;left:0;right:0;bottom:0;z-index:99;max-height:45vh;overflow:auto;' +
        'background:#fff4f4;color:#5a0000;border-top:3px solid #b00020;padding:.75rem 1rem;font:14px/1.5 sans-serif';
      document.body.appendChild(box);
    }
    box.textContent = '';
    var head = document.createElement('strong');
    head.textContent = '手册未能重新生成，仍显示上一次生成的结果（' + problems.length + ' 处问题）：';
    var list = document.createElement('ul');
    problems.forEach(function (p) { var li = document.createElement('li'); li.textContent = p; list.appendChild(li); });
    box.appendChild(head); box.appendChild(list);
  }
  function poll() {
    fetch('/__checkframe/status', {cache: 'no-store'}).then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.build !== seen) { location.reload(); return; }
      seen = s.build; show(s.problems); setTimeout(poll, 500);
    }).catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
"""


class BuildState:
    """What the open pages of a watching server ask for: the number of the build served and the problems of the
    last rebuild (empty when it succeeded)."""

    def __init__(self) -> None:
        self.build = 0
        self.problems: list[str] = []
        self.lock = threading.Lock()

    def as_json(self) -> bytes:
        with self.lock:
            return json.dumps({"build": self.build, "problems": self.problems}, ensure_ascii=False).encode()


class WatchingHandler(QuietHandler):
    """A handbook server that adds :data:`RELOAD_SCRIPT` to every page and answers its status requests."""

    state: BuildState

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == OWN + "status":
            self._send(200, "application/json", self.state.as_json())
        elif path == OWN + "reload.js":
            self._send(200, "text/javascript; charset=utf-8", RELOAD_SCRIPT.encode())
        elif not (Path(self.directory) / "index.html").is_file():  # the first build failed: its problems, on a page
            page = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>尚未生成手册</title></head>'
                    f'<body><p>手册尚未生成。</p><script src="{OWN}reload.js"></script></body></html>')
            self._send(200, "text/html; charset=utf-8", page.encode())
        else:
            file = Path(self.translate_path(self.path))
            if file.is_dir() and path.endswith("/"):
                file = file / "index.html"
            if file.suffix == ".html" and file.is_file():
                body = file.read_bytes()
                script = f'<script src="{OWN}reload.js"></script>'.encode()
                at = body.rfind(b"</body>")
                self._send(200, "text/html; charset=utf-8",
                           body[:at] + script + body[at:] if at >= 0 else body + script)
            else:
                super().do_GET()

    def _send(self, code: int, kind: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def watching_server(root: Path, port: int, state: BuildState, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A server of the handbook built in ``root`` whose pages reload after each rebuild (``checkframe serve --watch``).

    :raises OSError: when it cannot listen.
    """
    handler = type("Handler", (WatchingHandler,), {"state": state})
    return http.server.ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(root)))


def _ignored(root: Path) -> Callable[[Any, str], bool]:
    """A watchfiles filter: the build's own output and cache, hidden files and folders (the staging folder, editors'
    swap files) and what watchfiles leaves out by default (``.git``, ``__pycache__``)."""
    from watchfiles import DefaultFilter

    default = DefaultFilter()

    def wanted(change: Any, path: str) -> bool:
        if not default(change, path):
            return False
        try:
            parts = Path(path).resolve().relative_to(root).parts
        except ValueError:
            parts = Path(path).parts[-1:]
        return not any(part.startswith(".") for part in parts) and parts[:1] != (OUTPUT,)

    return wanted


def watch_and_rebuild(
    project_root: Path, rebuild: Callable[[], tuple[list[str], bool]], folders: Callable[[], list[Path]],
    state: BuildState, stop: threading.Event, *, debounce: int = 300,
) -> None:
    """Run ``rebuild`` after each change under ``folders()`` until ``stop`` is set.

    ``rebuild`` returns the problems of the build (none when it succeeded) and whether it wrote the site (not when
    nothing had changed since the last good build).  The folders are asked again after every rebuild (the
    project's config names some).
    """
    from watchfiles import watch

    root = project_root.resolve()
    while not stop.is_set():
        watched = folders()
        for _ in watch(*watched, watch_filter=_ignored(root), stop_event=stop, debounce=debounce, step=50,
                       yield_on_timeout=False):
            problems, written = rebuild()
            with state.lock:
                state.problems = problems
                state.build += written
            if folders() != watched:
                break
