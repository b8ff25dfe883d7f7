"""``checkframe serve``: the built handbook over HTTP on this machine, as a static host serves it.

No folder is listed (a folder without ``index.html`` is not found), and every
page that is not found gets the handbook's own ``404.html``, with a
``<base href="/">`` so that its relative links work at any depth even without
JavaScript.  (Served unchanged by another server, the page sets that ``<base>``
itself, from the address: see templates/site/404.html.)
"""

from __future__ import annotations

import functools
import http.server
from pathlib import Path
from typing import Any

__all__ = ["HandbookHandler", "handbook_server"]


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
