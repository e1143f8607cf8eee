"""mkslog.report.incident: the application errors that belong to one client address."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from mkslog.report.incident import app_errors_near

IP = "203.0.113.23"


def test_errors_that_name_the_address_or_come_near_its_5xx():
    # modelled on the sample week's Flask app log and nginx access log around a database outage
    t = datetime(2026, 11, 18, 14, 0)
    app = pl.LazyFrame({
        "ts": [t.replace(second=5), t.replace(second=40), t.replace(minute=5), t.replace(minute=30)],
        "level": ["ERROR", "ERROR", "WARNING", "CRITICAL"],
        "logger": ["app_v2.db", "app_v2.api", "app_v2.auth", "app_v2.api"],
        "message": ["OperationalError: server closed the connection", f"rate limit hit by {IP}",
                    f"Invalid username or password: ip={IP}", "worker restarted"],
    })
    access = pl.LazyFrame({"ts": [t, t.replace(minute=10)], "remote_addr": [IP, "198.51.100.7"],
                           "status": [502, 500]})
    found = app_errors_near(app, access, IP, window="1m")
    # the warning names the address but is below ERROR; the critical one is near another client's 5xx only
    assert found.select("logger", "match").rows() == [("app_v2.db", "near a 5xx"), ("app_v2.api", "mentions ip")]
