"""mkslog.report.headline: the week's figures beside the week before, from real access logs."""

from __future__ import annotations

import pytest

from mkslog.report.headline import headline, headline_table
from mkslog.report.weeklogs import WeekLogs

WEEK = "2026-W47"


def test_headline_compares_with_the_previous_week(tmp_path):
    lines = []
    for day, n in ((9, 4), (17, 6)):  # 4 requests in W46, 6 in W47
        for i in range(n):
            lines.append(f'10.0.0.{i % 2} - - [{day:02d}/Nov/2026:10:00:{i:02d} +0900] "GET /a HTTP/1.1" '
                         f'{500 if i == 0 else 200} 1 "-" "ua" 0.010 0.010')
    (tmp_path / "access.log").write_text("\n".join(lines) + "\n")
    (tmp_path / "mkslog.toml").write_text('[logs.access]\npaths = ["access.log"]\nformat = "timed"\n')
    logs = WeekLogs(tmp_path / "mkslog.toml", WEEK, tz="Asia/Tokyo", kinds=["access"])
    head = {m: (cur, prev) for m, cur, prev in headline(logs).iter_rows()}
    assert head["requests"] == (6, 4) and head["unique_ips"] == (2, 2)
    assert head["error_rate"] == pytest.approx((1 / 6, 1 / 4))
    html = str(headline_table(headline(logs), "en"))
    assert "+50.0%" in html and "-8.33 pt" in html
    assert logs.missing == {}
