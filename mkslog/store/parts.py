"""The part files of the store: one Parquet file per source file, day and checkpoint, written
under a hidden temporary name and renamed into place (data and directory entry on disk) before
the catalog lists it; and the merging of the small parts frequent ingests leave.

Layout: ``DIR/kind=<kind>/date=<UTC day>/part-<uuid>.parquet``, rejected lines in
``DIR/kind=<kind>/_rejects/part-<uuid>.parquet``; records without a timestamp in the date
partition :data:`NULL_DATE` (Hive's own name for a null partition value).

>>> by_day(pl.DataFrame({"ts": [None], "line_no": [1]}, schema={"ts": pl.Datetime("us", "UTC"),
...        "line_no": pl.Int64}))[0][0]
'__HIVE_DEFAULT_PARTITION__'
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ..files import durable_rename
from ..parse.stats import REJECT_SCHEMA
from .catalog import Catalog, PartEntry

if TYPE_CHECKING:  # pyarrow loads when a part is written: a query over text never pays for it
    import pyarrow as pa

COMPACT_AT = 8  # small parts of one file and day that are merged into one
NULL_DATE = "__HIVE_DEFAULT_PARTITION__"  # records without a timestamp

DayGroup = tuple[str, "pa.Table", int | None, int | None, int, int]  # date, rows, ts min/max (us), first/last line


def by_day(df: pl.DataFrame) -> list[DayGroup]:
    """``df`` cut by the UTC day of ``ts``, each part as Arrow with its ts and line range."""
    groups: list[DayGroup] = []
    if not len(df):
        return groups
    day = pl.col("ts").dt.date()
    lo, hi, nulls = df.select(day.min().alias("lo"), day.max().alias("hi"), pl.col("ts").null_count()).row(0)
    if lo == hi and not nulls:  # the usual case: the whole chunk is one day, no copy
        days = [(lo.isoformat(), df)]
    else:
        keyed = df.with_columns(day.cast(pl.String).fill_null(NULL_DATE).alias("__date"))
        days = [(d, part) for (d,), part in keyed.partition_by("__date", as_dict=True, include_key=False).items()]
    for date, part in days:
        ts = part.get_column("ts").dt.epoch("us")
        line_no = part.get_column("line_no")
        groups.append((date, part.to_arrow(), ts.min(), ts.max(), line_no.min(), line_no.max()))
    return groups


class PartWriter:
    """A Parquet file of one day, written under a hidden temporary name and renamed on close."""

    def __init__(self, root: Path, kind: str, date: str, schema: pa.Schema):
        self.rel = f"kind={kind}/date={date}/part-{uuid.uuid4().hex}.parquet"
        self.final = root / self.rel
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.final.with_name(f".{self.final.name}.tmp")
        self.schema, self.kind, self.date = schema, kind, date
        import pyarrow.parquet as pq

        self.writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")
        self.rows, self.min_ts, self.max_ts, self.first, self.last = 0, None, None, None, None

    def write(self, table: pa.Table, tmin, tmax, lmin: int, lmax: int) -> None:
        if table.schema != self.schema:
            table = table.cast(self.schema)
        self.writer.write_table(table)
        self.rows += table.num_rows
        self.min_ts = tmin if self.min_ts is None or (tmin is not None and tmin < self.min_ts) else self.min_ts
        self.max_ts = tmax if self.max_ts is None or (tmax is not None and tmax > self.max_ts) else self.max_ts
        self.first = lmin if self.first is None else min(self.first, lmin)
        self.last = lmax if self.last is None else max(self.last, lmax)

    def close(self) -> PartEntry:
        self.writer.close()
        durable_rename(self.tmp, self.final)
        return PartEntry(self.rel, 0, self.kind, self.date, 0, self.rows, self.min_ts, self.max_ts,
                         self.first, self.last, datetime.now(UTC).isoformat(timespec="seconds"))

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def _write_rejects(root: Path, kind: str, rejects: pl.DataFrame) -> PartEntry:
    rel = f"kind={kind}/_rejects/part-{uuid.uuid4().hex}.parquet"
    final = root / rel
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp")
    rejects.write_parquet(tmp, compression="zstd")
    durable_rename(tmp, final)
    lines = rejects.get_column("line_no")
    return PartEntry(rel, 0, kind, None, 1, len(rejects), None, None, lines.min(), lines.max(),
                     datetime.now(UTC).isoformat(timespec="seconds"))


def write_rejects(root: Path, kind: str, rejects: pl.DataFrame) -> PartEntry:
    """The rejected lines of one checkpoint as a part of ``kind=<kind>/_rejects``."""
    rel = f"kind={kind}/_rejects/part-{uuid.uuid4().hex}.parquet"
    final = root / rel
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp")
    rejects.write_parquet(tmp, compression="zstd")
    durable_rename(tmp, final)
    lines = rejects.get_column("line_no")
    return PartEntry(rel, 0, kind, None, 1, len(rejects), None, None, lines.min(), lines.max(),
                     datetime.now(UTC).isoformat(timespec="seconds"))


def compact(cat: Catalog, kind: str, schema: dict, part_rows: int) -> int:
    """Merge the small parts of each file and day (and its small reject parts) once there are
    :data:`COMPACT_AT` of them: one new part, swapped in by one transaction, old files deleted
    after it. A part stays small while under 1/16 of ``part_rows``, so a row is rewritten a
    few times at most."""
    small = max(1, part_rows // 16)
    groups: dict[tuple, list[PartEntry]] = {}
    for p in cat.parts(kind, rejects=None):
        if p.rows < small:
            groups.setdefault((p.file_id, p.date, p.rejects), []).append(p)
    merged = 0
    for (_, date, rejects), parts in groups.items():
        if len(parts) < COMPACT_AT:
            continue
        parts.sort(key=lambda p: p.first_line)
        files = [str(cat.root / p.path) for p in parts]
        if rejects:
            new = write_rejects(cat.root, kind, pl.read_parquet(files, schema=REJECT_SCHEMA))
        else:
            data = pl.scan_parquet(files, schema=schema, missing_columns="insert",
                                   hive_partitioning=False).collect()
            w = PartWriter(cat.root, kind, date, pl.DataFrame(schema=schema).to_arrow().schema)
            known = [p.min_ts for p in parts if p.min_ts is not None]
            w.write(data.to_arrow(), min(known, default=None),
                    max((p.max_ts for p in parts if p.max_ts is not None), default=None),
                    parts[0].first_line, max(p.last_line for p in parts))
            new = w.close()
        new.file_id = parts[0].file_id
        with cat.transaction():
            for p in parts:
                cat.drop_part(p.path)
            cat.add_part(new)
        for p in parts:
            (cat.root / p.path).unlink(missing_ok=True)
        merged += len(parts)
    return merged


__all__ = ["COMPACT_AT", "NULL_DATE", "PartWriter", "by_day", "compact", "write_rejects"]
