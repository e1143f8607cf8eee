"""`python -m mkslog logs prune|du`: log retention and disk use (the manual's ``find ... -mtime +30 -delete``).

Each command loads the config, calls one function of :mod:`mkslog.retention` and prints a short text
or, with ``--json``, one JSON document. Standard library and click only: no polars.
"""

from __future__ import annotations

from dataclasses import asdict

import click

from .common import MkslogGroup, config_option, echo_json, json_option, safe_text


@click.group("logs", cls=MkslogGroup)
def logs_group() -> None:
    """Log retention and disk use: prune rotated logs, size the log directories, store and backups."""


def human(size: int) -> str:
    """Bytes as ``du -h`` prints them (1024-based).

    >>> human(512), human(1536), human(5 * 1024 ** 3)
    ('512 B', '1.5 KiB', '5.0 GiB')
    """
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@logs_group.command("prune")
@click.option("--older-than", help="Age of the rotated logs to delete: 30d, 12h, 2w (default: "
              "retention.older_than, 30d).")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@config_option
@json_option
def prune_cmd(older_than, dry_run, config_path, as_json) -> None:
    """Delete rotated members of the configured log sets older than --older-than.

    Only rotated members go (app.log.1, app.log.2.gz, app.log-20261120.gz): never a live log, never a
    symlink, never a file outside the directories the [logs.*] paths name. Each removal and the bytes
    freed are logged to retention.log.

    \b
    Example (cron, 03:00 every day; the manual's find ... -mtime +30 -delete):
      0 3 * * * python -m mkslog logs prune --older-than 30d
    """
    from ..config import load_config
    from ..retention import log_sets, prune_logs
    from ..timespec import parse_duration

    cfg = load_config(config_path)
    age = parse_duration(older_than or cfg.get("retention.older_than") or "30d", default_unit="day")
    result = prune_logs(log_sets(cfg), age, dry_run=dry_run, log_path=cfg.get("retention.log") or None,
                        zone=cfg.get("source_timezone") or None)
    if as_json:
        echo_json({**asdict(result), "older_than_s": age.total_seconds()})
        return
    verb = "would delete" if dry_run else "deleted"
    lines = [f"{verb} {p} ({human(result.sizes[str(p)])})" for p in result.removed]
    lines += [f"skipped {s['path']}: {s['reason']}" for s in result.skipped]
    lines.append(f"{len(result.removed)} rotated logs {verb}, {human(result.bytes_freed)} "
                 f"{'would be ' if dry_run else ''}freed; {len(result.live)} live logs and {result.recent} "
                 "recent rotated logs kept")
    click.echo(safe_text("\n".join(lines)))


@logs_group.command("du")
@config_option
@json_option
def du_cmd(config_path, as_json) -> None:
    """Size of the configured log directories, the Parquet store and the backup root, largest first."""
    from ..config import load_config
    from ..retention import disk_usage

    usages = disk_usage(load_config(config_path))
    if as_json:
        echo_json([asdict(u) for u in usages])
        return
    for u in usages:
        size = f"{human(u.bytes):>10}  {u.files:>6} files" if u.exists else f"{'missing':>10}  {'':>12}"
        click.echo(safe_text(f"{size}  {u.path}  {u.what}"))
