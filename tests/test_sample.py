"""The sample-log generator: deterministic bytes, honest manifest, and the scenario's facts checked on the
files with plain Python (no mkslog parser involved)."""

from __future__ import annotations

import gzip
import re
import statistics
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mkslog.sample import generate

JST = timezone(timedelta(hours=9))
ACCESS = "nginx/mirai-knowledge-system-access.log"
GACCESS = "gunicorn/access.log"
ROTATED = ("", ".1", ".2.gz", ".3.gz", ".4.gz", ".5.gz", ".6.gz")
DAYS = ("22", "21", "20", "19", "18", "17", "16")  # day of November in X.log, X.log.1, ...

NGINX_RE = re.compile(
    r'^(?P<ip>\S+) - (?P<user>\S+) \[(?P<day>\d\d)/Nov/2026:(?P<hms>\d\d:\d\d:\d\d) \+0900\] "(?P<request>[^"]*)" '
    r'(?P<status>\d{3}) (?P<size>\d+) "(?P<ref>[^"]*)" "(?P<ua>[^"]*)" (?P<rt>\d+\.\d{3}) (?P<up>-|[\d., ]+)$'
)
GUNICORN_RE = re.compile(
    r'^127\.0\.0\.1 - - \[(?P<day>\d\d)/Nov/2026:(?P<hms>\d\d:\d\d:\d\d) \+0900\] "(?P<method>\S+) (?P<target>\S+) '
    r'HTTP/1\.1" (?P<status>\d{3}) (?P<size>\d+) "[^"]*" "[^"]*" (?P<us>\d+)$'
)
APP_START = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (DEBUG|INFO|WARNING|ERROR|CRITICAL) ([\w.]+): ")
FAILED = re.compile(r"^2026-11-(\d\d) (\d\d:\d\d:\d\d),\d{3} WARNING app_v2\.auth: "
                    r"Invalid username or password: username=\S+ ip=(\S+)$")


def _text(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.name.endswith(".gz") else data).decode("utf-8")


def _lines(out: Path, rel: str) -> list[str]:
    return _text(out / rel).splitlines()


def _access(out: Path, rel: str = ACCESS) -> list[re.Match]:
    """Every nginx access line of the rotated set, oldest first, each one matched."""
    matches = []
    for suffix in reversed(ROTATED):
        for line in _lines(out, rel + suffix):
            m = NGINX_RE.match(line)
            assert m, line
            matches.append(m)
    return matches


