"""Weekly reports: papermill + nbconvert into one offline HTML file, drawn by a real browser, with
untrusted text inert, failures that leave no half-written file, and the CLI's numbers.

The report builds run the real notebook in a real kernel (a few seconds each); the sample week is
built once per module.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import polars as pl
import pytest
from click.testing import CliRunner
from notebook_support import PROBE_WEEK, run_probe_report

import mkslog
from mkslog import queries as q
from mkslog.allocator import ALLOCATOR_CONF
from mkslog.cli.common import MkslogGroup
from mkslog.cli.main import main
from mkslog.cli.report import register_report_command
from mkslog.errors import ReportError
from mkslog.present import i18n
from mkslog.report.render import render, strip_for_report
from mkslog.timespec import interval

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "mkslog.example.toml"
WEEK = "2026-W47"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SVG_IMG = re.compile(r'<img [^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')

# the CLI with `report` (a copy of the main group, so that registering it here changes nothing else)
CLI = MkslogGroup(name="mkslog", commands=dict(main.commands))
register_report_command(CLI)


def run_cli(*args: str):
    return CliRunner().invoke(CLI, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    """The sample week's report in Japanese (the sample config's language), built by the CLI."""
    out = tmp_path_factory.mktemp("reports")
    started = time.perf_counter()
    result = run_cli("report", "--week", WEEK, "--config", str(CONFIG), "--out", str(out))
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    html = out / f"mks-weekly-{WEEK}.html"
    print(f"\nsample week report: {elapsed:.1f} s, {html.stat().st_size / 1024:.0f} KiB")
    return {"html": html, "text": html.read_text(encoding="utf-8"), "output": result.output, "elapsed": elapsed,
            "notebook": nbformat.read(html.with_suffix(".ipynb"), as_version=4)}


def chart_outputs(nb) -> int:
    return sum("image/svg+xml" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def browser(html: Path, tmp_path: Path, *, probe: bool) -> str:
    """The DOM of ``html`` after Chromium loaded it. With ``probe``, a copy of the page (without
    its no-script policy) gets a script that records each image's decoded size into the DOM."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run installs it)")
    page = html
    if probe:
        text = html.read_text(encoding="utf-8")
        text = re.sub(r'<meta[^>]*Content-Security-Policy[^>]*>', "", text)
        script = ("<script>window.addEventListener('load',()=>{const r=[...document.images].map("
                  "i=>[i.complete,i.naturalWidth,i.naturalHeight]);const p=document.createElement('pre');"
                  "p.id='mks-probe';p.textContent=JSON.stringify(r);document.body.appendChild(p);});</script>")
        page = tmp_path / "probe.html"
        page.write_text(text.replace("</body>", script + "</body>"), encoding="utf-8")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           "--dump-dom", page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


# --- the sample week ------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_writes_html_and_executed_notebook_and_prints_the_path(sample_report):
    html = sample_report["html"]
    assert sample_report["output"].strip() == str(html)
    assert html.with_suffix(".ipynb").is_file()
    assert sorted(p.name for p in html.parent.iterdir()) == [html.name, html.with_suffix(".ipynb").name]
    assert '<html lang="ja">' in sample_report["text"]
    assert "週次ログレポート 2026-W47" in sample_report["text"]
    assert "2026年11月16日" in sample_report["text"]


@pytest.mark.slow
def test_report_builds_well_under_a_minute(sample_report):
    assert sample_report["elapsed"] < 60


class UrlAttributes(HTMLParser):
    """Every attribute of the page that makes a browser fetch something."""

    NAMES = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background", "xlink:href", "manifest"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value or "" for name, value in attrs if name in self.NAMES]
        if tag == "meta" and any(v and "refresh" in v.lower() for _, v in attrs):
            self.urls.append("meta refresh")


@pytest.mark.slow
def test_html_references_no_external_url(sample_report):
    text = sample_report["text"]
    parser = UrlAttributes()
    parser.feed(text)
    assert parser.urls, "the report has images"
    assert all(v.startswith(("data:", "#")) for v in parser.urls), [v for v in parser.urls if not v.startswith("data:")]
    css_urls = re.findall(r"url\(\s*['\"]?([^'\")]*)", text)
    assert all(v.startswith("data:") for v in css_urls), css_urls
    assert not re.search(r"https?://|//cdn|@import", text)
    for tag in ("<script", "<link", "<iframe", "<object", "<embed"):
        assert tag not in text.lower()
    assert "Content-Security-Policy" in text


