"""PostgreSQL for backups: parse a database URL, dump with ``pg_dump``, restore with ``psql``.

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

import glob
import gzip
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from ..errors import BackupError

#: URL query parameters libpq understands, and the environment variable each one becomes.
PARAM_ENV = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "client_encoding": "PGCLIENTENCODING",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "gssencmode": "PGGSSENCMODE",
    "channel_binding": "PGCHANNELBINDING",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
}
SCHEMES = ("postgresql", "postgres")
CHUNK = 1 << 20


@dataclass(frozen=True)
class PgTarget:
    """A parsed database URL: libpq environment variables plus a password-free text for logs."""

    env: dict[str, str] = field(repr=False)  # holds the password: never print it
    display: str
    dbname: str


def parse_database_url(url: str) -> PgTarget:
    """Parse ``postgresql://user:password@host:port/dbname?param=value`` into libpq variables.

    Percent-escapes are decoded everywhere; the host may be a socket directory, percent-encoded
    or given as ``?host=/run/postgresql``. SQLAlchemy's ``postgresql+psycopg2://`` works too.

    >>> t = parse_database_url("postgres://%2Fvar%2Frun%2Fpostgresql/mirai")
    >>> t.env["PGHOST"], t.display
    ('/var/run/postgresql', 'postgresql://%2Fvar%2Frun%2Fpostgresql/mirai')
    >>> parse_database_url("postgresql:///mirai?host=/tmp/pg&user=mks").env["PGHOST"]
    '/tmp/pg'
    """
    how = "write it as postgresql://user:password@host:port/dbname (percent-encode special characters)"
    parts = urlsplit(url.strip())
    if parts.scheme.split("+")[0] not in SCHEMES:
        raise BackupError(f"not a PostgreSQL URL (scheme {parts.scheme or 'missing'!r}): {how}")
    try:
        port = parts.port
    except ValueError as exc:
        raise BackupError(f"bad port in the database URL ({exc}): {how}") from exc
    # urlsplit's .hostname lowercases and cannot hold a socket path: take the raw netloc part.
    host = parts.netloc.rpartition("@")[2]
    if port is not None:
        host = host.rpartition(":")[0]
    values = {
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "host": unquote(host.strip("[]")),
        "port": str(port or ""),
        "dbname": unquote(parts.path.lstrip("/")),
    }
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in PARAM_ENV:
            known = ", ".join(sorted(PARAM_ENV))
            raise BackupError(f"unknown parameter {key!r} in the database URL (libpq knows: {known})")
        values[key] = value
    env = {PARAM_ENV[k]: v for k, v in values.items() if v}
    return PgTarget(env=env, display=_display(values), dbname=values["dbname"])


def _display(values: dict[str, str]) -> str:
    """The URL again, with the password replaced by ``***`` (for logs, JSON and error messages)."""
    user = quote(values["user"], safe="")
    auth = f"{user}:***@" if values["password"] else (f"{user}@" if user else "")
    host = values["host"]
    host = quote(host, safe="") if host.startswith("/") else (f"[{host}]" if ":" in host else host)
    netloc = auth + host + (f":{values['port']}" if values["port"] else "")
    query = {k: v for k, v in values.items() if k not in ("user", "password", "host", "port", "dbname")}
    return f"postgresql://{netloc}/{quote(values['dbname'], safe='')}" + (f"?{urlencode(query)}" if query else "")


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


def find_binary(name: str) -> str:
    """``name`` on PATH, else the newest ``/usr/lib/postgresql/*/bin/name`` (Debian keeps them there)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)")


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def child_env(target: PgTarget) -> dict[str, str]:
    """The environment for pg_dump/psql: ours, with the URL's settings on top.

    PGCONNECT_TIMEOUT defaults to 10 s so that cron never hangs on an unreachable server.
    """
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    env.setdefault("PGAPPNAME", "mkslog-backup")
    env.update(target.env)
    return env


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
