"""Notebook -> one self-contained, offline HTML report: papermill runs it, nbconvert converts it.

The recipe (measured with altair 6.3, nbconvert 7.17, papermill 2.7; see issue 5):

- charts are drawn in the kernel as SVG (``alt.renderers.enable("svg")``, vl-convert), so the page
  needs no JavaScript; nbconvert embeds each one as a ``data:`` image, which also keeps every SVG's
  ids private to it and stops any markup in a chart from acting on the page;
- the ``mkslog_report`` template extends JupyterLab's ``lab`` template with its CDN script blocks
  (require.js, MathJax, mermaid) emptied and a Content-Security-Policy that forbids scripts and
  network fetches;
- inputs, prompts, the ``parameters``/``injected-parameters`` cells and stderr outputs are left out.

The kernel is always this Python (``sys.executable``): a user-level ``python3`` kernel spec that
points at some other interpreter is ignored.

The HTML is written atomically (:func:`mkslog.files.atomic_write`) and only after every cell ran: a failing
cell raises :class:`~mkslog.errors.ReportError` with the cell's error and leaves an earlier report of
the same name as it was; the failed notebook is kept as ``<name>.failed.ipynb`` to look at.

>>> render("notebooks/weekly_report.ipynb", {"week": "2026-W47"}, "reports/mks-weekly-2026-W47.html")  # doctest: +SKIP
PosixPath('reports/mks-weekly-2026-W47.html')
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..files import atomic_write, current_umask
from .chartdraw import DEFER_ENV, draw_in_child, has_specs

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "mkslog_report"
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove-cell"}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SVG_TITLE = re.compile(r'role-title-text[^>]*>\s*<text[^>]*>([^<]*)</text>')


def render(notebook: str | os.PathLike, parameters: dict[str, Any] | None, out_html: str | os.PathLike, *,
           timeout: float = 600, cwd: str | os.PathLike | None = None, title: str | None = None,
           font: str | os.PathLike | None | bool = None, progress: bool = False) -> Path:
    """Run ``notebook`` with ``parameters`` and write ``out_html`` plus the executed ``.ipynb`` beside it.

    ``timeout``: seconds any one cell may run. ``cwd``: the kernel's working directory (default: the
    notebook's folder, so its relative paths work). ``title``: the page title (default: the HTML
    file's name). ``font``: the CJK font file the page and its charts carry (default: the system's,
    :func:`mkslog.report.fonts.require_font`; False: none). ``progress``: a progress line on stderr
    (cells run of all). Returns the HTML path.
    """
    from .fonts import require_font

    notebook, out_html = Path(notebook), Path(out_html)
    if not notebook.is_file():
        raise ReportError(f"notebook not found: {notebook} (give the path of an .ipynb file)")
    lang = str((parameters or {}).get("lang") or _default_parameter(notebook, "lang") or "en")
    font = None if font is False else Path(font) if font not in (None, True) else require_font(None, lang)
    out_html.parent.mkdir(parents=True, exist_ok=True)
    executed = _execute(notebook, parameters or {}, out_html, timeout=timeout, cwd=Path(cwd or notebook.parent),
                        progress=progress)
    try:
        nb = _read_notebook(executed)
        if has_specs(nb):  # the kernel left them as specs; the kept .ipynb holds the SVGs
            draw_in_child(executed, timeout=timeout)
            nb = _read_notebook(executed)
        page = to_html(nb, lang=lang, title=title or out_html.stem, font=font)
        atomic_write(out_html, page)
        os.chmod(executed, 0o666 & ~current_umask())  # mkstemp made it 0600: give it a plain open()'s mode
        os.replace(executed, out_html.with_suffix(".ipynb"))
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(executed)
    with contextlib.suppress(FileNotFoundError):  # an earlier failure of this report is superseded
        os.unlink(out_html.with_name(f"{out_html.stem}.failed.ipynb"))
    return out_html


def _execute(notebook: Path, parameters: dict[str, Any], out_html: Path, *, timeout: float, cwd: Path,
             progress: bool = False) -> Path:
    """Run the notebook into a temporary .ipynb beside ``out_html``; return its path."""
    import shutil

    papermill = import_papermill()
    from papermill.exceptions import PapermillExecutionError

    fd, tmp = tempfile.mkstemp(dir=out_html.parent, prefix=f".{out_html.stem}.", suffix=".ipynb")
    os.close(fd)
    sockets = tempfile.mkdtemp(prefix="mkslog-kernel-")  # private (0700), short enough for socket paths
    kernel_log = os.path.join(sockets, "kernel-stderr.log")
    try:
        papermill.execute_notebook(
            str(notebook), tmp, parameters=parameters, kernel_name="python3", language="python",
            progress_bar=_progress(out_html) if progress else False, log_output=False, request_save_on_cell_execute=False, cwd=str(cwd),
            execution_timeout=timeout, kernel_manager_class=_kernel_manager_class(sockets, kernel_log),
        )
    except PapermillExecutionError as exc:
        failed = out_html.with_name(f"{out_html.stem}.failed.ipynb")
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, failed)
        raise ReportError(
            f"{notebook.name}: cell {exc.exec_count} failed: {exc.ename}: {_ANSI.sub('', str(exc.evalue))}"
            f" (the executed notebook is kept in {failed})"
        ) from None
    except Exception as exc:  # kernel died, cell timeout, unreadable notebook ...: all end the report
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        said = _tail(kernel_log) if type(exc).__name__ == "DeadKernelError" else ""
        raise ReportError(f"{notebook.name} could not be run: {type(exc).__name__}: {exc}"
                          + (f"; the kernel said: {said}" if said else "")) from exc
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    return Path(tmp)


def _progress(out_html: Path) -> dict:
    """papermill's progress bar (tqdm, on stderr): which report, cells run of all, time taken."""
    return {"desc": f"mkslog report {out_html.stem}", "unit": "cell", "ascii": True, "ncols": 90, "leave": False}


