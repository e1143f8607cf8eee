"""What the logs cover, said once at the top of the report: per log, the span of its records in
the period and the period's days without any record, or, for a log with none, where it ends. And
the one line an empty section shows: "no data for this period", never a wrong cause.

>>> from datetime import date, datetime
>>> cov = pl.DataFrame({"log": ["access"], "first": [datetime(2026, 11, 16)], "last": [datetime(2026, 11, 20, 13, 5)],
...                     "records": [10], "days_without_data": [[date(2026, 11, 21), date(2026, 11, 22)]],
...                     "newest_before": [None]})
>>> coverage_lines(cov, "en")
['access log: records from 16 Nov 2026 00:00 to 20 Nov 2026 13:05; no data on 21 Nov 2026, 22 Nov 2026.']
"""

from __future__ import annotations

import polars as pl

from ..present import i18n
from ..present.html import Html, esc, text


def coverage_lines(coverage: pl.DataFrame, lang: str = "en") -> list[str]:
    """One sentence per log of :meth:`~mkslog.report.weeklogs.PeriodLogs.coverage`."""
    lines = []
    for row in coverage.iter_rows(named=True):
        log = i18n.t(f"log.{row['log']}", lang)
        if not row["records"]:
            key = "coverage.empty" if row["newest_before"] is not None else "coverage.empty_both"
            lines.append(i18n.t(key, lang, log=log, newest=i18n.fmt_datetime(row["newest_before"], lang)))
            continue
        first, last = (i18n.fmt_datetime(row[c], lang) for c in ("first", "last"))
        gaps = row["days_without_data"]
        if gaps:
            days = ", ".join(i18n.fmt_date(d, lang) for d in gaps)
            lines.append(i18n.t("coverage.partial", lang, log=log, first=first, last=last, days=days))
        else:
            lines.append(i18n.t("coverage.full", lang, log=log, first=first, last=last))
    return lines


def coverage_banner(logs, lang: str = "en") -> Html:
    """The banner under the title: what each log covers. It is marked as a warning (``mks-missing``)
    when some log has a day of the period without data."""
    coverage = logs.coverage()
    gaps = any(not r["records"] or r["days_without_data"] for r in coverage.iter_rows(named=True))
    css = "mks-banner mks-missing" if gaps else "mks-banner mks-note"
    items = "".join(f"<li>{esc(line)}</li>" for line in coverage_lines(coverage, lang))
    return Html(f'<div class="{css}" data-banner="coverage"><ul>{items}</ul></div>')


def unavailable(logs, kind: str, lang: str = "en") -> Html | None:
    """What a section shows instead of its figures: the missing-log line when the log could not be
    read, "no data for this period" when it has no record in the period; None when there is data."""
    if logs.frame(kind) is None:
        return logs.missing_note(kind, lang)
    if logs.rows(kind) == 0:
        return text(i18n.t("no_data", lang, log=i18n.t(f"log.{kind}", lang)), css="mks-missing")
    return None


__all__ = ["coverage_banner", "coverage_lines", "unavailable"]
