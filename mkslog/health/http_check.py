"""The HTTP health check that replaces the manual's cron'd ``health_check.sh``: GET a URL, 2xx is up.

A service that is down is a *result* (:class:`CheckResult`, with a short reason), never an
exception; :class:`~mkslog.errors.HealthError` is raised only for problems the operator must fix
in the configuration (a malformed URL, a missing CA file ...). The log line keeps the manual's
exact format (:mod:`mkslog.loglines`), because the weekly report and old ``grep`` habits read it back.
Standard library only: no polars, so that cron starts it in a blink.

>>> import datetime as dt
>>> when = dt.datetime(2025, 1, 6, 0, 30, 0, tzinfo=dt.UTC)
>>> CheckResult("http://localhost:5000/", True, code=200, elapsed_ms=12).log_line(when, "Asia/Tokyo")
'2025-01-06 09:30:00 - OK: Service is running (200, 12 ms)'
>>> CheckResult("http://localhost:5000/", False, reason="connection refused").log_line(when, "UTC")
'2025-01-06 00:30:00 - ERROR: Service is down (connection refused)'
"""

from __future__ import annotations

import datetime as dt
import functools
import http.client
import io
import socket
import ssl
import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from .. import loglines
from ..errors import HealthError
from ..loglines import one_line
from .logfile import timestamp

MAX_REDIRECTS = 5
#: Read at most this much of a response body: enough to know the answer arrived, bounded for a
#: misbehaving endpoint that streams forever.
BODY_LIMIT = 1 << 20
USER_AGENT = "mkslog-health/0.1"

_PRINTABLE_ASCII = "".join(chr(c) for c in range(0x21, 0x7F))


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
    context = client_context(cafile)
    start = time.monotonic()
    deadline = start + timeout
    current = url
    # One deadline covers connect, TLS and every read; name resolution stays outside it
    # (getaddrinfo() takes no timeout in the standard library).
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            code, location = _get_once(current, deadline, context)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            reason = describe_failure(exc, urlsplit(current).hostname or current, timeout)
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


def client_context(cafile: str | None) -> ssl.SSLContext:
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
    """One GET without redirects: (status code, Location header). Network errors propagate.

    ``deadline`` (time.monotonic()) bounds the whole exchange: connect, TLS handshake, status line,
    headers and body. A socket timeout alone bounds each read, so a server trickling a byte every
    half second would hold cron for ever; here every read gets only what is left of the deadline.
    """
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port
    https = parts.scheme == "https"
    conn: http.client.HTTPConnection = (
        http.client.HTTPSConnection(host, port, context=context) if https else http.client.HTTPConnection(host, port)
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    target = quote(target, safe=_PRINTABLE_ASCII)  # only spaces, controls and non-ASCII get escaped
    response = None
    sock = socket.create_connection((host, conn.port), timeout=_remaining(deadline))
    try:
        if https:
            sock.settimeout(_remaining(deadline))  # the handshake gets what the connect left
            sock = context.wrap_socket(sock, server_hostname=host)
        conn.sock = sock  # connected here: http.client uses it as it is and never reconnects
        sock.settimeout(_remaining(deadline))
        conn.request(
            "GET", target, headers={"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
        )
        conn.response_class = functools.partial(_DeadlineResponse, deadline=deadline)
        response = conn.getresponse()
        read = 0
        while read < BODY_LIMIT:
            chunk = response.read(64 * 1024)
            if not chunk:
                break
            read += len(chunk)
        return response.status, response.getheader("Location")
    finally:
        if response is not None:
            response.close()
        conn.close()
        sock.close()


class _DeadlineReader(io.RawIOBase):
    """A socket's raw stream whose every read waits at most until the deadline."""

    def __init__(self, sock: socket.socket, raw: io.RawIOBase, deadline: float):
        self.sock, self.raw, self.deadline = sock, raw, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.sock.settimeout(_remaining(self.deadline))
        return self.raw.readinto(buffer)

    def close(self) -> None:
        self.raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """An HTTP response that reads its status line, headers and body through a :class:`_DeadlineReader`."""

    def __init__(self, sock: socket.socket, *args: Any, deadline: float, **kwargs: Any):
        super().__init__(sock, *args, **kwargs)
        # Keep the socket file HTTPResponse opened (it keeps the descriptor alive when getresponse()
        # closes the connection after a "Connection: close" answer); only put the deadline in front.
        self.fp = io.BufferedReader(_DeadlineReader(sock, self.fp.detach(), deadline))


def describe_failure(exc: BaseException, host: str, timeout: float) -> str:
    """A short, stable reason for a network failure (order matters: the classes nest).

    >>> describe_failure(ConnectionRefusedError(111, "Connection refused"), "h", 10)
    'connection refused'
    >>> describe_failure(TimeoutError("timed out"), "h", 10)
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
