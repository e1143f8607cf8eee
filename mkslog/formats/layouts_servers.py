"""The web servers' error logs as line layouts (:class:`mkslog.linelayout.Layout`): nginx's
``error_log`` and gunicorn's ``--error-logfile``. Both are multi-line (FastCGI stderr dumps,
tracebacks, config dumps): a line that starts no record continues the one above.

nginx writes ``2016/10/25 14:49:34 [error] 54053#0: *1 message, client: ..., server: ..., request:
"...", upstream: "...", host: "...", referrer: "..."``; the trailing fields may stand on the last line
of a multi-line message instead (``tail_from``). Its stamp is local time of the source timezone.
gunicorn writes ``[2025-02-14 18:08:19 +0000] [39] [INFO] message``: the stamp carries its offset
(kept as ``utc_offset``); ``event`` and ``worker_pid`` are derived from the message.

>>> import re
>>> from mkslog.formats.layout import compile_layout
>>> m = re.match(compile_layout(NGINX_ERROR).pattern, '2016/10/25 14:49:34 [error] 7#0: *1 boom, client: 10.0.0.1')
>>> m["level"], m["cid"], m["message"], m["client"]
('error', '1', 'boom', '10.0.0.1')
>>> GUNICORN_ERROR.columns
('ts', 'utc_offset', 'level', 'pid', 'message', 'event', 'worker_pid')
"""

from __future__ import annotations

from ..linelayout import Derive, Field, Layout, Maybe

NGINX_ERROR = Layout(
    name="nginx-error",
    kind="nginx-error",
    pieces=(
        Field("ts", "local_time:%Y/%m/%d %H:%M:%S"), " [", Field("level", "level_word:lower"), "] ",
        Field("pid", "int"), "#", Field("tid", "int"), ": ", Field("cid", "int", optional=True, prefix="*", suffix=" "),
        Field("message", "text"),
        Field("client", "until:,", optional=True, prefix=", client: "),
        Field("server", "until:,", optional=True, prefix=", server: "),
        *[Field(name, "quoted", optional=True, prefix=f', {name}: "', suffix='"')
          for name in ("request", "upstream", "host", "referrer")],
    ),
    multiline=True,
    start_through="level",  # a line with stamp and level starts a record, even when the rest is odd
    tail_from="client",
    expect_words="YYYY/MM/DD HH:MM:SS [level] pid#tid: *cid message, client: ..., server: ...",
)

#: (event, regex on the message), first match wins; anything else is ``other``.
GUNICORN_EVENTS: tuple[tuple[str, str], ...] = (
    ("worker_timeout", r"^WORKER TIMEOUT \(pid: ?[0-9]+\)"),
    ("worker_boot", r"^Booting worker with pid: ?[0-9]+"),
    ("worker_exit", r"^Worker exiting \(pid: ?[0-9]+\)|^Worker \(pid: ?[0-9]+\) (?:was sent|exited)"),
    ("start", r"^Starting gunicorn"),
    ("listening", r"^Listening at: "),
    ("shutdown", r"^Shutting down: Master"),
    ("signal", r"^Handling signal: "),
    ("exception", r"^Exception in worker process|^Error handling request"),
)
WORKER_EVENTS = tuple(name for name, _ in GUNICORN_EVENTS if name.startswith("worker_"))

GUNICORN_ERROR = Layout(
    name="gunicorn-error",
    kind="gunicorn-error",
    pieces=("[", Field("ts", "offset_time:%Y-%m-%d %H:%M:%S %z"), "] [", Field("pid", "int"), "] [",
            Field("level", "level_word"), "]", Maybe(" "), Field("message", "rest")),
    derived=(
        Derive("event", "str", "first_match", ("message",), {"table": GUNICORN_EVENTS, "default": "other"}),
        Derive("worker_pid", "int64", "extract", ("message",), {"regex": r"pid: ?([0-9]+)", "group": 1},
               only_if=("event", WORKER_EVENTS)),
    ),
    multiline=True,
    start_through="level",
    order=("ts", "utc_offset", "level", "pid", "message", "event", "worker_pid"),
    expect_words="[YYYY-mm-dd HH:MM:SS +zzzz] [pid] [LEVEL] message",
)

__all__ = ["GUNICORN_ERROR", "GUNICORN_EVENTS", "NGINX_ERROR"]
