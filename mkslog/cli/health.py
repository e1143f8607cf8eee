"""`python -m mkslog health ...`: the manual's health_check.sh, system_metrics.sh and certificate mail.

Each command loads the config, calls one function of :mod:`mkslog.health` (http_check, metrics, certificate), appends the manual's
log line, hands the result to :mod:`mkslog.health.alerts`, and exits 0 (fine) or 1 (down, over, expiring),
so cron and systemd can act on the exit code. The library modules are imported inside the commands:
``mkslog top-ips`` should not pay for psutil, and nothing here loads polars.
"""

from __future__ import annotations

import socket
from typing import Any

import click

from .common import MkslogGroup, config_option, echo_json, json_option, safe_text


@click.group("health", cls=MkslogGroup)
def health_group() -> None:
    """HTTP checks, system metrics, certificate expiry and alerts (replaces health_check.sh).

    Each command exits 0 when all is well and 1 otherwise, and alerts (alert log line, plus
    e-mail when alerts.smtp_host is set) at most once per health.quiet_minutes per problem.
    """


@health_group.command("check", short_help="GET a URL: exit 0 on 2xx, 1 when down.")
@click.option(
    "--url", help="URL to GET (default: health.url, the manual's http://localhost:5000/api/v1/health)."
)
@click.option("--timeout", type=float, help="Seconds for the whole check (default: health.timeout, 10).")
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, readable=False),
    help="health_check.log to append to (default: health.log).",
)
@click.option(
    "--follow-redirects", is_flag=True, help="Follow up to 5 redirects; without it any 3xx counts as down."
)
@click.option(
    "--cafile",
    type=click.Path(dir_okay=False, readable=False),
    help="PEM CA bundle to verify https against (default: the system's).",
)
@config_option
@json_option
@click.pass_context
def check_command(
    ctx: click.Context,
    url: str | None,
    timeout: float | None,
    log_path: str | None,
    follow_redirects: bool,
    cafile: str | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """GET a URL: exit 0 when it answers 2xx in time, 1 otherwise.

    Only a 2xx status is healthy; a 3xx (unless --follow-redirects), 4xx, 5xx, timeout, refused
    connection, DNS or TLS failure is down. Appends the manual's line to health_check.log:

    \b
    2025-01-06 09:30:00 - OK: Service is running (200, 12 ms)
    2025-01-06 09:35:00 - ERROR: Service is down (connection refused)
    """
    from ..config import load_config
    from ..health.alerts import AlertSettings
    from ..health.http_check import check_url

    cfg = load_config(config_path)
    settings = AlertSettings.from_config(cfg)
    zone = settings.zone  # source_timezone: the zone the health reader reads the line in
    url = str(url or cfg.get("health.url") or "")
    log_path = log_path or cfg.get("health.log")
    result = check_url(
        url,
        timeout if timeout is not None else float(cfg.get("health.timeout")),
        follow_redirects=follow_redirects,
        cafile=cafile,
    )
    line = result.log_line(zone=zone)
    _append(log_path, line)
    outcome = _notify(settings, result.alert_key, not result.healthy, result.summary(), result.as_dict())
    if as_json:
        echo_json(
            {
                "check": "http",
                **result.as_dict(),
                "log": log_path,
                "log_line": line,
                "alert": _alert_json(outcome),
            }
        )
        _warn_mail_errors([outcome])
    else:
        click.echo(("OK: " if result.healthy else "DOWN: ") + safe_text(result.summary()))
        _echo_outcomes([outcome], settings.zone)
    ctx.exit(0 if result.healthy else 1)


@health_group.command("metrics", short_help="CPU, memory, every disk's use: exit 1 over a threshold.")
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, readable=False),
    help="metrics.log to append to (default: health.metrics_log).",
)
@click.option(
    "--disk-path", "disk_paths", multiple=True,
    help="Mount point or folder whose disk use counts; repeat for several (default: health.disk_path, "
    "else every mounted real filesystem).",
)
@click.option(
    "--cpu-interval", type=float, help="Seconds to sample CPU use over (default: health.cpu_interval, 1)."
)
@config_option
@json_option
@click.pass_context
def metrics_command(
    ctx: click.Context,
    log_path: str | None,
    disk_paths: tuple[str, ...],
    cpu_interval: float | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Measure CPU, memory and the use of every disk: exit 0 under the thresholds, 1 when one is over.

    Thresholds are thresholds.cpu/memory/disk in mkslog.toml (80/85/85 %), and per mount
    [health.disk_thresholds] ("/var/lib/postgresql" = 90); a value strictly above its threshold
    alerts, once per metric and per mount. Appends the manual's line to metrics.log, its Disk
    the fullest filesystem checked:

    \b
    2025-01-06 09:30:00,CPU:12.5,Memory:40.1,Disk:63
    """
    from ..config import load_config
    from ..health.alerts import AlertSettings
    from ..health.disks import disk_thresholds
    from ..health.metrics import collect_metrics, thresholds_from

    cfg = load_config(config_path)
    settings = AlertSettings.from_config(cfg)
    limits = thresholds_from(cfg.get("thresholds", {}))
    log_path = log_path or cfg.get("health.metrics_log")
    interval = cpu_interval if cpu_interval is not None else float(cfg.get("health.cpu_interval", 1.0))
    configured = cfg.get("health.disk_path") or []
    metrics = collect_metrics(list(disk_paths) or ([configured] if isinstance(configured, str) else configured),
                              interval)
    disk_limits = disk_thresholds(metrics.disks, limits["disk"], cfg.get("health.disk_thresholds"))
    line = metrics.log_line(settings.zone)  # in source_timezone, the zone the metrics reader reads it in
    _append(log_path, line)
    host = socket.gethostname()
    over = metrics.breaches(limits)
    disks_over = metrics.disk_breaches(disk_limits)
    outcomes = []
    for name in over:
        text = metrics.summary(name, limits[name], host)
        facts = {"metric": name, "value": getattr(metrics, name), "threshold": limits[name]}
        outcomes.append(_notify(settings, f"metrics:{name}", over[name], text, facts))
    for disk in metrics.disks:
        text = metrics.disk_summary(disk, disk_limits[disk.path], host)
        facts = {"metric": "disk", "value": disk.percent, "threshold": disk_limits[disk.path], **disk.as_dict()}
        outcomes.append(_notify(settings, f"metrics:disk:{disk.path}", disks_over[disk.path], text, facts))
    failing = any(over.values()) or any(disks_over.values())
    if as_json:
        echo_json(
            {
                "check": "metrics",
                "status": "over" if failing else "ok",
                **metrics.values(),
                "disk_path": metrics.disk_path,
                "disks": [{**d.as_dict(), "threshold": disk_limits[d.path], "over": disks_over[d.path]}
                          for d in metrics.disks],
                "thresholds": limits,
                "over": [name for name, flag in over.items() if flag]
                + [f"disk:{path}" for path, flag in disks_over.items() if flag],
                "log": log_path,
                "log_line": line,
                "alerts": [_alert_json(o) for o in outcomes if o is not None],
            }
        )
        _warn_mail_errors(outcomes)
    else:
        for name in over:
            mark = "  OVER" if over[name] else ""
            click.echo(f"{name:<7}{metrics.shown(name):>6} %  (threshold {limits[name]:g} %){mark}")
        for disk in metrics.disks:
            mark = "  OVER" if disks_over[disk.path] else ""
            click.echo(f"{'disk':<7}{disk.percent:>6} %  (threshold {disk_limits[disk.path]:g} %, "
                       f"{safe_text(disk.path)}){mark}")
        _echo_outcomes(outcomes, settings.zone)
    ctx.exit(1 if failing else 0)


@health_group.command("cert", short_help="Days until a TLS certificate expires: exit 1 when near.")
@click.option("--host", help="Server to check (default: health.cert_host).")
@click.option("--port", type=int, help="TLS port (default: health.cert_port, 443).")
@click.option(
    "--warn-days", type=click.IntRange(min=0), help="Warn when fewer days than this are left (default: health.warn_days, 21)."
)
@click.option(
    "--cafile",
    type=click.Path(dir_okay=False, readable=False),
    help="PEM CA bundle to verify against (default: the system's).",
)
@click.option("--timeout", type=float, help="Seconds to connect and handshake (default: health.timeout, 10).")
@config_option
@json_option
@click.pass_context
def cert_command(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    warn_days: int | None,
    cafile: str | None,
    timeout: float | None,
    config_path: str | None,
    as_json: bool,
) -> None:
    """Days until the server's TLS certificate expires: exit 0 when fine, 1 otherwise.

    Exit 1 when fewer than --warn-days are left, when it has expired, when it does not verify
    (wrong host name, unknown issuer ...: the reason is printed), or when the server cannot be reached.
    """
    from ..config import load_config
    from ..health.alerts import AlertSettings
    from ..health.certificate import check_cert

    cfg = load_config(config_path)
    settings = AlertSettings.from_config(cfg)
    result = check_cert(
        host or cfg.get("health.cert_host") or "",
        port if port is not None else int(cfg.get("health.cert_port")),
        warn_days=warn_days if warn_days is not None else int(cfg.get("health.warn_days")),
        cafile=cafile,
        timeout=timeout if timeout is not None else float(cfg.get("health.timeout")),
    )
    outcome = _notify(settings, result.alert_key, not result.ok, result.summary(), result.as_dict())
    if as_json:
        echo_json({"check": "cert", **result.as_dict(), "alert": _alert_json(outcome)})
        _warn_mail_errors([outcome])
    else:
        click.echo(f"{result.status.upper()}: {safe_text(result.summary())}")
        _echo_outcomes([outcome], settings.zone)
    ctx.exit(0 if result.ok else 1)


@health_group.command("db", short_help="PostgreSQL's slowest statements (pg_stat_statements).")
@click.option("--url", help="PostgreSQL URL (default: MKS_DATABASE_URL in backup.env_file, else "
              "backup.database_url).")
@click.option("-n", "--top", "top", type=click.IntRange(min=1), default=10, show_default=True, metavar="N",
              help="How many statements to show (the highest mean time first).")
@config_option
@json_option
def db_command(url: str | None, top: int, config_path: str | None, as_json: bool) -> None:
    """The statements with the highest mean time, from pg_stat_statements (old and new column names).

    Exit 1 with a message saying how to install it when the extension is missing.
    """
    from dataclasses import asdict

    from ..backup.pg import resolve_database_url
    from ..config import load_config
    from ..errors import HealthError
    from ..health.db import slow_queries
    from ..text import one_line

    cfg = load_config(config_path)
    url = resolve_database_url(url, cfg.get("backup.env_file"), cfg.get("backup.database_url"))
    if not url:
        raise HealthError("no database URL: give --url, or set MKS_DATABASE_URL in the env file or "
                          "backup.database_url in mkslog.toml")
    rows = slow_queries(url, top)
    if as_json:
        echo_json([asdict(r) for r in rows])
        return
    click.echo(f"{'mean_ms':>12} {'calls':>10} {'total_ms':>14}  query")
    for r in rows:
        text = one_line(" ".join(r.query.split()))  # SQL over several lines: one row
        click.echo(f"{r.mean_ms:>12.2f} {r.calls:>10} {r.total_ms:>14.2f}  "
                   f"{safe_text(text[:117] + '...' if len(text) > 120 else text)}")
    if not rows:
        click.echo("(no statements recorded yet)")


# --------------------------------------------------------------------------------------------
# shared by the commands


def _append(log_path: str | None, line: str) -> None:
    from ..errors import HealthError
    from ..health.logfile import append_line

    if not log_path:
        raise HealthError("no log file: pass --log or set it in the [health] table of mkslog.toml")
    append_line(log_path, line)


def _notify(settings: Any, key: str, failing: bool, summary: str, facts: dict[str, Any]) -> Any:
    """Alert (or resolve) ``key``; the mail body carries the host, the time and the result's facts."""
    from ..health.alerts import compose_body, notify
    from ..health.logfile import timestamp

    when = f"{timestamp(zone=settings.zone)} ({settings.zone})"
    body = compose_body(summary, {"host": socket.gethostname(), "time": when, **facts})
    return notify(settings, key, failing=failing, subject=summary, body=body)


def _alert_json(outcome: Any) -> dict[str, Any] | None:
    return None if outcome is None else outcome.as_dict()


def _echo_outcomes(outcomes: list[Any], zone: str) -> None:
    """Say what happened to each alert; a failed mail also goes to stderr (cron mails stderr)."""
    for outcome in outcomes:
        if outcome is None:
            continue
        label = "alert" if outcome.kind == "alert" else "resolved"
        if outcome.suppressed:
            until = _local_time(outcome.quiet_until, zone)
            click.echo(f"{label} suppressed (quiet period until {until}): {safe_text(outcome.subject)}")
        elif outcome.mailed_to:
            click.echo(f"{label} mailed to {', '.join(outcome.mailed_to)}: {safe_text(outcome.subject)}")
        else:
            click.echo(f"{label} logged: {safe_text(outcome.subject)}")
    _warn_mail_errors(outcomes)


def _local_time(iso: str | None, zone: str) -> str:
    """An ISO timestamp from the state file (UTC), shown like the log lines: wall time of ``zone``."""
    import datetime as dt

    from ..health.logfile import timestamp

    if not iso:
        return "?"
    when = dt.datetime.fromisoformat(iso)
    return timestamp(when if when.tzinfo else when.replace(tzinfo=dt.UTC), zone)


def _warn_mail_errors(outcomes: list[Any]) -> None:
    """A failed alert mail does not fail the check, but it must be seen: stderr, which cron mails."""
    for outcome in outcomes:
        if outcome is not None and outcome.mail_error:
            click.echo(f"Warning: {safe_text(outcome.mail_error)}", err=True)
