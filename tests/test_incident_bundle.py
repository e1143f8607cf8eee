"""``mkslog incident collect`` (issue 18 item 4, first half) on the sample logs (sample_logs/ with
mkslog.example.toml): the bundle holds exactly the raw lines of the window, counted here with the
standard library alone (gzip, re, datetime), its checksums verify and its files are read-only.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import stat
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from mkslog.cli import main
from mkslog.incident_bundle import verify_bundle

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "mkslog.example.toml"
TOKYO = ZoneInfo("Asia/Tokyo")
SINCE, UNTIL = datetime(2026, 11, 18, 13, 55, tzinfo=TOKYO), datetime(2026, 11, 18, 14, 30, tzinfo=TOKYO)
ACCESS_TS = re.compile(rb"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]")
LOCAL_TS = re.compile(rb"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")

pytestmark = pytest.mark.skipif(not (ROOT / "sample_logs" / "app").is_dir(), reason="sample logs not generated")


def _raw_lines(pattern: str) -> list[bytes]:
    lines = []
    for path in sorted(ROOT.glob(pattern)):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        lines += data.splitlines(keepends=True)
    return lines


def _access_window(pattern: str, ip: str | None = None) -> list[bytes]:
    out = []
    for line in _raw_lines(pattern):
        m = ACCESS_TS.search(line)
        ts = datetime.strptime(m.group(1).decode(), "%d/%b/%Y:%H:%M:%S %z") if m else None
        if ts and SINCE <= ts < UNTIL and (ip is None or line.split(b" ", 1)[0] == ip.encode()):
            out.append(line)
    return out


def _local_window(pattern: str) -> list[bytes]:
    """Lines of records stamped in local time: a record's continuation lines go with its first line."""
    out, inside = [], False
    for line in _raw_lines(pattern):
        m = LOCAL_TS.match(line)
        if m:
            inside = SINCE <= datetime.strptime(m.group(1).decode(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=TOKYO) < UNTIL
        if inside:
            out.append(line)
    return out


def _collect(out: Path, *extra: str):
    return CliRunner().invoke(main, ["incident", "collect", "--since", "2026-11-18 13:55", "--until",
                                     "2026-11-18 14:30", "--config", str(CONFIG), "--out", str(out), *extra])


def _bundle_lines(bundle: Path, log: str) -> list[bytes]:
    return [line for f in sorted((bundle / "logs" / log).iterdir()) for line in f.read_bytes().splitlines(True)]


@pytest.fixture
def out(tmp_path):
    yield tmp_path
    for folder, _, _ in os.walk(tmp_path):  # the bundle is read-only: let pytest remove it
        os.chmod(folder, 0o755)


def test_the_bundle_holds_exactly_the_lines_of_the_window(out):
    result = _collect(out)
    assert result.exit_code == 0, result.output
    bundle = out / "incident-20261118-1355"
    assert sorted(_bundle_lines(bundle, "access")) == sorted(_access_window("sample_logs/nginx/*access.log*"))
    assert sorted(_bundle_lines(bundle, "gunicorn-access")) == sorted(_access_window("sample_logs/gunicorn/access.log*"))
    for log, pattern in (("app", "sample_logs/app/app.log*"), ("metrics", "sample_logs/app/metrics.log*"),
                         ("health", "sample_logs/app/health_check.log*")):
        expected = _local_window(pattern)
        assert _bundle_lines(bundle, log) == expected and expected, log
    manifest = json.loads((bundle / "MANIFEST.json").read_text())
    assert (manifest["since"], manifest["until"]) == (SINCE.isoformat(), UNTIL.isoformat())
    listed = {f["path"] for f in manifest["files"]}
    assert {"timeline.csv", "summary.json"} <= listed
    on_disk = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()} - {"MANIFEST.json"}
    assert on_disk == listed
    for entry in manifest["files"]:  # checksums verify, recomputed here; every file read-only
        path = bundle / entry["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert stat.S_IMODE((bundle / "MANIFEST.json").stat().st_mode) == 0o444
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o555
    assert verify_bundle(bundle) == []
    summary = json.loads((bundle / "summary.json").read_text())
    assert summary["requests"] == len(_access_window("sample_logs/nginx/*access.log*"))
    assert f"{len(manifest['files'])} files" in result.output


def test_ip_keeps_that_clients_access_lines_and_a_second_run_keeps_the_first_bundle(out):
    result = _collect(out, "--ip", "10.1.0.6")
    assert result.exit_code == 0, result.output
    bundle = out / "incident-20261118-1355-10.1.0.6"
    expected = _access_window("sample_logs/nginx/*access.log*", "10.1.0.6")
    assert _bundle_lines(bundle, "access") == sorted(expected, key=expected.index) and expected
    assert json.loads((bundle / "MANIFEST.json").read_text())["ip"] == "10.1.0.6"
    again = _collect(out, "--ip", "10.1.0.6")
    assert again.exit_code == 1 and "exists already" in again.output and "Traceback" not in again.output
    assert verify_bundle(bundle) == []


def test_a_changed_file_fails_verification(out):
    assert _collect(out).exit_code == 0
    bundle = out / "incident-20261118-1355"
    target = bundle / "logs" / "app" / "app.log"
    os.chmod(target.parent, 0o755)
    os.chmod(target, 0o644)
    target.write_bytes(target.read_bytes() + b"tampered\n")
    assert verify_bundle(bundle) == ["logs/app/app.log"]


def test_the_window_must_be_closed(out):
    result = CliRunner().invoke(main, ["incident", "collect", "--since", "2026-11-18 13:55", "--config", str(CONFIG),
                                       "--out", str(out)])
    assert result.exit_code == 2 and "--until" in result.output
