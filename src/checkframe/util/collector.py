"""Pausing Python's cycle collector over work that makes many objects and no cycles.

A site build, a ledger replay and the ledger's rows each make hundreds of thousands of
objects that live until the work ends and hold no reference cycles.  The collector would
only rescan them, and everything else alive (the catalog), on every pass: an eighth of a
cold ledger run, a third of its rows.  :func:`paused` turns it off for a block and back on
afterwards if it was on; pool workers forked meanwhile start with it off as well.

Once it is back on, its next pass still goes over everything the block made, once (they are
all in its youngest generation), and each later full pass again: at 100,000 records, a
second of a ledger command.  A command whose block makes what it keeps until it ends (a
ledger it then prints) passes ``freeze=True``: what is alive then is moved out of the
collector's reach (:func:`gc.freeze`) before it comes back on.  A library function does not:
in a long-running process, unreachable cycles alive at that moment would never be freed.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["paused", "running"]


@contextlib.contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """The cycle collector off for the block; on again after it when it was on before.

    ``freeze``: everything alive at the end of the block is left out of the collector's passes from
    then on (``gc.freeze()``), for a command's data that lives until the process ends.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if collecting:
            gc.enable()


@contextlib.contextmanager
def running() -> Iterator[None]:
    """The cycle collector on for the block, inside a :func:`paused` one: for work that makes cycles to free
    (WeasyPrint's boxes while printing), and for the pool workers forked in it; off again after it.

    What is alive when the block starts (all that the paused work made) is left out of the collector's passes
    during the block (:func:`gc.freeze`), and given back to it after (:func:`gc.unfreeze`): the block's first
    pass would otherwise go over all of it, a tenth of a build that prints two PDFs at 10,000 pages, and every
    later full pass again; workers forked in the block do not touch those objects' pages either.  An object
    frozen before the block is given back with them.
    """
    collecting = gc.isenabled()
    if not collecting:
        gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        if not collecting:
            gc.disable()
            gc.unfreeze()
