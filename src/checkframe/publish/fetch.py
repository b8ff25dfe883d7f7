"""What WeasyPrint may load while it prints: checkframe's own print assets and inline data, nothing else.

WeasyPrint fetches whatever a document names: an ``https://`` image from the
network (which hangs a PDF on an offline laptop), a ``file:///`` path from
anywhere the user can read, embedded into the PDF.  :class:`Fetcher` serves
``data:`` URIs and files inside the folders it is given (the print templates'
folder) and refuses everything else, remembering each URL it refused, so that
:func:`checkframe.publish.printing` can name the checkpoint that asked for it.
Pictures in plugin Markdown are held to :mod:`checkframe.util.images` when
the catalog is built; this is the rule at the last step, for whatever reaches it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["Fetcher", "allowed"]


def allowed(url: str, roots: Iterable[Path]) -> bool:
    """True for a ``data:`` URI, and for a ``file:`` URL of a file inside one of ``roots`` (symlinks resolved)."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = os.path.realpath(unquote(parts.path))
    return any(path.startswith(os.path.realpath(root) + os.sep) for root in roots)


class Fetcher:
    """A WeasyPrint URL fetcher confined to ``roots``; :attr:`refused` lists the URLs it would not fetch."""

    #: Read by WeasyPrint 63 and later when a fetch fails: a refusal is reported after rendering instead.
    _fail_on_errors = False

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = [Path(root) for root in roots]
        self.refused: list[str] = []
        self._inner: Any = None

    def _fetch(self, url: str) -> Any:
        if self._inner is None:
            try:
                from weasyprint.urls import URLFetcher  # WeasyPrint 63 and later

                self._inner = URLFetcher(allowed_protocols=("data", "file"))
            except ImportError:  # pragma: no cover - older WeasyPrint: a function
                from weasyprint import default_url_fetcher

                self._inner = default_url_fetcher
        return self._inner(url)

    def __call__(self, url: str, *args: Any, **kwargs: Any) -> Any:
        if not allowed(url, self.roots):
            self.refused.append(url)
            raise ValueError(f"refused: {url} is outside the handbook, and nothing is fetched from outside")
        return self._fetch(url)
