"""Upgrading a store written by an older mkslog to the current layout (:data:`~mkslog.store.catalog.VERSION`).

Version 1 had one catalog (``DIR/_catalog.sqlite``), parts at ``kind=<kind>/date=<day>/`` and
the frame's unsigned types (``status`` uint16, ``bytes_sent`` uint64). Version 2 has a catalog
per host (``DIR/_catalog/<host>.sqlite``), parts at ``kind=<kind>/log_host=<host>/date=<day>/`` and
portable signed types (:mod:`mkslog.store.types`). A version-1 store held one machine's logs, so
its rows become the rows of one host: the host of the ingest that migrates it (``--host``, else
the configured one, else this machine's name); the ingest's summary says so.

The steps keep the store readable and are safe to repeat after a crash: every part is rewritten
under its new path (the old file stays), the copy of the catalog is updated to the new paths, and
only when it is complete is it put in place as ``_catalog/<host>.sqlite`` (one rename or PUT):
from then on readers see version 2. The old catalog and parts are deleted last; an interrupted
run leaves at worst files the next ingest removes.

>>> Migration("web1", 3, 1200).summary()
"migrated store version 1 to 2: 3 part(s), 1200 rows, now host 'web1'"
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass, field

import polars as pl

from ..errors import StoreError
from ..kinds import KINDS
from .catalog import CATALOG, VERSION, catalog_rel, check_host
from .location import Location
from .types import INT64_MAX, to_portable


@dataclass
class Migration:
    host: str
    parts: int = 0
    rows: int = 0
    lost: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        text = (f"migrated store version 1 to {VERSION}: {self.parts} part(s), {self.rows} rows, "
                f"now host {self.host!r}")
        for column, n in self.lost.items():
            text += f"; {n} value(s) of {column} above {INT64_MAX} stored as null"
        return text


def migrate(store, host: str) -> Migration:
    """Upgrade the version-1 ``store`` (a folder or bucket prefix) in place; its rows become ``host``'s.
    Hold the store's whole lock (``store_lock(store)``) while it runs."""
    loc = store if isinstance(store, Location) else Location(store)
    check_host(host)
    done = Migration(host)
    rel = catalog_rel(host)
    if not loc.exists(rel):
        fd, copy = tempfile.mkstemp(prefix="mkslog-migrate-", suffix=".sqlite")
        os.close(fd)
        try:
            _copy_catalog(loc, copy)
            _rewrite_parts(loc, copy, host, done)
            with open(copy, "rb") as fh:
                loc.put_bytes(rel, fh.read())
        finally:
            os.unlink(copy)
    _remove_version_1(loc)
    return done


def _copy_catalog(loc: Location, copy: str) -> None:
    local = loc.local_path(CATALOG)
    if local is None:
        with open(copy, "wb") as fh:
            fh.write(loc.read_bytes(CATALOG))
        local = copy
    # opened read-write: a journal left by a killed version-1 ingest is rolled back first
    old = sqlite3.connect(local, timeout=60)
    try:
        if local != copy:
            new = sqlite3.connect(copy)
            old.backup(new)
            new.close()
    finally:
        old.close()


def _rewrite_parts(loc: Location, copy: str, host: str, done: Migration) -> None:
    import pyarrow.parquet as pq  # loaded by the store's work, not by every text query
    db = sqlite3.connect(copy, isolation_level=None)
    try:
        found = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if found is not None and int(found[0]) != 1:
            raise StoreError(f"{loc}: its catalog {CATALOG} says store version {found[0]}, not 1: "
                             "move that file away if the store is already version 2")
        parts = db.execute("SELECT path, kind, date, rejects FROM parts ORDER BY path").fetchall()
        db.execute("BEGIN")
        for old, kind, date, rejects in parts:
            name = old.rsplit("/", 1)[-1]
            new = f"kind={kind}/log_host={host}/{'_rejects' if rejects else f'date={date}'}/{name}"
            if rejects:  # strings and Int64 only: copied as they are
                loc.put_bytes(new, loc.read_bytes(old))
            else:
                data, lost = to_portable(pl.read_parquet(loc.uri(old), hive_partitioning=False))
                loc.write(new, lambda out, data=data: pq.write_table(data.to_arrow(), out, compression="zstd"))
                done.rows += len(data)
                for column, n in lost.items():
                    done.lost[column] = done.lost.get(column, 0) + n
            db.execute("UPDATE parts SET path = ? WHERE path = ?", (new, old))
            done.parts += 1
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('version', ?), ('host', ?)",
                   (str(VERSION), host))
        db.execute("COMMIT")
    finally:
        db.close()


def _remove_version_1(loc: Location) -> None:
    """Every file of the old layout (not under a ``log_host=`` folder), then the old catalog: while it
    exists, the next ingest comes back here."""
    for kind in KINDS:
        folder = f"kind={kind}"
        for rel in loc.list(folder):
            if not rel.split("/")[1].startswith("log_host="):
                loc.delete(rel)
        loc.prune_dirs(folder)
    loc.delete(CATALOG + "-journal")
    loc.delete(CATALOG)


__all__ = ["Migration", "migrate"]
