"""The one process pool: input order, the first error in that order, when workers are used, spawn, clean stops."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from checkframe.util import parallel
from checkframe.util.parallel import ENV_JOBS, ordered_map, workers
from doubles import sum_and_pid


def _slow_first(shared: None, item: int) -> int:
    """Item 0 finishes last, so that the workers complete out of input order."""
    if item == 0:
        time.sleep(0.3)
    return item * item


def _fail(shared: None, item: int) -> int:
    if item in (3, 7):
        time.sleep(0.2 if item == 3 else 0)  # 7 fails first in time, 3 first in input order
        raise ValueError(f"item {item}")
    return item


def _hang(shared: type[BaseException], item: int) -> int:
    if item == 0:
        raise shared("item 0")
    time.sleep(60)
    return item


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv(ENV_JOBS, raising=False)


def test_results_come_back_in_input_order_from_workers():
    results = ordered_map(sum_and_pid, list(range(40)), shared=100, jobs=2, chunksize=3)
    assert [total for total, _ in results] == [100 + i for i in range(40)]
    assert os.getpid() not in {pid for _, pid in results}
    assert not multiprocessing.active_children()


def test_longest_first_scheduling_keeps_input_order():
    order = ordered_map(_slow_first, [0, 1, 2, 3, 4], jobs=2, order=lambda item: -item)
    assert order == [0, 1, 4, 9, 16]


def test_the_first_error_in_input_order_is_raised():
    with pytest.raises(ValueError, match="item 3"):
        ordered_map(_fail, list(range(10)), jobs=2, chunksize=1)
    with pytest.raises(ValueError, match="item 3"):
        ordered_map(_fail, list(range(10)), jobs=1)
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_an_error_stops_the_pool_at_once_and_leaves_no_worker(error):
    """A Ctrl-C reaches the workers too: the one that has it sends it back, and the pool stops as for an error."""
    start = time.monotonic()
    with pytest.raises(error, match="item 0"):
        ordered_map(_hang, [0, 1, 2, 3], shared=error, jobs=2, chunksize=1)
    assert time.monotonic() - start < 30  # the sleeping workers were terminated, not waited for
    assert not multiprocessing.active_children()


def test_one_job_runs_in_this_process_without_a_pool(monkeypatch):
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", None)  # any pool would fail
    seen = []
    results = ordered_map(lambda shared, item: seen.append(item) or (shared, item), [1, 2], shared="s", jobs=1)
    assert results == [("s", 1), ("s", 2)] and seen == [1, 2]


def test_when_workers_are_used(monkeypatch):
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 4)
    assert workers(399, threshold=400) == 1
    assert workers(400, threshold=400) == 4
    assert workers(3, threshold=2) == 3  # never more workers than items
    assert workers(10_000, threshold=3000, limit=2) == 2
    assert workers(10, jobs=1, threshold=2) == 1
    assert workers(10, jobs=3, threshold=400) == 3  # an explicit number wins over the threshold
    assert workers(2, jobs=8) == 2
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 1)
    assert workers(10_000, threshold=400) == 1
    with pytest.raises(ValueError, match="jobs must be 1 or more"):
        workers(10, jobs=0)


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("3", 3), ("0", 4), ("", 4), ("many", 4)])
def test_the_environment_variable_sets_the_number_of_workers(monkeypatch, value, expected):
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 4)
    monkeypatch.setenv(ENV_JOBS, value)
    assert workers(1000, threshold=400) == expected
    assert workers(10, threshold=400) == 1  # below the threshold a pool does not pay, whatever the variable
    assert workers(1000, jobs=2, threshold=400) == 2  # --jobs wins over the variable


def test_usable_cpus_follows_the_affinity():
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert parallel.usable_cpus() == expected


def test_spawned_workers_get_the_shared_state_pickled():
    results = ordered_map(sum_and_pid, [1, 2, 3], shared=10, jobs=2, method="spawn")
    assert [total for total, _ in results] == [11, 12, 13]
    assert os.getpid() not in {pid for _, pid in results}


def test_unpicklable_shared_state_stays_in_this_process_where_workers_do_not_fork():
    results = ordered_map(sum_and_pid, [1, 2, 3], shared=10, jobs=2, picklable=False, method="spawn")
    assert results == [(11, os.getpid()), (12, os.getpid()), (13, os.getpid())]


def test_the_default_start_method_is_not_fixed_by_asking():
    assert parallel.start_method() in multiprocessing.get_all_start_methods()
    if multiprocessing.get_start_method(allow_none=True) is None:
        assert parallel.start_method() == multiprocessing.get_all_start_methods()[0]
        assert multiprocessing.get_start_method(allow_none=True) is None


def _double(shared, item):
    return item * 2


@pytest.mark.parametrize("jobs", [1, 2], ids=["one-process", "workers"])
def test_done_is_called_once_for_every_item(jobs):
    seen: list[int] = []
    assert parallel.ordered_map(_double, range(7), jobs=jobs, done=seen.append) == [0, 2, 4, 6, 8, 10, 12]
    assert sorted(seen) == list(range(7))


_HALF_SENT = '''
import os, signal, struct, sys, threading, time
from checkframe.util import parallel

def half_sent(shared, item):
    """A worker stopped while it sends its result: the length of a big one, its first bytes, then nothing."""
    frame = sys._getframe(1)
    while "result_queue" not in frame.f_locals:
        frame = frame.f_back
    writer = frame.f_locals["result_queue"]._writer
    os.write(writer.fileno(), struct.pack("!i", 50_000_000) + b"the first bytes")
    time.sleep(60)

def ctrl_c():
    time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGINT)

threading.Thread(target=ctrl_c, daemon=True).start()
try:
    parallel.ordered_map(half_sent, [1, 2], jobs=2, threshold=1)
except KeyboardInterrupt:
    print("stopped", flush=True)
'''


def test_a_worker_stopped_while_it_sends_a_result_leaves_nothing_waiting_at_exit():
    """The pool's thread, left reading the rest of a result that will never come, ends with the pool: the process
    exits at once (it used to print its message and hang, waiting for that thread)."""
    import subprocess
    import sys

    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", _HALF_SENT], capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout) == (0, "stopped\n"), result.stderr
    assert time.monotonic() - started < 10


_CTRL_C_WHILE_FORKING = '''
import os, signal, sys
sys.path.insert(0, {tests!r})
from checkframe.util import parallel
from doubles import sum_and_pid

def ctrl_c_now():
    """Ctrl-C as the pool forks a worker; its handler (the KeyboardInterrupt) would run in this callback."""
    os.kill(os.getpid(), signal.SIGINT)
    sum(range(10_000))

os.register_at_fork(after_in_parent=ctrl_c_now)
try:
    parallel.ordered_map(sum_and_pid, [1, 2, 3, 4], shared=0, jobs=2, threshold=1, method="fork")
except KeyboardInterrupt:
    print("stopped", flush=True)
    sys.exit(130)
print("went on to the end", flush=True)
'''


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="forks its workers")
def test_ctrl_c_while_the_workers_are_forked_is_not_lost():
    """Python swallows an exception raised in an at-fork callback (logging registers one): a Ctrl-C whose handler
    ran there was lost and the pool went on to the end.  It is held until the workers are forked instead."""
    import subprocess
    import sys
    from pathlib import Path

    script = _CTRL_C_WHILE_FORKING.format(tests=str(Path(__file__).parent.parent))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout) == (130, "stopped\n"), result.stderr
    assert "Exception ignored" not in result.stderr
