"""What every query command shares: its options (paths, format, window, output ...) and
:class:`QueryRun`, the step from options to one call of the front door, ``mkslog.scan``.

>>> from click.testing import CliRunner  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Callable

import click

from .common import config_option, safe_text
from .filters import cli_filters
from .logs import attach_progress, presenting, warn_rejects, write_output

#: A bucket size polars can truncate to: a positive whole number and a unit (0 would crash polars).
EVERY = re.compile(r"^[1-9]\d*(ns|us|ms|s|m|h|d|w|mo|q|y)$")
#: How many rows ``--top`` shows when not given: the same in every command.
TOP_DEFAULT = 10
LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def options(*decorators: Callable) -> Callable:
    def apply(func: Callable) -> Callable:
        for deco in reversed(decorators):
            func = deco(func)
        return func
    return apply


paths_argument = click.argument("paths", nargs=-1, type=click.Path(readable=False))
app_log = click.option(
    "--app-log", "app_logs", multiple=True, type=click.Path(readable=False),
    help="Application log (repeatable; globs allowed). Default: [logs.app] when no PATHS are given.")


def in_meta(name: str) -> Callable:
    """An option kept in ``ctx.meta`` (``mkslog_<name>``), so commands need no parameter for it."""
    return lambda ctx, _param, value: ctx.meta.__setitem__(f"mkslog_{name}", value)


datefmt_option = click.option("--datefmt", expose_value=False, callback=in_meta("datefmt"),
                              help="strftime format of the app log's %(asctime)s when it is not logging's "
                                   "default (e.g. '%d/%m/%Y %H:%M:%S').")
client_option = click.option("--client", type=click.Choice(["remote", "forwarded"]), expose_value=False,
                             callback=in_meta("client"),
                             help="Who the client is: remote (the connecting address) or forwarded (the first "
                                  "X-Forwarded-For address, else the connecting one). Default: client_address "
                                  "in the config, else remote.")
app_log_option = options(app_log, datefmt_option)
access_options = options(
    click.option("--format", "format_name", help="Named access format: timed, main, combined, common, gunicorn, "
                                                 "gunicorn_timed (default: [logs.access] format, else detected)."),
    click.option("--log-format", help="An nginx log_format ($remote_addr ...) or gunicorn access_log_format (%(h)s ...)."),
    click.option("--nginx-conf", type=click.Path(dir_okay=False, readable=False),
                 help="Read log_format from this nginx config (with --format NAME when it defines several)."),
    client_option,
)
window_options = options(
    click.option("--since", metavar="WHEN", help="Start: a date, datetime, yesterday, today, 7d, 2h, 'last week', 'this week', "
                                 "2026-W47 ... (in the display timezone)."),
    click.option("--until", metavar="WHEN", help="End (exclusive end of the day/week named): same forms as --since."),
    click.option("--tz", metavar="ZONE", help="Display timezone, e.g. Asia/Tokyo or UTC (default: the config's timezone)."),
    click.option("--store", expose_value=False,
                 callback=lambda ctx, _param, value: ctx.meta.__setitem__("mkslog_store", value),
                 help="Read the logs from this Parquet store (written by `mkslog ingest`; a folder or "
                      "s3://bucket/prefix) instead of the text files (each command reads the kind it needs)."),
    click.option("--host", "hosts", multiple=True, expose_value=False, callback=in_meta("hosts"),
                 help="Only the rows of this host of the store (repeat for several; default: all hosts)."),
    config_option,
)


def top_option(what: str) -> Callable:
    """``-n/--top N``: how many rows, :data:`TOP_DEFAULT` unless given, in every command."""
    return click.option("-n", "--top", "top_n", type=click.IntRange(min=1), default=TOP_DEFAULT, show_default=True, metavar="N",
                        help=f"How many {what} to show.")


class QueryRun:
    """What a query command shares: config, time window, display timezone, parse statistics.
    Each log it opens is one call of :func:`mkslog.scan` with the window and the zone."""

    def __init__(self, config_path: str | None, since: str | None, until: str | None, tz: str | None):
        from ..config import load_config
        from ..frame import window
        from ..timespec import check_timezone

        self.cfg = load_config(config_path)
        self.tz = check_timezone(tz or self.cfg.get("timezone") or "UTC")
        self.start, self.end = window(since, until, self.tz)
        self.stats: list = []
        self.required: list[bool] = []
        self.unwindowed: Callable | None = None  # the first log again without the window: what it covers

    def scan(self, paths, fmt=None, *, kind: str | None, stats, **options):
        """``mkslog.scan`` over PATHS (or the configured logs, or ``--store``) in the window and zone."""
        from ..frame import scan

        store = click.get_current_context().meta.get("mkslog_store")
        if store and paths:
            raise click.UsageError("give log PATHS or --store, not both")
        lf = scan(list(paths) or None, fmt, kind=kind, since=self.start, until=self.end, tz=self.tz, store=store,
                  stats=stats, config=self.cfg, filters=cli_filters(kind), host=self.hosts(), **options)
        attach_progress(stats)
        if self.unwindowed is None:
            self.unwindowed = lambda: scan(list(paths) or None, fmt, kind=kind, tz=self.tz, store=store,
                                           stats=self._stats(required=False, keep=False), config=self.cfg, **options)
        return lf

    def access(self, paths, format_name=None, log_format=None, nginx_conf=None):
        """The access logs (or ``--store``), narrowed to the time window, ``ts`` in the display timezone."""
        from ..parse.resolve import access_format

        client = click.get_current_context().meta.get("mkslog_client")
        fmt = access_format(format_name, log_format, nginx_conf)
        return self.scan(paths, fmt, kind="access", stats=self._stats(), client=client)

    def app(self, paths, log_format=None, *, required: bool = False):
        """The application log, narrowed to the time window."""
        datefmt = click.get_current_context().meta.get("mkslog_datefmt")
        return self.scan(paths, log_format, kind="app", stats=self._stats(required), datefmt=datefmt)

    def log(self, paths, kind: str):
        """The configured logs of ``kind``, or PATHS read as the kind they are (detected, so that a
        query given the wrong log says which columns it lacks), narrowed to the window."""
        return self.scan(paths, kind=None if paths else kind, stats=self._stats())

    def error_logs(self, paths, kind=None, log_format=None, datefmt=None):
        """The app, gunicorn and nginx error logs (each file read as its kind), narrowed to the window."""
        from ..frame import scan_error_logs

        store = click.get_current_context().meta.get("mkslog_store")
        stats = self._stats(True)
        lf = scan_error_logs(list(paths) or None, kind, format=log_format, datefmt=datefmt, config=self.cfg,
                             stats=stats, since=self.start, until=self.end, tz=self.tz, store=store,
                             filters=cli_filters(kind or "app"), host=self.hosts())
        attach_progress(stats)
        if self.unwindowed is None:
            self.unwindowed = lambda: scan_error_logs(
                list(paths) or None, kind, format=log_format, datefmt=datefmt, config=self.cfg,
                stats=self._stats(required=False, keep=False), tz=self.tz, store=store)
        return lf

    @staticmethod
    def hosts() -> list[str] | None:
        """The ``--host`` names given (None: every host of the store)."""
        return list(click.get_current_context().meta.get("mkslog_hosts") or ()) or None

    def _stats(self, required: bool = True, keep: bool = True):
        """New parse statistics, kept (``keep``) for the reject warning and the summary's rejected_lines;
        ``required``: the answer needs this input (an optional app log may be empty)."""
        from ..parse.stats import ParseStats

        stats = ParseStats()
        if keep:
            self.stats.append(stats)
            self.required.append(required)
        return stats

    new_stats = _stats  # for commands in other modules (sql, show) that open logs themselves

    def optional_app(self, app_logs, access_paths):
        """``--app-log``, else the configured app log when no access PATHS were given and it exists."""
        from ..errors import FormatError, LogFileError, StoreError

        if app_logs:
            return self.app(app_logs)
        if access_paths:
            return None
        try:
            return self.app(())
        except (LogFileError, FormatError, StoreError) as exc:
            click.echo(f"Note: the app log is left out ({safe_text(exc)})", err=True)
            return None

    def title(self, text: str) -> str:
        """``text`` plus the time window, when one was given."""
        if self.start is None and self.end is None:
            return text

        return f"{text},{self.window_text()}"

    def window_text(self) -> str:
        """`` since 2026-11-19 00:00 until 2026-11-20 00:00 (Asia/Tokyo)``: the window as given."""
        from ..timespec import zone

        def show(t):
            return t.astimezone(zone(self.tz)).strftime("%Y-%m-%d %H:%M")
        since = f" since {show(self.start)}" if self.start else ""
        until = f" until {show(self.end)}" if self.end else ""
        return f"{since}{until} ({self.tz})"

    def emit(self, text: str, out_file: str | None, *, empty: bool = False) -> None:
        """Write the answer, unless it was computed from nothing (all lines rejected, an empty
        input): then raise, so the exit code says so instead of an empty table. An ``empty``
        answer in a time window gets a note with the window and the time the logs cover."""
        for stats, required in zip(self.stats, self.required, strict=True):
            warning = stats.check_answerable(required=required)
            if warning:
                click.echo(f"Warning: {safe_text(warning)}", err=True)
        write_output(text, out_file)
        if empty and (self.start or self.end) and self.unwindowed is not None:
            click.echo(f"Note: nothing in the window{self.window_text()}; {self.coverage()}", err=True)
        for stats in self.stats:
            warn_rejects(stats)

    def coverage(self) -> str:
        """What time the first log covers, read again without the window (only for an empty answer)."""
        import polars as pl

        from ..present.tables import iso_time

        span = self.unwindowed().select(pl.col("ts").min().alias("a"), pl.col("ts").max().alias("b")).collect()
        first, last = span.row(0)
        if first is None:
            return "the logs hold no timed records at all"
        return f"the logs cover {iso_time(first)} to {iso_time(last)}: move --since/--until into that time"


def render_frame(df, output: str, title: str) -> str:
    from ..present.tables import render

    return render(df, output, title=title, **presenting())


#: The names the CLI shows for columns the library names by its grouping: one name per concept
#: in every command (a client address is ``remote_addr``, a time bucket is ``ts``).
SHARED_COLUMNS = {"ip": "remote_addr", "hour": "ts"}


def shared_columns(df):
    """``df`` with :data:`SHARED_COLUMNS` renamed, so commands that show the same thing agree."""
    return df.rename({old: new for old, new in SHARED_COLUMNS.items() if old in df.columns and new not in df.columns})


def check_every(value: str) -> str:
    if not EVERY.match(value):
        raise click.BadParameter(f"{value!r}: give a positive whole number and a unit, e.g. 15m, 1h, 1d, 1w")
    return value


def check_positive_duration(value: str | None, option: str):
    """A ``--over``-like duration as a timedelta, refused unless positive."""
    from ..timespec import parse_duration

    if value is None:
        return None
    limit = parse_duration(value)
    if limit.total_seconds() <= 0:
        raise click.BadParameter(f"{value!r}: give a positive duration, e.g. 500ms, 1s, 2.5s", param_hint=option)
    return limit
