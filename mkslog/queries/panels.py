"""The panels GoAccess users look for: referring sites, browsers / operating systems / bots, 404s
with their referrers, static files vs application requests, bytes per endpoint and per client,
hour of day x weekday, virtual hosts.

They take the frame of :func:`mkslog.scan` (an access log); each needs only the columns it names,
so the scan extracts no more. Agents are classified by :func:`mkslog.queries.agents.classify_agents`.

>>> import polars as pl
>>> lf = pl.LazyFrame({"referer": ["https://www.google.com/search?q=x", "-", "https://www.google.com/"],
...                    "remote_addr": ["a", "b", "c"]})
>>> referring_sites(lf).select("referrer_host", "requests").rows()
[('www.google.com', 2)]
"""

from __future__ import annotations

import polars as pl

from ..errors import QueryError
from .agents import classify_agents
from .common import collect, endpoint, require_columns, share
from .localtime import LocalClock

#: A request for a static file: a file extension of assets, or a path under a static folder.
STATIC_PATTERN = (r"(?i)^/(?:static|assets|media|dist|public|favicon)(?:/|\.|$)|"
                  r"\.(?:css|js|mjs|map|png|jpe?g|gif|svg|webp|avif|ico|woff2?|ttf|otf|eot|txt|xml|pdf|zip|mp4|webm)$")
