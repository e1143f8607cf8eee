"""mkslog.toml: log paths, formats, timezones, thresholds, backup and health settings.

Standard library only, so that ``mkslog.backup.create`` and ``mkslog.health.checks`` can use it without polars.
Every value has a default (the operations manual's paths, see DESIGN.md); a config file overrides
them; :meth:`Config.origin` says where each effective value came from.

Relative paths in a config file are resolved against the file's own folder, so the shipped
``mkslog.example.toml`` works from any working directory.

>>> cfg = load_config(None, search=False)
>>> cfg.get("thresholds.cpu")
80.0
>>> cfg.origin("thresholds.cpu")
'default'

``source_timezone`` (the zone of timestamps without an offset, in which mkslog also writes its own
health, metrics and backup lines) defaults to the machine's zone, see
:func:`mkslog.loglines.resolve_machine_timezone`; its origin says how that was found.
"""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .loglines import machine_timezone, machine_timezone_origin

#: Keys whose values are file paths (or lists of paths / globs), resolved against the config's folder.
PATH_KEYS = {"paths", "root", "data_dir", "env_file", "log", "metrics_log", "state_file", "store", "alert_log", "out",
             "extra_paths"}

DEFAULTS: dict[str, Any] = {
    "timezone": "Asia/Tokyo",  # display timezone of reports and CLI output
    # timezone of logs whose timestamps carry no offset, and of mkslog's own health/metrics/backup
    # lines; empty (here or in a file): Config fills in the machine's zone (resolved once per process)
    "source_timezone": "",
    # who the client of a request is: "remote" ($remote_addr) or "forwarded" (first X-Forwarded-For address)
    "client_address": "remote",
    "lang": "en",  # report language: en or ja
    "store": "",  # Parquet store of parsed logs (empty: parse text every time)
    "logs": {
        "access": {"paths": ["/var/log/nginx/mirai-knowledge-system-access.log*"], "format": "timed"},
        "gunicorn_access": {"paths": ["/opt/mirai-knowledge-systems/backend/logs/access.log*"], "format": "gunicorn"},
        "nginx_error": {"paths": ["/var/log/nginx/mirai-knowledge-system-error.log*"]},
        "gunicorn_error": {"paths": ["/opt/mirai-knowledge-systems/backend/logs/error.log*"]},
        "app": {
            "paths": ["/var/log/mirai-knowledge-system/app.log*"],
            "format": "mks",
            "datefmt": "",
        },
        "health": {"paths": ["/var/log/mirai-knowledge-system/health_check.log*"]},
        "metrics": {"paths": ["/var/log/mirai-knowledge-system/metrics.log*"]},
        "backup": {"paths": ["/var/backups/mirai-knowledge-system/backup.log*"]},
    },
    "thresholds": {
        "slow_ms": 1000.0,  # the manual's "slow endpoint" line
        "cpu": 80.0,  # percent, the manual's system_metrics.sh
        "memory": 85.0,
        "disk": 85.0,
        "suspect_requests_per_hour": 1000.0,
        "suspect_4xx_ratio": 0.5,
        "suspect_login_failures": 10.0,
        "suspect_min_requests": 20,  # the 4xx ratio counts only for addresses with this many requests
    },
    "queries": {"login_path": "/api/v1/auth/login"},
    # `suspects --deny`: addresses and networks never written to a block list
    "security": {"allowlist": ["127.0.0.0/8", "::1/128"]},
    "backup": {
        "root": "/var/backups/mirai-knowledge-system",
        "data_dir": "/var/lib/mirai-knowledge-system/data",
        "env_file": "/opt/mirai-knowledge-systems/backend/.env.production",
        "database_url": "",
        "log": "/var/backups/mirai-knowledge-system/backup.log",
        "retention_days": {"daily": 30, "weekly": 84, "monthly": 365, "manual": 0},
        "min_free_mb": 100,
        "extra_paths": [],  # further parts to back up when present, e.g. ["/etc/letsencrypt"]
        "email": [],  # the manual's BACKUP_EMAIL: mailed on success and failure (via the [alerts] SMTP server)
    },
    "health": {
        "url": "http://localhost:5000/api/v1/health",
        "timeout": 10.0,
        "log": "/var/log/mirai-knowledge-system/health_check.log",
        "metrics_log": "/var/log/mirai-knowledge-system/metrics.log",
        "alert_log": "/var/log/mirai-knowledge-system/alerts.log",
        "state_file": "/var/lib/mirai-knowledge-system/mkslog-alerts.json",
        "quiet_minutes": 60.0,
        "cert_host": "",
        "cert_port": 443,
        "warn_days": 21,
        # the paths whose disk use `health metrics` checks: a path or a list; empty: every mounted real
        # filesystem (df's /dev/... lines); per-mount thresholds in [health.disk_thresholds] ("/var" = 90)
        "disk_path": "",
        "disk_thresholds": {},
        "cpu_interval": 1.0,  # seconds psutil samples the CPU for
    },
    "alerts": {
        "smtp_host": "",
        "smtp_port": 25,
        "starttls": False,
        "username": "",
        "password_env": "MKSLOG_SMTP_PASSWORD",  # the password is read from this environment variable
        "from": "mkslog@localhost",
        "to": [],
        "timeout": 10.0,  # seconds for the SMTP conversation
    },
    "report": {"out": "reports", "top_n": 10},
    # `mkslog logs prune`: the age of rotated logs that go, and the log of what went
    "retention": {"older_than": "30d", "log": "/var/log/mirai-knowledge-system/retention.log"},
}

