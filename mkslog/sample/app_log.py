"""The sample week's application log: what the Flask app logs for requests and on its own.

Logins (successful and failed, with the client IP), knowledge created, updated and deleted, refresh
tokens expired, exceptions with their tracebacks; start-up lines after each gunicorn start, the hourly
session cleanup, and the counter job failing every 30 s of the outage. Format
``%(asctime)s %(levelname)s %(name)s: %(message)s``.

Example::

    from mkslog.sample.app_log import app_log

    records = app_log(sc, reqs, starts)   # starts: from gunicorn_error_log (``generate`` runs both)
    records[0][1]   # '2026-11-16 00:00:01,399 INFO app_v2: Mirai Knowledge System app_v2 2.4.1 starting ...'
"""

from __future__ import annotations

from .request import Request
from .scenario import Scenario
from .system import APP_DIR
from .tracebacks import DB_FRAMES, app_traceback

_LOGGERS = {"project": "app_v2.api.projects", "sop": "app_v2.api.sops", "notif": "app_v2.api.notifications",
            "login": "app_v2.auth", "refresh": "app_v2.auth", "health": "app_v2"}


def _app_message(r: Request, new_id: int) -> tuple[str, str, str] | None:
    """(level, logger, message) the application logs for a request it answered, if any."""
    name = _LOGGERS.get(r.ep, "app_v2.api.knowledge")
    if r.err:
        return "ERROR", name, f"Exception on {r.target.split('?')[0]} [{r.method}]\n{app_traceback(r)}"
    messages = {
        ("login", 200): ("INFO", f"User login successful: username={r.login} ip={r.ip}"),
        ("login", 401): ("WARNING", f"Invalid username or password: username={r.login} ip={r.ip}"),
        ("refresh", 401): ("WARNING", f"Refresh token expired: ip={r.ip}"),
        ("create", 201): ("INFO", f"Knowledge created: id={new_id} user={r.login}"),
        ("update", 200): ("INFO", r.note or f"Knowledge updated: id={r.oid} user={r.login}"),
        ("delete", 204): ("INFO", f"Knowledge deleted: id={r.oid} user={r.login}"),
    }
    hit = messages.get((r.ep, r.status))
    return (hit[0], name, hit[1]) if hit else None


def _app_background(sc: Scenario, starts: list[float]) -> list[tuple[float, str, str, str]]:
    """Start-up lines, two DEBUG lines, the hourly session cleanup, and the failing counter job."""
    rng = sc.rng
    out = [(t + 0.4, "INFO", "app_v2", "Mirai Knowledge System app_v2 2.4.1 starting (env=production, "
            "database=postgresql)") for t in starts]
    out.append((starts[0] + 0.45, "DEBUG", "app_v2.db", "Connection pool created: minconn=2 maxconn=10"))
    out.append((starts[0] + 0.5, "DEBUG", "app_v2.api.knowledge", "Search index loaded: 1500 documents in 0.84s"))
    for h in range(1, sc.n * 24):
        t = h * 3600 + 0.2 + rng.random() * 0.5
        if not sc.burst[0] <= t < sc.restart:
            out.append((t, "INFO", "app_v2", f"Expired sessions cleaned up: removed={rng.randint(0, 40)}"))
    frames = (f'  File "{APP_DIR}/tasks.py", line 27, in refresh_counters', "    rows = db.fetch_all(COUNTER_SQL)")
    tb = "\n".join(("Traceback (most recent call last):", *frames, *DB_FRAMES))
    for t in range(int(sc.burst[0]) + 15, int(sc.refused), 30):
        out.append((t + rng.random() * 0.2, "ERROR", "app_v2.db", f"Failed to refresh notification counters\n{tb}"))
    return out


def app_log(sc: Scenario, reqs: list[Request], starts: list[float]) -> list[tuple[float, str]]:
    """The application log's records ``(t, text)`` in time order; ``starts``: gunicorn's start times."""
    c, new_id = sc.clock, 1500
    entries = _app_background(sc, starts)
    for r in reqs:
        if r.app_us < 0:
            continue
        new_id += r.ep == "create" and r.status == 201
        msg = _app_message(r, new_id)
        if msg:  # logged when the view finished, in the second nginx logged the response
            entries.append((max(float(int(r.t)), r.t - (r.req_ms - r.app_us / 1000) / 1000), *msg))
    entries.sort(key=lambda e: e[0])
    return [(t, f"{c.iso_ms(t)} {level} {name}: {msg}") for t, level, name, msg in entries]
