"""The report page's frame: display settings of the kernel and the title with the period line.

>>> from mkslog.report.week import resolve_week
>>> class Logs:  # anything with a week and a display timezone, as WeekLogs has
...     week, tz = resolve_week("2026-W47", "UTC"), "UTC"
>>> str(title(Logs(), "en")).split("</h1>")[0]
'<h1 id="mks-title">Mirai Knowledge System: weekly log report 2026-W47'
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from ..present import i18n
from ..present.html import Html, esc
from ..timespec import zone
from .weeklogs import WeekLogs


def setup_display(rows: int = 50) -> None:
    """Report display settings: SVG charts drawn in the kernel (no CDN), mkslog's chart theme, and
    polars tables without dtypes, with up to ``rows`` rows and long strings."""
    import altair as alt

    from ..present.charts import use_theme

    alt.renderers.enable("svg")
    use_theme()
    pl.Config.set_tbl_hide_column_data_types(True)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    pl.Config.set_tbl_rows(rows)
    pl.Config.set_fmt_str_lengths(120)
    pl.Config.set_thousands_separator(",")
    pl.Config.set_float_precision(2)


def title(logs: WeekLogs, lang: str = "en", *, now: datetime | None = None) -> Html:
    """The report's title and period line."""
    local = zone(logs.tz)
    now = (now or datetime.now(local)).astimezone(local)
    heading = esc(i18n.t("title", lang, week=logs.week.label))
    period = esc(i18n.t("period", lang, start=i18n.fmt_date(logs.week.first_day, lang),
                        end=i18n.fmt_date(logs.week.last_day, lang), tz=logs.tz,
                        now=i18n.fmt_datetime(now, lang)))
    return Html(f'<h1 id="mks-title">{heading}</h1><p class="mks-note">{period}</p>')


__all__ = ["setup_display", "title"]
