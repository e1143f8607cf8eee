"""The sample week's access logs: nginx "timed" lines and gunicorn's, one list per day for logrotate.

Example (a static file nginx served itself, so no upstream time):

>>> from datetime import date
>>> r = Request(3600.0, "10.1.0.2", "GET", "/", 200, 1843, "curl/8.5.0", req_ms=1)
>>> print(nginx_line(Clock(date(2026, 11, 16), 7), r))
10.1.0.2 - - [16/Nov/2026:01:00:00 +0900] "GET / HTTP/1.1" 200 1843 "-" "curl/8.5.0" 0.001 -
"""

from __future__ import annotations

from collections.abc import Callable

from .clock import Clock
from .request import Request
from .scenario import Scenario
from .system import DAY


def nginx_line(c: Clock, r: Request) -> str:
    """The "timed" format: combined plus ``$request_time $upstream_response_time``."""
    return (f'{r.ip} - {r.user} [{c.clf(r.t)}] "{r.request}" {r.status} {r.size} "{r.ref}" "{r.ua}" '
            f"{r.req_ms / 1000:.3f} {r.up}")


def gunicorn_line(c: Clock, r: Request) -> str:
    """gunicorn's default ``access_log_format`` plus ``%(D)s`` (microseconds)."""
    # nginx talks HTTP/1.1 to gunicorn (proxy_http_version 1.1), whatever the client spoke
    return (f'127.0.0.1 - - [{c.clf(r.t)}] "{r.method} {r.target} HTTP/1.1" {r.status} {r.size} '
            f'"{r.ref}" "{r.ua}" {r.app_us}')


def per_day(sc: Scenario, reqs: list[Request], line: Callable[[Clock, Request], str]) -> list[list[str]]:
    """The lines of each day of the window, for one file per day (logrotate ``daily``)."""
    days: list[list[str]] = [[] for _ in range(sc.n)]
    for r in reqs:
        days[int(r.t) // DAY].append(line(sc.clock, r))
    return days
