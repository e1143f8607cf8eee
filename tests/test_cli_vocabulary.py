"""The CLI's vocabulary and its error boundary, for every command (README "Command reference").

Two walks over the real command tree: every command and option has help text and follows the
vocabulary (one name per concept); and every command, given bad values (zero or negative
durations, unwritable outputs, unreadable inputs, bad windows, bad addresses, unknown formats,
empty files), exits 1 or 2 with one ``Error: ...`` line that says how to fix it, and no traceback.
The inputs are real files written under tmp_path (an empty log, a file where a folder should be,
a truncated gzip); a few cases run as real processes, where a crash would kill the interpreter.
"""

from __future__ import annotations

import gzip
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mkslog.cli import main

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "mkslog.example.toml"
#: Commands that read logs and show times: they take the window and the zone.
WINDOWED = {"errors", "traffic", "top-ips", "endpoints", "latency", "slow", "status", "logins", "suspects", "ip",
            "summary", "sql"}
#: Commands whose answer is a table in one of the four output formats.
TABLES = WINDOWED | {"parse", "ingest"}
#: The formats of a table (``ndjson`` is another name of ``nl``).
TABLE_FORMATS = {"table", "json", "csv", "markdown", "nl", "ndjson", "tsv"}
#: ``show`` prints the log's own lines (raw) or the parsed fields in a table format, to stdout (a live view).
SHOW_FORMATS = TABLE_FORMATS | {"raw"}
#: ``parse`` writes its records to stdout (-o -) as Parquet or an Arrow stream too.
PARSE_FORMATS = TABLE_FORMATS | {"parquet", "arrow"}
#: The options of every command that prints a table (sqlite-utils' output habits).
ROW_OPTIONS = {"--nl", "--tsv", "--no-headers", "--max-width"}


def leaf_commands(group: click.Group = main, prefix: tuple[str, ...] = ()):
    """(path, command) for every command that runs, groups walked."""
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from leaf_commands(command, path)
        else:
            yield path, command


ALL = {" ".join(path): command for path, command in leaf_commands()}


def options(command: click.Command) -> dict[str, click.Option]:
    """Visible options by their long name."""
    out = {}
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            for opt in param.opts:
                if opt.startswith("--"):
                    out[opt] = param
    return out


# --- every command and option explains itself ---------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_command_and_option_has_help(name):
    command = ALL[name]
    assert (command.help or "").strip(), f"{name} has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"{name} {param.opts} has no help text"
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.stdout


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_command_uses_the_vocabulary(name):
    opts = options(ALL[name])
    # old spellings are hidden aliases, never shown
    assert not {"--json", "--out"} & set(opts), f"{name} shows an old spelling"
    if "--to" in opts:  # the one --to: where a restore puts the data directory (a target, not an output file)
        assert name == "backup restore"
    if "--output" in opts:  # the output file or folder, always -o/--output
        assert opts["--output"].opts == ["-o", "--output"]
    if "--top" in opts:  # the count: -n/--top, the same default everywhere
        assert opts["--top"].opts == ["-n", "--top"]
        assert opts["--top"].default in (10, None)
    if "--as" in opts:  # the output format
        choices = set(opts["--as"].type.choices)
        assert choices in (TABLE_FORMATS, {"text", "json"}, SHOW_FORMATS, PARSE_FORMATS)
        assert choices != SHOW_FORMATS or name == "show"
        assert choices != PARSE_FORMATS or name == "parse"
        if choices != {"text", "json"}:  # a table: its row formats and header/width options too
            assert ROW_OPTIONS <= set(opts), f"{name} lacks {sorted(ROW_OPTIONS - set(opts))}"
    if name in TABLES:
        assert {"--as", "--output"} <= set(opts)
    if name in WINDOWED:
        assert {"--since", "--until", "--tz", "--store", "--config"} <= set(opts)
    if name == "show":  # the window and the zone, not the store (it reads the text logs it may follow)
        assert {"--since", "--until", "--tz", "--as", "--config"} <= set(opts)
    if name.startswith(("backup ", "health ", "logs ")) or name == "config":
        assert "--as" in opts


