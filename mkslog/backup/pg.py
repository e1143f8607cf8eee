"""PostgreSQL for backups: dump with ``pg_dump``, restore with ``psql`` (URLs: :mod:`mkslog.pgconn`).

Credentials never go on a command line, where every local user could read them with ``ps``: the URL
becomes libpq environment variables (PGUSER, PGPASSWORD, PGHOST ...) of the child process only.
Standard library only (no polars, no parsers), like :mod:`mkslog.backup.create`.

>>> t = parse_database_url("postgresql://mks:p%40ss@db.local:5433/mirai?sslmode=require")
>>> [t.env[k] for k in ("PGUSER", "PGPASSWORD", "PGHOST", "PGPORT", "PGDATABASE", "PGSSLMODE")]
['mks', 'p@ss', 'db.local', '5433', 'mirai', 'require']
>>> t.display
'postgresql://mks:***@db.local:5433/mirai?sslmode=require'
"""

from __future__ import annotations

import gzip
import os
import subprocess
import tempfile
from pathlib import Path

from ..errors import BackupError
from ..pgconn import PARAM_ENV, SCHEMES, PgTarget, child_env, find_binary, parse_database_url

CHUNK = 1 << 20


def env_file_value(path: str | os.PathLike, key: str) -> str | None:
    """The value of ``key`` in a dotenv file (``KEY=value``, optional ``export`` and quotes), else None.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / ".env"
    >>> _ = p.write_text('# db\\nexport MKS_DATABASE_URL="postgresql://u@h/db"  \\nX=1 # c\\n')
    >>> env_file_value(p, "MKS_DATABASE_URL"), env_file_value(p, "X"), env_file_value(p, "Y")
    ('postgresql://u@h/db', '1', None)
    """
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise BackupError(f"cannot read the env file {path}: {exc.strerror} (check --env-file)") from exc
    found = None
    for line in lines:
        name, sep, value = line.strip().removeprefix("export ").partition("=")
        if not sep or name.strip() != key:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].strip()
        found = value  # like a shell, the last assignment wins
    return found


def resolve_database_url(explicit: str | None, env_file: str | None, configured: str | None) -> str | None:
    """``--database-url``, else ``MKS_DATABASE_URL`` in the env file, else ``backup.database_url``.

    An explicit empty string means "no database". Returns None when nothing is configured.

    >>> resolve_database_url("", None, "postgresql:///x") is None
    True
    """
    if explicit is not None:
        return explicit or None
    if env_file and Path(env_file).is_file():
        from_env = env_file_value(env_file, "MKS_DATABASE_URL")
        if from_env:
            return from_env
    return configured or None


def dump_command(target: PgTarget) -> list[str]:
    """argv of pg_dump: plain SQL that drops and re-creates every object, so a restore is clean.

    >>> any("secret" in a for a in dump_command(parse_database_url("postgresql://u:secret@h/db")))
    False
    """
    # --no-password: fail at once instead of waiting for a prompt nobody answers under cron.
    return [find_binary("pg_dump"), "--no-password", "--clean", "--if-exists", "--format=plain"]


def restore_command(target: PgTarget) -> list[str]:
    """argv of psql: stop at the first error, and run the whole dump in one transaction."""
    return [find_binary("psql"), "--no-password", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1",
            "--single-transaction", "--file=-"]


def dump_database(url: str, dest: Path) -> int:
    """Run pg_dump for ``url`` and gzip its output into ``dest`` (mode 0600); return the file size."""
    target = parse_database_url(url)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    # stderr goes to a file, not a pipe: a full pipe would block pg_dump while we read stdout.
    with os.fdopen(fd, "wb") as raw, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(dump_command(target), stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.DEVNULL, env=child_env(target))
        with proc.stdout, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, filename="") as gz:
            while chunk := proc.stdout.read(CHUNK):
                gz.write(chunk)
        code = proc.wait()
        if code != 0:
            raise BackupError(f"pg_dump of {target.display} exited with {code}: {_tail(err)}")
        raw.flush()
        os.fsync(raw.fileno())
    return dest.stat().st_size


def restore_database(url: str, dump: Path) -> None:
    """Create the database when it is missing, then feed the gunzipped dump to psql in one transaction."""
    target = parse_database_url(url)
    ensure_database(target)
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(restore_command(target), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=err, env=child_env(target))
        try:
            with gzip.open(dump, "rb") as gz, proc.stdin:
                while chunk := gz.read(CHUNK):
                    proc.stdin.write(chunk)
        except BrokenPipeError:
            pass  # psql stopped early; its exit code and stderr below say why
        except (OSError, EOFError) as exc:
            proc.kill()
            proc.wait()
            raise BackupError(f"cannot read the dump {dump}: {exc} (verify the backup)") from exc
        code = proc.wait()
        if code != 0:
            raise BackupError(f"psql restore into {target.display} exited with {code}: {_tail(err)} "
                              "(the transaction was rolled back; fix the cause and restore again)")


def ensure_database(target: PgTarget) -> None:
    """Create the target database (owned by the URL's user) when it does not exist, e.g. after DROP."""
    if not target.dbname or _run_sql(target, "SELECT 1", target.dbname)[0] == 0:
        return
    # The target is unreachable: ask the maintenance database whether it exists at all.
    sql = "SELECT count(*) FROM pg_database WHERE datname = :'db'"
    code, out = _run_sql(target, sql, "postgres")
    if code != 0:
        raise BackupError(f"cannot connect to {target.display}: {out} (check the URL, the server and pg_hba.conf)")
    if out.strip() == "0":
        code, out = _run_sql(target, 'CREATE DATABASE :"db"', "postgres")
        if code != 0:
            raise BackupError(f"database {target.dbname!r} is missing and could not be created: {out} "
                              f"(create it as a superuser: createdb -O <user> {target.dbname})")


def _run_sql(target: PgTarget, sql: str, dbname: str) -> tuple[int, str]:
    """Run one statement with ``:'db'`` bound to the target's name (psql quotes it safely)."""
    env = child_env(target) | {"PGDATABASE": dbname}
    cmd = [find_binary("psql"), "--no-password", "--no-psqlrc", "-tA", "-v", "ON_ERROR_STOP=1",
           "-v", f"db={target.dbname}"]
    proc = subprocess.run(cmd, input=sql + ";\n", capture_output=True, text=True, env=env, check=False)
    return proc.returncode, (proc.stdout if proc.returncode == 0 else proc.stderr).strip()


def _tail(err, limit: int = 2000) -> str:
    err.seek(0)
    text = err.read().decode("utf-8", "replace").strip()
    return (text[-limit:] if text else "no error output").replace("\n", " | ")


__all__ = ["CHUNK", "PARAM_ENV", "SCHEMES", "PgTarget", "child_env", "dump_command", "dump_database",
           "ensure_database", "env_file_value", "find_binary", "parse_database_url", "resolve_database_url",
           "restore_command", "restore_database"]
