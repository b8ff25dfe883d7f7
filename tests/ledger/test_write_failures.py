"""Ledger commands on a full disk, a read-only folder or a path that is a file: one line, exit 1, nothing half-written."""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import checkframe.cli as cli
from checkframe.cli import common
from checkframe.util import fs
from stores import CATALOG, EXAMPLE, FOUND, Store


@pytest.fixture
def store(tmp_path: Path, monkeypatch) -> Store:
    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store = Store(tmp_path / "ledger", jobs=1)
    store.record("a.toml", FOUND)
    return store


def hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def full_disk(monkeypatch) -> None:
    """Every atomic write finds the disk full once its temporary file is written."""
    def replace(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fs.os, "replace", replace)


@pytest.mark.parametrize("command", [
    ["show", "{root}", "--as-of", "2024-03-20", "--format", "csv"],
    ["show", "{root}", "--as-of", "2024-03-20", "--format", "xlsx"],
    ["report", "{root}", "weekly", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "csv"],
])
def test_a_full_disk_leaves_the_previous_file(store, tmp_path, capsys, monkeypatch, command):
    target = tmp_path / "out.file"
    target.write_text("before")
    full_disk(monkeypatch)
    args = [a.replace("{root}", str(store.root)) for a in command]
    assert cli.main(["ledger", *args, "-o", str(target)]) == 1
    out, err = capsys.readouterr()
    assert (out, err.splitlines()) == ("", [f"错误：无法写入 {target}：磁盘已满"])
    assert target.read_text() == "before"
    assert hidden(tmp_path) == []


def test_output_under_a_file(store, tmp_path, capsys):
    (tmp_path / "plain").write_text("x")
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "-o", str(tmp_path / "plain" / "x.csv"),
                     "--format", "csv"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"错误：无法写入 {tmp_path / 'plain' / 'x.csv'}：没有文件夹 {(tmp_path / 'plain').as_posix()}"]


def test_a_table_to_a_full_standard_output(store, capsys, monkeypatch):
    class Full:
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            pass

        def fileno(self):
            raise ValueError("no file")

        def isatty(self):
            return False

    monkeypatch.setattr(sys, "stdout", Full())
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "错误：无法写到标准输出：磁盘已满",
    ]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_dev_full_in_a_real_process(tmp_path):
    """``checkframe ledger show DIR > /dev/full``: one line, exit 1, no complaint at exit."""
    for plugin in ("checkframe_general", "checkframe_coal_mine", "checkframe_pipeline"):
        pytest.importorskip(plugin)
    shutil.copytree(EXAMPLE, tmp_path / "example")
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "checkframe", "ledger", "show", str(tmp_path / "example"), "--as-of",
                               "2024-04-30"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert (done.returncode, done.stderr.splitlines()) == (
        1, ["错误：无法写到标准输出：磁盘已满"])


def test_inspect_new_on_a_full_disk(store, capsys, monkeypatch):
    full_disk(monkeypatch)
    assert cli.main(["inspect", "new", "--checklist", "demo-self", "--unit", "acme", "--dir", str(store.root),
                     "--date", "2024-03-05"]) == 1
    target = store.root / "records" / "2024-03-05-acme-demo-self.toml"
    assert capsys.readouterr().err.splitlines() == [f"错误：无法写入 {target}：磁盘已满"]
    assert sorted(p.name for p in (store.root / "records").iterdir()) == ["a.toml"]


def test_inspect_new_where_records_is_a_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store = Store(tmp_path / "ledger")
    (store.root / "records").rmdir()
    (store.root / "records").write_text("not a folder")
    assert cli.main(["inspect", "new", "--checklist", "demo-self", "--unit", "acme", "--dir", str(store.root),
                     "--date", "2024-03-05"]) == 1
    records = (store.root / "records").as_posix()
    assert capsys.readouterr().err.splitlines() == [
        f"错误：无法写入 {records}/2024-03-05-acme-demo-self.toml：{records} 是文件，不是存放检查记录的文件夹；请移走"
        "或删除它后再试"]
    assert (store.root / "records").read_text() == "not a folder"


def test_inspect_new_in_a_ledger_folder_that_refuses(tmp_path, capsys, monkeypatch):
    """No records/ yet, and the ledger folder read-only (patched, so that it runs as root too)."""
    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store = Store(tmp_path / "ledger")
    (store.root / "records").rmdir()
    real = Path.mkdir

    def refused(self, *args, **kwargs):
        if self.name == "records":
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refused)
    assert cli.main(["inspect", "new", "--checklist", "demo-self", "--unit", "acme", "--dir", str(store.root),
                     "--date", "2024-03-05"]) == 1
    root = store.root.as_posix()
    assert capsys.readouterr().err.splitlines() == [
        f"错误：{root}/records：无法在 {root} 中写入：这是只读的文件系统",
        "checkframe：共 1 处问题，未写入任何文件。"]
    assert not (store.root / "records").exists()


def test_inspect_new_in_a_read_only_records_folder(store, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes in every folder")
    records = store.root / "records"
    records.chmod(0o555)
    try:
        assert cli.main(["inspect", "new", "--checklist", "demo-self", "--unit", "acme", "--dir", str(store.root),
                         "--date", "2024-03-05"]) == 1
    finally:
        records.chmod(0o755)
    target = records / "2024-03-05-acme-demo-self.toml"
    assert capsys.readouterr().err.splitlines() == [f"错误：无法写入 {target}：没有写入权限"]


# -- Progress on standard error -------------------------------------------------------------


class Terminal(io.StringIO):
    """Standard error in an interactive shell: a terminal."""

    def isatty(self) -> bool:
        return True


def slow_ledger(store: Store, monkeypatch, stream: io.StringIO) -> None:
    """A ledger that takes a while to read, the display drawn at once, standard error ``stream``."""
    from checkframe.ledger import ledger as ledger_module
    from checkframe.util.progress import Progress

    for n in range(8):
        store.record(f"r{n}.toml", "", date="2024-03-02")
    real = ledger_module._parse

    def slow(shared, item):
        time.sleep(0.1)
        return real(shared, item)

    monkeypatch.setattr(ledger_module, "_parse", slow)
    monkeypatch.setattr(Progress.__init__, "__kwdefaults__", {"enabled": False, "stream": None, "delay": 0.0})
    monkeypatch.setattr(sys, "stderr", stream)


def test_a_long_ledger_shows_its_progress_on_a_terminal(store, monkeypatch, capsys):
    stream = Terminal()
    slow_ledger(store, monkeypatch, stream)
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "--jobs", "1"]) == 0
    assert "读取新的检查记录" in stream.getvalue()
    assert capsys.readouterr().out.startswith("隐患编号")  # the table itself is not touched


@pytest.mark.parametrize("stream, extra", [(io.StringIO(), []), (Terminal(), ["-q"])], ids=["piped", "quiet"])
def test_no_progress_when_piped_or_quiet(store, monkeypatch, capsys, stream, extra):
    slow_ledger(store, monkeypatch, stream)
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-20", "--jobs", "1", *extra]) == 0
    assert stream.getvalue() == ""
    assert capsys.readouterr().out.startswith("隐患编号")


def test_a_folder_named_like_a_step_in_the_working_directory_is_no_problem(tmp_path, monkeypatch):
    """argparse asks whether a step's name is taken while adding it; a folder called forms/ must not answer."""
    import checkframe.cli as cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "forms").mkdir()
    (tmp_path / "show").mkdir()
    cli.build_parser()  # raised "'forms' is a folder, not a step" before
