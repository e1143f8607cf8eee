"""Health checks that replace the manual's cron'd shell scripts: an HTTP check (``health_check.sh``),
system metrics (``system_metrics.sh``) and TLS certificate expiry (the weekly ``certbot certificates``).

Standard library, psutil and cryptography only: no polars, so that cron starts it in a blink.
A service that is down, a metric over its threshold or an expiring certificate is a *result*;
:class:`~mkslog.errors.HealthError` is raised only for problems the operator must fix in the
configuration (a malformed URL, a log that cannot be written, a missing CA file ...).

The log lines keep the manual's exact formats, because the weekly report (and old ``grep`` habits)
read them back; :mod:`mkslog.loglines` defines them for the writers here and the reader alike. A line
is stamped as wall time of ``zone`` (the config's ``source_timezone``, by default the machine's zone),
the zone the reader reads it in:

>>> import datetime as dt
>>> when = dt.datetime(2025, 1, 6, 0, 30, 0, tzinfo=dt.UTC)
>>> CheckResult("http://localhost:5000/", True, code=200, elapsed_ms=12).log_line(when, "Asia/Tokyo")
'2025-01-06 09:30:00 - OK: Service is running (200, 12 ms)'
>>> CheckResult("http://localhost:5000/", False, reason="connection refused").log_line(when, "UTC")
'2025-01-06 00:30:00 - ERROR: Service is down (connection refused)'
>>> Metrics(cpu=12.5, memory=40.1, disk=63, disk_path="/", when=when).log_line("Asia/Tokyo")
'2025-01-06 09:30:00,CPU:12.5,Memory:40.1,Disk:63'
"""

from __future__ import annotations

import datetime as dt
import http.client
import math
import socket
import ssl
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import psutil

from .. import loglines
from ..errors import HealthError
from ..loglines import one_line

MAX_REDIRECTS = 5
#: Read at most this much of a response body: enough to know the answer arrived, bounded for a
#: misbehaving endpoint that streams forever.
BODY_LIMIT = 1 << 20
USER_AGENT = "mkslog-health/0.1"

_PRINTABLE_ASCII = "".join(chr(c) for c in range(0x21, 0x7F))


def timestamp(when: dt.datetime | None = None, zone: str | None = None) -> str:
    """The manual's log stamp of ``when`` (default: now) as wall time of ``zone`` (default: the
    machine's zone); a naive ``when`` is taken as that wall time already.

    >>> timestamp(dt.datetime(2025, 1, 6, 9, 30, 0))
    '2025-01-06 09:30:00'
    """
    return loglines.stamp(when, zone)


