"""Addresses (issue 14 item 4): ``mkslog ip`` takes an address in any spelling or a CIDR network and
rejects anything else; ``top-ips --group`` counts networks.

Checked against counts made independently with the stdlib (gzip + ipaddress, no mkslog) over the
sample week (sample_logs/ with mkslog.example.toml), and against a hand-made nginx combined log
(tests/data/nginx-access-ipv6.log) modelled on a dual-stack nginx whose clients are logged as
IPv6, IPv4-mapped IPv6 (``::ffff:10.1.0.7``, as a v6-only listen socket logs IPv4 clients) and
IPv6 in the upper-case or uncompressed spellings a proxy that sets the client address passes on.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

import mkslog
from mkslog.cli.main import main
from mkslog.errors import FilterError, QueryError
from mkslog.parse.stats import ParseStats
from mkslog.queries import ip_activity, top_ips
from mkslog.queries.addresses import prefixes

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "mkslog.example.toml")
IPV6_LOG = str(ROOT / "tests" / "data" / "nginx-access-ipv6.log")


def independent_networks(v4: int | None, v6: int | None) -> list[tuple[str, int, int]]:
    """(network, requests, addresses) of the sample week's access logs, by gzip and ipaddress."""
    requests: Counter = Counter()
    members: dict[str, set] = defaultdict(set)
    for path in sorted((ROOT / "sample_logs" / "nginx").glob("mirai-knowledge-system-access.log*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                addr = ipaddress.ip_address(line.split(" ", 1)[0])
                length = v4 if addr.version == 4 else v6
                name = str(ipaddress.ip_network(f"{addr}/{length}", strict=False)) if length is not None else str(addr)
                requests[name] += 1
                members[name].add(addr)
    return sorted(((k, n, len(members[k])) for k, n in requests.items()), key=lambda r: (-r[1], r[0]))


@pytest.mark.parametrize("group, v4, v6", [(24, 24, None), ("16/64", 16, 64), ("/48", None, 48), ((8, 32), 8, 32)])
def test_top_ips_grouped_agree_with_an_independent_count_over_the_sample_week(group, v4, v6):
    expected = independent_networks(v4, v6)
    assert any(":" in name for name, _, _ in expected)  # the week holds IPv6 clients too
    stats = ParseStats()
    got = top_ips(mkslog.scan(None, config=CONFIG, stats=stats), len(expected) + 5, group=group)
    assert stats.total.rejected == 0
    assert got.columns == ["network", "requests", "share", "addresses"]
    assert got.select("network", "requests", "addresses").rows() == expected
    assert got["share"].sum() == pytest.approx(1.0)


def test_top_ips_groups_every_spelling_of_ipv6_and_ipv4_mapped_addresses():
    got = top_ips(mkslog.scan(IPV6_LOG), 10, group="24/64").select("network", "requests", "addresses").rows()
    assert got == [("2001:db8:0:1::/64", 6, 2), ("10.1.0.0/24", 4, 2), ("2001:db8:dead::/64", 2, 1),
                   ("203.0.113.0/24", 1, 1)]
    # a family given no length is counted per address, in one spelling, and its addresses are plain
    whole = top_ips(mkslog.scan(IPV6_LOG), 10, group=24).select("network", "requests", "addresses").rows()
    assert whole == [("10.1.0.0/24", 4, 2), ("2001:db8:0:1::ac", 4, 1), ("2001:db8:0:1::ad", 2, 1),
                     ("2001:db8:dead::beef", 2, 1), ("203.0.113.0/24", 1, 1)]


def test_a_value_that_is_no_address_is_counted_under_itself():
    import polars as pl

    lf = pl.LazyFrame({"remote_addr": ["-", "unix:", "10.1.0.7", "-", "999.1.1.1"]})
    assert top_ips(lf, 10, group=24).select("network", "requests").rows() == [
        ("-", 2), ("10.1.0.0/24", 1), ("999.1.1.1", 1), ("unix:", 1)]


@pytest.mark.parametrize("group, message", [("200", r"0 to 32 \(IPv4\) or 0 to 128"), ("abc", "not a prefix length"),
                                            ("64/64", "IPv4 prefix is at most 32"), ("1/2/3", "not a prefix length")])
def test_a_bad_group_says_what_to_give(group, message):
    with pytest.raises(QueryError, match=message) as caught:
        prefixes(group)
    assert "24/64" in str(caught.value)


@pytest.mark.parametrize("spelling, requests", [
    ("2001:DB8:0:1:0:0:0:AC", 4), ("[2001:db8:0:1::ac]", 4), ("2001:db8:0:1::ac", 4),
    ("10.1.0.7", 3),  # with the two IPv4-mapped requests
    ("2001:db8::/32", 8), ("2001:DB8:0:1::/64", 6), ("10.1.0.0/24", 4), ("0.0.0.0/0", 5), ("192.0.2.1", 0)])
def test_ip_activity_takes_any_spelling_and_networks(spelling, requests):
    overview = ip_activity(mkslog.scan(IPV6_LOG), spelling)["overview"]
    assert (overview["requests"].item() if overview.height else 0) == requests


def test_ip_activity_over_a_network_of_the_sample_week_matches_an_independent_count():
    expected = dict((name, n) for name, n, _ in independent_networks(24, 64))
    overview = ip_activity(mkslog.scan(None, config=CONFIG), "198.51.100.0/24")["overview"].row(0, named=True)
    assert overview["remote_addr"] == "198.51.100.0/24"
    assert overview["requests"] == expected["198.51.100.0/24"]


def test_ip_activity_names_the_address_in_its_canonical_spelling():
    overview = ip_activity(mkslog.scan(IPV6_LOG), "2001:DB8:0:1:0:0:0:AC")["overview"]
    assert overview["remote_addr"].item() == "2001:db8:0:1::ac"


def test_ip_activity_rejects_what_is_not_an_address():
    with pytest.raises(FilterError, match="not an IP address or CIDR network: give e.g."):
        ip_activity(mkslog.scan(IPV6_LOG), "not-an-ip")


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_ip_rejects_a_non_address_with_a_clear_error():
    result = cli("ip", "not-an-ip", IPV6_LOG)
    assert result.exit_code in (1, 2)  # a bad argument: refused before anything is read
    assert "'not-an-ip' is not an IP address" in result.stderr
    assert "Traceback" not in result.output


def test_cli_ip_takes_a_network_and_an_ipv6_spelling():
    network = json.loads(cli("ip", "2001:db8::/32", IPV6_LOG, "--section", "overview", "--as", "json").stdout)
    assert (network["remote_addr"], network["requests"]) == ("2001:db8::/32", 8)
    upper = json.loads(cli("ip", "2001:DB8:0:1::AC", IPV6_LOG, "--section", "statuses", "--as", "json").stdout)
    assert [(row["status"], row["requests"]) for row in upper] == [(200, 3), (401, 1)]


def test_cli_top_ips_group_is_the_library_answer():
    result = cli("top-ips", "--group", "24/64", "--as", "json", IPV6_LOG)
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [(r["network"], r["requests"], r["addresses"]) for r in rows] == [
        ("2001:db8:0:1::/64", 6, 2), ("10.1.0.0/24", 4, 2), ("2001:db8:dead::/64", 2, 1), ("203.0.113.0/24", 1, 1)]
    table = cli("top-ips", "--group", "24", "--config", CONFIG, "--top", "3").stdout
    assert "Top 3 networks (--group 24)" in table and "10.1.0.0/24" in table
    bad = cli("top-ips", "--group", "129", IPV6_LOG)
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: --group '129'")
