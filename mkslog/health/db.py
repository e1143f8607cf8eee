"""PostgreSQL slow queries: the manual's ``SELECT query, calls, total_time, mean_time FROM pg_stat_statements
ORDER BY mean_time DESC LIMIT 10``, on old and new servers alike.

PostgreSQL 13 renamed the columns (``total_time`` -> ``total_exec_time``, ``mean_time`` ->
``mean_exec_time``); the query reads each row as JSON and takes whichever spelling the server has, so
one statement works on both. ``psql`` runs it (credentials through the environment only, see
:mod:`mkslog.pgconn`) and returns the rows as one JSON document, so query texts with tabs, newlines or
quotes come back intact. A missing extension is a :class:`~mkslog.errors.HealthError` that says how to
install it. Standard library only.

>>> print(slow_queries_sql(5).splitlines()[0])
SELECT coalesce(json_agg(r), '[]'::json) FROM (
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

from ..errors import HealthError
from ..pgconn import child_env, find_binary, parse_database_url

INSTALL = ("add shared_preload_libraries = 'pg_stat_statements' to postgresql.conf, restart PostgreSQL, then "
           "run CREATE EXTENSION pg_stat_statements; in that database as a superuser")


@dataclass
class SlowQuery:
    query: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int | None


def slow_queries_sql(limit: int) -> str:
    """The statement: top ``limit`` statements by mean time, in either column spelling."""
    return f"""SELECT coalesce(json_agg(r), '[]'::json) FROM (
  SELECT j->>'query' AS query, (j->>'calls')::bigint AS calls,
         coalesce(j->>'total_exec_time', j->>'total_time')::float8 AS total_ms,
         coalesce(j->>'mean_exec_time', j->>'mean_time')::float8 AS mean_ms,
         (j->>'rows')::bigint AS rows
  FROM (SELECT to_jsonb(s) AS j FROM pg_stat_statements s) AS x
  ORDER BY mean_ms DESC NULLS LAST, calls DESC
  LIMIT {int(limit)}
) AS r;"""


def slow_queries(url: str, limit: int = 10, timeout: float = 30.0) -> list[SlowQuery]:
    """The ``limit`` statements with the highest mean execution time in ``url``'s database."""
    if limit < 1:
        raise HealthError(f"--top must be at least 1, got {limit}")
    target = parse_database_url(url)
    argv = [find_binary("psql"), "--no-password", "--no-psqlrc", "--quiet", "--tuples-only", "--no-align",
            "-v", "ON_ERROR_STOP=1", "--command", slow_queries_sql(limit)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env=child_env(target, "mkslog-health"),
                              stdin=subprocess.DEVNULL, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise HealthError(f"psql on {target.display} did not answer within {timeout:g} s (check the server "
                          "and the URL)") from None
    if proc.returncode != 0:
        err = proc.stderr.strip()
        if 'relation "pg_stat_statements" does not exist' in err:
            raise HealthError(f"the pg_stat_statements extension is not installed in {target.display}: {INSTALL}")
        if "must be loaded via" in err and "shared_preload_libraries" in err:
            raise HealthError(f"pg_stat_statements is installed in {target.display} but not loaded: {INSTALL}")
        raise HealthError(f"psql on {target.display} exited with {proc.returncode}: {err[-500:]} (check the URL, "
                          "the password and that the server runs)")
    try:
        rows = json.loads(proc.stdout.strip() or "[]")
    except ValueError as exc:
        raise HealthError(f"psql on {target.display} returned something that is not JSON: {exc}") from exc
    return [SlowQuery(r["query"] or "", int(r["calls"] or 0), float(r["total_ms"] or 0.0),
                      float(r["mean_ms"] or 0.0), r.get("rows")) for r in rows]
