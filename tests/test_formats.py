"""Format compilers, table-driven: format, line, expected record (including the nasty lines)."""

from datetime import UTC, datetime

import polars as pl
import pytest

from mkslog.errors import FormatError
from mkslog.formats import compile_format
from mkslog.parse.access import parse_chunk
from mkslog.parse.resolve import read_nginx_conf
from mkslog.parse.stats import ParseStats
from mkslog.sources import Chunk

TIMED = "timed"
INGRESS = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" '
           '"$http_user_agent" $request_length $request_time [$proxy_upstream_name] '
           "[$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length "
           "$upstream_response_time $upstream_status $req_id")
GUNICORN_TIMED = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'


def parse_one(fmt, line: str) -> dict | None:
    stats = ParseStats()
    formats = [compile_format(fmt)]
    lenient = formats[0].lenient()
    formats += [lenient] if lenient else []
    df = parse_chunk(Chunk(line.encode() + b"\n", 1, 0), formats, "t.log", stats)
    return df.row(0, named=True) if len(df) else None


CASES = [
    # (format, line, expected subset of the record)
    (TIMED, '203.0.113.7 - - [16/Nov/2026:09:00:01 +0900] "GET /api/v1/knowledge/123?include=tags HTTP/1.1" '
            '200 5123 "https://mks.example.jp/search" "Mozilla/5.0 (X11)" 0.123 0.120',
     {"remote_addr": "203.0.113.7", "remote_user": None, "method": "GET", "path": "/api/v1/knowledge/123",
      "query": "include=tags", "protocol": "HTTP/1.1", "request": None, "status": 200, "bytes_sent": 5123,
      "referer": "https://mks.example.jp/search", "user_agent": "Mozilla/5.0 (X11)", "request_time": 0.123,
      "upstream_response_time": 0.12, "utc_offset": 540,
      "ts": datetime(2026, 11, 16, 0, 0, 1, tzinfo=UTC)}),
    # nginx's upstream list after a failover: the times are summed
    (TIMED, '10.0.0.1 - alice [16/Nov/2026:09:00:01 +0900] "POST /api/v1/auth/login HTTP/1.1" 502 0 "-" "-" '
            '0.400 0.012, 0.340',
     {"remote_user": "alice", "status": 502, "upstream_response_time": pytest.approx(0.352), "referer": None}),
    (TIMED, '10.0.0.1 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "-" 0.3 0.1 : 0.2',
     {"upstream_response_time": pytest.approx(0.3)}),
    (TIMED, '10.0.0.1 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "-" 0.1 0.100, -',
     {"upstream_response_time": pytest.approx(0.1)}),
    (TIMED, '10.0.0.1 - - [16/Nov/2026:09:00:01 +0900] "GET /static/a.js HTTP/1.1" 200 1 "-" "-" 0.000 -',
     {"upstream_response_time": None, "request_time": 0.0}),
    # TLS bytes sent to the HTTP port: nginx escapes them; the raw request is kept
    (TIMED, '198.51.100.9 - - [16/Nov/2026:09:00:01 +0900] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" '
            '400 157 "-" "-" 0.001 -',
     {"method": None, "path": None, "request": "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03", "status": 400}),
    (TIMED, '198.51.100.9 - - [16/Nov/2026:09:00:01 +0900] "-" 400 0 "-" "-" 0.000 -',
     {"request": "-", "method": None, "status": 400}),
    (TIMED, '198.51.100.9 - - [16/Nov/2026:09:00:01 +0900] "" 400 0 "-" "-" 0.000 -',
     {"request": "", "method": None}),
    # escaped quotes: nginx's \x22 and other servers' \"
    (TIMED, '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET /a HTTP/1.1" 200 1 "-" "say \\x22hi\\x22" 0.1 0.1',
     {"user_agent": "say \\x22hi\\x22"}),
    ("combined", '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET /a HTTP/1.1" 200 1 "-" "a \\"quoted\\" ua"',
     {"user_agent": 'a \\"quoted\\" ua'}),
    ("combined", '1.2.3.4 - - [16/Nov/2026:09:00:01 -0700] "GET /a HTTP/2.0" 304 - "-" "-"',
     {"bytes_sent": None, "protocol": "HTTP/2.0", "utc_offset": -420,
      "ts": datetime(2026, 11, 16, 16, 0, 1, tzinfo=UTC)}),
    ("combined", '2001:db8::1f - - [16/Nov/2026:09:00:01 +0330] "PATCHp /x HTTP/1.1" 400 0 "-" "-"',
     {"remote_addr": "2001:db8::1f", "method": "PATCHp", "utc_offset": 210}),
    # a proxy chain in the address field: the lenient variant takes it
    ("combined", '10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "-"',
     {"remote_addr": "10.0.0.2, 10.0.0.1, 127.0.0.1", "status": 200}),
    ("main", '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "-" "203.0.113.1, 10.0.0.1"',
     {"x_forwarded_for": "203.0.113.1, 10.0.0.1"}),
    (INGRESS, '192.168.64.1 - - [07/Feb/2020:11:48:51 +0000] "POST /products HTTP/1.1" 200 59 "-" "curl/7.54.0" 89 '
              '0.001 [default-web-8080] [] 172.17.0.6:8080, 172.17.0.7:8080 61, 100 0.100, 0.004 200, 203 529a00',
     {"request_length": 89, "proxy_upstream_name": "default-web-8080", "proxy_alternative_upstream_name": None,
      "upstream_addr": "172.17.0.6:8080, 172.17.0.7:8080", "upstream_response_length": "61, 100",
      "upstream_response_time": pytest.approx(0.104), "upstream_status": "200, 203", "req_id": "529a00"}),
    ('$time_iso8601 $remote_addr "$request" $status $request_time',
     '2026-11-16T09:00:01+09:00 1.2.3.4 "GET /x?y=1 HTTP/1.1" 404 0.005',
     {"ts": datetime(2026, 11, 16, 0, 0, 1, tzinfo=UTC), "query": "y=1", "status": 404, "utc_offset": 540}),
    ("$msec $remote_addr $status", "1763251201.250 1.2.3.4 200",
     {"ts": datetime(2025, 11, 16, 0, 0, 1, 250000, tzinfo=UTC)}),
    ("$remote_addr $request_method $request_uri $status", "1.2.3.4 GET /p?q=1&r=2 200",
     {"method": "GET", "path": "/p", "query": "q=1&r=2"}),
    # gunicorn: %(t)s includes its brackets; every time unit ends in seconds
    (GUNICORN_TIMED, '127.0.0.1 - - [16/Nov/2026:09:00:01 +0900] "GET /api/v1/health HTTP/1.0" 200 17 "-" "curl/8" 120034',
     {"request_time": pytest.approx(0.120034), "ts": datetime(2026, 11, 16, 0, 0, 1, tzinfo=UTC), "ident": None}),
    ('%(h)s %(t)s "%(r)s" %(s)s %(M)s', '1.2.3.4 [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 250',
     {"request_time": pytest.approx(0.25)}),
    ('%(h)s %(t)s "%(r)s" %(s)s %(L)s', '1.2.3.4 [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 0.125000',
     {"request_time": pytest.approx(0.125)}),
    ('%(h)s %(t)s "%(r)s" %(s)s %(T)s', '1.2.3.4 [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 3',
     {"request_time": 3.0}),
    ('%(h)s "%({x-forwarded-for}i)s" %(p)s "%({content-type}o)s" %({REMOTE_PORT}e)s',
     '127.0.0.1 "203.0.113.5" <1240> "application/json" 51234',
     {"http_x_forwarded_for": "203.0.113.5", "pid": "<1240>", "sent_http_content_type": "application/json",
      "env_remote_port": "51234"}),
    ('%(h)s %(t)s "%(m)s %(U)s?%(q)s %(H)s" %(s)s %(B)s', '1.2.3.4 [16/Nov/2026:09:00:01 +0900] "GET /a?b=1 HTTP/1.1" 200 0',
     {"method": "GET", "path": "/a", "query": "b=1", "protocol": "HTTP/1.1", "bytes_sent": 0}),
]