def _default_parameter(notebook: Path, name: str):
    """The default of parameter ``name`` in the notebook's ``parameters`` cell (None if none)."""
    import ast

    papermill = import_papermill()
    try:
        default = papermill.inspect_notebook(str(notebook)).get(name, {}).get("default")
        return ast.literal_eval(default) if default else None
    except (ValueError, SyntaxError):
        return None


#: The storage back-ends papermill imports when it is imported, if their libraries are installed
#: (boto3 for S3, pyarrow for HDFS, Azure, GCS, GitHub): the report reads and writes local files.
PAPERMILL_BACKENDS = ("papermill.s3", "papermill.adl", "papermill.abs", "gcsfs", "pyarrow.fs", "github")


def import_papermill():
    """papermill without its optional storage back-ends. The process that runs the report's
    kernel holds papermill while the kernel works, and boto3 and pyarrow (installed for the
    store and the tests) made it 106 MiB instead of 55: half of the memory the report may use
    beside its kernel. The back-ends are kept out only while papermill is imported.

    >>> import_papermill().__name__
    'papermill'
    """
    import sys

    if "papermill" in sys.modules:
        return sys.modules["papermill"]
    blocked = [name for name in PAPERMILL_BACKENDS if name not in sys.modules]
    try:
        for name in blocked:
            sys.modules[name] = None  # an import of it raises ImportError: papermill skips the back-end
        import papermill
    finally:
        for name in blocked:
            if sys.modules.get(name, "") is None:
                del sys.modules[name]
    return papermill


def _tail(path: str, lines: int = 5) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return " | ".join(line.strip() for line in fh.read().splitlines()[-lines:] if line.strip())
    except OSError:
        return ""


