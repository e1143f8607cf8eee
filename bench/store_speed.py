"""The Parquet store against parsing text, on one generated N-line `timed` log spread over 7 days.

    .venv/bin/python bench/store_speed.py                   # 1,000,000 lines
    .venv/bin/python bench/store_speed.py --lines 10000000  # the issue's figures

Measures, each in a fresh child process (time inside the child, its own peak RSS): a full typed
parse of the text (every column, streamed), the first ingest, top-ips and latency over the text
and over the store (best of --repeat runs), and an ingest after 1 % more lines were appended.
The issue's targets: first ingest <= 1.5x the parse, queries over the store >= 20x faster, the
1 % ingest about 1 % of the first one plus a small constant.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["/api/v1/knowledge/", "/api/v1/knowledge/search?q=%E3%82%B3&page=", "/api/v1/projects/",
         "/static/js/app.", "/api/v1/auth/login?n=", "/?v="]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
          "curl/8.5.0", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"]
BLOCK = 1_000_000


def generate(path: Path, start: int, n: int, base: int, days: float = 7.0, seed: int = 8) -> None:
    """Lines ``start .. start+n`` of a log whose first ``base`` lines span ``days`` (later ones go
    on at the same rate), appended to ``path``; vectorised, about 1M lines/s."""
    rng = np.random.default_rng(seed)
    ips = np.array([f"{a}.{b}.{c}.{d}" for a, b, c, d in rng.integers([1, 0, 0, 1], [224, 256, 256, 255], (20000, 4))])
    weights = 1 / np.arange(1, len(ips) + 1)
    weights /= weights.sum()
    t0 = np.datetime64("2026-11-16T00:00:00", "us").astype(np.int64)
    step = days * 86400e6 / base
    with open(path, "ab") as fh:
        for lo in range(start, start + n, BLOCK):
            m = min(BLOCK, start + n - lo)
            r = np.random.default_rng([seed, lo])
            ts = pl.Series((t0 + np.arange(lo, lo + m) * step).astype(np.int64)).cast(pl.Datetime("us", "UTC"))
            rt = r.exponential(1 / 12, m) + (r.random(m) < 0.01) * 2
            df = pl.DataFrame({
                "ip": ips[r.choice(len(ips), m, p=weights)],
                "ts": ts.dt.convert_time_zone("Asia/Tokyo").dt.strftime("%d/%b/%Y:%H:%M:%S %z"),
                "path": np.array(PATHS)[r.integers(0, len(PATHS), m)],
                "id": r.integers(1, 9999, m),
                "status": np.array([200, 200, 200, 200, 304, 404, 401, 502])[r.integers(0, 8, m)],
                "bytes": r.integers(0, 90000, m),
                "agent": np.array(AGENTS)[r.integers(0, len(AGENTS), m)],
                "rt": rt,
            })
            line = pl.concat_str([
                "ip", pl.lit(" - - ["), "ts", pl.lit('] "GET '), "path", pl.col("id").cast(pl.String),
                pl.lit(' HTTP/1.1" '), pl.col("status").cast(pl.String), pl.lit(" "), pl.col("bytes").cast(pl.String),
                pl.lit(' "-" "'), "agent", pl.lit('" '), pl.col("rt").round(3).cast(pl.String), pl.lit(" "),
                (pl.col("rt") - 0.001).clip(0).round(3).cast(pl.String)])
            df.select(line.alias("line")).write_csv(fh, include_header=False, quote_style="never")


CHILD = r"""
import json, sys, time
import polars as pl
import mkslog
from mkslog.queries import latency_stats, top_ips
from mkslog.store import ingest, scan_store
task, log, store, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def text():
    return mkslog.scan(log, "timed")
runs, info = [], {}
for _ in range(repeat):
    t = time.perf_counter()
    if task == "parse":
        s = mkslog.ParseStats()
        mkslog.scan(log, "timed", stats=s).select(pl.all().null_count()).collect(engine="streaming")
        info = {"lines": s.total.lines}
    elif task == "ingest":
        r = ingest(log, store, format="timed")
        info = {"lines": r.lines, "parts": r.parts, "summary": r.summary()}
    else:
        what, where = task.split("-")
        lf = scan_store(store) if where == "store" else text()
        out = top_ips(lf, 10) if what == "top" else latency_stats(lf, "endpoint" if what == "endpoints" else None)
        info = {"rows": out.height}
    runs.append(time.perf_counter() - t)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
info.update(seconds=min(runs), rss=int(hwm) / 1024)
print(json.dumps(info))
"""


def child(task: str, log: Path, store: Path, repeat: int = 1) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, task, str(log), str(store), str(repeat)], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{task} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="query runs per child; the best counts")
    ap.add_argument("--dir", type=Path, help="work folder (default: a temporary one, removed after)")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="mkslog-store-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log, store = work / "access.log", work / "store"
    try:
        for p in (log, store):
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
        t = time.perf_counter()
        generate(log, 0, args.lines, args.lines)
        size_mb = log.stat().st_size / 1e6
        print(f"generated {args.lines:,} lines ({size_mb:,.0f} MB) in {time.perf_counter() - t:.1f} s; "
              f"{os.cpu_count()} cores\n")
        n = args.lines
        print(f"{'step':<28}{'seconds':>9}{'lines/s':>13}{'peak RSS MiB':>14}")

        def show(name: str, r: dict, lines: int | None = n) -> dict:
            rate = f"{lines / r['seconds']:>13,.0f}" if lines else f"{'':>13}"
            print(f"{name:<28}{r['seconds']:>9.2f}{rate}{r['rss']:>14,.0f}")
            return r

        parse = show("full typed parse (text)", child("parse", log, store))
        first = show("first ingest", child("ingest", log, store))
        store_mb = sum(f.stat().st_size for f in store.rglob("*.parquet")) / 1e6
        q = {}
        labels = {"top": "top-ips", "latency": "latency", "endpoints": "latency --by endpoint"}
        for what, label in labels.items():
            for where in ("text", "store"):
                q[what, where] = show(f"{label} ({where})", child(f"{what}-{where}", log, store, args.repeat))
        extra = max(1, n // 100)
        generate(log, n, extra, n)
        again = show("ingest after +1 % lines", child("ingest", log, store), extra)
        nothing = show("ingest, nothing new", child("ingest", log, store), None)
        assert again["lines"] == extra, again
        print(f"\nstore: {store_mb:,.0f} MB of Parquet ({store_mb / size_mb:.0%} of the text), "
              f"{first['parts']} part file(s)")
        print("ratios:")
        print(f"  first ingest / full parse          {first['seconds'] / parse['seconds']:6.2f}x   (target <= 1.5x)")
        for what, label in labels.items():
            ratio = q[what, "text"]["seconds"] / q[what, "store"]["seconds"]
            target = "(target >= 20x)" if what != "endpoints" else "(folding paths is compute, not I/O)"
            print(f"  {label + ' text / store':<34} {ratio:6.1f}x   {target}")
        print(f"  1 % ingest / first ingest          {again['seconds'] / first['seconds']:6.1%}   "
              f"(nothing-new ingest: {nothing['seconds']:.2f} s)")
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
