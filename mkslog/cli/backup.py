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

from ..backup.create import PARTIAL_EXIT, PartialBackupError, create_backup
from ..backup.layout import KINDS, layout_root
from ..backup.log import BackupLog
from ..backup.pg import resolve_database_url
from ..backup.prune import list_backups, prune_backups
from ..backup.restore import restore_backup
from ..backup.verify import verify_backup
from ..config import Config, load_config
from ..errors import BackupError
from .backup_mail import mail_settings, send_backup_mail
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
@click.option("--data-dir", type=click.Path(file_okay=False, readable=False), help="Data directory (default: backup.data_dir).")
@click.option("--env-file", help="Env file to copy, '' for none (default: backup.env_file).")
@click.option("--database-url", help="PostgreSQL URL, '' for none (default: MKS_DATABASE_URL in the env "
              "file, else backup.database_url).")
@click.option("--extra", "extras", multiple=True, type=click.Path(),
              help="A further folder or file to back up, e.g. /etc/letsencrypt; repeatable (default: "
              "backup.extra_paths).")
@click.option("--root", type=click.Path(file_okay=False, readable=False), help="Backup root (default: backup.root).")
@click.option("--no-verify", is_flag=True, help="Skip re-reading the new backup against its manifest.")
@config_option
@json_option
def create_cmd(kind, data_dir, env_file, database_url, extras, root, no_verify, config_path, as_json) -> None:
    """Back up the data directory, the env file, the database and the extra parts into ROOT/KIND/YYYYmmdd.

    A missing data directory, env file or extra part is a warning (in backup.log and on stderr) and the
    rest is still backed up: exit 0 = complete, 3 = partial (a part missing, or the database dump
    failed), 1 = failed. With backup.email set, the outcome is mailed on success and on failure.

    \b
    Example (cron, 02:00 every day):
      0 2 * * * python -m mkslog backup create --kind daily
    """
    cfg = load_config(config_path)
    root_path = _root(cfg, root)
    env = cfg.get("backup.env_file") if env_file is None else env_file
    url = resolve_database_url(database_url, env, cfg.get("backup.database_url"))
    mail = mail_settings(cfg)
    try:
        with _json_failure(as_json, kind=kind, root=str(root_path)):
            made = create_backup(kind, root_path, data_dir or cfg.get("backup.data_dir"), env_file=env or None,
                                 database_url=url, log_path=_log_path(cfg, root_path),
                                 min_free_mb=int(cfg.get("backup.min_free_mb", 100)), verify=not no_verify,
                                 zone=_zone(cfg), extra_paths=list(extras) or cfg.get("backup.extra_paths") or [])
    except PartialBackupError as exc:
        send_backup_mail(mail, _log(cfg, root_path), "partial", kind, "\n".join([str(exc), *_made_lines(exc.result)]))
        raise
    except BackupError as exc:
        send_backup_mail(mail, _log(cfg, root_path), "failed", kind, f"{kind.capitalize()} backup failed: {exc}")
        raise
    lines = [f"{kind.capitalize()} backup created{' (partial)' if made.warnings else ''}: {made.path}"]
    lines += _made_lines(made)
    _emit(as_json, asdict(made), "\n".join(lines))
    for warning in made.warnings:
        click.echo(f"Warning: {safe_text(warning)}", err=True)
    send_backup_mail(mail, _log(cfg, root_path), made.status, kind,
                     "\n".join(lines + [f"Warning: {w}" for w in made.warnings]))
    if made.status == "partial":
        click.get_current_context().exit(PARTIAL_EXIT)


def _made_lines(made) -> list[str]:
    lines = [f"  {f.name}  {f.size} bytes" for f in made.files]
    lines += [f"  skipped (not a file, dir or link): {name}" for name in made.skipped]
    lines.append(("Verified" if made.verified else "Not verified") + f" in {made.duration_s:.1f} s")
    return lines


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
@click.option("--root", type=click.Path(file_okay=False, readable=False), help="Backup root (default: backup.root).")
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
@click.option("--root", type=click.Path(file_okay=False, readable=False), help="Backup root (default: backup.root).")
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
@click.option("--part", type=click.Choice(["data", "env"]), default="data", show_default=True,
              help="What to restore: the data directory, or the env file (.env.production, mode 0600).")
@click.option("--to", "target", type=click.Path(readable=False), help="Where it goes (data: required; env: default "
              "backup.env_file); an existing one is moved aside to TARGET.old-YYYYmmdd_HHMMSS.")
