"""The sample week's gunicorn error log: the master's and the workers' lives, replayed.

Start-up, max_requests restarts (each the cause of an nginx retry), the HUP reload of day 2, the
outage (worker timeouts, a worker that cannot boot with a psycopg2 traceback, the master halting, the
manual restart at 14:19:30) and the deploy's restart. The start times feed the application log.

Example::

    from mkslog.sample.gunicorn_error import gunicorn_error_log

    records, starts = gunicorn_error_log(sc, reqs)   # after the story was applied to reqs (``generate``)
    records[0][1]   # '[2026-11-16 00:00:01 +0900] [1234] [INFO] Starting gunicorn 23.0.0'
    len(starts)     # 3: the first start, the restart after the outage, the deploy
"""

from __future__ import annotations

from .request import Request
from .scenario import Scenario
from .system import UPSTREAM
from .tracebacks import BOOT_TRACEBACK


class _Gunicorn:
    """Replays the master's and workers' lives over the week and collects the error log records."""

    def __init__(self, sc: Scenario) -> None:
        self.sc, self.rng = sc, sc.rng
        self.records: list[tuple[float, str]] = []
        self.starts: list[float] = []
        self.pid, self.master, self.workers = 1239, 1234, []
        self.start(1.0, 1234)

    def log(self, t: float, pid: int, level: str, msg: str) -> None:
        self.records.append((t, f"[{self.sc.clock.iso(t)} +0900] [{pid}] [{level}] {msg}"))

    def boot(self, t: float, step: int = 0) -> int:
        self.pid += step or self.rng.randint(2, 30)
        self.log(t, self.pid, "INFO", f"Booting worker with pid: {self.pid}")
        return self.pid

    def start(self, t: float, master: int) -> None:
        self.master, self.pid = master, master + 5
        self.starts.append(t)
        self.log(t, master, "INFO", "Starting gunicorn 23.0.0")
        self.log(t, master, "INFO", f"Listening at: {UPSTREAM} ({master})")
        self.log(t, master, "INFO", "Using worker: sync")
        self.workers = [self.boot(t + 0.02 * (i + 1), step=1) for i in range(4)]

    def auto(self, t: float) -> None:
        """max_requests reached: the worker exits; nginx saw its keep-alive connection close and retried."""
        slot = self.rng.randrange(4)
        w = self.workers[slot]
        self.log(t - 0.03, w, "INFO", "Autorestarting worker after current request.")
        self.log(t - 0.02, w, "INFO", f"Worker exiting (pid: {w})")
        self.workers[slot] = self.boot(t)

    def hup(self, t: float) -> None:
        self.log(t, self.master, "INFO", "Handling signal: hup")
        self.log(t, self.master, "INFO", "Hang up: Master")
        old, self.workers = self.workers, [self.boot(t + 0.05 * (i + 1)) for i in range(4)]
        for i, w in enumerate(old):
            self.log(t + 0.4 + 0.01 * i, w, "INFO", f"Worker exiting (pid: {w})")

    def deploy(self, t: float) -> None:
        self.log(t, self.master, "INFO", "Handling signal: term")
        for i, w in enumerate(self.workers):
            self.log(t + 0.1 + 0.01 * i, w, "INFO", f"Worker exiting (pid: {w})")
        self.log(t + 0.6, self.master, "INFO", "Shutting down: Master")
        self.start(t + 2.0, self.pid + self.rng.randint(300, 900))

    def timeout(self, t: float, slot: int) -> None:
        w = self.workers[slot]
        self.log(t, self.master, "CRITICAL", f"WORKER TIMEOUT (pid:{w})")
        self.log(t + 0.01, self.master, "ERROR", f"Worker (pid:{w}) was sent SIGKILL! Perhaps out of memory?")
        self.workers[slot] = self.boot(t + 0.05)

    def burst(self, t0: float) -> None:
        """Workers hang on the database and are killed; then a new worker cannot even import the app
        (the database refuses connections), the master halts, and is restarted by hand at 14:19:30."""
        sc, i = self.sc, 0
        t = t0 + 31 + self.rng.random() * 3
        while t < sc.refused - 8:
            self.timeout(t, i % 4)
            t, i = t + self.rng.uniform(5, 10), i + 1
        t = sc.refused - 1.5
        w = self.workers[i % 4]
        self.log(t, self.master, "CRITICAL", f"WORKER TIMEOUT (pid:{w})")
        self.log(t + 0.01, self.master, "ERROR", f"Worker (pid:{w}) was sent SIGKILL! Perhaps out of memory?")
        w = self.boot(t + 0.05)
        self.log(t + 1.2, w, "ERROR", f"Exception in worker process\n{BOOT_TRACEBACK}")
        self.log(t + 1.21, w, "INFO", f"Worker exiting (pid: {w})")
        self.log(t + 1.4, self.master, "ERROR", f"Worker (pid:{w}) exited with code 3")
        self.log(t + 1.45, self.master, "INFO", "Shutting down: Master")
        self.log(t + 1.45, self.master, "INFO", "Reason: Worker failed to boot.")
        self.start(sc.restart, self.pid + self.rng.randint(300, 900))


def gunicorn_error_log(sc: Scenario, reqs: list[Request]) -> tuple[list[tuple[float, str]], list[float]]:
    """The error log's records ``(t, text)`` in time order, and gunicorn's start times."""
    g = _Gunicorn(sc)
    events = [(max(1.5, r.t - (r.req_ms - r.retry) / 1000 - 0.01), "auto") for r in reqs if r.retry]
    events += [(sc.hup, "hup"), (sc.burst[0], "burst"), (sc.deploy, "deploy")]
    for t, what in sorted(events):
        getattr(g, what)(t)
    return sorted(g.records, key=lambda e: e[0]), g.starts
