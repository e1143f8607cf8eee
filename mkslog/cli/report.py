"""``mkslog report``: the weekly HTML report, for cron or a systemd timer.

``python -m mkslog report --week last`` runs the bundled ``weekly_report.ipynb`` for last week's
logs and writes ``reports/mks-weekly-2026-W47.html`` with the executed notebook beside it
(``.ipynb``), then prints the HTML's path. Re-running a week replaces its report atomically; a
failing cell exits with 1 and the cell's error, and an earlier report of that week stays as it was.

>>> from click.testing import CliRunner  # doctest: +SKIP
>>> CliRunner().invoke(main, ["report", "--week", "2026-W47", "--config", "mkslog.example.toml"])  # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from .common import config_option, deprecated, output_dir_callback
from .logs import working

#: The --week forms: the ones resolve_week reads (not --since's "yesterday" or "7d").
WEEK = re.compile(r"^((last|this)( +week)?|\d{4}-W\d{2})$", re.IGNORECASE)


def check_week(value: str) -> str:
    """Refuse a --week that is not a week, naming the forms --week takes.

    >>> check_week("2026-W47")
    '2026-W47'
    """
    if not WEEK.match(value.strip()):
        raise click.BadParameter(f"{value!r}: give last, this, or an ISO week such as 2026-W47", param_hint="--week")
    return value.strip()

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


def report_path(out_dir: str | Path, week_label: str) -> Path:
    """``<out_dir>/mks-weekly-<week>.html``.

    >>> report_path("reports", "2026-W47").as_posix()
    'reports/mks-weekly-2026-W47.html'
    """
    return Path(out_dir) / f"mks-weekly-{week_label}.html"


@click.command("report")
@click.option("--week", default="last", show_default=True, callback=lambda _c, _p, v: check_week(v),
              help="last, this, or an ISO week such as 2026-W47 (weeks start on Monday in the display timezone).")
@config_option
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), callback=output_dir_callback,
              help="Folder for the report (default: [report] out in mkslog.toml, else ./reports).")
@click.option("--out", "old_out", type=click.Path(file_okay=False), hidden=True, callback=output_dir_callback,
              help="Old spelling of -o/--output DIR.")
@click.option("--tz", help="Display timezone: the week's days and every time in the report (default: the config's "
                           "timezone).")
@click.option("--lang", type=click.Choice(["en", "ja"]), help="Language of the report (default: lang in mkslog.toml).")
@click.option("--notebook", type=click.Path(dir_okay=False),
              help="Run this notebook instead of the bundled weekly_report.ipynb (same parameters).")
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True,
              help="Seconds any one notebook cell may run.")
def report_cmd(week, config_path, out_dir, old_out, tz, lang, notebook, timeout):
    """Write the weekly HTML report (self-contained, opens offline) and the executed notebook beside it."""
    from ..config import load_config
    from ..parse.resolve import check_timezone
    from ..present.i18n import t
    from ..report.render import render
    from ..report.week import resolve_week

    if old_out:
        deprecated("--out DIR", "-o/--output DIR")
        out_dir = out_dir or old_out
    cfg = load_config(config_path)
    tz = check_timezone(tz or cfg.get("timezone") or "UTC")
    wk = resolve_week(week, tz)
    lang = lang or cfg.get("lang") or "en"
    if lang not in ("en", "ja"):
        from ..errors import ConfigError

        raise ConfigError(f"lang = {lang!r} in {cfg.path}: use en or ja")
    out = report_path(out_dir or cfg.get("report.out") or "reports", wk.label)
    parameters = {
        "config": str(cfg.path) if cfg.path else "",
        "week": wk.label,
        "timezone": tz,
        "lang": lang,
        "slow_ms": float(cfg.get("thresholds.slow_ms", 1000.0)),
        "top_n": int(cfg.get("report.top_n", 10)),
    }
    # the kernel runs in this folder, so a config found by search here is found there too
    with working(f"running the report notebook for {wk.label}"):
        html = render(Path(notebook) if notebook else default_notebook(), parameters, out, timeout=timeout,
                      cwd=Path.cwd(), title=t("title", lang, week=wk.label))
    click.echo(str(html))


def register_report_command(main: click.Group) -> None:
    """Add ``report`` to the main command group."""
    main.add_command(report_cmd)