def kernel_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The report kernel's environment: ``env`` (default: this process's) with mkslog's allocator
    options (:mod:`mkslog.allocator`; the kernel runs a dozen queries in a row, and with polars'
    defaults each one's peak stacked on the last one's leftovers: a 10M-line week's kernel 482 ->
    443 MiB, the process tree 535 -> 483 MiB, the same time), and its charts left to this process
    (:mod:`mkslog.report.chartdraw`).

    >>> from mkslog.allocator import ALLOCATOR_CONF
    >>> kernel_environment({})["_RJEM_MALLOC_CONF"] == ALLOCATOR_CONF
    True
    """
    from ..allocator import configure_process

    kernel = dict(os.environ if env is None else env)
    configure_process(kernel)
    kernel[DEFER_ENV] = "1"  # drawn by this process once the kernel has ended: mkslog.report.chartdraw
    return kernel


def _kernel_manager_class(socket_dir: str, stderr_log: str):
    """A kernel manager that starts ipykernel on ``sys.executable`` over Unix sockets in ``socket_dir``,
    its own stderr (ipykernel's log lines, not the cells' output) going to ``stderr_log``.

    The kernel spec: without this, a ``python3`` kernel spec in ``~/.local/share/jupyter`` (which
    comes first in the search path) could run the report in another interpreter that lacks mkslog.
    The transport: the default is unencrypted TCP on localhost (and a warning on stderr each run);
    Unix sockets in a private folder are reachable by this user only. The log: ipykernel writes a
    line or two on stderr when it is shut down after a failing cell; cron would mail them.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class ThisPythonKernelManager(AsyncKernelManager):
        transport = "ipc"
        ip = os.path.join(socket_dir, "kernel")
        # the connection file (with the kernel's key) beside the sockets, not in ~/.local/share/jupyter:
        # the report runs where $HOME is read-only or absent (systemd ProtectHome=, a system user)
        connection_file = os.path.join(socket_dir, "kernel.json")

        def _kernel_spec_manager_default(self):
            # no kernel dirs: only the native spec of the installed ipykernel remains, whose argv
            # is [sys.executable, "-m", "ipykernel_launcher", ...]
            return KernelSpecManager(data_dir=self.data_dir, kernel_dirs=[], parent=self)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw["env"] = kernel_environment(kw.get("env"))
            with open(stderr_log, "ab") as log:  # the kernel keeps its own copy of the descriptor
                kw["stderr"] = log
                return await super()._async_launch_kernel(kernel_cmd, **kw)

    return ThisPythonKernelManager


def _read_notebook(path: Path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def strip_for_report(nb, font: Path | None = None):
    """A copy of ``nb`` without the parameters cells, stderr outputs, and code cells left with no
    output; with ``font``, each SVG chart carries the glyphs of its text (:func:`~mkslog.report.fonts.embed_in_svg`)."""
    import copy

    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
            for output in cell.outputs:
                _set_chart_alt(output)
                if font is not None and output.get("data", {}).get("image/svg+xml"):
                    from .fonts import embed_in_svg

                    output["data"]["image/svg+xml"] = embed_in_svg(output["data"]["image/svg+xml"], font)
        cells.append(cell)
    nb.cells = cells
    return nb


def _set_chart_alt(output) -> None:
    """Give an SVG chart its title as alternative text (Vega marks the title's text element)."""
    svg = output.get("data", {}).get("image/svg+xml")
    if not svg:
        return
    found = _SVG_TITLE.search(svg)
    meta = output.setdefault("metadata", {}).setdefault("image/svg+xml", {})
    meta.setdefault("alt", html.unescape(found.group(1)) if found else "chart")


def to_html(nb, *, lang: str = "en", title: str = "mkslog report", font: Path | None = None) -> str:
    """An executed notebook as one self-contained HTML page (no inputs, prompts or external URLs);
    with ``font``, the page and its charts carry the glyphs they show."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        language_code=lang if lang in ("en", "ja") else "en", theme="light",
    )
    nb = strip_for_report(nb, font)
    nb.metadata["title"] = title
    try:
        body, _ = exporter.from_notebook_node(nb)
    except Exception as exc:  # a template or output nbconvert cannot handle
        raise ReportError(f"could not convert the executed notebook to HTML: {type(exc).__name__}: {exc}") from exc
    page = _strip_css_comments(body)
    if font is not None:
        from .fonts import embed_in_page

        page = embed_in_page(page, font)
    return page


def _strip_css_comments(page: str) -> str:
    """Drop comments from the page's own <style> blocks: JupyterLab's CSS credits its sources with
    URLs in comments, which are harmless but make "the page names no URL" impossible to check.
    (Text from the logs cannot open a <style> element: it is escaped.)"""
    return _STYLE.sub(lambda m: m.group(1) + _CSS_COMMENT.sub("", m.group(2)) + m.group(3), page)


__all__ = ["kernel_environment", "render", "strip_for_report", "to_html"]