def _all_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def week(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("week")
    return out, generate(out)


@pytest.fixture(scope="module")
def access(week) -> list[re.Match]:
    return _access(week[0])


def test_same_seed_gives_identical_bytes(week, tmp_path):
    out, manifest = week
    again = generate(tmp_path / "again", days=7, end=date(2026, 11, 22), seed=47)
    assert _all_files(tmp_path / "again") == _all_files(out)
    assert {**again, "out_dir": ""} == {**manifest, "out_dir": ""}


def test_default_week_is_the_committed_sample_logs(week):
    """The demo, the README and the notebooks read sample_logs/: it must be exactly what generate() writes
    today (a refactor of the generator that moves one random draw changes these bytes)."""
    committed = Path(__file__).resolve().parents[1] / "sample_logs"
    if not committed.is_dir():
        pytest.skip("sample_logs/ is not in this checkout")
    ours, theirs = _all_files(week[0]), _all_files(committed)
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []


def test_other_seed_differs(week, tmp_path):
    generate(tmp_path / "other", seed=48)
    theirs, ours = _all_files(tmp_path / "other"), _all_files(week[0])
    assert theirs.keys() == ours.keys()
    assert theirs[ACCESS] != ours[ACCESS]
    assert theirs["app/app.log"] != ours["app/app.log"]


def test_layout_and_rotation(week):
    out, manifest = week
    expected = {ACCESS + s for s in ROTATED} | {GACCESS + s for s in ROTATED} | {
        "nginx/mirai-knowledge-system-error.log", "gunicorn/error.log", "app/app.log", "app/health_check.log",
        "app/metrics.log", "backups/backup.log"}
    assert set(_all_files(out)) == expected == set(manifest["files"])
    assert manifest["days"] == [f"2026-11-{d}" for d in reversed(DAYS)]
    for rel in (ACCESS, GACCESS):
        for suffix, day in zip(ROTATED, DAYS, strict=True):
            days = {m["day"] for m in map(NGINX_RE.match if rel == ACCESS else GUNICORN_RE.match,
                                           _lines(out, rel + suffix))}
            assert days == {day}, rel + suffix


def test_gz_files_decompress_and_are_reproducible(week):
    out, _ = week
    for path in out.rglob("*.gz"):
        data = path.read_bytes()
        assert data[4:8] == b"\0\0\0\0"  # mtime 0
        assert gzip.decompress(data).count(b"\n") > 1000


def test_manifest_counts_match_files(week):
    out, manifest = week
    for rel, info in manifest["files"].items():
        text = _text(out / rel)
        assert text.endswith("\n")
        assert info["lines"] == text.count("\n") == len(text.splitlines()), rel
        assert info["bytes"] == (out / rel).stat().st_size
    assert manifest["requests"] == sum(manifest["files"][ACCESS + s]["lines"] for s in ROTATED)
    assert manifest["proxied_requests"] == sum(manifest["files"][GACCESS + s]["lines"] for s in ROTATED)


def test_default_week_size_and_volume(week):
    out, manifest = week
    assert 1_000_000 < sum(len(b) for b in _all_files(out).values()) < 4_200_000
    per_day = [manifest["files"][ACCESS + s]["lines"] for s in ROTATED]
    assert all(2500 < n < 5500 for n in per_day), per_day
    assert min(per_day[2:]) > max(per_day[:2])  # weekdays busier than the weekend


def test_access_lines_parse_with_jst_times_in_order(week, access):
    out, _ = week
    stamps = [(m["day"], m["hms"]) for m in access]
    assert stamps == sorted(stamps)
    gunicorn = []
    for suffix in reversed(ROTATED):
        for line in _lines(out, GACCESS + suffix):
            m = GUNICORN_RE.match(line)
            assert m, line
            gunicorn.append((m["day"], m["hms"]))
    assert gunicorn == sorted(gunicorn)


def test_quotes_are_escaped_like_nginx(week):
    out, _ = week
    for suffix in ROTATED:
        text = _text(out / (ACCESS + suffix))
        assert text.isascii()
        assert all(line.count('"') == 6 for line in text.splitlines())
    everything = "".join(_text(out / (ACCESS + s)) for s in ROTATED)
    for needle in (r'"\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "-" 0.001 -',
                   '"-" 400 0 "-" "-" 0.000 -', '"<script>alert(1)</script>"', "<img src=x onerror=alert(1)>",
                   r"\x22", r"\x1B]0;pwned\x07", "/wp-login.php", "/.env", "/phpmyadmin/", "/admin/config.php",
                   "/cgi-bin/..%2F..%2Fetc/passwd", "%E3%82%B3%E3%83%B3%E3%82%AF%E3%83%AA%E3%83%BC%E3%83%88",
                   "Googlebot", "bingbot", "curl/", "python-requests/"):
        assert needle in everything, needle


def test_heavy_tailed_client_addresses(week, access):
    _, manifest = week
    counts = Counter(m["ip"] for m in access)
    (top, top_n), = counts.most_common(1)
    assert (top, top_n) == (manifest["top_ip"], manifest["top_ip_requests"])
    assert len(counts) == manifest["distinct_ips"] > 2000
    assert top_n > 100 * statistics.median(counts.values())
    assert any(":" in ip for ip in counts) and any(ip.startswith("10.") for ip in counts)


def test_failed_logins_match_401s(week, access):
    out, manifest = week
    from_access = Counter((m["day"], m["hms"], m["ip"]) for m in access
                          if m["request"].startswith("POST /api/v1/auth/login ") and m["status"] == "401")
    from_app = Counter(FAILED.match(line).groups() for line in _lines(out, "app/app.log")
                       if "Invalid username or password" in line)
    assert from_access == from_app
    assert sum(from_app.values()) == manifest["failed_logins"]
    brute = Counter(hms[:2] for day, hms, ip in from_access.elements() if ip == manifest["bruteforce_ip"])
    (_, in_one_hour), = brute.most_common(1)
    assert in_one_hour >= 300 and manifest["bruteforce_attempts"] == sum(brute.values())
    assert "\x1b[2J" in _text(out / "app/app.log")  # the hostile username, a real escape byte


def _in_burst(day: str, hms: str) -> bool:
    return day == "18" and "14:00:00" <= hms < "14:20:00"


def test_the_5xx_burst_is_in_every_log(week, access):
    out, manifest = week
    assert manifest["burst"] == {"start": "2026-11-18T14:00:00+09:00", "end": "2026-11-18T14:20:00+09:00"}
    api = [m for m in access if " /api/" in m["request"]]
    inside = [m for m in api if _in_burst(m["day"], m["hms"])]
    outside = [m for m in api if not _in_burst(m["day"], m["hms"])]
    assert sum(m["status"] in ("502", "504") for m in inside) > 0.7 * len(inside) > 30
    assert sum(m["status"].startswith("5") for m in outside) < 0.002 * len(outside)

    errors = [line for line in _lines(out, "nginx/mirai-knowledge-system-error.log") if "upstream" in line]
    upstream = [line for line in errors if "connect() failed (111" in line or "upstream timed out (110" in line]
    assert len(upstream) == sum(m["status"] in ("502", "504") for m in inside)
    assert all(line.startswith("2026/11/18 14:") for line in upstream)

    gunicorn = _text(out / "gunicorn/error.log")
    assert re.search(r"^\[2026-11-18 14:0\d:\d\d \+0900\] \[\d+\] \[CRITICAL\] WORKER TIMEOUT \(pid:\d+\)$",
                     gunicorn, re.M)
    assert gunicorn.count("Exception in worker process\nTraceback (most recent call last):\n") == 1

    app = _lines(out, "app/app.log")
    db_errors = [line for line in app if line.startswith("psycopg2.OperationalError")]
    starts = [APP_START.match(line) for line in app]
    burst_errors = [m for m in starts if m and m[2] == "ERROR" and _in_burst(m[1][8:10], m[1][11:19])]
    assert len(burst_errors) == len(db_errors) > 20  # every database traceback is in the burst

    health = [line for line in _lines(out, "app/health_check.log") if "ERROR" in line]
    assert health == [f"2026-11-18 14:{m:02d}:00 - ERROR: Service is down" for m in (0, 5, 10, 15)]
    cpu = {line[:19]: float(line.split(",")[1][4:]) for line in _lines(out, "app/metrics.log")}
    assert cpu["2026-11-18 14:00:00"] > 80 and cpu["2026-11-18 14:10:00"] > 80
    assert max(v for k, v in cpu.items() if not k.startswith("2026-11-18 14:0")
               and not k.startswith("2026-11-18 14:1")) < 80


def test_gunicorn_logs_exactly_the_proxied_api_requests(week, access):
    out, _ = week
    proxied = Counter((m["day"], m["hms"], m["request"].split(" ")[0], m["request"].split(" ")[1], m["status"])
                      for m in access if m["up"] != "-" and " /api/" in m["request"] and m["status"] != "504")
    gunicorn = Counter()
    for suffix in ROTATED:
        for line in _lines(out, GACCESS + suffix):
            m = GUNICORN_RE.match(line)
            gunicorn[m["day"], m["hms"], m["method"], m["target"], m["status"]] += 1
    assert gunicorn == proxied


def test_latency_tail(access):
    api = [m for m in access if m["up"] != "-" and " /api/" in m["request"]]
    for m in api:
        assert float(m["rt"]) >= sum(float(v) for v in m["up"].split(", ")) - 1e-9, m.group(0)
    slow = sum(float(m["rt"]) > 1 for m in api) / len(api)
    assert 0.008 < slow < 0.03
    assert sum(float(m["rt"]) > 5 for m in api) >= 3
    assert any(", " in m["up"] for m in api)  # nginx retried another upstream attempt

    def median(prefix: str) -> float:
        return statistics.median(float(m["up"].split(", ")[-1]) for m in api if m["request"].startswith(prefix))

    assert median("GET /api/v1/knowledge/search?") > 2 * median("GET /api/v1/knowledge/1")


def test_multiline_records_and_order(week):
    out, manifest = week
    checks = {  # file: pattern of a line that starts a record, its timestamp as group 1
        "app/app.log": APP_START,
        "gunicorn/error.log": re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \+0900\] \[\d+\] \[[A-Z]+\] "),
        "nginx/mirai-knowledge-system-error.log": re.compile(r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[[a-z]+\] \d+#\d+: "),
        "app/health_check.log": re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) - (OK|ERROR): "),
        "app/metrics.log": re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),CPU:\d+\.\d,Memory:\d+\.\d,Disk:\d+$"),
        "backups/backup.log": re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) - \S"),
    }
    for rel, pattern in checks.items():
        lines = _lines(out, rel)
        starts = [pattern.match(line) for line in lines]
        stamps = [m[1] for m in starts if m]
        assert stamps == sorted(stamps), rel
        assert starts[0], rel
        assert len(stamps) == manifest["files"][rel].get("records", len(lines)), rel
    app = _text(out / "app/app.log")
    assert app.count("\nTraceback (most recent call last):\n") == manifest["tracebacks"]["app/app.log"]
    for exc in ("KeyError: 'project_id'", "ValueError: invalid literal for int() with base 10: 'abc'",
                "psycopg2.OperationalError: could not connect to server: Connection refused",
                "ナレッジを更新しました: id=42", " DEBUG "):
        assert exc in app
    nginx_error = _lines(out, "nginx/mirai-knowledge-system-error.log")
    fastcgi = next(i for i, line in enumerate(nginx_error) if "FastCGI sent in stderr" in line)
    assert not checks["nginx/mirai-knowledge-system-error.log"].match(nginx_error[fastcgi + 1])
    assert not checks["nginx/mirai-knowledge-system-error.log"].match(nginx_error[fastcgi + 2])
    assert checks["nginx/mirai-knowledge-system-error.log"].match(nginx_error[fastcgi + 3])


