"""The traffic no person clicks: crawlers, jobs, the uptime monitor, scanners, the brute force, oddities.

- two Googlebot addresses and Bingbot, a third of their API hits answered 401 (no session);
- the nightly export job (python-requests, one IP, 01:00), an internal curl script, the uptime monitor
  (``/api/v1/health`` every 15 minutes);
- four scanner sweeps over well-known probe paths and a few one-off probes a day;
- the brute force on ``POST /api/v1/auth/login`` from one IP, day 4 03:00-04:00, hundreds of 401s;
- one each of the hostile and odd requests (a TLS handshake on port 80, markup and terminal escapes
  in the request line and the user agent) and the application records needed exactly once.

Example (the brute force: one address, hundreds of failed logins):

>>> from datetime import date
>>> from mkslog.sample.scenario import Scenario
>>> reqs = bruteforce(Scenario(date(2026, 11, 16), 7, seed=47, scale=1.0))
>>> len(reqs), {r.ip for r in reqs}, {r.status for r in reqs}
(420, {'198.51.100.23'}, {401})
"""

from __future__ import annotations

from datetime import timedelta

from .endpoints import ENDPOINTS, endpoint_target, response_size
from .request import Request, proxy_timing, static_timing
from .scenario import Scenario, public_ip
from .system import (
    BINGBOT,
    BINGBOT_IP,
    BRUTE_IP,
    CHROME,
    CURL_IP,
    DAY,
    EXPORT_IP,
    GOOGLEBOT,
    GOOGLEBOT_IPS,
    MONITOR_IP,
    MONITOR_UA,
    SCANNERS,
    SITE,
)

_SCAN_UAS = tuple(ua for _, ua in SCANNERS) + ("-", "python-requests/2.25.1")
_BRUTE_USERS = ("admin", "administrator", "root", "test", "user", "guest", "demo", "sato", "suzuki",
                "manager", "mks", "operator", "admin1", "webmaster")
_SCAN_PATHS = ("/wp-login.php", "/.env", "/phpmyadmin/", "/admin/config.php", "/cgi-bin/..%2F..%2Fetc/passwd",
               "/.git/config", "/wp-admin/setup-config.php", "/xmlrpc.php", "/server-status",
               "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/actuator/env", "/.aws/credentials",
               "/config.json", "/backup.zip", "/.DS_Store", "/api/.env", "/HNAP1/", "/boaform/admin/formLogin")



def _api_client(sc: Scenario, t: float, ip: str, ua: str, ep: str) -> Request:
    rng = sc.rng
    if ep == "health":
        r = Request(t, ip, "GET", "/api/v1/health", 200, 52, ua, ep="health")
        proxy_timing(rng, r, 4, 0.0)
        return r
    target, kid = endpoint_target(sc, ep, t)
    r = Request(t, ip, "GET", target, 200, response_size(rng, ep, 200, False), ua, ep=ep, oid=kid,
                login="svc-export")
    proxy_timing(rng, r, ENDPOINTS[ep][2], 0.01)
    return r


def _crawler(sc: Scenario, t: float, ip: str, ua: str) -> Request:
    rng = sc.rng
    if rng.random() < 0.35:  # API links without a session: 401
        r = Request(t, ip, "GET", f"/api/v1/knowledge/{sc.kid()}", 401, 36, ua, ep="detail")
        proxy_timing(rng, r, 4, 0.0)
        return r
    target, status, size = rng.choice((("/", 200, 1843), ("/robots.txt", 200, 67), ("/sitemap.xml", 404, 153),
                                       ("/favicon.ico", 200, 15086)))
    r = Request(t, ip, "GET", target, status, size, ua, ep="static")
    static_timing(rng, r)
    return r


def bots(sc: Scenario) -> list[Request]:
    """Crawlers, the nightly export job, an internal curl script and an uptime monitor."""
    rng, out = sc.rng, []
    for d in range(sc.n):
        base = d * DAY
        out += [_crawler(sc, base + rng.random() * DAY, rng.choice(GOOGLEBOT_IPS), GOOGLEBOT) for _ in range(sc.k(24))]
        out += [_crawler(sc, base + rng.random() * DAY, BINGBOT_IP, BINGBOT) for _ in range(sc.k(14))]
        t = base + 3600 + rng.random() * 60
        for _ in range(sc.k(40)):
            t += rng.uniform(0.8, 2.5)
            out.append(_api_client(sc, t, EXPORT_IP, "python-requests/2.31.0", "detail"))
        out += [_api_client(sc, base + rng.random() * DAY, CURL_IP, "curl/8.5.0", rng.choice(("health", "search")))
                for _ in range(sc.k(12))]
        out += [_api_client(sc, base + i * 900 + rng.uniform(3, 6), MONITOR_IP, MONITOR_UA, "health")
                for i in range(96)]
    return out


