"""Words and number/date habits of the report languages: ``en`` and ``ja``.

One table of messages (headings, labels, prose) and a few formatters. Standard library only, so the
CLI and the charts can use it without loading anything else.

>>> t("section.traffic", "ja")
'時間帯別のトラフィック'
>>> fmt_int(1234567, "ja"), fmt_date(date(2026, 11, 16), "ja"), fmt_date(date(2026, 11, 16), "en")
('1,234,567', '2026年11月16日', '16 Nov 2026')
>>> fmt_pct(0.01234, "en"), fmt_change(110, 100, "en"), fmt_ms(1234.5, "ja")
('1.23%', '+10.0%', '1,234.5 ms')
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from .i18n_logs import LOG_MESSAGES
from .period_messages import PERIOD_MESSAGES

LANGS = ("en", "ja")

MESSAGES: dict[str, dict[str, str]] = {
    # title and front matter
    "title": {"en": "Mirai Knowledge System: weekly log report {week}",
              "ja": "Mirai Knowledge System 週次ログレポート {week}"},
    "period": {"en": "Period: {start} to {end} ({tz}); generated {now}.",
               "ja": "対象期間: {start} 〜 {end}（{tz}）。作成日時: {now}。"},
    "missing": {"en": "No {log} for this period: section skipped ({detail}).",
                "ja": "この期間の{log}がないため、このセクションは省略しました（{detail}）。"},
    "empty": {"en": "Nothing to show for this period.", "ja": "この期間は該当するデータがありません。"},
    "none_found": {"en": "None found.", "ja": "該当なし。"},
    # section headings
    "section.headline": {"en": "Headline figures", "ja": "主要指標"},
    "section.traffic": {"en": "Traffic per hour", "ja": "時間帯別のトラフィック"},
    "section.status": {"en": "Status codes", "ja": "ステータスコード"},
    "section.top": {"en": "Top client addresses and endpoints", "ja": "アクセス上位の IP アドレスとエンドポイント"},
    "section.latency": {"en": "Response times", "ja": "応答時間"},
    "section.errors": {"en": "Application errors", "ja": "アプリケーションエラー"},
    "section.security": {"en": "Security", "ja": "セキュリティ"},
    "section.availability": {"en": "Availability", "ja": "可用性"},
    "section.resources": {"en": "CPU, memory and disk", "ja": "CPU・メモリ・ディスク"},
    "section.backups": {"en": "Backups", "ja": "バックアップ"},
    "section.quality": {"en": "Data quality", "ja": "データ品質"},
    # sub-headings
    "sub.top_ips": {"en": "Top client addresses", "ja": "アクセス数上位の IP アドレス"},
    "sub.top_endpoints": {"en": "Top endpoints", "ja": "アクセス数上位のエンドポイント"},
    "sub.slowest": {"en": "Endpoints with requests slower than {ms} ms", "ja": "{ms} ms を超えたリクエストのあるエンドポイント"},
    "sub.slow_requests": {"en": "Slowest requests", "ja": "最も遅いリクエスト"},
    "sub.top_exceptions": {"en": "Top exception types", "ja": "例外の種類（上位）"},
    "sub.failed_logins": {"en": "Failed logins and 401 responses by IP", "ja": "IP 別のログイン失敗と 401 応答"},
    "sub.unauthorized": {"en": "401 responses by IP and path", "ja": "IP・パス別の 401 応答"},
    "sub.suspicious": {"en": "Suspicious addresses", "ja": "不審な IP アドレス"},
    "sub.status_codes": {"en": "Responses by status code", "ja": "ステータスコード別の応答数"},
    "sub.latency_endpoints": {"en": "Busiest endpoints", "ja": "アクセスの多いエンドポイント"},
    "sub.outages": {"en": "Outages", "ja": "停止期間"},
    "sub.backup_last": {"en": "Last successful backup per kind", "ja": "種類別の最新の成功バックアップ"},
    "sub.backup_failures": {"en": "Failed backups", "ja": "失敗したバックアップ"},
    "sub.rejects": {"en": "Rejected lines (first {n})", "ja": "解析できなかった行（先頭 {n} 行）"},
    # prose
    "prose.headline": {"en": "Change is against the previous ISO week. Error rate: share of 5xx responses.",
                       "ja": "増減は前週（ISO 週）との比較です。エラー率は 5xx 応答の割合です。"},
    "prose.uptime": {"en": "Uptime {uptime} over {checks} health checks; {outages} outage(s), {down} in total.",
                     "ja": "稼働率 {uptime}（ヘルスチェック {checks} 回）。停止 {outages} 回、合計 {down}。"},
    "prose.resources": {"en": "Hourly maximum; dashed lines are the thresholds (CPU {cpu}%, memory {memory}%, disk {disk}%).",
                        "ja": "1 時間ごとの最大値。破線はしきい値（CPU {cpu}%、メモリ {memory}%、ディスク {disk}%）。"},
    "prose.over": {"en": "{metric} exceeded {limit}% in {hours} hour(s); peak {peak}% at {when}.",
                   "ja": "{metric}が {limit}% を超えた時間帯: {hours} 時間（最大 {peak}%、{when}）。"},
    "prose.quality": {"en": "{lines} lines read, {parsed} parsed, {rejected} rejected.",
                      "ja": "読み込み {lines} 行、解析 {parsed} 行、解析不能 {rejected} 行。"},
    "prose.no_rejects": {"en": "Every line was parsed.", "ja": "すべての行を解析できました。"},
    "prose.latency_none": {"en": "The access log has no response times ($request_time): latency not available.",
                           "ja": "アクセスログに応答時間（$request_time）がないため、応答時間は集計できません。"},
    # log names (for the "missing" line)
    "log.access": {"en": "access log", "ja": "アクセスログ"},
    "log.app": {"en": "application log", "ja": "アプリケーションログ"},
    "log.health": {"en": "health-check log", "ja": "ヘルスチェックログ"},
    "log.metrics": {"en": "metrics log", "ja": "メトリクスログ"},
    "log.backup": {"en": "backup log", "ja": "バックアップログ"},
    # headline metric names
    "metric.requests": {"en": "Requests", "ja": "リクエスト数"},
    "metric.unique_ips": {"en": "Unique IPs", "ja": "ユニーク IP 数"},
    "metric.error_rate": {"en": "Error rate (5xx)", "ja": "エラー率（5xx）"},
    "metric.p50": {"en": "Response time p50", "ja": "応答時間 p50"},
    "metric.p95": {"en": "Response time p95", "ja": "応答時間 p95"},
    "metric.p99": {"en": "Response time p99", "ja": "応答時間 p99"},
    "metric.uptime": {"en": "Uptime", "ja": "稼働率"},
    "metric.cpu": {"en": "CPU", "ja": "CPU"},
    "metric.memory": {"en": "Memory", "ja": "メモリ"},
    "metric.disk": {"en": "Disk", "ja": "ディスク"},
    # table columns (untranslated columns keep their own name)
    "col.metric": {"en": "Metric", "ja": "指標"},
    "col.this_week": {"en": "This week", "ja": "今週"},
    "col.previous_week": {"en": "Previous week", "ja": "前週"},
    "col.change": {"en": "Change", "ja": "増減"},
    "col.remote_addr": {"en": "IP address", "ja": "IP アドレス"},
    "col.ip": {"en": "IP address", "ja": "IP アドレス"},
    "col.requests": {"en": "Requests", "ja": "リクエスト数"},
    "col.share": {"en": "Share", "ja": "割合"},
    "col.endpoint": {"en": "Endpoint", "ja": "エンドポイント"},
    "col.path": {"en": "Path", "ja": "パス"},
    "col.method": {"en": "Method", "ja": "メソッド"},
    "col.status": {"en": "Status", "ja": "ステータス"},
    "col.status_class": {"en": "Class", "ja": "区分"},
    "col.class": {"en": "Class", "ja": "区分"},
    "col.class_requests": {"en": "Requests in class", "ja": "区分の合計"},
    "col.class_share": {"en": "Class share", "ja": "区分の割合"},
    "col.status_4xx": {"en": "4xx", "ja": "4xx"},
    "col.status_5xx": {"en": "5xx", "ja": "5xx"},
    "col.unique_ips": {"en": "Unique IPs", "ja": "ユニーク IP 数"},
    "col.endpoints": {"en": "Endpoints", "ja": "エンドポイント数"},
    "col.user_agents": {"en": "User agents", "ja": "ユーザーエージェント"},
    "col.request_time": {"en": "Time (s)", "ja": "時間（秒）"},
    "col.match": {"en": "Match", "ja": "一致"},
    "col.slow": {"en": "Slow requests", "ja": "遅いリクエスト"},
    "col.slow_share": {"en": "Slow share", "ja": "遅い割合"},
    "col.failures": {"en": "Failures", "ja": "失敗"},
    "col.app_failures": {"en": "App log failures", "ja": "アプリログの失敗"},
    "col.login_401": {"en": "401 on login", "ja": "ログインの 401"},
    "col.users": {"en": "Users tried", "ja": "試行ユーザー数"},
    "col.ips": {"en": "IPs", "ja": "IP 数"},
    "col.peak_per_hour": {"en": "Peak per hour", "ja": "1 時間の最大"},
    "col.ratio_4xx": {"en": "4xx share", "ja": "4xx の割合"},
    "col.login_failures": {"en": "Login failures", "ja": "ログイン失敗"},
    "col.scanner_hits": {"en": "Scanner-like requests", "ja": "スキャナー的アクセス"},
    "col.scanner_paths": {"en": "Scanner paths", "ja": "スキャナー的パス"},
    "col.event": {"en": "Event", "ja": "イベント"},
    "col.metric_name": {"en": "Metric", "ja": "指標"},
    "col.limit": {"en": "Threshold (%)", "ja": "しきい値（%）"},
    "col.hours": {"en": "Hours over", "ja": "超過時間数"},
    "col.peak": {"en": "Peak (%)", "ja": "最大（%）"},
    "col.peak_at": {"en": "Peak at", "ja": "最大の日時"},
    "col.ok": {"en": "OK", "ja": "正常"},
    "col.count": {"en": "Count", "ja": "件数"},
    "col.errors": {"en": "Errors", "ja": "エラー数"},
    "col.mean": {"en": "Mean (ms)", "ja": "平均（ms）"},
    "col.mean_ms": {"en": "Mean (ms)", "ja": "平均（ms）"},
    "col.p50": {"en": "p50 (ms)", "ja": "p50（ms）"},
    "col.p90": {"en": "p90 (ms)", "ja": "p90（ms）"},
    "col.p95": {"en": "p95 (ms)", "ja": "p95（ms）"},
    "col.p99": {"en": "p99 (ms)", "ja": "p99（ms）"},
    "col.p50_ms": {"en": "p50 (ms)", "ja": "p50（ms）"},
    "col.p90_ms": {"en": "p90 (ms)", "ja": "p90（ms）"},
    "col.p95_ms": {"en": "p95 (ms)", "ja": "p95（ms）"},
    "col.p99_ms": {"en": "p99 (ms)", "ja": "p99（ms）"},
    "col.max": {"en": "Max (ms)", "ja": "最大（ms）"},
    "col.max_ms": {"en": "Max (ms)", "ja": "最大（ms）"},
    "col.request_time_ms": {"en": "Time (ms)", "ja": "時間（ms）"},
    "col.ts": {"en": "Time", "ja": "日時"},
    "col.first_seen": {"en": "First seen", "ja": "初回"},
    "col.last_seen": {"en": "Last seen", "ja": "最終"},
    "col.exc_type": {"en": "Exception", "ja": "例外"},
    "col.exc_message": {"en": "Message", "ja": "メッセージ"},
    "col.message": {"en": "Message", "ja": "メッセージ"},
    "col.level": {"en": "Level", "ja": "レベル"},
    "col.logger": {"en": "Logger", "ja": "ロガー"},
    "col.failed_logins": {"en": "Failed logins", "ja": "ログイン失敗"},
    "col.unauthorized": {"en": "401 responses", "ja": "401 応答"},
    "col.reason": {"en": "Reason", "ja": "理由"},
    "col.reasons": {"en": "Reasons", "ja": "理由"},
    "col.user": {"en": "User", "ja": "ユーザー"},
    "col.username": {"en": "User", "ja": "ユーザー"},
    "col.start": {"en": "Start", "ja": "開始"},
    "col.end": {"en": "End", "ja": "終了"},
    "col.duration": {"en": "Duration", "ja": "継続時間"},
    "col.checks": {"en": "Failed checks", "ja": "失敗したチェック"},
    "col.backup_kind": {"en": "Kind", "ja": "種類"},
    "col.last_success": {"en": "Last success", "ja": "最新の成功"},
    "col.size_bytes": {"en": "Size (bytes)", "ja": "サイズ（バイト）"},
    "col.size": {"en": "Size", "ja": "サイズ"},
    "col.successes": {"en": "Successes", "ja": "成功"},
    "col.file": {"en": "File", "ja": "ファイル"},
    "col.format": {"en": "Format", "ja": "形式"},
    "col.log": {"en": "Log", "ja": "ログ"},
    "col.lines": {"en": "Lines", "ja": "行数"},
    "col.parsed": {"en": "Parsed", "ja": "解析済み"},
    "col.rejected": {"en": "Rejected", "ja": "解析不能"},
    "col.invalid_utf8": {"en": "Invalid UTF-8", "ja": "不正な UTF-8"},
    "col.bytes": {"en": "Bytes", "ja": "バイト数"},
    "col.error": {"en": "Error", "ja": "エラー"},
    "col.line_no": {"en": "Line", "ja": "行番号"},
    "col.line": {"en": "Text", "ja": "内容"},
    "col.user_agent": {"en": "User agent", "ja": "ユーザーエージェント"},
    "col.day": {"en": "Day", "ja": "日付"},
    "col.hour": {"en": "Hour", "ja": "時"},
    # chart labels
    "chart.traffic": {"en": "Requests per hour", "ja": "1 時間あたりのリクエスト数"},
    "chart.status": {"en": "Responses by status class", "ja": "ステータス区分別の応答数"},
    "chart.latency": {"en": "Response-time percentiles per endpoint", "ja": "エンドポイント別の応答時間パーセンタイル"},
    "chart.errors": {"en": "Application errors per hour", "ja": "1 時間あたりのアプリケーションエラー"},
    "chart.resources": {"en": "Resource usage (hourly maximum)", "ja": "リソース使用率（1 時間ごとの最大値）"},
    "chart.availability": {"en": "Service state from health checks", "ja": "ヘルスチェックによるサービス状態"},
    "chart.bar": {"en": "{value} by {category}", "ja": "{category}別の{value}"},
    "label.time": {"en": "Time", "ja": "日時"},
    "label.day": {"en": "Day", "ja": "日付"},
    "label.hour": {"en": "Hour of day", "ja": "時"},
    "label.requests": {"en": "Requests", "ja": "リクエスト数"},
    "label.errors": {"en": "Errors", "ja": "エラー数"},
    "label.ms": {"en": "Response time (ms)", "ja": "応答時間（ms）"},
    "label.percentile": {"en": "Percentile", "ja": "パーセンタイル"},
    "label.endpoint": {"en": "Endpoint", "ja": "エンドポイント"},
    "label.status_class": {"en": "Status class", "ja": "ステータス区分"},
    "label.percent": {"en": "Usage (%)", "ja": "使用率（%）"},
    "label.metric": {"en": "Metric", "ja": "指標"},
    "label.state": {"en": "State", "ja": "状態"},
    "state.up": {"en": "up", "ja": "稼働"},
    "state.down": {"en": "down", "ja": "停止"},
    "state.ok": {"en": "OK", "ja": "正常"},
    "state.failed": {"en": "failed", "ja": "失敗"},
}

MESSAGES.update(PERIOD_MESSAGES)
MESSAGES.update(LOG_MESSAGES)  # the error-log, incident and visitor sections' words

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def check_lang(lang: str) -> str:
    """``lang`` if it is supported; a ValueError naming the choices otherwise."""
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}: use one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str = "en", **fields) -> str:
    """The message ``key`` in ``lang`` with ``fields`` filled in (English when ``lang`` lacks it).

    >>> t("missing", "en", log="metrics log", detail="no file")
    'No metrics log for this period: section skipped (no file).'
    """
    entry = MESSAGES[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**fields) if fields else text


def period_title(period, lang: str = "en") -> str:
    """The report's title for its period (a :class:`mkslog.timespec.Period`): daily, weekly,
    monthly or a range. Here, not beside the page it heads: the report's CLI names the page
    without loading polars (the process that waits for the kernel stays small).

    >>> from mkslog.timespec import resolve_period
    >>> period_title(resolve_period("day", "2026-11-18"), "ja")
    'Mirai Knowledge System 日次ログレポート 2026-11-18'
    """
    return t(f"title.{period.kind}", lang, label=period.label)


def label(column: str, lang: str = "en") -> str:
    """A table column's heading: its translation, or the column name itself when there is none.

    >>> label("remote_addr", "ja"), label("whatever", "ja")
    ('IP アドレス', 'whatever')
    """
    entry = MESSAGES.get(f"col.{column}")
    return (entry.get(lang) or entry["en"]) if entry else column


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value, lang: str = "en") -> str:
    """An integer with thousands separators (both languages group by three with commas).

    >>> fmt_int(12345), fmt_int(None)
    ('12,345', '–')
    """
    return "–" if _missing(value) else f"{round(value):,}"


def fmt_float(value, lang: str = "en", digits: int = 1) -> str:
    """A decimal number with thousands separators and ``digits`` decimals.

    >>> fmt_float(1234.567, "ja", 2)
    '1,234.57'
    """
    return "–" if _missing(value) else f"{value:,.{digits}f}"


def fmt_pct(fraction, lang: str = "en", digits: int = 2) -> str:
    """A fraction (0.5) as a percentage ('50.00%').

    >>> fmt_pct(0.999, "ja", 1)
    '99.9%'
    """
    return "–" if _missing(fraction) else f"{fraction * 100:,.{digits}f}%"


def fmt_ms(value, lang: str = "en") -> str:
    """Milliseconds, one decimal: ``'12.5 ms'``."""
    return "–" if _missing(value) else f"{value:,.1f} ms"


def fmt_bytes(value, lang: str = "en") -> str:
    """A size in binary units: ``'1.5 MiB'``.

    >>> fmt_bytes(1536 * 1024)
    '1.5 MiB'
    """
    if _missing(value):
        return "–"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TiB"  # pragma: no cover


def fmt_date(value: date | datetime | None, lang: str = "en") -> str:
    """A calendar date: ``2026年11月16日`` in Japanese, ``16 Nov 2026`` in English."""
    if value is None:
        return "–"
    if lang == "ja":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def fmt_datetime(value: datetime | None, lang: str = "en") -> str:
    """A date and time to the minute, in the value's own timezone.

    >>> fmt_datetime(datetime(2026, 11, 16, 9, 5), "ja")
    '2026年11月16日 09:05'
    """
    if value is None:
        return "–"
    return f"{fmt_date(value, lang)} {value:%H:%M}"


def fmt_table_datetime(value: datetime | None, lang: str = "en") -> str:
    """A compact date and time for table cells: ``2026/11/16 09:05`` (ja), ``2026-11-16 09:05`` (en)."""
    if value is None:
        return "–"
    return value.strftime("%Y/%m/%d %H:%M" if lang == "ja" else "%Y-%m-%d %H:%M")


def fmt_duration(value: timedelta | None, lang: str = "en") -> str:
    """A duration to the minute: ``1 h 5 min`` / ``1時間5分``.

    >>> fmt_duration(timedelta(minutes=65), "ja"), fmt_duration(timedelta(seconds=30), "en")
    ('1時間5分', '0 min')
    """
    if value is None:
        return "–"
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if lang == "ja":
        return f"{hours}時間{minutes}分" if hours else f"{minutes}分"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def fmt_change(current, previous, lang: str = "en") -> str:
    """The relative change from ``previous`` to ``current``: ``'+10.0%'``, ``'-5.0%'``, ``'–'``.

    >>> fmt_change(5, 0), fmt_change(None, 3), fmt_change(90, 100)
    ('–', '–', '-10.0%')
    """
    if _missing(current) or _missing(previous) or previous == 0:
        return "–"
    return f"{(current - previous) / previous * 100:+,.1f}%"


def fmt_point_change(current, previous, lang: str = "en") -> str:
    """The change between two fractions in percentage points: ``'+0.12 pt'``.

    >>> fmt_point_change(0.0123, 0.0111)
    '+0.12 pt'
    """
    if _missing(current) or _missing(previous):
        return "–"
    return f"{(current - previous) * 100:+,.2f} pt"