#: Columns that name the virtual host, in the order they are preferred.
HOST_COLUMNS = ("host", "server_name", "http_host")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def referrer_host(referer: pl.Expr | str = "referer") -> pl.Expr:
    """The host of a referrer URL, lower-cased, without port or user; null for ``-`` and non-URLs.

    >>> pl.select(referrer_host(pl.lit("https://User@Mks.Example.jp:443/search"))).item()
    'mks.example.jp'
    """
    col = pl.col(referer) if isinstance(referer, str) else referer
    return col.str.extract(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@]*@)?([^/:?#]+)", 1).str.to_lowercase()


def referring_sites(lf: pl.LazyFrame, n: int = 10, exclude: tuple[str, ...] = ()) -> pl.DataFrame:
    """Sites that sent visitors: referrer_host, requests, unique_ips, share (of the requests with
    a referrer). ``exclude``: hosts to leave out (the site's own pages, e.g. ``mks.example.jp``)."""
    require_columns(lf, "referer", "remote_addr", what="referring_sites")
    hosts = lf.select(referrer_host().alias("referrer_host"), "remote_addr").drop_nulls("referrer_host")
    if exclude:
        hosts = hosts.filter(~pl.col("referrer_host").is_in([h.lower() for h in exclude]))
    counts = collect(hosts.group_by("referrer_host").agg(pl.len().cast(pl.Int64).alias("requests"),
                                                         pl.col("remote_addr").n_unique().cast(pl.Int64)
                                                         .alias("unique_ips")))
    return (counts.with_columns(share("requests")).sort(["requests", "referrer_host"], descending=[True, False])
            .head(n))


def agent_panel(lf: pl.LazyFrame | None, by: str = "browser", n: int = 10, bots: bool | None = None, *,
                agents: pl.DataFrame | None = None) -> pl.DataFrame:
    """Requests per ``by`` (``browser``, ``os`` or ``device``): by, requests, agents (distinct
    agent strings), share. ``bots``: True only bots and crawlers, False only the rest, None all.
    ``agents``: :func:`classify_agents` of ``lf`` when the caller has it already (the report's
    three agent panels read the frame once: each read is a scan of every request's agent)."""
    if by not in ("browser", "os", "device"):
        raise QueryError(f"agent_panel groups by browser, os or device, not {by!r}")
    agents = classify_agents(lf) if agents is None else agents
    if bots is not None:
        agents = agents.filter(pl.col("is_bot") == bots)
    grouped = agents.group_by(by).agg(pl.col("requests").sum().cast(pl.Int64), pl.len().cast(pl.Int64).alias("agents"))
    return grouped.with_columns(share("requests")).sort(["requests", by], descending=[True, False]).head(n)


def bots(lf: pl.LazyFrame | None, n: int = 10, *, agents: pl.DataFrame | None = None) -> pl.DataFrame:
    """Bots and crawlers (ua-parser's spiders, HTTP libraries, monitors, scanners): browser (the
    bot's name), requests, agents, share (of all requests). ``agents``: as for :func:`agent_panel`."""
    agents = classify_agents(lf) if agents is None else agents
    total = agents["requests"].sum()
    named = agents.filter(pl.col("is_bot")).group_by("browser").agg(
        pl.col("requests").sum().cast(pl.Int64), pl.len().cast(pl.Int64).alias("agents"))
    return (named.with_columns((pl.col("requests") / total).cast(pl.Float64).alias("share"))
            .sort(["requests", "browser"], descending=[True, False]).head(n))


def not_found(lf: pl.LazyFrame, n: int = 10, referrers: int = 3) -> pl.DataFrame:
    """The most requested missing URLs (404): path, requests, unique_ips, referrers (the
    ``referrers`` most frequent referring URLs, a list; empty when nobody linked to it), last_seen."""
    require_columns(lf, "path", "status", "referer", "remote_addr", "ts", what="not_found")
    missing = lf.filter(pl.col("status") == 404)
    top = collect(missing.group_by("path").agg(
        pl.len().cast(pl.Int64).alias("requests"), pl.col("remote_addr").n_unique().cast(pl.Int64).alias("unique_ips"),
        pl.col("ts").max().alias("last_seen"))).sort(["requests", "path"], descending=[True, False]).head(n)
    refs = collect(missing.filter(pl.col("path").is_in(top["path"].implode()) & referrer_host().is_not_null())
                   .group_by("path", "referer").agg(pl.len().alias("k")))
    refs = (refs.sort(["k", "referer"], descending=[True, False]).group_by("path")
            .agg(pl.col("referer").head(referrers).alias("referrers")))
    out = top.join(refs, on="path", how="left").with_columns(pl.col("referrers").fill_null(pl.lit([], pl.List(pl.String))))
    return out.select("path", "requests", "unique_ips", "referrers", "last_seen")


def static_vs_app(lf: pl.LazyFrame, pattern: str = STATIC_PATTERN) -> pl.DataFrame:
    """Static files vs application requests (:data:`STATIC_PATTERN` on the path): category
    (``static``, ``app``, ``unparsed`` for a request line that did not split), requests, share,
    bytes_sent, bytes_share."""
    require_columns(lf, "path", "bytes_sent", what="static_vs_app")
    category = (pl.when(pl.col("path").is_null()).then(pl.lit("unparsed"))
                .when(pl.col("path").str.contains(pattern)).then(pl.lit("static")).otherwise(pl.lit("app")))
    counts = collect(lf.group_by(category.alias("category")).agg(
        pl.len().cast(pl.Int64).alias("requests"), pl.col("bytes_sent").sum().cast(pl.Int64).alias("bytes_sent")))
    return counts.with_columns(share("requests"), (pl.col("bytes_sent") / pl.col("bytes_sent").sum())
                               .cast(pl.Float64).alias("bytes_share")).sort("requests", descending=True)


def bytes_by(lf: pl.LazyFrame, by: str = "endpoint", n: int = 10, raw: bool = False) -> pl.DataFrame:
    """Bytes sent per ``endpoint`` (folded unless ``raw``) or per ``client`` (remote_addr): the
    key, bytes_sent, requests, mean_bytes, share (of all bytes), most bytes first."""
    require_columns(lf, "bytes_sent", what="bytes_by")
    if by == "endpoint":
        require_columns(lf, "path", what="bytes_by endpoint")
        key = endpoint(raw, lf)
    elif by == "client":
        key = pl.col("remote_addr")
    else:
        raise QueryError(f"bytes_by groups by endpoint or client, not {by!r}")
    name = key.meta.output_name()
    counts = collect(lf.group_by(key).agg(pl.col("bytes_sent").sum().cast(pl.Int64).alias("bytes_sent"),
                                          pl.len().cast(pl.Int64).alias("requests")))
    return (counts.with_columns((pl.col("bytes_sent") / pl.col("requests")).alias("mean_bytes"), share("bytes_sent"))
            .sort(["bytes_sent", name], descending=[True, False], nulls_last=True).head(n))


def hour_weekday(lf: pl.LazyFrame) -> pl.DataFrame:
    """Requests per weekday x hour of day, all 168 cells (0 where there were none), in the
    frame's timezone: weekday (1 = Monday), day (``Mon`` ...), hour (0-23), requests."""
    require_columns(lf, "ts", what="hour_weekday")
    clock = LocalClock.of(lf)
    counts = collect(lf.drop_nulls("ts").group_by(clock.part("weekday").alias("weekday"),
                                                  clock.part("hour").alias("hour"))
                     .agg(pl.len().cast(pl.Int64).alias("requests")))
    grid = pl.DataFrame({"weekday": [d for d in range(1, 8) for _ in range(24)],
                         "hour": [h for _ in range(7) for h in range(24)]}).cast(
        {"weekday": counts.schema["weekday"], "hour": counts.schema["hour"]})
    out = grid.join(counts, on=["weekday", "hour"], how="left").with_columns(pl.col("requests").fill_null(0))
    day = pl.col("weekday").cast(pl.Int64).replace_strict(dict(enumerate(WEEKDAYS, 1)), return_dtype=pl.String)
    return out.select("weekday", day.alias("day"), "hour", "requests").sort("weekday", "hour")


def virtual_hosts(lf: pl.LazyFrame, n: int = 20) -> pl.DataFrame:
    """Requests per virtual host (``$host``, else ``$server_name``, else ``$http_host``): host,
    requests, share, status_4xx, status_5xx, bytes_sent. A QueryError when the format logs none."""
    schema = lf.collect_schema()
    column = next((c for c in HOST_COLUMNS if c in schema), None)
    if column is None:
        raise QueryError("these logs name no virtual host: add $host (or $server_name) to the nginx log_format "
                         "and pass that format with --log-format")
    status = pl.col("status") if "status" in schema else pl.lit(None, pl.UInt16)
    size = pl.col("bytes_sent") if "bytes_sent" in schema else pl.lit(None, pl.UInt64)
    counts = collect(lf.group_by(pl.col(column).alias("host")).agg(
        pl.len().cast(pl.Int64).alias("requests"), (status // 100 == 4).sum().cast(pl.Int64).alias("status_4xx"),
        (status // 100 == 5).sum().cast(pl.Int64).alias("status_5xx"), size.sum().cast(pl.Int64).alias("bytes_sent")))
    return (counts.with_columns(share("requests")).sort(["requests", "host"], descending=[True, False], nulls_last=True)
            .select("host", "requests", "share", "status_4xx", "status_5xx", "bytes_sent").head(n))


__all__ = ["HOST_COLUMNS", "STATIC_PATTERN", "WEEKDAYS", "agent_panel", "bots", "bytes_by", "hour_weekday",
           "not_found", "referrer_host", "referring_sites", "static_vs_app", "virtual_hosts"]
