"""Security queries: failed logins, 401s, suspicious addresses, and what one address did.

>>> import polars as pl
>>> lf = pl.LazyFrame({"remote_addr": ["a", "a", "b"], "path": ["/x", "/x", "/y"], "status": [401, 401, 200],
...                    "ts": [1, 2, 3]})
>>> unauthorized(lf).select("remote_addr", "path", "requests").to_dicts()
[{'remote_addr': 'a', 'path': '/x', 'requests': 2}]
"""

from __future__ import annotations

import polars as pl

from ..errors import QueryError
from ..filters import in_networks, networks
from .common import LOGIN_PATH, collect, endpoint, require_columns
from .localtime import LocalClock

FAILED_LOGIN = "Invalid username or password"
_LOGIN_FIELDS = r"username=(?P<username>.*?)\s+ip=(?P<ip>[^\s,;]+)"

#: Paths no visitor of this Flask application asks for: vulnerability scanners do (case-insensitive).
SCANNER_PATTERNS = (
    r"/wp-(?:login|admin|content|includes)", r"/xmlrpc\.php", r"/\.env", r"/\.git/",
    r"/\.aws/", r"/\.ds_store", r"/\.htaccess", r"/phpmyadmin", r"/pma/", r"/cgi-bin/", r"\.\.%2f",
    r"%2e%2e", r"\.\./", r"/etc/passwd", r"/server-status", r"/actuator", r"/vendor/phpunit", r"/hnap1",
    r"/boaform", r"/backup\.(?:zip|tar|tgz|sql)", r"/\.svn/", r"/solr/", r"/owa/", r"/manager/html",
)
SCANNER_REGEX = "(?i)" + "|".join(SCANNER_PATTERNS)


def is_scanner_path(path: pl.Expr | str = "path", status: pl.Expr | str | None = "status") -> pl.Expr:
    """True for paths that only vulnerability scanners request (``/wp-login.php``, ``/.env``, ``..%2F``
    ...), and for any ``.php`` path answered 404 (this is a Flask application: a ``.php`` that
    exists, such as a legacy report, is not a probe)."""
    col = pl.col(path) if isinstance(path, str) else path
    hit = col.str.contains(SCANNER_REGEX)
    if status is not None:
        code = pl.col(status) if isinstance(status, str) else status
        hit = hit | (col.str.contains(r"(?i)\.php(?:/|$)") & (code == 404))
    return hit.fill_null(False)


def login_failures_app(app_lf: pl.LazyFrame) -> pl.LazyFrame:
    """ts, username, ip of the app log's ``Invalid username or password: username=<u> ip=<ip>`` lines."""
    require_columns(app_lf, "ts", "message", what="failed_logins")
    fields = pl.col("message").str.extract_groups(_LOGIN_FIELDS)
    return (
        app_lf.filter(pl.col("message").str.contains(FAILED_LOGIN, literal=True))
        .select("ts", fields.struct.field("username"), fields.struct.field("ip"))
    )


