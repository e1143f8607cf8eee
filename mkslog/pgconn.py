"""PostgreSQL connections, once: a database URL parsed into libpq environment variables, the client binaries.

Shared by :mod:`mkslog.backup.pg` (pg_dump, psql) and :mod:`mkslog.health.db` (pg_stat_statements).
Credentials never go on a command line, where every local user could read them with ``ps``: the URL
becomes libpq environment variables (PGUSER, PGPASSWORD, PGHOST ...) of the child process only.
Standard library only. Errors are :class:`mkslog.errors.DatabaseError`, a BackupError and a HealthError.

>>> t = parse_database_url("postgresql://mks:p%40ss@db.local:5433/mirai?sslmode=require")
>>> [t.env[k] for k in ("PGUSER", "PGPASSWORD", "PGHOST", "PGPORT", "PGDATABASE", "PGSSLMODE")]
['mks', 'p@ss', 'db.local', '5433', 'mirai', 'require']
>>> t.display
'postgresql://mks:***@db.local:5433/mirai?sslmode=require'
"""

from __future__ import annotations

import glob
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from .errors import DatabaseError

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
        raise DatabaseError(f"not a PostgreSQL URL (scheme {parts.scheme or 'missing'!r}): {how}")
    try:
        port = parts.port
    except ValueError as exc:
        raise DatabaseError(f"bad port in the database URL ({exc}): {how}") from exc
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
            raise DatabaseError(f"unknown parameter {key!r} in the database URL (libpq knows: {known})")
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


def find_binary(name: str) -> str:
    """``name`` on PATH, else the newest ``/usr/lib/postgresql/*/bin/name`` (Debian keeps them there)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    if candidates:
        return candidates[-1]
    raise DatabaseError(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)")


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def child_env(target: PgTarget, app_name: str = "mkslog-backup") -> dict[str, str]:
    """The environment for pg_dump/psql: ours, with the URL's settings on top.

    PGCONNECT_TIMEOUT defaults to 10 s so that cron never hangs on an unreachable server.
    """
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    env.setdefault("PGAPPNAME", app_name)
    env.update(target.env)
    return env
