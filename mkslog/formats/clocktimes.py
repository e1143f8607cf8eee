"""Timestamps of fixed layouts read by C (``mkslog/native/clocktime.c``), as polars' strptime reads
them: nginx's ``$time_local`` and Python logging's default asctime. None wherever C cannot answer
(the extension not built or switched off, nulls, a value of another shape): polars answers then.

>>> import polars as pl
>>> clock = clf_clock(pl.Series(["10/Oct/2026:13:55:36 +0900", "29/Feb/2027:00:00:00 +0000"]), "c")
>>> clock.struct.unnest().rows() if clock is not None else "no C"  # doctest: +ELLIPSIS
[(datetime.datetime(2026, 10, 10, 4, 55, 36, tzinfo=...), 540), (None, 0)]
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from .views import as_buffer, native_wanted, string_views

try:
    from ..native import clocktime
except ImportError:  # built at install time; without a C compiler polars' strptime reads them
    clocktime = None

#: The layouts of ``clocktime.times``.
CLF, ASCTIME = 0, 1


def _times(values: pl.Series, layout: int) -> tuple[pa.Array, pa.Array | None] | None:
    arrow = string_views(values) if clocktime is not None and native_wanted() else None
    if arrow is None:
        return None
    buffers = arrow.buffers()
    read = clocktime.times(buffers[1], tuple(buffers[2:]), arrow.offset, len(arrow), layout)
    if read is None:  # a value of another shape
        return None
    micros, valid, offsets = read
    kind = pa.timestamp("us", "UTC") if layout == CLF else pa.timestamp("us")
    stamps = pa.Array.from_buffers(kind, len(arrow), [as_buffer(valid), as_buffer(micros)])
    return stamps, None if offsets is None else pa.Array.from_buffers(pa.int16(), len(arrow), [None, as_buffer(offsets)])


def clf_clock(values: pl.Series, name: str) -> pl.Series | None:
    """``$time_local`` values (``10/Oct/2026:13:55:36 +0900``) as a struct column ``name``: ``ts``
    (the UTC instant, null where the date does not exist) and ``offset`` (minutes east of UTC)."""
    read = _times(values, CLF)
    if read is None:
        return None
    stamps, offsets = read
    return pl.DataFrame([pl.Series("ts", stamps), pl.Series("offset", offsets)]).to_struct(name)


def asctime_naive(values: pl.Series) -> pl.Series | None:
    """Python's default asctime values (``2026-11-18 14:05:00,123``) as naive local datetimes.

    >>> naive = asctime_naive(pl.Series(["2026-11-18 14:05:00,123"]))
    >>> naive.to_list() if naive is not None else "no C"
    [datetime.datetime(2026, 11, 18, 14, 5, 0, 123000)]
    """
    read = _times(values, ASCTIME)
    return None if read is None else pl.Series(values.name, read[0])


__all__ = ["ASCTIME", "CLF", "asctime_naive", "clf_clock"]
