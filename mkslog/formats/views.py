"""polars string columns as Arrow string views for mkslog's C code, and views made there back
into polars columns; without copying the text either way.

polars keeps strings as views (16 bytes a line: the length and, for short strings, the text; else
its first four bytes and where it lies in one of the column's data buffers). The C loops read those
views where polars keeps them; the views they write point into buffers of their own (or, for a
string they leave as it is, into the column's).

>>> import polars as pl
>>> arrow = string_views(pl.Series("line", ["a", "a long line of text"]))
>>> len(arrow), len(arrow.buffers()[1])
(2, 32)
>>> column_of_views("x", arrow.buffers()[1].to_pybytes(), arrow.buffers()[2:]).to_list()
['a', 'a long line of text']
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from ..native import DISABLE_ENV, native_wanted

__all__ = ["DISABLE_ENV", "as_buffer", "column_of_views", "native_wanted", "string_views"]


def string_views(series: pl.Series, *, nulls: bool = False) -> pa.StringViewArray | None:
    """``series`` as one Arrow string-view array sharing polars' buffers; None when it is not a
    string column, or holds nulls and ``nulls`` is False (a loop that reads no validity bitmap).
    With ``nulls``, the array starts at its first view and bit (a loop that reads the bitmap from
    bit 0 and takes no offset).

    >>> string_views(pl.Series(["a", None]).slice(1), nulls=True).offset
    0
    """
    if series.dtype != pl.String or (series.null_count() and not nulls):
        return None
    arrow = series.to_arrow(compat_level=pl.CompatLevel.newest())
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    if arrow.type != pa.string_view():
        return None
    if arrow.offset and nulls:  # a copy of the views and the bitmap, from the first
        arrow = pa.concat_arrays([arrow.slice(0, 0), arrow])
    return None if arrow.offset and nulls else arrow


def as_buffer(data) -> pa.Buffer:
    """``data`` (anything with the buffer protocol) as an Arrow buffer, without a copy."""
    return data if isinstance(data, pa.Buffer) else pa.py_buffer(data)


def column_of_views(name: str, views, data: list, validity=None) -> pl.Series:
    """A polars String column of ``views`` (16 bytes each) that point into the ``data`` buffers,
    null where ``validity`` (a bitmap; None: no nulls) has a 0 bit."""
    buffers = [None if validity is None else as_buffer(validity), as_buffer(views), *map(as_buffer, data)]
    return pl.Series(name, pa.Array.from_buffers(pa.string_view(), len(as_buffer(views)) // 16, buffers))
