"""The report's section on the server's own error logs (nginx, gunicorn): what kinds of errors,
which 502/504 answers they explain, the workers' week, and whether the service kept restarting.

Figures only (DataFrames and one sentence); the notebook shows them with
:func:`mkslog.present.html.table`. Each takes :class:`~mkslog.report.weeklogs.WeekLogs` and returns
None for a log that is missing (its section says so in one line).

>>> from datetime import datetime
>>> boots = pl.DataFrame({"start": [datetime(2026, 11, 18, 14)], "end": [datetime(2026, 11, 18, 14, 5)],
...                       "starts": [4], "boot_failures": [0], "boot_loop": [True], "down": [False]})
>>> str(service_note(boots, "en"))
'<p class="mks-note">gunicorn: 1 boot loop(s), 0 time(s) down after a failed boot.</p>'
"""

from __future__ import annotations

import polars as pl

from ..present import i18n
from ..present.html import Html, text
from .weeklogs import WeekLogs


def _both(logs: WeekLogs) -> pl.LazyFrame | None:
    frames = [lf.select("ts", "level", "message", "exc_type", pl.lit(kind).alias("kind"))
              for kind in ("nginx-error", "gunicorn-error") if (lf := logs.frame(kind)) is not None]
    if not frames:
        return None
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical_relaxed")


def error_templates(logs: WeekLogs, n: int = 10) -> pl.DataFrame | None:
    """The week's nginx and gunicorn error-log messages (WARNING and above) grouped into templates:
    kind, level, template, exc_type, count, share, first_seen, last_seen."""
    from ..queries import message_templates

    both = _both(logs)
    return None if both is None else message_templates(both, n).drop("example")


def gateway_errors(logs: WeekLogs) -> pl.DataFrame | None:
    """The week's 502/503/504 answers and the upstream failures that explain them (status,
    upstream, failure, responses); None without the access or the nginx error log."""
    from ..queries import explain_gateway_errors

    nginx, access = logs.frame("nginx-error"), logs.access
    if nginx is None or access is None or "method" not in access.collect_schema():
        return None
    return explain_gateway_errors(nginx, access)


def worker_days(logs: WeekLogs) -> pl.DataFrame | None:
    """gunicorn's worker events per day of the week (timeouts, OOM kills, crashes, failed boots,
    boots, exits, master starts and stops, signals)."""
    from ..queries import worker_events

    gunicorn = logs.frame("gunicorn-error")
    return None if gunicorn is None else worker_events(gunicorn, "1d")


def master_starts(logs: WeekLogs) -> pl.DataFrame | None:
    """Runs of gunicorn master starts, with the boot_loop and down flags."""
    from ..queries import boot_loops

    gunicorn = logs.frame("gunicorn-error")
    return None if gunicorn is None else boot_loops(gunicorn)


def service_note(boots: pl.DataFrame, lang: str = "en") -> Html:
    """One sentence: how many boot loops and how many times the master gave up."""
    return text(i18n.t("prose.boot_loops", lang, loops=int(boots["boot_loop"].sum()), down=int(boots["down"].sum())))


__all__ = ["error_templates", "gateway_errors", "master_starts", "service_note", "worker_days"]
