"""The exceptions mkslog raises. Every message says what went wrong and how to fix it.

Library code raises these; only the CLI turns them into ``Error: ...`` and an exit code.

>>> try:
...     raise LogFileError("no such file: /nope.log (give existing paths or set [logs] in mkslog.toml)")
... except MkslogError as exc:
...     print(exc)
no such file: /nope.log (give existing paths or set [logs] in mkslog.toml)
"""


class MkslogError(Exception):
    """Base class: a problem the user can fix. The CLI prints it as ``Error: ...`` and exits with 1."""

    exit_code = 1


class ConfigError(MkslogError):
    """mkslog.toml is missing, unreadable or holds a wrong value."""


class LogFileError(MkslogError):
    """A log path does not exist, cannot be read, or is not what it claims (e.g. a broken .gz)."""


class FormatError(MkslogError):
    """A log format string does not compile, or no known format fits a file."""


class QueryError(MkslogError):
    """A query cannot be answered from the given logs (e.g. latency from a log without timings)."""


class TimeSpecError(MkslogError):
    """A --since/--until/--week value could not be understood."""


class StoreError(MkslogError):
    """The Parquet store is locked, damaged, or not a store."""


class ReportError(MkslogError):
    """A report notebook failed to run or to convert."""


class BackupError(MkslogError):
    """A backup, verification, prune or restore failed."""


class HealthError(MkslogError):
    """A health check could not be configured or run (not: the service is down)."""


class OutputError(MkslogError):
    """An answer could not be written where it was asked to go (a missing or read-only folder)."""


class DatabaseError(BackupError, HealthError):
    """A database URL or the PostgreSQL client is wrong (shared by backup and health db)."""


class FilterError(QueryError):
    """A filter (--status, --path, --ip, --where ...) is malformed or names a column the log lacks."""
