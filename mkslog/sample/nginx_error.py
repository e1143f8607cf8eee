"""The sample week's nginx error log: what nginx says about the requests it could not serve cleanly.

Upstream timeouts (504) and refused connections (502) of the outage, the retried first attempts, files
not found, large responses buffered to disk, one multi-line FastCGI record of the legacy PHP pages,
and the deploy's reload notice. Records are ``(t, text)`` pairs, sorted by time.

Example, the first record of the outage in the committed ``sample_logs/`` (``generate`` runs it)::

    records = nginx_error_log(sc, reqs)   # after the story was applied to reqs
    # 2026/11/18 14:00:16 [error] 2102#2102: *163463 upstream timed out (110: Connection timed out) while
    # reading response header from upstream, client: 10.8.1.41, server: mks.example.jp, request: "GET /api...
"""

from __future__ import annotations

from urllib.parse import unquote

from .request import Request
from .scenario import Scenario
from .system import HOST, UPSTREAM


def _context(r: Request, upstream: str | None = None) -> str:
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


def _nginx_error_msg(r: Request, temp: int) -> tuple[float, str, str] | None:
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


def nginx_error_log(sc: Scenario, reqs: list[Request]) -> list[tuple[float, str]]:
    """The error log's records ``(t, text)`` in time order (a record may span lines)."""
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
