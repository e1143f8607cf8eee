"""Options shared by the commands that read logs, and the output side: where text goes, progress,
warnings.

>>> from click.testing import CliRunner  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from ..errors import OutputError
from .common import config_option, safe_text

output_choice = click.Choice(["table", "json", "csv", "markdown"])


def log_options(func: Callable) -> Callable:
    """PATHS..., --format, --log-format, --nginx-conf, --config."""
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path(readable=False)),
        click.option("--format", "format_name", help="Named format: timed, main, combined, common, gunicorn, gunicorn_timed."),
        click.option("--log-format", help="An nginx log_format ($remote_addr ...) or gunicorn access_log_format (%(h)s ...)."),
        click.option("--nginx-conf", type=click.Path(dir_okay=False, readable=False),
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
    func = click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, readable=False), help="Write to FILE instead of stdout.")(func)
    func = click.option("--output", "output", type=output_choice, default="table", show_default=True,
                        help="table (aligned text when piped), json, csv or markdown.")(func)
    return func


PROGRESS_MIN_BYTES = 200 * 1024 * 1024


def attach_progress(stats) -> None:
    """Draw parse progress (bytes, time left) on stderr for large inputs when stderr is a terminal;
    the files are those the scan resolved (``stats.inputs``), so nothing is globbed twice."""
    if not sys.stderr.isatty():
        return
    import os

    files = [f for f in stats.inputs if f != "-" and os.path.isfile(f)]
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
    """``text`` to ``out_file`` (atomically: readers never see half of it) or to stdout."""
    if out_file:
        from ..files import atomic_write

        try:
            atomic_write(out_file, text, durable=False)
        except OSError as exc:
            raise OutputError(f"cannot write {out_file}: {exc.strerror or exc} (check that its folder exists and "
                              "is writable)") from exc
    else:
        click.echo(text, nl=False)


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
