"""mkslog.present.charts: each chart builds a valid Vega-Lite spec from query-shaped frames, draws to SVG
offline (vl-convert), shows wall-clock time of the data's timezone, and keeps untrusted labels inert."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import altair as alt
import polars as pl
import pytest
import vl_convert as vlc

from mkslog.present import charts

TOKYO = "Asia/Tokyo"


def hourly(n: int = 48, tz: str = TOKYO) -> pl.DataFrame:
    start = datetime(2026, 11, 15, 15, tzinfo=UTC)  # 2026-11-16 00:00 in Tokyo
    ts = pl.datetime_range(start, start + timedelta(hours=n - 1), "1h", eager=True, time_zone="UTC")
    return pl.DataFrame({"ts": ts}).with_columns(
        pl.col("ts").dt.convert_time_zone(tz), pl.int_range(n).alias("requests"), (pl.int_range(n) % 5).alias("count")
    )


def svg(chart) -> str:
    return vlc.vegalite_to_svg(chart.to_dict())


def texts(svg_text: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg_text)


def marks(svg_text: str) -> int:
    return len(re.findall(r"<(?:path|rect|line)\b", svg_text))


def all_charts(lang: str = "en"):
    metrics = hourly(24).select("ts", pl.lit(20.0).alias("cpu"), pl.lit(50.0).alias("memory"), pl.lit(60.0).alias("disk"))
    intervals = pl.DataFrame({
        "start": [datetime(2026, 11, 16, 0), datetime(2026, 11, 18, 14), datetime(2026, 11, 18, 14, 20)],
        "end": [datetime(2026, 11, 18, 14), datetime(2026, 11, 18, 14, 20), datetime(2026, 11, 22, 23, 55)],
        "ok": [True, False, True]})
    return {
        "traffic": charts.traffic(hourly(), lang=lang),
        "status_mix": charts.status_mix(pl.DataFrame({"class": ["2xx", "2xx", "4xx", "5xx"], "status": [200, 204, 404, 502],
                                                      "requests": [90, 5, 4, 1]}), lang=lang),
        "top_bar": charts.top_bar(pl.DataFrame({"remote_addr": ["10.0.0.1", "10.0.0.2"], "requests": [5, 3]}),
                                  "remote_addr", "requests", lang=lang),
        "latency": charts.latency_percentiles(pl.DataFrame({"endpoint": ["/a", "/b"], "p50_ms": [10.0, 20.0],
                                                            "p95_ms": [50.0, 70.0], "p99_ms": [90.0, 300.0]}), lang=lang),
        "errors": charts.error_heatmap(hourly(), lang=lang),
        "resources": charts.resource_usage(metrics, lang=lang),
        "availability": charts.availability(intervals, lang=lang),
    }


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_chart_is_valid_and_draws_offline(lang):
    for name, chart in all_charts(lang).items():
        assert isinstance(chart, alt.TopLevelMixin), name
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")  # a name, never fetched
        drawn = svg(chart)
        assert drawn.startswith("<svg") and marks(drawn) >= 3, name
        assert "http" not in drawn.replace("http://www.w3.org/", ""), name  # no external references in the drawing


def test_titles_and_labels_follow_the_language():
    en, ja = all_charts("en"), all_charts("ja")
    assert en["traffic"].to_dict()["title"] == "Requests per hour"
    assert ja["traffic"].to_dict()["title"] == "1 時間あたりのリクエスト数"
    assert "リクエスト数" in texts(svg(ja["traffic"]))
    assert "メモリ" in texts(svg(ja["resources"]))  # metric names in the legend are translated
    assert {"稼働", "停止"} <= set(texts(svg(ja["availability"])))


def test_time_axis_shows_wall_clock_of_the_data_timezone():
    # 2026-11-16 00:00 Tokyo is 2026-11-15 15:00 UTC: the axis must say 11/16 00:00, whatever the
    # timezone of the machine that draws it
    labels = texts(svg(charts.traffic(hourly(24))))
    assert "11/16 00:00" in labels
    assert not any(label.startswith("11/15") for label in labels)
    data = charts.traffic(hourly(2)).to_dict()
    values = next(iter(data["datasets"].values()))
    assert values[0]["ts"] == int(datetime(2026, 11, 16, tzinfo=UTC).timestamp() * 1000)


def test_heatmap_is_day_by_hour_in_local_time():
    df = pl.DataFrame({"ts": [datetime(2026, 11, 15, 15, tzinfo=UTC), datetime(2026, 11, 15, 16, tzinfo=UTC)],
                       "count": [3, 4]}).with_columns(pl.col("ts").dt.convert_time_zone(TOKYO))
    spec = charts.error_heatmap(df).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert [(v["day"], v["hour"], v["count"]) for v in values] == [("Mon 16 Nov", 0, 3), ("Mon 16 Nov", 1, 4)]
    ja = next(iter(charts.error_heatmap(df, lang="ja").to_dict()["datasets"].values()))
    assert ja[0]["day"] == "11/16"


def test_status_mix_adds_up_codes_per_class_with_fixed_colours():
    chart = all_charts()["status_mix"]
    spec = chart.to_dict()
    values = {v["class"]: v["requests"] for v in next(iter(spec["datasets"].values()))}
    assert values == {"2xx": 95, "4xx": 4, "5xx": 1}
    scale = spec["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True))["5xx"] == charts.STATUS_COLORS["5xx"]


def test_resource_thresholds_default_to_the_manual_and_can_be_overridden():
    metrics = hourly(3).select("ts", pl.lit(90.0).alias("cpu"), pl.lit(1.0).alias("memory"), pl.lit(1.0).alias("disk"))

    def rules(chart):
        layer = chart.to_dict()
        datasets = layer["datasets"]
        rule_layer = next(part for part in layer["layer"] if part["mark"]["type"] == "rule")
        return {v["metric"]: v["percent"] for v in datasets[rule_layer["data"]["name"]]}

    assert rules(charts.resource_usage(metrics)) == {"CPU": 80.0, "Memory": 85.0, "Disk": 85.0}
    assert rules(charts.resource_usage(metrics, {"cpu": 70})) == {"CPU": 70.0, "Memory": 85.0, "Disk": 85.0}


def test_latency_keeps_the_frame_order_and_short_percentile_names():
    spec = all_charts()["latency"].to_dict()
    assert spec["encoding"]["y"]["sort"] == ["/a", "/b"]
    assert {v["percentile"] for v in next(iter(spec["datasets"].values()))} == {"p50", "p95", "p99"}


@pytest.mark.parametrize("evil", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"])
def test_untrusted_labels_are_escaped_in_the_svg(evil):
    df = pl.DataFrame({"endpoint": [evil, "/ok"], "p50_ms": [1.0, 2.0], "p95_ms": [3.0, 4.0], "p99_ms": [5.0, 6.0]})
    for chart in (charts.latency_percentiles(df), charts.top_bar(df, "endpoint", "p50_ms")):
        drawn = svg(chart)
        assert "<script" not in drawn and "<img" not in drawn
        assert any("&lt;" in text for text in texts(drawn))


def test_a_week_of_hourly_points_stays_under_altairs_row_limit():
    week = hourly(24 * 7)
    assert len(week) < alt.data_transformers.options.get("max_rows", 5000)
    assert marks(svg(charts.traffic(week))) >= 3


def test_null_categories_are_drawn_as_none():
    df = pl.DataFrame({"endpoint": [None, "/a"], "p50_ms": [1.0, 2.0], "p95_ms": [3.0, 4.0], "p99_ms": [5.0, 6.0]})
    for chart in (charts.latency_percentiles(df), charts.top_bar(df, "endpoint", "p50_ms")):
        assert "(none)" in texts(svg(chart))


def strings(value) -> list[str]:
    """Every string in a chart spec (data values, titles, sort lists, domains)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


