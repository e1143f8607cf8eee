"""The report page's frame: display settings of the kernel, the title with the period line, the
note on what the comparison is against, and the config a notebook finds from any folder.

>>> from mkslog.timespec import resolve_period
>>> class Logs:  # anything with a period and a display timezone, as PeriodLogs has
...     period, tz = resolve_period("month", "2026-11", "UTC"), "UTC"
>>> str(title(Logs(), "en")).split("</h1>")[0]
'<h1 id="mks-title">Mirai Knowledge System: monthly log report 2026-11'
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from ..present import i18n
from ..present.html import Html, esc, text
from ..timespec import zone
from .weeklogs import WeekLogs


def setup_display(rows: int = 50, config=None) -> None:
    """Report display settings: SVG charts (no CDN), mkslog's chart theme with the report's CJK
    font first and registered with vl-convert (labels measured with the glyphs the page will carry:
    :mod:`mkslog.report.fonts`), and polars tables without dtypes, with up to ``rows`` rows and long
    strings. ``config``: where ``[report] font`` may name the font. In the kernel of ``mkslog
    report`` the charts are drawn once the kernel has ended (:mod:`mkslog.report.chartdraw`);
    elsewhere (JupyterLab, papermill) the kernel draws them."""
    import altair as alt

    from ..present.charts import use_theme
    from .chartdraw import charts_deferred, defer_charts
    from .fonts import family, find_font, register_for_charts

    font = find_font(config)
    if charts_deferred():
        defer_charts(font)
    else:
        alt.renderers.enable("svg")
        if font is not None:
            register_for_charts(font)
    use_theme(family(font) if font is not None else None)
    pl.Config.set_tbl_hide_column_data_types(True)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    pl.Config.set_tbl_rows(rows)
    pl.Config.set_fmt_str_lengths(120)
    pl.Config.set_thousands_separator(",")
    pl.Config.set_float_precision(2)


#: The sections of the report, in order: its table of contents links to their headings.
REPORT_SECTIONS = ("section.headline", "section.traffic", "section.status", "section.top", "section.latency",
                   "section.errors", "section.security", "section.availability", "section.resources",
                   "section.backups", "section.quality")


def title(logs: WeekLogs, lang: str = "en", *, now: datetime | None = None) -> Html:
    """The report's title and period line."""
    local = zone(logs.tz)
    now = (now or datetime.now(local)).astimezone(local)
    heading = esc(i18n.period_title(logs.period, lang))
    period = esc(i18n.t("period", lang, start=i18n.fmt_date(logs.period.first_day, lang),
                        end=i18n.fmt_date(logs.period.last_day, lang), tz=logs.tz,
                        now=i18n.fmt_datetime(now, lang)))
    return Html(f'<h1 id="mks-title">{heading}</h1><p class="mks-note">{period}</p>')


def comparison_note(logs: WeekLogs, lang: str = "en") -> Html:
    """What the change is against; or, once, that the period before has no data to compare with."""
    before = logs.previous_period
    fields = {"previous": i18n.t(f"period.{logs.period.kind}", lang), "start": i18n.fmt_date(before.first_day, lang),
              "end": i18n.fmt_date(before.last_day, lang)}
    if logs.has_previous("access"):
        return text(i18n.t("prose.compare", lang, **fields))
    return text(i18n.t("prose.no_previous", lang, **fields), css="mks-missing")


def notebook_config(path: str) -> str | None:
    """The config a notebook parameter names, found from wherever the notebook runs: as given, else
    in the folders above the working directory (``papermill notebooks/x.ipynb out.ipynb`` runs in
    the repository, JupyterLab in ``notebooks/``). Empty: None, searched for like the CLI.

    >>> notebook_config("") is None
    True
    """
    if not path:
        return None
    given = Path(path)
    if given.is_absolute() or given.is_file():
        return str(given)
    for folder in Path.cwd().resolve().parents:
        if (folder / given).is_file():
            return str(folder / given)
    from ..errors import ConfigError

    raise ConfigError(f"config file not found: {path} (looked in {Path.cwd()} and the folders above it; "
                      "give the path of an mkslog.toml as the notebook's config parameter)")


__all__ = ["REPORT_SECTIONS", "comparison_note", "notebook_config", "setup_display", "title"]
