"""The peer mkslog top-ips is measured against: a bare polars scan of the lines, the first token,
a streaming group_by. It validates nothing (every line counts, whatever its first word).

    .venv/bin/python bench/bare_polars_top_ips.py LOG
"""

import sys

import polars as pl

lf = pl.scan_lines(sys.argv[1])
first = pl.col("line").str.split_exact(" ", 1).struct.field("field_0").alias("remote_addr")
top = lf.select(first).group_by("remote_addr").len().sort("len", descending=True).head(10)
print(top.collect(engine="streaming"))
