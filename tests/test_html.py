"""mkslog.present.html: report tables escape log text, localise numbers and dates, hide dtypes."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from mkslog.present.html import table

EVIL_SCRIPT = "<script>alert(1)</script>"

def test_table_escapes_localises_and_hides_dtypes():
    df = pl.DataFrame({"path": [EVIL_SCRIPT], "requests": [12345], "share": [0.5],
                       "ts": [datetime(2026, 11, 16, 9, 5)]})
    html = str(table(df, "ja"))
    assert EVIL_SCRIPT not in html and "&lt;script&gt;" in html
    assert "12,345" in html and "50.00%" in html and "2026/11/16 09:05" in html and "リクエスト数" in html
    assert "str" not in html and "&quot;" not in html
    assert "該当なし" in str(table(df.clear(), "ja", empty_key="none_found"))
