"""The words of the report's error-log, incident and visitor sections (en, ja): merged into
:data:`mkslog.present.i18n.MESSAGES`, kept apart so that table stays one screenful per idea.

>>> LOG_MESSAGES["section.server_errors"]["en"]
'Server error logs (nginx, gunicorn)'
"""

from __future__ import annotations

LOG_MESSAGES: dict[str, dict[str, str]] = {
    "section.server_errors": {"en": "Server error logs (nginx, gunicorn)", "ja": "サーバーのエラーログ（nginx・gunicorn）"},
    "section.visitors": {"en": "Visitors", "ja": "訪問者"},
    "sub.error_templates": {"en": "Most frequent error messages", "ja": "多いエラーメッセージ"},
    "sub.gateway_errors": {"en": "502/504 answers and their causes", "ja": "502/504 応答とその原因"},
    "sub.worker_events": {"en": "gunicorn worker events per day", "ja": "gunicorn ワーカーのイベント（日別）"},
    "sub.master_starts": {"en": "gunicorn master starts", "ja": "gunicorn マスターの起動"},
    "sub.referrers": {"en": "Referring sites", "ja": "参照元サイト"},
    "sub.browsers": {"en": "Browsers", "ja": "ブラウザー"},
    "sub.os": {"en": "Operating systems", "ja": "OS"},
    "sub.bots": {"en": "Bots and crawlers", "ja": "ボット・クローラー"},
    "sub.not_found": {"en": "Not found (404) and the pages that link there", "ja": "404 のパスと参照元"},
    "sub.static": {"en": "Static files vs application", "ja": "静的ファイルとアプリケーション"},
    "sub.bytes_endpoint": {"en": "Bytes sent per endpoint", "ja": "エンドポイント別の送信バイト数"},
    "sub.bytes_client": {"en": "Bytes sent per client", "ja": "クライアント別の送信バイト数"},
    "sub.hour_weekday": {"en": "Requests per hour and weekday", "ja": "曜日・時間帯別のリクエスト数"},
    "sub.vhosts": {"en": "Virtual hosts", "ja": "バーチャルホスト"},
    "prose.boot_loops": {"en": "gunicorn: {loops} boot loop(s), {down} time(s) down after a failed boot.",
                         "ja": "gunicorn: 起動ループ {loops} 回、起動失敗による停止 {down} 回。"},
    "prose.gateway_none": {"en": "The access log format has no request line fields, so 502/504 cannot be joined.",
                           "ja": "アクセスログにリクエスト行がないため、502/504 と結び付けられません。"},
    "log.nginx-error": {"en": "nginx error log", "ja": "nginx エラーログ"},
    "log.gunicorn-error": {"en": "gunicorn error log", "ja": "gunicorn エラーログ"},
    "col.kind": {"en": "Log", "ja": "ログ"},
    "col.template": {"en": "Message template", "ja": "メッセージの型"},
    "col.upstream": {"en": "Upstream", "ja": "アップストリーム"},
    "col.failure": {"en": "Failure", "ja": "障害"},
    "col.responses": {"en": "Responses", "ja": "応答数"},
    "col.timeouts": {"en": "Timeouts", "ja": "タイムアウト"},
    "col.oom_kills": {"en": "SIGKILL (OOM?)", "ja": "SIGKILL（メモリ不足？）"},
    "col.crashes": {"en": "Crashes", "ja": "異常終了"},
    "col.boot_failures": {"en": "Failed boots", "ja": "起動失敗"},
    "col.boots": {"en": "Boots", "ja": "起動"},
    "col.exits": {"en": "Exits", "ja": "終了"},
    "col.master_starts": {"en": "Master starts", "ja": "マスター起動"},
    "col.master_stops": {"en": "Master stops", "ja": "マスター停止"},
    "col.signals": {"en": "Signals", "ja": "シグナル"},
    "col.starts": {"en": "Starts", "ja": "起動回数"},
    "col.boot_loop": {"en": "Boot loop", "ja": "起動ループ"},
    "col.down": {"en": "Down", "ja": "停止"},
    "col.referrer_host": {"en": "Referring site", "ja": "参照元サイト"},
    "col.browser": {"en": "Browser", "ja": "ブラウザー"},
    "col.os": {"en": "OS", "ja": "OS"},
    "col.device": {"en": "Device", "ja": "デバイス"},
    "col.agents": {"en": "Agents", "ja": "エージェント数"},
    "col.is_bot": {"en": "Bot", "ja": "ボット"},
    "col.referrers": {"en": "Referrers", "ja": "参照元"},
    "col.category": {"en": "Category", "ja": "区分"},
    "col.bytes_sent": {"en": "Bytes sent", "ja": "送信バイト数"},
    "col.bytes_share": {"en": "Bytes share", "ja": "バイトの割合"},
    "col.mean_bytes": {"en": "Mean bytes", "ja": "平均バイト数"},
    "col.host": {"en": "Host", "ja": "ホスト"},
    "col.source": {"en": "Log", "ja": "ログ"},
    "col.summary": {"en": "Event", "ja": "イベント"},
    "col.until": {"en": "Until", "ja": "終了"},
    "col.pointer": {"en": "Where", "ja": "位置"},
    "col.example": {"en": "Example", "ja": "例"},
}

__all__ = ["LOG_MESSAGES"]
