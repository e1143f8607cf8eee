"""Peak memory of every query command, ``ingest`` and ``report`` over one generated N-line log.

    .venv/bin/python bench/memory_sweep.py --lines 10000000      # then --lines 30000000
    .venv/bin/python bench/memory_sweep.py --lines 1000000 --only summary,report

The access log is bench/parse_speed.py's ``generate()`` (a ``timed`` log dated 23/Nov/2026, +0900);
the app log has as many physical lines in mkslog's app format (``%(asctime)s %(levelname)s
%(name)s: %(message)s``): INFO lines, failed logins with the client address, and ERRORs with a
three-line traceback. Both are cached in bench/out/. Each command runs as a child process; two
peaks are printed: ``max proc`` is ru_maxrss of the largest process (the wrapper's
RUSAGE_CHILDREN, as parse_speed's measure()), ``tree`` the largest sum of the RSS of the command's
whole process tree, sampled every 50 ms from /proc (the report's CLI and its notebook kernel
together). The issue's goal: every command under 500 MB at 10M and at 30M lines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from parse_speed import OUT, cached, generate, write_repeated  # noqa: E402

#: The week of the generated access log (23/Nov/2026 is the Monday of ISO week 48).
WEEK = "2026-W48"
LOGGERS = ["app_v2.api.knowledge", "app_v2.auth", "app_v2.api.projects", "app_v2.db"]
TRACEBACK = ("Traceback (most recent call last):\n"
             '  File "/opt/mks/app_v2/api/knowledge.py", line 88, in get_item\n'
             "psycopg2.OperationalError: server closed the connection unexpectedly\n")


def top_address() -> str:
    """The most frequent client address of ``generate()`` (its first, Zipf-weighted)."""
    rng = random.Random(1)
    return f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def generate_app(path: Path, n: int, seed: int = 2) -> None:
    """``n`` physical lines of an app log on 23 Nov 2026: a 200k-line block repeated (as ``generate``)."""
    rng = random.Random(seed)
    ips = [f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in range(500)]
    block_n = min(n, 200_000)
    lines: list[str] = []
    i = 0
    while len(lines) < block_n:
        stamp = f"2026-11-23 {(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d},{rng.randint(0, 999):03d}"
        roll = rng.random()
        if roll < 0.02 and len(lines) + 4 <= block_n:
            lines.append(f"{stamp} ERROR {LOGGERS[0]}: Exception on /api/v1/knowledge/{rng.randint(1, 999)} [GET]\n")
            lines.extend(TRACEBACK.splitlines(keepends=True))
        elif roll < 0.10:
            lines.append(f"{stamp} WARNING app_v2.auth: Invalid username or password: username=u{rng.randint(1, 50)} "
                         f"ip={rng.choice(ips)}\n")
        else:
            lines.append(f"{stamp} INFO {rng.choice(LOGGERS)}: Knowledge updated: id={rng.randint(1, 9999)} "
                         f"user=u{rng.randint(1, 50)}\n")
        i += 1
    write_repeated(path, lines, n)


SAMPLER = r"""
import json, os, resource, subprocess, sys, threading, time

def tree_rss(root):
    kids = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(pid))
            except (OSError, IndexError, ValueError):
                pass
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total

cmd, env, cwd = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
t = time.perf_counter()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env}, cwd=cwd)
peak = [0]
def sample():
    while p.poll() is None:
        peak[0] = max(peak[0], tree_rss(p.pid))
        time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
out, err = p.communicate()
dt = time.perf_counter() - t
print(json.dumps([dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, peak[0] / 2**20,
                  out[-3000:], p.returncode, err[-3000:]]))
"""


def measure(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float, str, int, str]:
    """(seconds, max process MiB, tree MiB, stdout, exit code, stderr) of one command in a fresh wrapper."""
    out = subprocess.run([sys.executable, "-c", SAMPLER, json.dumps(cmd), json.dumps(env), str(cwd)],
                         capture_output=True, text=True, check=True)
    return tuple(json.loads(out.stdout))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--only", help="comma-separated command names to run (default: all)")
    ap.add_argument("--show", action="store_true", help="print each command's output too")
    args = ap.parse_args()
    log = cached(OUT / f"timed-{args.lines}.log", args.lines, generate)
    app = cached(OUT / f"app-{args.lines}.log", args.lines, generate_app)
    with tempfile.TemporaryDirectory(prefix="mkslog-sweep-", dir=OUT) as tmp:  # the store and reports go too
        sweep(args, log, app, Path(tmp))


def sweep(args: argparse.Namespace, log: Path, app: Path, work: Path) -> None:
    """Run every command over ``log`` and ``app`` with ``work`` as their folder (config, store, reports)."""
    root = Path(__file__).resolve().parents[1]
    store = work / "store"
    (work / "mkslog.toml").write_text(
        'timezone = "Asia/Tokyo"\nsource_timezone = "Asia/Tokyo"\nlang = "en"\n'
        f'[logs.access]\npaths = [{str(log)!r}]\nformat = "timed"\n'
        f'[logs.app]\npaths = [{str(app)!r}]\nformat = "%(asctime)s %(levelname)s %(name)s: %(message)s"\n'
        '[report]\nout = "reports"\n')
    env = {"PYTHONPATH": str(root), "MKSLOG_CONFIG": str(work / "mkslog.toml")}
    mk = [sys.executable, "-m", "mkslog"]
    acc = [str(log), "--format", "timed"]
    runs: dict[str, tuple[list[str], int]] = {
        "top-ips": ([*mk, "top-ips", *acc], args.lines),
        "endpoints": ([*mk, "endpoints", *acc], args.lines),
        "latency --by endpoint": ([*mk, "latency", *acc, "--by", "endpoint"], args.lines),
        "errors --by hour (app)": ([*mk, "errors", str(app), "--kind", "app", "--by", "hour"], args.lines),
        "summary": ([*mk, "summary", *acc, "--app-log", str(app)], 2 * args.lines),
        "suspects": ([*mk, "suspects", *acc, "--app-log", str(app)], 2 * args.lines),
        "ip ADDR": ([*mk, "ip", top_address(), *acc], args.lines),
        "logins": ([*mk, "logins", *acc, "--app-log", str(app)], 2 * args.lines),
        "ingest": ([*mk, "ingest", *acc, "--store", str(store), "--host", "bench"], args.lines),
        "top-ips --store": ([*mk, "top-ips", "--store", str(store)], args.lines),
        "report --week": ([*mk, "report", "--week", WEEK, "-o", str(work / "reports"), "--no-progress"],
                          2 * args.lines),
    }
    only = set(args.only.split(",")) if args.only else None
    size_mb = (log.stat().st_size + app.stat().st_size) / 1e6
    print(f"\n{args.lines:,} lines per log ({size_mb:,.0f} MB access + app), {os.cpu_count()} cores\n")
    print(f"{'command':<26}{'lines':>12}{'seconds':>9}{'lines/s':>12}{'max proc MiB':>14}{'tree MiB':>10}")
    for name, (cmd, lines) in runs.items():
        if only and name not in only:
            continue
        seconds, proc, tree, out, code, err = measure(cmd, env, work)
        flag = "" if code == 0 else f"  exit {code}: {err.strip().splitlines()[-1] if err.strip() else ''}"
        over = "  > 500 MB" if max(proc, tree) * 2**20 > 500e6 else ""
        print(f"{name:<26}{lines:>12,}{seconds:>9.1f}{lines / seconds:>12,.0f}{proc:>14,.0f}{tree:>10,.0f}{over}{flag}",
              flush=True)
        if args.show:
            print(out, err, sep="\n")


if __name__ == "__main__":
    main()
