"""Options shared by the commands that read logs, and the glue from options to ``mkslog.scan``.

>>> from click.testing import CliRunner  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from ..errors import FormatError, LogFileError
from .common import config_option, safe_text

output_choice = click.Choice(["table", "json", "csv", "markdown"])


def log_options(func: Callable) -> Callable:
    """PATHS..., --format, --log-format, --nginx-conf, --config."""
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path()),
        click.option("--format", "format_name", help="Named format: timed, main, combined, common, gunicorn, gunicorn_timed."),
        click.option("--log-format", help="An nginx log_format ($remote_addr ...) or gunicorn access_log_format (%(h)s ...)."),
        click.option("--nginx-conf", type=click.Path(dir_okay=False),
                     help="Read log_format from this nginx config (with --format NAME when it defines several)."),
        click.option("--kind", default="access", show_default=True,
                     type=click.Choice(["access", "nginx-error", "gunicorn-error", "app", "health", "metrics", "backup"]),
                     help="What kind of log the paths hold."),
        config_option,
    ]
    for deco in reversed(decorators):
        func = deco(func)
    return func


def output_options(func: Callable) -> Callable:
    """--output table|json|csv|markdown and -o FILE."""
    func = click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")(func)
    func = click.option("--output", "output", type=output_choice, default="table", show_default=True,
                        help="table (aligned text when piped), json, csv or markdown.")(func)
    return func


def choose_format(format_name: str | None, log_format: str | None, nginx_conf: str | None):
    """The format the options ask for, or None to use the config / autodetect."""
    if nginx_conf:
        from ..formats import read_nginx_conf

        defined = read_nginx_conf(nginx_conf)
        if not defined:
            raise FormatError(f"{nginx_conf} defines no log_format (point --nginx-conf at the file that does)")
        if format_name:
            if format_name not in defined:
                raise FormatError(f"{nginx_conf} has no log_format {format_name!r}; it defines: {', '.join(defined)}")
            from ..formats.nginx import compile_nginx

            return compile_nginx(defined[format_name], name=format_name)
        if len(defined) > 1:
            raise FormatError(f"{nginx_conf} defines several log_formats ({', '.join(defined)}): choose one with --format")
        from ..formats.nginx import compile_nginx

        name, source = next(iter(defined.items()))
        return compile_nginx(source, name=name)
    if format_name and log_format:
        raise click.UsageError("give --format or --log-format, not both")
    return log_format or format_name


def open_logs(paths, format_name, log_format, nginx_conf, config, stats, kind: str = "access", *,
              client: str | None = None, datefmt: str | None = None):
    """``mkslog.scan`` over the given paths (or the configured ones) with the chosen format; a
    progress bar on stderr when it is a terminal and the input is large. ``config``: a path or a
    loaded :class:`~mkslog.config.Config`. ``client`` (access logs) and ``datefmt`` (app logs)
    go to ``scan``."""
    from ..config import Config, load_config
    from ..frame import scan

    cfg = config if isinstance(config, Config) else load_config(config)
    fmt = choose_format(format_name, log_format, nginx_conf)
    extra = {"client": client} if kind == "access" else {"datefmt": datefmt} if kind == "app" else {}
    lf = scan(list(paths) or None, fmt, kind=kind, config=cfg, stats=stats, **extra)
    attach_progress(stats, list(paths) or cfg.log_paths(kind.replace("-", "_")))
    return lf


PROGRESS_MIN_BYTES = 200 * 1024 * 1024


def attach_progress(stats, paths: list[str]) -> None:
    """Draw parse progress (bytes, lines/s) on stderr for large inputs when stderr is a terminal."""
    if not sys.stderr.isatty():
        return
    import glob
    import os

    files = [f for p in paths for f in (glob.glob(p) if glob.has_magic(p) else [p]) if os.path.isfile(f)]
    total = sum(os.path.getsize(f) for f in files)
    if total < PROGRESS_MIN_BYTES:
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    compressed = any(f.endswith(".gz") for f in files)
    progress = Progress(TextColumn("parsing"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=True)
    task = progress.add_task("parse", total=None if compressed else total)
    progress.start()

    def advance(lines: int, nbytes: int) -> None:
        progress.update(task, advance=nbytes)
        if not compressed and progress.tasks[0].completed >= total:
            progress.stop()

    stats.on_progress = advance
    import atexit

    atexit.register(progress.stop)


def write_output(text: str, out_file: str | None) -> None:
    if out_file:
        import os
        import tempfile

        folder = os.path.dirname(os.path.abspath(out_file))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".mkslog-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out_file)
    else:
        click.echo(text, nl=False)


def check_input(stats, *, required: bool = True) -> None:
    """Refuse to answer from nothing: a file whose lines were all rejected raises (a query over
    it would print an empty table that looks like an answer), and so does an empty input when
    it is ``required`` (else a warning says it is empty)."""
    rejects = None
    for fs in stats.files.values():
        if fs.lines and not fs.parsed:
            rejects = stats.rejects() if rejects is None else rejects
            mine = rejects.filter(rejects["file"] == fs.file)
            first = f" (line {mine['line_no'][0]}: {mine['reason'][0]})" if len(mine) else ""
            raise LogFileError(f"all {fs.lines} lines of {fs.file} were rejected{first}; is it the right kind of "
                               f"log and format? see mkslog parse --rejects {fs.file}")
    if stats.files and stats.total.lines == 0:
        names = ", ".join(stats.files)
        damage = "".join(f"; {e}" for e in stats.errors)
        if required:
            raise LogFileError(f"the input is empty: {names} hold(s) no lines (nothing to answer from){damage}")
        click.echo(f"Warning: the input is empty: {safe_text(names)} hold(s) no lines", err=True)


def warn_rejects(stats) -> None:
    """One line on stderr when lines were rejected or a file was damaged, and one per warning
    (e.g. a detected format with extra fields): nothing is dropped silently."""
    total = stats.total
    for error in stats.errors:
        click.echo(f"Warning: {safe_text(error)}", err=True)
    for warning in stats.warnings:
        click.echo(f"Warning: {safe_text(warning)}", err=True)
    if total.rejected:
        click.echo(
            f"Warning: {total.rejected} of {total.lines} lines did not parse and were left out; "
            "see them with `mkslog parse --rejects PATHS`",
            err=True,
        )
