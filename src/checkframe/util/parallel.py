"""One process pool for every batch: results in input order, workers only when they pay.

The site's pages, the ledger's records and the PDFs are each a list of
independent items, worth sharing out between processes only when there are
many and more than one CPU to run them on.  :func:`ordered_map` does that for
all three, so that they agree on when a pool pays, how many workers it has,
how a worker gets the state the items need, and what happens on an error:

- the results come back in the order of the items, and the error raised is the
  first one in that order, so a pool gives the same output (and the same
  problem) as one process;
- ``jobs`` wins when it is given (1 runs in this process, with no pool at all);
  otherwise the environment variable ``CHECKFRAME_JOBS`` stands in for the
  number of usable CPUs (1 keeps every batch in this process), and workers are
  used only from the caller's ``threshold`` of items up, which each caller
  measured for its own work;
- workers fork only where fork is the platform's default start method (Linux
  up to Python 3.13); elsewhere (macOS and Windows spawn) the default start
  method is used, so the work function is pickled by reference and the
  ``shared`` state once per worker.  Under fork, ``shared`` is inherited as it
  is and nothing of it is pickled;
- on an error, a KeyboardInterrupt or any exception a signal handler raises, the
  pending items are cancelled and the workers terminated (killed after a second)
  and joined: none is left behind.  Workers ignore SIGINT: Ctrl-C reaches the
  whole process group, and the parent stops them.

The module knows nothing of checkframe: it imports from the standard library only.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

__all__ = ["ENV_JOBS", "ordered_map", "start_method", "usable_cpus", "workers"]

#: The number of worker processes when no ``jobs`` is given and a batch is big enough; 1 keeps every batch
#: in this process.
ENV_JOBS = "CHECKFRAME_JOBS"

T = TypeVar("T")
R = TypeVar("R")


def usable_cpus() -> int:
    """The CPUs this process may run on: its affinity where the platform has one, else every CPU."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _env_jobs() -> int | None:
    try:
        wanted = int(os.environ.get(ENV_JOBS, ""))
    except ValueError:
        return None  # unset, empty or not a number: as if unset
    return wanted if wanted > 0 else None


def workers(count: int, jobs: int | None = None, threshold: int = 2, limit: int | None = None) -> int:
    """How many processes share out ``count`` items; 1 means in this process.

    :param jobs: an explicit choice (``--jobs``), which wins: never more than the items, though.
    :param threshold: below this many items a pool costs more than it saves.
    :param limit: at most this many workers when their number comes from the CPUs.
    :raises ValueError: for ``jobs`` below 1.
    """
    if jobs is not None:
        if jobs < 1:
            raise ValueError(f"jobs must be 1 or more (got {jobs})")
        return max(1, min(jobs, count))
    if count < threshold:
        return 1
    wanted = _env_jobs()
    if wanted is None:
        wanted = usable_cpus()
        if limit is not None:
            wanted = min(wanted, limit)
    return max(1, min(wanted, count))


def start_method() -> str:
    """The start method workers get: the one set for this program, else the platform's default.

    ``multiprocessing.get_start_method()`` would fix the default for the whole
    program as a side effect; the first of ``get_all_start_methods()`` is the
    default without that.
    """
    return multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_all_start_methods()[0]


#: What :func:`ordered_map` shares with the items of a worker process, installed by :func:`_install`.
_SHARED: Any = None


def _install(shared: Any) -> None:
    global _SHARED
    _SHARED = shared
    # Ctrl-C reaches every process of the terminal's group: the parent stops the workers (see _stop), so a
    # worker ignores it instead of failing its task with a traceback.  SIGTERM is the default again, in
    # case a forked worker inherited a handler that would turn it into an exception the pool catches.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _unblock_signals()  # blocked by the parent while it forked this worker (see _deferring_signals)


def _run(func: Callable[[Any, Any], Any], chunk: list[Any]) -> list[Any]:
    """A worker's task: ``func`` on each item of the chunk, in order; the first error stops it."""
    return [func(_SHARED, item) for item in chunk]


