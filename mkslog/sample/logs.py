"""The sample week's log lines: one writer per log kind, from the scenario's requests.

Each function turns :class:`~mkslog.sample.scenario._Req` records (and the scenario's clock and
random source) into the exact lines nginx, gunicorn, the Flask app and the manual's scripts write.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from urllib.parse import unquote

from ..loglines import backup_line, health_line, metrics_line
from .scenario import (
    _VIEWS,
    APP_DIR,
    BACKUP_DIR,
    DAY,
    HOST,
    UPSTREAM,
    VENV,
    _Clock,
    _Req,
    _Scenario,
)


def _nginx_line(c: _Clock, r: _Req) -> str:
    return (f'{r.ip} - {r.user} [{c.clf(r.t)}] "{r.request}" {r.status} {r.size} "{r.ref}" "{r.ua}" '
            f"{r.req_ms / 1000:.3f} {r.up}")


def _gunicorn_line(c: _Clock, r: _Req) -> str:
    # nginx talks HTTP/1.1 to gunicorn (proxy_http_version 1.1), whatever the client spoke
    return (f'127.0.0.1 - - [{c.clf(r.t)}] "{r.method} {r.target} HTTP/1.1" {r.status} {r.size} '
            f'"{r.ref}" "{r.ua}" {r.app_us}')


def _per_day(sc: _Scenario, reqs: list[_Req], line) -> list[list[str]]:
    days: list[list[str]] = [[] for _ in range(sc.n)]
    for r in reqs:
        days[int(r.t) // DAY].append(line(sc.clock, r))
    return days


# -- nginx error log -------------------------------------------------------------------------------------------


def _context(r: _Req, upstream: str | None = None) -> str:
    s = f', client: {r.ip}, server: {HOST}, request: "{r.request}"'
    if upstream:
        s += f', upstream: "{upstream}"'
    s += f', host: "{HOST}"'
    return s + (f', referrer: "{r.ref}"' if r.ref != "-" else "")


def _not_found(target: str) -> str:
    path = unquote(target.split("?")[0])
    if path.endswith("/"):
        return f'"/var/www/mks{path}index.html" is not found (2: No such file or directory)'
    return f'open() "/var/www/mks{path}" failed (2: No such file or directory)'


_FASTCGI = (
    'FastCGI sent in stderr: "PHP message: PHP Warning:  Undefined variable $db in /var/www/legacy/report.php '
    "on line 27\nPHP message: PHP Fatal error:  Uncaught Error: Call to a member function query() on null in "
    "/var/www/legacy/report.php:27\n  thrown in /var/www/legacy/report.php on line 27\" while reading response "
    "header from upstream"
)


def _nginx_error_msg(r: _Req, temp: int) -> tuple[float, str, str] | None:
    up = f"{UPSTREAM}{r.target}"
    if r.status == 504:
        return r.t, "error", "upstream timed out (110: Connection timed out) while reading response header from " \
            "upstream" + _context(r, up)
    if r.status == 502 and r.up == "-":
        return r.t, "error", "connect() failed (111: Connection refused) while connecting to upstream" + _context(r, up)
    if r.retry:
        first = r.t - (r.req_ms - r.retry) / 1000
        return first, "error", "upstream prematurely closed connection while reading response header from " \
            "upstream" + _context(r, up)
    if r.status == 404 and r.up == "-" and r.raw is None:
        return r.t, "error", _not_found(r.target) + _context(r)
    if r.ep == "attach" and r.status == 200 and r.size > 3_000_000:
        name = f"{temp:010d}"
        return r.t - r.req_ms / 2000, "warn", (f"an upstream response is buffered to a temporary file "
                                               f"/var/cache/nginx/proxy_temp/{name[-1]}/{name[-3:-1]}/{name} "
                                               "while reading upstream" + _context(r, up))
    if r.ep == "legacy-fatal":
        return r.t, "error", _FASTCGI + _context(r, "fastcgi://unix:/run/php/php8.2-fpm.sock:")
    return None


def _nginx_error(sc: _Scenario, reqs: list[_Req]) -> list[tuple[float, str]]:
    c, recs, temp = sc.clock, [], 0
    for r in reqs:
        msg = _nginx_error_msg(r, temp + 1)
        if msg:
            t, level, text = msg
            temp += level == "warn"
            recs.append((t, f"{c.slash(t)} [{level}] {r.wpid}#{r.wpid}: *{r.cid} {text}"))
    t = sc.deploy + 5
    recs.append((t, f"{c.slash(t)} [notice] 4711#4711: signal process started"))
    return sorted(recs, key=lambda e: e[0])


# -- gunicorn error log -----------------------------------------------------------------------------------------

_OPERATIONAL = "psycopg2.OperationalError: could not connect to server: Connection refused"
_PG_CONNECT = (
    f'  File "{VENV}/psycopg2/pool.py", line 63, in _connect',
    "    conn = psycopg2.connect(*self._args, **self._kwargs)",
    f'  File "{VENV}/psycopg2/__init__.py", line 122, in connect',
    "    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)",
)
_BOOT_TRACEBACK = "\n".join((
    "Traceback (most recent call last):",
    f'  File "{VENV}/gunicorn/arbiter.py", line 608, in spawn_worker',
    "    worker.init_process()",
    f'  File "{VENV}/gunicorn/workers/base.py", line 135, in init_process',
    "    self.load_wsgi()",
    f'  File "{VENV}/gunicorn/workers/base.py", line 147, in load_wsgi',
    "    self.wsgi = self.app.wsgi()",
    f'  File "{VENV}/gunicorn/app/base.py", line 66, in wsgi',
    "    self.callable = self.load()",
    f'  File "{VENV}/gunicorn/app/wsgiapp.py", line 57, in load',
    "    return self.load_wsgiapp()",
    f'  File "{VENV}/gunicorn/app/wsgiapp.py", line 47, in load_wsgiapp',
    "    return util.import_app(self.app_uri)",
    f'  File "{VENV}/gunicorn/util.py", line 370, in import_app',
    "    mod = importlib.import_module(module)",
    '  File "/usr/lib/python3.11/importlib/__init__.py", line 126, in import_module',
    "    return _bootstrap._gcd_import(name[level:], package, level)",
    '  File "<frozen importlib._bootstrap>", line 1204, in _gcd_import',
    '  File "<frozen importlib._bootstrap>", line 1176, in _find_and_load',
    '  File "<frozen importlib._bootstrap>", line 1147, in _find_and_load_unlocked',
    '  File "<frozen importlib._bootstrap>", line 690, in _load_unlocked',
    '  File "<frozen importlib._bootstrap_external>", line 940, in exec_module',
    '  File "<frozen importlib._bootstrap>", line 241, in _call_with_frames_removed',
    f'  File "{APP_DIR}/app_v2.py", line 58, in <module>',
    '    db = Database(app.config["DATABASE_URL"], minconn=2, maxconn=10)',
    f'  File "{APP_DIR}/db.py", line 31, in __init__',
    "    self.pool = ThreadedConnectionPool(minconn, maxconn, dsn)",
    f'  File "{VENV}/psycopg2/pool.py", line 161, in __init__',
    "    AbstractConnectionPool.__init__(",
    f'  File "{VENV}/psycopg2/pool.py", line 59, in __init__',
    "    self._connect()",
    *_PG_CONNECT,
    _OPERATIONAL,
))


class _Gunicorn:
    """Replays the master's and workers' lives over the week and collects the error log records."""

    def __init__(self, sc: _Scenario) -> None:
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
        self.log(t + 1.2, w, "ERROR", f"Exception in worker process\n{_BOOT_TRACEBACK}")
        self.log(t + 1.21, w, "INFO", f"Worker exiting (pid: {w})")
        self.log(t + 1.4, self.master, "ERROR", f"Worker (pid:{w}) exited with code 3")
        self.log(t + 1.45, self.master, "INFO", "Shutting down: Master")
        self.log(t + 1.45, self.master, "INFO", "Reason: Worker failed to boot.")
        self.start(sc.restart, self.pid + self.rng.randint(300, 900))


def _gunicorn_error(sc: _Scenario, reqs: list[_Req]) -> tuple[list[tuple[float, str]], list[float]]:
    g = _Gunicorn(sc)
    events = [(max(1.5, r.t - (r.req_ms - r.retry) / 1000 - 0.01), "auto") for r in reqs if r.retry]
    events += [(sc.hup, "hup"), (sc.burst[0], "burst"), (sc.deploy, "deploy")]
    for t, what in sorted(events):
        getattr(g, what)(t)
    return sorted(g.records, key=lambda e: e[0]), g.starts


# -- application log --------------------------------------------------------------------------------------------

_LOGGERS = {"project": "app_v2.api.projects", "sop": "app_v2.api.sops", "notif": "app_v2.api.notifications",
            "login": "app_v2.auth", "refresh": "app_v2.auth", "health": "app_v2"}
_FLASK_FRAMES = (
    f'  File "{VENV}/flask/app.py", line 917, in full_dispatch_request',
    "    rv = self.dispatch_request()",
    f'  File "{VENV}/flask/app.py", line 902, in dispatch_request',
    "    return self.ensure_sync(self.view_functions[rule.endpoint])(**view_args)  # type: ignore[no-any-return]",
)
_DB_FRAMES = (
    f'  File "{APP_DIR}/db.py", line 88, in _execute',
    "    conn = self.pool.getconn()",
    f'  File "{VENV}/psycopg2/pool.py", line 169, in getconn',
    "    return self._getconn(key)",
    f'  File "{VENV}/psycopg2/pool.py", line 93, in _getconn',
    "    return self._connect(key)",
    *_PG_CONNECT,
    _OPERATIONAL,
)
_BUGS = {  # err -> (line, function, source line, exception line)
    "key": (536, "create_knowledge", 'project_id = payload["project_id"]', "KeyError: 'project_id'"),
    "value": (449, "search_knowledge", 'page = int(request.args.get("page", 1))',
              "ValueError: invalid literal for int() with base 10: 'abc'"),
    "type": (614, "get_project", 'members = project["members"]',
             "TypeError: 'NoneType' object is not subscriptable"),
}


def _traceback(r: _Req) -> str:
    if r.err == "db":
        line, func, src = _VIEWS[r.ep]
        tail = _DB_FRAMES
    else:
        line, func, src, exc = _BUGS[r.err]
        tail = (exc,)
    frame = (f'  File "{APP_DIR}/app_v2.py", line {line}, in {func}', f"    {src}")
    return "\n".join(("Traceback (most recent call last):", *_FLASK_FRAMES, *frame, *tail))


def _app_message(r: _Req, new_id: int) -> tuple[str, str, str] | None:
    """(level, logger, message) the application logs for a request it answered, if any."""
    name = _LOGGERS.get(r.ep, "app_v2.api.knowledge")
    if r.err:
        return "ERROR", name, f"Exception on {r.target.split('?')[0]} [{r.method}]\n{_traceback(r)}"
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


def _app_background(sc: _Scenario, starts: list[float]) -> list[tuple[float, str, str, str]]:
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
    tb = "\n".join(("Traceback (most recent call last):", *frames, *_DB_FRAMES))
    for t in range(int(sc.burst[0]) + 15, int(sc.refused), 30):
        out.append((t + rng.random() * 0.2, "ERROR", "app_v2.db", f"Failed to refresh notification counters\n{tb}"))
    return out


def _app_log(sc: _Scenario, reqs: list[_Req], starts: list[float]) -> list[tuple[float, str]]:
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


# -- health checks, metrics, backups ------------------------------------------------------------------------


def _health(sc: _Scenario) -> list[str]:
    b0, b1 = sc.burst
    # The manual's health_check.sh wrote no detail; the lines are the ones mkslog's reader reads.
    return [health_line(sc.clock.iso(t), not b0 <= t < b1) for t in range(0, sc.n * DAY, 300)]


def _metrics(sc: _Scenario, reqs: list[_Req]) -> list[str]:
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


def _backup_run(sc: _Scenario, d: int, kind: str, sizes: tuple[int, int], fail: bool) -> list[tuple[float, str]]:
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


def _backup(sc: _Scenario) -> list[str]:
    rng, data, db, runs = sc.rng, 12_345_678, 345_678, []
    for d in range(sc.n):
        data, db = data + rng.randint(20_000, 90_000), db + rng.randint(500, 3000)
        runs += _backup_run(sc, d, "daily", (data, db), d == sc.backup_fail_day)
        if (sc.start + timedelta(days=d)).weekday() == 6:
            runs += _backup_run(sc, d, "weekly", (data + 1000, db + 100), False)
    return [backup_line(sc.clock.iso(t), msg) for t, msg in runs]


# -- files and manifest ---------------------------------------------------------------------------------------