@pytest.mark.parametrize(("fmt", "line", "expected"), CASES)
def test_line_parses_to_record(fmt, line, expected):
    record = parse_one(fmt, line)
    assert record is not None, f"rejected: {line}"
    for key, value in expected.items():
        assert record[key] == value, key


@pytest.mark.parametrize(("fmt", "line"), [
    (TIMED, '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "-"'),  # no timings
    ("combined", '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 2000 1 "-" "-"'),
    ("combined", '1.2.3.4 - - [16/Nov/2026 09:00:01] "GET / HTTP/1.1" 200 1 "-" "-"'),
    ("combined", '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "unterminated'),
    ("combined", ""),
])
def test_bad_lines_are_rejected(fmt, line):
    assert parse_one(fmt, line) is None


NAMED_LINES = {
    "timed": '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "ua" 0.1 0.1',
    "main": '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "ua" "9.9.9.9"',
    "combined": '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "ua"',
    "common": '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1',
    "gunicorn_timed": '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "ua" 1200',
    "gunicorn": '1.2.3.4 - - [16/Nov/2026:09:00:01 +0900] "GET / HTTP/1.1" 200 1 "-" "ua"',
}


@pytest.mark.parametrize("name", list(NAMED_LINES))
def test_python_re_and_polars_agree_on_every_named_format(name):
    """The compiled pattern is in the subset both engines accept, and they agree on it."""
    fmt = compile_format(name)
    lines = list(NAMED_LINES.values())
    by_python = [bool(fmt.regex.match(line)) for line in lines]
    by_polars = pl.Series(lines).str.contains(fmt.pattern()).to_list()
    assert by_python == by_polars
    assert by_python[list(NAMED_LINES).index(name)]  # each named format reads its own line


