"""The command line: ``python -m mkslog COMMAND``. Each command is a thin wrapper around one
library function plus a presenter; library modules are imported inside the commands so that
``mkslog backup`` and ``mkslog health`` start without loading polars.
"""

from __future__ import annotations

import gc
import os

import click

from ..allocator import configure_process
from .backup import backup_group
from .common import (
    MkslogGroup,
    check_output_file,
    config_option,
    deprecated,
    echo_json,
    json_option,
    output_dir_callback,
)
from .health import health_group
from .incident import register_incident_commands
from .logs import (
    RECORD_FORMATS,
    attach_progress,
    log_options,
    make_output_options,
    presenting,
    warn_rejects,
    write_output,
)
from .logs_admin import logs_group
from .panels import register_panel_commands
from .queries import register_query_commands
from .report import register_report_command
from .show import show_cmd
from .sql import sql_cmd
from .store import register_store_commands


@click.group(cls=MkslogGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mkslog")
def main() -> None:
    """mkslog: log analytics for the Mirai Knowledge System."""
    configure_process()  # before any command loads polars
    # each chunk's polars expressions are many short-lived Python objects; at the default threshold
    # the collector walks every loaded module's objects again and again (3 % of top-ips' time)
    gc.set_threshold(100_000, 50, 1000)


main.add_command(backup_group)
main.add_command(health_group)
main.add_command(logs_group)
register_query_commands(main)
register_report_command(main)
register_store_commands(main)
main.add_command(sql_cmd)
main.add_command(show_cmd)
register_incident_commands(main)
register_panel_commands(main)


@main.command("parse")
@log_options
@click.option("--to", "to", type=click.Path(dir_okay=False, readable=False, allow_dash=True), hidden=True,
              help="Old spelling of -o/--output FILE for the parsed records.")
@click.option("--rejects", "show_rejects", is_flag=True, help="Show the lines that did not parse, with the reason.")
@click.option("--stats", "show_stats", is_flag=True, help="Show lines read, parsed and rejected per file.")
@click.option("--datefmt", help="strftime format of an app log's %(asctime)s when it is not logging's default.")
@click.option("--tz", help="Display timezone of the ts column, e.g. Asia/Tokyo or UTC (default: the config's "
                           "timezone).")
@make_output_options(RECORD_FORMATS)
def parse_cmd(paths, format_name, log_format, nginx_conf, kind, config_path, to, show_rejects, show_stats, datefmt,
              tz, output, out_file):
    """Parse logs into Parquet, CSV, JSON Lines or TSV (-o FILE.parquet|.csv|.jsonl|.tsv, streamed, any
    size; -o - to stdout as --as says: parquet by default, arrow, csv, nl, tsv), or show the rejected
    lines (--rejects) or per-file counts (--stats)."""
    from ..config import load_config
    from ..frame import scan
    from ..parse.resolve import access_format
    from ..parse.stats import ParseStats
    from ..present.export import check_export_path, export, export_stream
    from ..present.tables import render
    from ..timespec import check_timezone

    if to:
        deprecated("--to FILE", "-o/--output FILE")
    tables = show_rejects or show_stats
    records_to = to or (None if tables else out_file)
    if not (records_to or tables):
        raise click.UsageError("say what to do: -o FILE.parquet|.csv|.jsonl|.tsv, -o - (stdout), --rejects or --stats")
    to_stdout = records_to == "-"
    kind_out = _stdout_kind(output) if to_stdout else None
    if output in RECORD_FORMATS and not to_stdout:
        raise click.UsageError(f"--as {output} is for the records to stdout (-o -); a file's extension sets its kind")
    if records_to and not to_stdout:
        check_export_path(check_output_file(records_to))
    cfg = load_config(config_path)
    stats = ParseStats()
    fmt = access_format(format_name, log_format, nginx_conf) if kind == "access" else log_format or format_name
    lf = scan(list(paths) or None, fmt, kind=kind, config=cfg, stats=stats,
              tz=check_timezone(tz or cfg.get("timezone") or "UTC"), datefmt=datefmt if kind == "app" else None)
    attach_progress(stats)
    headers = presenting()["headers"]
    if to_stdout:
        import sys

        sys.stdout.flush()
        export_stream(lf, kind_out, sys.stdout.buffer, headers=headers, terminal=sys.stdout.isatty())
        stats.check_answerable(required=True)  # the bytes are out: the exit code still says so
    elif records_to:
        export(lf, records_to, headers=headers)
        try:  # records from nothing (an empty input, every line rejected) are an error, not an empty file
            stats.check_answerable(required=True)
        except Exception:
            os.remove(records_to)
            raise
    else:
        lf.select("line_no").collect(engine="streaming")
    table_file = out_file if tables and out_file != records_to else None
    if show_rejects:
        write_output(render(stats.rejects().select("file", "line_no", "reason", "line"), output,
                            title="Rejected lines", **presenting()), table_file)
    if show_stats:
        write_output(render(stats.to_frame(), output, title="Parse statistics", **presenting()), table_file)
    if records_to:
        click.echo(f"{stats.summary()}; wrote {'the records to stdout' if to_stdout else records_to}", err=True)
    if not show_rejects:
        warn_rejects(stats)


def _stdout_kind(output: str) -> str:
    """What ``parse -o -`` writes: Parquet unless ``--as`` names another record format."""
    if output == "table":
        return "parquet"
    if output in ("json", "markdown"):
        raise click.UsageError(f"-o - writes the records as parquet, arrow, csv, nl or tsv, not {output}")
    return output


def check_end_day(_ctx, _param, value: str) -> str:
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: give a day as YYYY-MM-DD, e.g. 2026-11-22") from None
    return value


@main.command("sample")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, readable=False), default="sample_logs", show_default=True,
              callback=output_dir_callback, help="Folder to write the logs into (created when missing).")
