"""`python -m mkslog backup ...`: create, verify, list, prune and restore backups.

Each command resolves its defaults from mkslog.toml (``[backup]``, else the manual's paths), calls one
function of :mod:`mkslog.backup` (create, verify, prune, restore), and prints a short text or, with
``--as json``, one JSON document. Failures raise BackupError, which MkslogGroup prints as ``Error: ...``
with exit code 1; a backup directory is not checked by click (``readable=False``), so that one the
user cannot read gets the library's message saying how to fix it, not a usage error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from ..backup.create import PartialBackupError, create_backup
from ..backup.layout import KINDS, layout_root
from ..backup.log import BackupLog
from ..backup.pg import resolve_database_url
from ..backup.prune import list_backups, prune_backups
from ..backup.restore import restore_backup
from ..backup.verify import verify_backup
from ..config import Config, load_config
from ..errors import BackupError
from .common import MkslogGroup, config_option, echo_json, json_option, safe_text


@click.group("backup", cls=MkslogGroup)
def backup_group() -> None:
    """Create, verify, list, prune and restore backups (replaces the manual's backup.sh)."""


def _log_path(cfg: Config, root: Path | None) -> Path | None:
    """backup.log: as configured when mkslog.toml sets it, else ROOT/backup.log (the manual's place)."""
    if cfg.origin("backup.log") != "default":
        return Path(cfg.get("backup.log"))
    return root / "backup.log" if root is not None else None


def _log(cfg: Config, root: Path | None) -> BackupLog:
    """backup.log, stamped in source_timezone: the zone `mkslog.scan(kind="backup")` reads it in."""
    return BackupLog(_log_path(cfg, root), _zone(cfg))


def _zone(cfg: Config) -> str | None:
    return cfg.get("source_timezone") or None


def _root(cfg: Config, root: str | None) -> Path:
    return Path(root or cfg.get("backup.root")).absolute()


def _emit(as_json: bool, doc: dict[str, Any], text: str) -> None:
    if as_json:
        echo_json(doc)
    else:
        click.echo(safe_text(text))


@contextmanager
def _json_failure(as_json: bool, **context: Any) -> Iterator[None]:
    """With --as json, a failure still prints one JSON document (status "failed") before ``Error: ...``."""
    try:
        yield
    except PartialBackupError as exc:
        if as_json:
            echo_json({**asdict(exc.result), "error": str(exc)})
        raise
    except BackupError as exc:
        if as_json:
            echo_json({"status": "failed", **context, "error": str(exc)})
        raise


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


@backup_group.command("create")
@click.option("--kind", type=click.Choice(KINDS), default="manual", show_default=True,
              help="Backup kind: decides the folder and the retention.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Data directory (default: backup.data_dir).")
@click.option("--env-file", help="Env file to copy, '' for none (default: backup.env_file).")
@click.option("--database-url", help="PostgreSQL URL, '' for none (default: MKS_DATABASE_URL in the env "
              "file, else backup.database_url).")
@click.option("--root", type=click.Path(file_okay=False), help="Backup root (default: backup.root).")
@click.option("--no-verify", is_flag=True, help="Skip re-reading the new backup against its manifest.")
@config_option
@json_option
def create_cmd(kind, data_dir, env_file, database_url, root, no_verify, config_path, as_json) -> None:
    """Back up the data directory, the env file and the database into ROOT/KIND/YYYYmmdd.

    \b
    Example (cron, 02:00 every day):
      0 2 * * * python -m mkslog backup create --kind daily
    """
    cfg = load_config(config_path)
    root_path = _root(cfg, root)
    env = cfg.get("backup.env_file") if env_file is None else env_file
    url = resolve_database_url(database_url, env, cfg.get("backup.database_url"))
    with _json_failure(as_json, kind=kind, root=str(root_path)):
        made = create_backup(kind, root_path, data_dir or cfg.get("backup.data_dir"), env_file=env or None,
                                database_url=url, log_path=_log_path(cfg, root_path),
                                min_free_mb=int(cfg.get("backup.min_free_mb", 100)), verify=not no_verify,
                                zone=_zone(cfg))
    lines = [f"{kind.capitalize()} backup created: {made.path}"]
    lines += [f"  {f.name}  {f.size} bytes" for f in made.files]
    lines += [f"  skipped (not a file, dir or link): {name}" for name in made.skipped]
    lines.append(("Verified" if made.verified else "Not verified") + f" in {made.duration_s:.1f} s")
    _emit(as_json, asdict(made), "\n".join(lines))


@backup_group.command("verify")
@click.argument("backup_dir", type=click.Path(file_okay=False, readable=False))
@config_option
@json_option
def verify_cmd(backup_dir, config_path, as_json) -> None:
    """Re-read every file and archive member of BACKUP_DIR against its MANIFEST.json.

    Exit 0 only when everything matches; 1 otherwise.
    """
    cfg = load_config(config_path)
    path = Path(backup_dir).absolute()
    with _json_failure(as_json, path=str(path)):
        result = verify_backup(path, log=_log(cfg, layout_root(path)))
    if as_json:
        echo_json({**asdict(result), "status": "ok" if result.ok else "failed"})
    if not result.ok:
        raise BackupError(f"verification failed: {path}: " + "; ".join(result.problems))
    if not as_json:
        click.echo(safe_text(f"OK: {path} ({result.files} files, {result.members} archive members match "
                             "MANIFEST.json)"))


@backup_group.command("list")
@click.option("--root", type=click.Path(file_okay=False), help="Backup root (default: backup.root).")
@config_option
@json_option
def list_cmd(root, config_path, as_json) -> None:
    """List the backups per kind: date, size, and the last verification recorded in backup.log."""
    cfg = load_config(config_path)
    root_path = _root(cfg, root)
    if not root_path.is_dir():
        raise BackupError(f"no backup root at {root_path} (give --root or set backup.root in mkslog.toml)")
    infos, skipped = list_backups(root_path, log_path=_log_path(cfg, root_path))
    if as_json:
        echo_json({"root": str(root_path), "backups": [asdict(i) for i in infos], "skipped": skipped})
        return
    lines = []
    for kind in KINDS:
        rows = [i for i in infos if i.kind == kind]
        if rows:
            lines.append(f"{kind}:")
        for i in rows:
            state = {"ok": "verified", "failed": "VERIFY FAILED", "unknown": "not verified"}[i.verified]
            lines.append(f"  {i.path}  {i.created[:19].replace('T', ' ')}  {_mb(i.size):>10}  {state}"
                         + ("" if i.complete else "  (incomplete)"))
    lines += [f"skipped {s['path']}: {s['reason']}" for s in skipped]
    click.echo(safe_text("\n".join(lines) if lines else f"no backups in {root_path}"))


@backup_group.command("prune")
@click.option("--root", type=click.Path(file_okay=False), help="Backup root (default: backup.root).")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@config_option
@json_option
def prune_cmd(root, dry_run, config_path, as_json) -> None:
    """Remove backups older than backup.retention_days (daily 30, weekly 84, monthly 365, manual never).

    The newest verified backup of each kind is always kept; symlinks are never followed.
    """
    cfg = load_config(config_path)
    root_path = _root(cfg, root)
    log = _log(cfg, root_path)
    with _json_failure(as_json, root=str(root_path)):
        result = prune_backups(root_path, cfg.get("backup.retention_days"), dry_run=dry_run, log=log)
    verb = "would remove" if dry_run else "removed"
    lines = [f"{verb} {p}" for p in result.removed]
    lines += [f"kept {p} (expired, but the newest verified backup of its kind)" for p in result.protected]
    lines += [f"skipped {s['path']}: {s['reason']}" for s in result.skipped]
    lines.append(f"{len(result.removed)} {verb}, {result.kept} kept")
    _emit(as_json, {**asdict(result), "status": "ok"}, "\n".join(lines))


@backup_group.command("restore")
@click.argument("backup_dir", type=click.Path(file_okay=False, readable=False))
@click.option("--to", "target", required=True, type=click.Path(), help="Where the data directory goes; an "
              "existing one is moved aside to TARGET.old-YYYYmmdd_HHMMSS.")
@click.option("--database", "restore_db", is_flag=True, help="Also restore the database dump with psql.")
@click.option("--database-url", help="PostgreSQL URL (default: MKS_DATABASE_URL in the env file, else "
              "backup.database_url).")
@click.option("--env-file", help="Env file holding MKS_DATABASE_URL (default: backup.env_file).")
@config_option
@json_option
def restore_cmd(backup_dir, target, restore_db, database_url, env_file, config_path, as_json) -> None:
    """Verify BACKUP_DIR, then restore its data directory to --to (and the database with --database).

    Nothing is touched when the backup does not verify or holds an unsafe archive.
    """
    cfg = load_config(config_path)
    path = Path(backup_dir).absolute()
    url = None
    if restore_db:
        env = cfg.get("backup.env_file") if env_file is None else env_file
        url = resolve_database_url(database_url, env, cfg.get("backup.database_url"))
    log = _log(cfg, layout_root(path))
    with _json_failure(as_json, backup=str(path), target=str(Path(target).absolute())):
        result = restore_backup(path, target, database_url=url, restore_db=restore_db, log=log,
                                   min_free_mb=int(cfg.get("backup.min_free_mb", 100)))
    lines = [f"Restored {result.backup} to {result.target} ({result.members} archive members)"]
    if result.previous:
        lines.append(f"The previous {result.target} is now {result.previous}")
    if result.database:
        lines.append(f"Database restored into {result.database}")
    _emit(as_json, {**asdict(result), "status": "ok"}, "\n".join(lines))


def _shorthand(kind: str) -> click.Command:
    """``backup daily`` for ``backup create --kind daily``: the name the operations manual's cron
    lines and DESIGN.md use. Same options as ``create`` but --kind."""

    def callback(**options: Any) -> None:
        click.get_current_context().invoke(create_cmd, kind=kind, **options)

    return click.Command(kind, callback=callback, params=[p for p in create_cmd.params if p.name != "kind"],
                         help=f"Shorthand for `backup create --kind {kind}`.")


for _kind in ("daily", "weekly", "monthly"):
    backup_group.add_command(_shorthand(_kind))
