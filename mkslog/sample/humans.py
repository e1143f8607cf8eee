"""The people who use the site: office-hours browser traffic, and the old PHP report pages.

Each day gets a number of requests (lower at weekends), spread over the hours like a Japanese office
(morning peak, lunch dip, afternoon peak); each request draws a client from the scenario's Zipf pool
and an endpoint by weight, then a status, a size, a referer and its timings.

Example (the week's browser requests, Monday to Sunday: 3900 + 4000 + 3800 + 3900 + 3600 + 2750 + 2550):

>>> from datetime import date
>>> from mkslog.sample.scenario import Scenario
>>> len(human_traffic(Scenario(date(2026, 11, 16), 7, seed=47, scale=1.0)))
24500
"""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import accumulate

from .endpoints import ENDPOINTS, endpoint_target, response_size
from .request import Request, proxy_timing, static_timing
from .scenario import Scenario
from .system import CHROME, DAY, SITE

# Office hours in Japan: a morning peak, a lunch dip, an afternoon peak; weekends flatter and lower.
_WEEKDAY_HOURS = (1.0, .6, .4, .3, .3, .5, 1.0, 2.5, 6, 10, 11, 10, 6, 9, 10, 10, 9, 8, 5, 3, 2.2, 1.8, 1.4, 1.2)
_WEEKEND_HOURS = (1.2, .8, .5, .4, .4, .5, .8, 1.5, 2.5, 3.5, 4, 4, 3.5, 4, 4, 4, 3.5, 3, 2.5, 2.2, 2, 1.8, 1.5, 1.3)
_HOUR_CUM = (tuple(accumulate(_WEEKDAY_HOURS)), tuple(accumulate(_WEEKEND_HOURS)))
_DAILY = (3900, 4000, 3800, 3900, 3600, 2750, 2550)  # human requests, Mon..Sun, at scale 1

_EP_NAMES = tuple(ENDPOINTS)
_EP_CUM = tuple(accumulate(v[0] for v in ENDPOINTS.values()))
_STATUS = {ep: (tuple(s for s, _ in v[3]), tuple(accumulate(w for _, w in v[3]))) for ep, v in ENDPOINTS.items()}


def _referer(rng: random.Random, ep: str, kid: int) -> str:
    if ep in ("detail", "attach"):
        return f"{SITE}{rng.choice(('/search', f'/knowledge/{kid}', '/dashboard'))}"
    pages = {"search": "/search", "login": "/login", "update": f"/knowledge/{kid}/edit", "create": "/knowledge/new",
             "project": "/projects", "sop": "/sops", "js": "/", "css": "/", "favicon": "/"}
    if ep == "root":
        return rng.choice(("-", f"{SITE}/login"))
    return SITE + pages.get(ep, "/dashboard")



def _human(sc: Scenario, t: float, ip: str, ep: str) -> Request:
    rng = sc.rng
    _, method, median, _ = ENDPOINTS[ep]
    statuses, cum = _STATUS[ep]
    status = rng.choices(statuses, cum_weights=cum)[0]
    ua, proto, login = sc.client(ip)
    target, kid = endpoint_target(sc, ep, t)
    r = Request(t, ip, method, target, status, response_size(rng, ep, status, t >= sc.deploy), ua,
                ref=_referer(rng, ep, kid), proto=proto, login=login, ep=ep, oid=kid)
    if median:
        proxy_timing(rng, r, median, 0.035 if ep == "search" else 0.012)
    else:
        static_timing(rng, r)
    return r


def human_traffic(sc: Scenario) -> list[Request]:
    """Each day's browser requests: office hours, Zipf clients, endpoints by weight (unsorted)."""
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


def legacy_reports(sc: Scenario) -> list[Request]:
    """The old PHP report pages under /legacy/ (basic auth, php-fpm): the only non-empty $remote_user."""
    rng, out = sc.rng, []
    month = (sc.start.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    out.append(Request(sc.at(0, 9, 12, 44.5), "10.3.5.1", "GET", "/legacy/", 401, 179, CHROME,
                       ref=f"{SITE}/dashboard"))
    for d in range(sc.n):
        if (sc.start + timedelta(days=d)).weekday() >= 5:
            continue
        for _ in range(sc.k(4)):
            user = rng.choice(("kobayashi", "yamada"))
            ip = "10.1.0.23" if user == "kobayashi" else "10.2.0.4"
            r = Request(d * DAY + rng.uniform(9, 18) * 3600, ip, "GET",
                        f"/legacy/report.php?month={month}", 200, rng.randint(8000, 30000), CHROME,
                        ref=f"{SITE}/dashboard", user=user, ep="legacy")
            proxy_timing(rng, r, 80, 0.02, app=False)
            out.append(r)
    return out
