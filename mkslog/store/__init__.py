"""The Parquet store: parse once, read columns afterwards (see :mod:`mkslog.store.read` for the
layout). It runs the parse pipeline (:mod:`mkslog.parse`) and never imports :mod:`mkslog.frame`.

>>> from mkslog.store import ingest, scan_store  # doctest: +SKIP
"""

from .filejob import PART_ROWS, FileReport
from .ingest import INGEST_KINDS, IngestResult, collect_garbage, configured_kinds, ingest
from .migrate import migrate
from .read import configured_store, scan_store, store_files, store_hosts, store_rejects

__all__ = ["INGEST_KINDS", "PART_ROWS", "FileReport", "IngestResult", "collect_garbage", "configured_kinds",
           "configured_store", "ingest", "migrate", "scan_store", "store_files", "store_hosts", "store_rejects"]
