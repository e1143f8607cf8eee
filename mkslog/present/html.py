"""HTML fragments for report notebooks: headings, notes and tables, with every value escaped.

Text in the logs comes from the internet (paths, user agents, user names): here it only ever
reaches the page through :func:`esc` (:func:`mkslog.text.html_safe`), so ``<script>`` in a request path shows as text.
The fragments are plain objects with ``_repr_html_``: Jupyter displays them, and this module
needs neither IPython nor a notebook to build them.

polars' own HTML tables quote strings and cannot be told not to; :func:`table` renders a frame
the way a report wants it: localised column headings and numbers, local dates, no dtypes.

>>> import polars as pl
>>> str(table(pl.DataFrame({"path": ["<b>x</b>"], "requests": [12345]}), "en"))[:60]
'<table class="mks-table"><thead><tr><th class="text">Path</t'
>>> "&lt;b&gt;x&lt;/b&gt;" in str(table(pl.DataFrame({"path": ["<b>x</b>"]})))
True
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from ..text import html_safe
from . import i18n
from .tables import far_times_as_text

#: Float columns shown as percentages (values are fractions: 0.25 -> 25.00%).
PERCENT_COLUMNS = {"share", "class_share", "slow_share", "error_rate", "ratio_4xx", "uptime", "bytes_share"}
#: Integer columns shown as byte sizes.
BYTE_COLUMNS = {"size_bytes", "bytes_sent"}


class Html:
    """A piece of HTML that Jupyter displays as such (``_repr_html_``); ``str()`` gives the markup."""

    def __init__(self, markup: str):
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return f"Html({self.markup[:60]!r}...)"


def esc(value) -> str:
    r"""``value`` as text that HTML shows and never interprets (quotes included), control characters
    shown as ``\xNN`` (:func:`mkslog.text.html_safe`).

    >>> esc('<a href="x">\x1b')
    '&lt;a href=&quot;x&quot;&gt;\\x1b'
    """
    return html_safe(value)


def heading(key: str, lang: str = "en", level: int = 2, **fields) -> Html:
    """A translated heading (``<h2>`` by default) with an anchor id made from ``key``.

    >>> str(heading("section.traffic", "en"))
    '<h2 id="section-traffic">Traffic per hour</h2>'
    """
    return Html(f'<h{level} id="{esc(anchor(key))}">{esc(i18n.t(key, lang, **fields))}</h{level}>')


def text(value: str, css: str = "mks-note") -> Html:
    """A paragraph of plain text (escaped).

    >>> str(text("a < b"))
    '<p class="mks-note">a &lt; b</p>'
    """
    return Html(f'<p class="{esc(css)}">{esc(value)}</p>')


def note(key: str, lang: str = "en", **fields) -> Html:
    """A translated paragraph; ``fields`` are escaped like everything else."""
    return text(i18n.t(key, lang, **fields))


def missing(log: str, detail: str, lang: str = "en") -> Html:
    """The one line a section shows instead of failing when its log is missing.

    >>> str(missing("metrics", "no file matches /var/log/x.log", "en"))
    '<p class="mks-missing">No metrics log for this period: section skipped (no file matches /var/log/x.log).</p>'
    """
    return text(i18n.t("missing", lang, log=i18n.t(f"log.{log}", lang), detail=detail), css="mks-missing")


def float_digits(values: pl.Series) -> int:
    """The decimals of a float column: one precision for the whole column, from its largest value
    (0 from 100 up, 1 from 10, else 2), so ``45`` and ``1,736`` stand as ``45`` and ``1,736``.

    >>> float_digits(pl.Series([45.0, 1736.2])), float_digits(pl.Series([0.012, 3.4])), float_digits(pl.Series([12.5]))
    (0, 2, 1)
    """
    top = values.drop_nulls().drop_nans().abs().max() if values.len() else None
    if top is None:
        return 1
    return 0 if top >= 100 else 1 if top >= 10 else 2


def rank_cell(value) -> tuple[str, str]:
    """(css class, text) of a ``rank_change`` cell: ▲ up, ▼ down, = the same, null new this period.

    >>> [rank_cell(v) for v in (2, -1, 0)]
    [('num mks-up', '▲2'), ('num mks-down', '▼1'), ('num', '=')]
    """
    if value > 0:
        return "num mks-up", f"▲{value}"
    if value < 0:
        return "num mks-down", f"▼{-value}"
    return "num", "="


def cell(value, column: str, lang: str = "en", digits: int = 1) -> tuple[str, str]:
    """(css class, escaped text) of one table cell, formatted for ``lang``; ``digits``: the
    decimals of a float (the column's, from :func:`float_digits`)."""
    if column == "rank_change":
        return ("text mks-new", esc(i18n.t("state.new", lang))) if value is None else rank_cell(value)
    if column == "new":
        return ("text mks-new", esc(i18n.t("state.new", lang))) if value else ("text", "")
    if value is None:
        return "num", "–"
    if isinstance(value, bool):
        return "text", esc(i18n.t("state.ok" if value else "state.failed", lang))
    if isinstance(value, int):
        if column in BYTE_COLUMNS:
            return "num", esc(i18n.fmt_bytes(value, lang))
        if column in ("status", "year", "hour"):
            return "num", str(value)
        return "num", esc(i18n.fmt_int(value, lang))
    if isinstance(value, float):
        if column in PERCENT_COLUMNS:
            return "num", esc(i18n.fmt_pct(value, lang))
        return "num", esc(i18n.fmt_float(value, lang, digits))
    if isinstance(value, datetime):
        return "text", esc(i18n.fmt_table_datetime(value, lang))
    if isinstance(value, date):
        return "text", esc(i18n.fmt_date(value, lang))
    if isinstance(value, timedelta):
        return "text", esc(i18n.fmt_duration(value, lang))
    if isinstance(value, list):
        return "text", esc(", ".join(str(v) for v in value))
    return "text", esc(value)


def table(df: pl.DataFrame, lang: str = "en", *, rows: int | None = None, empty_key: str = "empty",
          attrs: dict[str, str] | None = None) -> Html:
    """``df`` as an HTML table: translated headings (:func:`mkslog.present.i18n.label`), numbers with
    thousands separators, fractions in ``share``-like columns as percentages, datetimes in the
    frame's own timezone. At most ``rows`` rows (all by default). An empty frame gives a one-line
    note instead of an empty table.

    ``attrs``: extra attributes of the ``<table>`` element, e.g. ``{"data-table": "top-ips"}``
    (tests and scrapers find tables by it).
    """
    if df.is_empty():
        return text(i18n.t(empty_key, lang))
    # a time Python has no datetime for (year 0, 10000) is shown as polars writes it
    shown = far_times_as_text(df.head(rows) if rows is not None else df, iso=False)
    extra = "".join(f' {esc(k)}="{esc(v)}"' for k, v in (attrs or {}).items())
    head = "".join(f'<th class="{"num" if dtype.is_numeric() else "text"}">{esc(i18n.label(c, lang))}</th>'
                   for c, dtype in shown.schema.items())
    digits = {c: float_digits(shown[c]) for c, dtype in shown.schema.items() if dtype.is_float()}
    body = []
    for record in shown.iter_rows():
        cells = []
        for column, value in zip(shown.columns, record, strict=True):
            css, content = cell(value, column, lang, digits.get(column, 1))
            cells.append(f'<td class="{css}" data-col="{esc(column)}">{content}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return Html(f'<table class="mks-table"{extra}><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table>')


def anchor(key: str) -> str:
    """The id :func:`heading` gives the heading of ``key``.

    >>> anchor("section.top")
    'section-top'
    """
    return key.replace(".", "-").replace("_", "-")


def toc(keys, lang: str = "en") -> Html:
    """A table of contents: a link to the heading of each key (``section.traffic`` ...).

    >>> str(toc(["section.traffic"], "en"))
    '<nav class="mks-toc"><strong>Contents</strong><ol><li><a href="#section-traffic">Traffic per hour</a></li></ol></nav>'
    """
    items = "".join(f'<li><a href="#{esc(anchor(k))}">{esc(i18n.t(k, lang))}</a></li>' for k in keys)
    return Html(f'<nav class="mks-toc"><strong>{esc(i18n.t("toc", lang))}</strong><ol>{items}</ol></nav>')


__all__ = ["Html", "anchor", "cell", "esc", "float_digits", "heading", "missing", "note", "rank_cell", "table",
           "text", "toc"]
