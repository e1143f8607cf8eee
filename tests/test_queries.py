"""The queries, each checked against an independent computation on real data: the sample week
(`mkslog.sample.generate`) and a real nginx log of the corpus, read here with plain Python regexes and
collections.Counter (not the mkslog parser); percentiles against numpy on the same values."""

from __future__ import annotations

import gzip
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import mkslog
import mkslog.queries as q
from mkslog.errors import QueryError
from mkslog.queries.latency import MICROS, weighted_stats
from mkslog.sample import generate

JST = timezone(timedelta(hours=9))
TZ = "Asia/Tokyo"
CORPUS = Path(__file__).parent / "data" / "corpus"
ISUCON = CORPUS / "isucon9-qualify__log__nginx__access.log"
ISUCON_FORMAT = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                 '"$http_referer" "$http_user_agent" $request_time')
ACCESS_GLOB = "nginx/mirai-knowledge-system-access.log*"
LINE = re.compile(
    r'^(?P<ip>\S+) - (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" (?P<status>\d{3}) (?P<bytes>\d+|-) '
    r'"(?P<ref>[^"]*)" "(?P<ua>[^"]*)" (?P<rt>[\d.]+)(?: (?P<urt>.*))?$'
)
APP_START = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) (\w+) (\S+): (.*)$")
UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
SEVERE = {"ERROR", "CRITICAL"}


# --- independent readers ---------------------------------------------------------------------------


def read_access(paths: list[Path]) -> list[dict]:
    """Every access line as a dict, by regex and str.split only."""
    rows = []
    for path in paths:
        data = path.read_bytes()
        text = (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode("utf-8")
        for line in text.splitlines():
            m = LINE.match(line)
            assert m, line
            parts = m["request"].split(" ")
            method, target = (parts[0], parts[1]) if len(parts) == 3 else (None, None)
            rows.append({
                "ip": m["ip"], "ts": datetime.strptime(m["time"], "%d/%b/%Y:%H:%M:%S %z"),
                "method": method, "path": target.split("?", 1)[0] if target else None,
                "status": int(m["status"]), "bytes": 0 if m["bytes"] == "-" else int(m["bytes"]),
                "rt": float(m["rt"]), "ua": m["ua"],
            })
    return rows


def fold(path: str | None) -> str | None:
    """The endpoint folding, written segment by segment in plain Python."""
    if path is None:
        return None
    segments = UUID.sub("{uuid}", path).split("/")
    for i, seg in enumerate(segments[1:], start=1):
        if m := re.fullmatch(r"\d+(\.[A-Za-z0-9]{1,8})?", seg):
            segments[i] = "{id}" + (m[1] or "")
        elif m := re.fullmatch(r"[0-9A-Fa-f]{16,}(\.[A-Za-z0-9]{1,8})?", seg):
            segments[i] = "{hash}" + (m[1] or "")
    return "/".join(segments)


def read_app(path: Path) -> list[dict]:
    """App-log records (first line + continuation lines), their exception from the last `Type: msg` line."""
    records: list[dict] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := APP_START.match(line):
            ts = datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=JST)
            records.append({"ts": ts + timedelta(milliseconds=int(m[2])), "level": m[3], "message": m[5],
                            "more": []})
        else:
            records[-1]["more"].append(line)
    for r in records:
        exc = [x for x in r["more"] if re.match(r"^[A-Za-z_][\w.]*: ", x)]
        r["exc"] = tuple(exc[-1].split(": ", 1)) if exc and r["more"][0].startswith("Traceback") else None
    return records


