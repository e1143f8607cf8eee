"""A query that reads some columns gets exactly what the full parse gives for them: one row per parsed
record (nulls where the format lacks the column) and the same values, in the same order. polars
pushes the projection into the scan, so each column alone takes a different, faster path (a short
start-anchored regex, the lenient address pattern only on the lines the strict one rejects)."""

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_series_equal

import mkslog
from mkslog.parse.stats import ParseStats
from mkslog.sample import generate

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
# every access file of the corpus (origins in data/corpus/SOURCES.md), with the format it needs
ACCESS = [
    ("Orange-Button-ProductRegistry__logs__gunicorn-access.log", "gunicorn"),
    ("beats__nginx__access__test__access.log", None),  # its last line is vhost-prefixed
    ("beats__nginx__access__test__test-with-host.log", [HOST, HOST + ' "$http_x_forwarded_for"']),
    ("beats__nginx__access__test__test.log", None),  # proxy chains in the address field
    ("beats__nginx__ingress_controller__test__test.log", INGRESS),
    ("elastic-examples__apache_logs", None),
    ("gonx__example__access.log", GONX),
    ("isucon9-qualify__log__nginx__access.log", KATARIBE),
    ("lnav__logfile_access_log.1", None),
    ("lnav__logfile_bad_access_log.0", None),
    ("lnav__logfile_shop_access_log.0", None),
]


def _columns_agree(lf: pl.LazyFrame) -> None:
    full = lf.collect(engine="streaming")
    assert full.height > 0
    for column in full.columns:
        alone = lf.select(column).collect(engine="streaming")
        assert alone.height == full.height, column
        assert_series_equal(alone[column], full[column])
    assert lf.select(pl.len()).collect().item() == full.height


@pytest.mark.parametrize(("name", "fmt"), ACCESS, ids=[a[0] for a in ACCESS])
def test_each_access_column_alone_equals_the_full_parse(name, fmt):
    _columns_agree(mkslog.scan(str(DATA / name), fmt))


def test_a_column_the_format_lacks_is_one_null_per_line():
    # combined has no $request_time: the projection used to give ONE row
    stats = ParseStats()
    df = mkslog.scan(str(DATA / "beats__nginx__access__test__access.log"), "combined", stats=stats).select(
        "request_time").collect()
    assert df.height == stats.total.parsed == stats.total.lines == 13
    assert df["request_time"].null_count() == 13


def test_proxy_chain_keeps_no_trailing_dash_on_the_top_ips_path():
    lf = mkslog.scan(str(DATA / "beats__nginx__access__test__test.log"))
    got = lf.select("remote_addr").collect()["remote_addr"].to_list()
    assert got[0] == "10.0.0.2, 10.0.0.1, 127.0.0.1"
    assert not any(a.endswith(" -") for a in got)
    last = mkslog.scan(str(DATA / "beats__nginx__access__test__access.log")).select("remote_addr").collect()
    assert last["remote_addr"][-1] == "lessons.example.com 192.168.0.1"


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    out = tmp_path_factory.mktemp("day")
    generate(out, days=1, scale=0.05)
    return out


RECORDS = [
    ("nginx-error", "nginx/mirai-knowledge-system-error.log"),
    ("gunicorn-error", "gunicorn/error.log"),
    ("app", "app/app.log"),
    ("health", "app/health_check.log"),
    ("metrics", "app/metrics.log"),
    ("backup", "backups/backup.log"),
]


@pytest.mark.parametrize(("kind", "path"), RECORDS, ids=[r[0] for r in RECORDS])
def test_each_record_column_alone_equals_the_full_parse(day, kind, path):
    _columns_agree(mkslog.scan(str(day / path), kind=kind, source_tz="Asia/Tokyo"))


@pytest.mark.parametrize("name", ["nginx-error/beats__nginx__error__test__error.log",
                                  "gunicorn-error/Orange-Button-ProductRegistry__logs__gunicorn-error.log",
                                  "app-python/notable-flask__logs__all_errors.log"])
def test_each_record_column_alone_on_corpus_error_logs(name):
    path = DATA / Path(name).name
    kind = {"nginx-error": "nginx-error", "gunicorn-error": "gunicorn-error", "app-python": "app"}[name.split("/")[0]]
    _columns_agree(mkslog.scan(str(path), kind=kind, source_tz="UTC"))


def test_the_address_alone_is_the_full_parses_address_also_beyond_ascii(tmp_path):
    """top-ips keeps the bytes before a valid line's first space: whole characters, whatever they
    are (the byte offset of the space is not a character offset)."""
    rest = ' - - [18/Nov/2026:14:05:00 +0900] "GET / HTTP/1.1" 200 5 "-" "curl/8"'
    lines = ["10.0.0.1" + rest, "日本語ホスト" + rest, "é" + rest, "" + rest, "2001:db8::1" + rest,
             "10.0.0.2 extra" + rest, "not a log line", "10.0.0.3 -" + rest.replace("[18", "18"), "日本 " + rest]
    path = tmp_path / "access.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    alone_stats, full_stats = ParseStats(), ParseStats()
    alone = mkslog.scan(str(path), "combined", stats=alone_stats).select("remote_addr").collect()
    full = mkslog.scan(str(path), "combined", stats=full_stats).collect()
    assert_series_equal(alone["remote_addr"], full["remote_addr"])
    assert alone["remote_addr"].to_list()[:5] == ["10.0.0.1", "日本語ホスト", "é", None, "2001:db8::1"]
    assert alone_stats.total.rejected == full_stats.total.rejected
    assert alone_stats.total.parsed + alone_stats.total.rejected == len(lines)