def failed_logins(
    app_lf: pl.LazyFrame | None = None,
    access_lf: pl.LazyFrame | None = None,
    *,
    by: str = "ip",
    login_path: str = LOGIN_PATH,
    n: int | None = None,
) -> pl.DataFrame:
    """Failed logins per client address (``by="ip"``) or per username (``by="user"``).

    Per ip: ip, failures, app_failures (the app log's ``Invalid username or password`` lines),
    login_401 (401 answers to ``login_path`` in the access log), users (distinct usernames tried),
    first_seen, last_seen. A failed login normally shows in both logs, so ``failures`` is the larger
    of the two counts, not their sum. Per user (app log only): username, failures, ips, first_seen,
    last_seen. Most failures first.
    """
    if app_lf is None and access_lf is None:
        raise QueryError("failed logins need the app log, the access log or both")
    if by not in ("ip", "user"):
        raise QueryError(f"failed logins by {by!r}: choose ip or user")
    if by == "user":
        if app_lf is None:
            raise QueryError("failed logins per user come from the app log: give it (--app-log or [logs.app])")
        out = collect(
            login_failures_app(app_lf).group_by("username").agg(
                pl.len().cast(pl.Int64).alias("failures"),
                pl.col("ip").n_unique().cast(pl.Int64).alias("ips"),
                pl.col("ts").min().alias("first_seen"),
                pl.col("ts").max().alias("last_seen"),
            )
        ).sort(["failures", "username"], descending=[True, False], nulls_last=True)
        return out.head(n) if n is not None else out
    parts = []
    if app_lf is not None:
        parts.append(collect(
            login_failures_app(app_lf).group_by(pl.col("ip")).agg(
                pl.len().cast(pl.Int64).alias("app_failures"),
                pl.col("username").n_unique().cast(pl.Int64).alias("users"),
                pl.col("ts").min().alias("first_app"), pl.col("ts").max().alias("last_app"),
            )
        ))
    if access_lf is not None:
        require_columns(access_lf, "ts", "remote_addr", "path", "status", what="failed_logins")
        parts.append(collect(
            access_lf.filter((pl.col("status") == 401) & (pl.col("path") == login_path))
            .group_by(pl.col("remote_addr").alias("ip")).agg(
                pl.len().cast(pl.Int64).alias("login_401"),
                pl.col("ts").min().alias("first_401"), pl.col("ts").max().alias("last_401"),
            )
        ))
    merged = parts[0] if len(parts) == 1 else parts[0].join(parts[1], on="ip", how="full", coalesce=True)
    for name, dtype in (("app_failures", pl.Int64), ("login_401", pl.Int64), ("users", pl.Int64)):
        if name not in merged.columns:
            merged = merged.with_columns(pl.lit(None, dtype).alias(name))
    firsts = [c for c in ("first_app", "first_401") if c in merged.columns]
    lasts = [c for c in ("last_app", "last_401") if c in merged.columns]
    out = merged.with_columns(
        pl.col("app_failures", "login_401").fill_null(0),
        pl.min_horizontal(firsts).alias("first_seen"),
        pl.max_horizontal(lasts).alias("last_seen"),
    ).with_columns(pl.max_horizontal("app_failures", "login_401").alias("failures"))
    out = out.select("ip", "failures", "app_failures", "login_401", "users", "first_seen", "last_seen")
    out = out.sort(["failures", "ip"], descending=[True, False], nulls_last=True)
    return out.head(n) if n is not None else out


def unauthorized(lf: pl.LazyFrame, n: int | None = None) -> pl.DataFrame:
    """401 answers by client address and path (the manual's ``grep "401"``): remote_addr, path,
    requests, first_seen, last_seen; most first."""
    require_columns(lf, "ts", "remote_addr", "path", "status", what="unauthorized")
    out = collect(
        lf.filter(pl.col("status") == 401).group_by("remote_addr", "path").agg(
            pl.len().cast(pl.Int64).alias("requests"),
            pl.col("ts").min().alias("first_seen"),
            pl.col("ts").max().alias("last_seen"),
        )
    ).sort(["requests", "remote_addr", "path"], descending=[True, False, False], nulls_last=True)
    return out.head(n) if n is not None else out


