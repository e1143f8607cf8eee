"""The sample week's scenario: the site's users, bots and attackers, and the requests they make.

Every request is a :class:`_Req` record with its time, client, endpoint, status and timings; the
outage, the brute force and the deploy are applied to these records before any log is written, so
all eight logs tell the same story. Constants here (paths, hosts, the scenario's IPs) are shared
by the log writers in :mod:`mkslog.sample.logs`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from urllib.parse import quote

DAY = 86400
JST = timezone(timedelta(hours=9))
HOST = "mks.example.jp"
SITE = f"https://{HOST}"
UPSTREAM = "http://127.0.0.1:5000"
APP_DIR = "/opt/mirai-knowledge-systems/backend"
VENV = "/opt/mirai-knowledge-systems/venv/lib/python3.11/site-packages"
BACKUP_DIR = "/var/backups/mirai-knowledge-system"

NGINX_ACCESS = "nginx/mirai-knowledge-system-access.log"
NGINX_ERROR = "nginx/mirai-knowledge-system-error.log"
GUNICORN_ACCESS = "gunicorn/access.log"
GUNICORN_ERROR = "gunicorn/error.log"
APP_LOG = "app/app.log"
HEALTH_LOG = "app/health_check.log"
METRICS_LOG = "app/metrics.log"
BACKUP_LOG = "backups/backup.log"

BRUTE_IP = "198.51.100.23"
MONITOR_IP = "198.51.100.10"
GOOGLEBOT_IPS = ("192.0.2.66", "192.0.2.67")
BINGBOT_IP = "203.0.113.157"
EXPORT_IP, CURL_IP = "10.50.0.12", "10.50.0.13"
SCANNERS = (
    ("192.0.2.45", "Mozilla/5.0 zgrab/0.x"),
    ("203.0.113.201", "Go-http-client/1.1"),
    ("198.51.100.77", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/81.0.4044.129 Safari/537.36"),
    ("2001:db8:dead::beef", "curl/7.68.0"),
)
_IPV6 = ("2001:db8::1f", "2001:db8::2a", "2001:db8:85a3::8a2e:370:7334", "2001:db8:1:2::10",
         "2001:db8:4:8::1", "2001:db8:cafe::17", "2001:db8:0:1::ac", "2001:db8:abcd::3")
_NOT_PUBLIC = {0, 10, 100, 127, 169, 172, 192, 198, 203}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_BROWSERS = (  # (weight, user agent)
    (38, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/142.0.0.0 Safari/537.36"),
    (22, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0"),
    (8, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0"),
    (9, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/26.0 Safari/605.1.15"),
    (13, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/26.0 Mobile/15E148 Safari/604.1"),
    (5, "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/26.0 Mobile/15E148 Safari/604.1"),
    (5, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/142.0.0.0 Mobile Safari/537.36"),
)
_UAS = tuple(ua for _, ua in _BROWSERS)
_UA_CUM = tuple(accumulate(w for w, _ in _BROWSERS))
CHROME = _UAS[0]
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
MONITOR_UA = "mks-uptime-monitor/1.2 (+https://status.example.net)"
_SCAN_UAS = tuple(ua for _, ua in SCANNERS) + ("-", "python-requests/2.25.1")

_SURNAMES = ("sato", "suzuki", "takahashi", "tanaka", "watanabe", "ito", "yamamoto", "nakamura",
             "kobayashi", "kato", "yoshida", "yamada", "sasaki", "yamaguchi", "matsumoto", "inoue",
             "kimura", "hayashi", "shimizu", "yamazaki", "mori", "abe", "ikeda", "hashimoto", "ishikawa",
             "ogawa", "okada", "goto", "hasegawa", "murakami")
_USERS = _SURNAMES + tuple(f"{s}{k}" for k in (2, 3) for s in _SURNAMES)
_BRUTE_USERS = ("admin", "administrator", "root", "test", "user", "guest", "demo", "sato", "suzuki",
                "manager", "mks", "operator", "admin1", "webmaster")
_TERMS = ("コンクリート", "鉄筋", "安全管理", "型枠", "足場", "品質管理", "施工計画", "耐震補強", "トンネル",
          "橋梁 点検", "concrete", "rebar", "formwork", "scaffold", "crane", "slump test", "SOP-102")
_SCAN_PATHS = ("/wp-login.php", "/.env", "/phpmyadmin/", "/admin/config.php", "/cgi-bin/..%2F..%2Fetc/passwd",
               "/.git/config", "/wp-admin/setup-config.php", "/xmlrpc.php", "/server-status",
               "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/actuator/env", "/.aws/credentials",
               "/config.json", "/backup.zip", "/.DS_Store", "/api/.env", "/HNAP1/", "/boaform/admin/formLogin")

# Office hours in Japan: a morning peak, a lunch dip, an afternoon peak; weekends flatter and lower.
_WEEKDAY_HOURS = (1.0, .6, .4, .3, .3, .5, 1.0, 2.5, 6, 10, 11, 10, 6, 9, 10, 10, 9, 8, 5, 3, 2.2, 1.8, 1.4, 1.2)
_WEEKEND_HOURS = (1.2, .8, .5, .4, .4, .5, .8, 1.5, 2.5, 3.5, 4, 4, 3.5, 4, 4, 4, 3.5, 3, 2.5, 2.2, 2, 1.8, 1.5, 1.3)
_HOUR_CUM = (tuple(accumulate(_WEEKDAY_HOURS)), tuple(accumulate(_WEEKEND_HOURS)))
_DAILY = (3900, 4000, 3800, 3900, 3600, 2750, 2550)  # human requests, Mon..Sun, at scale 1

# Browser traffic: endpoint -> (weight, method, median upstream ms (0: a static file served by nginx),
# ((status, weight), ...)).
_EP = {
    "detail": (30, "GET", 45, ((200, 86), (304, 8), (404, 4), (403, 2))),
    "search": (14, "GET", 180, ((200, 1),)),
    "attach": (3, "GET", 120, ((200, 90), (304, 5), (404, 5))),
    "project": (7, "GET", 60, ((200, 90), (403, 6), (404, 4))),
    "sop": (6, "GET", 50, ((200, 92), (304, 5), (404, 3))),
    "notif": (10, "GET", 25, ((200, 80), (304, 20))),
    "refresh": (5, "POST", 15, ((200, 95), (401, 5))),
    "login": (2.5, "POST", 220, ((200, 90), (401, 10))),
    "create": (1, "POST", 140, ((201, 95), (400, 5))),
    "update": (1.5, "PUT", 120, ((200, 95), (403, 5))),
    "delete": (0.4, "DELETE", 60, ((204, 90), (403, 10))),
    "js": (4, "GET", 0, ((200, 60), (304, 40))),
    "css": (4, "GET", 0, ((200, 60), (304, 40))),
    "favicon": (2, "GET", 0, ((200, 75), (304, 25))),
    "root": (5, "GET", 0, ((200, 90), (304, 10))),
}
_EP_NAMES = tuple(_EP)
_EP_CUM = tuple(accumulate(v[0] for v in _EP.values()))
_STATUS = {ep: (tuple(s for s, _ in v[3]), tuple(accumulate(w for _, w in v[3]))) for ep, v in _EP.items()}
_SIZES = {"detail": (1800, 24000), "search": (4000, 48000), "project": (900, 6000), "sop": (1500, 12000),
          "notif": (200, 3200), "refresh": (405, 420), "login": (860, 880), "create": (300, 700),
          "update": (2000, 9000), "health": (52, 52)}
_ERROR_SIZES = {400: 24, 403: 22, 404: 22, 500: 265}  # Flask JSON errors; 500: Flask's HTML page
_ASSETS = {"js": ("3f9c2a1b", 248312, "8d41e0c7", 251907), "css": ("5be07d21", 41236, "c2a9f4e8", 41893)}


@dataclass(slots=True)
class _Req:
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
        return self.raw if self.raw is not None else f"{self.method} {self.target} {self.proto}"


class _Clock:
    """Formats seconds since the window start (local time, +0900, no DST) the ways the logs do."""

    def __init__(self, start: date, n: int) -> None:
        days = [start + timedelta(days=i) for i in range(n)]
        self.start, self.last = start, n * DAY - 1
        self.clf_day = [f"{d.day:02d}/{_MONTHS[d.month - 1]}/{d.year}" for d in days]
        self.iso_day = [d.isoformat() for d in days]
        self.slash_day = [d.strftime("%Y/%m/%d") for d in days]

    def _hms(self, t: float) -> tuple[int, str]:
        d, s = divmod(min(max(int(t), 0), self.last), DAY)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return d, f"{h:02d}:{m:02d}:{s:02d}"

    def clf(self, t: float) -> str:
        d, hms = self._hms(t)
        return f"{self.clf_day[d]}:{hms} +0900"

    def iso(self, t: float) -> str:
        d, hms = self._hms(t)
        return f"{self.iso_day[d]} {hms}"

    def iso_ms(self, t: float) -> str:
        return f"{self.iso(t)},{int((t - int(t)) * 1000):03d}"

    def slash(self, t: float) -> str:
        d, hms = self._hms(t)
        return f"{self.slash_day[d]} {hms}"

    def aware(self, t: float) -> str:
        start = datetime(self.start.year, self.start.month, self.start.day, tzinfo=JST)
        return (start + timedelta(seconds=t)).isoformat()


class _Scenario:
    """The random source, the window and the times of the week's events."""

    def __init__(self, start: date, n: int, seed: int, scale: float) -> None:
        self.rng, self.seed = random.Random(seed), seed
        self.start, self.n, self.scale = start, n, scale
        self.clock = _Clock(start, n)

        def day(i: int) -> int:
            return min(i, n - 1) * DAY

        b0 = day(2) + 14 * 3600
        self.burst = (b0, b0 + 1200)
        self.refused = b0 + 360  # the gunicorn master exits; nginx gets connection refused
        self.restart = b0 + 1170  # gunicorn started again
        self.brute = day(3) + 3 * 3600
        self.hup = day(1) + 18 * 3600 + 30 * 60 + 7
        self.deploy = day(4) + 19 * 3600 + 2 * 60 + 10
        self.backup_fail_day = min(3, n - 1)
        self.ips, self.ip_cum = _ip_pool(self.rng)
        self.profile = {ip: self._profile() for ip in self.ips if not ip.startswith(("10.1.", "10.2.", "10.3."))}
        self.kid_cum = tuple(accumulate(1 / k for k in range(1, 1501)))
        self.uuids: dict[int, str] = {}

    def _profile(self) -> tuple[str, str, str]:
        rng = self.rng
        ua = rng.choices(_UAS, cum_weights=_UA_CUM)[0]
        return ua, "HTTP/2.0" if rng.random() < 0.7 else "HTTP/1.1", rng.choice(_USERS)

    def client(self, ip: str) -> tuple[str, str, str]:
        """User agent, protocol and user of a request; office NAT addresses are shared by many people."""
        return self.profile.get(ip) or self._profile()

    def kid(self) -> int:
        return self.rng.choices(range(1, 1501), cum_weights=self.kid_cum)[0]

    def uuid(self, kid: int) -> str:
        if kid not in self.uuids:
            b = self.rng.getrandbits
            self.uuids[kid] = f"{b(32):08x}-{b(16):04x}-4{b(12):03x}-{8 | b(2):x}{b(12):03x}-{b(48):012x}"
        return self.uuids[kid]

    def at(self, day: int, h: int, m: int, s: float) -> float:
        return min(day, self.n - 1) * DAY + h * 3600 + m * 60 + s

    def k(self, count: float) -> int:
        return max(1, round(count * self.scale))


