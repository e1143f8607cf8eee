"""An install without a C compiler builds no extension: every module that uses one still imports,
and a parse gives the same frames from polars alone. (``MKSLOG_NO_NATIVE`` switches the loops off in
the other tests; here the modules themselves are missing, as on such a machine: a child process in
which importing them fails.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl

from mkslog.parse.pipeline import parse_file

ROOT = Path(__file__).resolve().parent.parent
EXTENSIONS = ("linesplit", "linecut", "linedfa", "requestline", "clocktime", "pathfold")
LOGS = {"access": (str(ROOT / "sample_logs/nginx/mirai-knowledge-system-access.log"), "timed"),
        "app": (str(ROOT / "sample_logs/app/app.log"), None)}

CHILD = """
import sys
for name in {extensions!r}:  # an entry of None makes the import fail, as for a module that is not there
    sys.modules["mkslog.native." + name] = None
import polars as pl
from mkslog.formats import clocktimes, linematch, requestparts, split
from mkslog.native import forget_buffers
from mkslog.parse.pipeline import parse_file
assert (split.linecut, linematch.linedfa, requestparts.requestline, clocktimes.clocktime) == (None,) * 4
assert requestparts.request_parts(pl.Series(["GET / HTTP/1.1"]), "p") is None
forget_buffers()  # nothing to forget: no error
for kind, (path, fmt) in {logs!r}.items():
    parse_file(path, kind, fmt).write_parquet(sys.argv[1] + "/" + kind + ".parquet")
"""


def test_a_parse_without_the_c_extensions_gives_the_same_frames(tmp_path):
    script = CHILD.format(extensions=EXTENSIONS, logs=LOGS)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for kind, (path, fmt) in LOGS.items():
        fast = parse_file(path, kind, fmt)
        slow = pl.read_parquet(tmp_path / f"{kind}.parquet")
        assert len(fast) > 100 and fast.equals(slow), kind
