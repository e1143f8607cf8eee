"""mkslog.present.i18n: dates, numbers and durations for each language; nothing untranslated."""

from __future__ import annotations

from datetime import datetime, timedelta

from mkslog.present import i18n


def test_locale_formatting():
    assert i18n.fmt_date(datetime(2026, 11, 16), "ja") == "2026年11月16日"
    assert i18n.fmt_int(1234567, "ja") == "1,234,567"
    assert i18n.fmt_pct(0.9980, "en") == "99.80%"
    assert i18n.fmt_duration(timedelta(minutes=20), "ja") == "20分"
    assert set(i18n.LANGS) == {"en", "ja"}
    assert all({"en", "ja"} <= set(v) for v in i18n.MESSAGES.values())  # nothing untranslated