@click.option("--out", "old_out", type=click.Path(file_okay=False, readable=False), hidden=True, callback=output_dir_callback,
              help="Old spelling of -o/--output DIR.")
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True, help="How many days of logs.")
@click.option("--end", "end", default="2026-11-22", show_default=True, callback=check_end_day,
              help="Last day (YYYY-MM-DD), local time.")
@click.option("--seed", type=int, default=47, show_default=True, help="Same seed, same bytes.")
@click.option("--scale", type=click.FloatRange(min=0.01), default=1.0, show_default=True, help="Traffic multiplier.")
def sample_cmd(out_dir, old_out, days, end, seed, scale):
    """Write a realistic, deterministic set of the system's logs (all kinds, rotated like logrotate)."""
    from datetime import date

    from ..sample import generate

    if old_out:
        deprecated("--out DIR", "-o/--output DIR")
        out_dir = old_out
    result = generate(out_dir, days=days, end=date.fromisoformat(end), seed=seed, scale=scale)
    for path, count in sorted(result["files"].items()):
        click.echo(f"{count['lines']:>8} lines  {out_dir}/{path}")


@main.command("config")
@config_option
@json_option
def config_cmd(config_path, as_json):
    """Print the effective configuration and where each value came from."""
    from ..config import load_config

    cfg = load_config(config_path)
    flat = _flatten(cfg.as_dict())
    if as_json:
        echo_json({"file": str(cfg.path) if cfg.path else None,
                   "values": {k: {"value": v, "from": cfg.origin(k)} for k, v in flat.items()}})
        return
    click.echo(f"# config file: {cfg.path or '(none found; defaults)'}")
    for key, value in flat.items():
        click.echo(f"{key} = {value!r}    # {cfg.origin(key)}")


def _flatten(node, prefix=""):
    out = {}
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


@main.command("demo")
@config_option
@click.pass_context
def demo_cmd(ctx, config_path):
    """The main job on the bundled sample logs: the one-screen summary and the top client addresses."""
    from .queries import summary_cmd, top_ips_cmd

    ctx.invoke(summary_cmd, config_path=config_path)
    click.echo()
    ctx.invoke(top_ips_cmd, config_path=config_path)
