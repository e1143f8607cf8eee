"""The report's words for periods, comparisons and missing data, in ``en`` and ``ja``: merged
into :data:`mkslog.present.i18n.MESSAGES` (kept apart so the table of sections stays one screen).

>>> PERIOD_MESSAGES["title.month"]["ja"].format(label="2026-11")
'Mirai Knowledge System 月次ログレポート 2026-11'
"""

from __future__ import annotations

PERIOD_MESSAGES: dict[str, dict[str, str]] = {
    "title.day": {"en": "Mirai Knowledge System: daily log report {label}",
                  "ja": "Mirai Knowledge System 日次ログレポート {label}"},
    "title.week": {"en": "Mirai Knowledge System: weekly log report {label}",
                   "ja": "Mirai Knowledge System 週次ログレポート {label}"},
    "title.month": {"en": "Mirai Knowledge System: monthly log report {label}",
                    "ja": "Mirai Knowledge System 月次ログレポート {label}"},
    "title.range": {"en": "Mirai Knowledge System: log report {label}",
                    "ja": "Mirai Knowledge System ログレポート {label}"},
    "period.day": {"en": "previous day", "ja": "前日"},
    "period.week": {"en": "previous ISO week", "ja": "前週（ISO 週）"},
    "period.month": {"en": "previous month", "ja": "前月"},
    "period.range": {"en": "period of the same length before", "ja": "直前の同じ長さの期間"},
    "col.this_period": {"en": "This period", "ja": "今期"},
    "col.previous_period": {"en": "Previous period", "ja": "前期"},
    "col.previous": {"en": "Previous", "ja": "前期"},
    "col.rank_change": {"en": "Rank", "ja": "順位の変化"},
    "col.new": {"en": "New", "ja": "新規"},
    "state.new": {"en": "new", "ja": "新規"},
    "prose.compare": {"en": "Change is against the {previous} ({start} to {end}); in the charts it is the faint "
                            "line. Error rate: share of 5xx responses.",
                      "ja": "増減は{previous}（{start} 〜 {end}）との比較です（グラフでは薄い線）。"
                            "エラー率は 5xx 応答の割合です。"},
    "prose.no_previous": {"en": "The logs hold no records for the {previous} ({start} to {end}): this report "
                                "compares nothing.",
                          "ja": "{previous}（{start} 〜 {end}）のログがないため、このレポートでは比較していません。"},
    "no_data": {"en": "No data for this period in the {log}.", "ja": "この期間の{log}にはデータがありません。"},
    "coverage.title": {"en": "What the logs cover", "ja": "ログの収録範囲"},
    "coverage.full": {"en": "{log}: records on every day of the period ({first} to {last}).",
                      "ja": "{log}: 期間中のすべての日にデータがあります（{first} 〜 {last}）。"},
    "coverage.partial": {"en": "{log}: records from {first} to {last}; no data on {days}.",
                         "ja": "{log}: データは {first} 〜 {last}。データのない日: {days}。"},
    "coverage.empty": {"en": "{log}: no records in this period; the newest record before it is from {newest}.",
                       "ja": "{log}: この期間のデータはありません。直前のデータは {newest} までです。"},
    "coverage.empty_both": {"en": "{log}: no records in this period nor in the one before.",
                            "ja": "{log}: この期間にも前の期間にもデータがありません。"},
    "toc": {"en": "Contents", "ja": "目次"},
    "section.coverage": {"en": "What the logs cover", "ja": "ログの収録範囲"},
}

__all__ = ["PERIOD_MESSAGES"]
