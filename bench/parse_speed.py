"""Parse speed, side by side in one run, on one generated N-line `timed` log: the floor (wc -l),
a bare polars scan (first token, no validation), DuckDB, gawk in one pass, the manual's awk
pipeline and GoAccess against mkslog top-ips (every line validated against the whole format),
mkslog's per-endpoint latency (against a bare polars query that cuts lines at quotes) and a full
typed mkslog parse.

    .venv/bin/python bench/parse_speed.py --lines 10000000      # also --lines 30000000
    .venv/bin/python -m pip install duckdb                       # the DuckDB peer (bench extra)

Prints wall time, lines/s, MB/s, peak RSS of each and the ratios. The log is cached in bench/out/.
Each command runs in its own child process, measured by a wrapper that has only that child, so
ru_maxrss is its peak (for a shell pipeline: the largest process in it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"
GOACCESS_TIMED = '%h %^[%d:%t %^] "%r" %s %b "%R" "%u" %T %^'
PATHS = ["/api/v1/knowledge/{}", "/api/v1/knowledge/search?q=%E3%82%B3&page={}", "/api/v1/auth/login",
         "/static/js/app.{}.js", "/api/v1/projects/{}", "/"]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
          "curl/8.5.0", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"]


def generate(path: Path, n: int, seed: int = 1) -> None:
    """A block of 200k distinct lines (Zipf-like IPs, mixed endpoints, a latency tail), repeated to n."""
    rng = random.Random(seed)
    ips = [f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in range(20000)]
    weights = [1 / (i + 1) for i in range(len(ips))]
    block_n = min(n, 200_000)
    chosen = rng.choices(ips, weights=weights, k=block_n)
    lines = []
    for i in range(block_n):
        rt = rng.expovariate(12) + (rng.random() < 0.01) * 2
        status = rng.choice((200, 200, 200, 200, 304, 404, 401, 502))
        lines.append(
            f'{chosen[i]} - - [23/Nov/2026:{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d} +0900] '
            f'"GET {rng.choice(PATHS).format(rng.randint(1, 9999))} HTTP/1.1" {status} {rng.randint(0, 90000)} '
            f'"-" "{rng.choice(AGENTS)}" {rt:.3f} {max(rt - 0.001, 0):.3f}\n')
    write_repeated(path, lines, n)


def write_repeated(path: Path, lines: list[str], n: int) -> None:
    """``lines`` repeated to ``n`` lines in ``path``, written to a side file and renamed (a cut-off run
    leaves no half log in the cache)."""
    block = "".join(lines).encode()
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as fh:
        full, rest = divmod(n, len(lines))
        for _ in range(full):
            fh.write(block)
        fh.write("".join(lines[:rest]).encode())
    tmp.replace(path)


def cached(path: Path, n: int, make) -> Path:
    """``path`` (in bench/out/), made by ``make(path, n)`` the first time it is asked for."""
    OUT.mkdir(exist_ok=True)
    if not path.exists():
        t = time.perf_counter()
        make(path, n)
        print(f"generated {path} in {time.perf_counter() - t:.1f} s")
    return path


def measure(cmd: list[str] | str, shell: bool = False) -> tuple[float, float, str]:
    """(seconds, peak RSS MiB, stdout) of one command in a fresh wrapper process."""
    wrapper = (
        "import json,resource,subprocess,sys,time\n"
        "cmd=json.loads(sys.argv[1]); t=time.perf_counter()\n"
        "p=subprocess.run(cmd, shell=isinstance(cmd,str), capture_output=True, text=True)\n"
        "dt=time.perf_counter()-t\n"
        "print(json.dumps([dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024, p.stdout[-2000:], p.returncode, p.stderr[-2000:]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, json.dumps(cmd)], capture_output=True, text=True, check=True)
    seconds, rss, stdout, code, stderr = json.loads(out.stdout)
    if code != 0:
        raise SystemExit(f"command failed ({code}): {cmd}\n{stderr}")
    return seconds, rss, stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--skip-goaccess", action="store_true")
    args = ap.parse_args()
    log = cached(OUT / f"timed-{args.lines}.log", args.lines, generate)
    size_mb = log.stat().st_size / 1e6
    py = sys.executable
    here = Path(__file__).parent
    runs: dict[str, tuple[list[str] | str, bool]] = {
        "wc -l (floor)": (["wc", "-l", str(log)], False),
        "bare polars top IPs": ([py, str(here / "bare_polars_top_ips.py"), str(log)], False),
        "gawk one pass": (["gawk", "{n[$1]++} END {for (k in n) print n[k], k}", str(log)], False),
        "awk top IPs": (f"awk '{{print $1}}' '{log}' | sort | uniq -c | sort -rn | head", True),
        "mkslog top-ips": ([py, "-m", "mkslog", "top-ips", str(log), "--format", "timed"], False),
        "bare polars latency": ([py, str(here / "bare_polars_latency.py"), str(log)], False),
        "mkslog latency --by endpoint": ([py, "-m", "mkslog", "latency", str(log), "--format", "timed",
                                          "--by", "endpoint"], False),
        "mkslog full typed parse": ([py, "-c",
            "import mkslog, polars as pl, sys; s=mkslog.ParseStats(); "
            f"r=mkslog.scan({str(log)!r}, 'timed', stats=s).select(pl.all().null_count()).collect(engine='streaming'); "
            "print(s.summary())"], False),
    }
    try:
        import duckdb  # noqa: F401

        runs["DuckDB top IPs"] = ([py, "-c", "import duckdb, sys; print(duckdb.sql(\"SELECT regexp_extract(line, "
                                   "'^[^ ]+') AS ip, count(*) AS n FROM read_csv(?, columns={'line': 'VARCHAR'}, "
                                   "delim=chr(1), quote='', escape='', header=false) GROUP BY ip ORDER BY n DESC "
                                   "LIMIT 10\", params=[sys.argv[1]]).fetchall())", str(log)], False)
    except ImportError:
        print("DuckDB not installed (pip install duckdb): skipped")
    if not shutil.which("gawk"):
        runs.pop("gawk one pass")
    if not args.skip_goaccess and shutil.which("goaccess"):
        runs["GoAccess"] = (["goaccess", str(log), "--log-format", GOACCESS_TIMED, "--date-format", "%d/%b/%Y",
                             "--time-format", "%T", "--no-global-config", "-o", str(OUT / "goaccess.json")], False)
    elif not args.skip_goaccess:
        print("GoAccess not installed (apt-get install goaccess): skipped")
    results = {}
    print(f"\n{args.lines:,} lines, {size_mb:,.0f} MB, {os.cpu_count()} cores\n")
    print(f"{'command':<26}{'seconds':>9}{'lines/s':>14}{'MB/s':>9}{'peak RSS MiB':>14}")
    for name, (cmd, shell) in runs.items():
        seconds, rss, _ = measure(cmd, shell)
        results[name] = seconds
        print(f"{name:<26}{seconds:>9.2f}{args.lines / seconds:>14,.0f}{size_mb / seconds:>9.0f}{rss:>14,.0f}")
    top = results["mkslog top-ips"]
    print("\nratios (the peer's time / mkslog top-ips' time: above 1, mkslog is faster):")
    for name in ("bare polars top IPs", "DuckDB top IPs", "gawk one pass", "awk top IPs", "GoAccess"):
        if name in results:
            print(f"  vs {name:<22} {results[name] / top:6.2f}")
    latency = results["mkslog latency --by endpoint"]
    print(f"  latency --by endpoint: {latency / results['bare polars latency']:.2f}x the bare polars query's time")
    full = results["mkslog full typed parse"]
    print(f"  full typed parse: {args.lines / full:,.0f} lines/s, {results['awk top IPs'] / full:.2f}x the awk pipeline")


if __name__ == "__main__":
    main()
