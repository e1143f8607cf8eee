"""The request line's parts (method, path, query, protocol) cut by C (``mkslog/native/requestline.c``),
as polars would capture them
with :data:`mkslog.formats.fields.REQUEST_LINE` (``extract_groups``: its one-pass DFA was the
largest single cost of a full parse). The parts are views into the request column's own text.

>>> import polars as pl
>>> parts = request_parts(pl.Series(["GET /a?b=1 HTTP/1.1", "\\x16\\x03", "POST /"]), "p")
>>> parts.struct.unnest().rows()
[('GET', '/a', 'b=1', 'HTTP/1.1'), (None, None, None, None), ('POST', '/', None, None)]
"""

from __future__ import annotations

import polars as pl

from .views import column_of_views, native_wanted, string_views

try:
    from ..native import requestline
except ImportError:  # built at install time; without a C compiler polars' regex captures them
    requestline = None


def request_parts(requests: pl.Series, name: str) -> pl.Series | None:
    """A struct column ``name`` with fields ``"1"`` to ``"4"`` (method, path, query, protocol; all
    null where the line is not a request line), or None where C cannot answer (not built,
    switched off, nulls in ``requests``)."""
    arrow = string_views(requests) if requestline is not None and native_wanted() else None
    if arrow is None:
        return None
    buffers = arrow.buffers()
    *views, matched, has_query, has_protocol = requestline.request_parts(buffers[1], tuple(buffers[2:]), arrow.offset,
                                                                     len(arrow))
    columns = [column_of_views(label, part, buffers[2:], valid)
               for label, part, valid in zip("1234", views, (matched, matched, has_query, has_protocol), strict=True)]
    return pl.DataFrame(columns).to_struct(name)
