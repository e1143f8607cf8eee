"""The query commands: ``errors``, ``traffic``, ``top-ips``, ``endpoints``, ``latency``, ``slow``,
``status``, ``logins``, ``suspects``, ``ip``, ``summary``. Each opens the logs, narrows them to
``--since``/``--until`` (a filter polars pushes into the scan), calls one function of
:mod:`mkslog.queries` and hands the frame to a presenter.

Logs: the PATHS given, else the config's ``[logs.access]`` (``[logs.app]`` for ``errors``). The
commands that also read the app log (``logins``, ``suspects``, ``summary``) take it from
``--app-log``, else, when no PATHS are given, from ``[logs.app]`` if those files exist.

>>> from click.testing import CliRunner  # doctest: +SKIP
>>> CliRunner().invoke(main, ["endpoints", "--top", "5", "--as", "json", "access.log"])  # doctest: +SKIP
"""

from __future__ import annotations

import click

from .common import safe_text
from .filters import access_filter_options, records_where_option
from .logs import output_options, presenting
from .run import (
    LEVELS,
    TOP_DEFAULT,
    QueryRun,
    access_options,
    app_log_option,
    check_every,
    check_positive_duration,
    paths_argument,
    render_frame,
    shared_columns,
    top_option,
    window_options,
)

# --- the commands ---------------------------------------------------------------------------------


@click.command("errors")
@paths_argument
@click.option("--kind", type=click.Choice(["app", "gunicorn-error", "nginx-error"]), default=None,
              help="Read every file as this kind (default: each file's kind is detected; [logs.app] without PATHS).")
@click.option("--log-format", help="Python logging format of the app log (default: [logs.app] format, else detected).")
@click.option("--datefmt", help="strftime format of the app log's %(asctime)s when it is not logging's default.")
@click.option("--by", type=click.Choice(["hour", "day"]), default=None,
              help="Count per hour (the default) or per day (local to --tz); not with --top.")
@click.option("--level", type=click.Choice(LEVELS, case_sensitive=False), default="ERROR", show_default=True,
              help="Count records at this level and above.")
@click.option("-n", "--top", "top_n", type=click.IntRange(min=1), is_flag=False, flag_value=TOP_DEFAULT,
              default=None, help=f"Instead of counts over time, the N most frequent errors by exception type and "
                                 f"message (--top alone: {TOP_DEFAULT}).")
@click.option("--zeros", is_flag=True, help="Also list the hours (days) without errors between the first and last.")
@window_options
@records_where_option
@output_options
def errors_cmd(paths, kind, log_format, datefmt, by, level, top_n, zeros, since, until, tz, config_path, output,
               out_file):
    """Errors per hour or day (the manual's grep -c ERROR | uniq -c), or the top exceptions, in app,
    gunicorn error and nginx error logs (nginx's error, crit, alert and emerg count as ERROR and above)."""
    from ..queries import error_counts, top_errors

    if top_n and by:
        raise click.UsageError("--top lists the most frequent errors and --by counts them over time: give one "
                               "(e.g. --top 5 with --since/--until for a day's top errors)")
    by = by or "hour"
    run = QueryRun(config_path, since, until, tz)
    lf = run.error_logs(paths, kind, log_format, datefmt)
    if top_n:
        df, title = top_errors(lf, top_n, level=level), f"Top {top_n} errors ({level.upper()} and above)"
    else:
        df = error_counts(lf, "1h" if by == "hour" else "1d", level=level, fill=zeros)
        title = f"{level.upper()} records per {by}"
    run.emit(render_frame(df, output, run.title(title)), out_file, empty=df.is_empty())


@click.command("traffic")
@paths_argument
@access_options
@click.option("--every", default="1d", show_default=True, callback=lambda c, p, v: check_every(v),
              help="Bucket size: 15m, 1h, 1d, 1w ...")
