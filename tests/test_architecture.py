"""The house rules (DESIGN.md "The house"), read from the code's imports with ``ast``.

The flow runs one way: sources -> formats -> parse -> (store) -> frame -> queries -> present ->
report/cli. backup and health stand beside it and import none of it (and no polars). No module
imports an underscore name from another, none is over 400 lines, and there is no import cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mkslog"
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _imports(mod: str) -> list[tuple[str, str | None]]:
    """(module imported, name imported from it or None) for every import in ``mod``, resolved to
    absolute names; a name that is itself a module counts as that module."""
    path = MODULES[mod]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
            if node.level:
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                full = f"{target}.{a.name}"
                out.append((full, None) if full in MODULES else (target, a.name))
    return out


def _internal(name: str) -> str | None:
    while name and name not in MODULES:
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return name or None


EDGES = {mod: {t for t in (_internal(n) for n, _ in _imports(mod)) if t and t != mod} for mod in MODULES}
EXTERNAL = {mod: {n.split(".")[0] for n, _ in _imports(mod) if _internal(n) is None} for mod in MODULES}


def _in(mod: str, *places: str) -> bool:
    return any(mod == f"mkslog.{p}" or mod.startswith(f"mkslog.{p}.") for p in places)


# (importer place, imported places it must never reach directly)
NEVER = [
    ("queries", ("cli", "present", "report")),
    ("present", ("cli", "queries", "report")),
    ("parse", ("frame", "store", "queries", "present", "report", "cli")),
    ("formats", ("parse", "sources", "frame", "store", "queries", "present", "report", "cli")),
    ("sources", ("formats", "parse", "frame", "store", "queries", "present", "report", "cli")),
    ("store", ("frame", "queries", "present", "report", "cli")),
    ("frame", ("queries", "present", "report", "cli")),
    ("backup", ("parse", "frame", "queries", "store", "formats", "present", "report", "cli", "health")),
    ("health", ("parse", "frame", "queries", "store", "formats", "present", "report", "cli", "backup")),
]


@pytest.mark.parametrize(("place", "forbidden"), NEVER, ids=[p for p, _ in NEVER])
def test_arrows_run_one_way(place, forbidden):
    back = [f"{m} -> {t}" for m in MODULES if _in(m, place) for t in EDGES[m] if _in(t, *forbidden)]
    assert back == []


@pytest.mark.parametrize("place", ["backup", "health", "files", "text", "kinds", "loglines", "linelayout", "config",
                                   "errors"])
def test_cron_jobs_never_load_polars(place):
    heavy = [f"{m} imports {x}" for m in MODULES if _in(m, place) for x in EXTERNAL[m] & {"polars", "pyarrow"}]
    assert heavy == []


def test_formats_are_data_no_file_io():
    touching = []
    for mod, path in MODULES.items():
        if _in(mod, "formats"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
                    touching.append(f"{mod}:{node.lineno} calls open()")
            touching += [f"{mod} imports {x}" for x in EXTERNAL[mod] & {"glob", "gzip", "shutil"}]
    assert touching == []


def test_no_private_names_across_modules():
    private = [f"{m} imports {t}.{name}" for m in MODULES for t, name in _imports(m)
               if name and name.startswith("_") and not name.startswith("__") and _internal(t) not in (None, m)]
    assert private == []


def test_no_import_cycles():
    faces = {m for m, p in MODULES.items() if p.name == "__init__.py"}  # re-exports only
    graph = {m: {t for t in EDGES[m] if t not in faces} for m in MODULES if m not in faces}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


def test_modules_stay_small():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
