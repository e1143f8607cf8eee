"""Write a parsed LazyFrame to Parquet, CSV, JSON Lines, TSV or Arrow, streaming (bounded memory),
into a file or a stream (``parse -o -``: stdout).

CSV cells that a spreadsheet would run as a formula (starting ``= + - @``) get a leading ``'``.

>>> import polars as pl, tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "x.csv")
>>> export(pl.LazyFrame({"ua": ["=HYPERLINK(1)", "ok"]}), p)
>>> open(p).read()
"ua\\n'=HYPERLINK(1)\\nok\\n"
"""

from __future__ import annotations

import errno
import os

import polars as pl

from ..errors import OutputError
from ..text import FORMULA_REGEX
from .rows import inert_columns, tsv_columns

#: CSV times: ISO 8601 with the zone's offset as +09:00 (not +0900), milliseconds always (a stream
#: cannot look ahead to see whether a column needs them: one precision per column).
CSV_TIME = "%Y-%m-%dT%H:%M:%S%.3f%:z"


def guard_formulas(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Every text column of ``lf`` with a leading ``'`` where a spreadsheet would see a formula
    (the cell starts as :data:`mkslog.text.FORMULA_REGEX` says); other columns as they are.

    >>> guard_formulas(pl.LazyFrame({"ua": ["@SUM(A1)", "curl"], "n": [-1, 2]})).collect().rows()
    [("'@SUM(A1)", -1), ('curl', 2)]
    """
    strings = [name for name, dtype in lf.collect_schema().items() if dtype == pl.String]
    return lf.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_REGEX)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in strings
    )


#: The file kinds :func:`export` writes, by extension.
KIND_OF_SUFFIX = {".parquet": "parquet", ".csv": "csv", ".jsonl": "nl", ".ndjson": "nl", ".tsv": "tsv",
                  ".arrow": "arrow"}
EXPORT_SUFFIXES = tuple(KIND_OF_SUFFIX)
#: The kinds a stream takes, and those a terminal refuses (bytes, not text).
STREAM_KINDS = ("parquet", "arrow", "csv", "nl", "tsv")
BINARY_KINDS = ("parquet", "arrow")


def check_export_path(path: str | os.PathLike) -> str:
    """``path`` when :func:`export` can tell its kind from the extension, else an error saying how to fix it.

    >>> check_export_path("records.txt")
    Traceback (most recent call last):
    ...
    mkslog.errors.OutputError: cannot tell the output kind of records.txt: end it with .parquet, .csv or .jsonl (or .ndjson, .tsv, .arrow), or give -o - for stdout
    """
    path = os.fspath(path)
    if not path.endswith(EXPORT_SUFFIXES):
        raise OutputError(f"cannot tell the output kind of {path}: end it with .parquet, .csv or .jsonl "
                          "(or .ndjson, .tsv, .arrow), or give -o - for stdout")
    return path


def _sink(lf: pl.LazyFrame, kind: str, target, *, headers: bool = True, stream: bool = False) -> None:
    """``lf`` into ``target`` (a path or a binary stream) as ``kind``, by polars' streaming sinks."""
    if kind == "parquet":
        lf.sink_parquet(target)
    elif kind == "arrow":
        if stream:
            _arrow_stream(lf, target)
        else:
            lf.sink_ipc(target)
    elif kind == "csv":
        guard_formulas(lf).sink_csv(target, datetime_format=CSV_TIME, include_header=headers)
    elif kind == "nl":
        lf.sink_ndjson(target)
    elif kind == "tsv":
        # every cell already escaped (one line, no tab inside): never quoted, so cut -f and awk read it
        tsv_columns(lf, CSV_TIME).sink_csv(target, separator="\t", quote_style="never", include_header=headers)
    else:
        raise OutputError(f"cannot write records as {kind}: give one of {', '.join(STREAM_KINDS)}")


def _arrow_stream(lf: pl.LazyFrame, target) -> None:
    """The Arrow IPC *stream* format (what a pipe carries: no footer to seek back to), batch by batch."""
    import pyarrow as pa

    writer = None
    for batch in lf.collect_batches():
        table = batch.to_arrow()
        if writer is None:
            writer = pa.ipc.new_stream(target, table.schema)
        writer.write_table(table)
    if writer is None:
        writer = pa.ipc.new_stream(target, lf.collect_schema().to_frame().to_arrow().schema)
    writer.close()


def export(lf: pl.LazyFrame, path: str | os.PathLike, *, headers: bool = True) -> None:
    """Stream ``lf`` into ``path``; the kind follows the extension. Written to a temporary name
    and renamed, so a failed export leaves no half file. Times are ISO 8601 with the offset of
    their zone (``2026-11-19T03:00:09.000+09:00`` in CSV and TSV), as the query commands write them."""
    path = check_export_path(path)
    kind = KIND_OF_SUFFIX[os.path.splitext(path)[1]]
    tmp = f"{path}.part"
    try:
        _sink(lf, kind, tmp, headers=headers)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def export_stream(lf: pl.LazyFrame, kind: str, stream, *, headers: bool = True, terminal: bool = False) -> None:
    """Stream ``lf`` into the binary ``stream`` (stdout) as ``kind``: the bytes :func:`export` writes
    to a file, batch by batch. A ``terminal`` takes text only, its control characters escaped (a
    log's ESC must not drive it); Parquet and Arrow are refused there. A reader that stops early
    (``| head``) raises BrokenPipeError, which the CLI ends quietly."""
    if terminal and kind in BINARY_KINDS:
        raise OutputError(f"{kind} is binary and stdout is a terminal: redirect it (> records.{kind}) or pipe "
                          "it to a program, or use --as csv|nl|tsv to read the records here")
    if terminal and kind != "tsv":
        lf = inert_columns(lf)
    try:
        _sink(lf, kind, stream, headers=headers, stream=True)
        stream.flush()
    except OSError as exc:  # polars' sinks raise a plain OSError for EPIPE
        if exc.errno == errno.EPIPE or "Broken pipe" in str(exc):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe") from exc
        raise
