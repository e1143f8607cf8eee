"""Options shared by the commands that read logs, and the output side: where text goes, progress,
warnings.

>>> from click.testing import CliRunner  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator

import click

from ..errors import OutputError
from ..text import one_line
from .common import check_output_file, config_option, deprecated, safe_text


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


#: The output formats of tables (``--as``; ``ndjson`` is another name of ``nl``), and the one an
#: output file's extension implies.
OUTPUT_FORMATS = ("table", "json", "csv", "markdown", "nl", "ndjson", "tsv")
#: ``parse``'s records also go out as Parquet or an Arrow IPC stream (``-o -``: to a pipe).
RECORD_FORMATS = ("parquet", "arrow")
FORMAT_OF_SUFFIX = {".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown", ".ndjson": "nl",
                    ".jsonl": "nl", ".tsv": "tsv"}
#: The formats that have a header row (``--no-headers`` leaves it out).
HEADED = ("table", "csv", "tsv")


def output_format_for(as_format: str | None, out_file: str | None) -> str:
    """The output format: ``--as`` when given, else the output file's extension, else a table.

    >>> output_format_for(None, "top.csv"), output_format_for("json", "top.csv"), output_format_for(None, None)
    ('csv', 'json', 'table')
    >>> output_format_for("ndjson", None), output_format_for(None, "top.jsonl"), output_format_for(None, "t.tsv")
    ('nl', 'nl', 'tsv')
    """
    if as_format:
        return "nl" if as_format == "ndjson" else as_format
    if out_file and out_file != "-":
        return FORMAT_OF_SUFFIX.get(os.path.splitext(out_file)[1].lower(), "table")
    return "table"


def format_flags(as_format: str | None, nl: bool, tsv: bool) -> str | None:
    """``--as``, or what ``--nl``/``--tsv`` say; two different formats at once are a usage error.

    >>> format_flags(None, True, False), format_flags("ndjson", True, False), format_flags("csv", False, False)
    ('nl', 'nl', 'csv')
    """
    asked = {name for name, given in (("nl", nl), ("tsv", tsv)) if given}
    if as_format:
        asked.add("nl" if as_format == "ndjson" else as_format)
    if len(asked) > 1:
        raise click.UsageError(f"give one output format, not {' and '.join(sorted(asked))} "
                               "(--nl is --as nl, --tsv is --as tsv)")
    return asked.pop() if asked else None


def style_options(func: Callable) -> Callable:
    """``--nl``, ``--tsv``, ``--no-headers`` and ``--max-width N``: the command gets ``nl``, ``tsv``,
    ``no_headers`` and ``max_width`` and hands them to :func:`format_flags` and :func:`keep_style`."""
    for option in reversed([
        click.option("--nl", is_flag=True, help="Newline-delimited JSON, one object per row (--as nl)."),
        click.option("--tsv", is_flag=True, help="Tab-separated values, one row per line (--as tsv)."),
        click.option("--no-headers", is_flag=True,
                     help="Leave out the header row (and the title) of table, csv and tsv output."),
        click.option("--max-width", type=click.IntRange(min=0), default=None, metavar="N",
                     help="A table's width in terminal columns (0: no limit; default: the terminal's width on a "
                          "terminal, no limit when piped). Free text (messages, user agents, referrers) shrinks "
                          "first; addresses, paths, times and numbers are never cut."),
    ]):
        func = option(func)
    return func


def keep_style(output: str, no_headers: bool, max_width: int | None) -> None:
    """Check ``--no-headers`` against the format and keep both for :func:`presenting`."""
    if no_headers and output not in HEADED:
        raise click.UsageError(f"--no-headers is for table, csv and tsv output, not {output}")
    meta = click.get_current_context().meta
    meta["mkslog_headers"] = not no_headers
    meta["mkslog_max_width"] = max_width


def make_output_options(record_formats: tuple[str, ...] = ()) -> Callable:
    """The output options of a command that prints a table (``record_formats``: the further
    ``--as`` values of ``parse``'s records)."""

    def output_options(func: Callable) -> Callable:
        """``--as table|json|csv|markdown|nl|tsv`` (``--nl``, ``--tsv`` for short), ``-o/--output FILE``
        (the format follows the file's extension unless ``--as`` says otherwise; ``-`` is stdout),
        ``--no-headers`` and ``--max-width N``. The command gets ``output`` (the format) and
        ``out_file``; the presenters get the rest through :func:`presenting`. Old spellings, hidden
        for one release: ``--out FILE``, and ``--output FORMAT`` (a bare format name where the file goes)."""

        @functools.wraps(func)
        def wrapper(*args, as_format, out_path, old_out, nl, tsv, no_headers, max_width, **kwargs):
            out_file = out_path or old_out
            if old_out:
                deprecated("--out FILE", "-o/--output FILE")
            if out_path in OUTPUT_FORMATS and not os.path.exists(out_path):  # the old `--output json`
                deprecated(f"--output {out_path}", f"--as {out_path}")
                as_format, out_file = as_format or out_path, old_out
            as_format = format_flags(as_format, nl, tsv)
            check_output_file(out_file)
            output = output_format_for(as_format, out_file)
            click.get_current_context().meta["mkslog_out_file"] = None if out_file == "-" else out_file
            keep_style(output, no_headers, max_width)
            return func(*args, output=output, out_file=out_file, **kwargs)

        wrapper = style_options(wrapper)
        wrapper = click.option("--out", "old_out", type=click.Path(dir_okay=False, readable=False), hidden=True,
                               help="Old spelling of -o/--output FILE.")(wrapper)
        wrapper = click.option("-o", "--output", "out_path", type=click.Path(readable=False), default=None,
                               metavar="FILE",
                               help="Write the answer to FILE (atomically) instead of stdout (- is stdout); its "
                                    "extension (.json, .csv, .md, .jsonl/.ndjson, .tsv) sets the format unless "
                                    "--as is given.")(wrapper)
        extra = f", or the records as {' or '.join(record_formats)}" if record_formats else ""
        return click.option("--as", "as_format", type=click.Choice(OUTPUT_FORMATS + record_formats), default=None,
                            help="Output format: table (aligned text when piped, the default), json, csv, markdown, "
                                 f"nl (ndjson: one JSON object per line) or tsv{extra}.")(wrapper)

    return output_options


output_options = make_output_options()


def terminal() -> bool | None:
    """Whether a table may be drawn for a terminal: never when the answer goes to a file
    (``-o``), else as stdout is (None: the presenter asks stdout)."""
    ctx = click.get_current_context(silent=True)
    return False if ctx is not None and ctx.meta.get("mkslog_out_file") else None


def presenting() -> dict:
    """The presenter's keywords the output options set: ``terminal``, ``headers``, ``max_width``."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    return {"terminal": terminal(), "headers": meta.get("mkslog_headers", True),
            "max_width": meta.get("mkslog_max_width")}


#: Inputs from this size on get a progress bar on a terminal (a few seconds of parsing).
PROGRESS_MIN_BYTES = 8 * 1024 * 1024


def attach_progress(stats) -> None:
    """Draw parse progress (bytes, time left) on stderr for large inputs when stderr is a terminal;
    the files are those the scan resolved (``stats.inputs``), so nothing is globbed twice."""
    if not sys.stderr.isatty():
        return
    files = [f for f in stats.inputs if f != "-" and os.path.isfile(f)]
    total = _size(files)
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


@contextlib.contextmanager
def working(label: str, files: list[str] | None = None) -> Iterator[None]:
    """A spinner with the elapsed time on stderr while a step without a byte count runs (an
    ingest, a report's notebook): only when stderr is a terminal, and for ``files`` only when
    they hold at least :data:`PROGRESS_MIN_BYTES`. Gone when the step ends."""
    if not sys.stderr.isatty() or (files is not None and _size(files) < PROGRESS_MIN_BYTES):
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn(one_line(label)), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        progress.add_task(label, total=None)
        yield


def _size(files: list[str]) -> int:
    return sum(os.path.getsize(f) for f in files if f != "-" and os.path.isfile(f))


def write_output(text: str, out_file: str | None) -> None:
    """``text`` to ``out_file`` (atomically: readers never see half of it) or to stdout (None or ``-``)."""
    if out_file and out_file != "-":
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
