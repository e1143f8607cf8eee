"""Altair charts from query results: a polars DataFrame in, an ``alt.Chart`` out.

Every function takes the column names it reads as keyword arguments (defaulting to the names the
queries produce) and a ``lang`` (``en`` or ``ja``) for titles and axis labels.

Time axes show wall-clock time in the data's own timezone, whatever the timezone of the machine that
draws the chart: timestamps are passed as "wall clock read as UTC" epoch milliseconds on a ``utc``
scale (Vega would otherwise convert them to the renderer's local time).

In reports each chart is an SVG drawn by vl-convert (in the kernel with ``alt.renderers.enable("svg")``;
for ``mkslog report`` after its kernel has ended: :mod:`mkslog.report.chartdraw`), so the HTML needs
no JavaScript and no network. :func:`use_theme` sets fonts that have Japanese glyphs.

Labels come from the logs (paths, addresses): every text column of a chart's data, and its title,
is made one line without control characters (:func:`inert`, as :func:`mkslog.text.one_line` shows
them) before it reaches Vega. A raw ESC, NUL or BEL in a label makes vl-convert abort the whole
process (the process that draws the report's charts), and would reach the SVG otherwise.

>>> import polars as pl
>>> chart = status_mix(pl.DataFrame({"class": ["2xx", "5xx"], "requests": [90, 10]}), lang="ja")
>>> chart.to_dict()["title"]
'ステータス区分別の応答数'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from ..text import one_line
from .i18n import t

WIDTH = 720
#: Fonts with Japanese glyphs first, so that ``ja`` labels are measured and drawn correctly.
FONT = "Noto Sans CJK JP, Hiragino Sans, Yu Gothic, Meiryo, IPAexGothic, sans-serif"
STATUS_COLORS = {"1xx": "#9e9e9e", "2xx": "#2e7d32", "3xx": "#1565c0", "4xx": "#ef6c00", "5xx": "#c62828"}
METRIC_COLORS = {"cpu": "#1565c0", "memory": "#6a1b9a", "disk": "#ef6c00"}
DEFAULT_THRESHOLDS = {"cpu": 80.0, "memory": 85.0, "disk": 85.0}
#: Cells with a count of zero: a light grey that no colour scale uses.
ZERO_COLOR = "#eeeeee"


def use_theme(font: str | None = None) -> None:
    """Register and enable the ``mkslog`` Altair theme (fonts, sizes); call once per kernel.
    ``font``: a family to put first (the report's embedded font, so labels are measured with it).
    Legend titles and labels get room enough not to be cut ("Errors" in Japanese is short, a
    metric name is not)."""
    family = f"{font}, {FONT}" if font else FONT

    @alt.theme.register("mkslog", enable=True)
    def _theme() -> alt.theme.ThemeConfig:
        return {"config": {"font": family, "view": {"stroke": None},
                           "title": {"fontSize": 14, "anchor": "start", "limit": 0},
                           "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleLimit": 0},
                           "legend": {"titleLimit": 0, "labelLimit": 0, "titleFontSize": 12}}}


#: Every control character (C0, DEL, C1), and how :func:`mkslog.text.one_line` shows each.
_CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]
_SHOWN = [one_line(c) for c in _CONTROLS]


def one_line_expr(expr: pl.Expr) -> pl.Expr:
    r"""A text expression with every control character shown as :func:`mkslog.text.one_line` shows
    it (``\x1b``, ``\n``), vectorised over the column.

    >>> pl.select(one_line_expr(pl.lit("/a\x1b[2J\x00"))).item()
    '/a\\x1b[2J\\x00'
    """
    return expr.str.replace_many(_CONTROLS, _SHOWN)


def inert(df: pl.DataFrame) -> pl.DataFrame:
    r"""``df`` with every text column passed through :func:`one_line_expr`: what a chart may hand to Vega.

    >>> inert(pl.DataFrame({"path": ["/x\x07"], "n": [1]})).row(0)
    ('/x\\x07', 1)
    """
    return df.with_columns(one_line_expr(pl.col(c)) for c, dtype in df.schema.items() if dtype == pl.String)


def _chart(data: pl.DataFrame, *, title: str | None = None, **kwargs) -> alt.Chart:
    """``alt.Chart`` over the inert copy of ``data`` (see :func:`inert`), with an inert title."""
    if title is not None:
        kwargs["title"] = one_line(title)
    return alt.Chart(inert(data), **kwargs)


def _wallclock_ms(df: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """``columns`` (Datetime, with or without a timezone) as epoch ms of their wall-clock time."""
    exprs = []
    for col in columns:
        dtype = df.schema[col]
        expr = pl.col(col)
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            expr = expr.dt.replace_time_zone(None)
        exprs.append(expr.dt.epoch("ms").alias(col))
    return df.with_columns(exprs)


def _category(col: str) -> pl.Expr:
    """A category column as text, with a visible stand-in for null (e.g. a request line that did
    not split into method and path has no endpoint); Vega-Lite sort lists cannot hold nulls."""
    # inert here already: sort lists and colour domains are taken from this column
    return one_line_expr(pl.col(col).cast(pl.String).fill_null("(none)")).alias(col)


def _time_x(col: str, lang: str, fmt: str = "%m/%d %H:%M") -> alt.X:
    return alt.X(f"{col}:T", title=t("label.time", lang), scale=alt.Scale(type="utc"),
                 axis=alt.Axis(format=fmt, labelAngle=0, tickCount=8))


#: The colour of the period before, drawn faint behind this period.
PREVIOUS_COLOR = "#9e9e9e"


def traffic(df: pl.DataFrame, *, ts: str = "ts", value: str = "requests", lang: str = "en",
            previous: pl.DataFrame | None = None) -> alt.Chart | alt.LayerChart:
    """Requests over time as an area chart (one row per time bucket). ``previous``: the period
    before on the same time axis (:func:`mkslog.report.compare.shift_previous`), a faint line.

    >>> from datetime import datetime
    >>> df = pl.DataFrame({"ts": [datetime(2026, 11, 16, 9), datetime(2026, 11, 16, 10)], "requests": [5, 7]})
    >>> traffic(df).mark.type, len(traffic(df, previous=df).layer)
    ('area', 2)
    """
    data = _wallclock_ms(df.select(ts, value), ts)
    few = data.height < 24  # a line needs two points: mark each bucket when there are only a few
    y = alt.Y(f"{value}:Q", title=t("label.requests", lang))
    area = (
        _chart(data, title=None if previous is not None else t("chart.traffic", lang), width=WIDTH, height=220)
        .mark_area(line=True, point=few, opacity=0.35, interpolate="step-after")
        .encode(x=_time_x(ts, lang), y=y)
    )
    if previous is None:
        return area
    before = (_chart(_wallclock_ms(previous.select(ts, value), ts))
              .mark_line(color=PREVIOUS_COLOR, opacity=0.7, strokeWidth=1, strokeDash=[3, 2], interpolate="step-after")
              .encode(x=_time_x(ts, lang), y=y))
    return alt.layer(before, area, title=one_line(t("chart.traffic", lang)))


def status_mix(df: pl.DataFrame, *, category: str = "class", value: str = "requests",
               lang: str = "en") -> alt.Chart:
    """Responses per status class (2xx green, 3xx blue, 4xx orange, 5xx red) as bars. Rows of the
    same class are added up, so the per-code frame of ``status_breakdown`` can be given as is.

    >>> status_mix(pl.DataFrame({"class": ["2xx", "2xx"], "status": [200, 204], "requests": [3, 1]})).mark
    'bar'
    """
    data = df.group_by(_category(category)).agg(pl.col(value).sum())
    domain = sorted(data.get_column(category).unique().to_list())
    colors = [STATUS_COLORS.get(c, "#757575") for c in domain]
    return (
        _chart(data, title=t("chart.status", lang), width=WIDTH, height=40 + 24 * len(domain))
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=t("label.status_class", lang), sort=domain),
            x=alt.X(f"{value}:Q", title=t("label.requests", lang)),
            color=alt.Color(f"{category}:N", scale=alt.Scale(domain=domain, range=colors), legend=None),
            tooltip=[category, value],
        )
    )


def top_bar(df: pl.DataFrame, category: str, value: str, *, lang: str = "en", title: str | None = None) -> alt.Chart:
    """A horizontal bar per row, longest first: e.g. top IPs (``remote_addr``, ``requests``).

    >>> top_bar(pl.DataFrame({"remote_addr": ["a", "b"], "requests": [2, 1]}), "remote_addr", "requests").mark
    'bar'
    """
    from .i18n import label

    data = df.select(_category(category), value)
    chart_title = title or t("chart.bar", lang, value=label(value, lang), category=label(category, lang))
    return (
        _chart(data, title=chart_title, width=WIDTH, height=max(60, 20 * len(data)))
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=label(category, lang), axis=alt.Axis(labelLimit=360)),
            x=alt.X(f"{value}:Q", title=label(value, lang)),
        )
    )


def latency_percentiles(df: pl.DataFrame, *, endpoint: str = "endpoint",
                        percentiles: Sequence[str] = ("p50_ms", "p95_ms", "p99_ms"), lang: str = "en") -> alt.Chart:
    """Response-time percentiles (ms) per endpoint, as ``latency_stats(lf, by="endpoint")`` gives
    them: one group of bars per endpoint, in the frame's order.

    >>> df = pl.DataFrame({"endpoint": ["/a"], "p50_ms": [10.0], "p95_ms": [40.0], "p99_ms": [90.0]})
    >>> latency_percentiles(df).mark
    'bar'
    """
    df = df.with_columns(_category(endpoint))
    order = df.get_column(endpoint).to_list()
    names = [p.removesuffix("_ms") for p in percentiles]
    long = (
        df.select(endpoint, *(pl.col(p).alias(n) for p, n in zip(percentiles, names, strict=True)))
        .unpivot(index=endpoint, on=names, variable_name="percentile", value_name="ms")
    )
    percentiles = names
    return (
        _chart(long, title=t("chart.latency", lang), width=WIDTH, height=max(80, 22 * len(order) * len(percentiles)))
        .mark_bar()
        .encode(
            y=alt.Y(f"{endpoint}:N", sort=order, title=t("label.endpoint", lang), axis=alt.Axis(labelLimit=360)),
            yOffset=alt.YOffset("percentile:N", sort=list(percentiles)),
            x=alt.X("ms:Q", title=t("label.ms", lang)),
            color=alt.Color("percentile:N", sort=list(percentiles), title=t("label.percentile", lang),
                            scale=alt.Scale(scheme="blues")),
            tooltip=[endpoint, "percentile", alt.Tooltip("ms:Q", format=",.1f")],
        )
    )


def error_heatmap(df: pl.DataFrame, *, ts: str = "ts", value: str = "count", lang: str = "en") -> alt.Chart:
    """Errors per hour as a day x hour-of-day heatmap, from ``error_counts(app_lf, every="1h")``
    (``ts`` the start of each hour, in the timezone the days and hours should follow).

    >>> from datetime import datetime
    >>> error_heatmap(pl.DataFrame({"ts": [datetime(2026, 11, 16, 3)], "count": [4]})).mark
    'rect'
    """
    day_fmt = "%m/%d" if lang == "ja" else "%a %d %b"
    data = df.select(
        pl.col(ts).dt.strftime(day_fmt).alias("day"),
        pl.col(ts).dt.date().alias("date"),
        pl.col(ts).dt.hour().alias("hour"),
        pl.col(value),
    ).group_by("day", "date", "hour").agg(pl.when(pl.col(value).count() > 0).then(pl.col(value).sum())).sort("date", "hour")
    days = data.unique("date", maintain_order=True).get_column("day").to_list()
    return (
        _chart(data.drop("date"), title=t("chart.errors", lang), width=WIDTH, height=max(60, 26 * len(days)))
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title=t("label.hour", lang), scale=alt.Scale(domain=list(range(24)))),
            y=alt.Y("day:O", sort=days, title=t("label.day", lang)),
            # sqrt: one error an hour stands out from none; zero is grey, never the scale's colour
            # (an all-zero week drew solid orange); nulls (days the log does not cover) are not drawn
            color=alt.condition(alt.datum[value] > 0,
                                alt.Color(f"{value}:Q", title=t("label.errors", lang),
                                          scale=alt.Scale(scheme="orangered", type="sqrt", domainMin=0,
                                                          domainMax=max(1, int(data[value].max() or 0)))),
                                alt.value(ZERO_COLOR)),
            tooltip=["day", "hour", value],
        )
    )


def resource_usage(df: pl.DataFrame, thresholds: Mapping[str, float] | None = None, *, ts: str = "ts",
                   metrics: Sequence[str] = ("cpu", "memory", "disk"), lang: str = "en",
                   previous: pl.DataFrame | None = None) -> alt.LayerChart:
    """CPU, memory and disk (%) over time, with each threshold as a dashed line of the metric's colour;
    ``previous`` (the period before on this period's axis) as faint lines of the same colours.

    ``thresholds`` defaults to the operations manual's 80 / 85 / 85 %.

    >>> from datetime import datetime
    >>> df = pl.DataFrame({"ts": [datetime(2026, 11, 16)], "cpu": [12.0], "memory": [40.0], "disk": [63.0]})
    >>> len(resource_usage(df).layer)
    2
    """
    limits = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    names = {m: t(f"metric.{m}", lang) for m in metrics}
    long = (
        _wallclock_ms(df.select(ts, *metrics), ts)
        .unpivot(index=ts, on=list(metrics), variable_name="metric", value_name="percent")
        .with_columns(pl.col("metric").replace_strict(names))
    )
    rules = pl.DataFrame({"metric": [names[m] for m in metrics], "percent": [float(limits[m]) for m in metrics]})
    color = alt.Color("metric:N", title=t("label.metric", lang),
                      scale=alt.Scale(domain=[names[m] for m in metrics],
                                      range=[METRIC_COLORS.get(m, "#757575") for m in metrics]))
    y = alt.Y("percent:Q", title=t("label.percent", lang), scale=alt.Scale(domain=[0, 100]))
    lines = _chart(long).mark_line(strokeWidth=1.5).encode(x=_time_x(ts, lang), y=y, color=color)
    marks = _chart(rules).mark_rule(strokeDash=[6, 4], strokeWidth=1.5).encode(y=y, color=color)
    layers = [lines, marks]
    if previous is not None and previous.height:
        before = (_wallclock_ms(previous.select(ts, *metrics), ts)
                  .unpivot(index=ts, on=list(metrics), variable_name="metric", value_name="percent")
                  .with_columns(pl.col("metric").replace_strict(names)))
        layers.insert(0, _chart(before).mark_line(strokeWidth=1, opacity=0.3).encode(x=_time_x(ts, lang), y=y,
                                                                                      color=color))
    return alt.layer(*layers, title=one_line(t("chart.resources", lang)), width=WIDTH, height=240)


def availability(df: pl.DataFrame, *, start: str = "start", end: str = "end", ok: str = "ok",
                 lang: str = "en") -> alt.Chart:
    """A timeline of up/down intervals from the health log (one row per interval).

    >>> from datetime import datetime
    >>> df = pl.DataFrame({"start": [datetime(2026, 11, 16)], "end": [datetime(2026, 11, 17)], "ok": [True]})
    >>> availability(df).mark.type
    'bar'
    """
    up, down = t("state.up", lang), t("state.down", lang)
    data = _wallclock_ms(df.select(start, end, ok), start, end).with_columns(
        pl.when(pl.col(ok)).then(pl.lit(up)).otherwise(pl.lit(down)).alias("state")
    ).drop(ok)
    return (
        _chart(data, title=t("chart.availability", lang), width=WIDTH, height=50)
        .mark_bar(height=24)
        .encode(
            x=_time_x(start, lang),
            x2=f"{end}:T",
            color=alt.Color("state:N", title=t("label.state", lang),
                            scale=alt.Scale(domain=[up, down], range=["#2e7d32", "#c62828"])),
        )
    )


__all__ = ["availability", "error_heatmap", "inert", "latency_percentiles", "one_line_expr", "resource_usage",
           "status_mix", "top_bar", "traffic", "use_theme"]
