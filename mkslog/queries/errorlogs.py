"""Error-log queries: message templates, upstream failures and the 502/504s they explain, gunicorn
worker events, boot loops.

They take the frames of ``mkslog.scan(paths, kind="nginx-error")``, ``kind="gunicorn-error"`` (or
:func:`mkslog.frame.scan_error_logs`, which adds ``kind``) and, to explain gateway errors, the
access log. The troubleshooting section of the operations manual reads exactly these lines:
``connect() failed (111: Connection refused) while connecting to upstream`` (a 502: gunicorn is not
listening), ``upstream timed out`` (a 504: the workers hang), ``WORKER TIMEOUT``, ``SIGKILL! Perhaps
out of memory?``, and a master that starts again and again (a service that will not start).

>>> import polars as pl
>>> pl.select(template(pl.lit('open() "/var/www/mks/.env" failed (2: No such file or directory)'))).item()
'open() "<path>" failed (<n>: No such file or directory)'
"""

from __future__ import annotations

import polars as pl

from .app import at_least
from .common import collect, require_columns

#: (placeholder, regex) applied in this order: the specific shapes first, bare numbers last.
TEMPLATE_RULES: tuple[tuple[str, str], ...] = (
    ("<url>", r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"',)]+"),
    ("<uuid>", r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"),
    ("<ip>", r"\b[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?::[0-9]+)?\b"),
    ("<ip>", r"\b[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}\b"),
    ("<path>", r"(?:/[A-Za-z0-9._~%+@=-]+)+/?"),
    ("<hex>", r"\b(?:0x)?[0-9A-Fa-f]*[0-9][0-9A-Fa-f]*[A-Fa-f][0-9A-Fa-f]*\b|\b[0-9A-Fa-f]{16,}\b"),
    ("<n>", r"\b[0-9]+(?:\.[0-9]+)?\b"),  # a digit inside a word (psycopg2, utf8) is part of the name
)

#: nginx's upstream failures: (failure, regex on the message) and the status nginx answers with.
UPSTREAM_FAILURES: tuple[tuple[str, str, int], ...] = (
    ("refused", r"connect\(\) failed \(111: Connection refused\)", 502),
    ("timeout", r"upstream timed out", 504),
    ("closed", r"upstream prematurely closed connection", 502),
    ("reset", r"\(104: Connection reset by peer\).*upstream", 502),
    ("no_live_upstreams", r"no live upstreams", 502),
    ("invalid_header", r"upstream sent (?:invalid|too big) header", 502),
    ("unix_socket", r"connect\(\) to unix:.* failed", 502),
)
#: The responses a failing upstream produces (502 Bad Gateway, 503, 504 Gateway Timeout).
GATEWAY_STATUSES = (502, 503, 504)

#: gunicorn master and worker events, finer than the parser's ``event`` (order: first match wins).
WORKER_EVENTS: tuple[tuple[str, str], ...] = (
    ("timeouts", r"^WORKER TIMEOUT"),
    ("oom_kills", r"was sent SIGKILL"),
    ("crashes", r"^Worker \(pid: ?[0-9]+\) exited with code|was terminated due to signal"),
    ("boot_failures", r"^Exception in worker process"),
    ("boots", r"^Booting worker"),
    ("exits", r"^Worker exiting"),
    ("master_starts", r"^Starting gunicorn"),
    ("master_stops", r"^Shutting down: Master"),
    ("signals", r"^Handling signal: "),
)


def template(message: pl.Expr | str = "message") -> pl.Expr:
    """The message's first line with the variable parts folded (:data:`TEMPLATE_RULES`): URLs,
    uuids, IP addresses, paths, hex ids and numbers, so that one kind of error is one row.

    >>> pl.select(template(pl.lit("WORKER TIMEOUT (pid:1490)"))).item()
    'WORKER TIMEOUT (pid:<n>)'
    >>> pl.select(template(pl.lit("connect() failed (111: Connection refused) while connecting to upstream"))).item()
    'connect() failed (<n>: Connection refused) while connecting to upstream'
    """
    out = (pl.col(message) if isinstance(message, str) else message).str.extract(r"^([^\n]*)", 1)
    for placeholder, regex in TEMPLATE_RULES:
        out = out.str.replace_all(regex, placeholder)
    return out.str.strip_chars()


def _optional(lf: pl.LazyFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in lf.collect_schema() else pl.lit(None, pl.String).alias(name)


def message_templates(lf: pl.LazyFrame, n: int | None = None, level: str | None = "WARNING") -> pl.DataFrame:
    """The records at ``level`` or above (None: all) grouped by template: kind (when the frame has
    it), level, template, exc_type, count, share, first_seen, last_seen, example (the first
    message of the group, as logged), most frequent first.

    >>> from datetime import datetime
    >>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, 18, 14, m) for m in (0, 1, 2)], "level": ["CRITICAL"] * 3,
    ...                    "message": ["WORKER TIMEOUT (pid:1490)", "WORKER TIMEOUT (pid:1462)", "Boom 7"]})
    >>> message_templates(lf).select("template", "count").rows()
    [('WORKER TIMEOUT (pid:<n>)', 2), ('Boom <n>', 1)]
    """
    require_columns(lf, "ts", "level", "message", what="message_templates")
    keys = [c for c in ("kind",) if c in lf.collect_schema()]
    if level is not None:
        lf = lf.filter(at_least(level))
    grouped = collect(
        lf.with_columns(template().alias("template"), _optional(lf, "exc_type"))
        .group_by(*keys, "level", "template", "exc_type")
        .agg(pl.len().cast(pl.Int64).alias("count"), pl.col("ts").min().alias("first_seen"),
             pl.col("ts").max().alias("last_seen"), pl.col("message").sort_by("ts").first().alias("example"))
    )
    out = grouped.with_columns((pl.col("count") / pl.col("count").sum()).cast(pl.Float64).alias("share"))
    out = out.sort(["count", "first_seen", "template"], descending=[True, False, False])
    out = out.select(*keys, "level", "template", "exc_type", "count", "share", "first_seen", "last_seen", "example")
    return out if n is None else out.head(n)


def upstream_address(upstream: pl.Expr | str = "upstream") -> pl.Expr:
    """``host:port`` (or ``unix:/path``) of nginx's ``upstream: "http://127.0.0.1:5000/api/..."``.

    >>> pl.select(upstream_address(pl.lit("http://127.0.0.1:5000/api/v1/knowledge/1"))).item()
    '127.0.0.1:5000'
    """
    col = pl.col(upstream) if isinstance(upstream, str) else upstream
    return pl.coalesce(col.str.extract(r"^[a-z]+://(unix:[^:]+)", 1), col.str.extract(r"^[a-z]+://([^/]+)", 1), col)


def upstream_failures(nginx_error: pl.LazyFrame) -> pl.DataFrame:
    """Every upstream failure in an nginx error log, one row each: ts, upstream (host:port),
    failure (:data:`UPSTREAM_FAILURES`: refused, timeout, closed, reset ...), status (what nginx
    answered: 502 or 504), client, method, target (path and query as requested), file, line_no.

    >>> from datetime import datetime
    >>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, 18, 14, 6, 12)], "level": ["ERROR"],
    ...     "message": ["connect() failed (111: Connection refused) while connecting to upstream"],
    ...     "client": ["10.1.0.8"], "request": ["GET /api/v1/knowledge/19?include=tags HTTP/2.0"],
    ...     "upstream": ["http://127.0.0.1:5000/api/v1/knowledge/19?include=tags"], "file": ["error.log"], "line_no": [80]})
    >>> upstream_failures(lf).select("upstream", "failure", "status", "target").row(0)
    ('127.0.0.1:5000', 'refused', 502, '/api/v1/knowledge/19?include=tags')
    """
    require_columns(nginx_error, "ts", "message", "upstream", what="upstream_failures (an nginx error log)")
    failure, status = pl.lit(None, pl.String), pl.lit(None, pl.UInt16)
    for name, regex, code in reversed(UPSTREAM_FAILURES):
        hit = pl.col("message").str.contains(regex)
        failure = pl.when(hit).then(pl.lit(name)).otherwise(failure)
        status = pl.when(hit).then(pl.lit(code, pl.UInt16)).otherwise(status)
    request = _optional(nginx_error, "request")
    return collect(
        nginx_error.select(
            "ts", upstream_address(_optional(nginx_error, "upstream")).alias("upstream"), failure.alias("failure"),
            status.alias("status"), _optional(nginx_error, "client"),
            request.str.extract(r"^([A-Z]+) ", 1).alias("method"),
            request.str.extract(r"^[A-Z]+ (\S+)", 1).alias("target"),
            _optional(nginx_error, "file"), pl.col("line_no") if "line_no" in nginx_error.collect_schema()
            else pl.lit(None, pl.Int64).alias("line_no"))
        .filter(pl.col("failure").is_not_null())
    ).sort("ts")


def upstream_failures_over_time(nginx_error: pl.LazyFrame, every: str = "1h") -> pl.DataFrame:
    """Upstream failures per ``every`` bucket, upstream and failure: ts, upstream, failure, count."""
    fails = upstream_failures(nginx_error)
    return (fails.group_by(pl.col("ts").dt.truncate(every), "upstream", "failure")
            .agg(pl.len().cast(pl.Int64).alias("count")).sort("ts", "upstream", "failure"))


def explain_gateway_errors(nginx_error: pl.LazyFrame, access: pl.LazyFrame, tolerance: str = "2s") -> pl.DataFrame:
    """The 502/503/504 answers of the access log joined to the nginx error record that explains
    each: same client, method and target, logged within ``tolerance``. One row per (status,
    upstream, failure): responses; a gateway error no record explains has failure null, so the
    counts always add up to the access log's gateway errors.

    >>> from datetime import datetime
    >>> err = pl.LazyFrame({"ts": [datetime(2026, 11, 18, 14, 6, 12)], "message": ["connect() failed (111: Connection refused)"],
    ...     "client": ["10.1.0.8"], "request": ["GET /a HTTP/2.0"], "upstream": ["http://127.0.0.1:5000/a"]})
    >>> acc = pl.LazyFrame({"ts": [datetime(2026, 11, 18, 14, 6, 12), datetime(2026, 11, 18, 14, 7)],
    ...     "remote_addr": ["10.1.0.8", "10.1.0.9"], "method": ["GET", "GET"], "path": ["/a", "/b"],
    ...     "query": [None, None], "status": [502, 502]})
    >>> explain_gateway_errors(err, acc).select("status", "failure", "responses").rows()
    [(502, 'refused', 1), (502, None, 1)]
    """
    require_columns(access, "ts", "remote_addr", "method", "path", "status", what="explain_gateway_errors")
    require_columns(nginx_error, "client", "request", what="explain_gateway_errors (an nginx error log)")
    query = pl.col("query") if "query" in access.collect_schema() else pl.lit(None, pl.String)
    target = pl.col("path") + pl.when(query.is_not_null()).then(pl.lit("?") + query).otherwise(pl.lit(""))
    utc = pl.col("ts").dt.replace_time_zone(None) if access.collect_schema()["ts"].time_zone is None \
        else pl.col("ts").dt.convert_time_zone("UTC")
    gateway = collect(access.filter(pl.col("status").is_in(GATEWAY_STATUSES)).select(
        utc.alias("ts"), pl.col("remote_addr").alias("client"), "method", target.alias("target"),
        pl.col("status").cast(pl.UInt16))).sort("ts")
    fails = upstream_failures(nginx_error)
    if fails.schema["ts"].time_zone is not None:
        fails = fails.with_columns(pl.col("ts").dt.convert_time_zone("UTC"))
    fails = fails.with_columns(pl.col("ts").cast(gateway.schema["ts"])).select(
        "ts", "client", "method", "target", "upstream", "failure").sort("ts")
    from ..timespec import parse_duration

    joined = gateway.join_asof(fails, on="ts", by=["client", "method", "target"], strategy="nearest",
                               tolerance=parse_duration(tolerance), check_sortedness=False)
    return (joined.group_by("status", "upstream", "failure").agg(pl.len().cast(pl.Int64).alias("responses"))
            .sort(["status", "responses", "upstream", "failure"], descending=[False, True, False, False],
                  nulls_last=True))


def worker_events(gunicorn_error: pl.LazyFrame, every: str = "1h", fill: bool = False) -> pl.DataFrame:
    """gunicorn's master and worker events per ``every`` bucket: ts, then one count column per
    :data:`WORKER_EVENTS` (timeouts, oom_kills, crashes, boot_failures, boots, exits,
    master_starts, master_stops, signals). Only buckets with an event are listed unless ``fill``.

    >>> from datetime import datetime
    >>> lf = pl.LazyFrame({"ts": [datetime(2026, 11, 18, 14, 0, s) for s in (32, 32, 33)],
    ...     "message": ["WORKER TIMEOUT (pid:1490)", "Worker (pid:1490) was sent SIGKILL! Perhaps out of memory?",
    ...                 "Booting worker with pid: 1500"]})
    >>> worker_events(lf).select("timeouts", "oom_kills", "boots").row(0)
    (1, 1, 1)
    """
    require_columns(gunicorn_error, "ts", "message", what="worker_events (a gunicorn error log)")
    event = pl.lit(None, pl.String)
    for name, regex in reversed(WORKER_EVENTS):
        event = pl.when(pl.col("message").str.contains(regex)).then(pl.lit(name)).otherwise(event)
    names = [name for name, _ in WORKER_EVENTS]
    counts = collect(
        gunicorn_error.select(pl.col("ts").dt.truncate(every), event.alias("event"))
        .group_by("ts").agg((pl.col("event") == name).sum().cast(pl.Int64).alias(name) for name in names)
    )
    counts = counts.filter(pl.sum_horizontal(names) > 0).sort("ts")
    if fill:
        from .traffic import fill_buckets

        counts = fill_buckets(counts, every)
    return counts


def boot_loops(gunicorn_error: pl.LazyFrame, window: str = "10m", min_starts: int = 3) -> pl.DataFrame:
    """Runs of gunicorn master starts, each start within ``window`` of the one before: start,
    end (its last start or failure), starts, boot_failures (workers that exited with gunicorn's
    boot or app-load error code, 3 or 4), boot_loop (True when the run has ``min_starts`` starts or more:
    something restarts a service that keeps dying), down (True when the run ends with a failed
    boot, ``Reason: Worker failed to boot``: the master gave up and did not come back within ``window``).

    >>> from datetime import datetime
    >>> lf = pl.LazyFrame({"ts": [datetime(2025, 2, 14, 18, m) for m in (8, 9, 11, 40)],
    ...                    "message": ["Starting gunicorn 21.2.0"] * 4})
    >>> boot_loops(lf).select("starts", "boot_loop").rows()
    [(3, True), (1, False)]
    """
    require_columns(gunicorn_error, "ts", "message", what="boot_loops (a gunicorn error log)")
    from ..timespec import parse_duration

    gap = parse_duration(window)
    start = pl.col("message").str.contains(r"^Starting gunicorn")
    # gunicorn's exit codes of a worker that could not start: 3 WORKER_BOOT_ERROR, 4 APP_LOAD_ERROR
    failed = pl.col("message").str.contains(r"exited with code [34]\b")
    gave_up = pl.col("message").str.contains(r"^Reason: (?:Worker|App) failed to (?:boot|load)")
    rows = collect(gunicorn_error.filter(start | failed | gave_up).select(
        "ts", start.alias("is_start"), failed.alias("is_failure"), gave_up.alias("gave_up"))).sort("ts")
    empty = pl.DataFrame(schema={"start": rows.schema["ts"], "end": rows.schema["ts"], "starts": pl.Int64,
                                 "boot_failures": pl.Int64, "boot_loop": pl.Boolean, "down": pl.Boolean})
    if rows.is_empty():
        return empty
    runs = rows.with_columns(((pl.col("ts") - pl.col("ts").shift()) > gap).fill_null(True).cum_sum().alias("run"))
    out = (runs.group_by("run", maintain_order=True)
           .agg(pl.col("ts").first().alias("start"), pl.col("ts").last().alias("end"),
                pl.col("is_start").sum().cast(pl.Int64).alias("starts"),
                pl.col("is_failure").sum().cast(pl.Int64).alias("boot_failures"),
                pl.col("gave_up").last().alias("ends_failed")))
    return out.select("start", "end", "starts", "boot_failures", (pl.col("starts") >= min_starts).alias("boot_loop"),
                      pl.col("ends_failed").alias("down"))


__all__ = ["GATEWAY_STATUSES", "TEMPLATE_RULES", "UPSTREAM_FAILURES", "WORKER_EVENTS", "boot_loops",
           "explain_gateway_errors", "message_templates", "template", "upstream_address",
           "upstream_failures", "upstream_failures_over_time", "worker_events"]