@window_options
@access_filter_options
@output_options
def traffic_cmd(paths, format_name, log_format, nginx_conf, every, since, until, tz, config_path, output, out_file):
    """Requests, unique client addresses, 4xx and 5xx per day (or --every) - the manual's accesses per day."""
    from ..queries import requests_over_time

    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = requests_over_time(lf, every)
    run.emit(render_frame(df, output, run.title(f"Requests per {every}")), out_file, empty=df.is_empty())


@click.command("top-ips")
@paths_argument
@access_options
@top_option("addresses")
@click.option("--group", metavar="V4[/V6]", default=None,
              help="Count networks, not addresses: an IPv4 prefix length (24), an IPv6 one (64; /32 for a short "
                   "one) or both (24/64).")
@window_options
@access_filter_options
@output_options
def top_ips_cmd(paths, format_name, log_format, nginx_conf, top_n, group, since, until, tz, config_path, output,
                out_file):
    """Client addresses with the most requests (the manual's awk | sort | uniq -c | sort -rn | head)."""
    from ..queries import top_ips

    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = top_ips(lf, top_n, group=group)
    what = f"networks (--group {group})" if group is not None else "client addresses"
    run.emit(render_frame(df, output, run.title(f"Top {top_n} {what}")), out_file, empty=df.is_empty())


@click.command("endpoints")
@paths_argument
@access_options
@top_option("endpoints")
@click.option("--raw", is_flag=True, help="Keep ids, uuids and hashes in the paths (no folding into {id}, {uuid}, {hash}).")
@window_options
@access_filter_options
@output_options
def endpoints_cmd(paths, format_name, log_format, nginx_conf, top_n, raw, since, until, tz, config_path, output,
                  out_file):
    """The most requested endpoints, ids folded (/api/v1/knowledge/123 -> /api/v1/knowledge/{id})."""
    from ..queries import top_endpoints

    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = top_endpoints(lf, top_n, raw=raw)
    run.emit(render_frame(df, output, run.title(f"Top {top_n} endpoints" + (" (raw paths)" if raw else ""))), out_file,
             empty=df.is_empty())


@click.command("latency")
@paths_argument
@access_options
@click.option("--by", type=click.Choice(["endpoint", "hour", "status"]), default=None,
              help="Per endpoint (busiest first), per hour, or per status code; overall when not given.")
@top_option("endpoints with --by endpoint")
@window_options
@access_filter_options
@output_options
def latency_cmd(paths, format_name, log_format, nginx_conf, by, top_n, since, until, tz, config_path, output,
                out_file):
    """Response times in ms: count, mean, p50, p90, p95, p99, max (exact; numpy's linear interpolation)."""
    from ..queries import latency_stats

    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = shared_columns(latency_stats(lf, by=by, n=top_n if by == "endpoint" else None))
    empty = df.is_empty() or df["count"].sum() == 0
    run.emit(render_frame(df, output, run.title("Response time (ms)" + (f" by {by}" if by else ""))), out_file,
             empty=empty)


@click.command("slow")
@paths_argument
@access_options
@click.option("--over", help="Threshold: 1s, 500ms, 2.5s ... (default: thresholds.slow_ms in the config, 1000 ms).")
@click.option("--by-endpoint", is_flag=True, help="Count the slow requests per endpoint instead of listing them.")
@top_option("requests (or endpoints)")
@window_options
@access_filter_options
@output_options
def slow_cmd(paths, format_name, log_format, nginx_conf, over, by_endpoint, top_n, since, until, tz, config_path,
             output, out_file):
    """Requests slower than --over, slowest first (the manual's slow endpoints over 1000 ms)."""
    from ..queries import slow_ms, slow_requests
    from ..timespec import parse_duration

    limit = check_positive_duration(over, "--over")
    run = QueryRun(config_path, since, until, tz)
    limit = limit or parse_duration(slow_ms(run.cfg), default_unit="ms")
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = slow_requests(lf, limit, n=top_n, by_endpoint=by_endpoint)
    ms = limit.total_seconds() * 1000
    what = "Endpoints with requests" if by_endpoint else f"Top {top_n} requests"
    run.emit(render_frame(df, output, run.title(f"{what} slower than {ms:g} ms")), out_file, empty=df.is_empty())


