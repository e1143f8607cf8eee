"""One HTTP request of the sample week, and how long nginx and gunicorn took to answer it.

A :class:`Request` holds what nginx logged (time, client, request line, status, size, timings) and what
the other logs need to know about it (the application user, the endpoint, an exception kind). The
scenario builds them, the story (outage, bugs) edits them, and the log writers only read them.

Example (gunicorn's ``%(D)s`` and nginx's ``$upstream_response_time`` of one API call):

>>> import random
>>> r = Request(36000.0, "10.1.0.2", "GET", "/api/v1/knowledge/42", 200, 5321, "curl/8.5.0", ep="detail")
>>> proxy_timing(random.Random(1), r, median_ms=45, tail=0.0)
>>> r.request, r.app_us, r.up
('GET /api/v1/knowledge/42 HTTP/1.1', 60970, '0.061')
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(slots=True)
class Request:
    """One HTTP request as nginx logged it, plus what the other logs need to know about it."""

    t: float  # seconds since the window's first local midnight, when nginx logged it
    ip: str
    method: str
    target: str
    status: int
    size: int
    ua: str
    ref: str = "-"
    proto: str = "HTTP/1.1"
    user: str = "-"  # $remote_user
    login: str = ""  # the application user behind the request
    ep: str = ""
    oid: int = 0  # the knowledge id it touches
    raw: str | None = None  # a request line that is not "METHOD TARGET PROTO"
    req_ms: int = 0
    up: str = "-"  # $upstream_response_time as nginx writes it
    app_us: int = -1  # gunicorn %(D)s; -1 when gunicorn did not log the request
    retry: int = 0  # ms of a failed first upstream attempt
    err: str = ""  # exception kind of an application 500
    note: str = ""  # a special application log message
    cid: int = 0
    wpid: int = 0

    @property
    def request(self) -> str:
        """The request line as nginx logs it ``$request``: raw when the client sent no valid one."""
        return self.raw if self.raw is not None else f"{self.method} {self.target} {self.proto}"


def proxy_timing(rng: random.Random, r: Request, median_ms: float, tail: float, app: bool = True) -> None:
    """Upstream timing: lognormal around the median, a tail over 1 s, rarely over 5 s.

    ``app=False`` is an upstream that is not gunicorn (php-fpm): nginx times it, gunicorn never sees it."""
    ms = rng.lognormvariate(math.log(median_ms), 0.5)
    u = rng.random()
    if u < 0.0005:
        ms = rng.uniform(5000, 12000)
    elif u < tail:
        ms = rng.uniform(1000, 4800)
    us = max(150, int(ms * 1000))
    up = us // 1000 + 1
    extra = rng.randint(0, 2) + (r.size // rng.randint(1000, 20000) if r.size > 200_000 else 0)
    r.up = f"{up / 1000:.3f}"
    if app:
        r.app_us = us
        if r.method == "GET" and rng.random() < 0.0015:  # the first worker closed the connection; nginx retried
            r.retry = rng.randint(1, 40)
            r.up = f"{r.retry / 1000:.3f}, {r.up}"
            extra += r.retry
    r.req_ms = up + extra


def static_timing(rng: random.Random, r: Request) -> None:
    """A file nginx serves itself: a few ms, more for a large body."""
    r.req_ms = rng.randint(0, 3) + (r.size // rng.randint(2000, 30000) if r.size > 100_000 else 0)
