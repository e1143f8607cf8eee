"""The error-log and incident commands: ``templates``, ``upstreams``, ``workers``, ``timeline``.

Each reads the logs through :class:`~mkslog.cli.run.QueryRun` (``mkslog.scan`` with the window
and the zone), calls one function of :mod:`mkslog.queries.errorlogs` or
:mod:`mkslog.queries.timeline` and hands the frame to a presenter. Without PATHS the configured
``[logs.nginx_error]`` and ``[logs.gunicorn_error]`` are read.

>>> from click.testing import CliRunner  # doctest: +SKIP
>>> CliRunner().invoke(main, ["timeline", "--since", "2026-11-18 13:55", "--until", "2026-11-18 14:30"])  # doctest: +SKIP
"""

from __future__ import annotations

import click

from .common import safe_text
from .logs import output_options
from .run import LEVELS, QueryRun, check_every, paths_argument, render_frame, top_option, window_options

ERROR_LOG_KINDS = ["app", "gunicorn-error", "nginx-error"]


def _error_logs(run: QueryRun, paths, kind: str | None, default_kinds: tuple[str, ...]):
    """PATHS (each file read as its kind, or ``kind``), else the configured logs of ``default_kinds``."""
    import polars as pl

    if paths or kind:
        return run.error_logs(paths, kind)
    frames = [run.error_logs((), k) for k in default_kinds]
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical_relaxed")


@click.command("templates")
@paths_argument
@click.option("--kind", type=click.Choice(ERROR_LOG_KINDS), default=None,
              help="Read every file as this kind (default: detected; without PATHS the nginx and gunicorn error logs).")
@click.option("--level", type=click.Choice(LEVELS, case_sensitive=False), default="WARNING", show_default=True,
              help="Group records at this level and above.")
@top_option("templates")
@window_options
@output_options
def templates_cmd(paths, kind, level, top_n, since, until, tz, config_path, output, out_file):
    """Error-log messages grouped into templates (numbers, ids, addresses, paths folded) with count,
    first and last seen: what kinds of errors there were, not every line."""
    from ..queries import message_templates

    run = QueryRun(config_path, since, until, tz)
    lf = _error_logs(run, paths, kind, ("nginx-error", "gunicorn-error"))
    df = message_templates(lf, top_n, level=level)
    if output in ("table", "markdown"):
        df = df.drop("example")
    run.emit(render_frame(df, output, run.title(f"Top {top_n} message templates ({level.upper()} and above)")),
             out_file)


@click.command("upstreams")
@paths_argument
@click.option("--every", default="1h", show_default=True, callback=lambda c, p, v: check_every(v),
              help="Bucket size: 15m, 1h, 1d ...")
@click.option("--explain", is_flag=True,
              help="Instead: the access log's 502/503/504 answers, each joined to the upstream failure that explains "
                   "it (same client and request, within --tolerance); unexplained ones have no failure.")
@click.option("--access-log", "access_logs", multiple=True, type=click.Path(),
              help="Access log for --explain (repeatable; default: [logs.access]).")
@click.option("--tolerance", default="2s", show_default=True, help="How far apart the two lines may be (--explain).")
@window_options
@output_options
def upstreams_cmd(paths, every, explain, access_logs, tolerance, since, until, tz, config_path, output, out_file):
    """Upstream failures of the nginx error log (refused, timed out, closed ...) per upstream and
    hour, or with --explain the 502/504 responses they explain."""
    from ..queries import explain_gateway_errors, upstream_failures_over_time

    run = QueryRun(config_path, since, until, tz)
    nginx = run.log(paths, "nginx-error")
    if explain:
        df = explain_gateway_errors(nginx, run.access(access_logs), tolerance=tolerance)
        title = "Gateway errors (502/503/504) and the upstream failures that explain them"
    else:
        df, title = upstream_failures_over_time(nginx, every), f"Upstream failures per {every}"
    run.emit(render_frame(df, output, run.title(title)), out_file)


@click.command("workers")
@paths_argument
@click.option("--every", default="1h", show_default=True, callback=lambda c, p, v: check_every(v),
              help="Bucket size: 15m, 1h, 1d ...")
@click.option("--boots", is_flag=True,
              help="Instead: runs of master starts, with boot_loop (3 or more starts within --window) and down "
                   "(workers failed to boot and the master stopped).")