def test_the_old_spellings_still_work(tmp_path):
    """One release of --output FORMAT, --out FILE, --json and parse --to, hidden from --help."""
    log = tmp_path / "access.log"
    log.write_text('203.0.113.7 - - [19/Nov/2026:03:00:09 +0900] "GET / HTTP/1.1" 200 5 "-" "curl"\n')
    runner = CliRunner()
    new = runner.invoke(main, ["top-ips", str(log), "--as", "json"])
    old = runner.invoke(main, ["top-ips", str(log), "--output", "json"])
    assert old.exit_code == 0 and old.stdout == new.stdout
    assert json.loads(new.stdout)[0]["remote_addr"] == "203.0.113.7"
    runner.invoke(main, ["top-ips", str(log), "--as", "csv", "--out", str(tmp_path / "old.csv")])
    runner.invoke(main, ["top-ips", str(log), "-o", str(tmp_path / "new.csv")])  # the extension sets the format
    assert (tmp_path / "old.csv").read_text() == (tmp_path / "new.csv").read_text()
    assert (tmp_path / "new.csv").read_text().startswith("remote_addr,requests,share\n")
    assert runner.invoke(main, ["parse", str(log), "--to", str(tmp_path / "r.jsonl")]).exit_code == 0
    assert json.loads((tmp_path / "r.jsonl").read_text())["ts"].startswith("2026-11-19T")
    old_show = runner.invoke(main, ["show", str(log), "--output", "json"])
    assert old_show.exit_code == 0 and old_show.stdout == runner.invoke(main, ["show", str(log), "--as", "json"]).stdout
    assert json.loads(old_show.stdout)[0]["remote_addr"] == "203.0.113.7"
    config = runner.invoke(main, ["config", "--json", "--config", str(CONFIG)])
    assert json.loads(config.stdout) == json.loads(runner.invoke(main, ["config", "--as", "json", "--config",
                                                                        str(CONFIG)]).stdout)


# --- bad values: exit 1 or 2, one Error: line that says how to fix it, never a traceback ---------


@pytest.fixture()
def bad(tmp_path):
    """Real bad inputs: an empty log, a file where a folder is needed, a truncated .gz, no such file."""
    (tmp_path / "empty.log").write_bytes(b"")
    (tmp_path / "afile").write_text("not a folder\n")
    whole = gzip.compress(b'203.0.113.7 - - [19/Nov/2026:03:00:09 +0900] "GET / HTTP/1.1" 200 5 "-" "curl"\n' * 50)
    (tmp_path / "truncated.log.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "access.log").write_text(
        '203.0.113.7 - - [19/Nov/2026:03:00:09 +0900] "GET / HTTP/1.1" 200 5 "-" "curl"\n')
    return tmp_path