@click.command("status")
@paths_argument
@access_options
@window_options
@access_filter_options
@output_options
def status_cmd(paths, format_name, log_format, nginx_conf, since, until, tz, config_path, output, out_file):
    """Requests per status code with its class (2xx/3xx/4xx/5xx) and their shares."""
    from ..queries import status_breakdown

    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    df = status_breakdown(lf)
    run.emit(render_frame(df, output, run.title("Status codes")), out_file, empty=df.is_empty())


@click.command("logins")
@paths_argument
@access_options
@app_log_option
@click.option("--by", type=click.Choice(["ip", "user"]), default="ip", show_default=True,
              help="Failed logins per client address or per username (usernames come from the app log).")
@click.option("--401", "only_401", is_flag=True, help="Instead: every 401 answer by client address and path.")
@click.option("--login-path", help="The login endpoint (default: queries.login_path in the config, /api/v1/auth/login).")
@top_option("rows")
@window_options
@access_filter_options
@output_options
def logins_cmd(paths, format_name, log_format, nginx_conf, app_logs, by, only_401, login_path, top_n, since, until,
               tz, config_path, output, out_file):
    """Failed logins per IP or user: the app log's 'Invalid username or password' and 401s on the login endpoint."""
    from ..queries import failed_logins, unauthorized
    from ..queries import login_path as configured_login_path

    run = QueryRun(config_path, since, until, tz)
    access = run.access(paths, format_name, log_format, nginx_conf)
    if only_401:
        df = unauthorized(access, n=top_n)
        run.emit(render_frame(df, output, run.title("401 Unauthorized by client address and path")), out_file,
                 empty=df.is_empty())
        return
    app = run.optional_app(app_logs, paths)
    login_path = login_path or configured_login_path(run.cfg)
    df = shared_columns(failed_logins(app, access, by=by, login_path=login_path, n=top_n))
    if app is None and by == "ip":  # not read is not zero: the table shows "-", JSON null
        df = df.with_columns(df["app_failures"].clear(len(df)), df["users"].clear(len(df)))
        click.echo("Note: the app log was not read: app_failures and users are unknown (give --app-log)", err=True)
    run.emit(render_frame(df, output, run.title(f"Failed logins by {by}")), out_file, empty=df.is_empty())


@click.command("suspects")
@paths_argument
@access_options
@app_log_option
@top_option("addresses")
@click.option("--deny", type=click.Choice(["nginx", "ufw"]), help="Write a block list of the addresses instead: "
              "an nginx `deny` include or `ufw deny from` lines (to -o FILE; mkslog never applies it).")
@click.option("--allow", "allow", multiple=True, help="An address or network never to block (repeatable; "
              "default: security.allowlist, loopback).")
@window_options
@access_filter_options
@output_options
def suspects_cmd(paths, format_name, log_format, nginx_conf, app_logs, top_n, deny, allow, since, until, tz,
                 config_path, output, out_file):
    """Addresses with a request burst, many 4xx, failed logins or scanner probes, each with the reason.

    Thresholds: thresholds.suspect_requests_per_hour, suspect_4xx_ratio, suspect_login_failures and
    suspect_min_requests in the config. --deny nginx|ufw -o FILE writes them as a block list."""
    from ..queries import suspect_limits, suspicious_ips

    run = QueryRun(config_path, since, until, tz)
    access = run.access(paths, format_name, log_format, nginx_conf)
    app = run.optional_app(app_logs, paths)
    df = suspicious_ips(access, app, **suspect_limits(run.cfg)).head(top_n)
    if deny:
        from ..present.denylist import deny_list

        allowed = list(allow) or list(run.cfg.get("security.allowlist") or [])
        made = deny_list(df["remote_addr"].to_list(), deny, allow=allowed,
                         reasons=dict(zip(df["remote_addr"].to_list(), df["reason"].to_list(), strict=True)))
        for addr, why in made.left_out.items():
            click.echo(f"Note: not blocking {safe_text(addr)}: {why}", err=True)
        run.emit(made.text, out_file)
        return
    if output in ("table", "markdown"):  # the reason names the first paths; the full list is in JSON/CSV
        df = df.drop("scanner_paths")
    run.emit(render_frame(df, output, run.title("Suspicious client addresses")), out_file, empty=df.is_empty())


