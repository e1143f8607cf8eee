"""``mkslog ingest``: parse what is new in the logs into the Parquet store (see mkslog.store.read).

Register with ``register_store_commands(main)``.
"""

from __future__ import annotations

import click
from click.core import ParameterSource

from .common import safe_text
from .logs import log_options, output_options, presenting, working, write_output


@click.command("ingest")
@log_options
@click.option("--store", "store_dir",
              help="The store: a folder or s3://bucket/prefix (default: `store` in mkslog.toml). Created when missing.")
@click.option("--host", help="Whose logs these are: the store's host partition (default: [logs.<kind>] host, "
                             "else host in mkslog.toml, else this machine's name).")
@click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to wait while another ingest holds the store (0: fail at once).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None, hidden=True,
              help="Bytes per read chunk (tests use tiny ones).")
@click.option("--part-rows", type=click.IntRange(min=1), default=None, hidden=True,
              help="Rows per part file before a checkpoint.")
@output_options
def ingest_cmd(paths, format_name, log_format, nginx_conf, kind, config_path, store_dir, host, wait, chunk_size,
               part_rows, output, out_file):
    """Parse logs into the Parquet store, reading only what is new since the last ingest.

    A growing log is read from where the last ingest stopped; a rotated or gzipped file is
    recognised by its content and not read again; a file truncated or rewritten in place is read
    again and its old rows are replaced. Run it from cron or a systemd timer; with `store = ...`
    in mkslog.toml the query commands then read the store (in Python: mkslog.scan(store=DIR)).
    Without PATHS and without --kind, every kind of log configured in mkslog.toml whose files
    exist is ingested (access, app, nginx-error, gunicorn-error, health, metrics, backup).
    Several servers can ingest into one store (a shared folder or an S3 bucket) at the same time,
    each as its own --host; the query commands read all hosts or `--host NAME`.
    """
    import polars as pl

    from ..parse.resolve import access_format
    from ..present.tables import render
    from ..sources import DEFAULT_CHUNK
    from ..store import PART_ROWS, configured_kinds, ingest

    fmt = access_format(format_name, log_format, nginx_conf) if kind == "access" else log_format or format_name
    options = dict(config=config_path, wait=wait, chunk_size=chunk_size or DEFAULT_CHUNK,
                   part_rows=part_rows or PART_ROWS, host=host)
    kind_given = click.get_current_context().get_parameter_source("kind") != ParameterSource.DEFAULT
    if paths or kind_given:
        with working(f"ingesting {kind} logs"):
            results = [ingest(list(paths) or None, store_dir, kind=kind, format=fmt, **options)]
        frame = results[0].to_frame()
    else:  # every configured kind; the access log as before when none is found
        kinds = configured_kinds(config_path) or ["access"]
        results = []
        for k in kinds:
            with working(f"ingesting {k} logs ({len(results) + 1} of {len(kinds)} kinds)"):
                results.append(ingest(None, store_dir, kind=k, format=fmt if k == "access" else None, **options))
        frame = pl.concat([r.to_frame().with_columns(pl.lit(r.kind, pl.String).alias("kind")) for r in results])
    write_output(render(frame, output, title=f"Ingest into {results[0].store}", **presenting()), out_file)
    for result in results:
        prefix = f"{result.kind}: " if len(results) > 1 else ""
        click.echo(safe_text(prefix + result.summary()), err=True)
        for f in result.files:
            if f.action == "replaced":
                click.echo(f"Warning: {safe_text(f.path)} was truncated or rewritten in place: "
                           f"{f.dropped_rows} rows of its old content were dropped and it was read again", err=True)
        if result.rejected:
            click.echo(f"Warning: {prefix}{result.rejected} of {result.lines} new lines did not parse; they are kept "
                       "in the store's rejects (mkslog.store.read.store_rejects)", err=True)


def register_store_commands(main: click.Group) -> None:
    """Add ``ingest`` to the main group."""
    main.add_command(ingest_cmd)