def ordered_map(
    func: Callable[[Any, T], R],
    items: Sequence[T],
    *,
    shared: Any = None,
    jobs: int | None = None,
    threshold: int = 2,
    limit: int | None = None,
    chunksize: int | None = None,
    min_chunk: int = 1,
    order: Callable[[T], Any] | None = None,
    picklable: bool = True,
    method: str | None = None,
    done: Callable[[T], None] | None = None,
) -> list[R]:
    """``[func(shared, item) for item in items]``, in worker processes when it pays (see :func:`workers`).

    The results are in the order of ``items`` and the exception raised is the
    first one in that order, whatever order the workers finish in.

    :param func: a module-level function (workers find it by name).
    :param shared: what every item needs and no item changes (a catalog, compiled templates): given to each worker
        once, as it starts, instead of with every item.
    :param chunksize: items per task; by default about eight tasks per worker, and at least ``min_chunk`` items.
        Tasks hold runs of consecutive items.
    :param order: a sort key for handing out the items (longest first, so that one long item does not finish alone
        at the end); each item is then a task of its own.  The results are still in the order of ``items``.
    :param picklable: False when ``shared`` cannot be pickled (compiled templates): workers are then used only where
        they fork, and elsewhere the items are run in this process.
    :param method: the start method, for tests (default: :func:`start_method`).
    :param done: called with each item once its result is in (a progress display); from a pool's own thread
        when workers run the items, so it must be quick and thread-safe.
    """
    items = list(items)
    count = workers(len(items), jobs, threshold, limit)
    method = method or start_method()
    if count > 1 and not picklable and method != "fork":
        count = 1
    if count == 1:
        if done is None:
            return [func(shared, item) for item in items]
        results = []
        for item in items:
            results.append(func(shared, item))
            done(item)
        return results

    schedule = list(range(len(items)))
    if order is not None:
        schedule.sort(key=lambda i: order(items[i]))
        size = 1
    else:
        size = chunksize or max(min_chunk, math.ceil(len(items) / (count * 8)))
    chunks = [schedule[start:start + size] for start in range(0, len(schedule), size)]
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context(method),
                               initializer=_install, initargs=(shared,))
    try:
        with _deferring_signals():  # the first submit forks the workers
            futures = [pool.submit(_run, func, [items[i] for i in chunk]) for chunk in chunks]
        if done is not None:
            for future, chunk in zip(futures, chunks, strict=True):
                future.add_done_callback(_reporter(done, [items[i] for i in chunk]))
        where: dict[int, tuple[Future[list[R]], int]] = {}
        for future, chunk in zip(futures, chunks, strict=True):
            for offset, i in enumerate(chunk):
                where[i] = (future, offset)
        results = []
        for i in range(len(items)):
            future, offset = where[i]
            results.append(_result(future)[offset])  # a failed task raises here: its first error
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()
    return results


#: How often the parent wakes while it waits for a task, to run the signal handlers (Ctrl-C) that are due.
POLL_SECONDS = 0.25


def _result(future: Future[R]) -> R:
    """The future's result, waited for in short steps.

    A signal that the kernel hands to another thread of this process (the pool's own, a timer's) only
    marks its Python handler as due; a main thread blocked in one long wait would run it when the wait
    ends, minutes later.  Waking every :data:`POLL_SECONDS` runs it: Ctrl-C stops the pool at once.
    """
    while not future.done():
        wait([future], timeout=POLL_SECONDS)
    return future.result()


def _reporter(done: Callable[[T], None], chunk: list[T]) -> Callable[[Future[Any]], None]:
    def report(future: Future[Any]) -> None:
        if not future.cancelled() and future.exception() is None:
            for item in chunk:
                done(item)
    return report


#: How long :func:`_stop` waits for a terminated worker before it kills it.
STOP_TIMEOUT = 1.0


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started, terminate the workers and wait for them: nothing is left running.

    A worker that has not stopped after :data:`STOP_TIMEOUT` seconds is killed; a second Ctrl-C or
    SIGTERM while the workers are stopped is held until they are, so it cannot leave one running.
    """
    held = _hold_signals()
    try:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
        results = getattr(pool, "_result_queue", None)  # shutdown forgets it
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(STOP_TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join()
        if manager is not None and manager.is_alive():
            # A worker stopped while it sent a result (a chunk of rendered pages is megabytes) leaves the pool's
            # thread waiting for the rest of it, and the interpreter waits for that thread when it exits: the
            # command said "interrupted" and hung.  With every worker gone, closing this process's end of the
            # pipe they wrote to ends the wait (end of file): the thread takes the pool for broken and ends.
            writer = getattr(results, "_writer", None)
            if writer is not None:
                writer.close()
            manager.join(STOP_TIMEOUT)
    finally:
        _release_signals(held)


#: The signals that stop a command (see ``checkframe.cli``); deferred while workers are forked.
_STOPPING = frozenset({signal.SIGINT, signal.SIGTERM})


@contextlib.contextmanager
def _deferring_signals() -> Iterator[None]:
    """SIGINT and SIGTERM blocked for the block (not ignored): one that comes meanwhile is delivered after it.

    ``os.fork`` runs the ``register_at_fork`` callbacks (logging's, among others) in this process, and Python
    reports an exception raised in one as unraisable and goes on: a Ctrl-C whose handler ran there was lost,
    and the command went on to the end.  Blocked, the signal waits until the workers are forked; each worker
    unblocks it (:func:`_install`) once its own handlers are set.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _unblock_signals() -> None:
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPPING)


def _hold_signals() -> dict[int, Any]:
    """Ignore SIGINT and SIGTERM for a moment (in the main thread only, where handlers can be set)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, signal.SIG_IGN) for number in (signal.SIGINT, signal.SIGTERM)}


def _release_signals(held: dict[int, Any]) -> None:
    for number, handler in held.items():
        signal.signal(number, handler if handler is not None else signal.SIG_DFL)
