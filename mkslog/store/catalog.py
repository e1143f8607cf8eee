"""The store's catalog and lock: what has been read from which file, and which part files hold it.

A source file is known by its *content*, not its name, so that logrotate's renames and
compression are followed: the SHA-256 of its first 4 KB (``head``) and of the 4 KB before the
read offset (``tail``), both over the decompressed stream, plus device, inode, size and mtime for
a fast "nothing changed" check. ``access.log`` renamed to ``access.log.1`` and later gzipped to
``access.log.2.gz`` keeps its head and tail, so it is one catalog entry whose path moves.

Each host of the store has its own catalog, SQLite (``DIR/_catalog/<host>.sqlite``), listing
only that host's files and parts (``kind=<kind>/log_host=<host>/...``): every change of an ingest is
one transaction, made after the part files it lists are in place, so a reader sees whole ingests
or none. Ingests of different hosts touch disjoint files and so run in parallel, on a folder and
in a bucket alike; ``DIR/_catalog/<host>.lock`` (:func:`mkslog.files.pid_lock`) keeps the ingests
of one host one at a time.

>>> import tempfile
>>> cat = Catalog(tempfile.mkdtemp(), "web1", write=True)
>>> cat.files("access"), cat.meta("version"), cat.meta("host")
([], '2', 'web1')
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import socket
import sqlite3
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..errors import StoreError
from ..files import pid_lock
from ..sources import GZIP_MAGIC, Source, skip_bytes
from .location import Location

HEAD = 4096  # bytes hashed at the start of a file and before its read offset
CATALOG = "_catalog.sqlite"  # the one catalog of a version-1 store (see mkslog.store.migrate)
CATALOGS = "_catalog"  # one catalog per host; "_": engines that read the folder as a dataset skip it
LOCK = ".lock"
VERSION = 2  # 1: one catalog, unsigned types, no host partition; 2: per-host catalogs, portable types
HOST_COLUMN = "log_host"  # the partition and column of the host (``host`` is a field of nginx error logs)
HOST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, path TEXT NOT NULL, format TEXT,
    dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER, compressed INTEGER,
    head_len INTEGER, head_sha TEXT, tail_sha TEXT,
    "offset" INTEGER, lines INTEGER, parsed INTEGER, rejected INTEGER, invalid_utf8 INTEGER,
    complete INTEGER, present INTEGER, error TEXT, first_ingest TEXT, last_ingest TEXT);
CREATE TABLE IF NOT EXISTS parts (
    path TEXT PRIMARY KEY, file_id INTEGER NOT NULL, kind TEXT NOT NULL, date TEXT,
    rejects INTEGER NOT NULL, rows INTEGER, min_ts INTEGER, max_ts INTEGER,
    first_line INTEGER, last_line INTEGER, written TEXT);
CREATE INDEX IF NOT EXISTS parts_file ON parts (file_id);
"""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class FileEntry:
    """One source file's row in the catalog (``offset`` and ``lines`` count the decompressed
    content read so far; a line without its newline yet is left for the next ingest)."""

    kind: str
    path: str
    format: str = ""
    dev: int = 0
    ino: int = 0
    size: int = 0
    mtime_ns: int = 0
    compressed: int = 0
    head_len: int = 0
    head_sha: str = ""
    tail_sha: str = ""
    offset: int = 0
    lines: int = 0
    parsed: int = 0
    rejected: int = 0
    invalid_utf8: int = 0
    complete: int = 0  # read to the end it had when probed (unchanged stat: nothing new to read)
    present: int = 1  # seen by the last ingest
    error: str | None = None
    first_ingest: str = ""
    last_ingest: str = ""
    id: int | None = None


@dataclass
class PartEntry:
    """One Parquet file of the store, relative to the store folder."""

    path: str
    file_id: int
    kind: str
    date: str | None
    rejects: int
    rows: int
    min_ts: int | None  # microseconds since the epoch, UTC
    max_ts: int | None
    first_line: int
    last_line: int
    written: str = ""


@dataclass
class Probe:
    """What a source file is now: stat and the first bytes of its decompressed content."""

    source: Source
    dev: int
    ino: int
    size: int
    mtime_ns: int
    compressed: bool
    head: bytes

    def same_stat(self, e: FileEntry) -> bool:
        return (self.dev, self.ino, self.size, self.mtime_ns, int(self.compressed)) == (
            e.dev, e.ino, e.size, e.mtime_ns, e.compressed)

    def head_matches(self, e: FileEntry) -> bool:
        return e.offset > 0 and len(self.head) >= e.head_len and sha(self.head[: e.head_len]) == e.head_sha


def probe(source: Source) -> Probe:
    st = os.stat(source.path)
    with open(source.path, "rb") as fh:
        compressed = fh.read(2) == GZIP_MAGIC
    return Probe(source, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, compressed, read_range(source, 0, HEAD))


