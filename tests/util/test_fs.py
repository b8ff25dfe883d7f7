"""The atomic file layer: files and folders complete or untouched, with the modes the umask allows."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from checkframe.errors import ContentError
from checkframe.publish.build import build
from checkframe.util import fs, stopping
from doubles import handbook_project, load_only


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_atomic_gives_an_ordinary_file(tmp_path, umask_022):
    target = tmp_path / "a.txt"
    fs.write_atomic(target, "第一版")
    assert target.read_text(encoding="utf-8") == "第一版"
    assert mode(target) == 0o644
    fs.write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert leftovers(tmp_path) == []


def test_write_atomic_follows_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        fs.write_atomic(tmp_path / "private.txt", "x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "private.txt") == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "a.txt"
    target.write_text("old", encoding="utf-8")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        fs.write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == []


def test_copy_atomic(tmp_path, umask_022):
    source = tmp_path / "source.pdf"
    source.write_bytes(b"%PDF-1.7 ...")
    os.chmod(source, 0o600)  # a cache file may be private; the copy in the site is not
    fs.copy_atomic(source, tmp_path / "copy.pdf")
    assert (tmp_path / "copy.pdf").read_bytes() == b"%PDF-1.7 ..."
    assert mode(tmp_path / "copy.pdf") == 0o644


def make_folder(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "index.html").write_text(text, encoding="utf-8")
    return path


def test_staging_folder_has_the_umask_mode_and_goes_away_on_error(tmp_path, umask_022):
    target = tmp_path / "_build"
    with pytest.raises(RuntimeError), fs.staging_folder(target) as staging:
        assert mode(staging) == 0o755
        (staging / "half.html").write_text("half", encoding="utf-8")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def test_swap_folder_replaces_and_leaves_nothing_behind(tmp_path):
    target = make_folder(tmp_path / "_build", "old")
    with fs.staging_folder(target) as staging:
        (staging / "index.html").write_text("new", encoding="utf-8")
        fs.swap_folder(staging, target)
    assert (target / "index.html").read_text(encoding="utf-8") == "new"
    assert leftovers(tmp_path) == []


def test_a_failed_swap_puts_the_previous_folder_back(tmp_path, monkeypatch):
    target = make_folder(tmp_path / "_build", "old")
    real = os.rename
    calls = []

    def rename(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == 2:  # the new folder into place
            raise OSError(5, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="Input/output error"), fs.staging_folder(target) as staging:
        fs.swap_folder(staging, target)
    assert (target / "index.html").read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("after", [False, True], ids=["before-the-rename", "just-after-it"])
def test_a_signal_at_the_swap_leaves_one_folder_and_says_which(tmp_path, monkeypatch, after):
    """Ctrl-C raised as the new folder is renamed in (or the moment after): the old one back, or the new one."""
    stopping.clear()
    target = make_folder(tmp_path / "_build", "old")
    real = os.rename
    calls = []

    def rename(src, dst):
        calls.append(src)
        if len(calls) == 2:  # the new folder into place
            if after:
                real(src, dst)
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(KeyboardInterrupt), fs.staging_folder(target) as staging:
        (staging / "index.html").write_text("new", encoding="utf-8")
        fs.swap_folder(staging, target)
    assert (target / "index.html").read_text(encoding="utf-8") == ("new" if after else "old")
    assert leftovers(tmp_path) == []
    assert stopping.placed() == ([target] if after else [])


def test_what_was_put_in_place_is_noted_outermost_only_and_while_it_is_there(tmp_path, monkeypatch):
    stopping.clear()
    target = make_folder(tmp_path / "_build", "old")
    with fs.staging_folder(target) as staging:
        fs.write_atomic(staging / "inner.txt", "written in the staging folder")
        fs.swap_folder(staging, target)
    fs.write_atomic(target / "exports.zip", b"after the swap, inside it")
    fs.write_atomic(tmp_path / "record.toml", "x = 1\n")
    with fs.staging_folder(tmp_path / "gone") as gone:
        fs.write_atomic(gone / "a.txt", "in a staging folder removed since")
    import shutil
    shutil.rmtree(gone)
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError(28, "No space left")))
    with pytest.raises(OSError):
        fs.write_atomic(tmp_path / "failed.txt", "not written")
    assert stopping.placed() == [target, tmp_path / "record.toml"]
    stopping.clear()
    assert stopping.placed() == []


def test_place_new_folder_never_replaces(tmp_path):
    target = make_folder(tmp_path / "plugin", "theirs")
    staging = make_folder(tmp_path / ".staging", "ours")
    with pytest.raises(FileExistsError):
        fs.place_new_folder(staging, target)
    assert (target / "index.html").read_text(encoding="utf-8") == "theirs"
    empty = tmp_path / "empty"
    empty.mkdir()  # on POSIX a rename would replace an empty folder: it must not
    with pytest.raises(FileExistsError):
        fs.place_new_folder(staging, empty)
    fs.place_new_folder(staging, tmp_path / "new")
    assert (tmp_path / "new" / "index.html").read_text(encoding="utf-8") == "ours"


# -- The build through it ---------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return handbook_project(tmp_path / "handbook")


def test_a_built_site_and_its_pdfs_are_world_readable(project, content, umask_022):
    build(project, plugins=load_only(demo=content.plugin()))
    out = project / "_build"
    assert mode(out) == 0o755
    files = [p for p in out.rglob("*") if p.is_file()]
    folders = [p for p in out.rglob("*") if p.is_dir()]
    assert any(p.suffix == ".pdf" for p in files) and any(p.suffix == ".html" for p in files)
    assert {mode(p) for p in files} == {0o644}
    assert {mode(p) for p in folders} == {0o755}


def test_a_failed_swap_leaves_the_previous_build(project, content, monkeypatch):
    build(project, plugins=load_only(demo=content.plugin()))
    before = {p.relative_to(project).as_posix(): p.read_bytes() for p in (project / "_build").rglob("*") if p.is_file()}
    content.edit("checkpoints/01-gas.toml", "瓦斯检查存在漏检", "瓦斯检查存在漏检（改）")
    real = os.rename

    def rename(src, dst):
        if Path(src).name.startswith("._build.new-"):  # the new site into place
            raise OSError(13, "Permission denied")
        real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(ContentError) as info:
        build(project, plugins=load_only(demo=content.plugin()))
    assert [str(p) for p in info.value.problems] == [
        f"{project.as_posix()}: cannot write in {project.as_posix()}: Permission denied; "
        f"{project.as_posix()}/_build is as it was"]
    after = {p.relative_to(project).as_posix(): p.read_bytes() for p in (project / "_build").rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in project.iterdir() if p.name.startswith("._build")] == []


def test_a_build_stopped_after_its_swap_says_the_handbook_was_written(project, content, monkeypatch, capsys):
    """Ctrl-C while the build keeps its page cache, after the new _build is in place: not "nothing was changed"."""
    from checkframe.cli import common, main
    from checkframe.publish import pagecache

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "load_plugins", lambda: load_only(demo=content.plugin()))
    monkeypatch.setattr(pagecache, "save", interrupted)
    monkeypatch.chdir(project.parent)
    assert main(["build", str(project), "--jobs", "1"]) == common.EXIT_INTERRUPTED
    assert capsys.readouterr().err.splitlines()[-1] == (
        "checkframe: interrupted; handbook/_build had already been written; nothing else was changed")
    assert (project / "_build" / "index.html").is_file()


def test_the_clerks_are_told_in_chinese_what_was_written_before_a_stop(tmp_path, monkeypatch):
    from checkframe.cli import common

    monkeypatch.chdir(tmp_path)
    stopping.clear()
    assert common.stopped(False, "zh") == "checkframe：已中断，未作任何改动。"
    for name in ["a.toml", "b.toml", "c.toml", "d.toml"]:
        fs.write_atomic(tmp_path / name, "")
    (tmp_path / ".checkframe-cache").mkdir()
    fs.write_atomic(tmp_path / ".checkframe-cache" / "ledger.pickle", b"")  # a cache: no one reads it
    assert common.stopped(True, "zh") == "checkframe：已终止；此前已写入 a.toml、b.toml、c.toml 等 4 项，其余未作改动。"
    assert common.stopped(False, "en") == (
        "checkframe: interrupted; a.toml, b.toml, c.toml and 1 more had already been written; nothing else was changed")
    stopping.clear()