def _scan(sc: Scenario, t: float, ip: str, ua: str, path: str) -> Request:
    if path.startswith("/api/"):  # reaches the application: a JSON 404
        r = Request(t, ip, "GET", path, 404, 22, ua, ep="scan")
        proxy_timing(sc.rng, r, 3, 0.0)
        return r
    bad = "..%2F" in path  # decodes to a path above the root: nginx answers 400 itself
    r = Request(t, ip, "GET", path, 400 if bad else 404, 157 if bad else 153, ua, ep="scan")
    static_timing(sc.rng, r)
    return r


def scanners(sc: Scenario) -> list[Request]:
    """Four sweeps (the first tries every path) and a few one-off probes a day."""
    rng, out = sc.rng, []
    for i, (ip, ua) in enumerate(SCANNERS):
        t = min(2 * i, sc.n - 1) * DAY + rng.uniform(1, 22) * 3600
        paths = _SCAN_PATHS if i == 0 else rng.sample(_SCAN_PATHS, rng.randint(8, len(_SCAN_PATHS)))
        for path in paths:
            t += rng.uniform(0.2, 2.5)
            out.append(_scan(sc, t, ip, ua, path))
    for d in range(sc.n):
        out += [_scan(sc, d * DAY + rng.random() * DAY, public_ip(rng), rng.choice(_SCAN_UAS),
                      rng.choice(_SCAN_PATHS)) for _ in range(sc.k(8))]
    return out


def bruteforce(sc: Scenario) -> list[Request]:
    """One IP tries a list of user names on the login for an hour: 420 failures at scale 1."""
    rng, out = sc.rng, []
    times = sorted(sc.brute + rng.random() * 3600 for _ in range(max(30, round(420 * sc.scale))))
    for i, t in enumerate(times):
        r = Request(t, BRUTE_IP, "POST", "/api/v1/auth/login", 401, 41, "python-requests/2.31.0",
                    login=_BRUTE_USERS[i % len(_BRUTE_USERS)], ep="login")
        proxy_timing(rng, r, 210, 0.0)
        out.append(r)
    return out



def specials(sc: Scenario) -> list[Request]:
    """Hostile and odd requests, one each, plus the records the application log needs exactly once."""
    rng = sc.rng
    month = (sc.start.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    out = [
        Request(sc.at(0, 4, 12, 7.3), "192.0.2.201", "", "", 400, 157, "-", req_ms=1,
                raw=r"\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03"),
        Request(sc.at(1, 3, 33, 41.8), "203.0.113.9", "", "", 400, 0, "-", raw="-"),
        Request(sc.at(2, 22, 10, 5.1), "198.51.100.201", "GET", "/", 200, 1843, "<script>alert(1)</script>", req_ms=1),
        Request(sc.at(3, 21, 7, 19.6), "198.51.100.201", "GET", "/<img src=x onerror=alert(1)>", 404, 153, CHROME,
                ep="scan"),
        Request(sc.at(4, 5, 44, 2.2), "203.0.113.88", "GET", "/robots.txt", 200, 67,
                r"Mozilla/5.0 (compatible; \x22quoted\x22; +https://crawler.example.net/bot)"),
        Request(sc.at(5, 23, 51, 30.4), "192.0.2.150", "GET", "/", 200, 1843, r"\x1B]0;pwned\x07curl/8.5.0"),
        Request(sc.at(3, 10, 42, 17.5), "10.1.0.23", "GET", f"/legacy/report.php?month={month}", 500, 0, CHROME,
                ref=f"{SITE}/dashboard", user="kobayashi", ep="legacy-fatal", req_ms=19, up="0.018"),
    ]
    login = Request(sc.at(4, 23, 48, 12.7), "203.0.113.45", "POST", "/api/v1/auth/login", 401, 41, "curl/8.5.0",
                    login="\x1b[2Jadmin", ep="login")
    update = Request(sc.at(1, 10, 15, 3.4), "10.1.0.2", "PUT", "/api/v1/knowledge/42", 200, 5321, CHROME,
                     ref=f"{SITE}/knowledge/42/edit", proto="HTTP/2.0", login="takahashi", ep="update", oid=42,
                     note="ナレッジを更新しました: id=42")
    for r in (login, update):
        proxy_timing(rng, r, 150, 0.0)  # not a GET: never retried
    return [*out, login, update]
