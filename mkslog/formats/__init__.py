"""Log formats: named formats and format strings of each syntax, compiled to :class:`LogFormat`.

>>> compile_format("timed").name
'timed'
>>> compile_format('%(h)s %(t)s "%(r)s" %(s)s').syntax
'gunicorn'
"""

from __future__ import annotations

from ..errors import FormatError
from .base import Field, LogFormat
from .gunicorn import NAMED as GUNICORN_NAMED
from .gunicorn import compile_gunicorn
from .nginx import NAMED as NGINX_NAMED
from .nginx import compile_nginx, log_formats_in

__all__ = ["Field", "LogFormat", "compile_format", "ACCESS_FORMATS", "log_formats_in", "named_formats"]

#: Named access formats, in the order autodetection prefers them on a tie (more fields first).
ACCESS_FORMATS = {
    "timed": ("nginx", NGINX_NAMED["timed"]),
    "main": ("nginx", NGINX_NAMED["main"]),
    "combined": ("nginx", NGINX_NAMED["combined"]),
    "common": ("nginx", NGINX_NAMED["common"]),
    "gunicorn_timed": ("gunicorn", GUNICORN_NAMED["gunicorn_timed"]),
    "gunicorn": ("gunicorn", GUNICORN_NAMED["gunicorn"]),
}


def named_formats() -> list[str]:
    return list(ACCESS_FORMATS)


def compile_format(spec: str | LogFormat) -> LogFormat:
    """A named format, an nginx ``$var`` string or a gunicorn ``%(x)s`` string, told apart by syntax."""
    if isinstance(spec, LogFormat):
        return spec
    if spec in ACCESS_FORMATS:
        syntax, source = ACCESS_FORMATS[spec]
        compiler = compile_nginx if syntax == "nginx" else compile_gunicorn
        return compiler(source, name=spec)
    if "%(" in spec:
        return compile_gunicorn(spec)
    if "$" in spec:
        return compile_nginx(spec)
    raise FormatError(
        f"unknown format {spec!r}: give one of {', '.join(ACCESS_FORMATS)}, an nginx log_format string "
        "($remote_addr ...) or a gunicorn access_log_format (%(h)s ...)"
    )
