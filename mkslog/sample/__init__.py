"""Deterministic sample logs of the Mirai Knowledge System: a realistic week for the demo and the tests.

``generate`` writes the eight log files the system produces (nginx access and error, gunicorn access
and error, the application log, health checks, metrics, backups), consistent with each other, and
returns a manifest: line counts per file and the ground truth of the scenario.

Example::

    from datetime import date
    from mkslog.sample import generate

    manifest = generate("sample_logs", days=7, end=date(2026, 11, 22), seed=47)
    manifest["burst"]          # {'start': '2026-11-18T14:00:00+09:00', 'end': '2026-11-18T14:20:00+09:00'}
    manifest["bruteforce_ip"]  # '198.51.100.23'

Layout under ``out_dir``; the access logs are rotated like logrotate ``daily`` + ``delaycompress``
(newest day in ``X.log``, the day before in ``X.log.1``, older days in ``X.log.2.gz``, ``X.log.3.gz`` ...)::

    nginx/mirai-knowledge-system-access.log*  nginx "timed": combined + $request_time $upstream_response_time
    nginx/mirai-knowledge-system-error.log    one multi-line FastCGI record
    gunicorn/access.log*                      gunicorn default access_log_format + %(D)s (microseconds)
    gunicorn/error.log                        one multi-line traceback
    app/app.log                               %(asctime)s %(levelname)s %(name)s: %(message)s, tracebacks
    app/health_check.log                      every 5 minutes
    app/metrics.log                           every 10 minutes
    backups/backup.log                        daily at 02:00, weekly on Sundays at 03:00

All times are local Asia/Tokyo (+0900). The scenario, by day of the window (the default window is
Mon 2026-11-16 .. Sun 2026-11-22, ISO week 2026-W47; with fewer days the events move to the last day):

- day 3 (Wed) 14:00-14:20, the outage: the database hangs, gunicorn workers time out (nginx 504, app
  500s with ``psycopg2.OperationalError`` tracebacks); from 14:06 a worker fails to boot, the gunicorn
  master exits and nginx gets ``connect() failed`` (502); gunicorn is restarted at 14:19:30.
  Health checks fail, CPU spikes above 80 %.
- day 4 (Thu) 03:00-04:00: one IP brute-forces ``POST /api/v1/auth/login`` (hundreds of 401s), every
  failed login also in the app log (``Invalid username or password``, same IP and second);
  the 02:00 backup fails (pg_dump).
- day 2 (Tue) 18:30 gunicorn reload (HUP); day 5 (Fri) 19:02 deploy (gunicorn restart, nginx reload,
  new static asset hashes).
- throughout: office hours traffic, heavy-tailed client IPs, crawlers, scanners, a latency tail,
  a few application 500s, hostile request lines and user agents (escaped as nginx escapes them).

How it is built: a :class:`~.scenario.Scenario` (one random source, the window, the event times,
the clients) feeds the request builders (:mod:`.humans`, :mod:`.machines`, over :mod:`.endpoints`),
which return :class:`~.request.Request` records; :mod:`.story` applies the outage, the bugs and the
deploy to them; then one writer per log reads them (:mod:`.access_logs`, :mod:`.nginx_error`,
:mod:`.gunicorn_error`, :mod:`.app_log` with :mod:`.tracebacks`, :mod:`.ops_logs`). Names and paths
shared by all are in :mod:`.system`, timestamps in :mod:`.clock`. Everything draws from the one random
source in a fixed order: reordering two calls changes every byte after them.

Standard library only; the same arguments give byte-identical files (gzip with ``mtime=0``).
"""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from .access_logs import gunicorn_line, nginx_line, per_day
from .app_log import app_log
from .gunicorn_error import gunicorn_error_log
from .humans import human_traffic, legacy_reports
from .machines import bots, bruteforce, scanners, specials
from .nginx_error import nginx_error_log
from .ops_logs import backup_log, health_log, metrics_log
from .request import Request
from .scenario import Scenario
from .story import apply_outage, assign_connections, sprinkle_errors
from .system import (
    APP_LOG,
    BACKUP_LOG,
    BRUTE_IP,
    GUNICORN_ACCESS,
    GUNICORN_ERROR,
    HEALTH_LOG,
    METRICS_LOG,
    NGINX_ACCESS,
    NGINX_ERROR,
    SCANNERS,
)

__all__ = ["generate"]


def _write(out: Path, rel: str, lines: list[str], gz: bool = False) -> dict:
    # gzip mtime=0: the bytes of a .gz depend on nothing but the lines
    text = "\n".join(lines) + "\n" if lines else ""
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data, 9, mtime=0) if gz else data)
    return {"lines": text.count("\n"), "bytes": path.stat().st_size}


