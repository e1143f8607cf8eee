"""Filters on every field of every kind of log, as one polars predicate that ``mkslog.scan``
pushes into the parse (lines that do not pass are dropped chunk by chunk, like ``since``).

A :class:`Filters` spec names what to keep: status codes or classes, methods, path globs
(``!GLOB`` excludes), client addresses or networks (IPv4 and IPv6, any spelling), a user-agent
regex, bots only or none, a level and above, and a general SQL ``where``. :func:`predicate`
turns it into a ``pl.Expr`` for a frame's schema; a filter on a column the log lacks, or a value
that is not what the filter takes, raises :class:`~mkslog.errors.FilterError` naming both.

Classifiers that need Python (addresses in networks, bots) run once per distinct value of a
chunk, never once per line.

>>> lf = pl.LazyFrame({"status": [200, 404, 503], "path": ["/a", "/api/x", "/api/y"],
...                    "remote_addr": ["10.1.0.7", "2001:DB8::1", "203.0.113.9"]})
>>> lf.filter(predicate(Filters(status="4xx,5xx", path=("/api/*",)), lf.collect_schema())).collect()["status"].to_list()
[404, 503]
>>> lf.filter(predicate(Filters(ip=("2001:db8:0:0::1", "10.1.0.0/24")), lf.collect_schema())).collect()["status"].to_list()
[200, 404]
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache, partial

import polars as pl

from .errors import FilterError

#: Logging levels by severity; ``level="ERROR"`` selects ERROR and everything more severe
#: (nginx's ``crit``/``alert``/``emerg``, gunicorn's ``CRITICAL`` ...).
LEVELS = {"DEBUG": 10, "INFO": 20, "NOTICE": 25, "WARNING": 30, "WARN": 30, "ERROR": 40, "CRITICAL": 50, "CRIT": 50,
          "FATAL": 50, "ALERT": 60, "EMERG": 70}
#: Characters the Rust regex engine treats as syntax; escaped in a glob's literal parts.
RUST_META = set("\\.+*?()|[]{}^$#&-~")
BOTS = ("only", "none")


@dataclass(frozen=True)
class Filters:
    """What to keep. Every field is optional; the ones given must all hold (AND).

    - ``status``: ``404``, ``"5xx"``, ``"4xx,5xx"`` or a list of those (health logs: ``status_code``).
    - ``method``: ``"GET"``, ``"POST,PUT"`` or a list (any case).
    - ``path``: globs (``*`` any run, ``?`` one character) matched against the whole path; one
      starting with ``!`` excludes. Any include must match, no exclude may.
    - ``ip`` / ``exclude_ip``: addresses or CIDR networks (``10.1.0.0/24``, ``2001:db8::/32``).
    - ``ua``: a regex searched in the user agent. ``bots``: ``"only"`` or ``"none"``.
    - ``level``: this level and more severe (app, nginx/gunicorn error, backup logs).
    - ``where``: an SQL condition over the columns (``"status >= 500 AND path LIKE '/api/%'"``).

    >>> Filters.of({"status": "5xx", "path": "/api/*"})
    Filters(status='5xx', method=None, path=('/api/*',), ip=(), exclude_ip=(), ua=None, bots=None, level=None, where=None)
    """

    status: str | int | tuple | None = None
    method: str | tuple | None = None
    path: tuple[str, ...] = field(default=())
    ip: tuple[str, ...] = field(default=())
    exclude_ip: tuple[str, ...] = field(default=())
    ua: str | None = None
    bots: str | None = None
    level: str | None = None
    where: str | None = None

    @classmethod
    def of(cls, spec: Filters | Mapping | None) -> Filters:
        """``spec`` as Filters: a Filters, a dict of its fields (a single glob or address as a string), or None."""
        if spec is None:
            return cls()
        if isinstance(spec, Filters):
            return spec
        if not isinstance(spec, Mapping):
            raise FilterError(f"filters must be a dict or mkslog.filters.Filters, not {type(spec).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise FilterError(f"unknown filter {', '.join(map(repr, unknown))}: use {', '.join(sorted(known))}")
        values = {k: (v,) if k in ("path", "ip", "exclude_ip") and isinstance(v, str) else v for k, v in spec.items()}
        values = {k: tuple(v) if k in ("path", "ip", "exclude_ip") and v is not None else v for k, v in values.items()}
        return cls(**values)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) not in (None, ()) for f in fields(self))


def predicate(spec: Filters | Mapping | None, schema: Mapping[str, pl.DataType], kind: str = "this log") -> pl.Expr | None:
    """The one predicate of ``spec`` over a frame of ``schema`` (None when nothing is asked)."""
    spec = Filters.of(spec)
    parts: list[pl.Expr] = []

    def column(names: Iterable[str], option: str) -> str:
        for name in names:
            if name in schema:
                return name
        wanted = " or ".join(repr(n) for n in names)
        raise FilterError(f"{option} filters the {wanted} column, which {kind} records do not have "
                          f"(they have: {', '.join(schema)}); leave it out or read another kind of log")

    if spec.status is not None:
        col = column(["status"] if _numeric(schema.get("status")) else ["status_code"], "--status")
        parts.append(status_filter(pl.col(col), spec.status))
    if spec.method:
        methods = [m.strip().upper() for m in _items(spec.method) if m.strip()]
        parts.append(pl.col(column(["method"], "--method")).str.to_uppercase().is_in(methods))
    if spec.path:
        parts.append(path_filter(pl.col(column(["path"], "--path")), spec.path))
    if spec.ip:
        parts.append(in_networks(pl.col(column(["remote_addr", "client"], "--ip")), spec.ip))
    if spec.exclude_ip:
        col = pl.col(column(["remote_addr", "client"], "--exclude-ip"))
        parts.append(~in_networks(col, spec.exclude_ip).fill_null(False))
    if spec.ua:
        parts.append(pl.col(column(["user_agent"], "--ua")).str.contains(_checked_regex(spec.ua, "--ua")))
    if spec.bots is not None:
        if spec.bots not in BOTS:
            raise FilterError(f"--bots takes only or none, not {spec.bots!r}")
        bot = is_bot(pl.col(column(["user_agent"], "--bots")))
        parts.append(bot if spec.bots == "only" else ~bot)
    if spec.level:
        parts.append(at_least(spec.level, pl.col(column(["level"], "--level"))))
    if spec.where:
        parts.append(where_filter(spec.where, schema))
    if not parts:
        return None
    combined = pl.all_horizontal(parts) if len(parts) > 1 else parts[0]
    return combined


def apply(lf: pl.LazyFrame, spec: Filters | Mapping | None, kind: str = "this log") -> pl.LazyFrame:
    """``lf`` narrowed to ``spec`` (itself when the spec is empty)."""
    expr = predicate(spec, lf.collect_schema(), kind)
    return lf if expr is None else lf.filter(expr)


def _numeric(dtype) -> bool:
    return dtype is not None and dtype.is_numeric()


def _items(value) -> list[str]:
    if isinstance(value, str | int):
        return [v for v in str(value).split(",")]
    return [v for item in value for v in _items(item)]


STATUS = re.compile(r"^([1-5])(xx|\d\d)$", re.IGNORECASE)


def status_filter(col: pl.Expr, value) -> pl.Expr:
    """``404``, ``5xx``, ``4xx,5xx`` (or a list) as a filter on a status column.

    >>> pl.select(status_filter(pl.lit(503), "4xx,5xx")).item()
    True
    """
    codes: list[int] = []
    classes: list[int] = []
    for token in (t.strip() for t in _items(value)):
        match = STATUS.match(token)
        if not match:
            raise FilterError(f"--status {token!r} is not a status: give a code (404), a class (5xx) or a list "
                              "(4xx,5xx)")
        if match.group(2).lower() == "xx":
            classes.append(int(match.group(1)))
        else:
            codes.append(int(token))
    parts = []
    if codes:
        parts.append(col.is_in(codes))
    if classes:
        parts.append((col // 100).is_in(classes))
    return pl.any_horizontal(parts) if len(parts) > 1 else parts[0]


def glob_regex(glob: str) -> str:
    """A path glob as an anchored regex for polars (Rust syntax): ``*`` any run, ``?`` one character.

    >>> glob_regex("/api/*.json")
    '^/api/.*\\\\.json$'
    """
    out = []
    for ch in glob:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append("\\" + ch if ch in RUST_META else ch)
    return "^" + "".join(out) + "$"


def path_filter(col: pl.Expr, globs: Iterable[str]) -> pl.Expr:
    """Paths matching any include glob (all paths when only excludes are given) and no ``!`` glob."""
    globs = list(globs)
    include = [g for g in globs if not g.startswith("!")]
    exclude = [g[1:] for g in globs if g.startswith("!")]
    if any(not g for g in include + exclude):
        raise FilterError("--path takes a glob such as '/api/*' or '!/static/*', not an empty value")
    expr = pl.lit(True)
    if include:
        expr = col.str.contains("|".join(f"(?:{glob_regex(g)})" for g in include))
    if exclude:
        expr = expr & ~col.str.contains("|".join(f"(?:{glob_regex(g)})" for g in exclude)).fill_null(False)
    return expr


def networks(specs: Iterable[str], option: str = "--ip") -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Addresses and CIDR networks, any IPv6 spelling; a FilterError naming ``option`` for anything else.

    >>> networks(["2001:DB8:0::1", "10.1.0.9/24"])
    (IPv6Network('2001:db8::1/128'), IPv4Network('10.1.0.0/24'))
    """
    out = []
    for spec in specs:
        text = str(spec).strip().strip("[]")
        try:
            out.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise FilterError(f"{option} {spec!r} is not an IP address or CIDR network: give e.g. 203.0.113.7, "
                              "10.1.0.0/24, 2001:db8::1 or 2001:db8::/32") from None
    return tuple(out)


