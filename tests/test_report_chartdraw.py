"""Charts of ``mkslog report`` are drawn after its kernel has ended (mkslog.report.chartdraw): the
kernel never loads vl-convert (45 MiB of library and V8's heap on top of the queries' peak), and
the page shows the same SVG the kernel would have drawn."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import altair as alt
import nbformat
import polars as pl
import pytest
from notebook_support import PROBE_WEEK, run_probe_report

from mkslog.errors import ReportError
from mkslog.present.charts import use_theme
from mkslog.report.chartdraw import FONT_KEY, SPEC_MIMETYPE, defer_charts, draw_charts, draw_in_child
from mkslog.report.fonts import family, find_font, register_for_charts

ROOT = Path(__file__).resolve().parent.parent
WEEK = PROBE_WEEK
SVG_IMG = re.compile(r'<img [^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')
CITIES = pl.DataFrame({"city": ["東京", "大阪", "札幌"], "requests": [30, 20, 10]})


@pytest.fixture
def renderer():
    """altair's renderer and theme as the test found them (they are process-wide)."""
    before = alt.renderers.active
    yield
    alt.renderers.enable(before)


def chart() -> alt.Chart:
    return alt.Chart(CITIES, title="requests by city").mark_bar().encode(x="requests", y="city")


def notebook_of(*outputs) -> dict:
    return {"cells": [{"cell_type": "markdown", "source": "x"},
                      {"cell_type": "code", "outputs": list(outputs)}]}


def test_the_report_kernel_leaves_its_charts_to_the_process_that_writes_the_page(tmp_path):
    done, out = run_probe_report(tmp_path, [
        "import altair as alt, polars as pl\nfrom mkslog.report.page import setup_display\nsetup_display()\n"
        "display(alt.Chart(pl.DataFrame({'city': ['東京', '大阪'], 'n': [3, 1]}), title='by city')"
        ".mark_bar().encode(x='n', y='city'))",
        "import sys\nprint('VL_CONVERT', 'vl_convert' in sys.modules)"])
    assert done.returncode == 0, done.stderr
    executed = nbformat.read(out / f"mks-weekly-{WEEK}.ipynb", as_version=4)
    said = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "VL_CONVERT False" in said  # the kernel drew nothing
    drawn = [o for c in executed.cells for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {})]
    assert len(drawn) == 1 and set(drawn[0]["data"]) == {"image/svg+xml"}  # the kept notebook: SVG, no spec
    svg = drawn[0]["data"]["image/svg+xml"]
    assert svg.startswith("<svg") and "by city" in svg and "東京" in svg
    page = (out / f"mks-weekly-{WEEK}.html").read_text(encoding="utf-8")
    images = [base64.b64decode(m).decode("utf-8") for m in SVG_IMG.findall(page)]
    assert len(images) == 1 and "東京" in images[0] and "by city" in images[0]


def test_a_deferred_chart_is_drawn_as_the_kernel_would_have_drawn_it(renderer):
    font = find_font(None)
    if font is None:
        pytest.skip("no CJK font on this machine (.ci/run installs fonts-ipaexfont-gothic)")
    use_theme(family(font))
    register_for_charts(font)
    alt.renderers.enable("svg")
    in_kernel = chart()._repr_mimebundle_()
    in_kernel = in_kernel[0] if isinstance(in_kernel, tuple) else in_kernel
    defer_charts(font)
    bundle, meta = chart()._repr_mimebundle_()
    assert set(bundle) == {SPEC_MIMETYPE, "text/plain"} and meta[SPEC_MIMETYPE] == {FONT_KEY: str(font)}
    nb = notebook_of({"output_type": "display_data", "data": bundle, "metadata": meta})
    assert draw_charts(nb) == 1
    output = nb["cells"][1]["outputs"][0]
    assert output["data"] == {"image/svg+xml": in_kernel["image/svg+xml"]}
    assert output["metadata"] == {}
    use_theme(None)


def test_outputs_without_a_spec_are_left_as_they_are():
    text = {"output_type": "stream", "name": "stdout", "text": "hello"}
    table = {"output_type": "display_data", "data": {"text/html": "<table></table>"}, "metadata": {}}
    nb = notebook_of(text, table)
    assert draw_charts(nb) == 0
    assert nb["cells"][1]["outputs"] == [text, table]


def test_a_spec_vl_convert_cannot_draw_is_a_report_error_saying_why():
    broken = {"output_type": "display_data", "metadata": {},
              "data": {SPEC_MIMETYPE: {"$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
                                       "mark": "no-such-mark", "data": {"values": [{"x": 1}]}}}}
    with pytest.raises(ReportError, match=r"could not draw chart 1 of the report: .*conversion failed") as caught:
        draw_charts(notebook_of(broken))
    assert "\n" not in str(caught.value) and "backtrace" not in str(caught.value).lower()


def test_a_spec_of_a_vega_lite_version_vl_convert_lacks_is_drawn_with_its_own(renderer):
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v99.0.0.json", "mark": "point",
            "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x", "type": "quantitative"}}}
    nb = notebook_of({"output_type": "display_data", "data": {SPEC_MIMETYPE: spec}, "metadata": {}})
    assert draw_charts(nb) == 1
    assert nb["cells"][1]["outputs"][0]["data"]["image/svg+xml"].startswith("<svg")


def test_a_chart_that_crashes_vl_convert_ends_the_report_with_an_error_not_a_crash(tmp_path):
    """vl-convert aborts its process on a control character in a label (mkslog's own charts pass
    theirs through charts.inert; a notebook of one's own may not): the drawing process dies, the
    CLI says why in one line."""
    done, out = run_probe_report(tmp_path, [
        "import altair as alt, polars as pl\nfrom mkslog.report.page import setup_display\nsetup_display()\n"
        "display(alt.Chart(pl.DataFrame({'t': ['a\\x1b[31mb']})).mark_text().encode(text='t'))"])
    assert done.returncode != 0 and done.returncode > 0
    said = done.stderr.strip().splitlines()[-1]  # papermill's "unknown parameter" lines come first
    assert said.startswith("Error: vl-convert crashed while drawing the report's charts (signal SIGABRT: ")
    assert said.endswith("pass label columns through mkslog.present.charts.inert")
    assert "Traceback" not in done.stderr and "backtrace" not in done.stderr
    assert "\x1b" not in done.stderr
    assert not (out / f"mks-weekly-{WEEK}.html").exists()


def test_a_notebook_the_drawing_process_cannot_read_is_one_error_line(tmp_path):
    broken = tmp_path / "executed.ipynb"
    broken.write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(ReportError, match=r"^could not draw the report's charts: \w+: ") as caught:
        draw_in_child(broken)
    assert "Traceback" not in str(caught.value) and "\n" not in str(caught.value)