def _public_ip(rng: random.Random) -> str:
    while True:
        a = rng.randint(1, 223)
        if a not in _NOT_PUBLIC:
            return f"{a}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _ip_pool(rng: random.Random) -> tuple[list[str], tuple[float, ...]]:
    """A few thousand client addresses ranked for Zipf weights; office NAT addresses lead."""
    special = {BRUTE_IP, MONITOR_IP, BINGBOT_IP, *GOOGLEBOT_IPS, *(ip for ip, _ in SCANNERS)}
    nat = [f"10.1.0.{i}" for i in range(1, 9)] + [f"10.2.0.{i}" for i in range(1, 5)]
    nat += [f"10.3.{i}.1" for i in range(1, 21)]
    vpn = sorted({f"10.8.{rng.randint(0, 3)}.{rng.randint(2, 254)}" for _ in range(320)})
    doc = [f"{p}.{i}" for p in ("192.0.2", "198.51.100", "203.0.113") for i in range(1, 255)]
    doc = rng.sample([ip for ip in doc if ip not in special], 560)
    public = sorted({_public_ip(rng) for _ in range(2300)})
    top, rest = nat[:8], nat[8:] + vpn + doc + public + list(_IPV6)
    rng.shuffle(top)
    rng.shuffle(rest)
    ranked = top + rest
    return ranked, tuple(accumulate(1 / r for r in range(1, len(ranked) + 1)))