@pytest.mark.slow
def test_parameters_inputs_and_stderr_are_not_in_the_report(sample_report):
    text = sample_report["text"]
    assert "Parameters" not in text and "slow_ms" not in text and "WeekLogs(" not in text
    assert not re.search(r'class="[^"]*(InputArea|InputPrompt|OutputPrompt|OutputArea-prompt)', text)
    streams = [o for c in sample_report["notebook"].cells if c.cell_type == "code" for o in c.outputs
               if o.get("output_type") == "stream"]
    assert all(o["name"] != "stderr" or o["text"] not in text for o in streams)


@pytest.mark.slow
def test_every_chart_is_drawn_by_a_browser(sample_report, tmp_path):
    n_charts = chart_outputs(sample_report["notebook"])
    assert n_charts == 6  # traffic, status, latency, errors, availability, resources
    svgs = [base64.b64decode(m).decode("utf-8") for m in SVG_IMG.findall(sample_report["text"])]
    assert len(svgs) == n_charts
    for svg in svgs:
        assert svg.startswith("<svg") and len(re.findall(r"<(?:path|rect|line)\b", svg)) >= 10
    dom = browser(sample_report["html"], tmp_path, probe=True)
    probe = json.loads(re.search(r'<pre id="mks-probe">(.*?)</pre>', dom).group(1))
    drawn = [(ok, w, h) for ok, w, h in probe if ok and w > 200 and h > 40]
    assert len(drawn) == n_charts, probe


@pytest.mark.slow
def test_the_page_itself_loads_in_the_browser_without_scripts(sample_report, tmp_path):
    dom = browser(sample_report["html"], tmp_path, probe=False)
    assert 'data-table="headline"' in dom and 'data-table="top-ips"' in dom
    assert len(SVG_IMG.findall(dom)) == chart_outputs(sample_report["notebook"])


def headline_value(text: str, metric: str) -> float:
    return float(re.search(rf'data-metric="{metric}" data-value="([^"]*)"', text).group(1))


def first_row(text: str, table_name: str) -> list[str]:
    body = re.search(rf'<table class="mks-table" data-table="{table_name}">.*?<tbody>(.*?)</tbody>', text, re.S).group(1)
    row = re.search(r"<tr>(.*?)</tr>", body, re.S).group(1)
    return re.findall(r"<td[^>]*>(.*?)</td>", row)


@pytest.mark.slow
def test_report_numbers_equal_the_cli_and_the_queries(sample_report):
    text = sample_report["text"]
    summary = json.loads(run_cli("summary", "--config", str(CONFIG), "--since", WEEK, "--until", WEEK,
                                 "--output", "json").output)
    summary = summary[0] if isinstance(summary, list) else summary
    top = json.loads(run_cli("top-ips", "--config", str(CONFIG), "--since", WEEK, "--until", WEEK,
                             "--top", "1", "--output", "json").output)[0]
    # and independently of both: the scan and the queries over the same week
    start, end = interval(WEEK, tz="Asia/Tokyo")
    week = q.between(mkslog.scan(config=str(CONFIG)), start, end)
    requests, unique = week.select(pl.len(), pl.col("remote_addr").n_unique()).collect().row(0)
    assert headline_value(text, "requests") == summary["requests"] == requests > 0
    assert headline_value(text, "unique_ips") == summary["unique_ips"] == unique
    assert headline_value(text, "error_rate") == pytest.approx(summary["error_rate"])
    assert headline_value(text, "p95") == pytest.approx(summary["p95_ms"])
    assert i18n.fmt_int(requests) in text
    ip, count, _share = first_row(text, "top-ips")
    assert (ip, count) == (top["remote_addr"], i18n.fmt_int(top["requests"]))
    assert q.top_ips(week, 1).row(0)[:2] == (top["remote_addr"], top["requests"])


