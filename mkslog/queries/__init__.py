"""Queries: pure functions, LazyFrame in, polars DataFrame out.

Access-log queries take the frame of :func:`mkslog.scan`; app-log queries take the frame of
``mkslog.scan(paths, kind="app")`` (ts, level, logger, message, detail, exc_type, exc_message ...).
Restrict a frame to a time window with :func:`between` before calling a query (polars pushes
that filter into the scan, so rows outside the window are dropped while parsing), then
:func:`in_timezone` so that hours and days follow the display timezone.

>>> import polars as pl
>>> lf = pl.LazyFrame({"remote_addr": ["a", "b", "a"]})
>>> top_ips(lf, 1).to_dicts()
[{'remote_addr': 'a', 'requests': 2, 'share': 0.6666666666666666}]

Modules: :mod:`.traffic` (top_ips, top_endpoints, requests_over_time, status_breakdown),
:mod:`.latency` (latency_stats, slow_requests), :mod:`.app` (error_counts, top_errors),
:mod:`.security` (failed_logins, unauthorized, suspicious_ips, ip_activity), :mod:`.summary`,
:mod:`.errorlogs` (message_templates, upstream_failures, explain_gateway_errors, worker_events,
boot_loops), :mod:`.timeline` (timeline_events, timeline), :mod:`.agents` (classify_agents),
:mod:`.panels` (referring_sites, agent_panel, bots, not_found, static_vs_app, bytes_by,
hour_weekday, virtual_hosts).
"""

from ..frame import between, in_timezone
from .agents import classify_agents
from .app import error_counts, top_errors
from .common import LOGIN_PATH, NO_TIMING, endpoint, fan_out, fold_path
from .errorlogs import (
    boot_loops,
    explain_gateway_errors,
    message_templates,
    upstream_failures,
    upstream_failures_over_time,
    worker_events,
)
from .latency import latency_stats, slow_requests
from .panels import (
    agent_panel,
    bots,
    bytes_by,
    hour_weekday,
    not_found,
    referring_sites,
    static_vs_app,
    virtual_hosts,
)
from .security import (
    SCANNER_PATTERNS,
    failed_logins,
    ip_activity,
    is_scanner_path,
    suspicious_ips,
    unauthorized,
)
from .settings import login_path, resource_limits, slow_ms, suspect_limits, threshold
from .summary import summary
from .timeline import timeline, timeline_events
from .traffic import requests_over_time, status_breakdown, top_endpoints, top_ips

__all__ = [
    "LOGIN_PATH",
    "NO_TIMING",
    "SCANNER_PATTERNS",
    "agent_panel",
    "between",
    "boot_loops",
    "bots",
    "bytes_by",
    "classify_agents",
    "endpoint",
    "error_counts",
    "explain_gateway_errors",
    "failed_logins",
    "fan_out",
    "fold_path",
    "hour_weekday",
    "in_timezone",
    "ip_activity",
    "is_scanner_path",
    "latency_stats",
    "login_path",
    "message_templates",
    "not_found",
    "referring_sites",
    "requests_over_time",
    "resource_limits",
    "slow_ms",
    "slow_requests",
    "static_vs_app",
    "status_breakdown",
    "summary",
    "suspect_limits",
    "suspicious_ips",
    "threshold",
    "timeline",
    "timeline_events",
    "top_endpoints",
    "top_errors",
    "top_ips",
    "unauthorized",
    "upstream_failures",
    "upstream_failures_over_time",
    "virtual_hosts",
    "worker_events",
]
