"""Every filter of mkslog.scan and of the query commands, checked against an independent count over the
sample week (sample_logs/ with mkslog.example.toml): the access lines read here with a plain Python regex,
the app log's records by their first line, not by the mkslog parser."""

from __future__ import annotations

import fnmatch
import gzip
import json
import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import mkslog
from mkslog.cli.main import main
from mkslog.errors import FilterError
from mkslog.filters import Filters, glob_regex, networks

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "mkslog.example.toml")
LINE = re.compile(r'^(?P<ip>\S+) \S+ \S+ \[[^\]]+\] "(?P<request>[^"]*)" (?P<status>\d{3}) \S+ "[^"]*" "(?P<ua>[^"]*)"')
APP_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) ")
#: The sample week's bots and scripts, by the names their agents start with or carry (the generator's machines).
BOT = re.compile(r"^(curl|python-requests|Go-http-client)/|Googlebot/|bingbot/|zgrab/")


def lines(pattern: str) -> list[str]:
    out = []
    for path in sorted(ROOT.glob(pattern)):
        data = path.read_bytes()
        out += (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8", "replace").splitlines()
    return out


@pytest.fixture(scope="module")
def access() -> list[dict]:
    rows = []
    for line in lines("sample_logs/nginx/mirai-knowledge-system-access.log*"):
        m = LINE.match(line)
        assert m, line
        parts = m["request"].split(" ")
        method, path = (parts[0], parts[1].split("?")[0]) if len(parts) == 3 else (None, None)
        rows.append({"ip": m["ip"], "method": method, "path": path, "status": int(m["status"]), "ua": m["ua"]})
    return rows


def count(**filters) -> int:
    return mkslog.scan(config=CONFIG, filters=filters).select(pl.len()).collect().item()


def test_status_codes_classes_and_lists(access):
    assert count(status="5xx") == sum(r["status"] >= 500 for r in access) > 0
    assert count(status=404) == sum(r["status"] == 404 for r in access) > 0
    assert count(status="4xx,5xx") == sum(r["status"] >= 400 for r in access)
    assert count(status=["200", "3xx"]) == sum(r["status"] == 200 or 300 <= r["status"] < 400 for r in access)


def test_method_any_case(access):
    assert count(method="post,put") == sum(r["method"] in ("POST", "PUT") for r in access) > 0


def test_path_globs_and_exclusions(access):
    def expected(*globs):
        inc = [g for g in globs if not g.startswith("!")]
        exc = [g[1:] for g in globs if g.startswith("!")]
        # a line without a path (a garbled request) matches no glob: only exclusions keep it
        return sum((not inc or any(fnmatch.fnmatchcase(r["path"] or "", g) for g in inc if r["path"]))
                   and not any(fnmatch.fnmatchcase(r["path"] or "", g) for g in exc if r["path"]) for r in access)

    assert count(path="/api/*") == expected("/api/*") > 0
    assert count(path=["/api/*", "!/api/v1/health"]) == expected("/api/*", "!/api/v1/health")
    assert count(path=["!/api/*"]) == expected("!/api/*") > 0
    assert count(path=["/api/v1/knowledge/?*", "/favicon.ico"]) == expected("/api/v1/knowledge/?*", "/favicon.ico")


def test_ip_address_cidr_and_ipv6_spellings(access):
    assert count(ip="10.1.0.0/24") == sum(r["ip"].startswith("10.1.0.") for r in access) > 0
    assert count(exclude_ip="10.0.0.0/8") == sum(not r["ip"].startswith("10.") for r in access)
    beef = sum(r["ip"] == "2001:db8:dead::beef" for r in access)
    assert beef > 0
    for spelling in ("2001:db8:dead::beef", "2001:DB8:DEAD:0:0:0:0:BEEF", "2001:0db8:dead:0000::beef", "[2001:db8:dead::beef]"):
        assert count(ip=spelling) == beef, spelling
    assert count(ip="2001:db8::/32") == sum(":" in r["ip"] for r in access) > beef


def test_user_agent_regex_and_bots(access):
    assert count(ua="(?i)iphone") == sum("iphone" in r["ua"].lower() for r in access) > 0
    bots = sum(bool(BOT.search(r["ua"])) for r in access)
    assert count(bots="only") == bots > 0
    assert count(bots="none") == len(access) - bots


def test_where_and_filters_combine(access):
    expected = sum(r["status"] >= 500 and (r["path"] or "").startswith("/api/") for r in access)
    assert mkslog.scan(config=CONFIG, where="status >= 500 AND path LIKE '/api/%'").select(pl.len()).collect().item() \
        == expected > 0
    both = sum(r["status"] >= 500 and r["method"] == "POST" for r in access)
    assert count(status="5xx", method="POST") == both


def test_level_on_app_and_error_logs():
    levels = [m["level"] for line in lines("sample_logs/app/app.log*") if (m := APP_START.match(line))]
    lf = mkslog.scan(kind="app", config=CONFIG, filters={"level": "warning"})
    assert lf.select(pl.len()).collect().item() == sum(lv in ("WARNING", "ERROR", "CRITICAL") for lv in levels) > 0
    nginx = [line for line in lines("sample_logs/nginx/mirai-knowledge-system-error.log*") if re.match(r"^\d{4}/", line)]
    severe = sum(bool(re.search(r" \[(error|crit|alert|emerg)\] ", line)) for line in nginx)
    assert mkslog.scan(kind="nginx-error", config=CONFIG, filters={"level": "ERROR"}).select(pl.len()).collect().item() \
        == severe > 0


def test_filters_are_pushed_into_the_parse():
    plan = mkslog.scan(config=CONFIG, filters={"status": "5xx", "ip": "10.0.0.0/8"}, tz="Asia/Tokyo").explain()
    scan_part = plan[plan.index("PYTHON[mkslog]"):]
    assert "SELECTION" in scan_part and "status" in scan_part


@pytest.mark.parametrize(("spec", "words"), [
    ({"status": "5x"}, ["--status '5x'", "5xx"]),
    ({"ip": "10.1.0.300"}, ["--ip '10.1.0.300'", "CIDR"]),
    ({"ua": "(unclosed"}, ["--ua", "regular expression"]),
    ({"where": "nope > 1"}, ["'nope'", "columns: ts"]),
    ({"where": "status >>= 1"}, ["--where", "SQL condition"]),
    ({"level": "ERROR"}, ["--level filters the 'level' column, which access log records do not have"]),
    ({"colour": "red"}, ["unknown filter 'colour'"]),
])
def test_bad_filters_say_what_was_expected(spec, words):
    with pytest.raises(FilterError) as info:
        count(**spec)
    for word in words:
        assert word in str(info.value)


def test_filter_on_a_column_the_kind_lacks_names_it():
    with pytest.raises(FilterError, match=r"unknown level 'LOUD': choose one of DEBUG, INFO"):
        mkslog.scan(kind="app", config=CONFIG, filters={"level": "LOUD"})
    with pytest.raises(FilterError, match=r"--status filters the 'status_code' column, which app log records"):
        mkslog.scan(kind="app", config=CONFIG, filters={"status": "5xx"})


def test_helpers():
    assert re.fullmatch(glob_regex("/a.b/*"), "/a.b/c/d") and not re.fullmatch(glob_regex("/a.b/*"), "/aXb/c")
    assert [str(n) for n in networks(["::FFFF:10.0.0.1", "10.0.0.9/8"])] == ["::ffff:a00:1/128", "10.0.0.0/8"]
    assert not Filters() and Filters(status=500)


def test_cli_filters_narrow_every_query(access):
    expected = sum(r["status"] >= 500 and r["ip"].startswith("10.") for r in access)
    result = CliRunner().invoke(main, ["status", "--config", CONFIG, "--status", "5xx", "--ip", "10.0.0.0/8",
                                       "--as", "json"])
    assert result.exit_code == 0, result.output
    assert sum(row["requests"] for row in json.loads(result.stdout)) == expected > 0
    bad = CliRunner().invoke(main, ["top-ips", "--config", CONFIG, "--ip", "not-an-ip"])
    assert bad.exit_code == 1 and "Error: --ip 'not-an-ip' is not an IP address" in bad.output
    assert "Traceback" not in bad.output


def test_cli_errors_where_applies_to_the_records():
    result = CliRunner().invoke(main, ["errors", "--config", CONFIG, "--where", "message LIKE '%timeout%'",
                                       "--by", "day", "--as", "json"])
    assert result.exit_code == 0, result.output
    app = [line for line in lines("sample_logs/app/app.log*") if (m := APP_START.match(line)) and
           m["level"] in ("ERROR", "CRITICAL") and "timeout" in line.split(": ", 1)[-1]]
    assert sum(row["count"] for row in json.loads(result.stdout)) == len(app)


def test_an_address_is_parsed_once_per_scan_whatever_the_chunks(tmp_path):
    """polars unpickles the --ip filter for each chunk it filters; the verdicts are kept where every
    copy finds them (``address_in``), so each distinct address is parsed once, not once per chunk."""
    from mkslog.filters import address_in, in_networks

    rest = ' - - [18/Nov/2026:14:05:00 +0900] "GET / HTTP/1.1" 200 5 "-" "curl/8"\n'
    addrs = [f"10.{i % 3}.0.{i % 50}" for i in range(3000)] + ["2001:DB8::1", "2001:db8:0::1"]
    path = tmp_path / "access.log"
    path.write_text("".join(a + rest for a in addrs))
    address_in.cache_clear()
    lf = mkslog.scan(str(path), "combined", chunk_size=4096)
    got = lf.filter(in_networks(pl.col("remote_addr"), ["10.1.0.0/24", "2001:db8::1"])).collect()
    expected = [a for a in addrs if a.startswith("10.1.") or a.lower().startswith("2001:db8")]
    assert got["remote_addr"].to_list() == expected
    info = address_in.cache_info()
    assert info.misses == len(set(addrs)) and info.hits > 0  # 52 parsed, over many chunks