@click.option("--database", "restore_db", is_flag=True, help="Also restore the database dump with psql.")
@click.option("--database-url", help="PostgreSQL URL (default: MKS_DATABASE_URL in the env file, else "
              "backup.database_url).")
@click.option("--env-file", help="Env file holding MKS_DATABASE_URL (default: backup.env_file).")
@config_option
@json_option
def restore_cmd(backup_dir, part, target, restore_db, database_url, env_file, config_path, as_json) -> None:
    """Verify BACKUP_DIR, then restore its data directory to --to (and the database with --database),
    or with --part env its env file, mode 0600.

    Nothing is touched when the backup does not verify or holds an unsafe archive.
    """
    cfg = load_config(config_path)
    path = Path(backup_dir).absolute()
    log = _log(cfg, layout_root(path))
    if part == "env":
        from ..backup.drill import restore_env

        dest = Path(target or cfg.get("backup.env_file")).absolute()
        with _json_failure(as_json, backup=str(path), target=str(dest)):
            done = restore_env(path, dest, log=log)
        lines = [f"Restored the env file of {done.backup} to {done.target} (mode 0600)"]
        if done.previous:
            lines.append(f"The previous {done.target} is now {done.previous}")
        _emit(as_json, {**asdict(done), "status": "ok"}, "\n".join(lines))
        return
    if not target:
        raise click.UsageError("--to TARGET is required to restore the data directory")
    url = None
    if restore_db:
        env = cfg.get("backup.env_file") if env_file is None else env_file
        url = resolve_database_url(database_url, env, cfg.get("backup.database_url"))
    with _json_failure(as_json, backup=str(path), target=str(Path(target).absolute())):
        result = restore_backup(path, target, database_url=url, restore_db=restore_db, log=log,
                                   min_free_mb=int(cfg.get("backup.min_free_mb", 100)))
    lines = [f"Restored {result.backup} to {result.target} ({result.members} archive members)"]
    if result.previous:
        lines.append(f"The previous {result.target} is now {result.previous}")
    if result.database:
        lines.append(f"Database restored into {result.database}")
    _emit(as_json, {**asdict(result), "status": "ok"}, "\n".join(lines))


@backup_group.command("test-restore")
@click.argument("backup_dir", required=False, type=click.Path(file_okay=False, readable=False))
@click.option("--root", type=click.Path(file_okay=False), help="Backup root (default: backup.root).")
@click.option("--workdir", type=click.Path(file_okay=False), help="Where the temporary restore goes "
              "(default: the system's temp folder).")
@config_option
@json_option
def test_restore_cmd(backup_dir, root, workdir, config_path, as_json) -> None:
    """The monthly restore test: restore BACKUP_DIR (default: the newest backup) into a temporary
    directory, check every restored file's sha256 against MANIFEST.json, log the result, remove it.

    Exit 0 when every file matches, 1 otherwise.

    \b
    Example (cron, 05:00 on the 2nd of each month):
      0 5 2 * * python -m mkslog backup test-restore
    """
    from ..backup.drill import test_restore

    cfg = load_config(config_path)
    root_path = _root(cfg, root)
    if backup_dir:
        path = Path(backup_dir).absolute()
    else:
        infos = [i for i in list_backups(root_path)[0] if i.complete] if root_path.is_dir() else []
        if not infos:
            raise BackupError(f"no complete backup in {root_path} to test (give BACKUP_DIR, --root, or set "
                              "backup.root in mkslog.toml)")
        path = max(infos, key=lambda i: i.mtime).path
    result = test_restore(path, log=_log(cfg, layout_root(path)), workdir=workdir)
    if as_json:
        echo_json({**asdict(result), "status": "ok" if result.ok else "failed"})
    if not result.ok:
        raise BackupError(f"restore test failed: {path}: " + "; ".join(result.problems))
    if not as_json:
        click.echo(safe_text(f"Restore test OK: {path} ({result.files_checked} files restored and checked "
                             f"against MANIFEST.json, {result.duration_s:.1f} s)"))


def _shorthand(kind: str) -> click.Command:
    """``backup daily`` for ``backup create --kind daily``: the name the operations manual's cron
    lines and DESIGN.md use. Same options as ``create`` but --kind."""

    def callback(**options: Any) -> None:
        click.get_current_context().invoke(create_cmd, kind=kind, **options)

    return click.Command(kind, callback=callback, params=[p for p in create_cmd.params if p.name != "kind"],
                         help=f"Shorthand for `backup create --kind {kind}`.")


for _kind in ("daily", "weekly", "monthly"):
    backup_group.add_command(_shorthand(_kind))
