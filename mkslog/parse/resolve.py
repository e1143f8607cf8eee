"""From what a caller asks for to what the pipeline reads: paths (or the configured ones), the
kind (given or detected), the format (given, configured or detected) and the source timezone
become one :class:`~mkslog.parse.pipeline.Plan` per file.

``mkslog.scan`` and ``mkslog ingest`` both resolve here, so a file is read the same way on
every path.

>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "m.log")
>>> _ = open(p, "w").write("2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63\\n")
>>> kind, plans = resolve(p, config={})
>>> kind, plans[0].parser.name
('metrics', 'metrics')
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ..config import Config, as_config
from ..errors import FormatError, LogFileError
from ..formats import LogFormat, compile_format
from ..formats.fixed import RecordFormat
from ..formats.nginx import compile_nginx, log_formats_in
from ..formats.pylogging import PyLogFormat
from ..kinds import KINDS, check_kind, config_key
from ..sources import Source, expand
from ..timespec import check_timezone
from .detect import detect_app_format, detect_formats, detect_kind
from .pipeline import AccessParser, Parser, Plan, RecordParser
from .records import record_format

PathsLike = str | os.PathLike | Iterable[str | os.PathLike] | None
Format = str | LogFormat | PyLogFormat | RecordFormat | list | tuple | None


def configured_sources(cfg: Config, kind: str) -> list[Source]:
    """The files of ``[logs.<kind>] paths``, or an error that says where they are configured."""
    key = config_key(kind)
    try:
        return expand(cfg.log_paths(key))
    except LogFileError as exc:
        raise LogFileError(
            f"{exc} - these are the configured {kind} log paths; pass log files as arguments "
            f"or set [logs.{key}] paths in mkslog.toml (see `mkslog config`)"
        ) from None


def read_nginx_conf(path: str | os.PathLike) -> dict[str, str]:
    """The ``log_format`` directives of an nginx config file, as ``{name: format string}``.

    >>> import tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "nginx.conf")
    >>> _ = open(p, "w").write("http {\\n  log_format timed '$remote_addr [$time_local] '\\n   '$status';\\n}\\n")
    >>> read_nginx_conf(p)
    {'timed': '$remote_addr [$time_local] $status'}
    """
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError as exc:
        raise FormatError(f"cannot read nginx config {path}: {exc.strerror} (give a readable file)") from exc
    return log_formats_in(text)


def access_format(name: str | None = None, log_format: str | None = None,
                  nginx_conf: str | os.PathLike | None = None) -> str | LogFormat | None:
    """The access format a user asked for: a named one, a format string, or a ``log_format`` of an
    nginx config (``name`` chooses among several); None to use the config's or detect it."""
    if nginx_conf:
        defined = read_nginx_conf(nginx_conf)
        if not defined:
            raise FormatError(f"{nginx_conf} defines no log_format (point --nginx-conf at the file that does)")
        if name and name not in defined:
            raise FormatError(f"{nginx_conf} has no log_format {name!r}; it defines: {', '.join(defined)}")
        if not name and len(defined) > 1:
            raise FormatError(f"{nginx_conf} defines several log_formats ({', '.join(defined)}): choose one with "
                              "--format")
        name = name or next(iter(defined))
        return compile_nginx(defined[name], name=name)
    if name and log_format:
        raise FormatError("give --format or --log-format, not both")
    return log_format or name


def kind_of_format(format: Format) -> str:
    """The kind a format implies: ``access`` for an access-log format, ``app`` for a logging one.

    >>> kind_of_format("combined"), kind_of_format("%(asctime)s %(levelname)s %(message)s")
    ('access', 'app')
    """
    if isinstance(format, RecordFormat):
        return format.kind
    if isinstance(format, PyLogFormat):
        return "app"
    try:
        for spec in format if isinstance(format, list | tuple) else [format]:
            compile_format(spec)
    except FormatError:
        return "app"
    return "access"


def parser_for(source: Source, kind: str, format: Format = None, *, datefmt: str | None = None,
               source_tz: str = "UTC") -> Parser:
    """The parser ``source`` is read with: ``format`` when given, else detected from its lines."""
    if kind == "access":
        if isinstance(format, PyLogFormat | RecordFormat):
            raise FormatError(f"{format.name} is not an access-log format: give a named access format, an nginx "
                              "log_format or a gunicorn access_log_format")
        if format is not None:
            specs = format if isinstance(format, list | tuple) else [format]
            return AccessParser.of(compile_format(f) for f in specs)
        return AccessParser.of(detect_formats(source))
    if isinstance(format, LogFormat):
        raise FormatError(f"{format.name} is an access-log format: {kind} logs take a logging format (app) "
                          "or none (their layout is fixed)")
    if kind == "app" and format is None:
        return RecordParser(detect_app_format(source, datefmt).record_format(), source_tz)
    return RecordParser(record_format(kind, format, datefmt), source_tz)


def resolve(paths: PathsLike = None, *, kind: str | None = None, format: Format = None, config=None,
            datefmt: str | None = None, source_tz: str | None = None) -> tuple[str, list[Plan]]:
    """The kind and one plan per file. ``paths=None`` reads the configured paths, format and
    datefmt of ``kind`` (default ``access``); ``kind=None`` with paths detects the kind (all
    files must be of one kind). ``source_tz``: zone of timestamps without an offset (default: the
    config's ``source_timezone``, the machine's own zone unless set)."""
    if kind is not None:
        check_kind(kind)
    cfg = as_config(config)
    if paths is None:
        kind = kind or "access"
        key = config_key(kind)
        format = format or cfg.get(f"logs.{key}.format") or None
        datefmt = datefmt or cfg.get(f"logs.{key}.datefmt") or None
        sources = configured_sources(cfg, kind)
    else:
        sources = expand(paths)
    if kind is None and format is not None:
        kind = kind_of_format(format)
    if kind is None:
        found = {s.name: detect_kind(s) for s in sources}
        kinds = sorted(set(found.values()), key=KINDS.index)
        if len(kinds) > 1:
            detail = ", ".join(f"{name}: {k}" for name, k in found.items())
            raise FormatError(f"the files hold different kinds of log ({detail}); read each kind separately")
        kind = kinds[0]
    tz = check_timezone(source_tz or cfg.get("source_timezone") or "UTC")
    return kind, [Plan(s, parser_for(s, kind, format, datefmt=datefmt, source_tz=tz)) for s in sources]


__all__ = ["access_format", "read_nginx_conf", "configured_sources", "kind_of_format", "parser_for", "resolve"]
