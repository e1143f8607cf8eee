"""Health checks and alerts (http_check, metrics, certificate, alerts): stdlib + psutil, no polars."""