def check_address(_ctx, _param, value: str) -> str:
    """ADDR must be an IPv4 or IPv6 address or a CIDR network, in any spelling (the library's own
    reader, :func:`mkslog.filters.networks`): anything else can only answer "no requests"."""
    from ..errors import FilterError
    from ..filters import networks

    try:
        networks([value], option="mkslog ip")
    except FilterError as exc:
        raise click.BadParameter(f"{exc} (see `mkslog top-ips` for the addresses in the logs)") from None
    return value


@click.command("ip")
@click.argument("addr", callback=check_address)
@paths_argument
@access_options
@click.option("--section", type=click.Choice(["all", "overview", "endpoints", "statuses", "timeline"]),
              default="all", show_default=True, help="Show one part only (CSV needs one).")
@click.option("--every", default="1h", show_default=True, callback=lambda c, p, v: check_every(v),
              help="Timeline bucket size.")
@window_options
@access_filter_options
@output_options
def ip_cmd(addr, paths, format_name, log_format, nginx_conf, section, every, since, until, tz, config_path, output,
           out_file):
    """What one client address did: first/last seen, endpoints, status codes, timeline."""
    from ..present.tables import ONE_TABLE, render_record, render_sections
    from ..queries import ip_activity

    if output in ONE_TABLE and section == "all":
        raise click.UsageError(f"{output.upper()} holds one table: choose --section overview|endpoints|statuses|timeline")
    run = QueryRun(config_path, since, until, tz)
    lf = run.access(paths, format_name, log_format, nginx_conf)
    sections = ip_activity(lf, addr, every=every)
    title = run.title(f"Activity of {addr}")
    if sections["overview"].is_empty():
        click.echo(f"Note: no requests from {safe_text(addr)} in these logs" +
                   (" and time window" if run.start or run.end else ""), err=True)
    if section == "all":
        text = render_sections(sections, output, title=title, records=("overview",), **presenting())
    elif section == "overview":
        text = render_record(sections["overview"], output, title=title, **presenting())
    else:
        text = render_frame(sections[section], output, f"{title}: {section}")
    run.emit(text, out_file)


@click.command("summary")
@paths_argument
@access_options
@app_log_option
@window_options
@access_filter_options
@output_options
def summary_cmd(paths, format_name, log_format, nginx_conf, app_logs, since, until, tz, config_path, output, out_file):
    """One screen: requests, unique IPs, 5xx rate, p50/p95/p99, top IP and endpoint, app errors, rejects."""
    from ..present.tables import render_record
    from ..queries import summary

    run = QueryRun(config_path, since, until, tz)
    access = run.access(paths, format_name, log_format, nginx_conf)
    app = run.optional_app(app_logs, paths)
    df = summary(access, app, stats=run.stats)  # the stats are complete once summary has read the logs
    run.emit(render_record(df, output, title=run.title("Summary"), **presenting()), out_file,
             empty=not df.height or not df["requests"][0])


QUERY_COMMANDS = (errors_cmd, traffic_cmd, top_ips_cmd, endpoints_cmd, latency_cmd, slow_cmd, status_cmd,
                  logins_cmd, suspects_cmd, ip_cmd, summary_cmd)


def register_query_commands(main: click.Group) -> None:
    """Add the query commands to the main group."""
    for command in QUERY_COMMANDS:
        main.add_command(command)
