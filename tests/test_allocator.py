"""mkslog's processes set polars' allocator before polars loads (:mod:`mkslog.allocator`), and
keep a user's own setting. Checked in real processes: polars writes its own defaults in front of
whatever ``_RJEM_MALLOC_CONF`` held when it was imported, so the value after a command shows what
polars was started with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mkslog.allocator import ALLOCATOR_CONF, MMAP_THRESHOLD, POLARS_DEFAULTS, map_large_blocks

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "sample_logs" / "nginx" / "mirai-knowledge-system-access.log"
PROBE = ("import os, sys; from mkslog.cli import main\n"
         "sys.argv = ['mkslog', 'top-ips', sys.argv[1], '--format', 'timed', '-n', '1']\n"
         "try:\n    main()\nexcept SystemExit:\n    pass\n"
         "print('polars' in sys.modules, os.environ['_RJEM_MALLOC_CONF'], os.environ.get('OPENBLAS_NUM_THREADS'),"
         " 'numpy' in sys.modules, os.environ.get('MALLOC_MMAP_THRESHOLD_'), sep='|')")


def after_a_command(env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(LOG)], capture_output=True, text=True, check=True,
                          cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)})
    return done.stdout.strip().splitlines()[-1].split("|")


def test_a_command_starts_polars_with_mkslogs_allocator_options():
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    loaded, conf, blas, numpy, mmap = after_a_command(
        {k: v for k, v in env.items() if k not in ("OPENBLAS_NUM_THREADS", "MALLOC_MMAP_THRESHOLD_")})
    assert loaded == "True"
    assert conf == f"{POLARS_DEFAULTS},{ALLOCATOR_CONF}"
    assert (blas, numpy) == ("1", "True")  # numpy (under pyarrow) was loaded after it was set
    assert mmap == str(MMAP_THRESHOLD)  # for the report's kernel; this process set it by mallopt
    assert map_large_blocks()  # glibc here: the call takes


def test_a_users_own_allocator_options_are_kept():
    loaded, conf, blas, _, mmap = after_a_command({**os.environ, "_RJEM_MALLOC_CONF": "narenas:2",
                                                   "OPENBLAS_NUM_THREADS": "3", "MALLOC_MMAP_THRESHOLD_": "65536"})
    assert conf == f"{POLARS_DEFAULTS},narenas:2"
    assert (blas, mmap) == ("3", "65536")