SEARCH_PATHS = ("mkslog.toml", "~/.config/mkslog/mkslog.toml", "/etc/mkslog/mkslog.toml")


class Config:
    """The effective configuration: defaults overlaid with one TOML file.

    >>> cfg = Config({"timezone": "UTC"}, path=None)
    >>> cfg.get("timezone"), cfg.get("logs.access.format")
    ('UTC', 'timed')
    """

    def __init__(self, values: dict[str, Any], path: Path | None):
        self.path = path
        self._file_values = values
        self._merged = _merge(copy.deepcopy(DEFAULTS), values)
        # Unset or empty: the machine's zone, for readers and writers alike (never an implicit UTC).
        self._merged["source_timezone"] = self._merged.get("source_timezone") or machine_timezone()

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self._merged
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def origin(self, dotted: str) -> str:
        """'file <path>' when the config file sets the key, else 'default' (for ``source_timezone``:
        'default (machine zone, from ...)')."""
        node: Any = self._file_values
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return f"default ({machine_timezone_origin()})" if dotted == "source_timezone" else "default"
            node = node[part]
        if dotted == "source_timezone" and not node:
            return f"file {self.path} leaves it empty: {machine_timezone_origin()}"
        return f"file {self.path}"

    def as_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._merged)

    def log_paths(self, kind: str) -> list[str]:
        """The configured paths (globs allowed) of one log kind, e.g. ``access`` or ``app``."""
        return list(self.get(f"logs.{kind}.paths", []) or [])


def _merge(base: dict, over: dict) -> dict:
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _resolve_paths(node: Any, folder: Path, key: str | None = None) -> Any:
    if isinstance(node, dict):
        return {k: _resolve_paths(v, folder, k) for k, v in node.items()}
    if key in PATH_KEYS:
        if isinstance(node, list):
            return [_resolve_one(p, folder) for p in node]
        if isinstance(node, str) and node:
            return _resolve_one(node, folder)
    return node


def _resolve_one(value: str, folder: Path) -> str:
    if value == "-":
        return value
    path = Path(os.path.expanduser(value))
    return str(path if path.is_absolute() else folder / path)


def load_config(path: str | os.PathLike | None = None, *, search: bool = True) -> Config:
    """Load ``path``, else ``$MKSLOG_CONFIG``, else the first of :data:`SEARCH_PATHS` that exists.

    With nothing found the defaults apply. A named file that is missing or invalid is an error.
    """
    chosen: Path | None = None
    if path:
        chosen = Path(path)
        if not chosen.is_file():
            raise ConfigError(f"config file not found: {chosen} (check the --config path)")
    elif search and os.environ.get("MKSLOG_CONFIG"):
        chosen = Path(os.environ["MKSLOG_CONFIG"])
        if not chosen.is_file():
            raise ConfigError(f"MKSLOG_CONFIG points at a missing file: {chosen} (fix or unset it)")
    elif search:
        for candidate in SEARCH_PATHS:
            p = Path(os.path.expanduser(candidate))
            try:
                found = p.is_file()
            except OSError:  # a folder on the way that cannot be searched (~/.config mode 000): not there
                found = False
            if found:
                chosen = p
                break
    if chosen is None:
        return Config({}, None)
    try:
        with open(chosen, "rb") as fh:
            values = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen} is not valid TOML: {exc} (fix the file, see mkslog.example.toml)") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config {chosen}: {exc.strerror}") from exc
    values = _resolve_paths(values, chosen.resolve().parent)
    return Config(values, chosen.resolve())


def as_config(config: Config | dict | str | os.PathLike | None = None) -> Config:
    """The one way any module turns what a caller gave into a :class:`Config`: a Config as it is,
    a dict as file values over the defaults, a path loaded, None searched for (``load_config``).

    >>> as_config({"timezone": "UTC"}).get("timezone")
    'UTC'
    """
    if isinstance(config, Config):
        return config
    if isinstance(config, dict):
        return Config(config, None)
    return load_config(config)