def _write_records(out: Path, rel: str, records: list[tuple[float, str]]) -> dict:
    return _write(out, rel, [text for _, text in records]) | {"records": len(records)}


def _write_rotated(out: Path, rel: str, per_day: list[list[str]]) -> dict[str, dict]:
    """logrotate daily + delaycompress: X.log (newest day), X.log.1, X.log.2.gz, ..."""
    files = {}
    for d, lines in enumerate(per_day):
        age = len(per_day) - 1 - d
        name = rel if age == 0 else f"{rel}.{age}" + (".gz" if age >= 2 else "")
        files[name] = _write(out, name, lines, gz=age >= 2)
    return files


def _manifest(sc: Scenario, out: Path, reqs: list[Request], files: dict, tracebacks: dict) -> dict:
    c = sc.clock
    ips = Counter(r.ip for r in reqs)
    (top_ip, top_n), = ips.most_common(1)
    api = [r for r in reqs if r.target.startswith("/api/") and r.up != "-"]
    return {
        "out_dir": str(out),
        "seed": sc.seed,
        "scale": sc.scale,
        "timezone": "Asia/Tokyo",
        "days": [(sc.start + timedelta(days=d)).isoformat() for d in range(sc.n)],
        "files": dict(sorted(files.items())),
        "requests": len(reqs),
        "proxied_requests": sum(r.app_us >= 0 for r in reqs),
        "distinct_ips": len(ips),
        "top_ip": top_ip,
        "top_ip_requests": top_n,
        "burst": {"start": c.aware(sc.burst[0]), "end": c.aware(sc.burst[1])},
        "outage": {"start": c.aware(sc.burst[0]), "end": c.aware(sc.burst[1]),
                   "gunicorn_down": c.aware(sc.refused), "gunicorn_restarted": c.aware(sc.restart)},
        "status_5xx": sum(r.status >= 500 for r in reqs),
        "bruteforce_ip": BRUTE_IP,
        "bruteforce_window": {"start": c.aware(sc.brute), "end": c.aware(sc.brute + 3600)},
        "bruteforce_attempts": sum(r.ip == BRUTE_IP for r in reqs),
        "failed_logins": sum(r.ep == "login" and r.status == 401 for r in reqs),
        "slow_api_requests": {"over_1s": sum(r.req_ms > 1000 for r in api), "over_5s": sum(r.req_ms > 5000 for r in api)},
        "scanner_ips": [ip for ip, _ in SCANNERS],
        "tracebacks": tracebacks,
        "backup_failure": (sc.start + timedelta(days=sc.backup_fail_day)).isoformat(),
        "gunicorn_reload": c.aware(sc.hup),
        "deploy": c.aware(sc.deploy),
    }


def generate(out_dir: str | Path, *, days: int = 7, end: date = date(2026, 11, 22), seed: int = 47,
             scale: float = 1.0) -> dict:
    """Write ``days`` days of the system's logs ending on ``end`` (local Asia/Tokyo) under ``out_dir``
    and return the manifest (see the module docstring). ``scale`` multiplies the traffic."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale}")
    out = Path(out_dir)
    sc = Scenario(end - timedelta(days=days - 1), days, seed, scale)
    reqs = [*human_traffic(sc), *bots(sc), *scanners(sc), *bruteforce(sc), *legacy_reports(sc), *specials(sc)]
    reqs.sort(key=lambda r: r.t)
    apply_outage(sc, reqs)
    sprinkle_errors(sc, reqs)
    assign_connections(sc, reqs)
    gunicorn_error, starts = gunicorn_error_log(sc, reqs)
    app = app_log(sc, reqs, starts)
    files = _write_rotated(out, NGINX_ACCESS, per_day(sc, reqs, nginx_line))
    files |= _write_rotated(out, GUNICORN_ACCESS, per_day(sc, [r for r in reqs if r.app_us >= 0], gunicorn_line))
    files[NGINX_ERROR] = _write_records(out, NGINX_ERROR, nginx_error_log(sc, reqs))
    files[GUNICORN_ERROR] = _write_records(out, GUNICORN_ERROR, gunicorn_error)
    files[APP_LOG] = _write_records(out, APP_LOG, app)
    files[HEALTH_LOG] = _write(out, HEALTH_LOG, health_log(sc))
    files[METRICS_LOG] = _write(out, METRICS_LOG, metrics_log(sc, reqs))
    files[BACKUP_LOG] = _write(out, BACKUP_LOG, backup_log(sc))
    tracebacks = {APP_LOG: sum("\nTraceback " in text for _, text in app),
                  GUNICORN_ERROR: sum("\nTraceback " in text for _, text in gunicorn_error)}
    return _manifest(sc, out, reqs, files, tracebacks)