def append_line(path: str | Path, line: str) -> None:
    """Append one line to a log, creating its folder first (cron runs on fresh machines too)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise HealthError(
            f"cannot write {path}: {reason} (fix its permissions, or give another --log)"
        ) from exc


# --------------------------------------------------------------------------------------------
# HTTP check


@dataclass
class CheckResult:
    """The outcome of one HTTP check. ``reason`` says why it is down (None when healthy)."""

    url: str
    healthy: bool
    code: int | None = None
    elapsed_ms: int = 0
    reason: str | None = None
    location: str | None = None  # Location header of a redirect that was not followed
    final_url: str | None = None  # where the last request went (differs after redirects)

    @property
    def alert_key(self) -> str:
        return f"health:{self.url}"

    def log_line(self, when: dt.datetime | None = None, zone: str | None = None) -> str:
        """The health_check.log line, stamped ``when`` (default: now) in ``zone`` (default: the
        machine's); it starts with the manual's text so old greps still match."""
        ts = timestamp(when, zone)
        if self.healthy:
            return loglines.health_line(ts, True, loglines.health_timing(self.code, self.elapsed_ms))
        return loglines.health_line(ts, False, self.reason)

    def summary(self) -> str:
        """One line for the terminal and for alert subjects.

        >>> CheckResult("http://h/", False, reason="HTTP 500").summary()
        'service down: http://h/ (HTTP 500)'
        """
        if self.healthy:
            return f"service up: {self.url} ({self.code}, {self.elapsed_ms} ms)"
        return f"service down: {self.url} ({self.reason})"

    def as_dict(self) -> dict[str, Any]:
        return {"status": "up" if self.healthy else "down", **asdict(self)}


def check_url(
    url: str,
    timeout: float = 10.0,
    *,
    follow_redirects: bool = False,
    cafile: str | None = None,
) -> CheckResult:
    """GET ``url`` and say whether it answered 2xx within ``timeout`` seconds (one deadline for all).

    Any 3xx counts as down unless ``follow_redirects`` (then up to :data:`MAX_REDIRECTS` hops):
    a health endpoint that redirects usually means a login page or a misrouted proxy.
    Network failures become a down result with a short reason, never an exception:

    >>> check_url("http://127.0.0.1:9/", timeout=1).reason
    'connection refused'
    """
    _validate_url(url, "--url")
    if not timeout or timeout <= 0:
        raise HealthError(f"timeout must be a positive number of seconds, got {timeout!r}")
    context = _client_context(cafile)
    start = time.monotonic()
    deadline = start + timeout
    current = url
    # One deadline covers connect, TLS and every read; name resolution stays outside it
    # (getaddrinfo() takes no timeout in the standard library).
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            code, location = _get_once(current, deadline, context)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            reason = _describe_failure(exc, urlsplit(current).hostname or current, timeout)
            return CheckResult(url, False, elapsed_ms=_ms_since(start), reason=reason, final_url=current)
        done = CheckResult(url, 200 <= code < 300, code=code, elapsed_ms=_ms_since(start), final_url=current)
        if done.healthy:
            return done
        if 300 <= code < 400 and location:
            done.location = one_line(location)
            if not follow_redirects:
                done.reason = f"HTTP {code} redirect to {done.location}"
                return done
            current = urljoin(current, location)
            if urlsplit(current).scheme not in ("http", "https"):
                done.reason = f"HTTP {code} redirect to unsupported URL {done.location}"
                return done
            continue
        done.reason = f"HTTP {code}"
        return done
    done.reason = f"too many redirects (more than {MAX_REDIRECTS})"
    return done


def _validate_url(url: str, what: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port like :99999 or :abc)
    except ValueError as exc:
        raise HealthError(f"invalid {what} {url!r}: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HealthError(f"invalid {what} {url!r}: give a full http:// or https:// URL with a host name")


def _client_context(cafile: str | None) -> ssl.SSLContext:
    """A verifying TLS client context; ``cafile`` replaces the system's CA store."""
    try:
        return ssl.create_default_context(cafile=cafile)
    except FileNotFoundError as exc:
        raise HealthError(f"CA file not found: {cafile} (check --cafile)") from exc
    except (ssl.SSLError, OSError) as exc:
        raise HealthError(f"cannot load CA file {cafile}: {exc} (give a PEM bundle)") from exc


def _remaining(deadline: float) -> float:
    """Seconds left until the deadline; TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed")
    return left


def _get_once(url: str, deadline: float, context: ssl.SSLContext) -> tuple[int, str | None]:
    """One GET without redirects: (status code, Location header). Network errors propagate."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=_remaining(deadline), context=context
        )
    else:
        conn = http.client.HTTPConnection(host, port, timeout=_remaining(deadline))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    target = quote(target, safe=_PRINTABLE_ASCII)  # only spaces, controls and non-ASCII get escaped
    response = None
    try:
        conn.request(
            "GET", target, headers={"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
        )
        # Keep our own reference: getresponse() detaches the socket from `conn` when the server
        # closes after the response, while the response still reads from it.
        sock = conn.sock
        # The socket timeout bounds each read; resetting it to what is left turns it into one
        # deadline, so a server that trickles bytes cannot hold cron beyond --timeout.
        sock.settimeout(_remaining(deadline))
        response = conn.getresponse()
        read = 0
        while read < BODY_LIMIT and not response.isclosed():  # closed: the whole body has arrived
            sock.settimeout(_remaining(deadline))
            chunk = response.read(64 * 1024)
            if not chunk:
                break
            read += len(chunk)
        return response.status, response.getheader("Location")
    finally:
        conn.close()
        if response is not None:
            response.close()


def _describe_failure(exc: BaseException, host: str, timeout: float) -> str:
    """A short, stable reason for a network failure (order matters: the classes nest).

    >>> _describe_failure(ConnectionRefusedError(111, "Connection refused"), "h", 10)
    'connection refused'
    >>> _describe_failure(TimeoutError("timed out"), "h", 10)
    'timeout after 10.0 s'
    """
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS error: {one_line(exc.verify_message or exc.reason or exc)}"
    if isinstance(exc, ssl.SSLError):
        detail = exc.reason.replace("_", " ").lower() if exc.reason else str(exc)
        return f"TLS error: {one_line(detail)}"
    if isinstance(exc, socket.gaierror):
        return f"DNS lookup failed: {one_line(host)}"
    if isinstance(exc, TimeoutError):
        return f"timeout after {float(timeout)} s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "connection closed without response"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, http.client.IncompleteRead):
        return "connection closed mid-response"
    if isinstance(exc, http.client.HTTPException):
        return f"invalid HTTP response ({type(exc).__name__})"
    if isinstance(exc, UnicodeError):  # IDNA encoding of an impossible host name
        return f"invalid host name: {one_line(host)}"
    if isinstance(exc, OSError) and exc.strerror:
        return one_line(exc.strerror[:1].lower() + exc.strerror[1:])
    return one_line(f"{type(exc).__name__}: {exc}")


def _ms_since(start: float) -> int:
    return round((time.monotonic() - start) * 1000)


# --------------------------------------------------------------------------------------------
# System metrics


@dataclass
class Metrics:
    """CPU and memory in percent (one decimal), disk in whole percent as ``df`` prints it."""

    cpu: float
    memory: float
    disk: int
    disk_path: str
    when: dt.datetime

    def log_line(self, zone: str | None = None) -> str:
        """The metrics.log line, in the manual's exact format, stamped in ``zone`` (default: the machine's)."""
        return loglines.metrics_line(timestamp(self.when, zone), self.cpu, self.memory, self.disk)

    def values(self) -> dict[str, float | int]:
        return {"cpu": self.cpu, "memory": self.memory, "disk": self.disk}

    def shown(self, name: str) -> str:
        """A metric as the log prints it: one decimal for cpu and memory, whole percent for disk."""
        return str(self.disk) if name == "disk" else f"{getattr(self, name):.1f}"

    def summary(self, name: str, limit: float, host: str) -> str:
        """One line for the terminal and alert subjects, over or back under ``limit``.

        >>> m = Metrics(cpu=90.0, memory=40.0, disk=85, disk_path="/", when=dt.datetime(2025, 1, 1))
        >>> m.summary("cpu", 80, "web1"), m.summary("disk", 90, "web1")
        ('cpu 90.0 % over 80 % on web1', 'disk 85 % back under 90 % on web1')
        """
        relation = "over" if getattr(self, name) > limit else "back under"
        return f"{name} {self.shown(name)} % {relation} {limit:g} % on {host}"

    def breaches(self, thresholds: dict[str, float]) -> dict[str, bool]:
        """Which metrics are over their threshold (strictly above, like the manual's ``-gt``).

        >>> m = Metrics(cpu=90.0, memory=40.0, disk=85, disk_path="/", when=dt.datetime(2025, 1, 1))
        >>> m.breaches({"cpu": 80, "memory": 85, "disk": 85})
        {'cpu': True, 'memory': False, 'disk': False}
        """
        return {name: value > thresholds[name] for name, value in self.values().items()}


def collect_metrics(disk_path: str | Path = "/", cpu_interval: float = 1.0) -> Metrics:
    """Measure CPU (averaged over ``cpu_interval`` seconds), memory in use and disk use of ``disk_path``."""
    if not cpu_interval or cpu_interval <= 0:
        # psutil's non-blocking form compares with the previous call, which a fresh process lacks.
        raise HealthError(f"CPU interval must be a positive number of seconds, got {cpu_interval!r}")
    try:
        usage = psutil.disk_usage(str(disk_path))
    except OSError as exc:
        raise HealthError(
            f"cannot measure disk use of {disk_path}: {exc.strerror or exc} (check --disk-path)"
        ) from exc
    cpu = psutil.cpu_percent(interval=cpu_interval)
    # psutil's percent is (total - available) / total: memory that cache cannot give back.
    memory = psutil.virtual_memory().percent
    return Metrics(
        cpu=round(cpu, 1),
        memory=round(memory, 1),
        disk=disk_percent(usage.used, usage.free),
        disk_path=str(disk_path),
        when=dt.datetime.now(dt.UTC),  # an instant: log_line() gives its wall time in the log's zone
    )


def disk_percent(used: int, free: int) -> int:
    """Disk use as ``df`` shows it: used / (used + available to users), rounded up.

    >>> disk_percent(used=621, free=379), disk_percent(used=620, free=380), disk_percent(0, 0)
    (63, 62, 0)
    """
    total = used + free
    return -(-used * 100 // total) if total else 0


def thresholds_from(values: dict[str, Any]) -> dict[str, float]:
    """The cpu/memory/disk thresholds of a ``[thresholds]`` table, checked to be numbers."""
    result = {}
    for name in ("cpu", "memory", "disk"):
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise HealthError(
                f"thresholds.{name} must be a number of percent, got {value!r} (fix mkslog.toml)"
            )
        result[name] = float(value)
    return result


# --------------------------------------------------------------------------------------------
# TLS certificate expiry


@dataclass
class CertResult:
    """Expiry of a server's TLS certificate. ``status``: ok, expiring, expired, invalid or error."""

    host: str
    port: int
    status: str
    warn_days: int
    not_after: dt.datetime | None = None
    days_left: int | None = None  # floor of the days left: negative once expired
    reason: str | None = None  # verification or connection problem
    subject: str | None = None
    issuer: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def alert_key(self) -> str:
        return f"cert:{self.host}:{self.port}"

    def summary(self) -> str:
        """One line for the terminal and for alert subjects.

        >>> r = CertResult("h", 443, "expiring", 21, dt.datetime(2025, 1, 9, tzinfo=dt.UTC), 3)
        >>> r.summary()
        'certificate of h:443 expires in 3 days (2025-01-09 00:00:00 UTC)'
        """
        where = f"{self.host}:{self.port}"
        until = f"{self.not_after:%Y-%m-%d %H:%M:%S} UTC" if self.not_after else ""
        if self.status == "error":
            return f"cannot check certificate of {where}: {self.reason}"
        if self.status == "expired":
            return f"certificate of {where} expired on {until} ({self.days_left} days)"
        if self.status == "invalid":
            dates = f" (expires {until}, {self.days_left} days left)" if self.not_after else ""
            return f"certificate of {where} is invalid: {self.reason}{dates}"
        if self.status == "expiring":
            return f"certificate of {where} expires in {self.days_left} days ({until})"
        return f"certificate of {where} valid until {until} ({self.days_left} days left)"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_cert(
    host: str,
    port: int = 443,
    *,
    warn_days: int = 21,
    cafile: str | None = None,
    timeout: float = 10.0,
    now: dt.datetime | None = None,
) -> CertResult:
    """Connect with TLS, verify the chain and host name, and read the certificate's notAfter.

    When verification fails (an expired certificate always does), the certificate is fetched a
    second time without verification, only to report its dates next to the reason.
    """
    if not host:
        raise HealthError("no host to check: pass --host or set health.cert_host in mkslog.toml")
    if not isinstance(port, int) or not 0 < port < 65536:
        raise HealthError(f"invalid port {port!r}: give 1-65535")
    if timeout <= 0:
        raise HealthError(f"timeout must be a positive number of seconds, got {timeout!r}")
    context = _client_context(cafile)
    now = now or dt.datetime.now(dt.UTC)
    verify_error = None
    try:
        der = _fetch_cert(host, port, context, timeout)
    except ssl.SSLCertVerificationError as exc:
        verify_error = one_line(exc.verify_message or exc.reason or exc)
        try:
            der = _fetch_cert(host, port, _unverified_context(), timeout)
        except (OSError, ValueError):
            return CertResult(host, port, "invalid", warn_days, reason=verify_error)
    except (OSError, ValueError) as exc:
        return CertResult(host, port, "error", warn_days, reason=_describe_failure(exc, host, timeout))
    return _judge(der, host, port, warn_days, verify_error, now)


def _fetch_cert(host: str, port: int, context: ssl.SSLContext, timeout: float) -> bytes:
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("server sent no certificate")
    return der


def _unverified_context() -> ssl.SSLContext:
    # Only ever used to read the dates of a certificate that already failed verification.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _judge(
    der: bytes, host: str, port: int, warn_days: int, verify_error: str | None, now: dt.datetime
) -> CertResult:
    from cryptography import x509  # imported here: only `health cert` needs it

    cert = x509.load_der_x509_certificate(der)
    not_after = cert.not_valid_after_utc
    days_left = math.floor((not_after - now).total_seconds() / 86400)
    if not_after <= now:
        status = "expired"
    elif verify_error:
        status = "invalid"
    elif days_left < warn_days:
        status = "expiring"
    else:
        status = "ok"
    return CertResult(
        host,
        port,
        status,
        warn_days,
        not_after=not_after,
        days_left=days_left,
        reason=verify_error,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
    )
