"""The headline figures: the period's requests, clients, error rate, latency and uptime beside the
period before, and their table with the change.

>>> figures = pl.DataFrame({"metric": ["requests", "error_rate"], "this_period": [6.0, 0.10],
...                         "previous_period": [4.0, 0.25]})
>>> [c for c in ("+50.0%", "-15.00 pt") if c in str(headline_table(figures, "en"))]
['+50.0%', '-15.00 pt']
>>> "Previous" in str(headline_table(figures, "en", compare=False))
False
"""

from __future__ import annotations

import polars as pl

from ..present import i18n
from ..present.html import Html, esc
from .availability import uptime
from .weeklogs import WeekLogs

#: metric -> how its values are shown: count, fraction (as %), ms
HEADLINE = {"requests": "count", "unique_ips": "count", "error_rate": "fraction", "p50": "ms", "p95": "ms",
            "p99": "ms", "uptime": "fraction"}


def access_figures(lf: pl.LazyFrame | None) -> dict[str, float | None]:
    """requests, unique_ips, error_rate (share of 5xx), p50/p95/p99 (ms) of an access frame, from
    ``queries.summary`` (the CLI's ``summary``); all None when the frame has no rows (the logs do not
    reach back that far, which is not the same as nobody came)."""
    from ..queries import summary

    figures: dict[str, float | None] = dict.fromkeys(("requests", "unique_ips", "error_rate", "p50", "p95", "p99"))
    if lf is None:
        return figures
    row = summary(lf).row(0, named=True)
    if not row["requests"]:
        return figures
    figures.update(requests=row["requests"], unique_ips=row["unique_ips"], error_rate=row["error_rate"],
                   p50=row["p50_ms"], p95=row["p95_ms"], p99=row["p99_ms"])
    return figures


def headline(logs: WeekLogs) -> pl.DataFrame:
    """metric, this_period, previous_period: the headline figures of the period and the one before."""
    cur = access_figures(logs.access) | {"uptime": uptime(logs.health)}
    prev = access_figures(logs.frame("access", previous=True)) | {"uptime": uptime(logs.frame("health", previous=True))}
    return pl.DataFrame({"metric": list(HEADLINE), "this_period": [cur[m] for m in HEADLINE],
                         "previous_period": [prev[m] for m in HEADLINE]},
                        schema={"metric": pl.String, "this_period": pl.Float64, "previous_period": pl.Float64})


def headline_table(df: pl.DataFrame, lang: str = "en", *, compare: bool = True) -> Html:
    """The headline frame as a table: each figure in its unit, and the change (relative for counts
    and times, in percentage points for rates). Cells carry ``data-metric`` and the raw
    ``data-value`` so tests can compare them with the queries. ``compare=False`` (the period
    before has no data): this period's column only, not a column of dashes."""
    fmt = {"count": i18n.fmt_int, "fraction": i18n.fmt_pct, "ms": i18n.fmt_ms}
    rows = []
    for metric, cur, prev in df.iter_rows():
        kind = HEADLINE[metric]
        change = (i18n.fmt_point_change if kind == "fraction" else i18n.fmt_change)(cur, prev, lang)
        raw = "" if cur is None else repr(cur)
        before = (f'<td class="num">{esc(fmt[kind](prev, lang))}</td><td class="num">{esc(change)}</td>'
                  if compare else "")
        rows.append(
            f'<tr><th>{esc(i18n.t(f"metric.{metric}", lang))}</th>'
            f'<td class="num" data-metric="{esc(metric)}" data-value="{esc(raw)}">{esc(fmt[kind](cur, lang))}</td>'
            f"{before}</tr>"
        )
    columns = ("metric", "this_period", "previous_period", "change") if compare else ("metric", "this_period")
    head = "".join(f"<th>{esc(i18n.label(c, lang))}</th>" for c in columns)
    return Html(f'<table class="mks-table" data-table="headline"><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')


__all__ = ["HEADLINE", "access_figures", "headline", "headline_table"]
