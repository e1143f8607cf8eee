"""mkslog.report.backups: runs, the last success of each kind, and the failures."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from mkslog.report.backups import backup_failures, backup_summary


def test_backup_runs_last_success_and_failures():
    t0 = datetime(2026, 11, 19, 2, 0)
    lf = pl.LazyFrame({
        "ts": [t0 + timedelta(seconds=s) for s in range(9)],
        "level": ["INFO", "INFO", "INFO", "INFO", "ERROR", "ERROR", "INFO", "INFO", "INFO"],
        "backup_kind": ["daily", "daily", "daily", "daily", None, "daily", "weekly", "weekly", "weekly"],
        "event": ["start", "data", "completed", "start", "failed", "failed", "start", "data", "completed"],
        "size_bytes": [None, 100, None, None, None, None, None, 300, None],
        "reason": [None, None, None, None, "pg_dump: error", "database dump failed", None, None, None],
        "message": ["m"] * 9,
    })
    summary = {r["backup_kind"]: r for r in backup_summary(lf).to_dicts()}
    assert summary["daily"]["successes"] == 1 and summary["daily"]["failures"] == 1
    assert summary["daily"]["last_success"] == t0 + timedelta(seconds=2) and summary["daily"]["size_bytes"] == 100
    assert summary["weekly"]["size_bytes"] == 300
    failures = backup_failures(lf)
    assert failures["backup_kind"].to_list() == ["daily", "daily"]  # the kindless line belongs to the running backup