def parse_address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as logged (``[v6]``, IPv4-mapped IPv6 read as IPv4), or None when it is none."""
    if not text:
        return None
    try:
        addr = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def per_distinct(expr: pl.Expr, classify: Callable[[str], bool]) -> pl.Expr:
    """``classify`` of each value as a Boolean column, run once per distinct value of a batch.
    Give a module-level function with its own cache (:func:`agent_is_bot`, :func:`address_in`):
    polars unpickles this expression afresh for each chunk, so only such a cache outlives one."""

    def run(values: pl.Series) -> pl.Series:
        distinct = values.unique().drop_nulls()
        verdicts = pl.Series([bool(classify(v)) for v in distinct.to_list()], dtype=pl.Boolean)
        return values.replace_strict(distinct, verdicts, default=None, return_dtype=pl.Boolean)

    return expr.map_batches(run, return_dtype=pl.Boolean, is_elementwise=True)


def in_networks(col: pl.Expr, specs: Iterable[str], option: str = "--ip") -> pl.Expr:
    """Rows whose address lies in any of ``specs`` (see :func:`networks`)."""
    return per_distinct(col, partial(address_in, tuple(networks(specs, option))))


@lru_cache(maxsize=1 << 16)
def address_in(nets: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...], text: str) -> bool:
    """Whether the address ``text`` (any spelling) lies in one of ``nets``.

    Remembered here, at module level: polars unpickles a filter's function afresh for every chunk
    it filters, so a cache inside the filter is lost with each copy, while this one is looked up
    by name and shared. A chunk's few thousand distinct addresses are mostly the last chunk's, and
    parsing each again was most of what ``--ip`` and ``mkslog ip`` added to a scan.

    >>> address_in(tuple(networks(["10.1.0.0/24"])), "10.1.0.7"), address_in(tuple(networks(["::1"])), "[::1]")
    (True, True)
    """
    addr = parse_address(text)
    return addr is not None and any(addr.version == n.version and addr in n for n in nets)


@lru_cache(maxsize=65536)
def agent_is_bot(agent: str) -> bool:
    """Whether a user agent is a bot, crawler or scanner, by the crawler-user-agents list.

    >>> agent_is_bot("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    True
    >>> agent_is_bot("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/142.0.0.0 Safari/537.36")
    False
    """
    import crawleruseragents

    return crawleruseragents.is_crawler(agent)


def is_bot(user_agent: pl.Expr) -> pl.Expr:
    """A Boolean column: the agent is a bot (see :func:`agent_is_bot`); classified per distinct agent."""
    return per_distinct(user_agent, agent_is_bot).fill_null(False)


def at_least(level: str, col: pl.Expr | None = None) -> pl.Expr:
    """Records at ``level`` or more severe (``ERROR`` -> ERROR, CRITICAL, FATAL ...).

    >>> pl.select(at_least("warning", pl.lit("crit"))).item()
    True
    """
    key = level.upper()
    if key not in LEVELS:
        raise FilterError(f"unknown level {level!r}: choose one of {', '.join(LEVELS)}")
    names = [name for name, rank in LEVELS.items() if rank >= LEVELS[key]]
    return (pl.col("level") if col is None else col).str.to_uppercase().is_in(names)


def _checked_regex(pattern: str, option: str) -> str:
    try:
        pl.select(pl.lit("").str.contains(pattern))
    except Exception as exc:  # polars' ComputeError carries the Rust regex parser's message
        raise FilterError(f"{option} {pattern!r} is not a valid regular expression ({str(exc).splitlines()[0]}); "
                          "escape special characters with \\") from None
    return pattern


def where_filter(condition: str, schema: Mapping[str, pl.DataType]) -> pl.Expr:
    """An SQL condition (polars' ``pl.sql_expr``) checked against ``schema``: its columns must exist
    and it must be a condition a frame of that schema can be filtered by."""
    try:
        expr = pl.sql_expr(condition)
    except Exception as exc:
        raise FilterError(f"--where {condition!r} is not an SQL condition ({str(exc).splitlines()[0]}); "
                          "e.g. \"status >= 500 AND path LIKE '/api/%'\"") from None
    missing = [name for name in expr.meta.root_names() if name not in schema]
    if missing:
        raise FilterError(f"--where names {', '.join(map(repr, missing))}, not a column of these records "
                          f"(columns: {', '.join(schema)})")
    try:
        pl.DataFrame(schema=dict(schema)).filter(expr)
    except Exception as exc:
        raise FilterError(f"--where {condition!r} cannot filter these records ({str(exc).splitlines()[0]}); "
                          "compare each column with a value of its type (status >= 500, path LIKE '/api/%')") from None
    return expr


__all__ = ["BOTS", "LEVELS", "Filters", "address_in", "agent_is_bot", "apply", "at_least", "glob_regex", "in_networks", "is_bot",
           "networks", "parse_address", "path_filter", "per_distinct", "predicate", "status_filter", "where_filter"]