def read_range(source: Source, start: int, n: int) -> bytes:
    """Up to ``n`` bytes of the decompressed content from ``start`` (fewer at its end or where a
    ``.gz`` is truncated)."""
    stream = source.open()
    out = b""
    try:
        if start:
            skip_bytes(stream, start)
        while len(out) < n:
            block = stream.read(n - len(out))
            if not block:
                break
            out += block
    except (EOFError, OSError, zlib.error):
        pass  # a truncated .gz: what it holds
    finally:
        stream.close()
    return out


def window_before(source: Source, offset: int) -> tuple[bytes, bool]:
    """The up to 4 KB of decompressed content that end at ``offset``, and whether more follows."""
    start = max(0, offset - HEAD)
    data = read_range(source, start, offset - start + 1)
    return data[: offset - start], len(data) > offset - start


def check_host(host: str) -> str:
    """``host`` when it can name a partition (letters, digits, ``.``, ``-``, ``_``), else a clear error.

    >>> check_host("web1.example")
    'web1.example'
    """
    if not isinstance(host, str) or not HOST_NAME.fullmatch(host):
        raise StoreError(f"host {host!r} cannot name a store partition: give letters, digits, '.', '-' or '_' "
                         "(e.g. --host web1, or host = \"web1\" in mkslog.toml)")
    return host


def default_host(config=None, kind: str | None = None) -> str:
    """The host an ingest writes as: ``[logs.<kind>] host``, else ``host``, else this machine's name."""
    from ..config import as_config
    from ..kinds import config_key

    cfg = as_config(config)
    host = (cfg.get(f"logs.{config_key(kind)}.host") if kind else None) or cfg.get("host") or socket.gethostname()
    return check_host(host)


def catalog_rel(host: str) -> str:
    return f"{CATALOGS}/{host}.sqlite"


def catalog_hosts(loc: Location) -> list[str]:
    """The hosts that have a catalog in the store, sorted."""
    names = (r.rsplit("/", 1)[-1] for r in loc.list(CATALOGS))
    return sorted(n.removesuffix(".sqlite") for n in names if n.endswith(".sqlite") and not n.startswith("."))


def is_store(loc: Location) -> bool:
    return bool(catalog_hosts(loc)) or loc.is_file(CATALOG)


