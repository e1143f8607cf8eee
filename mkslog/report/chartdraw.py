"""Charts drawn after the report's kernel has ended: the kernel shows each chart as its Vega-Lite
spec, and the process that ran the notebook draws them as SVG before it writes the page.

Why: drawing a chart loads vl-convert, whose V8 engine and library stay in the process (about
45 MiB of library pages and V8's heap). In the kernel they sat on top of the queries' peak; the
report over a 10M-line week peaked at 478 MiB for its kernel and CLI together (415 since). Drawn
afterwards, in a process of their own, they are in memory when the kernel no longer is. The SVGs
are the same: the same vl-convert draws the same spec with the same font registered.

The kernel side (:func:`defer_charts`) is switched on by :data:`DEFER_ENV`, which the report's
kernel gets from :func:`mkslog.report.render.kernel_environment`; a notebook opened in JupyterLab
draws its charts itself, as before. The other side is :func:`draw_charts`, which the CLI runs in
a process of its own (:func:`draw_in_child`): vl-convert aborts its process on some input (a
control character in a label of a notebook's own chart), and the CLI must live to say so.

>>> nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "display_data",
...       "data": {SPEC_MIMETYPE: {"$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
...                                "mark": "point", "data": {"values": [{"x": 1}]},
...                                "encoding": {"x": {"field": "x", "type": "quantitative"}}},
...                "text/plain": "chart"}, "metadata": {}}]}]}
>>> draw_charts(nb)
1
>>> out = nb["cells"][0]["outputs"][0]
>>> sorted(out["data"]), out["data"]["image/svg+xml"].startswith("<svg")
(['image/svg+xml'], True)
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from ..errors import ReportError

#: Set (to "1") in the environment of a kernel whose charts the parent process draws.
DEFER_ENV = "MKSLOG_DRAW_CHARTS_AFTER_KERNEL"
#: The mimetype altair gives a Vega-Lite 6 spec (``altair.vegalite.v6.display.VEGALITE_MIME_TYPE``).
SPEC_MIMETYPE = "application/vnd.vegalite.v6+json"
#: Where the kernel puts the font the chart is to be measured and drawn with (output metadata).
FONT_KEY = "mkslog_font"
_SCHEMA_VERSION = re.compile(r"/vega-lite/v(\d+)\.(\d+)")
RENDERER = "mkslog-deferred"


def charts_deferred(env: dict[str, str] | None = None) -> bool:
    """Whether this kernel leaves its charts to the process that runs it.

    >>> charts_deferred({DEFER_ENV: "1"}), charts_deferred({})
    (True, False)
    """
    return (os.environ if env is None else env).get(DEFER_ENV) == "1"


def defer_charts(font: Path | None) -> None:
    """Make altair show each chart as its spec (with ``font`` noted beside it) instead of drawing
    it: the kernel never loads vl-convert."""
    import altair as alt

    def renderer(spec: dict, **_embed_options) -> tuple[dict, dict]:
        meta = {FONT_KEY: str(font)} if font is not None else {}
        return {SPEC_MIMETYPE: spec, "text/plain": "<chart drawn when the report is written>"}, {SPEC_MIMETYPE: meta}

    alt.renderers.register(RENDERER, renderer)
    alt.renderers.enable(RENDERER)


def vl_version(spec: dict, known: list[str]) -> str | None:
    """The vl-convert name of the spec's Vega-Lite version (``v6_4``), from its ``$schema``, when
    it is one of ``known`` (``vl_convert.get_vegalite_versions()``); else None: vl-convert's own
    version draws it (as altair's svg renderer would have, for a version vl-convert lacks).

    >>> vl_version({"$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json"}, ["5.8", "6.4"])
    'v6_4'
    >>> vl_version({"$schema": "https://vega.github.io/schema/vega-lite/v9.0.0.json"}, ["6.4"]) is None
    True
    """
    found = _SCHEMA_VERSION.search(str(spec.get("$schema", "")))
    if found is None or f"{found.group(1)}.{found.group(2)}" not in known:
        return None
    return f"v{found.group(1)}_{found.group(2)}"


def draw_charts(nb) -> int:
    """Draw every chart spec of the executed notebook ``nb`` as SVG, in place (the output then holds
    only ``image/svg+xml``, as a chart drawn in the kernel does); returns how many were drawn."""
    drawn = 0
    registered: set[str] = set()
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            spec = output.get("data", {}).get(SPEC_MIMETYPE)
            if spec is None:
                continue
            import vl_convert

            font = output.get("metadata", {}).get(SPEC_MIMETYPE, {}).get(FONT_KEY)
            if font and font not in registered:  # measured with the glyphs the page carries
                vl_convert.register_font_directory(str(Path(font).resolve().parent))
                registered.add(font)
            try:
                svg = vl_convert.vegalite_to_svg(spec, vl_version=vl_version(spec, vl_convert.get_vegalite_versions()))
            except Exception as exc:  # ValueError for a spec it cannot draw; its first line says why
                said = str(exc).strip().splitlines()
                raise ReportError(f"could not draw chart {drawn + 1} of the report: "
                                  f"{' '.join(said[:2])} (a chart cell of the "
                                  "notebook made a Vega-Lite spec that vl-convert cannot draw)") from None
            output["data"] = {"image/svg+xml": svg}
            output["metadata"] = {k: v for k, v in output.get("metadata", {}).items() if k != SPEC_MIMETYPE}
            drawn += 1
    return drawn


def has_specs(nb) -> bool:
    """Whether the executed notebook ``nb`` holds any chart left for :func:`draw_charts`."""
    return any(SPEC_MIMETYPE in output.get("data", {}) for cell in nb["cells"] if cell.get("cell_type") == "code"
               for output in cell.get("outputs", []))


def draw_in_child(path: Path, *, timeout: float = 600) -> None:
    """Draw the charts of the notebook file at ``path`` in place, in a child process
    (``python -m mkslog.report.chartdraw PATH``). A crash of vl-convert there is a ReportError here."""
    try:
        done = subprocess.run([sys.executable, "-m", __name__, str(path)], capture_output=True, text=True,
                              errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ReportError(f"drawing the report's charts took more than {timeout:.0f} s") from None
    if done.returncode == 0:
        return
    said = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("Error: ") for line in said if line.startswith("Error: ")]
    if errors:
        raise ReportError(errors[-1])
    panic = next((said[i + 1] for i, line in enumerate(said[:-1]) if " panicked at " in line), None)
    how = (f"signal {signal.Signals(-done.returncode).name}" if done.returncode < 0
           else f"exit status {done.returncode}")
    raise ReportError(f"vl-convert crashed while drawing the report's charts ({how}"
                      + (f": {panic[:300]}" if panic else "") + "); a chart's text may hold a control "
                      "character: pass label columns through mkslog.present.charts.inert")


def main(argv: list[str]) -> int:
    """``python -m mkslog.report.chartdraw NOTEBOOK``: draw its charts in place."""
    import nbformat

    try:
        nb = nbformat.read(argv[0], as_version=4)
        if draw_charts(nb):
            nbformat.write(nb, argv[0])
    except ReportError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an unreadable notebook, a font gone: one line for the CLI, no traceback
        said = " ".join(str(exc).split())[:300]
        print(f"Error: could not draw the report's charts: {type(exc).__name__}: {said}", file=sys.stderr)
        return 2
    return 0


__all__ = ["DEFER_ENV", "FONT_KEY", "RENDERER", "SPEC_MIMETYPE", "charts_deferred", "defer_charts", "draw_charts",
           "draw_in_child", "has_specs", "vl_version"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
