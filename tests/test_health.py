"""Tests of mkslog.health (http_check, metrics, certificate, alerts) and `mkslog health ...` against real servers:
an HTTP server and TLS servers (trustme certificates) in threads, and an aiosmtpd SMTP server.
Nothing under test is mocked; the quiet period is driven through the state file, not the clock.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from smtp_support import (
    Collector,
    free_port,
    smtp_sink,  # noqa: F401 (registers the fixture `smtp` here)
)

from mkslog.cli.main import main
from mkslog.health.alerts import AlertSettings, notify, read_state
from mkslog.health.certificate import check_cert
from mkslog.health.http_check import check_url
from mkslog.health.metrics import disk_percent

TS = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"

# --------------------------------------------------------------------------------------------
# servers


class Handler(BaseHTTPRequestHandler):
    """Paths: /ok 200, /fail 500, /redirect 302 -> /ok, /loop 302 -> /loop, /slow sleeps 1.5 s,
    /close closes without a response, /toggle answers the server's ``toggle_status``."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/close":
            self.close_connection = True
            return
        if self.path == "/slow":
            time.sleep(1.5)
        status, location = {
            "/ok": (200, None),
            "/slow": (200, None),
            "/fail": (500, None),
            "/redirect": (302, "/ok"),
            "/loop": (302, "/loop"),
            "/toggle": (getattr(self.server, "toggle_status", 200), None),
        }.get(self.path, (404, None))
        body = f"status {status}\n".encode()
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # Clients that give up (timeouts, rejected certificates) break pipes on purpose.
        pass


class TLSServer(QuietServer):
    """The same handler over TLS; the handshake runs in the request's thread."""

    def __init__(self, context: ssl.SSLContext):
        super().__init__(("127.0.0.1", 0), Handler)
        self.context = context

    def finish_request(self, request, client_address) -> None:
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except OSError:  # the client rejected the certificate: expected in these tests
            return
        with tls:
            self.RequestHandlerClass(tls, client_address, self)


def serve(server: ThreadingHTTPServer):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server



@pytest.fixture(scope="module")
def http_server():
    server = serve(QuietServer(("127.0.0.1", 0), Handler))
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """Three TLS servers for 127.0.0.1, certificates by one trustme CA: valid 90 days, 3 days, expired."""
    ca = trustme.CA()
    cafile = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    now = dt.datetime.now(dt.UTC)
    # Half days keep the floor of "days left" away from a boundary while the test runs.
    lifetimes = {
        "valid": dt.timedelta(days=90, hours=12),
        "expiring": dt.timedelta(days=3, hours=12),
        "expired": -dt.timedelta(days=9, hours=12),
    }
    servers = {}
    for name, left in lifetimes.items():
        leaf = ca.issue_cert("127.0.0.1", not_before=now - dt.timedelta(days=30), not_after=now + left)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(context)
        servers[name] = serve(TLSServer(context))
    yield {"cafile": str(cafile), **{name: s.server_address[1] for name, s in servers.items()}}
    for server in servers.values():
        server.shutdown()
        server.server_close()




