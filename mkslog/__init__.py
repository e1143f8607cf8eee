"""mkslog: streaming log parsers, polars queries and weekly reports for the Mirai Knowledge System.

The analytics API loads lazily, so that ``python -m mkslog health ...`` and ``backup ...``
(run from cron every few minutes) never import polars.

>>> import mkslog
>>> lf = mkslog.scan("sample_logs/nginx/mirai-knowledge-system-access.log*")  # doctest: +SKIP
"""

from importlib import import_module

from .config import Config, load_config
from .errors import MkslogError

_LAZY = {
    "LogFormat": "formats",
    "compile_format": "formats",
    "read_nginx_conf": "parse.resolve",
    "parse_batches": "frame",
    "read": "frame",
    "rejects": "frame",
    "scan": "frame",
    "scan_error_logs": "frame",
    "ingest": "store",
    "ParseStats": "parse",
    "sql": "logsql",
    "Filters": "filters",
}

__all__ = ["Config", "MkslogError", "load_config", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'mkslog' has no attribute {name!r}")