# (command line with {t} for the tmp folder and {c} for the example config, the hint the Error line gives)
CASES = [
    # the error-log, timeline and panel commands
    ("templates {t}/nope.log", "check the path"),
    ("upstreams --tz Mars/Base {t}/access.log", "give an IANA name"),
    ("workers --since soonish {t}/access.log", "give one of"),
    ("timeline --config {c}", "give the incident window"),
    ("agents {t}/nope.log", "check the path"),
    ("bytes {t}/access.log -o {t}/afile/b.csv", "create it or give another path"),
    ("heatmap --tz Mars/Base {t}/access.log", "give an IANA name"),
    ("not-found {t}/nope.log", "check the path"),
    ("referrers -n 0 {t}/access.log", "x>=1"),
    ("static --since soonish {t}/access.log", "give one of"),
    ("vhosts {t}/nope.log", "check the path"),
    ("incident collect --config {c}", "give the incident window"),
    # zero and negative durations
    ("traffic --every 0m {t}/access.log", "positive whole number"),
    ("traffic --every -1h {t}/access.log", "positive whole number"),
    ("ip 203.0.113.7 --every 0h {t}/access.log", "positive whole number"),
    ("slow --over 0s {t}/access.log", "positive duration"),
    ("slow --over -1s {t}/access.log", "give e.g. 500ms"),
    ("report --timeout 0 --config {c}", "x>=1"),
    ("ingest --wait -1 --store {t}/store {t}/access.log", "x>=0"),
    ("logs prune --older-than 0d --config {c}", "must be a positive age"),
    ("logs prune --older-than -1d --config {c}", "give e.g. 500ms"),
    ("show --interval 0 {t}/access.log", "x>=0.05"),
    ("health db -n 0 --url postgresql://127.0.0.1:9/x", "x>=1"),
    ("health check --timeout 0 --url http://127.0.0.1:9 --log {t}/h.log", "positive number of seconds"),
    ("health metrics --cpu-interval 0 --log {t}/m.log", "positive number of seconds"),
    ("health cert --host localhost --warn-days -1", "x>=0"),
    # unwritable outputs
    ("top-ips {t}/access.log -o {t}/afile/top.txt", "create it or give another path"),
    ("endpoints {t}/access.log -o {t}/nowhere/e.csv", "create it or give another path"),
    ("latency {t}/access.log -o {t}", "give a file name"),
    ("status {t}/access.log -o {t}/afile/s.csv", "create it or give another path"),
    ("summary {t}/access.log -o {t}/afile/s.json", "create it or give another path"),
    ("logins {t}/access.log -o {t}/afile/l.json", "create it or give another path"),
    ("suspects {t}/access.log -o {t}/afile/s.json", "create it or give another path"),
    ("errors {t}/access.log -o {t}/afile/e.json", "create it or give another path"),
    ("parse {t}/access.log -o {t}/afile/r.csv", "create it or give another path"),
    ("parse {t}/access.log -o {t}/records.txt", "end it with .parquet, .csv or .jsonl"),
    ("ingest --store {t}/store {t}/access.log -o {t}/afile/i.txt", "create it or give another path"),
    ("ingest --store {t}/afile/store {t}/access.log", "is a file"),
    ("sample -o {t}/afile --days 1", "is a file"),
    ("report -o {t}/afile --config {c}", "is a file"),
    ("health check --url http://127.0.0.1:9 --log {t}/afile/h.log", "give another --log"),
    ("backup create --root {t}/afile --data-dir {t}", "is a file"),
    ("backup daily --root {t}/afile --data-dir {t}", "is a file"),
    ("backup test-restore --root {t} --workdir {t}/afile", "is a file"),
    ("sql 'SELECT * FROM access' --table access={t}/access.log -o {t}/afile/x.csv", "create it or give another path"),
    # unreadable inputs
    ("top-ips {t}/nope.log", "check the path"),
    ("top-ips '{t}/nope*.log'", "check the pattern"),
    ("traffic {t}", "give the log files in it"),
    ("logins {t}/access.log --app-log {t}/nope.log", "check the path"),
    ("top-ips --nginx-conf {t}/nope.conf {t}/access.log", "give a readable file"),
    ("top-ips {t}/truncated.log.gz", "truncated"),
    ("config --config {t}/nope.toml", "check the --config path"),
    ("demo --config {t}/nope.toml", "check the --config path"),
    ("report --notebook {t}/nope.ipynb --config {c} -o {t}/reports", "give the path of an .ipynb file"),
    ("backup verify {t}/nope", "mkslog backup list"),
    ("backup test-restore {t}/nope", "mkslog backup list"),
    ("show {t}/nope.log", "check the path"),
    ("show --follow -", "not standard input"),
    ("sql 'SELECT COUNT(*) FROM access' --table access={t}/nope.log", "check the path"),
    ("logs du --config {t}/nope.toml", "check the --config path"),
    ("backup restore {t}/nope --to {t}/restored", "mkslog backup list"),
    ("backup list --root {t}/nope", "give --root"),
    ("backup prune --root {t}/nope", "give --root"),
    ("backup weekly --root {t}/afile", "is a file"),
    ("backup monthly --root {t}/afile", "is a file"),
    # bad windows and zones
    ("top-ips --since soonish {t}/access.log", "give one of"),
    ("top-ips --since today --until yesterday {t}/access.log", "is not before --until"),
    ("summary --since 2026-13-01 {t}/access.log", "give one of"),
    ("traffic --tz Mars/Base {t}/access.log", "give an IANA name"),
    ("parse --stats --tz Mars/Base {t}/access.log", "give an IANA name"),
    ("report --week foo --config {c}", "an ISO week such as 2026-W47"),
    ("report --tz Mars/Base --config {c}", "give an IANA name"),
    ("report --day foo --config {c}", "give yesterday, today or a date such as 2026-11-18"),
    ("report --month 7d --config {c}", "a month such as 2026-11"),
    ("report --since 2026-11-01 --config {c}", "needs both --since and --until"),
    ("report --day yesterday --week last --config {c}", "give one period"),
    ("show --since soonish {t}/access.log", "give one of"),
    ("sql 'SELECT COUNT(*) FROM access' --table access={t}/access.log --tz Mars/Base", "give an IANA name"),
    ("sample --end someday", "give a day as YYYY-MM-DD"),
    # bad addresses
    ("ip not-an-ip {t}/access.log", "is not an IP address"),
    ("health check --url not-a-url --log {t}/h.log", "give a full http:// or https:// URL"),
    ("health cert --host localhost --port 0", "give 1-65535"),
    ("health cert --host ''", "pass --host"),
    ("health db --url not-a-url", "write it as postgresql://"),
    ("top-ips --ip 300.1.1.1 {t}/access.log", "give e.g. 203.0.113.7"),
    ("show --exclude-ip 10.0.0.0/33 {t}/access.log", "give e.g. 203.0.113.7"),
    ("suspects --deny nginx --allow not-an-addr {t}/access.log", "write e.g. 10.0.0.0/8"),
    # unknown formats
    ("top-ips --format nope {t}/access.log", "give one of"),
    ("top-ips --log-format '%(' {t}/access.log", "gunicorn access_log_format"),
    ("top-ips --as yaml {t}/access.log", "is not one of"),
    ("errors --kind bogus {t}/access.log", "is not one of"),
    ("parse --kind bogus --stats {t}/access.log", "is not one of"),
    ("config --as yaml", "is not one of"),
    ("health metrics --as yaml", "is not one of"),
    ("logs du --as yaml", "is not one of"),
    ("show --as yaml {t}/access.log", "is not one of"),
    ("suspects --deny iptables {t}/access.log", "is not one of"),
    ("top-ips --status abc {t}/access.log", "give a code (404), a class (5xx)"),
    ("endpoints --where 'nonsense (((' {t}/access.log", "e.g. \"status >= 500"),
    ("sql 'SELECT 1' --table nope", "give TABLE=PATH"),
    ("sql 'SELEC x' --table access={t}/access.log", "the query names none of the tables"),
    ("errors --top --by day {t}/access.log", "give one"),
    ("ip 203.0.113.7 --as csv {t}/access.log", "choose --section"),
    ("parse {t}/access.log", "say what to do"),
    # the row formats and the table's width (--nl, --tsv, --no-headers, --max-width)
    ("top-ips --max-width -1 {t}/access.log", "x>=0"),
    ("top-ips --nl --tsv {t}/access.log", "give one output format"),
    ("endpoints --nl --as csv {t}/access.log", "give one output format"),
    ("summary --no-headers --as json {t}/access.log", "--no-headers is for table, csv and tsv"),
    ("status --no-headers --nl {t}/access.log", "--no-headers is for table, csv and tsv"),
    ("sql 'SELECT 1' --tsv --as markdown --table access={t}/access.log", "give one output format"),
    ("show --nl --tsv {t}/access.log", "give one output format"),
    ("show --no-headers {t}/access.log", "not raw"),
    ("show --max-width -5 --as table {t}/access.log", "x>=0"),
    ("ip 203.0.113.7 --tsv {t}/access.log", "choose --section"),
    ("parse -o - --as json {t}/access.log", "parquet, arrow, csv, nl or tsv"),
    ("parse -o {t}/r.csv --as parquet {t}/access.log", "is for the records to stdout (-o -)"),
    ("parse --to - --as markdown {t}/access.log", "parquet, arrow, csv, nl or tsv"),
    # empty files
    ("top-ips {t}/empty.log", "nothing to answer from"),
    ("summary {t}/empty.log", "nothing to answer from"),
    ("status {t}/empty.log", "nothing to answer from"),
    ("errors {t}/empty.log", "give kind="),
    ("parse -o {t}/records.csv {t}/empty.log", "nothing to answer from"),
    ("show {t}/empty.log", "give kind="),
    ("sql 'SELECT COUNT(*) FROM access' --table access={t}/empty.log", "nothing to answer from"),
]