def test_every_named_format_has_a_sample_line():
    from mkslog.formats import named_formats

    assert sorted(named_formats()) == sorted(NAMED_LINES)


@pytest.mark.parametrize(("source", "message"), [
    ("$remote_addr $status $remote_addr", "duplicate variable(s) remote_addr"),
    ("%(h)s %(s)s %(h)s", "duplicate variable(s) h"),
    ("%(h)s %(zz)s", "unknown gunicorn atom(s) %(zz)s"),
    ("$remote_addr$status", "follow each other"),
    ("plain text", "unknown format 'plain text'"),
])
def test_compile_errors_name_the_problem(source, message):
    with pytest.raises(FormatError) as info:
        compile_format(source)
    assert message in str(info.value)


def test_unknown_nginx_variable_becomes_string_column():
    fmt = compile_format("$remote_addr $my_custom_var")
    assert fmt.schema["my_custom_var"] == pl.String


def test_read_nginx_conf_multiline_quoted(tmp_path):
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        "http {\n"
        "    # log_format commented 'no';\n"
        "    log_format timed '$remote_addr - $remote_user [$time_local] \"$request\" '\n"
        "                     '$status $body_bytes_sent \"$http_referer\" '\n"
        "                     \"\\\"$http_user_agent\\\" $request_time $upstream_response_time\";\n"
        "    log_format json escape=json '{\"ip\":\"$remote_addr\"}';\n"
        "    access_log /var/log/nginx/x.log timed;\n"
        "}\n"
    )
    formats = read_nginx_conf(conf)
    assert formats["timed"] == compile_format("timed").source
    assert formats["json"] == '{"ip":"$remote_addr"}'
    assert "commented" not in formats