# -- request builders -------------------------------------------------------------------------------------


def _proxied(rng: random.Random, r: _Req, median_ms: float, tail: float, app: bool = True) -> None:
    """Upstream timing: lognormal around the median, a tail over 1 s, rarely over 5 s."""
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


def _static(rng: random.Random, r: _Req) -> None:
    r.req_ms = rng.randint(0, 3) + (r.size // rng.randint(2000, 30000) if r.size > 100_000 else 0)


def _referer(rng: random.Random, ep: str, kid: int) -> str:
    if ep in ("detail", "attach"):
        return f"{SITE}{rng.choice(('/search', f'/knowledge/{kid}', '/dashboard'))}"
    pages = {"search": "/search", "login": "/login", "update": f"/knowledge/{kid}/edit", "create": "/knowledge/new",
             "project": "/projects", "sop": "/sops", "js": "/", "css": "/", "favicon": "/"}
    if ep == "root":
        return rng.choice(("-", f"{SITE}/login"))
    return SITE + pages.get(ep, "/dashboard")


def _target(sc: _Scenario, ep: str, t: float) -> tuple[str, int]:
    rng = sc.rng
    kid = sc.kid()
    new = t >= sc.deploy
    if ep == "detail":
        return f"/api/v1/knowledge/{kid}" + ("?include=tags" if rng.random() < 0.3 else ""), kid
    if ep == "search":
        page = 1 if rng.random() < 0.7 else rng.randint(2, 6)
        return f"/api/v1/knowledge/search?q={quote(rng.choice(_TERMS))}&page={page}", 0
    if ep == "attach":
        return f"/api/v1/knowledge/{kid}/attachments/{sc.uuid(kid)}", kid
    if ep in ("js", "css"):
        return f"/static/{ep}/app.{_ASSETS[ep][2 if new else 0]}.{ep}", 0
    fixed = {"project": f"/api/v1/projects/{rng.randint(1, 240)}", "sop": f"/api/v1/sops/{rng.randint(1, 180)}",
             "notif": "/api/v1/notifications" + ("?unread=1" if rng.random() < 0.3 else ""),
             "refresh": "/api/v1/auth/refresh", "login": "/api/v1/auth/login", "create": "/api/v1/knowledge",
             "favicon": "/favicon.ico", "root": "/"}
    return fixed.get(ep, f"/api/v1/knowledge/{kid}"), kid


def _size(rng: random.Random, ep: str, status: int, new: bool) -> int:
    if status in (204, 304):
        return 0
    if ep in _ASSETS:
        return _ASSETS[ep][3 if new else 1]
    if ep in ("favicon", "root"):
        return 15086 if ep == "favicon" else 1843
    if status == 401:
        return 41 if ep == "login" else 36
    if status in _ERROR_SIZES:
        return _ERROR_SIZES[status]
    if ep == "attach":
        return min(25_000_000, int(rng.lognormvariate(math.log(250_000), 1.2)))
    return rng.randint(*_SIZES[ep])


def _human(sc: _Scenario, t: float, ip: str, ep: str) -> _Req:
    rng = sc.rng
    _, method, median, _ = _EP[ep]
    statuses, cum = _STATUS[ep]
    status = rng.choices(statuses, cum_weights=cum)[0]
    ua, proto, login = sc.client(ip)
    target, kid = _target(sc, ep, t)
    r = _Req(t, ip, method, target, status, _size(rng, ep, status, t >= sc.deploy), ua,
             ref=_referer(rng, ep, kid), proto=proto, login=login, ep=ep, oid=kid)
    if median:
        _proxied(rng, r, median, 0.035 if ep == "search" else 0.012)
    else:
        _static(rng, r)
    return r


def _human_traffic(sc: _Scenario) -> list[_Req]:
    rng, out = sc.rng, []
    for d in range(sc.n):
        weekday = (sc.start + timedelta(days=d)).weekday()
        k = round(_DAILY[weekday] * sc.scale)
        hours = rng.choices(range(24), cum_weights=_HOUR_CUM[weekday >= 5], k=k)
        ips = rng.choices(sc.ips, cum_weights=sc.ip_cum, k=k)
        eps = rng.choices(_EP_NAMES, cum_weights=_EP_CUM, k=k)
        for h, ip, ep in zip(hours, ips, eps, strict=True):
            out.append(_human(sc, d * DAY + h * 3600 + rng.random() * 3600, ip, ep))
    return out


def _api_client(sc: _Scenario, t: float, ip: str, ua: str, ep: str) -> _Req:
    rng = sc.rng
    if ep == "health":
        r = _Req(t, ip, "GET", "/api/v1/health", 200, 52, ua, ep="health")
        _proxied(rng, r, 4, 0.0)
        return r
    target, kid = _target(sc, ep, t)
    r = _Req(t, ip, "GET", target, 200, _size(rng, ep, 200, False), ua, ep=ep, oid=kid, login="svc-export")
    _proxied(rng, r, _EP[ep][2], 0.01)
    return r


def _crawler(sc: _Scenario, t: float, ip: str, ua: str) -> _Req:
    rng = sc.rng
    if rng.random() < 0.35:  # API links without a session: 401
        r = _Req(t, ip, "GET", f"/api/v1/knowledge/{sc.kid()}", 401, 36, ua, ep="detail")
        _proxied(rng, r, 4, 0.0)
        return r
    target, status, size = rng.choice((("/", 200, 1843), ("/robots.txt", 200, 67), ("/sitemap.xml", 404, 153),
                                       ("/favicon.ico", 200, 15086)))
    r = _Req(t, ip, "GET", target, status, size, ua, ep="static")
    _static(rng, r)
    return r


def _bots(sc: _Scenario) -> list[_Req]:
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


def _scan(sc: _Scenario, t: float, ip: str, ua: str, path: str) -> _Req:
    if path.startswith("/api/"):  # reaches the application: a JSON 404
        r = _Req(t, ip, "GET", path, 404, 22, ua, ep="scan")
        _proxied(sc.rng, r, 3, 0.0)
        return r
    bad = "..%2F" in path  # decodes to a path above the root: nginx answers 400 itself
    r = _Req(t, ip, "GET", path, 400 if bad else 404, 157 if bad else 153, ua, ep="scan")
    _static(sc.rng, r)
    return r


def _scanners(sc: _Scenario) -> list[_Req]:
    """Four sweeps (the first tries every path) and a few one-off probes a day."""
    rng, out = sc.rng, []
    for i, (ip, ua) in enumerate(SCANNERS):
        t = min(2 * i, sc.n - 1) * DAY + rng.uniform(1, 22) * 3600
        paths = _SCAN_PATHS if i == 0 else rng.sample(_SCAN_PATHS, rng.randint(8, len(_SCAN_PATHS)))
        for path in paths:
            t += rng.uniform(0.2, 2.5)
            out.append(_scan(sc, t, ip, ua, path))
    for d in range(sc.n):
        out += [_scan(sc, d * DAY + rng.random() * DAY, _public_ip(rng), rng.choice(_SCAN_UAS),
                      rng.choice(_SCAN_PATHS)) for _ in range(sc.k(8))]
    return out


def _bruteforce(sc: _Scenario) -> list[_Req]:
    rng, out = sc.rng, []
    times = sorted(sc.brute + rng.random() * 3600 for _ in range(max(30, round(420 * sc.scale))))
    for i, t in enumerate(times):
        r = _Req(t, BRUTE_IP, "POST", "/api/v1/auth/login", 401, 41, "python-requests/2.31.0",
                 login=_BRUTE_USERS[i % len(_BRUTE_USERS)], ep="login")
        _proxied(rng, r, 210, 0.0)
        out.append(r)
    return out


def _legacy(sc: _Scenario) -> list[_Req]:
    """The old PHP report pages under /legacy/ (basic auth, php-fpm): the only non-empty $remote_user."""
    rng, out = sc.rng, []
    month = (sc.start.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    out.append(_Req(sc.at(0, 9, 12, 44.5), "10.3.5.1", "GET", "/legacy/", 401, 179, CHROME, ref=f"{SITE}/dashboard"))
    for d in range(sc.n):
        if (sc.start + timedelta(days=d)).weekday() >= 5:
            continue
        for _ in range(sc.k(4)):
            user = rng.choice(("kobayashi", "yamada"))
            r = _Req(d * DAY + rng.uniform(9, 18) * 3600, "10.1.0.23" if user == "kobayashi" else "10.2.0.4", "GET",
                     f"/legacy/report.php?month={month}", 200, rng.randint(8000, 30000), CHROME,
                     ref=f"{SITE}/dashboard", user=user, ep="legacy")
            _proxied(rng, r, 80, 0.02, app=False)
            out.append(r)
    return out


def _specials(sc: _Scenario) -> list[_Req]:
    """Hostile and odd requests, one each, plus the records the application log needs exactly once."""
    rng = sc.rng
    month = (sc.start.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    out = [
        _Req(sc.at(0, 4, 12, 7.3), "192.0.2.201", "", "", 400, 157, "-", req_ms=1,
             raw=r"\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03"),
        _Req(sc.at(1, 3, 33, 41.8), "203.0.113.9", "", "", 400, 0, "-", raw="-"),
        _Req(sc.at(2, 22, 10, 5.1), "198.51.100.201", "GET", "/", 200, 1843, "<script>alert(1)</script>", req_ms=1),
        _Req(sc.at(3, 21, 7, 19.6), "198.51.100.201", "GET", "/<img src=x onerror=alert(1)>", 404, 153, CHROME,
             ep="scan"),
        _Req(sc.at(4, 5, 44, 2.2), "203.0.113.88", "GET", "/robots.txt", 200, 67,
             r"Mozilla/5.0 (compatible; \x22quoted\x22; +https://crawler.example.net/bot)"),
        _Req(sc.at(5, 23, 51, 30.4), "192.0.2.150", "GET", "/", 200, 1843, r"\x1B]0;pwned\x07curl/8.5.0"),
        _Req(sc.at(3, 10, 42, 17.5), "10.1.0.23", "GET", f"/legacy/report.php?month={month}", 500, 0, CHROME,
             ref=f"{SITE}/dashboard", user="kobayashi", ep="legacy-fatal", req_ms=19, up="0.018"),
    ]
    login = _Req(sc.at(4, 23, 48, 12.7), "203.0.113.45", "POST", "/api/v1/auth/login", 401, 41, "curl/8.5.0",
                 login="\x1b[2Jadmin", ep="login")
    update = _Req(sc.at(1, 10, 15, 3.4), "10.1.0.2", "PUT", "/api/v1/knowledge/42", 200, 5321, CHROME,
                  ref=f"{SITE}/knowledge/42/edit", proto="HTTP/2.0", login="takahashi", ep="update", oid=42,
                  note="ナレッジを更新しました: id=42")
    for r in (login, update):
        _proxied(rng, r, 150, 0.0)  # not a GET: never retried
    return [*out, login, update]


# -- scenario effects on the request list -------------------------------------------------------------------

_VIEWS = {  # endpoint -> (line in app_v2.py, function, source line); the frames of a database error
    "detail": (412, "get_knowledge", 'row = db.fetch("SELECT * FROM knowledge WHERE id = %s", (knowledge_id,))'),
    "search": (458, "search_knowledge", "rows = db.fetch_all(SEARCH_SQL, {\"q\": q, \"offset\": (page - 1) * 20})"),
    "attach": (498, "get_attachment", "meta = db.fetch(ATTACHMENT_SQL, (knowledge_id, attachment_id))"),
    "create": (541, "create_knowledge", "new_id = db.insert_knowledge(payload, user=g.user)"),
    "update": (572, "update_knowledge", "db.update_knowledge(knowledge_id, payload, user=g.user)"),
    "delete": (596, "delete_knowledge", "db.delete_knowledge(knowledge_id, user=g.user)"),
    "project": (611, "get_project", 'project = db.fetch("SELECT * FROM projects WHERE id = %s", (project_id,))'),
    "sop": (702, "get_sop", 'sop = db.fetch("SELECT * FROM sops WHERE id = %s", (sop_id,))'),
    "notif": (771, "list_notifications", "rows = db.fetch_all(NOTIFICATIONS_SQL, (g.user.id,))"),
    "refresh": (233, "refresh_token", "session = db.fetch_session(refresh_jti)"),
    "login": (188, "login", "user = db.fetch_user(username)"),
    "health": (95, "health", "db.ping()"),
}


def _apply_outage(sc: _Scenario, reqs: list[_Req]) -> None:
    """14:00-14:06 workers hang on the database (504, or a fast 500 with a traceback); 14:06-14:19:30 no
    gunicorn at all (502, connection refused); afterwards normal again."""
    rng = sc.rng
    for r in reqs:
        if not (sc.burst[0] <= r.t < sc.restart and r.target.startswith("/api/") and r.raw is None):
            continue
        r.retry = 0
        if r.t < sc.refused and r.ep in _VIEWS and rng.random() < 0.5:
            r.status, r.size, r.err = 500, _ERROR_SIZES[500], "db"
            r.app_us = rng.randint(2000, 30000)
            up = r.app_us // 1000 + 1
            r.up, r.req_ms = f"{up / 1000:.3f}", up + rng.randint(0, 2)
        elif r.t < sc.refused:
            up = 30000 + rng.randint(0, 4)  # proxy_read_timeout 30s
            r.status, r.size, r.app_us, r.up, r.req_ms = 504, 167, -1, f"{up / 1000:.3f}", up + rng.randint(0, 2)
        else:
            r.status, r.size, r.app_us, r.up, r.req_ms = 502, 157, -1, "-", rng.randint(0, 1)


def _sprinkle_errors(sc: _Scenario, reqs: list[_Req]) -> None:
    """A few application bugs over the week: 500s with KeyError, ValueError and TypeError tracebacks."""
    kinds = {"create": "key", "search": "value", "project": "type"}
    lo, hi = sc.burst[0] - 3600, sc.burst[1] + 3600
    for ep, kind in kinds.items():
        cands = [r for r in reqs if r.ep == ep and r.status in (200, 201) and r.app_us >= 0 and r.login
                 and not lo <= r.t < hi and r.ip != EXPORT_IP]
        for r in sc.rng.sample(cands, min(len(cands), max(1, round(0.4 * sc.n)))):
            r.status, r.size, r.err = 500, _ERROR_SIZES[500], kind
            if ep == "search":
                r.target = r.target.rsplit("&page=", 1)[0] + "&page=abc"


def _connections(sc: _Scenario, reqs: list[_Req]) -> None:
    """nginx connection numbers and worker pids (new workers after the deploy's reload)."""
    rng = sc.rng
    cid = rng.randint(100_000, 200_000)
    for r in reqs:
        cid += 1 + (rng.random() < 0.3)
        r.cid = cid
        r.wpid = rng.choice((2101, 2102) if r.t < sc.deploy + 5 else (4712, 4713))


# -- nginx and gunicorn access logs ---------------------------------------------------------------------------
