"""The week's story told on the requests: the outage, the application bugs, the deploy's new workers.

These run after every request is built and sorted, and edit the :class:`~mkslog.sample.request.Request`
records in place, so that every log written from them afterwards tells the same story.

Example (API answers while the workers hang, then while gunicorn is down):

>>> from datetime import date
>>> from mkslog.sample.humans import human_traffic
>>> from mkslog.sample.scenario import Scenario
>>> sc = Scenario(date(2026, 11, 16), 7, seed=47, scale=1.0)
>>> reqs = sorted(human_traffic(sc), key=lambda r: r.t)
>>> apply_outage(sc, reqs)
>>> api = [r for r in reqs if r.target.startswith("/api/")]
>>> sorted({r.status for r in api if sc.burst[0] <= r.t < sc.refused})
[500, 504]
>>> {r.status for r in api if sc.refused <= r.t < sc.restart}
{502}
"""

from __future__ import annotations

from .endpoints import ERROR_SIZES
from .request import Request
from .scenario import Scenario
from .system import EXPORT_IP
from .tracebacks import DB_VIEWS


def apply_outage(sc: Scenario, reqs: list[Request]) -> None:
    """14:00-14:06 workers hang on the database (504, or a fast 500 with a traceback); 14:06-14:19:30 no
    gunicorn at all (502, connection refused); afterwards normal again."""
    rng = sc.rng
    for r in reqs:
        if not (sc.burst[0] <= r.t < sc.restart and r.target.startswith("/api/") and r.raw is None):
            continue
        r.retry = 0
        if r.t < sc.refused and r.ep in DB_VIEWS and rng.random() < 0.5:
            r.status, r.size, r.err = 500, ERROR_SIZES[500], "db"
            r.app_us = rng.randint(2000, 30000)
            up = r.app_us // 1000 + 1
            r.up, r.req_ms = f"{up / 1000:.3f}", up + rng.randint(0, 2)
        elif r.t < sc.refused:
            up = 30000 + rng.randint(0, 4)  # proxy_read_timeout 30s
            r.status, r.size, r.app_us, r.up, r.req_ms = 504, 167, -1, f"{up / 1000:.3f}", up + rng.randint(0, 2)
        else:
            r.status, r.size, r.app_us, r.up, r.req_ms = 502, 157, -1, "-", rng.randint(0, 1)


def sprinkle_errors(sc: Scenario, reqs: list[Request]) -> None:
    """A few application bugs over the week: 500s with KeyError, ValueError and TypeError tracebacks."""
    kinds = {"create": "key", "search": "value", "project": "type"}
    lo, hi = sc.burst[0] - 3600, sc.burst[1] + 3600
    for ep, kind in kinds.items():
        cands = [r for r in reqs if r.ep == ep and r.status in (200, 201) and r.app_us >= 0 and r.login
                 and not lo <= r.t < hi and r.ip != EXPORT_IP]
        for r in sc.rng.sample(cands, min(len(cands), max(1, round(0.4 * sc.n)))):
            r.status, r.size, r.err = 500, ERROR_SIZES[500], kind
            if ep == "search":
                r.target = r.target.rsplit("&page=", 1)[0] + "&page=abc"


def assign_connections(sc: Scenario, reqs: list[Request]) -> None:
    """nginx connection numbers and worker pids (new workers after the deploy's reload)."""
    rng = sc.rng
    cid = rng.randint(100_000, 200_000)
    for r in reqs:
        cid += 1 + (rng.random() < 0.3)
        r.cid = cid
        r.wpid = rng.choice((2101, 2102) if r.t < sc.deploy + 5 else (4712, 4713))
