"""One atomic file layer for every writer: a file or a folder is either complete or untouched.

:func:`write_atomic` and :func:`copy_atomic` write beside the target under a
hidden temporary name, flush it to disk and rename it over the target.
:func:`staging_folder` and :func:`swap_folder` build a whole folder aside and
put it in place with renames, putting the previous folder back when a step
fails.  What they leave has the modes the umask allows (0644 for files and
0755 for folders under umask 022), not the private modes of
:mod:`tempfile`, so a site copied to a web server can be read there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from checkframe.util import stopping

__all__ = [
    "Locked",
    "copy_atomic",
    "current_umask",
    "exclusive_lock",
    "place_new_folder",
    "staging_folder",
    "swap_folder",
    "write_atomic",
]


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _file_mode() -> int:
    return 0o666 & ~current_umask()


def _folder_mode() -> int:
    return 0o777 & ~current_umask()


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable, where the platform allows it."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def _temporary_beside(path: Path) -> Iterator[tuple[int, Path]]:
    """A temporary file in ``path``'s folder, removed unless it was renamed into place."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        yield fd, tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path | str, data: str | bytes, durable: bool = True) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` so that the file is either complete or as it was.

    ``durable=False`` leaves out the flushes to disk (``fsync``) that make the new file survive a power
    failure: for a cache, which a reader checks and rebuilds when it finds it incomplete.

    :raises OSError: when it cannot be written; nothing is left behind then.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with _temporary_beside(path) as (fd, tmp):
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode())
        stopping.check()  # a stop that a signal asked for is not lost (see checkframe.util.stopping)
        _replace(tmp, path)
    if durable:
        _fsync_folder(path.parent)


def copy_atomic(source: Path | str, path: Path | str) -> None:
    """Copy the bytes of ``source`` to ``path``, atomically as :func:`write_atomic`."""
    path = Path(path)
    with _temporary_beside(path) as (fd, tmp):
        with open(source, "rb") as reader, os.fdopen(fd, "wb") as handle:
            shutil.copyfileobj(reader, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode())
        stopping.check()
        _replace(tmp, path)


def _replace(tmp: Path, path: Path) -> None:
    """``os.replace``, noted for a command that a signal stops afterwards (:func:`stopping.placed`)."""
    stopping.note_placed(path)
    try:
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):  # not replaced (a signal may come just after)
            stopping.forget_placed(path)
        raise


@contextlib.contextmanager
def staging_folder(target: Path | str) -> Iterator[Path]:
    """A fresh hidden folder beside ``target`` to build it in; removed when the block raises.

    It gets the mode the umask allows for a folder, like ``mkdir``.
    """
    target = Path(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        os.chmod(staging, _folder_mode())
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def swap_folder(staging: Path | str, target: Path | str) -> None:
    """Put the complete folder ``staging`` where ``target`` is; the previous ``target`` is then removed.

    Two renames: the previous folder aside, the new one in.  When the second
    fails, the previous folder is put back before the error is raised, so
    ``target`` is either the old folder or the new one, never missing; nothing
    named ``.<target>.old-*`` is left behind.  ``staging`` is the caller's to
    remove on failure (:func:`staging_folder` does).
    """
    staging, target = Path(staging), Path(target)
    stopping.check()
    stopping.note_placed(target)
    old = None
    try:
        if target.exists() or target.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, old / target.name)
        os.rename(staging, target)
    except BaseException:  # a signal may come between any two steps, even after the last rename
        if os.path.lexists(staging):  # the new folder is not in place: the previous one goes back
            stopping.forget_placed(target)
            if old is not None and os.path.lexists(old / target.name):
                os.rename(old / target.name, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    _fsync_folder(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def place_new_folder(staging: Path | str, target: Path | str) -> None:
    """Rename the complete folder ``staging`` to ``target``, which must not exist.

    :raises FileExistsError: when ``target`` exists, even if it appeared a moment ago;
        ``staging`` is left for the caller to remove.

    On POSIX a rename replaces an empty folder, so the name is claimed first
    with ``mkdir`` (which fails if it exists) and then renamed over; on Windows
    a rename never replaces a folder, so it is the claim itself.
    """
    staging, target = Path(staging), Path(target)
    stopping.check()
    if os.name == "nt":
        os.rename(staging, target)
        return
    os.mkdir(target)
    stopping.note_placed(target)
    try:
        os.rename(staging, target)
    except BaseException:
        if os.path.lexists(staging):  # not renamed: the claim is given up
            stopping.forget_placed(target)
            os.rmdir(target)
        raise
    _fsync_folder(target.parent)



class Locked(Exception):
    """Another process holds the lock of :func:`exclusive_lock`."""


@contextlib.contextmanager
def exclusive_lock(path: Path | str) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (made if need be) for the block, or raise :class:`Locked`.

    The lock is the operating system's (``flock`` on POSIX, ``msvcrt.locking`` on Windows): it is let go
    when the process ends however it ends, so a crashed build never leaves a stale lock.  The file stays.

    :raises Locked: at once, when another process holds it.
    :raises OSError: when the file cannot be made.
    """
    path = Path(path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, _file_mode())
    try:
        try:
            if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise Locked(str(path)) from None
        yield
    finally:
        os.close(fd)
