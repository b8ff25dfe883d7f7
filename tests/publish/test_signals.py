"""SIGTERM and Ctrl-C during a real build that prints PDFs: exit 143 or 130, the previous _build as it was,
no temporary folder and no worker process left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from doubles import handbook_project

TESTS = Path(__file__).parent.parent
GENERAL = TESTS.parent / "plugins" / "general" / "src" / "checkframe_general" / "content"

#: A build of the general sector's handbook, the PDFs in two worker processes.
SCRIPT = """
import os, sys, time
sys.path.insert(0, {tests!r})
from doubles import content_plugin, load_only
from checkframe.cli import common, main
from checkframe.publish import pdfs
common.load_plugins = lambda: load_only(general=content_plugin({content!r}))
if os.environ.get("SLOW_PRINTING"):  # each PDF a second longer: the signal always finds the workers printing
    render = pdfs._render_job
    def slow_render(shared, job):
        time.sleep(1)
        return render(shared, job)
    pdfs._render_job = slow_render
sys.exit(main(["build", {project!r}, "--force", "--jobs", "2"]))
"""

CONFIG = """
[handbook]
title = "测试检查手册"
department = "测试区应急管理局"
author_guide = false
"""


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (OSError, ValueError):
            continue
        if entry.name.isdigit() and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A handbook built once, whose _build the interrupted builds must leave as it is."""
    root = handbook_project(tmp_path_factory.mktemp("signals") / "hb", config=CONFIG)
    script = SCRIPT.format(tests=str(TESTS), content=str(GENERAL), project=str(root))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return root, script


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads child processes from /proc")
@pytest.mark.parametrize("number, twice, code", [
    (signal.SIGTERM, False, 143),
    (signal.SIGINT, False, 130),
    (signal.SIGINT, True, 130),  # Ctrl-C pressed twice
], ids=["sigterm", "ctrl-c", "ctrl-c-twice"])
def test_a_signal_while_printing_stops_everything_at_once(built, number, twice, code):
    root, script = built
    before = {p.relative_to(root / "_build").as_posix(): p.read_bytes()
              for p in (root / "_build").rglob("*") if p.is_file()}
    subprocess.run(["rm", "-rf", str(root / ".checkframe-cache")], check=True)  # so that the PDFs are printed again
    # On a fast machine the last PDFs could be done within the 0.3 s below, and the signal come after the build.
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True, env={**os.environ, "SLOW_PRINTING": "1"})
    workers: list[int] = []
    while process.poll() is None and not (list(root.glob("._build.new-*")) and len(workers) >= 2):
        workers = children(process.pid)
        time.sleep(0.05)
    assert process.poll() is None, "the build ended before it printed"
    time.sleep(0.3)  # the workers are printing
    # Ctrl-C in a terminal reaches the whole process group; SIGTERM (kill, systemd, CI) the process alone.
    send = (lambda: os.killpg(process.pid, number)) if number == signal.SIGINT else (lambda: process.send_signal(number))
    send()
    if twice:
        time.sleep(0.05)
        send()
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the build did not stop")
    assert process.returncode == code, err
    what = "terminated" if number == signal.SIGTERM else "interrupted"
    assert err.splitlines() == [f"checkframe: {what}; nothing was changed"]
    assert [p.name for p in root.iterdir() if p.name.startswith("._build")] == []
    assert [pid for pid in workers if alive(pid)] == []
    after = {p.relative_to(root / "_build").as_posix(): p.read_bytes()
             for p in (root / "_build").rglob("*") if p.is_file()}
    assert after == before


def test_a_worker_ignores_ctrl_c_and_the_pool_stops_it():
    """The pool's own part: a KeyboardInterrupt in the parent terminates workers that ignore SIGINT."""
    script = textwrap.dedent(f"""
        import os, signal, sys, threading, time
        sys.path.insert(0, {str(TESTS)!r})
        from checkframe.util import parallel
        from doubles import spin
        threading.Timer(1.0, lambda: os.killpg(0, signal.SIGINT)).start()
        try:
            parallel.ordered_map(spin, list(range(4)), jobs=2)
        except KeyboardInterrupt:
            print(len([p for p in parallel.multiprocessing.active_children()]))
            sys.exit(130)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            start_new_session=True)
    assert (result.returncode, result.stdout, result.stderr) == (130, "0\n", "")


def test_ctrl_c_received_by_another_thread_stops_the_pool():
    """The kernel may hand Ctrl-C to any thread of the parent; its handler still runs while the pool works.

    Here the signal goes to a timer's thread only (not to the workers): the main thread, waiting for the
    first task (30 seconds of work), must still stop the pool long before the work would end.
    """
    script = textwrap.dedent(f"""
        import signal, sys, threading
        sys.path.insert(0, {str(TESTS)!r})
        from checkframe.util import parallel
        from doubles import spin
        threading.Timer(1.0, lambda: signal.pthread_kill(threading.get_ident(), signal.SIGINT)).start()
        try:
            parallel.ordered_map(spin, list(range(4)), jobs=2)
        except KeyboardInterrupt:
            print(len([p for p in parallel.multiprocessing.active_children()]))
            sys.exit(130)
    """)
    try:
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20,
                                start_new_session=True)
    except subprocess.TimeoutExpired:
        pytest.fail("the pool went on working after Ctrl-C")
    assert (result.returncode, result.stdout, result.stderr) == (130, "0\n", "")


#: The build of SCRIPT, where Python swallows the exception of the signal handler: the handler runs in an
#: object's __del__ (as it may in any __del__, weakref or collector callback), after the pages are written.
SWALLOWED = """
import signal, sys
sys.path.insert(0, {tests!r})
from doubles import content_plugin, load_only
from checkframe import cli
from checkframe.cli import common
from checkframe.publish import build
common.load_plugins = lambda: load_only(general=content_plugin({content!r}))

class Dropped:
    def __del__(self):
        cli._on_signal(signal.{name}, None)  # raises; Python prints "Exception ignored" and goes on

def print_all(*args, **kwargs):
    Dropped()
    print("went on", file=sys.stderr)

build.print_all = print_all
sys.exit(cli.main(["build", {project!r}, "--force"]))
"""


@pytest.mark.parametrize("name, code, what", [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")])
def test_a_stop_whose_exception_python_swallowed_still_stops_the_build_before_the_swap(built, name, code, what):
    root, _ = built
    before = {p.relative_to(root / "_build").as_posix(): p.read_bytes()
              for p in (root / "_build").rglob("*") if p.is_file()}
    folder = (root / "_build").stat().st_ino  # the same bytes would be built: the folder tells a swap
    script = SWALLOWED.format(tests=str(TESTS), content=str(GENERAL), project=str(root), name=name)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "Exception ignored" in result.stderr and "went on" in result.stderr  # swallowed, as Python does
    assert result.returncode == code, result.stderr
    assert result.stderr.splitlines()[-1] == f"checkframe: {what}; nothing was changed"
    assert [p.name for p in root.iterdir() if p.name.startswith("._build")] == []
    after = {p.relative_to(root / "_build").as_posix(): p.read_bytes()
             for p in (root / "_build").rglob("*") if p.is_file()}
    assert after == before and (root / "_build").stat().st_ino == folder