@pytest.mark.slow
def test_english_report_of_the_same_week(tmp_path):
    out = tmp_path / "en"
    result = run_cli("report", "--week", WEEK, "--config", str(CONFIG), "--out", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output
    text = (out / f"mks-weekly-{WEEK}.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "Headline figures" in text and "16 Nov 2026" in text
    assert "週次" not in text


# --- untrusted text, missing logs, failures ---------------------------------------------------------

EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def evil_logs(tmp_path):
    """A tiny access log whose paths and user agents carry markup, a line that does not parse, and a
    config that names no other log (those sections must say so, not fail)."""
    lines = []
    base = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    for i in range(30):
        ts = (base + timedelta(minutes=i)).astimezone().strftime("%d/%b/%Y:%H:%M:%S %z")
        path = f"/{EVIL_SCRIPT}" if i % 2 else f"/api/{EVIL_IMG}"
        agent = EVIL_IMG if i % 2 else EVIL_SCRIPT
        lines.append(f'203.0.113.{i % 3} - - [{ts}] "GET {path} HTTP/1.1" 404 12 "-" "{agent}" 0.0{i % 9 + 1} 0.001')
    lines.append(f"garbage {EVIL_SCRIPT} {EVIL_IMG}")
    logdir = tmp_path / "logs"
    logdir.mkdir()
    (logdir / "access.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "mkslog.toml"
    config.write_text(
        'timezone = "Asia/Tokyo"\nlang = "en"\n'
        '[logs.access]\npaths = ["logs/access.log"]\nformat = "timed"\n'
        + "".join(f'[logs.{k}]\npaths = ["logs/none-{k}.log"]\n' for k in ("app", "health", "metrics", "backup")),
        encoding="utf-8",
    )
    return config


@pytest.mark.slow
def test_untrusted_text_is_escaped_and_missing_logs_are_one_line(evil_logs, tmp_path):
    out = tmp_path / "out"
    result = run_cli("report", "--week", WEEK, "--config", str(evil_logs), "--out", str(out))
    assert result.exit_code == 0, result.output
    text = (out / f"mks-weekly-{WEEK}.html").read_text(encoding="utf-8")
    assert EVIL_SCRIPT not in text and EVIL_IMG not in text
    assert "<script" not in text.lower() and "onerror=alert" not in text.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # shown as text: in endpoints and rejected lines
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    for svg in (base64.b64decode(m).decode("utf-8") for m in SVG_IMG.findall(text)):
        assert "<script" not in svg and "<img" not in svg
    for log in ("application log", "health-check log", "metrics log", "backup log"):
        assert f"No {log} for this period: section skipped" in text
    assert "1 rejected" in text


@pytest.fixture
def control_logs(tmp_path):
    """An nginx ``timed`` access log (as the sample week's) whose busiest endpoints hold a raw ESC,
    NUL or BEL byte: a scanner's request line as nginx wrote it before it escaped such bytes."""
    lines = []
    base = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    paths = ["/a\x1b[2J", "/b\x00x", "/c\x07", "/ok"]
    for i in range(40):
        ts = (base + timedelta(minutes=i)).astimezone().strftime("%d/%b/%Y:%H:%M:%S %z")
        lines.append(f'203.0.113.{i % 3} - - [{ts}] "GET {paths[i % 4]} HTTP/1.1" 200 12 "-" "curl" '
                     f"0.{i % 9 + 1:03d} 0.001")
    (tmp_path / "access.log").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    config = tmp_path / "mkslog.toml"
    config.write_text('timezone = "Asia/Tokyo"\nlang = "en"\n[logs.access]\npaths = ["access.log"]\nformat = "timed"\n',
                      encoding="utf-8")
    return config


@pytest.mark.slow
def test_control_bytes_in_endpoints_do_not_kill_the_report(control_logs, tmp_path):
    """vl-convert aborted the kernel on a label with a raw ESC, NUL or BEL ("Kernel died")."""
    out = tmp_path / "out"
    result = run_cli("report", "--week", WEEK, "--config", str(control_logs), "--out", str(out))
    assert result.exit_code == 0, result.output
    text = (out / f"mks-weekly-{WEEK}.html").read_text(encoding="utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text)
    svgs = [base64.b64decode(m).decode("utf-8") for m in SVG_IMG.findall(text)]
    labels = "".join(svgs)
    for shown in ("/a\\x1b[2J", "/b\\x00x", "/c\\x07"):
        assert shown in labels  # the latency chart's endpoint labels, as text
        assert shown in text  # the tables
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", labels)


def failing_notebook(tmp_path: Path) -> Path:
    nb = nbformat.read(ROOT / "notebooks" / "weekly_report.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell('raise ValueError("boom: the cell that broke")'))
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_a_failing_cell_exits_1_with_its_error_and_keeps_the_old_report(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = out / f"mks-weekly-{WEEK}.html"
    old.write_text("the report of last run", encoding="utf-8")
    result = run_cli("report", "--week", WEEK, "--config", str(CONFIG), "--out", str(out),
                     "--notebook", str(failing_notebook(tmp_path)))
    assert result.exit_code == 1
    assert "Error:" in result.output and "ValueError: boom: the cell that broke" in result.output
    assert old.read_text(encoding="utf-8") == "the report of last run"
    assert {p.name for p in out.iterdir()} == {old.name, f"mks-weekly-{WEEK}.failed.ipynb"}
    # the next good run replaces the report and clears the failure
    assert run_cli("report", "--week", WEEK, "--config", str(CONFIG), "--out", str(out)).exit_code == 0
    assert {p.name for p in out.iterdir()} == {old.name, old.with_suffix(".ipynb").name}
    assert "mks-table" in old.read_text(encoding="utf-8")


@pytest.mark.slow
def test_render_raises_report_error_and_writes_nothing(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    src = tmp_path / "zero.ipynb"
    nbformat.write(nb, src)
    with pytest.raises(ReportError, match="ZeroDivisionError"):
        render(src, {}, tmp_path / "out" / "zero.html")
    assert not (tmp_path / "out" / "zero.html").exists()
    with pytest.raises(ReportError, match="notebook not found"):
        render(tmp_path / "nope.ipynb", {}, tmp_path / "x.html")


@pytest.mark.slow
@pytest.mark.parametrize("source, timeout, expected", [
    ("import os\nos._exit(3)", 60, "could not be run: DeadKernelError"),
    ("import time\ntime.sleep(30)", 2, "(Timeout|timed out)"),
])
def test_a_dead_or_stuck_kernel_is_a_report_error(tmp_path, source, timeout, expected):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    src = tmp_path / "bad.ipynb"
    nbformat.write(nb, src)
    started = time.perf_counter()
    with pytest.raises(ReportError, match=expected):
        render(src, {}, tmp_path / "out" / "bad.html", timeout=timeout)
    assert time.perf_counter() - started < 25
    assert not (tmp_path / "out" / "bad.html").exists()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temp files left


@pytest.mark.slow
def test_the_kernel_is_this_python_even_with_a_user_kernel_spec(tmp_path, monkeypatch):
    # a user-level python3 kernel spec comes first in Jupyter's search path; it must not be used
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": ["/bin/false", "{connection_file}"],
                                                  "display_name": "wrong", "language": "python"}))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys\nprint(sys.executable)")]
    src = tmp_path / "which.ipynb"
    nbformat.write(nb, src)
    render(src, {}, tmp_path / "which.html")
    executed = nbformat.read(tmp_path / "which.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == sys.executable


@pytest.mark.slow
def test_rerunning_a_week_replaces_its_report_atomically(evil_logs, tmp_path):
    out = tmp_path / "out"
    args = ("report", "--week", WEEK, "--config", str(evil_logs), "--out", str(out))
    assert run_cli(*args).exit_code == 0
    html = out / f"mks-weekly-{WEEK}.html"
    first = html.stat().st_ino
    assert run_cli(*args).exit_code == 0
    assert html.stat().st_ino != first  # a new file renamed over the old one, not rewritten in place
    assert sorted(p.name for p in out.iterdir()) == [html.name, html.with_suffix(".ipynb").name]


def test_unknown_week_is_a_clear_error(tmp_path):
    result = run_cli("report", "--week", "2026-W60", "--config", str(CONFIG), "--out", str(tmp_path))
    assert result.exit_code == 1 and "no such ISO week" in result.output
    assert list(tmp_path.iterdir()) == []


def test_strip_for_report():
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    noisy = nbformat.v4.new_code_cell("y")
    noisy.outputs = [nbformat.v4.new_output("stream", name="stderr", text="warning"),
                     nbformat.v4.new_output("stream", name="stdout", text="kept")]
    nb.cells = [params, noisy, nbformat.v4.new_code_cell("silent")]
    stripped = strip_for_report(nb)
    assert len(stripped.cells) == 1 and [o["name"] for o in stripped.cells[0].outputs] == ["stdout"]


@pytest.mark.parametrize("name", ["weekly_report", "explore", "incident"])
def test_notebooks_keep_logic_in_the_library(name):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    params = code[0]
    assert params.metadata.get("tags") == ["parameters"]
    for line in params.source.splitlines():
        assert re.match(r'^\w+: (str|int|float|bool) = ("[^"]*"|[\d.]+|True|False)  # \S', line), line
    for cell in code:
        assert not re.search(r"^\s*(def|class|lambda)\b|\blambda\b", cell.source, re.M), cell.source
        assert not cell.get("outputs"), "notebooks are stored without outputs"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["explore", "incident"])
def test_analyst_notebooks_run_top_to_bottom_on_the_sample_logs(name, tmp_path):
    html = render(ROOT / "notebooks" / f"{name}.ipynb", {}, tmp_path / f"{name}.html")
    assert html.is_file() and SVG_IMG.search(html.read_text(encoding="utf-8"))


@pytest.fixture
def absurd_logs(tmp_path):
    """A ``timed`` access log of the week with one absurd ``$request_time`` (9999999999999.000 s, as a
    broken upstream timer once logged) and lines dated year 0000 and UTC year 10000 (a clock reset,
    a fuzzer): they reach the queries as they are until the parser turns them into rejects."""
    base = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    lines = []
    for i in range(30):
        ts = (base + timedelta(minutes=i)).strftime("%d/%b/%Y:%H:%M:%S +0000")
        timing = "9999999999999.000" if i == 7 else f"0.{i % 9 + 1:03d}"
        lines.append(f'203.0.113.{i % 3} - - [{ts}] "GET /api/v1/knowledge/{i} HTTP/1.1" 200 12 "-" "curl" '
                     f"{timing} 0.001")
    lines.append('203.0.113.9 - - [01/Jan/0000:10:00:00 +0900] "GET /x HTTP/1.1" 500 1 "-" "curl" 0.1 0.1')
    lines.append('203.0.113.9 - - [31/Dec/9999:23:00:00 -0900] "GET /y HTTP/1.1" 500 1 "-" "curl" 0.1 0.1')
    (tmp_path / "access.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "mkslog.toml"
    config.write_text('timezone = "Asia/Tokyo"\nlang = "en"\n[logs.access]\npaths = ["access.log"]\nformat = "timed"\n',
                      encoding="utf-8")
    return config


@pytest.mark.slow
def test_an_absurd_request_time_and_far_dates_do_not_kill_the_report(absurd_logs, tmp_path):
    """`(request_time * 1e6).cast(Int64)` overflowed on 9999999999999.000 s (issue 20, item 3)."""
    out = tmp_path / "out"
    result = run_cli("report", "--week", WEEK, "--config", str(absurd_logs), "--out", str(out))
    assert result.exit_code == 0, result.output
    text = (out / f"mks-weekly-{WEEK}.html").read_text(encoding="utf-8")
    assert "9,999,999,999,999,000" in text  # the slowest request, in ms, as it was logged


def test_the_process_running_the_kernel_loads_no_storage_backend():
    # papermill imports boto3 (S3) and pyarrow (HDFS) when they are installed: 50 MiB more beside
    # the kernel for back-ends the report never uses; they are kept out, and only while papermill loads
    code = ("import sys; from mkslog.report.render import import_papermill; import_papermill(); "
            "print('boto3' in sys.modules, 'pyarrow' in sys.modules); import pyarrow.fs; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1]).stdout.split()
    assert out == ["False", "False", "ok"]


def test_the_report_command_waits_for_its_kernel_without_polars(tmp_path):
    """The CLI process holds papermill while the kernel works; polars (28 MiB) is the kernel's
    alone, with its allocator set to give freed memory back. A notebook that reads its parent's
    memory map (the CLI that launched the kernel) and its own environment."""
    done, out = run_probe_report(tmp_path, [
        "import os\nmaps = open(f'/proc/{os.getppid()}/maps').read()\n"
        "print('PARENT', 'polars' in maps, 'mkslog' in open(f'/proc/{os.getppid()}/cmdline').read())\n"
        "print('MALLOC', os.environ.get('_RJEM_MALLOC_CONF'))"])
    assert done.returncode == 0, done.stderr
    executed = nbformat.read(out / f"mks-weekly-{PROBE_WEEK}.ipynb", as_version=4)
    said = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "PARENT False True" in said
    assert f"MALLOC {ALLOCATOR_CONF}" in said
