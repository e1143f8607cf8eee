"""The manual's "preserve the logs" step of an incident, as one call: the raw lines of a window from
every configured log, copied into a dated, read-only bundle with a manifest (``mkslog incident collect``).

:func:`collect_bundle` reads each configured log for ``since``..``until`` through :func:`mkslog.scan`
(so the window means what it means everywhere: rotated and gzipped members included, records whole),
takes the file and line numbers of the records in the window, and copies exactly those lines, byte for
byte as written, out of the source files (a traceback's continuation lines go with its record). With
``ip`` the access logs and the nginx error log keep only that client's lines (address or CIDR); the
other logs have no client and are copied for the whole window. Lines that carry no timestamp of their
own (rejects) cannot be placed in a window and are not copied.

The bundle ``incident-YYYYmmdd-HHMM[-ip]`` (the window's start in ``tz``) holds ``logs/<log>/<file>``
(decompressed, ``.gz`` dropped), ``timeline.csv`` (:mod:`mkslog.queries.timeline`), ``summary.json``
(:func:`mkslog.queries.summary`, when an access log is configured) and ``MANIFEST.json``: the window,
each file's sha256, size, line count and source files, and the logs left out with the reason. Every file
is written with :func:`mkslog.files.atomic_write` as mode 0444 and the folders are made 0555 at the end:
evidence is not edited by accident (``chmod -R u+w`` to remove it).

>>> bundle = collect_bundle("2026-11-18 13:55", "2026-11-18 14:30", config="mkslog.example.toml")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from .config import as_config
from .errors import MkslogError
from .files import atomic_write
from .kinds import KINDS, config_key
from .sources import Source

READ_ONLY_FILE = 0o444
READ_ONLY_DIR = 0o555
#: The kinds whose records name a client address, so ``ip`` applies to them.
CLIENT_KINDS = ("access", "nginx-error")


class BundleError(MkslogError):
    """The bundle cannot be written (it exists already, or the window is open-ended)."""


def configured_logs(cfg) -> list[tuple[str, str, str | None]]:
    """(name, kind, format) of every configured log: each kind, and gunicorn's access log (an access log
    in its own format, ``[logs.gunicorn_access]``).

    >>> [name for name, _, _ in configured_logs(as_config(None))][:3]
    ['access', 'gunicorn-access', 'nginx-error']
    """
    logs: list[tuple[str, str, str | None]] = []
    for kind in KINDS:
        if cfg.log_paths(config_key(kind)):
            logs.append((kind, kind, None))
        if kind == "access" and cfg.log_paths("gunicorn_access"):
            logs.append(("gunicorn-access", "access", cfg.get("logs.gunicorn_access.format")))
    return logs


def _window_lines(lf: pl.LazyFrame) -> pl.DataFrame:
    """file, line (0-based index) of every line of the records in ``lf``: a record's first line and,
    for the multi-line kinds, its continuation lines."""
    span = pl.col("n_lines") if "n_lines" in lf.collect_schema() else pl.lit(1, pl.Int64)
    first = pl.col("line_no") - 1
    return (lf.select("file", pl.int_ranges(first, first + span.fill_null(1)).alias("line"))
            .explode("line").collect(engine="streaming").unique(maintain_order=False).sort("file", "line"))


def _copy_lines(source_file: str, lines: pl.Series) -> bytes:
    """The lines (0-based indices) of ``source_file`` (decompressed), as written, each ending in a newline."""
    stream = Source(source_file).open()
    try:
        data = b"".join(iter(lambda: stream.read(1 << 20), b""))
    finally:
        stream.close()
    raw = data.split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()  # the newline that ends the last line starts no line
    picked = pl.Series(raw, dtype=pl.Binary).gather(lines.filter(lines < len(raw)))
    return b"".join(line + b"\n" for line in picked.to_list()) if len(picked) else b""


def _target_name(source_file: str, taken: set[str]) -> str:
    name = os.path.basename(source_file).removesuffix(".gz")
    n, unique = 1, name
    while unique in taken:  # two configured folders with a same-named file
        n += 1
        unique = f"{n}-{name}"
    taken.add(unique)
    return unique


def _write(path: Path, data: bytes, manifest: list[dict], bundle: Path, **about) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data, mode=READ_ONLY_FILE)
    manifest.append({"path": path.relative_to(bundle).as_posix(), "sha256": hashlib.sha256(data).hexdigest(),
                     "bytes": len(data), **about})


def _json_default(value):
    return value.isoformat() if isinstance(value, datetime) else str(value)


def collect_bundle(since, until, *, config=None, out_dir: str | os.PathLike = ".", ip: str | None = None,
                   tz: str | None = None) -> Path:
    """Write the bundle of ``since``..``until`` (what :func:`mkslog.scan` takes) under ``out_dir``;
    returns its folder. See the module for what it holds."""
    from .frame import window

    cfg = as_config(config)
    zone = tz or cfg.get("timezone") or "UTC"
    start, end = window(since, until, zone)
    if start is None or end is None:
        raise BundleError("give the incident window with both --since and --until, e.g. --since '2026-11-18 13:55' "
                          "--until '2026-11-18 14:30'")
    label = start.astimezone(ZoneInfo(zone)).strftime("%Y%m%d-%H%M") + (f"-{ip.replace('/', '_').replace(':', '_')}" if ip else "")
    bundle = Path(out_dir) / f"incident-{label}"
    if bundle.exists():
        raise BundleError(f"{bundle} exists already: an earlier bundle is evidence, so it is not overwritten; "
                          "give another --out folder, or remove it (chmod -R u+w first)")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    # built in a hidden folder and renamed at the end: a failed run leaves no half bundle that looks whole
    work = Path(tempfile.mkdtemp(dir=out_dir, prefix=f".{bundle.name}."))
    try:
        _fill(work, cfg, start, end, zone, ip)
        os.rename(work, bundle)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise BundleError(f"cannot write the bundle in {out_dir}: {exc.strerror or exc} (give a writable --out)"
                          ) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    for folder in sorted({p for p in bundle.rglob("*") if p.is_dir()} | {bundle}, key=lambda p: -len(p.parts)):
        folder.chmod(READ_ONLY_DIR)
    return bundle


def _fill(bundle: Path, cfg, start: datetime, end: datetime, zone: str, ip: str | None) -> None:
    """Write the logs, the timeline, the summary and the manifest into ``bundle``."""
    from .frame import scan
    from .queries import summary
    from .queries.timeline import timeline

    files: list[dict] = []
    missing: dict[str, str] = {}
    frames: dict[str, pl.LazyFrame] = {}
    for name, kind, fmt in configured_logs(cfg):
        filters = {"ip": ip} if ip and kind in CLIENT_KINDS else None
        try:
            lf = scan(None if name != "gunicorn-access" else cfg.log_paths("gunicorn_access"), fmt, kind=kind,
                      since=start, until=end, tz=zone, config=cfg, filters=filters)
            wanted = _window_lines(lf)
        except MkslogError as exc:
            missing[name] = str(exc)
            continue
        frames.setdefault(kind, lf)
        taken: set[str] = set()
        for (source_file,), group in wanted.group_by("file", maintain_order=True):
            data = _copy_lines(str(source_file), group["line"])
            _write(bundle / "logs" / name / _target_name(str(source_file), taken), data, files, bundle,
                   lines=data.count(b"\n"), source=str(source_file))
    try:
        events = timeline(start, end, config=cfg, tz=zone)
        from .present.export import guard_formulas  # a spreadsheet opens the CSV: no formulas from log text
        _write(bundle / "timeline.csv", guard_formulas(events.lazy()).collect().write_csv().encode(), files, bundle,
               lines=events.height)
    except MkslogError as exc:
        missing["timeline"] = str(exc)
    if "access" in frames:
        app = frames.get("app")
        row = summary(frames["access"], app).row(0, named=True)
        _write(bundle / "summary.json", json.dumps(row, default=_json_default, indent=2).encode() + b"\n", files,
               bundle)
    manifest = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "since": start.astimezone(ZoneInfo(zone)).isoformat(),
                "until": end.astimezone(ZoneInfo(zone)).isoformat(), "timezone": zone, "ip": ip, "files": files, "left_out": missing}
    atomic_write(bundle / "MANIFEST.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                 mode=READ_ONLY_FILE)


def verify_bundle(bundle: str | os.PathLike) -> list[str]:
    """The files of ``bundle`` whose sha256 no longer matches its MANIFEST.json (empty: all intact).

    >>> verify_bundle("incident-20261118-1355")  # doctest: +SKIP
    []
    """
    bundle = Path(bundle)
    manifest = json.loads((bundle / "MANIFEST.json").read_text(encoding="utf-8"))
    bad = []
    for entry in manifest["files"]:
        path = bundle / entry["path"]
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            bad.append(entry["path"])
    return bad


__all__ = ["BundleError", "CLIENT_KINDS", "collect_bundle", "configured_logs", "verify_bundle"]
