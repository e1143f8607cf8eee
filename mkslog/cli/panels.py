"""The panels GoAccess users look for, as commands: ``referrers``, ``agents``, ``not-found``,
``static``, ``bytes``, ``heatmap``, ``vhosts``. Each reads the access log like every query command
(PATHS, else ``[logs.access]``; ``--since``/``--until`` pushed into the scan), calls one function
of :mod:`mkslog.queries.panels` and hands the frame to a presenter.

>>> from click.testing import CliRunner  # doctest: +SKIP
>>> CliRunner().invoke(main, ["agents", "--by", "bot", "access.log"])  # doctest: +SKIP
"""

from __future__ import annotations

import click

from .logs import output_options
from .run import QueryRun, access_options, paths_argument, render_frame, top_option, window_options


def _access(paths, format_name, log_format, nginx_conf, since, until, tz, config_path):
    run = QueryRun(config_path, since, until, tz)
    return run, run.access(paths, format_name, log_format, nginx_conf)


@click.command("referrers")
@paths_argument
@access_options
@click.option("--exclude", multiple=True, help="A referring host to leave out, e.g. the site itself (repeatable).")
@top_option("sites")
@window_options
@output_options
def referrers_cmd(paths, format_name, log_format, nginx_conf, exclude, top_n, since, until, tz, config_path, output,
                  out_file):
    """Referring sites: the host of $http_referer, with requests and unique client addresses."""
    from ..queries import referring_sites

    run, lf = _access(paths, format_name, log_format, nginx_conf, since, until, tz, config_path)
    df = referring_sites(lf, top_n, exclude=tuple(exclude))
    run.emit(render_frame(df, output, run.title(f"Top {top_n} referring sites")), out_file)


@click.command("agents")
@paths_argument
@access_options
@click.option("--by", type=click.Choice(["browser", "os", "device", "bot", "agent"]), default="browser",
              show_default=True, help="Group by browser, operating system or device; bot: only bots and crawlers; "
                                      "agent: every distinct user agent with its classification.")
@top_option("rows")
@window_options
@output_options
def agents_cmd(paths, format_name, log_format, nginx_conf, by, top_n, since, until, tz, config_path, output, out_file):
    """Browsers, operating systems, devices, bots and crawlers (ua-parser on the distinct agents)."""
    from ..queries import agent_panel, bots, classify_agents

    run, lf = _access(paths, format_name, log_format, nginx_conf, since, until, tz, config_path)
    if by == "bot":
        df, title = bots(lf, top_n), f"Top {top_n} bots and crawlers"
    elif by == "agent":
        df, title = classify_agents(lf).head(top_n), f"Top {top_n} user agents"
    else:
        df, title = agent_panel(lf, by, top_n), f"Top {top_n} by {by}"
    run.emit(render_frame(df, output, run.title(title)), out_file)


@click.command("not-found")
@paths_argument
@access_options
@click.option("--referrers", "n_referrers", type=click.IntRange(min=1), default=3, show_default=True,
              help="How many referring URLs per path.")
@top_option("paths")
@window_options
@output_options
def not_found_cmd(paths, format_name, log_format, nginx_conf, n_referrers, top_n, since, until, tz, config_path,
                  output, out_file):
    """The most requested missing URLs (404) with the pages that link to them."""
    from ..queries import not_found

    run, lf = _access(paths, format_name, log_format, nginx_conf, since, until, tz, config_path)
    df = not_found(lf, top_n, referrers=n_referrers)
    run.emit(render_frame(df, output, run.title(f"Top {top_n} 404 paths and their referrers")), out_file)


@click.command("static")
@paths_argument
@access_options
@window_options
@output_options
def static_cmd(paths, format_name, log_format, nginx_conf, since, until, tz, config_path, output, out_file):
    """Static files (css, js, images, fonts, /static/ ...) vs application requests: requests and bytes."""
    from ..queries import static_vs_app

    run, lf = _access(paths, format_name, log_format, nginx_conf, since, until, tz, config_path)
    run.emit(render_frame(static_vs_app(lf), output, run.title("Static files vs application requests")), out_file)


@click.command("bytes")
@paths_argument
@access_options
@click.option("--by", type=click.Choice(["endpoint", "client"]), default="endpoint", show_default=True,
              help="Per endpoint (ids folded) or per client address.")
@click.option("--raw", is_flag=True, help="Keep ids in the paths (--by endpoint).")
@top_option("rows")
@window_options
@output_options
def bytes_cmd(paths, format_name, log_format, nginx_conf, by, raw, top_n, since, until, tz, config_path, output,
              out_file):
    """Bytes sent ($body_bytes_sent) per endpoint or per client, most first."""
    from ..queries import bytes_by

    run, lf = _access(paths, format_name, log_format, nginx_conf, since, until, tz, config_path)
    df = bytes_by(lf, by, top_n, raw=raw)
    run.emit(render_frame(df, output, run.title(f"Top {top_n} {by}s by bytes sent")), out_file)


@click.command("heatmap")
@paths_argument
@access_options
@window_options
@output_options
def heatmap_cmd(paths, format_name, log_format, nginx_conf, since, until, tz, config_path, output, out_file):
    """Requests per hour of day x weekday (local to --tz): a table of 24 rows and 7 day columns."""
    from ..queries import hour_weekday

    run, lf = _access(paths, format_name, log_format, nginx_conf, since, until, tz, config_path)
    cells = hour_weekday(lf)
    if output in ("table", "markdown"):  # the grid reads better wide; JSON/CSV keep one row per cell
        cells = cells.pivot(on="day", index="hour", values="requests", sort_columns=False)
    run.emit(render_frame(cells, output, run.title("Requests per hour and weekday")), out_file)


@click.command("vhosts")
@paths_argument
@access_options
@top_option("hosts")
@window_options
@output_options
def vhosts_cmd(paths, format_name, log_format, nginx_conf, top_n, since, until, tz, config_path, output, out_file):
    """Requests per virtual host, when the log format has $host or $server_name."""
    from ..queries import virtual_hosts

    run, lf = _access(paths, format_name, log_format, nginx_conf, since, until, tz, config_path)
    run.emit(render_frame(virtual_hosts(lf, top_n), output, run.title("Virtual hosts")), out_file)


PANEL_COMMANDS = (referrers_cmd, agents_cmd, not_found_cmd, static_cmd, bytes_cmd, heatmap_cmd, vhosts_cmd)


def register_panel_commands(main: click.Group) -> None:
    """Add the panel commands to the main group."""
    for command in PANEL_COMMANDS:
        main.add_command(command)
