"""``mkslog report``: the HTML report of a day, a week, a month or a range, for cron or a systemd timer.

``python -m mkslog report --week last`` (the default) runs the bundled ``weekly_report.ipynb`` for
last week's logs and writes ``reports/mks-weekly-2026-W47.html`` with the executed notebook beside it
(``.ipynb``), then prints the HTML's path; ``--day yesterday`` writes ``mks-daily-2026-11-24.html``,
``--month last`` ``mks-monthly-2026-10.html``, ``--since A --until B`` ``mks-report-A_B.html``. Re-running a week replaces its report atomically; a
failing cell exits with 1 and the cell's error, and an earlier report of that week stays as it was.

>>> from click.testing import CliRunner  # doctest: +SKIP
>>> CliRunner().invoke(main, ["report", "--week", "2026-W47", "--config", "mkslog.example.toml"])  # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from .common import config_option, deprecated, output_dir_callback

#: The --week and --month forms: the ones resolve_period reads for them (not --since's "yesterday" or "7d").
WEEK = re.compile(r"^((last|this)( +week)?|\d{4}-W\d{2})$", re.IGNORECASE)
DAY = re.compile(r"^(last|this|yesterday|today|\d{4}-\d{2}-\d{2})$", re.IGNORECASE)
MONTH = re.compile(r"^((last|this)( +month)?|\d{4}-\d{2})$", re.IGNORECASE)


def check_week(value: str | None) -> str | None:
    """Refuse a --week that is not a week, naming the forms --week takes.

    >>> check_week("2026-W47"), check_week(None)
    ('2026-W47', None)
    """
    if value is not None and not WEEK.match(value.strip()):
        raise click.BadParameter(f"{value!r}: give last, this, or an ISO week such as 2026-W47", param_hint="--week")
    return value.strip() if value is not None else None


def check_day(value: str | None) -> str | None:
    """Refuse a --day that is not a day, naming the forms --day takes.

    >>> check_day("2026-11-18")
    '2026-11-18'
    """
    if value is not None and not DAY.match(value.strip()):
        raise click.BadParameter(f"{value!r}: give yesterday, today or a date such as 2026-11-18", param_hint="--day")
    return value.strip() if value is not None else None


def check_month(value: str | None) -> str | None:
    """Refuse a --month that is not a month, naming the forms --month takes.

    >>> check_month("2026-11")
    '2026-11'
    """
    if value is not None and not MONTH.match(value.strip()):
        raise click.BadParameter(f"{value!r}: give last, this, or a month such as 2026-11", param_hint="--month")
    return value.strip() if value is not None else None

PACKAGE = Path(__file__).parents[1]
#: Where the report notebook is: in the installed package (wheel), else in the source checkout.
NOTEBOOK_CANDIDATES = (PACKAGE / "notebooks" / "weekly_report.ipynb", PACKAGE.parent / "notebooks" / "weekly_report.ipynb")


def default_notebook() -> Path:
    """The bundled ``weekly_report.ipynb``."""
    from ..errors import ReportError

    for candidate in NOTEBOOK_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise ReportError("the weekly report notebook is not installed (looked in "
                      f"{', '.join(str(c) for c in NOTEBOOK_CANDIDATES)}); give one with --notebook")


#: The file name's word for each kind of period.
FILE_WORDS = {"day": "daily", "week": "weekly", "month": "monthly", "range": "report"}


def report_path(out_dir: str | Path, label: str, kind: str = "week") -> Path:
    """``<out_dir>/mks-<daily|weekly|monthly|report>-<period>.html``: the name carries the period.

    >>> report_path("reports", "2026-W47").as_posix(), report_path("reports", "2026-11", "month").name
    ('reports/mks-weekly-2026-W47.html', 'mks-monthly-2026-11.html')
    """
    return Path(out_dir) / f"mks-{FILE_WORDS[kind]}-{label}.html"


def chosen_period(day, week, month, since, until, tz: str):
    """The one period the options name (``--week last`` when none is given, for cron)."""
    from ..errors import TimeSpecError
    from ..timespec import resolve_period

    given = [(k, v) for k, v in (("day", day), ("week", week), ("month", month)) if v]
    if since or until:
        given.append(("range", f"{since or ''}/{until or ''}"))
    if len(given) > 1:
        raise TimeSpecError("give one period: --day, --week, --month or --since/--until, not "
                            + " and ".join(f"--{k}" if k != "range" else "--since/--until" for k, _ in given))
    kind, spec = given[0] if given else ("week", "last")
    return resolve_period(kind, spec, tz)


@click.command("report")
@click.option("--day", metavar="DAY", callback=lambda _c, _p, v: check_day(v), help="A day: yesterday, today or a date such as 2026-11-18 (the daily checklist).")
@click.option("--week", metavar="WEEK", callback=lambda _c, _p, v: check_week(v),
              help="last, this, or an ISO week such as 2026-W47 (weeks start on Monday in the display timezone). "
                   "The default: --week last.")
@click.option("--month", metavar="MONTH", callback=lambda _c, _p, v: check_month(v),
              help="last, this, or a month such as 2026-11 (the monthly review).")
@click.option("--since", metavar="WHEN", help="Start of a range (anything --since takes elsewhere); needs --until.")
@click.option("--until", metavar="WHEN", help="End of a range (a date means the end of that day); needs --since.")
@config_option
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, readable=False), callback=output_dir_callback,
              help="Folder for the report (default: [report] out in mkslog.toml, else ./reports).")
@click.option("--out", "old_out", type=click.Path(file_okay=False), hidden=True, callback=output_dir_callback,
              help="Old spelling of -o/--output DIR.")
@click.option("--tz", help="Display timezone: the week's days and every time in the report (default: the config's "
                           "timezone).")
@click.option("--lang", type=click.Choice(["en", "ja"]), help="Language of the report (default: lang in mkslog.toml).")
@click.option("--notebook", type=click.Path(dir_okay=False, readable=False),
              help="Run this notebook instead of the bundled weekly_report.ipynb (same parameters).")
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True,
              help="Seconds any one notebook cell may run.")
@click.option("--progress/--no-progress", default=None,
              help="A progress line on stderr while the notebook runs (default: when stderr is a terminal).")
def report_cmd(day, week, month, since, until, config_path, out_dir, old_out, tz, lang, notebook, timeout, progress):
    """Write the HTML report of a day, a week, a month or a range (self-contained, opens offline)
    and the executed notebook beside it."""
    import sys

    from ..config import load_config
    from ..present.i18n import period_title
    from ..report.fonts import require_font
    from ..report.render import render
    from ..timespec import check_timezone

    if old_out:
        deprecated("--out DIR", "-o/--output DIR")
        out_dir = out_dir or old_out
    cfg = load_config(config_path)
    tz = check_timezone(tz or cfg.get("timezone") or "UTC")
    period = chosen_period(day, week, month, since, until, tz)
    lang = lang or cfg.get("lang") or "en"
    if lang not in ("en", "ja"):
        from ..errors import ConfigError

        raise ConfigError(f"lang = {lang!r} in {cfg.path}: use en or ja")
    font = require_font(cfg, lang)  # before anything runs: a Japanese page of boxes is no report
    out = report_path(out_dir or cfg.get("report.out") or "reports", period.label, period.kind)
    parameters = {
        "config": str(cfg.path) if cfg.path else "",
        "period": period.kind,
        "spec": period.label if period.kind != "range" else f"{period.start.isoformat()}/{period.end.isoformat()}",
        "timezone": tz,
        "lang": lang,
        "slow_ms": float(cfg.get("thresholds.slow_ms", 1000.0)),
        "top_n": int(cfg.get("report.top_n", 10)),
    }
    # the kernel runs in this folder, so a config found by search here is found there too
    html = render(Path(notebook) if notebook else default_notebook(), parameters, out, timeout=timeout,
                  cwd=Path.cwd(), title=period_title(period, lang), font=font if font is not None else False,
                  progress=sys.stderr.isatty() if progress is None else progress)
    click.echo(str(html))


def register_report_command(main: click.Group) -> None:
    """Add ``report`` to the main command group."""
    main.add_command(report_cmd)