@pytest.mark.parametrize("raw", ["\x1b", "\x00", "\x07"])
def test_control_characters_in_labels_never_reach_vega(raw, tmp_path):
    """A raw ESC, NUL or BEL in a label made vl-convert abort the process ("Kernel died" in the report)."""
    label = f"/a{raw}[2J"
    df = pl.DataFrame({"endpoint": [label, "/ok"], "p50_ms": [1.0, 2.0], "p95_ms": [3.0, 4.0], "p99_ms": [5.0, 6.0]})
    built = [charts.latency_percentiles(df), charts.top_bar(df, "endpoint", "p50_ms", title=f"Top {raw}"),
             charts.status_mix(pl.DataFrame({"class": [f"5xx{raw}", "2xx"], "requests": [1, 2]}))]
    specs = [chart.to_dict() for chart in built]
    for spec in specs:
        assert not [s for s in strings(spec) if re.search("[\x00-\x1f\x7f-\x9f]", s)]
    # drawn in a process of its own: on such a label vl-convert aborts the whole interpreter
    (tmp_path / "specs.json").write_text(json.dumps(specs))
    code = ("import json, sys, vl_convert as vlc\n"
            "print(json.dumps([vlc.vegalite_to_svg(s) for s in json.load(open(sys.argv[1]))]))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "specs.json")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    drawn = json.loads(done.stdout)
    shown = f"/a\\x{ord(raw):02x}[2J"
    assert shown in texts(drawn[0]) and shown in texts(drawn[1])
    assert f"5xx\\x{ord(raw):02x}" in texts(drawn[2])


def test_inert_shows_every_control_character_as_text_one_line_does():
    from mkslog.text import one_line

    every = "".join(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)))
    df = pl.DataFrame({"label": [f"a{every}b", None, "日本"], "n": [1, 2, 3]})
    assert charts.inert(df).rows() == [(one_line(f"a{every}b"), 1), (None, 2), ("日本", 3)]
