"""The log kinds, once: their names, their key in mkslog.toml, their SQL table name.

Standard library only. Each kind's schema and default format live in :mod:`mkslog.formats`;
everything that lists, checks or maps kinds (the CLI's choices, the config, the store, the
report, SQL table names) takes them from here.

>>> KINDS[0], config_key("nginx-error"), table_name("gunicorn-error")
('access', 'nginx_error', 'gunicorn_error')
>>> check_kind("apache")
Traceback (most recent call last):
...
mkslog.errors.FormatError: unknown log kind 'apache': use one of access, nginx-error, gunicorn-error, app, health, metrics, backup, journal
"""

from __future__ import annotations

from .errors import FormatError

#: Every kind of log mkslog reads, the web server's access log first.
KINDS: tuple[str, ...] = ("access", "nginx-error", "gunicorn-error", "app", "health", "metrics", "backup",
                          "journal")
#: The kinds read as records (one or more lines each); ``access`` is one line per request.
RECORD_KINDS: tuple[str, ...] = KINDS[1:]
#: The kinds whose records may span several lines (tracebacks, dumps).
MULTILINE_KINDS: tuple[str, ...] = ("nginx-error", "gunicorn-error", "app", "journal")
#: mkslog's own logs: written by ``mkslog health`` and ``mkslog backup`` (see :mod:`mkslog.loglines`).
OWN_KINDS: tuple[str, ...] = ("health", "metrics", "backup")
#: The kinds that hold errors of the application stack (``mkslog errors``).
ERROR_KINDS: tuple[str, ...] = ("app", "gunicorn-error", "nginx-error", "journal")


def check_kind(kind: str) -> str:
    """``kind`` itself when it is a known kind, else a FormatError listing them."""
    if kind not in KINDS:
        raise FormatError(f"unknown log kind {kind!r}: use one of {', '.join(KINDS)}")
    return kind


def config_key(kind: str) -> str:
    """The kind's table in mkslog.toml: ``[logs.<key>]``."""
    return check_kind(kind).replace("-", "_")


def table_name(kind: str) -> str:
    """The kind's table name in SQL (``mkslog sql``): ``nginx_error`` ..."""
    return config_key(kind)


__all__ = ["ERROR_KINDS", "KINDS", "MULTILINE_KINDS", "OWN_KINDS", "RECORD_KINDS", "check_kind", "config_key",
           "table_name"]
