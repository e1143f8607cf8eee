"""The query commands: ``errors``, ``traffic``, ``top-ips``, ``endpoints``, ``latency``, ``slow``,
``status``, ``logins``, ``suspects``, ``ip``, ``summary``. Each opens the logs, narrows them to
``--since``/``--until`` (a filter polars pushes into the scan), calls one function of
:mod:`mkslog.queries` and hands the frame to a presenter.

Logs: the PATHS given, else the config's ``[logs.access]`` (``[logs.app]`` for ``errors``). The
commands that also read the app log (``logins``, ``suspects``, ``summary``) take it from
``--app-log``, else, when no PATHS are given, from ``[logs.app]`` if those files exist.

>>> from click.testing import CliRunner  # doctest: +SKIP
>>> CliRunner().invoke(main, ["endpoints", "--top", "5", "--output", "json", "access.log"])  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Callable

import click

from .common import config_option
from .logs import check_input, open_logs, output_options, warn_rejects, write_output

_EVERY = re.compile(r"^\d+(ns|us|ms|s|m|h|d|w|mo|q|y)$")
_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _options(*decorators: Callable) -> Callable:
    def apply(func: Callable) -> Callable:
        for deco in reversed(decorators):
            func = deco(func)
        return func
    return apply


paths_argument = click.argument("paths", nargs=-1, type=click.Path())
_app_log = click.option(
    "--app-log", "app_logs", multiple=True, type=click.Path(),
    help="Application log (repeatable; globs allowed). Default: [logs.app] when no PATHS are given.")


def _meta(name: str) -> Callable:
    """An option kept in ``ctx.meta`` (``mkslog_<name>``), so commands need no parameter for it."""
    return lambda ctx, _param, value: ctx.meta.__setitem__(f"mkslog_{name}", value)


datefmt_option = click.option("--datefmt", expose_value=False, callback=_meta("datefmt"),
                              help="strftime format of the app log's %(asctime)s when it is not logging's "
                                   "default (e.g. '%d/%m/%Y %H:%M:%S').")
client_option = click.option("--client", type=click.Choice(["remote", "forwarded"]), expose_value=False,
                             callback=_meta("client"),
                             help="Who the client is: remote (the connecting address) or forwarded (the first "
                                  "X-Forwarded-For address, else the connecting one). Default: client_address "
                                  "in the config, else remote.")
app_log_option = _options(_app_log, datefmt_option)
access_options = _options(
    click.option("--format", "format_name", help="Named access format: timed, main, combined, common, gunicorn, "
                                                 "gunicorn_timed (default: [logs.access] format, else detected)."),
    click.option("--log-format", help="An nginx log_format ($remote_addr ...) or gunicorn access_log_format (%(h)s ...)."),
    click.option("--nginx-conf", type=click.Path(dir_okay=False),
                 help="Read log_format from this nginx config (with --format NAME when it defines several)."),
    client_option,
)
window_options = _options(
    click.option("--since", help="Start: a date, datetime, yesterday, today, 7d, 2h, 'last week', 'this week', "
                                 "2026-W47 ... (in the display timezone)."),
    click.option("--until", help="End (exclusive end of the day/week named): same forms as --since."),
    click.option("--tz", help="Display timezone, e.g. Asia/Tokyo or UTC (default: the config's timezone)."),
    click.option("--store", type=click.Path(file_okay=False), expose_value=False,
                 callback=lambda ctx, _param, value: ctx.meta.__setitem__("mkslog_store", value),
                 help="Read the access log from this Parquet store (`mkslog ingest`) instead of text."),
    config_option,
)


def top_option(default: int | None, what: str) -> Callable:
    return click.option("--top", "top_n", type=click.IntRange(min=1), default=default, show_default=default is not None,
                        help=f"How many {what}.")


class QueryRun:
    """What a query command shares: config, time window, display timezone, parse statistics."""

    def __init__(self, config_path: str | None, since: str | None, until: str | None, tz: str | None):
        from ..config import load_config
        from ..timespec import time_range, zone

        self.cfg = load_config(config_path)
        self.tz = tz or self.cfg.get("timezone") or "UTC"
        zone(self.tz)
        self.start, self.end = time_range(since, until, tz=self.tz)
        self.stats: list = []
        self.required: list[bool] = []

    def window(self, lf):
        from ..queries import between, in_timezone

        return in_timezone(between(lf, self.start, self.end), self.tz)

    def access(self, paths, format_name=None, log_format=None, nginx_conf=None):
        """The access logs (or ``--store``), narrowed to the time window, ``ts`` in the display timezone."""
        stats = self._stats()
        meta = click.get_current_context().meta
        store, client = meta.get("mkslog_store"), meta.get("mkslog_client")
        if store:
            from ..frame import scan

            if paths:
                raise click.UsageError("give log PATHS or --store, not both")
            return self.window(scan(store=store, config=self.cfg, stats=stats, client=client))
        return self.window(open_logs(paths, format_name, log_format, nginx_conf, self.cfg, stats, "access",
                                     client=client))

    def app(self, paths, log_format=None, *, required: bool = False):
        """The application log, narrowed to the time window."""
        datefmt = click.get_current_context().meta.get("mkslog_datefmt")
        return self.window(open_logs(paths, log_format, None, None, self.cfg, self._stats(required), "app",
                                     datefmt=datefmt))

    def error_logs(self, paths, kind=None, log_format=None, datefmt=None):
        """The app, gunicorn and nginx error logs (each file read as its kind), narrowed to the window."""
        from ..frame import scan_error_logs

        lf = scan_error_logs(list(paths) or None, kind, format=log_format, datefmt=datefmt, config=self.cfg,
                             stats=self._stats(True))
        return self.window(lf)

    def _stats(self, required: bool = True):
        """New parse statistics, kept for the reject warning and the summary's rejected_lines;
        ``required``: the answer needs this input (an optional app log may be empty)."""
        from ..parse.stats import ParseStats

        stats = ParseStats()
        self.stats.append(stats)
        self.required.append(required)
        return stats

    def optional_app(self, app_logs, access_paths):
        """``--app-log``, else the configured app log when no access PATHS were given and it exists."""
        from ..errors import FormatError, LogFileError

        if app_logs:
            return self.app(app_logs)
        if access_paths:
            return None
        try:
            return self.app(())
        except (LogFileError, FormatError) as exc:
            click.echo(f"Note: the app log is left out ({_safe(exc)})", err=True)
            return None

    def threshold(self, name: str, default: float) -> float:
        value = self.cfg.get(f"thresholds.{name}", default)
        return default if value is None else float(value)

    def title(self, text: str) -> str:
        """``text`` plus the time window, when one was given."""
        if self.start is None and self.end is None:
            return text
        from ..timespec import zone

        def show(t):
            return t.astimezone(zone(self.tz)).strftime("%Y-%m-%d %H:%M")
        since = f" since {show(self.start)}" if self.start else ""
        until = f" until {show(self.end)}" if self.end else ""
        return f"{text},{since}{until} ({self.tz})"

    def emit(self, text: str, out_file: str | None) -> None:
        """Write the answer, unless it was computed from nothing (all lines rejected, an empty
        input): then raise, so the exit code says so instead of an empty table."""
        for stats, required in zip(self.stats, self.required, strict=True):
            check_input(stats, required=required)
        write_output(text, out_file)
        for stats in self.stats:
            warn_rejects(stats)


def _safe(exc: Exception) -> str:
    from .common import safe_text

    return safe_text(exc)


def _render(df, output: str, title: str) -> str:
    from ..present.tables import render

    return render(df, output, title=title)


def _check_every(value: str) -> str:
    if not _EVERY.match(value):
        raise click.BadParameter(f"{value!r}: give a number and a unit, e.g. 15m, 1h, 1d, 1w")
    return value


# --- the commands ---------------------------------------------------------------------------------


@click.command("errors")
@paths_argument
@click.option("--kind", type=click.Choice(["app", "gunicorn-error", "nginx-error"]), default=None,
              help="Read every file as this kind (default: each file's kind is detected; [logs.app] without PATHS).")
@click.option("--log-format", help="Python logging format of the app log (default: [logs.app] format, else detected).")
@click.option("--datefmt", help="strftime format of the app log's %(asctime)s when it is not logging's default.")
@click.option("--by", type=click.Choice(["hour", "day"]), default="hour", show_default=True,
              help="Count per hour or per day (local to --tz).")
@click.option("--level", type=click.Choice(_LEVELS, case_sensitive=False), default="ERROR", show_default=True,
              help="Count records at this level and above.")
@click.option("--top", "top_n", type=click.IntRange(min=1), is_flag=False, flag_value=10, default=None,
              help="Instead of counts over time, the N most frequent errors by exception type and message "
                   "(--top alone: 10).")
@click.option("--zeros", is_flag=True, help="Also list the hours (days) without errors between the first and last.")
@window_options
@output_options
def errors_cmd(paths, kind, log_format, datefmt, by, level, top_n, zeros, since, until, tz, config_path, output,
               out_file):
    """Errors per hour or day (the manual's grep -c ERROR | uniq -c), or the top exceptions, in app,
    gunicorn error and nginx error logs (nginx's error, crit, alert and emerg count as ERROR and above)."""
    from ..queries import error_counts, top_errors

    run = QueryRun(config_path, since, until, tz)
    lf = run.error_logs(paths, kind, log_format, datefmt)
    if top_n:
        df, title = top_errors(lf, top_n, level=level), f"Top {top_n} errors ({level.upper()} and above)"
    else:
        df = error_counts(lf, "1h" if by == "hour" else "1d", level=level, fill=zeros)
        title = f"{level.upper()} records per {by}"
    run.emit(_render(df, output, run.title(title)), out_file)


@click.command("traffic")
@paths_argument
@access_options
@click.option("--every", default="1d", show_default=True, callback=lambda c, p, v: _check_every(v),
              help="Bucket size: 15m, 1h, 1d, 1w ...")
@window_options
@output_options
def traffic_cmd(paths, format_name, log_format, nginx_conf, every, since, until, tz, config_path, output, out_file):
    """Requests, unique client addresses, 4xx and 5xx per day (or --every) - the manual's accesses per day."""
    from ..queries import requests_over_time

    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = requests_over_time(lf, every)
    run.emit(_render(df, output, run.title(f"Requests per {every}")), out_file)


@click.command("top-ips")
@paths_argument
@access_options
@top_option(10, "addresses")
@window_options
@output_options
def top_ips_cmd(paths, format_name, log_format, nginx_conf, top_n, since, until, tz, config_path, output, out_file):
    """Client addresses with the most requests (the manual's awk | sort | uniq -c | sort -rn | head)."""
    from ..queries import top_ips

    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = top_ips(lf, top_n)
    run.emit(_render(df, output, run.title(f"Top {top_n} client addresses")), out_file)


@click.command("endpoints")
@paths_argument
@access_options
@top_option(10, "endpoints")
@click.option("--raw", is_flag=True, help="Keep ids, uuids and hashes in the paths (no folding into {id}, {uuid}, {hash}).")
@window_options
@output_options
def endpoints_cmd(paths, format_name, log_format, nginx_conf, top_n, raw, since, until, tz, config_path, output,
                  out_file):
    """The most requested endpoints, ids folded (/api/v1/knowledge/123 -> /api/v1/knowledge/{id})."""
    from ..queries import top_endpoints

    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = top_endpoints(lf, top_n, raw=raw)
    run.emit(_render(df, output, run.title(f"Top {top_n} endpoints" + (" (raw paths)" if raw else ""))), out_file)


@click.command("latency")
@paths_argument
@access_options
@click.option("--by", type=click.Choice(["endpoint", "hour", "status"]), default=None,
              help="Per endpoint (busiest first), per hour, or per status code; overall when not given.")
@top_option(20, "endpoints with --by endpoint")
@window_options
@output_options
def latency_cmd(paths, format_name, log_format, nginx_conf, by, top_n, since, until, tz, config_path, output,
                out_file):
    """Response times in ms: count, mean, p50, p90, p95, p99, max (exact; numpy's linear interpolation)."""
    from ..queries import latency_stats

    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = latency_stats(lf, by=by, n=top_n if by == "endpoint" else None)
    run.emit(_render(df, output, run.title("Response time (ms)" + (f" by {by}" if by else ""))), out_file)


@click.command("slow")
@paths_argument
@access_options
@click.option("--over", help="Threshold: 1s, 500ms, 2.5s ... (default: thresholds.slow_ms in the config, 1000 ms).")
@click.option("--by-endpoint", is_flag=True, help="Count the slow requests per endpoint instead of listing them.")
@top_option(20, "requests (or endpoints)")
@window_options
@output_options
def slow_cmd(paths, format_name, log_format, nginx_conf, over, by_endpoint, top_n, since, until, tz, config_path,
             output, out_file):
    """Requests slower than --over, slowest first (the manual's slow endpoints over 1000 ms)."""
    from ..queries import slow_requests
    from ..timespec import parse_duration

    run = QueryRun(config_path, since, until, tz)
    limit = parse_duration(over) if over else parse_duration(run.threshold("slow_ms", 1000.0), default_unit="ms")
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = slow_requests(lf, limit, n=top_n, by_endpoint=by_endpoint)
    ms = limit.total_seconds() * 1000
    what = "Endpoints with requests" if by_endpoint else f"Top {top_n} requests"
    run.emit(_render(df, output, run.title(f"{what} slower than {ms:g} ms")), out_file)


@click.command("status")
@paths_argument
@access_options
@window_options
@output_options
def status_cmd(paths, format_name, log_format, nginx_conf, since, until, tz, config_path, output, out_file):
    """Requests per status code with its class (2xx/3xx/4xx/5xx) and their shares."""
    from ..queries import status_breakdown

    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = status_breakdown(lf)
    run.emit(_render(df, output, run.title("Status codes")), out_file)


@click.command("logins")
@paths_argument
@access_options
@app_log_option
@click.option("--by", type=click.Choice(["ip", "user"]), default="ip", show_default=True,
              help="Failed logins per client address or per username (usernames come from the app log).")
@click.option("--401", "only_401", is_flag=True, help="Instead: every 401 answer by client address and path.")
@click.option("--login-path", help="The login endpoint (default: queries.login_path in the config, /api/v1/auth/login).")
@top_option(20, "rows")
@window_options
@output_options
def logins_cmd(paths, format_name, log_format, nginx_conf, app_logs, by, only_401, login_path, top_n, since, until,
               tz, config_path, output, out_file):
    """Failed logins per IP or user: the app log's 'Invalid username or password' and 401s on the login endpoint."""
    from ..queries import LOGIN_PATH, failed_logins, unauthorized

    run = QueryRun(config_path, since, until, tz)
    access = run.access(paths, format_name, log_format, nginx_conf)
    if only_401:
        df = unauthorized(access, n=top_n)
        run.emit(_render(df, output, run.title("401 Unauthorized by client address and path")), out_file)
        return
    app = run.optional_app(app_logs, paths)
    login_path = login_path or run.cfg.get("queries.login_path") or LOGIN_PATH
    df = failed_logins(app, access, by=by, login_path=login_path, n=top_n)
    run.emit(_render(df, output, run.title(f"Failed logins by {by}")), out_file)


@click.command("suspects")
@paths_argument
@access_options
@app_log_option
@top_option(20, "addresses")
@window_options
@output_options
def suspects_cmd(paths, format_name, log_format, nginx_conf, app_logs, top_n, since, until, tz, config_path, output,
                 out_file):
    """Addresses with a request burst, many 4xx, failed logins or scanner probes, each with the reason.

    Thresholds: thresholds.suspect_requests_per_hour, suspect_4xx_ratio, suspect_login_failures and
    suspect_min_requests in the config."""
    from ..queries import LOGIN_PATH, suspicious_ips

    run = QueryRun(config_path, since, until, tz)
    access = run.access(paths, format_name, log_format, nginx_conf)
    app = run.optional_app(app_logs, paths)
    limits = {
        "requests_per_hour": run.threshold("suspect_requests_per_hour", 1000.0),
        "ratio_4xx": run.threshold("suspect_4xx_ratio", 0.5),
        "login_failures": run.threshold("suspect_login_failures", 10.0),
        "min_requests": int(run.threshold("suspect_min_requests", 20)),
        "login_path": run.cfg.get("queries.login_path") or LOGIN_PATH,
    }
    df = suspicious_ips(access, app, **limits).head(top_n)
    if output in ("table", "markdown"):  # the reason names the first paths; the full list is in JSON/CSV
        df = df.drop("scanner_paths")
    run.emit(_render(df, output, run.title("Suspicious client addresses")), out_file)


@click.command("ip")
@click.argument("addr")
@paths_argument
@access_options
@click.option("--section", type=click.Choice(["all", "overview", "endpoints", "statuses", "timeline"]),
              default="all", show_default=True, help="Show one part only (CSV needs one).")
@click.option("--every", default="1h", show_default=True, callback=lambda c, p, v: _check_every(v),
              help="Timeline bucket size.")
@window_options
@output_options
def ip_cmd(addr, paths, format_name, log_format, nginx_conf, section, every, since, until, tz, config_path, output,
           out_file):
    """What one client address did: first/last seen, endpoints, status codes, timeline."""
    from ..present.tables import render_record, render_sections
    from ..queries import ip_activity

    if output == "csv" and section == "all":
        raise click.UsageError("CSV holds one table: choose --section overview|endpoints|statuses|timeline")
    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    sections = ip_activity(lf, addr, every=every)
    title = run.title(f"Activity of {addr}")
    if sections["overview"].is_empty():
        click.echo(f"Note: no requests from {_safe(addr)} in these logs" +
                   (" and time window" if run.start or run.end else ""), err=True)
    if section == "all":
        text = render_sections(sections, output, title=title, records=("overview",))
    elif section == "overview":
        text = render_record(sections["overview"], output, title=title)
    else:
        text = _render(sections[section], output, f"{title}: {section}")
    run.emit(text, out_file)


@click.command("summary")
@paths_argument
@access_options
@app_log_option
@window_options
@output_options
def summary_cmd(paths, format_name, log_format, nginx_conf, app_logs, since, until, tz, config_path, output, out_file):
    """One screen: requests, unique IPs, 5xx rate, p50/p95/p99, top IP and endpoint, app errors, rejects."""
    from ..present.tables import render_record
    from ..queries import summary

    run = QueryRun(config_path, since, until, tz)
    access = run.access(paths, format_name, log_format, nginx_conf)
    app = run.optional_app(app_logs, paths)
    df = summary(access, app, stats=run.stats)  # the stats are complete once summary has read the logs
    run.emit(render_record(df, output, title=run.title("Summary")), out_file)


QUERY_COMMANDS = (errors_cmd, traffic_cmd, top_ips_cmd, endpoints_cmd, latency_cmd, slow_cmd, status_cmd,
                  logins_cmd, suspects_cmd, ip_cmd, summary_cmd)


def register_query_commands(main: click.Group) -> None:
    """Add the query commands to the main group."""
    for command in QUERY_COMMANDS:
        main.add_command(command)
