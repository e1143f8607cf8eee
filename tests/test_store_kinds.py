"""The store for the record kinds (health, metrics, backup, app, nginx-error, gunicorn-error):
real files in tmp dirs. As for access logs, what the store returns equals a fresh parse of the
text (``file`` aside), with the same schema, and a re-run parses only what is new."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import time
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from test_store import assert_frames_match, rows

import mkslog
from mkslog.cli.common import MkslogGroup
from mkslog.cli.main import main as mkslog_main
from mkslog.cli.store import ingest_cmd
from mkslog.errors import StoreError
from mkslog.store import ingest, scan_store, store_files

main = MkslogGroup("mkslog", commands={**mkslog_main.commands, "ingest": ingest_cmd})
ROOT = Path(__file__).resolve().parents[1]
T0 = dt.datetime(2026, 11, 18, 8, 0)  # local (Asia/Tokyo) times: the logs cross UTC midnight


def stamp(i: int, step: int = 300) -> str:
    return (T0 + dt.timedelta(seconds=i * step)).strftime("%Y-%m-%d %H:%M:%S")


def health(start: int, n: int, *, bad_every: int = 0) -> str:
    out = []
    for i in range(start, start + n):
        if bad_every and i % bad_every == 0:
            out.append(f"health junk {i}\n")
        elif i % 7 == 0:
            out.append(f"{stamp(i)} - ERROR: Service is down (HTTP 500)\n")
        else:
            out.append(f"{stamp(i)} - OK: Service is running\n")
    return "".join(out)


def metrics(start: int, n: int, *, bad_every: int = 0) -> str:
    out = []
    for i in range(start, start + n):
        if bad_every and i % bad_every == 0:
            out.append(f"{stamp(i)},CPU:oops\n")
        else:
            out.append(f"{stamp(i, 600)},CPU:{i % 100 + 0.5},Memory:{40 + i % 50}.1,Disk:{60 + i % 30}\n")
    return "".join(out)


def app_record(i: int, *, traceback: bool = False) -> list[str]:
    t = (T0 + dt.timedelta(seconds=i * 61)).strftime("%Y-%m-%d %H:%M:%S") + f",{i % 1000:03d}"
    if not traceback:
        return [f"{t} INFO app_v2.api.knowledge: Knowledge created: id={i} user=u{i % 9}\n"]
    return [f"{t} ERROR app_v2.api.knowledge: Exception on /api/v1/knowledge/{i} [GET]\n",
            "Traceback (most recent call last):\n",
            '  File "/opt/mks/backend/app_v2.py", line 449, in search_knowledge\n',
            '    page = int(request.args.get("page", 1))\n',
            f"ValueError: invalid literal for int() with base 10: 'p{i}'\n"]


def app(start: int, n: int) -> str:
    return "".join(line for i in range(start, start + n) for line in app_record(i, traceback=i % 5 == 0))


def append(path: Path, text: str) -> None:
    with open(path, "a") as fh:
        fh.write(text)


def assert_same(store: Path, paths, kind: str) -> None:
    """The store answers exactly like a fresh parse of the text (schema, rows, counts, rejects)."""
    text_stats, store_stats = mkslog.ParseStats(), mkslog.ParseStats()
    text = mkslog.scan(paths, kind=kind, source_tz="Asia/Tokyo", stats=text_stats)
    stored = mkslog.scan(store=store, kind=kind, stats=store_stats)
    assert_frames_match(stored, text, store_stats, text_stats)


def test_source_timezone_is_kept_in_the_catalog(tmp_path):
    log, store = tmp_path / "health.log", tmp_path / "store"
    log.write_text(health(1, 20))
    ingest([log], store, kind="health", source_tz="Asia/Tokyo")
    append(log, health(21, 5))
    with pytest.raises(StoreError, match="source_timezone 'Asia/Tokyo'"):
        ingest([log], store, kind="health", source_tz="UTC")
    assert ingest([log], store, kind="health", source_tz="Asia/Tokyo").lines == 5
    # another kind has its own
    (tmp_path / "metrics.log").write_text(metrics(1, 10))
    assert ingest([tmp_path / "metrics.log"], store, kind="metrics", source_tz="UTC").lines == 10


def test_app_traceback_being_written_is_held_back(tmp_path):
    log, store = tmp_path / "app.log", tmp_path / "store"
    tb = app_record(1000, traceback=True)
    log.write_text(app(0, 200) + "".join(tb[:3]))  # a traceback half written at the end
    first = ingest([log], store, kind="app", source_tz="Asia/Tokyo", chunk_size=1024)
    assert first.lines == app(0, 200).count("\n")  # read up to the start of the last record
    assert "may still be being written" in first.files[0].note
    assert_same(store, [_copy(log, tmp_path, app(0, 200))], "app")  # the text without the held record

    again = ingest([log], store, kind="app", source_tz="Asia/Tokyo")  # nothing new: still held
    assert (again.lines, again.files[0].action) == (0, "unchanged")

    append(log, "".join(tb[3:]) + app(1001, 3))
    second = ingest([log], store, kind="app", source_tz="Asia/Tokyo")
    assert second.lines == len(tb) + 3 - 1  # from the traceback's first line to before the last record
    # the last record (one line) is held again; once the file settles it is read
    third = ingest([log], store, kind="app", source_tz="Asia/Tokyo", settle=0)
    assert third.lines == 1
    assert_same(store, [log], "app")
    whole = scan_store(store, "app").filter(pl.col("message").str.contains("knowledge/1000")).collect()
    assert whole.select("n_lines", "exc_type", "line_no").row(0) == (5, "ValueError", app(0, 200).count("\n") + 1)
    assert ingest([log], store, kind="app", source_tz="Asia/Tokyo", settle=0).files[0].action == "unchanged"


def _copy(log: Path, folder: Path, text: str) -> Path:
    p = folder / "expected" / log.name
    p.parent.mkdir(exist_ok=True)
    p.write_text(text)
    return p


def test_app_gz_is_read_to_its_end(tmp_path):
    log, store = tmp_path / "app.log", tmp_path / "store"
    log.write_text(app(0, 50) + "".join(app_record(50, traceback=True)))
    r = ingest([log], store, kind="app", source_tz="Asia/Tokyo")
    held = r.lines
    assert held == app(0, 50).count("\n")
    with open(log, "rb") as fi, gzip.open(tmp_path / "app.log.1.gz", "wb") as fo:
        shutil.copyfileobj(fi, fo)
    log.unlink()
    r = ingest([tmp_path / "app.log.1.gz"], store, kind="app", source_tz="Asia/Tokyo")
    assert (r.files[0].action, r.lines) == ("rotated", 5)
    assert_same(store, [tmp_path / "app.log.1.gz"], "app")


def test_sample_logs_of_every_kind(tmp_path):
    store = tmp_path / "store"
    samples = {"app": "app/app.log", "nginx-error": "nginx/mirai-knowledge-system-error.log",
               "gunicorn-error": "gunicorn/error.log", "backup": "backups/backup.log"}
    for kind, rel in samples.items():
        path = ROOT / "sample_logs" / rel
        ingest([path], store, kind=kind, source_tz="Asia/Tokyo", chunk_size=8192, settle=0)
        assert_same(store, [path], kind)


def test_cli_ingests_every_configured_kind(tmp_path):
    store = tmp_path / "store"
    (tmp_path / "h.log").write_text(health(0, 100, bad_every=40))
    (tmp_path / "m.log").write_text(metrics(0, 50))
    shutil.copy(ROOT / "sample_logs" / "app" / "app.log", tmp_path / "app.log")
    old = time.time() - 3600
    os.utime(tmp_path / "app.log", (old, old))  # written an hour ago: its last record is final
    toml = tmp_path / "mkslog.toml"
    toml.write_text('store = "store"\nsource_timezone = "Asia/Tokyo"\n'
                    '[logs.health]\npaths = ["h.log"]\n[logs.metrics]\npaths = ["m.log*"]\n'
                    '[logs.app]\npaths = ["app.log"]\n[logs.backup]\npaths = ["missing.log"]\n')
    res = CliRunner().invoke(main, ["ingest", "--config", str(toml), "--output", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {(r["kind"], r["action"]) for r in out} == {("app", "new"), ("health", "new"), ("metrics", "new")}
    assert "health: 1 file(s): 100 new lines (97 parsed, 3 rejected)" in res.stderr
    assert "Warning: health: 3 of 100 new lines did not parse" in res.stderr
    # with --kind only that kind
    append(tmp_path / "h.log", health(100, 10))
    append(tmp_path / "m.log", metrics(50, 10))
    res = CliRunner().invoke(main, ["ingest", "--config", str(toml), "--kind", "health", "--output", "json"])
    assert res.exit_code == 0, res.output
    assert [(r["path"], r["lines"]) for r in json.loads(res.stdout)] == [(str(tmp_path / "h.log"), 10)]
    # the configured store is read by scan(kind=...) without paths
    assert "parquet" in mkslog.scan(config=toml, kind="health").explain().lower()
    assert mkslog.scan(config=toml, kind="health").select(pl.len()).collect().item() == 107
    assert mkslog.scan(config=toml, kind="metrics").select(pl.len()).collect().item() == 50  # not ingested yet
    res = CliRunner().invoke(main, ["errors", "--config", str(toml), "--output", "json"])
    assert res.exit_code == 0, res.output
    assert sorted(set(store_files(store)["kind"])) == ["app", "health", "metrics"]


def test_interrupted_app_ingest_resumes_at_a_record_start(tmp_path, monkeypatch):
    """Checkpoints of a multi-line log fall between records: an ingest stopped after one resumes
    there, and no record is cut in two."""
    from mkslog.store.filejob import FileJob

    log, store = tmp_path / "app.log", tmp_path / "store"
    log.write_text(app(0, 3000))
    real = FileJob.commit
    calls = []

    def commit(self, final):
        calls.append(final)
        if len(calls) == 3:
            raise KeyboardInterrupt  # killed after two checkpoints
        real(self, final)

    monkeypatch.setattr(FileJob, "commit", commit)
    with pytest.raises(KeyboardInterrupt):
        ingest([log], store, kind="app", source_tz="Asia/Tokyo", chunk_size=4096, part_rows=300, settle=0)
    monkeypatch.undo()
    done = store_files(store)["lines"].item()
    assert 0 < done < log.read_text().count("\n")
    expected = rows(mkslog.scan([log], kind="app", source_tz="Asia/Tokyo").filter(pl.col("line_no") <= done))
    assert rows(scan_store(store, "app")).equals(expected)  # whole records only
    r = ingest([log], store, kind="app", source_tz="Asia/Tokyo", settle=0)
    assert r.lines == log.read_text().count("\n") - done
    assert_same(store, [log], "app")
