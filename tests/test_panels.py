"""mkslog.queries.panels and .agents, and their commands, on a hand-counted access log.

``tests/data/nginx-vhost-panels.log`` is nginx's combined format with ``$host`` in front (the layout
of the corpus' beats test-with-host.log), twelve requests of the system's own traffic: people
from a search engine and an intranet page, static files, Googlebot, an uptime monitor, curl, a
scanner without an agent, and a second virtual host.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import mkslog
from mkslog.cli import main
from mkslog.queries import (
    agent_panel,
    bots,
    bytes_by,
    classify_agents,
    hour_weekday,
    not_found,
    referring_sites,
    static_vs_app,
    virtual_hosts,
)

LOG = Path(__file__).parent / "data" / "nginx-vhost-panels.log"
FORMAT = ('$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" '
          '"$http_user_agent"')


def access():
    return mkslog.scan(LOG, FORMAT, tz="Asia/Tokyo")


def test_referring_sites_fold_case_and_can_leave_the_site_out():
    assert referring_sites(access()).select("referrer_host", "requests", "unique_ips").rows() == [
        ("mks.example.jp", 3, 2), ("intranet.example.co.jp", 2, 2), ("www.google.com", 2, 2)]
    outside = referring_sites(access(), exclude=("MKS.example.jp",))
    assert outside.select("referrer_host", "share").rows() == [("intranet.example.co.jp", 0.5), ("www.google.com", 0.5)]


def test_agents_are_classified_once_each_and_bots_named():
    agents = classify_agents(access())
    assert agents.height == 7 and agents["requests"].sum() == 12  # seven distinct agents, every request
    by_name = {r["browser"]: r for r in agents.iter_rows(named=True)}
    assert (by_name["Chrome"]["os"], by_name["Chrome"]["is_bot"]) == ("Windows", False)
    assert (by_name["Mobile Safari"]["os"], by_name["Mobile Safari"]["device"]) == ("iOS", "iPhone")
    assert by_name["Googlebot"]["is_bot"] and by_name["curl"]["is_bot"] and by_name["mks-uptime-monitor"]["is_bot"]
    assert by_name["(none)"]["is_bot"] is False
    assert agent_panel(access(), "browser").select("browser", "requests").rows()[:2] == [("Chrome", 3),
                                                                                          ("Firefox", 2)]
    assert agent_panel(access(), "os", bots=False).select("os", "requests").rows() == [
        ("Windows", 5), ("iOS", 2), ("(none)", 1)]
    assert bots(access()).select("browser", "requests", "share").rows() == [
        ("Googlebot", 2, 2 / 12), ("curl", 1, 1 / 12), ("mks-uptime-monitor", 1, 1 / 12)]


def test_agent_panels_from_agents_classified_once_are_those_of_the_frame(monkeypatch):
    """The report classifies a period's agents once for its three agent panels: the same tables."""
    import mkslog.queries.agents as agents_module

    agents = classify_agents(access())
    calls = []
    monkeypatch.setattr(agents_module, "_classify", lambda agent: calls.append(agent))  # must not run again
    for by, only in (("browser", False), ("os", False), ("device", None)):
        agent_panel(None, by, bots=only, agents=agents)
    bots(None, agents=agents)
    assert not calls
    monkeypatch.undo()
    for by, only in (("browser", False), ("os", False), ("device", None)):
        assert agent_panel(None, by, bots=only, agents=agents).equals(agent_panel(access(), by, bots=only))
    assert bots(None, agents=agents).equals(bots(access()))


def test_the_reports_visitor_panels_read_the_agents_once(monkeypatch):
    import mkslog.queries as q
    from mkslog.report.visitors import visitor_panels

    expected = {"browsers": agent_panel(access(), "browser", bots=False), "os": agent_panel(access(), "os", bots=False),
                "bots": bots(access())}
    reads = []
    real = q.classify_agents
    monkeypatch.setattr(q, "classify_agents", lambda lf: reads.append(1) or real(lf))
    panels = visitor_panels(access())
    assert len(reads) == 1
    for name, table in expected.items():
        assert panels[name].equals(table), name

def test_not_found_with_the_pages_that_link_there():
    got = not_found(access())
    assert got.select("path", "requests", "unique_ips", "referrers").rows() == [
        ("/api/v1/knowledge/13", 3, 2, ["https://intranet.example.co.jp/links", "https://mks.example.jp/search"]),
        ("/sitemap.xml", 2, 1, []),
        ("/.env", 1, 1, []),
    ]


def test_static_files_vs_application_and_bytes():
    split = static_vs_app(access())
    assert split.select("category", "requests", "bytes_sent").rows() == [("app", 8, 16267), ("static", 4, 161306)]
    assert bytes_by(access(), "endpoint", 2).select("endpoint", "bytes_sent").rows() == [
        ("/static/js/app.3f9c2a1b.js", 150000), ("/favicon.ico", 11000)]
    assert bytes_by(access(), "client", 1).select("remote_addr", "bytes_sent", "requests").rows() == [
        ("10.1.0.6", 166120, 3)]


def test_hour_by_weekday_is_the_whole_grid_in_local_time():
    grid = hour_weekday(access())
    assert grid.height == 168 and grid["requests"].sum() == 12
    busy = grid.filter(pl.col("requests") > 0).select("day", "hour", "requests").rows()
    assert busy == [("Mon", 9, 3), ("Mon", 10, 2), ("Tue", 3, 2), ("Tue", 11, 4), ("Sun", 23, 1)]


def test_virtual_hosts_and_a_format_without_one():
    hosts = virtual_hosts(access())
    assert hosts.drop("share").rows() == [("mks.example.jp", 10, 6, 0, 177538), ("status.example.jp", 2, 0, 1, 35)]
    assert hosts["share"].to_list() == pytest.approx([10 / 12, 2 / 12])
    out = CliRunner().invoke(main, ["vhosts", str(Path(__file__).parent / "data" / "nginx-access-gateway.log"),
                                    "--format", "timed"])
    assert out.exit_code == 1 and "Error: these logs name no virtual host: add $host" in out.stderr


def test_cli_panels():
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(main, [*args, str(LOG), "--log-format", FORMAT, "--tz", "Asia/Tokyo",
                                      "--output", "csv"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout.splitlines()

    assert run("referrers", "--top", "1") == ["referrer_host,requests,unique_ips,share", "mks.example.jp,3,2,0.428571"]
    assert run("agents", "--by", "bot")[1] == "Googlebot,2,1,0.166667"
    assert run("not-found", "--top", "1")[1].startswith(
        '/api/v1/knowledge/13,3,2,"https://intranet.example.co.jp/links, https://mks.example.jp/search"')
    assert run("static")[1:] == ["app,8,16267,0.666667,0.0916074", "static,4,161306,0.333333,0.908393"]
    assert run("bytes", "--by", "client", "--top", "1")[1].startswith("10.1.0.6,166120,3,")
    assert len(run("heatmap")) == 169