def write_config(
    folder: Path, *, smtp_port: int | None = None, quiet: float = 60, thresholds=None, alerts: str = ""
) -> Path:
    """A mkslog.toml whose logs and state live in ``folder`` (relative paths resolve against it)."""
    text = f"""
[health]
log = "logs/health_check.log"
metrics_log = "logs/metrics.log"
alert_log = "logs/alerts.log"
state_file = "state/alerts.json"
quiet_minutes = {quiet}
"""
    if thresholds is not None:
        text += "[thresholds]\n" + "".join(f"{k} = {v}\n" for k, v in thresholds.items())
    if smtp_port is not None:
        text += f"""
[alerts]
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
from = "mkslog@test.example"
to = ["ops@example.com", "oncall@example.com"]
{alerts}
"""
    path = folder / "mkslog.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str):
    """Invoke the CLI in-process; it must exit through click, never with a traceback."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# --------------------------------------------------------------------------------------------
# the module stays light


def test_health_modules_do_not_import_polars():
    # cron starts `health check` every 5 minutes: it must not pay for polars. This also needs
    # mkslog/__init__.py to load its polars-based API lazily.
    code = (
        "import sys, mkslog.health.http_check, mkslog.health.metrics, mkslog.health.certificate, "
        "mkslog.health.alerts, mkslog.health.logfile, mkslog.cli.health; "
        "print(sorted(m for m in sys.modules if m == 'polars' or m.startswith('mkslog')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "'polars'" not in out.stdout, f"polars loaded; mkslog modules loaded: {out.stdout}"


# --------------------------------------------------------------------------------------------
# health check


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/fail", "HTTP 500"),
        ("/redirect", "HTTP 302 redirect to /ok"),
        ("/close", "connection closed without response"),
        ("/missing", "HTTP 404"),
    ],
)
def test_check_down_writes_manual_error_line(http_server, tmp_path, path, reason):
    cfg = write_config(tmp_path)
    url = http_server.base + path
    result = run("health", "check", "--url", url, "--config", str(cfg))
    assert result.exit_code == 1
    assert (
        result.output
        == f"DOWN: service down: {url} ({reason})\nalert logged: service down: {url} ({reason})\n"
    )
    [line] = read_lines(tmp_path / "logs/health_check.log")
    assert re.fullmatch(rf"{TS} - ERROR: Service is down \({re.escape(reason)}\)", line)
    [alert] = read_lines(tmp_path / "logs/alerts.log")
    assert re.fullmatch(rf"{TS} - ALERT: service down: {re.escape(url)} \({re.escape(reason)}\)", alert)


def test_check_ok_writes_manual_ok_line(http_server, tmp_path):
    cfg = write_config(tmp_path)
    url = http_server.base + "/ok"
    result = run("health", "check", "--url", url, "--config", str(cfg))
    assert result.exit_code == 0
    assert re.fullmatch(rf"OK: service up: {re.escape(url)} \(200, \d+ ms\)\n", result.output)
    [line] = read_lines(tmp_path / "logs/health_check.log")
    assert re.fullmatch(rf"{TS} - OK: Service is running \(200, \d+ ms\)", line)
    assert not (tmp_path / "logs/alerts.log").exists()  # healthy and never alerted: nothing to say


def test_check_appends_and_creates_log_folder(http_server, tmp_path):
    cfg = write_config(tmp_path)
    log = tmp_path / "new" / "deeper" / "health_check.log"
    for path in ("/ok", "/fail", "/ok"):
        run("health", "check", "--url", http_server.base + path, "--log", str(log), "--config", str(cfg))
    lines = read_lines(log)
    assert [line[20:] for line in lines][1] == "- ERROR: Service is down (HTTP 500)"
    assert [
        bool(re.fullmatch(rf"{TS} - OK: Service is running \(200, \d+ ms\)", line)) for line in lines
    ] == [
        True,
        False,
        True,
    ]


def test_check_follows_redirects_only_when_asked(http_server, tmp_path):
    cfg = write_config(tmp_path)
    url = http_server.base + "/redirect"
    result = run("health", "check", "--url", url, "--follow-redirects", "--json", "--config", str(cfg))
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert (doc["status"], doc["healthy"], doc["code"], doc["final_url"]) == (
        "up",
        True,
        200,
        http_server.base + "/ok",
    )
    loop = check_url(http_server.base + "/loop", 5, follow_redirects=True)
    assert (loop.healthy, loop.reason) == (False, "too many redirects (more than 5)")


def test_check_timeout(http_server, tmp_path):
    cfg = write_config(tmp_path)
    started = time.monotonic()
    result = run(
        "health",
        "check",
        "--url",
        http_server.base + "/slow",
        "--timeout",
        "0.5",
        "--json",
        "--config",
        str(cfg),
    )
    assert time.monotonic() - started < 1.4
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert (doc["status"], doc["code"], doc["reason"]) == ("down", None, "timeout after 0.5 s")
    assert 450 <= doc["elapsed_ms"] < 1400
    assert doc["log_line"].endswith(" - ERROR: Service is down (timeout after 0.5 s)")
    assert read_lines(tmp_path / "logs/health_check.log") == [doc["log_line"]]


def test_check_connection_refused_and_dns_failure(tmp_path):
    cfg = write_config(tmp_path)
    refused = f"http://127.0.0.1:{free_port()}/health"
    assert run("health", "check", "--url", refused, "--config", str(cfg)).exit_code == 1
    assert (
        run("health", "check", "--url", "http://no-such-host.invalid/", "--config", str(cfg)).exit_code == 1
    )
    lines = read_lines(tmp_path / "logs/health_check.log")
    assert [line[19:] for line in lines] == [
        " - ERROR: Service is down (connection refused)",
        " - ERROR: Service is down (DNS lookup failed: no-such-host.invalid)",
    ]


def test_check_https(tls, tmp_path):
    cfg = write_config(tmp_path)
    url = f"https://127.0.0.1:{tls['valid']}/ok"
    good = run("health", "check", "--url", url, "--cafile", tls["cafile"], "--json", "--config", str(cfg))
    assert (good.exit_code, json.loads(good.stdout)["code"]) == (0, 200)
    # Without the test CA the system store cannot verify the chain.
    untrusted = check_url(url, 5)
    assert untrusted.reason == "TLS error: unable to get local issuer certificate"
    expired = check_url(f"https://127.0.0.1:{tls['expired']}/ok", 5, cafile=tls["cafile"])
    assert expired.reason == "TLS error: certificate has expired"


def test_check_https_against_plain_http_is_a_tls_error(http_server):
    result = check_url(http_server.base.replace("http:", "https:") + "/ok", 5)
    assert not result.healthy
    assert result.reason.startswith("TLS error: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--url", "ftp://example.com/"],
            "Error: invalid --url 'ftp://example.com/': give a full http:// or https:// URL with a host name\n",
        ),
        (["--url", "http://h:99999/"], "Error: invalid --url 'http://h:99999/': Port out of range 0-65535\n"),
        (
            ["--url", "http://h/", "--timeout", "0"],
            "Error: timeout must be a positive number of seconds, got 0.0\n",
        ),
        (
            ["--url", "http://h/", "--cafile", "/nonexistent/ca.pem"],
            "Error: CA file not found: /nonexistent/ca.pem (check --cafile)\n",
        ),
    ],
)
def test_check_configuration_errors(tmp_path, args, message):
    result = run("health", "check", *args, "--config", str(write_config(tmp_path)))
    assert (result.exit_code, result.stderr) == (1, message)
    assert not (tmp_path / "logs").exists()


def test_check_unwritable_log_is_a_clear_error(http_server, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    log = blocker / "health_check.log"
    result = run(
        "health",
        "check",
        "--url",
        http_server.base + "/ok",
        "--log",
        str(log),
        "--config",
        str(write_config(tmp_path)),
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot write {log}: ")
    assert result.stderr.endswith("(fix its permissions, or give another --log)\n")


# --------------------------------------------------------------------------------------------
# alerts by mail


def test_alert_mail_quiet_period_and_resolution(http_server, smtp, tmp_path):
    collector, port = smtp
    cfg = write_config(tmp_path, smtp_port=port, quiet=30)
    url = http_server.base + "/toggle"
    http_server.toggle_status = 503
    try:
        first = run("health", "check", "--url", url, "--config", str(cfg))
        assert first.exit_code == 1
        assert first.output.splitlines()[1] == (
            f"alert mailed to ops@example.com, oncall@example.com: service down: {url} (HTTP 503)"
        )
        [msg] = collector.messages
        assert msg["Subject"] == f"ALERT: service down: {url} (HTTP 503)"
        assert (msg["From"], msg["To"]) == ("mkslog@test.example", "ops@example.com, oncall@example.com")
        assert collector.envelopes[0].rcpt_tos == ["ops@example.com", "oncall@example.com"]
        body = msg.get_content().replace("\r\n", "\n")  # SMTP line endings
        assert body.startswith(f"service down: {url} (HTTP 503)\n\nhost: {socket.gethostname()}\n")
        assert "\ncode: 503\n" in body and "\nreason: HTTP 503\n" in body

        # Within the quiet period: logged as down, but no second mail and no second alert line.
        second = run("health", "check", "--url", url, "--json", "--config", str(cfg))
        alert = json.loads(second.stdout)["alert"]
        assert (alert["suppressed"], alert["sent"], alert["mailed_to"]) == (True, False, [])
        assert len(collector.messages) == 1

        # Age the state file's record past the quiet period: the alert goes out again.
        state_file = tmp_path / "state/alerts.json"
        state = json.loads(state_file.read_text())
        old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
        state["alerts"][f"health:{url}"]["last_sent"] = old.isoformat()
        state_file.write_text(json.dumps(state))
        assert run("health", "check", "--url", url, "--config", str(cfg)).exit_code == 1
        assert len(collector.messages) == 2

        # Healthy again: one RESOLVED mail at once; the key is kept, as up, for its quiet period
        # (a flap within it is counted, not mailed: test_health_alerts.py).
        http_server.toggle_status = 200
        up = run("health", "check", "--url", url, "--config", str(cfg))
        assert up.exit_code == 0
        assert collector.messages[2]["Subject"].startswith(f"RESOLVED: service up: {url} (200, ")
        entry = read_state(state_file)["alerts"][f"health:{url}"]
        assert (entry["state"], entry["notified"], entry["changes"]) == ("up", "up", 0)
        assert len(run("health", "check", "--url", url, "--config", str(cfg)).output.splitlines()) == 1
        assert len(collector.messages) == 3
    finally:
        http_server.toggle_status = 200

    alert_lines = [line[19:] for line in read_lines(tmp_path / "logs/alerts.log")]
    assert [line.split(":")[0] for line in alert_lines] == [" - ALERT", " - ALERT", " - RESOLVED"]
    assert len(read_lines(tmp_path / "logs/health_check.log")) == 5


def test_smtp_failure_does_not_crash_the_check(http_server, tmp_path):
    dead = free_port()
    cfg = write_config(tmp_path, smtp_port=dead)
    url = http_server.base + "/fail"
    result = run("health", "check", "--url", url, "--json", "--config", str(cfg))
    assert result.exit_code == 1  # the service's state decides the exit code, not the mail
    alert = json.loads(result.stdout)["alert"]
    expected = f"mail to ops@example.com, oncall@example.com via 127.0.0.1:{dead} failed: Connection refused"
    assert (alert["mail_error"], alert["sent"], alert["logged"]) == (expected, False, True)
    assert result.stderr == f"Warning: {expected}\n"
    # Not recorded as sent: the next run tries the mail again instead of staying quiet.
    assert read_state(tmp_path / "state/alerts.json")["alerts"] == {}


def test_smtp_login_reads_password_from_environment(http_server, tmp_path, monkeypatch):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    collector = Collector()
    controller = Controller(
        collector, hostname="127.0.0.1", port=free_port(), authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        extra = 'username = "mkslog"\npassword_env = "TEST_MKSLOG_SMTP_PW"'
        cfg = write_config(tmp_path, smtp_port=controller.port, alerts=extra)
        url = http_server.base + "/fail"
        monkeypatch.delenv("TEST_MKSLOG_SMTP_PW", raising=False)
        unset = run("health", "check", "--url", url, "--config", str(cfg))
        assert "but $TEST_MKSLOG_SMTP_PW is not" in unset.stderr
        monkeypatch.setenv("TEST_MKSLOG_SMTP_PW", "s3cret")
        assert run("health", "check", "--url", url, "--config", str(cfg)).stderr == ""
        assert seen == [(b"mkslog", b"s3cret")]
        assert len(collector.messages) == 1
    finally:
        controller.stop()


def test_damaged_state_file_counts_as_empty(tmp_path):
    state_file = tmp_path / "state.json"
    state_file.write_text("{not json")
    settings = AlertSettings(
        alert_log=str(tmp_path / "alerts.log"), state_file=str(state_file), quiet_minutes=60
    )
    outcome = notify(settings, "metrics:cpu", failing=True, subject="cpu 99 % over 80 %", body="")
    assert outcome.sent and not outcome.suppressed
    assert list(read_state(state_file)["alerts"]) == ["metrics:cpu"]
    again = notify(settings, "metrics:cpu", failing=True, subject="cpu 99 % over 80 %", body="")
    assert again.suppressed
    assert len(read_lines(tmp_path / "alerts.log")) == 1


def test_alert_configuration_errors(tmp_path):
    cfg = tmp_path / "mkslog.toml"
    cfg.write_text('[alerts]\nsmtp_host = "mail.example.com"\n', encoding="utf-8")
    result = run("health", "check", "--url", "http://h/", "--config", str(cfg))
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: alerts.smtp_host is set but alerts.to is empty: list the recipients in mkslog.toml\n",
    )


# --------------------------------------------------------------------------------------------
# metrics


METRICS_LINE = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,CPU:\d+\.\d,Memory:\d+\.\d,Disk:\d+$"


def test_metrics_line_in_manual_format(tmp_path):
    cfg = write_config(tmp_path, thresholds={"cpu": 100, "memory": 100, "disk": 100})
    result = run(
        "health", "metrics", "--cpu-interval", "0.1", "--disk-path", str(tmp_path), "--config", str(cfg)
    )
    assert result.exit_code == 0
    [line] = read_lines(tmp_path / "logs/metrics.log")
    assert re.match(METRICS_LINE, line)
    cpu, memory, disk = (field.split(":")[1] for field in line.split(",")[1:])
    assert result.output == (
        f"cpu    {cpu:>6} %  (threshold 100 %)\n"
        f"memory {memory:>6} %  (threshold 100 %)\n"
        f"disk   {disk:>6} %  (threshold 100 %, {tmp_path})\n"
    )


def test_metrics_over_thresholds_exit_1_and_alert(smtp, tmp_path):
    collector, port = smtp
    cfg = write_config(tmp_path, smtp_port=port, thresholds={"cpu": 0, "memory": 0, "disk": 0})
    result = run(
        "health",
        "metrics",
        "--cpu-interval",
        "0.1",
        "--disk-path",
        str(tmp_path),
        "--json",
        "--config",
        str(cfg),
    )
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["status"] == "over"
    assert doc["thresholds"] == {"cpu": 0.0, "memory": 0.0, "disk": 0.0}
    # Memory and disk in use are always above 0 %; an idle CPU may really measure 0.0 %.
    assert {"memory", f"disk:{tmp_path}"} <= set(doc["over"])
    assert re.match(METRICS_LINE, doc["log_line"])
    assert read_lines(tmp_path / "logs/metrics.log") == [doc["log_line"]]
    host = socket.gethostname()
    subjects = sorted(m["Subject"] for m in collector.messages)
    assert len(subjects) == len(doc["over"])
    assert f"ALERT: memory {doc['memory']:.1f} % over 0 % on {host}" in subjects
    assert f"ALERT: disk {doc['disk']} % over 0 % on {host} ({tmp_path})" in subjects
    assert [a["key"] for a in doc["alerts"]] == [f"metrics:{name}" for name in doc["over"]]
    alert_lines = read_lines(tmp_path / "logs/alerts.log")
    assert any(
        re.fullmatch(rf"{TS} - ALERT: disk \d+ % over 0 % on {re.escape(host)} \({re.escape(str(tmp_path))}\)", a)
        for a in alert_lines
    )


def test_metrics_checks_every_disk_path_given_each_with_its_threshold(smtp, tmp_path):
    """--disk-path twice checks both (it used to keep the last); [health.disk_thresholds] sets one mount's
    threshold, the others take thresholds.disk; one alert per disk over its own threshold."""
    collector, port = smtp
    logs = tmp_path / "logs"
    logs.mkdir()
    cfg = write_config(tmp_path, smtp_port=port, thresholds={"cpu": 100, "memory": 100, "disk": 100})
    with open(cfg, "a") as fh:
        fh.write(f'\n[health.disk_thresholds]\n"{logs}" = 0\n')
    result = run("health", "metrics", "--cpu-interval", "0.1", "--disk-path", str(tmp_path), "--disk-path",
                 str(logs), "--json", "--config", str(cfg))
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert [(d["path"], d["threshold"], d["over"]) for d in doc["disks"]] == [
        (str(tmp_path), 100.0, False), (str(logs), 0.0, True)]
    assert doc["over"] == [f"disk:{logs}"]
    assert [a["key"] for a in doc["alerts"]] == [f"metrics:disk:{logs}"]
    assert [m["Subject"] for m in collector.messages] == [
        f"ALERT: disk {doc['disks'][1]['percent']} % over 0 % on {socket.gethostname()} ({logs})"]


def test_metrics_without_disk_path_checks_every_mounted_real_filesystem(tmp_path):
    import psutil

    cfg = write_config(tmp_path, thresholds={"cpu": 100, "memory": 100, "disk": 100})
    result = run("health", "metrics", "--cpu-interval", "0.1", "--json", "--config", str(cfg))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    real = sorted({p.mountpoint for p in psutil.disk_partitions() if p.device.startswith("/dev/")
                   and p.fstype not in ("squashfs", "iso9660", "udf", "erofs")} or {"/"})
    assert sorted(d["mount"] for d in doc["disks"]) == real
    usage = {d["mount"]: d["percent"] for d in doc["disks"]}
    assert doc["disk"] == max(usage.values())  # metrics.log records the fullest
    for mount, percent in usage.items():
        du = psutil.disk_usage(mount)
        assert abs(percent - disk_percent(du.used, du.free)) <= 1


def test_metrics_bad_disk_path(tmp_path):
    missing = tmp_path / "nope"
    result = run(
        "health",
        "metrics",
        "--cpu-interval",
        "0.1",
        "--disk-path",
        str(missing),
        "--config",
        str(write_config(tmp_path)),
    )
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: cannot measure disk use of {missing}: No such file or directory (check --disk-path)\n",
    )


def test_disk_percent_rounds_up_like_df():
    assert [disk_percent(621, 379), disk_percent(620, 380), disk_percent(1, 999), disk_percent(0, 10)] == [
        63,
        62,
        1,
        0,
    ]


# --------------------------------------------------------------------------------------------
# certificates


def run_cert(tls, tmp_path, which: str, *extra: str):
    """`health cert` against the test TLS server holding the ``which`` certificate, trusting the test CA."""
    cfg = write_config(tmp_path)
    return run("health", "cert", "--host", "127.0.0.1", "--port", str(tls[which]), "--cafile", tls["cafile"],
               "--config", str(cfg), *extra)


def test_cert_valid(tls, tmp_path):
    port = tls["valid"]
    result = run_cert(tls, tmp_path, "valid")
    assert result.exit_code == 0
    assert re.fullmatch(
        rf"OK: certificate of 127\.0\.0\.1:{port} valid until {TS} UTC \(90 days left\)\n", result.output
    )


def test_cert_expiring_within_warn_days(tls, tmp_path):
    port = tls["expiring"]
    result = run_cert(tls, tmp_path, "expiring")
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert re.fullmatch(
        rf"EXPIRING: certificate of 127\.0\.0\.1:{port} expires in 3 days \({TS} UTC\)", first
    )
    assert result.output.splitlines()[1] == "alert logged: " + first.removeprefix("EXPIRING: ")
    # Three days are fine when the operator only wants to hear about the last two.
    assert run_cert(tls, tmp_path, "expiring", "--warn-days", "2").exit_code == 0


def test_cert_expired_reports_date_and_negative_days(tls, tmp_path):
    port = tls["expired"]
    result = run_cert(tls, tmp_path, "expired", "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert (doc["status"], doc["days_left"], doc["reason"]) == ("expired", -10, "certificate has expired")
    not_after = dt.datetime.fromisoformat(doc["not_after"])
    assert dt.timedelta(days=9) < dt.datetime.now(dt.UTC) - not_after < dt.timedelta(days=10)
    assert (
        doc["alert"]["subject"]
        == f"certificate of 127.0.0.1:{port} expired on {not_after:%Y-%m-%d %H:%M:%S} UTC (-10 days)"
    )


def test_cert_invalid_and_unreachable(tls):
    # The certificate names 127.0.0.1, not localhost: verification fails, the dates are still read.
    mismatch = check_cert("localhost", tls["valid"], cafile=tls["cafile"], timeout=5)
    assert (mismatch.status, mismatch.days_left) == ("invalid", 90)
    assert mismatch.reason == "Hostname mismatch, certificate is not valid for 'localhost'."
    untrusted = check_cert("127.0.0.1", tls["valid"], timeout=5)
    assert (untrusted.status, untrusted.reason) == ("invalid", "unable to get local issuer certificate")
    refused = check_cert("127.0.0.1", free_port(), timeout=5)
    assert (refused.status, refused.reason, refused.not_after) == ("error", "connection refused", None)


def test_cert_needs_a_host(tmp_path):
    result = run("health", "cert", "--config", str(write_config(tmp_path)))
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: no host to check: pass --host or set health.cert_host in mkslog.toml\n",
    )


def test_every_health_command_has_help():
    for command in ("check", "metrics", "cert"):
        result = run("health", command, "--help")
        assert result.exit_code == 0
        assert "--as" in result.output and "--config" in result.output


# --------------------------------------------------------------------------------------------
# the weekly report reads these logs back with mkslog's own parsers


def test_check_log_parses_back_with_the_health_parser(http_server, tmp_path):
    import mkslog

    cfg = write_config(tmp_path)
    log = tmp_path / "health_check.log"
    for path in ("/ok", "/fail", "/close"):
        run("health", "check", "--url", http_server.base + path, "--log", str(log), "--config", str(cfg))
    stats = mkslog.ParseStats()
    df = mkslog.read(str(log), kind="health", source_tz="Asia/Tokyo", stats=stats)
    assert stats.total.rejected == 0
    assert df["ok"].to_list() == [True, False, False]
    assert df["status_code"].to_list()[0] == 200
    assert df["reason"].to_list()[1:] == ["HTTP 500", "connection closed without response"]


def test_metrics_log_parses_back_with_the_metrics_parser(tmp_path):
    import mkslog

    cfg = write_config(tmp_path)
    log = tmp_path / "metrics.log"
    result = run("health", "metrics", "--log", str(log), "--config", str(cfg), "--json")
    measured = json.loads(result.output)
    stats = mkslog.ParseStats()
    df = mkslog.read(str(log), kind="metrics", source_tz="Asia/Tokyo", stats=stats)
    assert stats.total.rejected == 0 and len(df) == 1
    row = df.row(0, named=True)
    assert (row["cpu"], row["memory"], row["disk"]) == (
        round(measured["cpu"], 1), round(measured["memory"], 1), float(measured["disk"]))
