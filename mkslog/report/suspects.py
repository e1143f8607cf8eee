"""The suspicious-address section: the limits of ``queries.suspicious_ips`` from ``[thresholds]``,
and its reasons in the report's language.

>>> df = pl.DataFrame({"remote_addr": ["203.0.113.5"], "requests": [1500], "peak_per_hour": [1500],
...                    "ratio_4xx": [0.0], "login_failures": [0], "scanner_hits": [0],
...                    "scanner_paths": pl.Series([[]], dtype=pl.List(pl.String)), "reason": ["volume"]})
>>> suspect_reasons(df, "ja").row(0)
('203.0.113.5', 1500, '1 時間に最大 1500 件（上限 1000）')
"""

from __future__ import annotations

import polars as pl

from .weeklogs import WeekLogs


def suspect_limits(logs: WeekLogs) -> dict[str, float | int | str]:
    """The keyword arguments of ``queries.suspicious_ips``: the same as the CLI's ``suspects``
    (:func:`mkslog.queries.suspect_limits`: ``[thresholds] suspect_*`` and the login path)."""
    from ..queries import suspect_limits as configured

    return configured(logs.config)


#: Japanese wording of ``suspicious_ips`` reasons (the query writes them in English).
_SUSPECT_JA = {
    "volume": "1 時間に最大 {} 件（上限 {}）",
    "4xx": "{} 件中 {}% が 4xx（上限 {}%）",
    "logins": "ログイン失敗 {} 回（上限 {}）",
    "scanner": "スキャナー的なアクセス {} 件: {}",
}


def suspect_reasons(suspects: pl.DataFrame, lang: str = "en", *, requests_per_hour: float = 1000,
                    ratio_4xx: float = 0.5, login_failures: float = 10, min_requests: int = 20,
                    login_path: str | None = None) -> pl.DataFrame:
    """remote_addr, requests, reason of ``queries.suspicious_ips`` output, the reason in ``lang``
    (give the same limits as to the query)."""
    if lang != "ja" or suspects.is_empty():
        return suspects.select("remote_addr", "requests", "reason")

    def lit(value: float) -> pl.Expr:
        return pl.lit(f"{value:g}")

    texts = [
        pl.when(pl.col("peak_per_hour") >= requests_per_hour)
        .then(pl.format(_SUSPECT_JA["volume"], "peak_per_hour", lit(requests_per_hour))),
        pl.when((pl.col("ratio_4xx") >= ratio_4xx) & (pl.col("requests") >= min_requests))
        .then(pl.format(_SUSPECT_JA["4xx"], "requests", (pl.col("ratio_4xx") * 100).round(0).cast(pl.Int64),
                        lit(ratio_4xx * 100))),
        pl.when(pl.col("login_failures") >= login_failures)
        .then(pl.format(_SUSPECT_JA["logins"], "login_failures", lit(login_failures))),
        pl.when(pl.col("scanner_hits") > 0)
        .then(pl.format(_SUSPECT_JA["scanner"], "scanner_hits", pl.col("scanner_paths").list.head(3).list.join(", "))),
    ]
    return suspects.select("remote_addr", "requests", pl.concat_str(texts, separator="; ", ignore_nulls=True).alias("reason"))


__all__ = ["suspect_limits", "suspect_reasons"]
