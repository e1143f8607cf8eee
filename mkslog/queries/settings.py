"""The query parameters that come from mkslog.toml, read in one place so the CLI commands, the
report and a notebook use the same thresholds (``[thresholds]``) and the same login endpoint
(``[queries] login_path``).

>>> suspect_limits({"thresholds": {"suspect_4xx_ratio": 0.8}})["ratio_4xx"]
0.8
>>> login_path({}), slow_ms({})
('/api/v1/auth/login', 1000.0)
"""

from __future__ import annotations

from ..config import as_config
from .common import LOGIN_PATH


def threshold(config, name: str) -> float:
    """A ``[thresholds]`` value (``cpu``, ``memory``, ``disk``, ``slow_ms``, ``suspect_*``)."""
    return float(as_config(config).get(f"thresholds.{name}"))


def login_path(config) -> str:
    """The application's login endpoint (``[queries] login_path``)."""
    return as_config(config).get("queries.login_path") or LOGIN_PATH


def slow_ms(config) -> float:
    """How slow a request must be to count as slow, in milliseconds (``[thresholds] slow_ms``)."""
    return threshold(config, "slow_ms")


def suspect_limits(config) -> dict[str, float | int | str]:
    """The keyword arguments of :func:`mkslog.queries.suspicious_ips` from the config."""
    return {
        "requests_per_hour": threshold(config, "suspect_requests_per_hour"),
        "ratio_4xx": threshold(config, "suspect_4xx_ratio"),
        "login_failures": threshold(config, "suspect_login_failures"),
        "min_requests": int(threshold(config, "suspect_min_requests")),
        "login_path": login_path(config),
    }


def resource_limits(config) -> dict[str, float]:
    """The ``[thresholds]`` of cpu, memory and disk in percent (the manual's 80 / 85 / 85)."""
    return {m: threshold(config, m) for m in ("cpu", "memory", "disk")}


__all__ = ["login_path", "resource_limits", "slow_ms", "suspect_limits", "threshold"]
