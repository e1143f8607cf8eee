"""The system the sample week is about: its host, install paths, log files and well-known clients.

Every module of the generator reads these constants, so a path or an address is written once and all
eight logs agree on it.

Example::

    from mkslog.sample.system import NGINX_ACCESS, SCANNERS, SITE

    SITE                 # 'https://mks.example.jp'
    NGINX_ACCESS         # 'nginx/mirai-knowledge-system-access.log' (relative to the output folder)
    [ip for ip, _ in SCANNERS][:2]  # ['192.0.2.45', '203.0.113.201']
"""

from __future__ import annotations

from datetime import timedelta, timezone

DAY = 86400
JST = timezone(timedelta(hours=9))
HOST = "mks.example.jp"
SITE = f"https://{HOST}"
UPSTREAM = "http://127.0.0.1:5000"
APP_DIR = "/opt/mirai-knowledge-systems/backend"
VENV = "/opt/mirai-knowledge-systems/venv/lib/python3.11/site-packages"
BACKUP_DIR = "/var/backups/mirai-knowledge-system"

NGINX_ACCESS = "nginx/mirai-knowledge-system-access.log"
NGINX_ERROR = "nginx/mirai-knowledge-system-error.log"
GUNICORN_ACCESS = "gunicorn/access.log"
GUNICORN_ERROR = "gunicorn/error.log"
APP_LOG = "app/app.log"
HEALTH_LOG = "app/health_check.log"
METRICS_LOG = "app/metrics.log"
BACKUP_LOG = "backups/backup.log"

BRUTE_IP = "198.51.100.23"
MONITOR_IP = "198.51.100.10"
GOOGLEBOT_IPS = ("192.0.2.66", "192.0.2.67")
BINGBOT_IP = "203.0.113.157"
EXPORT_IP, CURL_IP = "10.50.0.12", "10.50.0.13"
SCANNERS = (
    ("192.0.2.45", "Mozilla/5.0 zgrab/0.x"),
    ("203.0.113.201", "Go-http-client/1.1"),
    ("198.51.100.77", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/81.0.4044.129 Safari/537.36"),
    ("2001:db8:dead::beef", "curl/7.68.0"),
)

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/142.0.0.0 Safari/537.36")
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
MONITOR_UA = "mks-uptime-monitor/1.2 (+https://status.example.net)"
