"""A polars LazyFrame over a generator of parsed batches: the one bridge from mkslog's parsers to
polars' query engine.

polars hands the IO source the columns the query needs and its row filter; the parsers use both
(only the needed fields are extracted, rows are filtered chunk by chunk), and the streaming engine
pulls one batch at a time, so memory stays bounded by the chunk size.

>>> import polars as pl
>>> lf = lazy_frame(lambda columns, predicate: iter([pl.DataFrame({"x": [1, 2, 3]})]), {"x": pl.Int64},
...                 name="demo", detail="three rows")
>>> lf.head(2).collect()["x"].to_list()
[1, 2]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import polars as pl
from polars.io.plugins import register_io_source

Batches = Callable[[list[str] | None, pl.Expr | None], Iterator[pl.DataFrame]]


def lazy_frame(batches: Batches, schema: dict[str, pl.DataType], *, name: str, detail: str,
               tz: str | None = None) -> pl.LazyFrame:
    """``batches(columns, predicate)`` as a LazyFrame of ``schema``; ``tz`` converts ``ts``."""

    def source(with_columns, predicate, n_rows, batch_size) -> Iterator[pl.DataFrame]:
        produced = 0
        for batch in batches(with_columns, predicate):
            if n_rows is not None:
                batch = batch.head(n_rows - produced)
                produced += len(batch)
            yield batch
            if n_rows is not None and produced >= n_rows:
                return

    lf = register_io_source(source, schema=schema, explain_name=name, explain_detail=detail)
    if tz:
        lf = lf.with_columns(pl.col("ts").dt.convert_time_zone(tz))
    return lf
