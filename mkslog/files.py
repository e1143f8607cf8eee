"""Writing files safely, once for the whole house: atomic writes, durable renames, pid locks.

Standard library only: the backup and health modules (run from cron) use it without polars.

A reader of a file written with :func:`atomic_write` sees the old file or the whole new one,
never a part; :func:`durable_rename` also makes the rename itself survive a power cut; a
:func:`pid_lock` keeps two runs of one job apart and tells the second which pid holds it.

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> atomic_write(os.path.join(folder, "a.txt"), "one\\n")
>>> open(os.path.join(folder, "a.txt")).read()
'one\\n'
>>> with pid_lock(os.path.join(folder, ".lock"), busy=lambda pid: RuntimeError(pid)):
...     open(os.path.join(folder, ".lock")).read().strip() == str(os.getpid())
True
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO


def current_umask() -> int:
    """The process umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_dir(path: str | os.PathLike) -> None:
    """Make a rename inside ``path`` durable: the directory entry itself must reach the disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_rename(tmp: str | os.PathLike, final: str | os.PathLike) -> None:
    """``tmp`` to ``final``, with the data and the directory entry on disk before it returns."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, final)
    fsync_dir(Path(final).parent)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, *, binary: bool = False, mode: int | None = None,
                  durable: bool = True) -> Iterator[IO]:
    """A file handle whose content replaces ``path`` only when the block ends without an error.

    The temporary file sits beside ``path`` (same filesystem, so the rename is atomic) and is
    removed on failure. ``mode``: the file's permissions (default: what a plain ``open`` would
    give under the umask; ``0o600`` for secrets, set before any byte is written)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode if mode is not None else 0o666 & ~current_umask())
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as fh:
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
        if durable:
            fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike, data: str | bytes, *, mode: int | None = None,
                 durable: bool = True) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; see :func:`atomic_writer`."""
    with atomic_writer(path, binary=isinstance(data, bytes), mode=mode, durable=durable) as fh:
        fh.write(data)


def lock_holder(path: str | os.PathLike) -> str:
    """The pid written in a lock file, or ``unknown``."""
    try:
        return Path(path).read_text(encoding="ascii", errors="replace").strip() or "unknown"
    except OSError:
        return "unknown"


@contextlib.contextmanager
def pid_lock(path: str | os.PathLike, *, busy: Callable[[str], Exception], wait: float | None = 0.0,
             opened: Callable[[OSError], Exception] | None = None) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` and write this process's pid into it.

    ``wait``: seconds to wait for another holder (0: fail at once; None: wait as long as it
    takes). When the lock stays held, ``busy(holder_pid)`` is raised. ``opened(exc)`` turns an
    error opening the file into the caller's own error. The lock dies with the process, so a
    crashed run never leaves a stale lock; symlinks are not followed (a planted link cannot
    make the lock truncate another file)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        if opened is None:
            raise
        raise opened(exc) from exc
    try:
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait is None else fcntl.LOCK_NB))
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
                    raise busy(holder) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the lock


__all__ = ["atomic_write", "atomic_writer", "current_umask", "durable_rename", "fsync_dir", "lock_holder",
           "pid_lock"]
