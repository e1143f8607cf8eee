"""mkslog: streaming log parsers, polars queries and weekly reports for the Mirai Knowledge System.

>>> import mkslog
>>> lf = mkslog.scan("sample_logs/nginx/mirai-knowledge-system-access.log*")  # doctest: +SKIP
"""

from .config import Config, load_config
from .errors import MkslogError
from .formats import LogFormat, compile_format, read_nginx_conf
from .frame import parse_batches, read, rejects, scan
from .parse import ParseStats

__all__ = [
    "Config",
    "LogFormat",
    "MkslogError",
    "ParseStats",
    "compile_format",
    "load_config",
    "parse_batches",
    "read",
    "read_nginx_conf",
    "rejects",
    "scan",
]
