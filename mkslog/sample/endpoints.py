"""The site's endpoints: what each one is called with, how fast it answers, and how big the answer is.

The Flask API under ``/api/v1/`` and the static files nginx serves itself. Browsers (:mod:`.humans`)
draw endpoints by weight; the jobs and crawlers (:mod:`.machines`) call a few of them directly. The
deploy (``sc.deploy``) changes the static assets' hashes and sizes.

Example (weight, method and median upstream ms of the search; a 304 has no body):

>>> from datetime import date
>>> from mkslog.sample.scenario import Scenario
>>> sc = Scenario(date(2026, 11, 16), 7, seed=47, scale=1.0)
>>> ENDPOINTS["search"][:3]
(14, 'GET', 180)
>>> endpoint_target(sc, "login", 0.0)[0], response_size(sc.rng, "detail", 304, False)
('/api/v1/auth/login', 0)
"""

from __future__ import annotations

import math
import random
from urllib.parse import quote

from .scenario import Scenario

_TERMS = ("コンクリート", "鉄筋", "安全管理", "型枠", "足場", "品質管理", "施工計画", "耐震補強", "トンネル",
          "橋梁 点検", "concrete", "rebar", "formwork", "scaffold", "crane", "slump test", "SOP-102")
# Browser traffic: endpoint -> (weight, method, median upstream ms (0: a static file served by nginx),
# ((status, weight), ...)).
ENDPOINTS = {
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
_SIZES = {"detail": (1800, 24000), "search": (4000, 48000), "project": (900, 6000), "sop": (1500, 12000),
          "notif": (200, 3200), "refresh": (405, 420), "login": (860, 880), "create": (300, 700),
          "update": (2000, 9000), "health": (52, 52)}
ERROR_SIZES = {400: 24, 403: 22, 404: 22, 500: 265}  # Flask JSON errors; 500: Flask's HTML page
_ASSETS = {"js": ("3f9c2a1b", 248312, "8d41e0c7", 251907), "css": ("5be07d21", 41236, "c2a9f4e8", 41893)}


def endpoint_target(sc: Scenario, ep: str, t: float) -> tuple[str, int]:
    """The request target of endpoint ``ep`` at time ``t`` and the knowledge id it touches (0: none).

    Knowledge ids are Zipf-distributed (a few documents are read all the time); after the deploy the
    static assets have their new hashes."""
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


def response_size(rng: random.Random, ep: str, status: int, new: bool) -> int:
    """``$body_bytes_sent`` of an answer; ``new``: after the deploy (the assets changed size)."""
    if status in (204, 304):
        return 0
    if ep in _ASSETS:
        return _ASSETS[ep][3 if new else 1]
    if ep in ("favicon", "root"):
        return 15086 if ep == "favicon" else 1843
    if status == 401:
        return 41 if ep == "login" else 36
    if status in ERROR_SIZES:
        return ERROR_SIZES[status]
    if ep == "attach":
        return min(25_000_000, int(rng.lognormvariate(math.log(250_000), 1.2)))
    return rng.randint(*_SIZES[ep])
