"""``mkslog show``: the matching records of any kind, as the log's own lines (multi-line records
whole) or as a table/JSON/CSV; ``-n N`` for the last N; ``--follow`` follows the live file like
``tail -F`` (rotation and copytruncate included) until Ctrl-C, which ends with exit code 0.

>>> from click.testing import CliRunner  # doctest: +SKIP
>>> CliRunner().invoke(main, ["show", "--kind", "app", "--level", "ERROR", "-n", "20"])  # doctest: +SKIP
"""

from __future__ import annotations

import click

from ..kinds import KINDS  # one list of kinds (the journal included), not a copy here
from .common import config_option, deprecated, safe_text
from .filters import all_filter_options, cli_filters
from .logs import format_flags, keep_style, presenting, style_options
from .run import QueryRun

#: ``--as``: the log's own lines (raw), or the parsed fields in one of the table formats.
SHOW_FORMATS = ["raw", "table", "json", "csv", "markdown", "nl", "ndjson", "tsv"]
SEVERE = {"ERROR": "red", "CRITICAL": "red", "CRIT": "red", "ALERT": "red", "EMERG": "red", "FATAL": "red",
          "WARNING": "yellow", "WARN": "yellow"}


def colour(record: dict) -> str | None:
    """The colour of a record on a terminal: 5xx and ERROR and above red, WARNING yellow."""
    status = record.get("status")
    if isinstance(status, int) and status >= 500:
        return "red"
    level = record.get("level")
    return SEVERE.get(level.upper()) if isinstance(level, str) else None


def echo_lines(record: dict, lines: list[str]) -> None:
    """A record's raw lines, inert (control characters escaped), coloured on a terminal only
    (click.echo drops the colour when stdout is not a terminal)."""
    fg = colour(record)
    for line in lines:
        click.echo(click.style(safe_text(line), fg=fg) if fg else safe_text(line))


@click.command("show")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--kind", type=click.Choice(KINDS), default=None,
              help="What kind of log the paths hold (default: detected; access for the configured logs).")
@click.option("--format", "format_name", help="Named or given format (as for `mkslog parse`).")
@click.option("-n", "--lines", "last", type=click.IntRange(min=1), default=None, help="Only the last N records.")
@click.option("--follow", "-f", is_flag=True,
              help="Then follow the live file (the newest PATH) like tail -F until Ctrl-C.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=0.2, show_default=True,
              help="Seconds between two looks at the followed file.")
@click.option("--as", "as_format", type=click.Choice(SHOW_FORMATS), default=None,
              help="Output format: raw (the log's own lines, the default), or the parsed fields as table, json, "
                   "csv, markdown, nl (ndjson: one JSON object per line) or tsv.")
@style_options
@click.option("--output", "old_output", type=click.Choice(SHOW_FORMATS), hidden=True,
              help="Old spelling of --as FORMAT.")
@click.option("--since", metavar="WHEN", help="Start (as for every query command).")
@click.option("--until", metavar="WHEN", help="End (as for every query command).")
@click.option("--tz", metavar="ZONE", help="Display timezone of ts (table/JSON/CSV; default: the config's timezone).")
@all_filter_options
@config_option
def show_cmd(paths, kind, format_name, last, follow, interval, as_format, nl, tsv, no_headers, max_width, old_output,
             since, until, tz, config_path):
    """The matching records of any log: its own lines or a table; -n N the last N; --follow like tail -F."""
    from ..present.tables import render

    if old_output:
        deprecated(f"--output {old_output}", f"--as {old_output}")
    output = format_flags(as_format or old_output, nl, tsv) or "raw"
    keep_style(output, no_headers, max_width)
    if follow and list(paths)[-1:] == ["-"]:  # said before reading: stdin has no file to follow
        raise click.UsageError("--follow needs a file to follow, not standard input")
    run = QueryRun(config_path, since, until, tz)
    kind = kind or (None if paths else "access")
    stats = run.new_stats(True)
    from ..frame import scan

    # every filter given applies to the one kind shown (a filter on a column it lacks says so)
    lf = scan(list(paths) or None, format_name, kind=kind, since=run.start, until=run.end, tz=run.tz, stats=stats,
              config=run.cfg, filters=cli_filters(None))
    df = lf.collect(engine="streaming")
    if last:
        df = df.tail(last)
    if output == "raw":
        from ..follow import record_lines

        for record, lines in zip(df.iter_rows(named=True), record_lines(df), strict=True):
            echo_lines(record, lines)
    else:
        click.echo(render(df.drop("file", "source", strict=False), output, title=None, **presenting()), nl=False)
    if not follow:
        run.emit("", None)
        return
    live = stats.inputs[-1] if stats.inputs else None
    if live is None or live == "-":
        raise click.UsageError("--follow needs a file to follow, not standard input")
    follow_file(live, kind, format_name, run, output, interval)


def follow_file(path, kind, format_name, run, output, interval) -> None:
    """Print the records appended to ``path`` until Ctrl-C (exit 0)."""
    import json

    import polars as pl

    from ..follow import Follower
    from ..present.tables import render

    follower = Follower.open(path, kind=kind, format=format_name, config=run.cfg, filters=cli_filters(None))
    try:
        for record, lines in follower.records(interval):
            if output == "raw":
                echo_lines(record, lines)
            elif output in ("nl", "tsv", "csv"):  # formats of rows: each record one more row of them
                shown = pl.DataFrame([{k: v for k, v in record.items() if k not in ("file", "source")}])
                click.echo(render(shown, output, headers=False), nl=False)
            else:  # one record per line, whatever the format: a live view cannot align columns
                shown = {k: v for k, v in record.items() if k not in ("file", "source")}
                click.echo(safe_text(json.dumps(shown, default=str, ensure_ascii=False)))
    except KeyboardInterrupt:
        pass
    finally:
        follower.close()
