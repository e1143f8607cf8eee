"""The command line: ``python -m mkslog COMMAND``. Each command is a thin wrapper around one
library function plus a presenter; library modules are imported inside the commands so that
``mkslog backup`` and ``mkslog health`` start without loading polars.
"""

from __future__ import annotations

import click

from .backup import backup_group
from .common import MkslogGroup, config_option, echo_json
from .health import health_group
from .incident import register_incident_commands
from .logs import attach_progress, log_options, output_options, warn_rejects, write_output
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
@click.option("--to", "to", type=click.Path(dir_okay=False, readable=False),
              help="Write the parsed records to FILE: .parquet, .csv or .jsonl (streamed, any size).")
@click.option("--rejects", "show_rejects", is_flag=True, help="Show the lines that did not parse, with the reason.")
@click.option("--stats", "show_stats", is_flag=True, help="Show lines read, parsed and rejected per file.")
@click.option("--datefmt", help="strftime format of an app log's %(asctime)s when it is not logging's default.")
@output_options
def parse_cmd(paths, format_name, log_format, nginx_conf, kind, config_path, to, show_rejects, show_stats, datefmt,
              output, out_file):
    """Parse logs into Parquet/CSV/JSON Lines, or show rejects and per-file counts."""
    from ..parse.stats import ParseStats
    from ..present.export import export
    from ..present.tables import render

    if not (to or show_rejects or show_stats):
        raise click.UsageError("say what to do: --to FILE, --rejects or --stats")
    stats = ParseStats()
    from ..config import load_config
    from ..frame import scan
    from ..parse.resolve import access_format

    fmt = access_format(format_name, log_format, nginx_conf) if kind == "access" else log_format or format_name
    lf = scan(list(paths) or None, fmt, kind=kind, config=load_config(config_path), stats=stats,
              datefmt=datefmt if kind == "app" else None)
    attach_progress(stats)
    if to:
        export(lf, to)
    else:
        lf.select("line_no").collect(engine="streaming")
    if show_rejects:
        write_output(render(stats.rejects().select("file", "line_no", "reason", "line"), output,
                            title="Rejected lines"), out_file)
    if show_stats:
        write_output(render(stats.to_frame(), output, title="Parse statistics"), out_file)
    if to:
        click.echo(f"{stats.summary()}; wrote {to}", err=True)
    if not show_rejects:
        warn_rejects(stats)


@main.command("sample")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, readable=False), default="sample_logs", show_default=True)
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True)
@click.option("--end", "end", default="2026-11-22", show_default=True, help="Last day (YYYY-MM-DD), local time.")
@click.option("--seed", type=int, default=47, show_default=True, help="Same seed, same bytes.")
@click.option("--scale", type=click.FloatRange(min=0.01), default=1.0, show_default=True, help="Traffic multiplier.")
def sample_cmd(out_dir, days, end, seed, scale):
    """Write a realistic, deterministic set of the system's logs (all kinds, rotated like logrotate)."""
    from datetime import date

    from ..sample import generate

    result = generate(out_dir, days=days, end=date.fromisoformat(end), seed=seed, scale=scale)
    for path, count in sorted(result["files"].items()):
        click.echo(f"{count['lines']:>8} lines  {out_dir}/{path}")


@main.command("config")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the effective config as JSON.")
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
