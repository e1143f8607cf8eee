"""The application log against its shell one-liners, side by side in one run: errors per hour
(the manual's ``grep ' ERROR ' app.log | cut -c1-13 | uniq -c``), failed logins, a full parse.

    .venv/bin/python bench/app_speed.py --lines 10000000 [--runs 3]

The log is memory_sweep's ``generate_app()`` (cached in bench/out/): INFO lines, failed logins,
ERRORs with a three-line traceback, in mkslog's app format. Each command runs as a child process,
``--runs`` times in turn (peers alternating, so a drift of the machine's speed hits all alike);
the median seconds, lines/s, peak RSS and the ratio to the grep pipeline are printed. grep counts
lines that mention ERROR anywhere; mkslog counts records whose level is ERROR or above, and
keeps every traceback whole.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from memory_sweep import generate_app  # noqa: E402
from parse_speed import OUT, cached, measure  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    log = cached(OUT / f"app-{args.lines}.log", args.lines, generate_app)
    py, fmt = sys.executable, "%(asctime)s %(levelname)s %(name)s: %(message)s"
    mk = [py, "-m", "mkslog"]
    app = [str(log), "--kind", "app", "--log-format", fmt]
    runs: dict[str, tuple[list[str] | str, bool]] = {
        "grep | cut | uniq -c (errors per hour)": (f"grep ' ERROR ' '{log}' | cut -c1-13 | uniq -c", True),
        "grep -c (failed logins)": (f"grep -c 'Invalid username or password' '{log}'", True),
        "mkslog errors --by hour": ([*mk, "errors", *app, "--by", "hour"], False),
        "mkslog errors --top 5": ([*mk, "errors", *app, "--top", "5"], False),
        "mkslog failed logins by user (API)": ([py, "-c",
            "import mkslog; from mkslog.queries import failed_logins; "
            f"print(failed_logins(mkslog.scan({str(log)!r}, {fmt!r}, kind='app'), None, by='user').height)"], False),
        "mkslog full parse (every column)": ([py, "-c",
            "import mkslog, polars as pl; s=mkslog.ParseStats(); "
            f"mkslog.scan({str(log)!r}, {fmt!r}, kind='app', stats=s).select(pl.all().null_count())"
            ".collect(engine='streaming'); print(s.summary())"], False),
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(args.runs):
        for name, (cmd, shell) in runs.items():
            seconds, rss, _ = measure(cmd, shell)
            samples[name].append((seconds, rss))
    size_mb = log.stat().st_size / 1e6
    print(f"\n{args.lines:,} app lines ({size_mb:,.0f} MB), medians of {args.runs} runs\n")
    base = statistics.median(s for s, _ in samples["grep | cut | uniq -c (errors per hour)"])
    print(f"{'command':<40}{'seconds':>9}{'lines/s':>13}{'peak MiB':>10}{'vs grep|cut|uniq':>18}")
    for name, got in samples.items():
        seconds = statistics.median(s for s, _ in got)
        rss = max(r for _, r in got)
        print(f"{name:<40}{seconds:>9.2f}{args.lines / seconds:>13,.0f}{rss:>10,.0f}{seconds / base:>17.2f}x")


if __name__ == "__main__":
    main()