def _argv(line: str, tmp: Path) -> list[str]:
    return shlex.split(line.format(t=tmp, c=CONFIG))


def _check(code: int, stdout: str, stderr: str, hint: str) -> None:
    assert code in (1, 2), (code, stdout, stderr)
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    assert hint in errors[0], errors[0]
    assert "Traceback" not in stdout + stderr


@pytest.mark.parametrize("line, hint", CASES, ids=[c[0].split(" {")[0] for c in CASES])
def test_bad_values_give_one_error_line(bad, line, hint, monkeypatch):
    monkeypatch.chdir(bad)  # no mkslog.toml found by search: only what the line says
    monkeypatch.delenv("MKSLOG_CONFIG", raising=False)
    result = CliRunner().invoke(main, _argv(line, bad))
    assert not (result.exception and not isinstance(result.exception, SystemExit)), result.exception
    _check(result.exit_code, result.stdout, result.stderr, hint)
    if "records.csv" in line:
        assert not (bad / "records.csv").exists()  # no file of records from nothing


def test_every_command_has_a_bad_value_case():
    covered = set()
    for line, _hint in CASES:
        words = shlex.split(line)
        covered.add(" ".join(words[:2]) if " ".join(words[:2]) in ALL else words[0])
    assert set(ALL) <= covered, f"add a bad-value case for {sorted(set(ALL) - covered)}"