def suspicious_ips(
    lf: pl.LazyFrame,
    app_lf: pl.LazyFrame | None = None,
    *,
    requests_per_hour: float = 1000,
    ratio_4xx: float = 0.5,
    login_failures: float = 10,
    min_requests: int = 20,
    login_path: str = LOGIN_PATH,
) -> pl.DataFrame:
    """Addresses that look like attackers or runaway clients, each with a human-readable ``reason``.

    An address is listed when its busiest hour has ``requests_per_hour`` requests or more, when at
    least ``ratio_4xx`` of its requests (and at least ``min_requests`` of them) got a 4xx answer,
    when it failed to log in ``login_failures`` times or more (app log and/or 401s on
    ``login_path``), or when it asked for scanner-like paths (:data:`SCANNER_PATTERNS`).
    Columns: remote_addr, requests, peak_per_hour, status_4xx, ratio_4xx, login_failures,
    scanner_hits, scanner_paths (list), reason. The CLI takes the thresholds from
    ``thresholds.suspect_*`` in mkslog.toml. Most reasons first, then most requests.
    """
    require_columns(lf, "ts", "remote_addr", "path", "status", what="suspicious_ips")
    # one streaming pass of plain counts (no list aggregation over the rows, which would hold them):
    # the scanner path is a group key, null for ordinary requests, so the groups stay about
    # (address, hour); they fold to hours and then to one row per address in the same query, so
    # they are never a frame of their own (30M requests: 3.4M groups)
    scan_path = pl.when(is_scanner_path("path")).then(pl.col("path")).alias("scan_path")
    groups = lf.group_by("remote_addr", LocalClock.of(lf).truncate("1h").alias("hour"), scan_path).agg(
        pl.len().cast(pl.Int64).alias("n"),
        (pl.col("status") // 100 == 4).sum().cast(pl.Int64).alias("n4xx"),
        ((pl.col("status") == 401) & (pl.col("path") == login_path)).sum().cast(pl.Int64).alias("n401"),
    )
    hourly = groups.group_by("remote_addr", "hour").agg(
        pl.col("n", "n4xx", "n401").sum(),
        pl.col("n").filter(pl.col("scan_path").is_not_null()).sum().alias("scanner_hits"),
        pl.col("scan_path").drop_nulls(),
    )
    per_ip = collect(hourly.group_by("remote_addr").agg(
        pl.col("n").sum().alias("requests"),
        pl.col("n4xx").sum().alias("status_4xx"),
        pl.col("n401").sum().alias("login_401"),
        pl.col("n").max().alias("peak_per_hour"),
        pl.col("scanner_hits").sum(),
        pl.col("scan_path").list.explode(keep_nulls=False, empty_as_null=False).unique().sort().alias("scanner_paths"),
    ))
    if app_lf is not None:
        app = collect(login_failures_app(app_lf).group_by(pl.col("ip").alias("remote_addr"))
                      .agg(pl.len().cast(pl.Int64).alias("app_failures")))
        per_ip = per_ip.join(app, on="remote_addr", how="full", coalesce=True)
    else:
        per_ip = per_ip.with_columns(pl.lit(0, pl.Int64).alias("app_failures"))
    counts = ["requests", "peak_per_hour", "status_4xx", "login_401", "scanner_hits", "app_failures"]
    per_ip = per_ip.with_columns(pl.col(counts).fill_null(0), pl.col("scanner_paths").fill_null([])).with_columns(
        (pl.col("status_4xx") / pl.col("requests")).fill_nan(0.0).fill_null(0.0).alias("ratio_4xx"),
        pl.max_horizontal("app_failures", "login_401").alias("login_failures"),
    )
    flags = {
        "volume": pl.col("peak_per_hour") >= requests_per_hour,
        "4xx": (pl.col("ratio_4xx") >= ratio_4xx) & (pl.col("requests") >= min_requests),
        "logins": pl.col("login_failures") >= login_failures,
        "scanner": pl.col("scanner_hits") > 0,
    }
    shown = pl.col("scanner_paths").list.head(3).list.join(", ")
    more = pl.col("scanner_paths").list.len().cast(pl.Int64) - 3
    texts = [
        pl.when(flags["volume"]).then(pl.format("peak {} requests/hour (limit {})", "peak_per_hour",
                                                pl.lit(_num(requests_per_hour)))),
        pl.when(flags["4xx"]).then(pl.format("{}% of {} requests got 4xx (limit {}%)",
                                             (pl.col("ratio_4xx") * 100).round(0).cast(pl.Int64), "requests",
                                             pl.lit(_num(ratio_4xx * 100)))),
        pl.when(flags["logins"]).then(pl.format("{} failed logins (limit {})", "login_failures",
                                                pl.lit(_num(login_failures)))),
        pl.when(flags["scanner"]).then(pl.format("{} scanner-like request{}: {}{}", "scanner_hits",
                                                 pl.when(pl.col("scanner_hits") == 1).then(pl.lit("")).otherwise(pl.lit("s")),
                                                 shown,
                                                 pl.when(more > 0).then(pl.format(" (+{} more)", more))
                                                 .otherwise(pl.lit("")))),
    ]
    score = pl.sum_horizontal([f.cast(pl.Int32) for f in flags.values()])
    return (
        per_ip.with_columns(score.alias("__score"), pl.concat_str(texts, separator="; ", ignore_nulls=True).alias("reason"))
        .filter(pl.col("__score") > 0)
        .sort(["__score", "requests", "remote_addr"], descending=[True, True, False], nulls_last=True)
        .select("remote_addr", "requests", "peak_per_hour", "status_4xx", "ratio_4xx", "login_failures",
                "scanner_hits", "scanner_paths", "reason")
    )


def _num(value: float) -> str:
    return f"{value:g}"


def ip_activity(lf: pl.LazyFrame, ip: str, every: str = "1h") -> dict[str, pl.DataFrame]:
    """What one client address, or one network (``10.1.0.0/24``, ``2001:db8::/64``), did, for an
    incident report, in one streaming pass (the filter on ``remote_addr`` reaches the scan). The
    address may be spelt any way (``2001:DB8:0::1``, ``[2001:db8::1]``); the overview names it in
    its canonical spelling. Anything else raises a FilterError saying what to give. A dict of frames:

    - ``overview`` (one row): remote_addr, requests, first_seen, last_seen, endpoints, status_4xx,
      status_5xx, user_agents (list);
    - ``endpoints``: method, endpoint, requests, status_4xx, status_5xx, first_seen, last_seen;
    - ``statuses``: status, requests, share;
    - ``timeline``: ts (``every`` buckets), requests, endpoints, status_4xx, status_5xx.

    All frames are empty when the address made no request.
    """
    require_columns(lf, "ts", "remote_addr", "method", "path", "status", what="ip_activity")
    (net,) = networks([ip], option="mkslog ip")
    name = str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)
    has_ua = "user_agent" in lf.collect_schema()
    keys = [pl.col("ts").dt.truncate(every).alias("bucket"), "method", endpoint(lf=lf), pl.col("status").cast(pl.Int64)]
    if has_ua:
        keys.append("user_agent")
    g = collect(
        lf.filter(in_networks(pl.col("remote_addr"), [ip], option="mkslog ip")).group_by(keys).agg(
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("ts").min().alias("first"),
            pl.col("ts").max().alias("last"),
        )
    )
    if not has_ua:
        g = g.with_columns(pl.lit(None, pl.String).alias("user_agent"))
    c4 = pl.when(pl.col("status") // 100 == 4).then(pl.col("n")).otherwise(0).sum().alias("status_4xx")
    c5 = pl.when(pl.col("status") // 100 == 5).then(pl.col("n")).otherwise(0).sum().alias("status_5xx")
    overview = g.select(
        pl.lit(name).alias("remote_addr"),
        pl.col("n").sum().alias("requests"),
        pl.col("first").min().alias("first_seen"),
        pl.col("last").max().alias("last_seen"),
        pl.col("endpoint").n_unique().cast(pl.Int64).alias("endpoints"),
        c4, c5,
        pl.col("user_agent").drop_nulls().unique().sort().implode().alias("user_agents"),
    ) if g.height else pl.DataFrame(schema={
        "remote_addr": pl.String, "requests": pl.Int64, "first_seen": g.schema["first"], "last_seen": g.schema["last"],
        "endpoints": pl.Int64, "status_4xx": pl.Int64, "status_5xx": pl.Int64, "user_agents": pl.List(pl.String)})
    endpoints = (
        g.group_by("method", "endpoint").agg(pl.col("n").sum().alias("requests"), c4, c5,
                                              pl.col("first").min().alias("first_seen"),
                                              pl.col("last").max().alias("last_seen"))
        .sort(["requests", "method", "endpoint"], descending=[True, False, False], nulls_last=True)
    )
    total = g["n"].sum()
    statuses = (
        g.group_by("status").agg(pl.col("n").sum().alias("requests"))
        .with_columns((pl.col("requests") / total if total else pl.lit(0.0)).cast(pl.Float64).alias("share"))
        .sort("status", nulls_last=True)
    )
    timeline = (
        g.group_by(pl.col("bucket").alias("ts")).agg(pl.col("n").sum().alias("requests"),
                                                     pl.col("endpoint").n_unique().cast(pl.Int64).alias("endpoints"),
                                                     c4, c5)
        .sort("ts")
    )
    return {"overview": overview, "endpoints": endpoints, "statuses": statuses, "timeline": timeline}
