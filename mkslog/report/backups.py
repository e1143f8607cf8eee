"""Backups from the backup log: one row per run, the last success of each kind, the failures.

>>> from datetime import datetime
>>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, 19, 2, 0, s) for s in range(3)], "level": ["INFO"] * 3,
...                    "backup_kind": ["daily"] * 3, "event": ["start", "data", "completed"],
...                    "size_bytes": [None, 100, None], "reason": [None] * 3, "message": ["m"] * 3})
>>> backup_summary(lf).select("backup_kind", "size_bytes", "successes", "failures").row(0)
('daily', 100, 1, 0)
"""

from __future__ import annotations

import polars as pl

FAILED_EVENTS = ("failed", "verify_failed")


def backup_runs(backup: pl.LazyFrame) -> pl.DataFrame:
    """One row per backup run (from its ``start`` line to the next): backup_kind, start, end, ok
    (it logged ``completed``), size_bytes (the archives it wrote), failures (failed steps), reason."""
    events = backup.select("ts", "backup_kind", "event", "size_bytes", "reason").sort("ts").collect()
    runs = (
        # a step's line may not name the kind ("Database backup failed: ..."): it is the running one's
        events.with_columns(pl.col("backup_kind").forward_fill().fill_null("?"))
        .with_columns((pl.col("event") == "start").cum_sum().over("backup_kind").alias("run"))
        .group_by("backup_kind", "run")
        .agg(pl.col("ts").min().alias("start"), pl.col("ts").max().alias("end"),
             (pl.col("event") == "completed").any().alias("ok"),
             pl.col("size_bytes").sum().alias("size_bytes"),
             pl.col("event").is_in(FAILED_EVENTS).sum().cast(pl.Int64).alias("failures"),
             pl.col("reason").drop_nulls().first().alias("reason"))
    )
    return runs.drop("run").sort("start")


def backup_summary(backup: pl.LazyFrame) -> pl.DataFrame:
    """Per backup kind: last_success (end of the last completed run), size_bytes (what that run
    wrote), successes, failures (runs that did not complete)."""
    runs = backup_runs(backup)
    last_ok = (runs.filter("ok").sort("end").group_by("backup_kind").agg(
        pl.col("end").last().alias("last_success"), pl.col("size_bytes").last()))
    counts = runs.group_by("backup_kind").agg(pl.col("ok").sum().cast(pl.Int64).alias("successes"),
                                              (~pl.col("ok")).sum().cast(pl.Int64).alias("failures"))
    return (counts.join(last_ok, on="backup_kind", how="left")
            .select("backup_kind", "last_success", "size_bytes", "successes", "failures").sort("backup_kind"))


def backup_failures(backup: pl.LazyFrame) -> pl.DataFrame:
    """ts, backup_kind, event, message: every line of the week that reports a failure."""
    return (backup.sort("ts").with_columns(pl.col("backup_kind").forward_fill()).filter(pl.col("event").is_in(FAILED_EVENTS) | (pl.col("level") == "ERROR"))
            .select("ts", "backup_kind", "event", "message").sort("ts").collect())


__all__ = ["FAILED_EVENTS", "backup_failures", "backup_runs", "backup_summary"]