@click.option("--window", default="10m", show_default=True, help="Starts this close together are one run (--boots).")
@window_options
@output_options
def workers_cmd(paths, every, boots, window, since, until, tz, config_path, output, out_file):
    """gunicorn worker events per hour: timeouts, OOM kills (SIGKILL), crashes, failed boots, boots,
    exits, master starts and stops, signals; or with --boots the master's starts and boot loops."""
    from ..queries import boot_loops, worker_events

    run = QueryRun(config_path, since, until, tz)
    lf = run.log(paths, "gunicorn-error")
    if boots:
        df = boot_loops(lf, window=window)
        for row in df.filter(df["boot_loop"] | df["down"]).iter_rows(named=True):
            what = "boot loop" if row["boot_loop"] else "the service went down after a failed boot"
            click.echo(f"Warning: {what}: {row['starts']} start(s), {row['boot_failures']} failed boot(s) "
                       f"{row['start']:%Y-%m-%d %H:%M:%S} - {row['end']:%H:%M:%S}", err=True)
        title = "gunicorn master starts"
    else:
        df, title = worker_events(lf, every), f"gunicorn worker events per {every}"
    run.emit(render_frame(df, output, run.title(title)), out_file)


@click.command("timeline")
@click.option("--burst", "burst_5xx", type=click.IntRange(min=1), default=5, show_default=True,
              help="A minute with this many 5xx answers starts a 5xx burst.")
@click.option("--slow", "slow_ms", type=click.FloatRange(min=0), default=None,
              help="Latency spike threshold in ms (default: thresholds.slow_ms in the config).")
@click.option("--min-slow", type=click.IntRange(min=1), default=3, show_default=True,
              help="A minute with this many slow requests starts a latency spike.")
@click.option("--gap", default="10m", show_default=True,
              help="Repeats of one event no further apart than this are one row with a count.")
@click.option("--source", "sources", multiple=True,
              type=click.Choice(["access", "nginx-error", "gunicorn-error", "app", "health", "metrics", "backup",
                                 "journal"]),
              help="Only these logs (repeatable; default: every configured log).")
@window_options
@output_options
def timeline_cmd(burst_5xx, slow_ms, min_slow, gap, sources, since, until, tz, config_path, output, out_file):
    """Every configured log merged in time order for an incident window: 5xx bursts, latency
    spikes, app errors, nginx errors, gunicorn worker events, failed health checks, metric
    threshold breaches, backup failures; one row per event with a pointer (file:line)."""
    from ..queries.timeline import SOURCES, timeline

    if not since:
        raise click.UsageError("give the incident window: --since (and --until), e.g. --since '2026-11-18 13:55'")
    run = QueryRun(config_path, since, until, tz)
    if click.get_current_context().meta.get("mkslog_store"):
        raise click.UsageError("timeline reads every log as text; --store holds the access log only")
    stats, missing = {}, {}
    paths = {kind: None for kind in SOURCES if not sources or kind in sources}
    options = {"slow_ms": slow_ms} if slow_ms is not None else {}
    df = timeline(run.start, run.end, config=run.cfg, tz=run.tz, paths=paths if sources else None, stats=stats,
                  missing=missing, burst_5xx=burst_5xx, min_slow=min_slow, gap=gap, **options)
    for kind, reason in missing.items():
        click.echo(f"Note: the {kind} log is left out ({safe_text(reason)})", err=True)
    for kind_stats in stats.values():
        run.stats.append(kind_stats)
        run.required.append(False)
    run.emit(render_frame(df, output, run.title("Timeline")), out_file)


@click.group("incident")
def incident_group():
    """Incident handling: preserve the logs of an incident window (the manual's first step)."""


@incident_group.command("collect")
@click.option("--ip", default=None, metavar="ADDR|CIDR",
              help="Only this client's lines of the access and nginx error logs (the other logs: the whole window).")
@click.option("-o", "--output", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder to create the bundle in.")
@click.option("--out", "old_out", type=click.Path(file_okay=False), hidden=True, help="Old spelling of -o/--output DIR.")
@window_options
def collect_cmd(ip, out_dir, old_out, since, until, tz, config_path):
    """Copy the raw lines of --since..--until from every configured log, with the timeline and a
    summary, into a dated read-only bundle with MANIFEST.json (sha256 of each file)."""
    import json

    from ..incident_bundle import collect_bundle

    out_dir = old_out or out_dir

    if not since or not until:
        raise click.UsageError("give the incident window: --since and --until, e.g. --since '2026-11-18 13:55' "
                               "--until '2026-11-18 14:30'")
    run = QueryRun(config_path, since, until, tz)
    bundle = collect_bundle(run.start, run.end, config=run.cfg, out_dir=out_dir, ip=ip, tz=run.tz)
    manifest = json.loads((bundle / "MANIFEST.json").read_text(encoding="utf-8"))
    for name, reason in manifest["left_out"].items():
        click.echo(f"Note: {name} is left out ({safe_text(reason)})", err=True)
    lines = sum(f.get("lines", 0) for f in manifest["files"] if f["path"].startswith("logs/"))
    click.echo(f"{safe_text(str(bundle))}: {len(manifest['files'])} files, {lines} log lines (MANIFEST.json)")


INCIDENT_COMMANDS = (templates_cmd, upstreams_cmd, workers_cmd, timeline_cmd, incident_group)


def register_incident_commands(main: click.Group) -> None:
    """Add the error-log and incident commands to the main group."""
    for command in INCIDENT_COMMANDS:
        main.add_command(command)
