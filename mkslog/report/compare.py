"""This period against the one before: rank changes and previous counts of the top lists, rows new
this period, and a series of the period before moved onto this period's time axis.

>>> cur = pl.DataFrame({"remote_addr": ["a", "b", "c"], "requests": [9, 5, 2]})
>>> prev = pl.DataFrame({"remote_addr": ["b", "a"], "requests": [7, 3]})
>>> compare_top(cur, prev, "remote_addr", "requests").rows()
[('a', 9, 3, 1), ('b', 5, 7, -1), ('c', 2, None, None)]
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

#: A top list of the period before is asked for this many rows: every key it has, in rank order.
ALL_ROWS = (1 << 32) - 1


def compare_top(current: pl.DataFrame, previous: pl.DataFrame, key: str | Sequence[str], value: str) -> pl.DataFrame:
    """``current`` (a top list in rank order) with ``previous`` (the count of the same key in the
    period before) and ``rank_change`` (previous rank minus this rank: positive moved up, null new
    this period), placed after ``value``. ``previous``: the same query over the period before, all
    its rows (``n=ALL_ROWS``), so a key that was 40th then still gets its rank."""
    keys = [key] if isinstance(key, str) else list(key)
    before = previous.select(*keys, pl.col(value).alias("previous"),
                             pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("__rank_before"))
    ranked = current.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("__rank"))
    joined = ranked.join(before, on=keys, how="left", nulls_equal=True, maintain_order="left")
    joined = joined.with_columns((pl.col("__rank_before") - pl.col("__rank")).alias("rank_change"))
    at = current.columns.index(value) + 1
    order = [*current.columns[:at], "previous", "rank_change", *current.columns[at:]]
    return joined.select(order)


def mark_new(current: pl.DataFrame, previous_keys: pl.Series, key: str, *, column: str = "new") -> pl.DataFrame:
    """``current`` with a boolean ``new`` column first after ``key``: true where ``key`` is not among
    ``previous_keys`` (suspects, exception types seen in the period before).

    >>> mark_new(pl.DataFrame({"exc_type": ["KeyError", "OSError"]}), pl.Series(["OSError"]), "exc_type").rows()
    [('KeyError', True), ('OSError', False)]
    """
    seen = pl.col(key).is_in(previous_keys.drop_nulls().implode())
    flagged = current.with_columns((pl.col(key).is_not_null() & ~seen).alias(column))
    at = current.columns.index(key) + 1
    return flagged.select(*current.columns[:at], column, *current.columns[at:])


def shift_previous(previous: pl.DataFrame, current_start, previous_start, ts: str = "ts") -> pl.DataFrame:
    """The period before's series with ``ts`` moved by the distance between the two periods' starts,
    so both periods share one time axis (a month before a longer month simply ends earlier).

    >>> from datetime import datetime
    >>> df = pl.DataFrame({"ts": [datetime(2026, 11, 9, 10)], "requests": [3]})
    >>> shift_previous(df, datetime(2026, 11, 16), datetime(2026, 11, 9))["ts"].to_list()
    [datetime.datetime(2026, 11, 16, 10, 0)]
    """
    return previous.with_columns(pl.col(ts) + (current_start - previous_start))


def top_compared(logs, query, key: str | Sequence[str], value: str, n: int, *, kind: str = "access") -> pl.DataFrame:
    """``query(frame, n)`` (``queries.top_ips``, ``top_endpoints``, ``top_errors``) over the period,
    compared with the period before (:func:`compare_top`) when that has data; as is otherwise."""
    current = query(logs.frame(kind), n)
    if not logs.has_previous(kind):
        return current
    return compare_top(current, query(logs.frame(kind, previous=True), ALL_ROWS), key, value)


def new_errors(logs, top: pl.DataFrame, *, level: str = "ERROR") -> pl.DataFrame:
    """``top`` (``queries.top_errors``) with ``new`` marking exception types the period before never
    logged; as is when the period before has no app log records."""
    from ..queries import top_errors

    if not logs.has_previous("app"):
        return top
    before = top_errors(logs.frame("app", previous=True), ALL_ROWS, level=level)
    return mark_new(top, before["exc_type"], "exc_type")


def new_suspects(logs, shown: pl.DataFrame, limits: dict) -> pl.DataFrame:
    """``shown`` (suspects with their reasons) with ``new`` marking addresses that were not
    suspicious in the period before (same limits); as is when the period before has no data."""
    from ..queries import suspicious_ips

    if not logs.has_previous("access"):
        return shown
    before = suspicious_ips(logs.frame("access", previous=True), logs.frame("app", previous=True), **limits)
    return mark_new(shown, before["remote_addr"], "remote_addr")


def traffic_series(logs, every: str = "1h") -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Requests per ``every`` over the period's grid, and the period before on the same time axis
    (None without data then)."""
    from ..queries import requests_over_time
    from .weeklogs import fill_period

    current = fill_period(requests_over_time(logs.access, every=every), logs, every, kind="access")
    if not logs.has_previous("access"):
        return current, None
    before = fill_period(requests_over_time(logs.frame("access", previous=True), every=every), logs, every,
                         kind="access", previous=True)
    return current, shift_previous(before, logs.period.start, logs.previous_period.start)


def metrics_series(logs) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Hourly maxima of the metrics log in the period, and the period before on the same axis."""
    from .resources import metrics_hourly

    current = metrics_hourly(logs.metrics)
    if not logs.rows("metrics", previous=True):
        return current, None
    before = metrics_hourly(logs.frame("metrics", previous=True))
    return current, shift_previous(before, logs.period.start, logs.previous_period.start)


__all__ = ["ALL_ROWS", "compare_top", "mark_new", "metrics_series", "new_errors", "new_suspects", "shift_previous",
           "top_compared", "traffic_series"]