def top(counter: Counter, n: int) -> list[tuple]:
    """Most common first, ties by key: the order the queries promise."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out)


@pytest.fixture(scope="module")
def access_files(week) -> list[Path]:
    out = week[0]
    return sorted(out.glob(ACCESS_GLOB), key=lambda p: (-len(p.name), p.name))


@pytest.fixture(scope="module")
def rows(access_files) -> list[dict]:
    return read_access(access_files)


@pytest.fixture()
def lf(week) -> pl.LazyFrame:
    return mkslog.scan(str(week[0] / ACCESS_GLOB), "timed", tz=TZ)


@pytest.fixture(scope="module")
def app_records(week) -> list[dict]:
    return read_app(week[0] / "app" / "app.log")


@pytest.fixture()
def app_lf(week) -> pl.LazyFrame:
    return mkslog.scan(str(week[0] / "app" / "app.log"), kind="app", source_tz=TZ, tz=TZ)  # the sample week is Tokyo time


# --- traffic -------------------------------------------------------------------------------------


def test_top_ips_match_counter(lf, rows, week):
    got = q.top_ips(lf, 10)
    assert list(got.select("remote_addr", "requests").iter_rows()) == top(Counter(r["ip"] for r in rows), 10)
    assert got["share"][0] == pytest.approx(got["requests"][0] / len(rows))
    assert got["remote_addr"][0] == week[1]["top_ip"]


def test_top_endpoints_raw_match_counter(lf, rows):
    got = q.top_endpoints(lf, 10, raw=True)
    expected = top(Counter(r["path"] for r in rows if r["path"] is not None), 10)
    assert list(got.select("endpoint", "requests").iter_rows()) == expected


def test_top_endpoints_folded_match_counter(lf, rows):
    got = q.top_endpoints(lf, 15)
    counts, c4, c5 = Counter(), Counter(), Counter()
    for r in rows:
        if r["path"] is not None:
            e = fold(r["path"])
            counts[e] += 1
            c4[e] += r["status"] // 100 == 4
            c5[e] += r["status"] // 100 == 5
    expected = [(e, n, c4[e], c5[e]) for e, n in top(counts, 15)]
    assert list(got.select("endpoint", "requests", "status_4xx", "status_5xx").iter_rows()) == expected
    assert "/api/v1/knowledge/{id}" in got["endpoint"].to_list()


def test_a_frame_with_its_endpoints_folded_gives_the_same_answers(lf):
    # the report's period frames fold each path once, when parsed (weeklogs): every query by
    # endpoint must answer alike from that column and from the raw path
    folded = lf.with_columns(q.endpoint()).collect().lazy()
    assert folded.collect_schema()["endpoint"] == pl.String
    sort = ["endpoint"]
    assert q.top_endpoints(folded, 20).equals(q.top_endpoints(lf, 20))
    assert q.latency_stats(folded, by="endpoint").equals(q.latency_stats(lf, by="endpoint"))
    assert q.slow_requests(folded, 0.2, by_endpoint=True).sort(sort).equals(
        q.slow_requests(lf, 0.2, by_endpoint=True).sort(sort))
    assert q.bytes_by(folded, "endpoint", 20).equals(q.bytes_by(lf, "endpoint", 20))
    assert q.summary(folded).equals(q.summary(lf))
    ip = q.top_ips(lf, 1)["remote_addr"][0]
    mine, theirs = q.ip_activity(folded, ip), q.ip_activity(lf, ip)
    assert mine["endpoints"].sort("method", "endpoint").equals(theirs["endpoints"].sort("method", "endpoint"))
    # a raw query still reads the path, not the folded column
    assert q.top_endpoints(folded, 5, raw=True).equals(q.top_endpoints(lf, 5, raw=True))


@pytest.mark.parametrize("path, folded", [
    ("/api/v1/knowledge/123", "/api/v1/knowledge/{id}"),
    ("/api/v1/knowledge/123/comments/45", "/api/v1/knowledge/{id}/comments/{id}"),
    ("/a/1/2/3", "/a/{id}/{id}/{id}"),
    ("/new_items/60.json", "/new_items/{id}.json"),
    ("/k/550e8400-e29b-41d4-a716-446655440000/x", "/k/{uuid}/x"),
    ("/static/0123456789abcdef0123456789abcdef.js", "/static/{hash}.js"),
    ("/static/js/app.3f9c2a1b.js", "/static/js/app.3f9c2a1b.js"),
    ("/api/v1", "/api/v1"),
    ("/v2/items", "/v2/items"),
    ("/", "/"),
])
def test_fold_path(path, folded):
    assert pl.select(q.fold_path(pl.lit(path))).item() == folded == fold(path)


def test_requests_per_day_match_the_dates_in_the_lines(lf, rows):
    got = q.requests_over_time(lf, "1d")
    per_day = defaultdict(lambda: {"n": 0, "ips": set(), "4": 0, "5": 0, "bytes": 0})
    for r in rows:  # the lines carry +0900, the display timezone: their date is the local date
        d = per_day[r["ts"].date()]
        d["n"] += 1
        d["ips"].add(r["ip"])
        d["4"] += r["status"] // 100 == 4
        d["5"] += r["status"] // 100 == 5
        d["bytes"] += r["bytes"]
    expected = [(day, d["n"], len(d["ips"]), d["4"], d["5"], d["bytes"]) for day, d in sorted(per_day.items())]
    actual = [(ts.date(), *rest) for ts, *rest in got.iter_rows()]
    assert actual == expected
    assert got["ts"].dtype == pl.Datetime("us", TZ) and got["ts"][0].hour == 0


def test_requests_over_time_fills_empty_buckets():
    lf = pl.LazyFrame({"ts": [datetime(2026, 11, 20, h, tzinfo=UTC) for h in (1, 1, 4)],
                       "remote_addr": ["a", "b", "a"], "status": [200, 503, 404], "bytes_sent": [1, 2, 3]})
    got = q.requests_over_time(lf, "1h")
    assert got.select("requests", "unique_ips", "status_4xx", "status_5xx").rows() == [
        (2, 2, 0, 1), (0, 0, 0, 0), (0, 0, 0, 0), (1, 1, 1, 0)]


def test_status_breakdown_matches_counter(lf, rows):
    got = q.status_breakdown(lf)
    codes = Counter(r["status"] for r in rows)
    classes = Counter(f"{r['status'] // 100}xx" for r in rows)
    assert got.select("status", "requests").rows() == sorted(codes.items())
    for cls, status, n, share, cls_n, cls_share in got.iter_rows():
        assert cls == f"{status // 100}xx" and cls_n == classes[cls]
        assert share == pytest.approx(n / len(rows)) and cls_share == pytest.approx(cls_n / len(rows))
    assert got["share"].sum() == pytest.approx(1.0)


# --- latency -------------------------------------------------------------------------------------


def _numpy_stats(values_s: list[float]) -> tuple:
    ms = np.array(values_s) * 1000
    return (len(ms), ms.mean(), *np.percentile(ms, [50, 90, 95, 99]), ms.max())  # numpy default: linear


def _assert_stats(row: tuple, values_s: list[float]):
    expected = _numpy_stats(values_s)
    assert row[0] == expected[0]
    assert row[1:] == pytest.approx(expected[1:], rel=1e-9, abs=1e-6)


def test_latency_overall_matches_numpy(lf, rows):
    got = q.latency_stats(lf)
    assert got.columns == ["count", "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms"]
    _assert_stats(got.row(0), [r["rt"] for r in rows])


def test_latency_by_status_and_endpoint_match_numpy(lf, rows):
    by_status = defaultdict(list)
    by_endpoint = defaultdict(list)
    for r in rows:
        by_status[r["status"]].append(r["rt"])
        by_endpoint[fold(r["path"])].append(r["rt"])
    got = q.latency_stats(lf, by="status")
    assert got["status"].to_list() == sorted(by_status)
    for status, *stats in got.iter_rows():
        _assert_stats(tuple(stats), by_status[status])
    got = q.latency_stats(lf, by="endpoint", n=8)
    expected = sorted(((len(v), k) for k, v in by_endpoint.items() if k is not None), key=lambda t: (-t[0], t[1]))
    assert got["endpoint"].to_list() == [k for _, k in expected[:8]]
    for endpoint, *stats in got.iter_rows():
        _assert_stats(tuple(stats), by_endpoint[endpoint])


def test_latency_by_hour_follows_the_display_timezone(lf, rows):
    got = q.latency_stats(lf, by="hour")
    hours = defaultdict(list)
    for r in rows:
        hours[r["ts"].replace(minute=0, second=0)].append(r["rt"])
    assert got.height == len(hours)
    for hour, *stats in got.iter_rows():
        _assert_stats(tuple(stats), hours[hour])


def test_latency_on_a_real_corpus_log_matches_numpy():
    lf = mkslog.scan(str(ISUCON), ISUCON_FORMAT)
    values = [float(line.rsplit(" ", 1)[1]) for line in ISUCON.read_text().splitlines()]
    _assert_stats(q.latency_stats(lf).row(0), values)
    ips = Counter(line.split(" ", 1)[0] for line in ISUCON.read_text().splitlines())
    assert q.top_ips(lf, 5).select("remote_addr", "requests").rows() == top(ips, 5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_weighted_percentiles_equal_numpy_with_duplicates_and_tiny_groups(seed):
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 6, 3000)
    values = rng.integers(0, 50, 3000) * 1000  # microseconds with many duplicates
    keys[:1], values[:1] = 99, 1234  # a group of one
    hist = (pl.DataFrame({"k": keys, MICROS: values}).group_by("k", MICROS).agg(pl.len().cast(pl.Int64).alias("n")))
    got = weighted_stats(hist, ["k"]).sort("k")
    for k, count, mean, *rest in got.iter_rows():
        ms = values[keys == k] / 1000
        assert count == len(ms) and mean == pytest.approx(ms.mean())
        assert rest == pytest.approx([*np.percentile(ms, [50, 90, 95, 99]), ms.max()], abs=1e-6)


def test_latency_without_timing_says_how_to_get_it(tmp_path):
    log = tmp_path / "combined.log"
    log.write_text('1.2.3.4 - - [20/Nov/2026:10:00:00 +0900] "GET / HTTP/1.1" 200 5 "-" "ua"\n')
    lf = mkslog.scan(str(log), "combined")
    for call in (lambda: q.latency_stats(lf), lambda: q.latency_stats(lf, by="endpoint"),
                 lambda: q.slow_requests(lf), lambda: q.slow_requests(lf, by_endpoint=True)):
        with pytest.raises(QueryError, match=r"\$request_time"):
            call()
    import mkslog.queries.latency as latency

    assert "$10" in latency.__doc__ and "body" in latency.__doc__


def test_slow_requests_match_counter(lf, rows):
    slow = [r for r in rows if r["rt"] > 1.0]
    got = q.slow_requests(lf, "1s")
    assert got.height == len(slow) > 0
    assert got["request_time_ms"].to_list() == pytest.approx(sorted((r["rt"] * 1000 for r in slow), reverse=True))
    assert q.slow_requests(lf, "500ms", n=5).height == 5
    per = q.slow_requests(lf, 1.0, by_endpoint=True)
    expected = Counter(fold(r["path"]) for r in slow)
    assert dict(per.select("endpoint", "slow").iter_rows()) == dict(expected)
    assert per["slow"].to_list() == sorted(per["slow"].to_list(), reverse=True)


# --- time window pushdown ------------------------------------------------------------------------


def test_time_window_is_pushed_into_the_scan(week, rows, monkeypatch):
    import mkslog.frame as frame

    seen = []
    real = frame.parse_batches

    def spy(*args, **kwargs):
        seen.append(kwargs.get("predicate"))
        yield from real(*args, **kwargs)

    monkeypatch.setattr(frame, "parse_batches", spy)
    start, end = datetime(2026, 11, 19, tzinfo=JST), datetime(2026, 11, 20, tzinfo=JST)
    raw = mkslog.scan(str(week[0] / ACCESS_GLOB), "timed")
    lf = q.in_timezone(q.between(raw, start, end), TZ)
    plan = lf.select("remote_addr").explain()
    assert "FILTER" not in plan and "SELECTION" in plan  # the filter sits in the scan node
    got = q.top_ips(lf, 3)
    assert seen and seen[-1] is not None
    expected = Counter(r["ip"] for r in rows if start <= r["ts"] < end)
    assert got.select("remote_addr", "requests").rows() == top(expected, 3)


# --- app log -------------------------------------------------------------------------------------


def test_error_counts_per_hour_match_the_app_log(app_lf, app_records):
    got = q.error_counts(app_lf, "1h", fill=False)
    expected = Counter(r["ts"].strftime("%Y-%m-%d %H") for r in app_records if r["level"] in SEVERE)
    assert [(ts.strftime("%Y-%m-%d %H"), n) for ts, n in got.iter_rows()] == sorted(expected.items())
    filled = q.error_counts(app_lf, "1h")
    assert filled["count"].sum() == sum(expected.values()) and 0 in filled["count"].to_list()
    warnings = sum(r["level"] in SEVERE | {"WARNING"} for r in app_records)
    assert q.error_counts(app_lf, "1d", level="warning")["count"].sum() == warnings


def test_top_errors_match_the_tracebacks(app_lf, app_records):
    got = q.top_errors(app_lf, 10)
    expected = Counter(r["exc"] if r["exc"] else (None, r["message"]) for r in app_records if r["level"] in SEVERE)
    assert got.select("exc_type", "message", "count").rows() == [(*k, n) for k, n in top(expected, 10)]


def _app_frame(rows: list[tuple]) -> pl.LazyFrame:
    """A frame in the app-log schema of mkslog.scan(kind="app")."""
    return pl.LazyFrame(rows, schema={"ts": pl.Datetime("us", "UTC"), "level": pl.String, "logger": pl.String,
                                      "message": pl.String, "detail": pl.String, "exc_type": pl.String,
                                      "exc_message": pl.String}, orient="row")


def test_app_queries_on_a_small_frame():
    t = datetime(2026, 11, 20, 1, tzinfo=UTC)
    app = _app_frame([
        (t, "ERROR", "app", "Exception on /x [GET]", "Traceback...", "KeyError", "'id'"),
        (t + timedelta(minutes=5), "ERROR", "app", "Exception on /y [GET]", "Traceback...", "KeyError", "'id'"),
        (t + timedelta(hours=2), "CRITICAL", "app", "disk full\nmore", None, None, None),
        (t, "WARNING", "app.auth", "Invalid username or password: username=bob smith ip=10.0.0.9", None, None, None),
        (t, "WARNING", "app.auth", "Invalid username or password: username=eve ip=10.0.0.9", None, None, None),
        (t, "INFO", "app", "fine", None, None, None),
    ])
    assert q.error_counts(app, "1h")["count"].to_list() == [2, 0, 1]
    assert q.top_errors(app).select("exc_type", "message", "count").rows() == [
        ("KeyError", "'id'", 2), (None, "disk full", 1)]
    by_user = q.failed_logins(app, by="user")
    assert by_user.select("username", "failures", "ips").rows() == [("bob smith", 1, 1), ("eve", 1, 1)]
    assert q.failed_logins(app).select("ip", "failures", "app_failures", "login_401", "users").rows() == [
        ("10.0.0.9", 2, 2, 0, 2)]
    with pytest.raises(QueryError, match="unknown level"):
        q.error_counts(app, level="LOUD")


# --- security ------------------------------------------------------------------------------------


def test_failed_logins_match_both_logs(lf, app_lf, rows, app_records, week):
    pattern = re.compile(r"Invalid username or password: username=(.*?) ip=(\S+)$")
    app_ip, app_user = Counter(), Counter()
    for r in app_records:  # values as written: the scenario's "\x1b[2Jadmin" is not "admin"
        if m := pattern.search(r["message"]):
            app_ip[m[2]] += 1
            app_user[m[1]] += 1
    http = Counter(r["ip"] for r in rows if r["status"] == 401 and r["path"] == q.LOGIN_PATH)
    got = q.failed_logins(app_lf, lf)
    assert got.height == len(set(app_ip) | set(http))
    for ip, failures, n_app, n_401, *_ in got.iter_rows():
        assert (n_app, n_401, failures) == (app_ip[ip], http[ip], max(app_ip[ip], http[ip]))
    assert got.row(0)[:2] == (week[1]["bruteforce_ip"], week[1]["bruteforce_attempts"])
    users = q.failed_logins(app_lf, lf, by="user", n=5)
    assert users.select("username", "failures").rows() == top(app_user, 5)
    assert sum(app_user.values()) == week[1]["failed_logins"]
    assert app_user["\x1b[2Jadmin"] == 1  # counted apart from admin, whose count it does not inflate


def test_unauthorized_matches_counter(lf, rows):
    got = q.unauthorized(lf, n=10)
    expected = Counter((r["ip"], r["path"]) for r in rows if r["status"] == 401)
    assert [((ip, path), n) for ip, path, n, *_ in got.iter_rows()] == top(expected, 10)


def test_suspicious_ips_find_the_scenario(lf, app_lf, week):
    manifest = week[1]
    got = q.suspicious_ips(lf, app_lf)
    reasons = dict(got.select("remote_addr", "reason").iter_rows())
    brute = reasons[manifest["bruteforce_ip"]]
    assert "failed logins" in brute and "4xx" in brute
    for ip in manifest["scanner_ips"]:
        assert "scanner-like requests" in reasons[ip]
    assert manifest["top_ip"] not in reasons  # busy but well-behaved
    assert got["remote_addr"][0] == manifest["bruteforce_ip"]  # two reasons: listed first


def test_suspicious_ips_thresholds():
    t = datetime(2026, 11, 20, tzinfo=UTC)
    ts = [t + timedelta(seconds=i) for i in range(50)]
    lf = pl.LazyFrame({
        "ts": ts + ts[:30] + ts[:5],
        "remote_addr": ["busy"] * 50 + ["lost"] * 30 + ["few"] * 5,
        "path": ["/"] * 50 + ["/nope"] * 30 + ["/x"] * 5,
        "status": [200] * 50 + [404] * 30 + [404] * 5,
    })
    got = q.suspicious_ips(lf, requests_per_hour=40, ratio_4xx=0.5, min_requests=20)
    assert dict(got.select("remote_addr", "reason").iter_rows()) == {
        "busy": "peak 50 requests/hour (limit 40)",
        "lost": "100% of 30 requests got 4xx (limit 50%)",
    }


def test_ip_activity_matches_counter(lf, rows, week):
    ip = week[1]["top_ip"]
    mine = [r for r in rows if r["ip"] == ip]
    got = q.ip_activity(lf, ip)
    overview = got["overview"].row(0, named=True)
    assert overview["requests"] == len(mine)
    assert overview["first_seen"] == min(r["ts"] for r in mine)
    assert overview["last_seen"] == max(r["ts"] for r in mine)
    assert overview["user_agents"] == sorted({r["ua"] for r in mine})
    assert got["statuses"].select("status", "requests").rows() == sorted(Counter(r["status"] for r in mine).items())
    endpoints = Counter((r["method"], fold(r["path"])) for r in mine)
    assert sorted(((m, e), n) for m, e, n, *_ in got["endpoints"].iter_rows()) == sorted(endpoints.items())
    assert got["timeline"]["requests"].sum() == len(mine)
    empty = q.ip_activity(lf, "192.0.2.254")
    assert all(frame.is_empty() for frame in empty.values())


def test_summary_matches_counter(lf, app_lf, rows, app_records, week):
    got = q.summary(lf, app_lf).row(0, named=True)
    ips = Counter(r["ip"] for r in rows)
    endpoints = Counter(fold(r["path"]) for r in rows if r["path"])
    ms = np.array([r["rt"] for r in rows]) * 1000
    assert got["requests"] == len(rows) == week[1]["requests"]
    assert got["unique_ips"] == len(ips) == week[1]["distinct_ips"]
    assert got["status_5xx"] == sum(r["status"] >= 500 for r in rows) == week[1]["status_5xx"]
    assert got["error_rate"] == pytest.approx(got["status_5xx"] / len(rows))
    assert [got["p50_ms"], got["p95_ms"], got["p99_ms"]] == pytest.approx(np.percentile(ms, [50, 95, 99]))
    assert (got["top_ip"], got["top_ip_requests"]) == top(ips, 1)[0]
    assert (got["top_endpoint"], got["top_endpoint_requests"]) == top(endpoints, 1)[0]
    assert got["first_seen"] == min(r["ts"] for r in rows) and got["last_seen"] == max(r["ts"] for r in rows)
    assert got["app_errors"] == sum(r["level"] in SEVERE for r in app_records)


@pytest.mark.parametrize("source", ["batches fed by Python (text)", "memory"])
def test_fan_out_merges_partial_aggregates(source):
    """A frame read as it is parsed is aggregated batch by batch in one pass and merged; a frame in
    memory (or Parquet) by one polars query per part: the same answers."""
    rng = np.random.default_rng(7)
    df = pl.DataFrame({"k": rng.integers(0, 50, 20_000), "v": rng.integers(0, 1000, 20_000)})
    if source == "memory":
        lf = pl.concat([df.lazy()] * 3)
    else:
        fed: list[int] = []

        def batches(columns, predicate):
            for _ in range(3):
                fed.append(1)
                yield df.select(columns) if columns else df
        lf = mkslog.frame.lazy_frame(batches, dict(df.schema), name="test", detail="three batches")
    assert mkslog.frame.reads_text(lf) is (source != "memory")
    got = q.fan_out(lf, {"by_k": ([pl.col("k")], {"n": (pl.len(), "sum"), "top": (pl.col("v").max(), "max")}),
                         "all": ([], {"n": (pl.len(), "sum"), "low": (pl.col("v").min(), "min")})})
    expected = pl.concat([df] * 3).group_by("k").agg(pl.len().alias("n"), pl.col("v").max().alias("top"))
    assert got["by_k"].sort("k").cast({"n": pl.UInt32}).equals(expected.sort("k").cast({"n": pl.UInt32}))
    assert got["all"].row(0) == (60_000, df["v"].min())
    if source != "memory":
        assert len(fed) == 3  # read once for both parts


def test_summary_of_parquet_equals_the_summary_of_its_text(tmp_path, lf, app_lf):
    """The report's period frames are Parquet: their summary (one query per figure) is the text's
    (one pass)."""
    lf.sink_parquet(tmp_path / "access.parquet")
    app_lf.sink_parquet(tmp_path / "app.parquet")
    stored = (pl.scan_parquet(tmp_path / "access.parquet"), pl.scan_parquet(tmp_path / "app.parquet"))
    assert not mkslog.frame.reads_text(stored[0]) and mkslog.frame.reads_text(lf)
    assert q.summary(*stored).equals(q.summary(lf, app_lf))
    empty = stored[0].filter(pl.col("status") == 0)
    assert q.summary(empty).row(0, named=True)["requests"] == 0 == q.summary(lf.filter(pl.col("status") == 0))["requests"][0]
