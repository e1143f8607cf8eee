"""Data quality: every file the report read, whole files, with lines parsed and rejected, and the
first rejected lines of each log, so a format that stopped matching shows in the report.

>>> str(quality_note(pl.DataFrame({"lines": [120, 30], "parsed": [119, 30], "rejected": [1, 0]}), "en"))
'<p class="mks-note">150 lines read, 149 parsed, 1 rejected.</p>'
"""

from __future__ import annotations

import polars as pl

from ..present import i18n
from ..present.html import Html, text
from .weeklogs import WeekLogs


def data_quality(logs: WeekLogs) -> pl.DataFrame:
    """log, file, format, lines, parsed, rejected, error: every file the report read, whole files
    (not only the week's lines), so a format that stopped matching shows up here."""
    frames = [s.to_frame().select(pl.lit(kind).alias("log"), "file", "format", "lines", "parsed", "rejected", "error")
              for kind, s in logs.stats.items()]
    if not frames:
        return pl.DataFrame(schema={"log": pl.String, "file": pl.String, "format": pl.String, "lines": pl.Int64,
                                    "parsed": pl.Int64, "rejected": pl.Int64, "error": pl.String})
    return pl.concat(frames)


def rejects(logs: WeekLogs, n: int = 10) -> pl.DataFrame:
    """log, file, line_no, reason, line: the first ``n`` rejected lines of each log."""
    frames = [s.rejects().head(n).select(pl.lit(kind).alias("log"), "file", "line_no", "reason", "line")
              for kind, s in logs.stats.items()]
    frames = [f for f in frames if f.height]
    return pl.concat(frames) if frames else pl.DataFrame(
        schema={"log": pl.String, "file": pl.String, "line_no": pl.Int64, "reason": pl.String, "line": pl.String})


def quality_note(quality: pl.DataFrame, lang: str = "en") -> Html:
    """Lines read, parsed and rejected over all files."""
    lines, parsed, rejected = (quality[c].sum() for c in ("lines", "parsed", "rejected"))
    note = i18n.t("prose.quality", lang, lines=i18n.fmt_int(lines), parsed=i18n.fmt_int(parsed),
                  rejected=i18n.fmt_int(rejected))
    if not rejected:
        note += " " + i18n.t("prose.no_rejects", lang)
    return text(note)


__all__ = ["data_quality", "quality_note", "rejects"]
