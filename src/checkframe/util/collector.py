"""Pausing Python's cycle collector over work that makes many objects and no cycles.

A site build, a ledger replay and the ledger's rows each make hundreds of thousands of
objects that live until the work ends and hold no reference cycles.  The collector would
only rescan them, and everything else alive (the catalog), on every pass: an eighth of a
cold ledger run, a third of its rows.  :func:`paused` turns it off for a block and back on
afterwards if it was on; pool workers forked meanwhile start with it off as well.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["paused"]


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off for the block; on again after it when it was on before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
