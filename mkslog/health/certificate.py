"""TLS certificate expiry, replacing the manual's weekly ``certbot certificates`` mail.

Connect, verify the chain and the host name, read notAfter: ``ok``, ``expiring`` (fewer than
``warn_days`` left), ``expired``, ``invalid`` (does not verify; the dates are still reported) or
``error`` (unreachable). Standard library and cryptography only: no polars.

>>> import datetime as dt
>>> CertResult("h", 443, "expired", 21, dt.datetime(2025, 1, 1, tzinfo=dt.UTC), -5).summary()
'certificate of h:443 expired on 2025-01-01 00:00:00 UTC (-5 days)'
"""

from __future__ import annotations

import datetime as dt
import math
import socket
import ssl
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import HealthError
from ..loglines import one_line
from .http_check import client_context, describe_failure


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
    context = client_context(cafile)
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
        return CertResult(host, port, "error", warn_days, reason=describe_failure(exc, host, timeout))
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
