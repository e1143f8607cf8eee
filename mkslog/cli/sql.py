"""``mkslog sql "SELECT ..."``: SQL over the logs, each kind a table (``access``, ``app``,
``nginx_error``, ``gunicorn_error``, ``health``, ``metrics``, ``backup``), read from the configured
logs, from ``--table NAME=PATH`` or from ``--store``, in the time window; one call of
:func:`mkslog.logsql.sql`, the answer through the same presenters as every query command.

>>> from click.testing import CliRunner  # doctest: +SKIP
>>> CliRunner().invoke(main, ["sql", "SELECT status, COUNT(*) AS n FROM access GROUP BY status"])  # doctest: +SKIP
"""

from __future__ import annotations

import click

from .filters import access_filter_options
from .logs import output_options
from .run import QueryRun, render_frame, window_options


def table_paths(values: tuple[str, ...]) -> dict[str, list[str]]:
    """``--table access=logs/access.log*`` (repeatable) as table -> paths."""
    out: dict[str, list[str]] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise click.BadParameter(f"{value!r}: give TABLE=PATH, e.g. access=/var/log/nginx/access.log*",
                                     param_hint="--table")
        out.setdefault(name.strip().replace("-", "_"), []).append(path)
    return out


@click.command("sql")
@click.argument("query")
@click.option("--table", "tables", multiple=True, metavar="TABLE=PATH",
              help="Read TABLE from PATH (repeatable; globs allowed), e.g. access=logs/access.log*. "
                   "Default: the configured logs of its kind.")
@window_options
@access_filter_options
@output_options
def sql_cmd(query, tables, since, until, tz, config_path, output, out_file):
    """SQL over the logs: tables access, app, nginx_error, gunicorn_error, health, metrics, backup
    (polars SQL, read lazily; the filter options narrow the access table)."""
    from ..logsql import sql
    from .filters import cli_filters

    run = QueryRun(config_path, since, until, tz)
    store = click.get_current_context().meta.get("mkslog_store")
    lf = sql(query, table_paths(tables), config=run.cfg, store=store, since=run.start, until=run.end, tz=run.tz,
             filters=cli_filters("access"), stats=run.new_stats(True))
    df = lf.collect(engine="streaming")
    run.emit(render_frame(df, output, run.title("SQL")), out_file)