def test_backups(week):
    out, _ = week
    lines = _lines(out, "backups/backup.log")
    assert sum(line.endswith("Starting daily backup") for line in lines) == 7
    assert sum(line.endswith("Daily backup completed successfully") for line in lines) == 6
    failed = [line for line in lines if "failed" in line]
    assert [line[:10] for line in failed] == ["2026-11-19"] * 2
    assert failed[0].endswith(" - ERROR: Database backup failed: pg_dump: error: connection to server failed")
    assert failed[1].endswith(" - ERROR: Daily backup failed: database dump failed")
    assert any(line.startswith("2026-11-22 03:00:01 - Starting weekly backup") for line in lines)


@pytest.mark.parametrize("days", [1, 2, 3])
def test_short_windows_and_small_scale(tmp_path, days):
    manifest = generate(tmp_path, days=days, end=date(2026, 1, 4), seed=1, scale=0.1)
    assert len(manifest["days"]) == days
    assert manifest["days"][-1] == "2026-01-04"
    rotated = sorted(rel for rel in manifest["files"] if rel.startswith(ACCESS))
    assert len(rotated) == days
    # with fewer than three days every event lands on the last day
    assert datetime.fromisoformat(manifest["burst"]["start"]) == datetime(2026, 1, 4, 14, tzinfo=JST)
    assert manifest["failed_logins"] >= 30
    for rel in manifest["files"]:
        _text(tmp_path / rel)


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="days"):
        generate(tmp_path, days=0)
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale=0)
