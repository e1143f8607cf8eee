"""``mkslog.sql(query)``: SQL over the logs, each kind a table named by :func:`mkslog.kinds.table_name`
(``access``, ``app``, ``nginx_error``, ``gunicorn_error``, ``health``, ``metrics``, ``backup``).

Each table the query names is one :func:`mkslog.scan` LazyFrame (text or the store, in the time
window, with the filters), registered in a polars ``SQLContext``; the answer is a LazyFrame, so
polars plans the whole query at once and pushes projections and conditions into the parse.
(The module is not called ``sql`` so that importing it never shadows the function ``mkslog.sql``.)

>>> import mkslog
>>> mkslog.sql("SELECT status, COUNT(*) AS n FROM access GROUP BY status ORDER BY n DESC",
...            config="mkslog.example.toml").collect()  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import polars as pl

from .errors import QueryError
from .frame import PathsLike, When, scan
from .kinds import KINDS, table_name
from .parse.stats import ParseStats

#: SQL table name -> log kind.
TABLES = {table_name(kind): kind for kind in KINDS}


def tables_named(query: str) -> list[str]:
    """The tables of :data:`TABLES` that ``query`` names (as whole words, any case).

    >>> tables_named("SELECT * FROM access JOIN app ON access.ts = app.ts")
    ['access', 'app']
    """
    words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", query)}
    return [name for name in TABLES if name in words]


def sql(query: str, tables: Mapping[str, PathsLike] | None = None, *, config=None,
        store: str | os.PathLike | None = None, since: When = None, until: When = None, tz: str | None = None,
        filters=None, stats: ParseStats | None = None) -> pl.LazyFrame:
    """The answer of ``query`` as a LazyFrame (``.collect()`` it).

    - ``tables``: paths per table (``{"access": "logs/access.log*", "app": "logs/app.log"}``), keyed
      by table name or kind; a table not given reads the configured logs (or the store) of its kind.
    - ``since``/``until``/``tz``/``store``/``config``: as for :func:`mkslog.scan`; ``filters`` apply
      to the access table.
    """
    given = {table_name(k) if k in KINDS else k: v for k, v in (tables or {}).items()}
    unknown = sorted(set(given) - set(TABLES))
    if unknown:
        raise QueryError(f"unknown table {', '.join(map(repr, unknown))}: the tables are {', '.join(TABLES)}")
    names = tables_named(query)
    if not names:
        raise QueryError(f"the query names none of the tables {', '.join(TABLES)}: e.g. "
                         "SELECT status, COUNT(*) AS n FROM access GROUP BY status")
    stats = stats if stats is not None else ParseStats()
    frames = {}
    for name in names:
        kind = TABLES[name]
        paths = given.get(name)
        frames[name] = scan(paths, kind=kind, config=config, store=None if paths else store, since=since,
                            until=until, tz=tz, stats=stats, filters=filters if kind == "access" else None)
    context = pl.SQLContext(frames, eager=False)
    try:
        answer = context.execute(query)
        answer.collect_schema()  # resolves the plan: unknown columns and type errors fail here, not later
        return answer
    except (pl.exceptions.SQLSyntaxError, pl.exceptions.SQLInterfaceError, pl.exceptions.ColumnNotFoundError,
            pl.exceptions.InvalidOperationError, pl.exceptions.SchemaError) as exc:
        reason = str(exc).splitlines()[0]
        if "valid columns" not in reason:
            reason += " (columns of " + "; ".join(f"{n}: {', '.join(f.collect_schema())}" for n, f in frames.items()) + ")"
        raise QueryError(f"the SQL query failed: {reason}") from None


__all__ = ["TABLES", "sql", "tables_named"]
