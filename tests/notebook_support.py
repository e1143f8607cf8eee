"""Run ``mkslog report`` on a probe notebook of one's own, in a real CLI process and kernel.

>>> # run_probe_report(tmp_path, ["print(1)"]) -> (CompletedProcess, out folder)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PROBE_WEEK = "2026-W47"


def run_probe_report(tmp_path: Path, cells: list[str]) -> tuple[subprocess.CompletedProcess, Path]:
    """``mkslog report --week 2026-W47 --notebook probe.ipynb`` where the notebook is a parameters
    cell and ``cells``; returns the finished process and the output folder."""
    notebook = tmp_path / "probe.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('config = ""\nperiod = "week"\nspec = "2026-W47"',
                                          metadata={"tags": ["parameters"]}),
                *(nbformat.v4.new_code_cell(source) for source in cells)]
    nbformat.write(nb, notebook)
    config = tmp_path / "mkslog.toml"
    config.write_text('timezone = "UTC"\nlang = "en"\n', encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "mkslog", "report", "--week", PROBE_WEEK, "--config", str(config),
                           "--notebook", str(notebook), "-o", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return done, out
