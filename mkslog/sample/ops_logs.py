"""The sample week's operations logs: health checks, metrics and backups, in mkslog's own line formats.

Written with :mod:`mkslog.loglines`, the same definitions mkslog reads them with. Health checks every
5 minutes (failing during the outage), metrics every 10 minutes (CPU follows the traffic, above 80 %
in the outage), the daily backup at 02:00 (failing on day 4) and the weekly one on Sundays at 03:00.

Example (the first backup line of the week, as :func:`mkslog.loglines.backup_line` writes it):

>>> from datetime import date
>>> from mkslog.sample.scenario import Scenario
>>> backup_log(Scenario(date(2026, 11, 16), 7, seed=47, scale=1.0))[0]
'2026-11-16 02:00:01 - Starting daily backup'
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from ..loglines import backup_line, health_line, metrics_line
from .request import Request
from .scenario import Scenario
from .system import BACKUP_DIR, DAY


def health_log(sc: Scenario) -> list[str]:
    """A health check every 5 minutes, failing during the outage."""
    b0, b1 = sc.burst
    # The manual's health_check.sh wrote no detail; the lines are the ones mkslog's reader reads.
    return [health_line(sc.clock.iso(t), not b0 <= t < b1) for t in range(0, sc.n * DAY, 300)]


def metrics_log(sc: Scenario, reqs: list[Request]) -> list[str]:
    """Every 10 minutes; CPU follows the traffic of the next 10 minutes, memory and disk creep up."""
    rng, (b0, b1) = sc.rng, sc.burst
    load = Counter(int(r.t) // 600 for r in reqs)
    peak = max(load.values())
    n, lines = sc.n * 144, []
    for i in range(n):
        t, frac = i * 600, i / max(1, n - 1)
        cpu = rng.uniform(82, 97) if b0 <= t < b1 else 3 + 55 * load[i] / peak + rng.gauss(0, 1.5)
        mem = 40 + 30 * frac + rng.gauss(0, 0.4)
        lines.append(metrics_line(sc.clock.iso(t), min(99.9, max(0.5, cpu)), min(99.9, max(1.0, mem)),
                                  round(61 + 3 * frac)))
    return lines


def _backup_run(sc: Scenario, d: int, kind: str, sizes: tuple[int, int], fail: bool) -> list[tuple[float, str]]:
    rng, day = sc.rng, sc.start + timedelta(days=d)
    hour, keep = (2, 30) if kind == "daily" else (3, 28)
    t = d * DAY + hour * 3600 + 1
    ymd, label = day.strftime("%Y%m%d"), kind.capitalize()
    stamp, folder = f"{ymd}_{hour:02d}0001", f"{BACKUP_DIR}/{kind}/{ymd}"
    out = [(t, f"Starting {kind} backup")]
    t += rng.uniform(6, 12)
    out.append((t, f"Data backup completed: {folder}/data_{stamp}.tar.gz ({sizes[0]} bytes)"))
    t += rng.uniform(0.1, 0.9)
    out.append((t, f"Config backup completed: {folder}/.env.production (1287 bytes)"))
    t += rng.uniform(2, 5)
    if fail:
        return out + [(t, "ERROR: Database backup failed: pg_dump: error: connection to server failed"),
                      (t, f"ERROR: {label} backup failed: database dump failed")]
    out.append((t, f"Database backup completed: {folder}/database_{stamp}.sql.gz ({sizes[1]} bytes)"))
    t += rng.uniform(0.5, 2)
    expired = (day - timedelta(days=keep)).strftime("%Y%m%d")
    return out + [(t, f"Verification OK: {folder}"), (t, f"Removed expired backup: {BACKUP_DIR}/{kind}/{expired}"),
                  (t, f"{label} backup completed successfully")]


def backup_log(sc: Scenario) -> list[str]:
    """The daily backup at 02:00 (it fails on ``sc.backup_fail_day``) and the weekly one on Sundays."""
    rng, data, db, runs = sc.rng, 12_345_678, 345_678, []
    for d in range(sc.n):
        data, db = data + rng.randint(20_000, 90_000), db + rng.randint(500, 3000)
        runs += _backup_run(sc, d, "daily", (data, db), d == sc.backup_fail_day)
        if (sc.start + timedelta(days=d)).weekday() == 6:
            runs += _backup_run(sc, d, "weekly", (data + 1000, db + 100), False)
    return [backup_line(sc.clock.iso(t), msg) for t, msg in runs]
