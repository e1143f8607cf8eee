"""The peer mkslog's per-endpoint latency is measured against: a bare polars scan that cuts each
`timed` line at its quotes (scan_csv with separator '"'), folds ids in the path as mkslog does, and
computes count, mean and p95 per endpoint, streaming. It validates nothing.

    .venv/bin/python bench/bare_polars_latency.py LOG
"""

import sys

import polars as pl

lf = pl.scan_csv(sys.argv[1], separator='"', quote_char=None, has_header=False, infer_schema=False,
                 new_columns=[f"c{i}" for i in range(7)], truncate_ragged_lines=True)
path = pl.col("c1").str.split_exact(" ", 2).struct.field("field_1").str.replace(r"\?.*$", "")
uuid = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
ident = r"/[0-9]+(\.[A-Za-z0-9]{1,8})?(/|$)"
folded = path.str.replace_all(uuid, "{uuid}").str.replace_all(ident, "/{id}${1}${2}").str.replace_all(
    ident, "/{id}${1}${2}")
seconds = pl.col("c6").str.strip_chars_start().str.split_exact(" ", 1).struct.field("field_0").cast(
    pl.Float64, strict=False)
top = (lf.select(folded.alias("endpoint"), (seconds * 1000).alias("ms"))
       .group_by("endpoint").agg(pl.len().alias("count"), pl.col("ms").mean().alias("mean_ms"),
                                 pl.col("ms").quantile(0.95, "linear").alias("p95_ms"))
       .sort("count", descending=True).head(10))
print(top.collect(engine="streaming"))