@pytest.mark.parametrize("line, hint", [
    ("traffic --every 0m {t}/access.log", "positive whole number"),  # once a polars abort, not even a traceback
    ("top-ips -o /nonexistent-dir/x.txt {t}/access.log", "create it or give another path"),
    ("top-ips {t}/truncated.log.gz", "truncated"),
])
def test_bad_values_as_a_real_process(bad, line, hint):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MKSLOG_CONFIG", None)
    proc = subprocess.run([sys.executable, "-m", "mkslog", *_argv(line, bad)], capture_output=True, text=True,
                          cwd=bad, env=env, timeout=120)
    _check(proc.returncode, proc.stdout, proc.stderr, hint)


def test_an_unexpected_error_is_one_line_and_says_it_is_a_bug(monkeypatch, tmp_path):
    """The boundary's last resort: a bug still gives one Error: line, and MKSLOG_DEBUG=1 the traceback."""
    import mkslog.queries as q

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero")

    log = tmp_path / "access.log"
    log.write_text('203.0.113.7 - - [19/Nov/2026:03:00:09 +0900] "GET / HTTP/1.1" 200 5 "-" "curl"\n')
    monkeypatch.setattr(q, "top_ips", broken)
    result = CliRunner().invoke(main, ["top-ips", str(log)])
    _check(result.exit_code, result.stdout, result.stderr, "a bug in mkslog")
    assert "ZeroDivisionError" in result.stderr
    monkeypatch.setenv("MKSLOG_DEBUG", "1")
    assert isinstance(CliRunner().invoke(main, ["top-ips", str(log)]).exception, ZeroDivisionError)


def test_an_empty_window_says_what_the_logs_cover(bad):
    result = CliRunner().invoke(main, ["top-ips", str(bad / "access.log"), "--since", "2026-12-01", "--tz", "UTC"])
    assert result.exit_code == 0
    assert ("Note: nothing in the window since 2026-12-01 00:00 (UTC); the logs cover 2026-11-18T18:00:09+00:00 "
            "to 2026-11-18T18:00:09+00:00") in result.stderr
