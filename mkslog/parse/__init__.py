"""Bytes to typed batches, rejects and statistics: the one reading pipeline of every kind.

Never imports :mod:`mkslog.frame` or :mod:`mkslog.store`."""

from .stats import ParseStats

__all__ = ["ParseStats"]