class Catalog:
    """The SQLite catalog of one host of a store; ``write=False`` opens it read-only (and fails
    clearly when it is missing). A remote store's catalog is a local copy: read from the bucket
    when opened, put back (one atomic PUT) after every transaction."""

    def __init__(self, store, host: str, *, write: bool):
        self.loc = store if isinstance(store, Location) else Location(store)
        self.host = check_host(host)
        self.rel = catalog_rel(host)
        self.write = write
        self.copy: str | None = None
        if self.loc.remote:
            fd, self.copy = tempfile.mkstemp(prefix="mkslog-catalog-", suffix=".sqlite")
            os.close(fd)
            if self.loc.is_file(self.rel):
                Path(self.copy).write_bytes(self.loc.read_bytes(self.rel))
            elif not write:
                self._missing()
            path = Path(self.copy)
        else:
            path = Path(self.loc.local_path(self.rel))
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
            self.db.executescript(_DDL)
            found = self.meta("version")
            if found is None:
                self.set_meta("version", str(VERSION))
                self.set_meta("host", host)
                # a new host's catalog goes into the bucket before any of its parts: an ingest of
                # another host starting meanwhile must see a store, not a folder of strange files
                self.sync()
        else:
            if not path.is_file():
                self._missing()
            if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
                # read-write, to roll back the journal an ingest killed mid-transaction left behind
                self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
            else:
                self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60,
                                          isolation_level=None)
            found = self.meta("version")
        if found is not None and int(found) > VERSION:
            raise StoreError(f"{self.loc} was written by a newer mkslog (store version {found}): upgrade mkslog")

    def _missing(self):
        store = self.loc
        raise StoreError(f"{store} is not an mkslog store (no catalog of host {self.host!r}): "
                         f"create it with `mkslog ingest --store {store} PATHS`")

    def sync(self) -> None:
        """Put a remote catalog's local copy back into the bucket (whole: readers see old or new)."""
        if self.copy and self.write:
            self.loc.put_bytes(self.rel, Path(self.copy).read_bytes())

    def close(self) -> None:
        self.db.close()
        if self.copy:
            try:
                self.sync()
            finally:
                os.unlink(self.copy)
                for leftover in (self.copy + "-journal",):
                    if os.path.exists(leftover):
                        os.unlink(leftover)

    def meta(self, key: str):
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc):
                raise StoreError(f"the last ingest into {self.loc} was interrupted and its catalog needs "
                                 "recovering: run `mkslog ingest` (or read as a user who can write the store)") from exc
            raise StoreError(f"the catalog of {self.loc} cannot be read ({exc}): is it an mkslog store?") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"the catalog of {self.loc} cannot be read ({exc}): is it an mkslog store?") from exc
        return None if row is None else row[0]

    def set_meta(self, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def files(self, kind: str | None = None) -> list[FileEntry]:
        names = [f.name for f in fields(FileEntry)]
        sql = "SELECT " + ", ".join(f'"{n}"' for n in names) + " FROM files"
        rows = self.db.execute(sql + (" WHERE kind = ?" if kind else "") + " ORDER BY id", (kind,) if kind else ())
        return [FileEntry(**dict(zip(names, row, strict=True))) for row in rows]

    def parts(self, kind: str | None = None, *, rejects: bool | None = False) -> list[PartEntry]:
        names = [f.name for f in fields(PartEntry)]
        where, args = [], []
        if kind:
            where.append("kind = ?")
            args.append(kind)
        if rejects is not None:
            where.append("rejects = ?")
            args.append(int(rejects))
        sql = "SELECT " + ", ".join(names) + " FROM parts" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.db.execute(sql + " ORDER BY date, min_ts, file_id, first_line", args)
        return [PartEntry(**dict(zip(names, row, strict=True))) for row in rows]

    def kinds(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT kind FROM files ORDER BY kind")]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        self.sync()

    def save_file(self, e: FileEntry) -> int:
        """Insert or update ``e`` (inside a transaction); returns its id."""
        values = {k: v for k, v in asdict(e).items() if k != "id"}
        cols = ", ".join(f'"{k}"' for k in values)
        if e.id is None:
            marks = ", ".join("?" for _ in values)
            cur = self.db.execute(f"INSERT INTO files ({cols}) VALUES ({marks})", list(values.values()))
            e.id = cur.lastrowid
        else:
            sets = ", ".join(f'"{k}" = ?' for k in values)
            self.db.execute(f"UPDATE files SET {sets} WHERE id = ?", [*values.values(), e.id])
        return e.id

    def add_part(self, p: PartEntry) -> None:
        values = asdict(p)
        self.db.execute(f"INSERT INTO parts ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
                        list(values.values()))

    def drop_part(self, path: str) -> None:
        """Forget one part (inside a transaction; the caller deletes its file afterwards)."""
        self.db.execute("DELETE FROM parts WHERE path = ?", (path,))

    def drop_file(self, file_id: int) -> tuple[list[str], int]:
        """Forget a file and its parts (inside a transaction): the part paths and their data rows."""
        rows = self.db.execute("SELECT path, rows, rejects FROM parts WHERE file_id = ?", (file_id,)).fetchall()
        self.db.execute("DELETE FROM parts WHERE file_id = ?", (file_id,))
        self.db.execute("DELETE FROM files WHERE id = ?", (file_id,))
        return [r[0] for r in rows], sum(r[1] for r in rows if not r[2])

    def part_paths(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT path FROM parts")}


def schema_blob(schema: dict) -> bytes:
    """A polars schema as bytes for the catalog (an empty Arrow IPC file: exact types)."""
    import polars as pl

    buf = io.BytesIO()
    pl.DataFrame(schema=schema).write_ipc(buf)
    return buf.getvalue()


def schema_from(blob: bytes) -> dict:
    import polars as pl

    return dict(pl.read_ipc_schema(io.BytesIO(blob)))


def lock_path(loc: Location, host: str | None) -> Path:
    """The lock file of one host's ingests (``host=None``: the whole store, held while migrating).
    A remote store is locked on this machine: one host's logs are ingested from one machine."""
    name = LOCK if host is None else f"{CATALOGS}/{host}.lock"
    if not loc.remote:
        return Path(loc.local_path(name))
    digest = hashlib.sha256(loc.name.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"mkslog-store-{digest}-{(host or 'all')}.lock"


@contextmanager
def store_lock(store, wait: float = 0.0, *, host: str | None = None) -> Iterator[None]:
    """Hold the lock of ``host``'s ingests into ``store`` (see :func:`lock_path`); wait up to
    ``wait`` seconds for another one to finish. Ingests of different hosts run in parallel."""
    loc = store if isinstance(store, Location) else Location(store)
    who = "" if host is None else f" of host {host}"

    def busy(pid: str) -> StoreError:
        return StoreError(f"another ingest{who} is running (pid {pid}) on {loc}: "
                          "wait for it to finish, or pass --wait SECONDS")

    def opened(exc: OSError) -> StoreError:  # e.g. a store folder this user may not write
        if isinstance(exc, NotADirectoryError):
            return StoreError(f"cannot open the store {loc}: a part of its path is a file, not a folder (give "
                              "another folder with --store DIR)")
        return StoreError(f"cannot open the store {loc}: {exc.strerror} (run as the user who owns it, "
                          "or give another folder with --store DIR)")

    with pid_lock(lock_path(loc, host), busy=busy, wait=wait, opened=opened):
        yield
