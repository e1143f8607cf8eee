"""Every nginx and gunicorn access file of the real-log corpus (copied into tests/data/corpus, origins
in its SOURCES.md) parses with the exact line counts of the corpus's notes; well-formed files have
no rejects, and the known malformed lines are rejected and counted."""

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

import mkslog
from mkslog.parse.stats import ParseStats
from mkslog.queries import top_ips

DATA = Path(__file__).parent / "data" / "corpus"
HOST = '$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
INGRESS = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" '
           '"$http_user_agent" $request_length $request_time [$proxy_upstream_name] '
           "[$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length "
           "$upstream_response_time $upstream_status $req_id")
GONX = ('$remote_addr [$time_local] "$request" $status $request_length $body_bytes_sent $request_time '
        '"$t_size" $read_time $gen_time')
KATARIBE = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" '
            '"$http_user_agent" $request_time')

# file, format (None: autodetect), lines, rejected line numbers
CASES = [
    ("Orange-Button-ProductRegistry__logs__gunicorn-access.log", "gunicorn", 130, []),
    ("beats__nginx__access__test__access.log", None, 13, []),
    # the fixture mixes lines with and without a trailing "$http_x_forwarded_for"
    ("beats__nginx__access__test__test-with-host.log", [HOST, HOST + ' "$http_x_forwarded_for"'], 10, []),
    ("beats__nginx__access__test__test.log", None, 7, []),
    ("beats__nginx__ingress_controller__test__test.log", INGRESS, 29, []),
    ("elastic-examples__apache_logs", None, 10000, [8899]),  # user agent cut off before its closing quote
    ("gonx__example__access.log", GONX, 1000, []),
    ("isucon9-qualify__log__nginx__access.log", KATARIBE, 1876, []),
    ("lnav__logfile_access_log.1", None, 1, []),
    ("lnav__logfile_bad_access_log.0", None, 3, [2]),  # the " - -" fields are missing
    ("lnav__logfile_shop_access_log.0", None, 1000, []),
]


@pytest.mark.parametrize(("name", "fmt", "lines", "rejected"), CASES, ids=[c[0] for c in CASES])
def test_corpus_file_counts(name, fmt, lines, rejected):
    stats = ParseStats()
    df = mkslog.read(str(DATA / name), fmt, stats=stats)
    assert stats.total.lines == lines
    assert stats.rejects()["line_no"].to_list() == rejected
    assert stats.total.parsed == len(df) == lines - len(rejected)
    assert df["ts"].null_count() == 0
    assert df["status"].null_count() == 0


def test_isucon_statuses_and_timings_match_an_independent_count():
    path = DATA / "isucon9-qualify__log__nginx__access.log"
    df = mkslog.read(str(path), KATARIBE)
    expected = Counter(int(re.search(r'" (\d{3}) ', line).group(1)) for line in path.read_text().splitlines())
    assert dict(Counter(df["status"].to_list())) == dict(expected)
    assert expected[200] == 1799 and expected[499] == 15
    last_field = [float(line.rsplit(" ", 1)[1]) for line in path.read_text().splitlines()]
    assert df["request_time"].to_list() == last_field


def test_ingress_upstream_lists():
    df = mkslog.read(str(DATA / "beats__nginx__ingress_controller__test__test.log"), INGRESS)
    assert df["status"].value_counts().sort("status").rows() == [(200, 25), (400, 2), (502, 2)]
    row = df.filter(df["line_no"] == 27).row(0, named=True)
    assert row["remote_addr"] == "2a02:cf40::4e36"
    assert row["upstream_addr"] == "[2a02:cf40::7]:5000, [2a02:cf40::::::::4e36]:500000000"
    assert row["upstream_response_time"] == 0.0


def test_shop_log_offsets_are_kept():
    df = mkslog.read(str(DATA / "lnav__logfile_shop_access_log.0"))
    assert df["utc_offset"].unique().to_list() == [210]  # +0330


def test_top_ips_agree_with_the_manuals_awk_pipeline():
    path = DATA / "elastic-examples__apache_logs"
    awk = subprocess.run(
        f"awk '{{print $1}}' '{path}' | sort | uniq -c | sort -rn | head -20",
        shell=True, capture_output=True, text=True, check=True).stdout
    expected = [(ip, int(n)) for n, ip in (line.split() for line in awk.splitlines())]
    stats = ParseStats()
    got = top_ips(mkslog.scan(str(path), stats=stats), 20)
    # awk counts the one malformed line too; mkslog rejects it and says so
    rejected_ip = stats.rejects()["line"].item().split()[0]
    got_rows = [(ip, n + (ip == rejected_ip)) for ip, n in got.select("remote_addr", "requests").rows()]
    assert sorted(got_rows, key=lambda r: (-r[1], r[0])) == sorted(expected, key=lambda r: (-r[1], r[0]))
