"""The report's visitor panels, the ones GoAccess users look for: referring sites, browsers,
operating systems, bots, 404s with their referrers, static vs application, bytes per endpoint and
client, hour of day x weekday, virtual hosts.

:func:`visitor_panels` computes them once from the week's access log (the columns each needs are
among :data:`~mkslog.report.weeklogs.REPORT_ACCESS_COLUMNS`); a panel whose columns the log format
lacks (no ``$host``: no virtual hosts) is left out rather than shown empty.

>>> import polars as pl
>>> sorted(visitor_panels(pl.LazyFrame({"ts": [], "path": [], "status": []}, schema={
...     "ts": pl.Datetime("us", "UTC"), "path": pl.String, "status": pl.UInt16}), 5))
['hour_weekday']
"""

from __future__ import annotations

import polars as pl

#: panel -> the access-log columns it needs.
NEEDS = {
    "referrers": ("referer", "remote_addr"),
    "browsers": ("user_agent",),
    "os": ("user_agent",),
    "bots": ("user_agent",),
    "not_found": ("path", "status", "referer", "remote_addr", "ts"),
    "static": ("path", "bytes_sent"),
    "bytes_endpoint": ("path", "bytes_sent"),
    "bytes_client": ("remote_addr", "bytes_sent"),
    "hour_weekday": ("ts",),
    "vhosts": (),
}


def visitor_panels(access: pl.LazyFrame, n: int = 10, exclude: tuple[str, ...] = ()) -> dict[str, pl.DataFrame]:
    """The panels the access log's columns allow, by name (:data:`NEEDS`). ``exclude``: referring
    hosts to leave out (the site's own). The 404 panel's referrers lose their scheme
    (``mks.example.jp/search``): the report links nowhere."""
    from .. import queries as q
    from ..queries.panels import HOST_COLUMNS

    have = access.collect_schema()
    classified: list[pl.DataFrame] = []

    def agents() -> pl.DataFrame:  # classified once for the three agent panels
        if not classified:
            classified.append(q.classify_agents(access))
        return classified[0]

    make = {
        "referrers": lambda: q.referring_sites(access, n, exclude=exclude),
        "browsers": lambda: q.agent_panel(None, "browser", n, bots=False, agents=agents()),
        "os": lambda: q.agent_panel(None, "os", n, bots=False, agents=agents()),
        "bots": lambda: q.bots(None, n, agents=agents()),
        "not_found": lambda: q.not_found(access, n),
        "static": lambda: q.static_vs_app(access),
        "bytes_endpoint": lambda: q.bytes_by(access, "endpoint", n),
        "bytes_client": lambda: q.bytes_by(access, "client", n),
        "hour_weekday": lambda: q.hour_weekday(access),
        "vhosts": lambda: q.virtual_hosts(access, n),
    }
    out = {}
    for name, needs in NEEDS.items():
        if not all(c in have for c in needs):
            continue
        if name == "vhosts" and not any(c in have for c in HOST_COLUMNS):
            continue
        out[name] = make[name]()
    if "not_found" in out:  # the report is offline text: referrers shown as host/path, not as URLs
        out["not_found"] = out["not_found"].with_columns(pl.col("referrers").list.eval(
            pl.element().str.replace(r"^[A-Za-z][A-Za-z0-9+.-]*://", "")))
    return out


def weekday_grid(cells: pl.DataFrame) -> pl.DataFrame:
    """The 168 cells of :func:`mkslog.queries.hour_weekday` as a table: hour, then one column per day."""
    return cells.pivot(on="day", index="hour", values="requests", sort_columns=False)


__all__ = ["NEEDS", "visitor_panels", "weekday_grid"]
