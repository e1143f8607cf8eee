"""URL paths folded by C (``mkslog/native/pathfold.c``), exactly as :func:`mkslog.queries.common.fold_path`'s
four regex passes fold them: over 10M requests the passes were most of a query by endpoint (and
of the report's access parse, which folds each path once).

>>> import polars as pl
>>> fold_paths_natively(pl.Series(["/api/v1/knowledge/123", "/a/1/2/b/0123456789abcdef0123.js", None])).to_list()
['/api/v1/knowledge/{id}', '/a/{id}/{id}/b/{hash}.js', None]
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from ..formats.views import column_of_views, native_wanted, string_views

try:
    from ..native import pathfold
except ImportError:  # built at install time; without a C compiler the regex passes fold them
    pathfold = None


def fold_paths_natively(paths: pl.Series) -> pl.Series | None:
    """``paths`` folded by C, or None where it cannot (not built, switched off, not a String column)."""
    arrow = string_views(paths, nulls=True) if pathfold is not None and native_wanted() else None
    if arrow is None:
        return None
    buffers = arrow.buffers()
    validity = buffers[0] if arrow.null_count else None
    views, text = pathfold.fold_views(buffers[1], tuple(buffers[2:]), validity, len(arrow))
    return column_of_views(paths.name, views, [*buffers[2:], text], validity)


def native_folding() -> bool:
    """Whether :func:`fold_paths_natively` can fold (the extension built and not switched off)."""
    return pathfold is not None and native_wanted()


def fold_paths(paths: pl.Series, by_regex: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """``paths`` folded: by C where it can, else by ``by_regex`` (fold_path's regex passes)."""
    folded = fold_paths_natively(paths)
    if folded is not None:
        return folded
    return paths.to_frame("p").select(by_regex(pl.col("p")).alias(paths.name)).to_series()
