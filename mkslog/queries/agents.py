"""User agents: browser, operating system, device and bot, from the ``ua-parser`` package.

ua-parser (the Python port of the uap-core rules that Browserscope, Matomo-era tools and many log
analysers share, kept up to date by ``ua-parser-builtins``) runs in Python, one agent at a time;
so it is applied to the DISTINCT agents of a frame only: a million requests from two thousand
agents are two thousand classifications, then a join. One function, :func:`classify_agents`, is
the classifier every query (the panels here, the filters of the CLI) uses.

>>> import polars as pl
>>> lf = pl.LazyFrame({"user_agent": ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
...                                   "curl/8.5.0", None]})
>>> classify_agents(lf).select("browser", "is_bot").rows()
[('Googlebot', True), ('curl', True), ('(none)', False)]
"""

from __future__ import annotations

import polars as pl

from .common import collect, require_columns

#: Agents ua-parser reports as a browser-like family but that are programs, not people: HTTP
#: libraries, command-line tools, monitors and scanners (matched case-insensitively).
TOOL_PATTERN = (r"(?i)bot\b|crawl|spider|slurp|monitor|uptime|curl/|wget/|python-requests|python-urllib|aiohttp|"
                r"httpx|go-http-client|okhttp|java/|libwww|scrapy|headless|zgrab|masscan|nmap|nikto|sqlmap|"
                r"nuclei|censys|expanse|facebookexternalhit")
#: The label of a request without a user agent (``-`` or empty).
NO_AGENT = "(none)"

AGENT_SCHEMA = {"user_agent": pl.String, "requests": pl.Int64, "browser": pl.String, "os": pl.String,
                "device": pl.String, "is_bot": pl.Boolean}


def _classify(agent: str | None) -> tuple[str, str, str, bool]:
    """(browser, os, device, is_bot) of one agent string."""
    import re

    from ua_parser import parse

    if agent is None or agent.strip() in ("", "-"):
        return NO_AGENT, NO_AGENT, NO_AGENT, False
    found = parse(agent)
    browser = found.user_agent.family if found.user_agent else "Other"
    system = found.os.family if found.os else "Other"
    device = found.device.family if found.device else "Other"
    bot = device == "Spider" or re.search(TOOL_PATTERN, agent) is not None
    if bot and browser == "Other":  # a bot ua-parser does not know: its product token names it
        product = re.match(r"[^\s/;()]+", agent.strip())
        browser = product.group(0) if product else browser
    return browser, system, device, bot


def classify_agents(lf: pl.LazyFrame) -> pl.DataFrame:
    """One row per distinct ``user_agent`` of the frame: user_agent, requests, browser, os,
    device, is_bot (ua-parser's ``Spider`` devices, plus HTTP libraries, monitors and scanners
    that :data:`TOOL_PATTERN` names; a bot ua-parser does not know is named by its product token,
    ``mks-uptime-monitor/1.2`` -> ``mks-uptime-monitor``). A missing agent is :data:`NO_AGENT`;
    another agent ua-parser does not know is ``Other``. Most requests first."""
    require_columns(lf, "user_agent", what="classify_agents")
    agents = collect(lf.group_by("user_agent").agg(pl.len().cast(pl.Int64).alias("requests")))
    labels = [_classify(agent) for agent in agents["user_agent"].to_list()]  # distinct agents, not lines
    classified = agents.with_columns(
        pl.Series("browser", [b for b, _, _, _ in labels], pl.String),
        pl.Series("os", [o for _, o, _, _ in labels], pl.String),
        pl.Series("device", [d for _, _, d, _ in labels], pl.String),
        pl.Series("is_bot", [bot for _, _, _, bot in labels], pl.Boolean),
    )
    return (classified.select(list(AGENT_SCHEMA)).cast(AGENT_SCHEMA)
            .sort(["requests", "user_agent"], descending=[True, False], nulls_last=True))


__all__ = ["AGENT_SCHEMA", "NO_AGENT", "TOOL_PATTERN", "classify_agents"]
