"""Python ``logging`` format strings (``%(asctime)s %(levelname)s %(name)s: %(message)s``) and
their ``datefmt``, compiled to a regex and typed columns.

Both styles of :class:`logging.Formatter` are accepted: ``%(name)s`` (with printf modifiers:
``%(levelname)-8s`` pads to 8 characters, ``%(lineno)4d`` right-aligns, ``%(msecs)03d``
zero-pads, ``%(name).10s`` truncates) and ``{name}`` (``{levelname:<8}``, ``{process:d}``).
Padding spaces are allowed around a padded value and stripped from it.

Each attribute has a column and a type (after lars: a format is data):

=================  ============  =================  =================  ============  ============
attribute          column        attribute          column             attribute     column
=================  ============  =================  =================  ============  ============
asctime            ts            levelname          level              name          logger
message            message       module             module             funcName      func
lineno             lineno        pathname           pathname           filename      filename
process            pid           processName        process_name       thread        thread
threadName         thread_name   levelno            levelno            msecs         msecs
created            created [1]_  relativeCreated    relative_ms        taskName      task_name
=================  ============  =================  =================  ============  ============

.. [1] ``created`` (seconds since the epoch) becomes ``ts`` when the format has no ``asctime``.

``asctime`` without ``datefmt`` is logging's default ``2026-11-18 14:05:00,123``; with a
``datefmt`` (``time.strftime`` directives) it is what that writes, and ``%(msecs)`` after it adds
the milliseconds to ``ts``. Neither carries an offset unless the datefmt has ``%z``: the time is
read in the source timezone (see :mod:`mkslog.parse.records`).

>>> fmt = compile_logging("%(asctime)s %(levelname)-8s %(name)s: %(message)s")
>>> fmt.columns
['ts', 'level', 'logger', 'message']
>>> fmt.regex.match("2026-11-18 14:05:00,123 INFO     app.auth: Invalid username or password")["g1"]
'INFO    '
>>> compile_logging("%(levelname)s %(user)s")
Traceback (most recent call last):
...
mkslog.errors.FormatError: unknown logging attribute(s) %(user)s in '%(levelname)s %(user)s'; known: ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

import polars as pl

from ..errors import FormatError
from .asctime import DEFAULT_CHRONO, SGR, all_default_shaped, flexible_asctime, offset_minutes
from .base import Field, LogFormat, check_duplicates, escape
from .clocktimes import asctime_naive
from .datefmt import DateFormat, compile_datefmt
from .logspec import BRACE, PERCENT, Spec, brace_spec, percent_spec, tokens
from .pywords import header_cut
from .record import RecordFormat, Vocabulary, local_to_utc, parse_local

#: Named formats: Python's default (``logging.basicConfig``), Flask's default handler, the
#: system's own (the sample config's), and the logging cookbook's dashed layout.
NAMED: dict[str, str] = {
    "mks": "%(asctime)s %(levelname)s %(name)s: %(message)s",
    "flask": "[%(asctime)s] %(levelname)s in %(module)s: %(message)s",
    "dashed": "%(asctime)s - %(name)s - %(levelname)s - %(message)s",
    "logging": "%(levelname)s:%(name)s:%(message)s",
}

#: Level names Python writes (plus common custom levels); ``Level 5`` is an unnamed numeric level.
LEVEL_NAMES = ("DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL", "NOTSET", "TRACE", "NOTICE",
               "SUCCESS")
LEVELS = "(?:" + "|".join(LEVEL_NAMES) + "|Level [0-9]+)"
#: Every level a record can have, as written: a query keeping ERROR and above reads only the lines
#: that hold one of those words (:mod:`mkslog.parse.prefilter`).
LEVEL_VOCABULARY = Vocabulary("level", LEVEL_NAMES, ("Level ",))

# attribute -> (column, type)
ATTRIBUTES: dict[str, tuple[str, str]] = {
    "asctime": ("ts", "asctime"),
    "created": ("created", "epoch"),
    "msecs": ("msecs", "float"),
    "relativeCreated": ("relative_ms", "float"),
    "levelname": ("level", "level"),
    "levelno": ("levelno", "int"),
    "name": ("logger", "token"),
    "module": ("module", "token"),
    "funcName": ("func", "token"),
    "lineno": ("lineno", "int"),
    "filename": ("filename", "token"),
    "pathname": ("pathname", "text"),
    "process": ("pid", "int"),
    "processName": ("process_name", "token"),
    "thread": ("thread", "uint"),
    "threadName": ("thread_name", "text"),
    "taskName": ("task_name", "token"),
    "message": ("message", "message"),
}

#: type -> (fixed regex fragment or None for "up to the next literal", polars dtype)
PY_TYPES: dict[str, tuple[str | None, pl.DataType]] = {
    "asctime": (None, pl.Datetime("us", "UTC")),
    "epoch": (r"[0-9]+(?:\.[0-9]+)?", pl.Datetime("us", "UTC")),
    "float": (r"-?[0-9]+(?:\.[0-9]+)?", pl.Float64),
    "int": (r"-?[0-9]+", pl.Int64),
    "uint": (r"[0-9]+", pl.UInt64),
    "level": (LEVELS, pl.String),
    "token": (None, pl.String),  # no spaces, up to the next literal character
    "text": (None, pl.String),  # may hold spaces and the next literal character
    "message": (None, pl.String),
}

class PyLogFormat(LogFormat):
    """A compiled Python ``logging`` format. ``extra`` holds the :class:`DateFormat` and, per
    variable, its :class:`Spec`."""

    @property
    def datefmt(self) -> DateFormat:
        return self.extra["datefmt"]

    def _spec(self, f: Field) -> Spec:
        return self.extra["specs"].get(f.var, Spec())

    def _fragment(self, index: int) -> str:
        piece = self.pieces[index]
        assert isinstance(piece, Field)
        spec = self._spec(piece)
        after = self.pieces[index + 1] if index + 1 < len(self.pieces) else ""
        after = after if isinstance(after, str) else ""
        stop = after[:1]
        fixed, _ = PY_TYPES[piece.type]
        if piece.type == "asctime":
            frag = self.datefmt.fragment
        elif spec.truncate is not None and piece.type in ("token", "text", "level"):
            frag = (f"[^{_class(stop)}]" if stop else ".") + f"{{0,{spec.truncate}}}"
        elif fixed is not None:
            frag = fixed
        elif piece.type == "message":
            frag = ".*" if index == len(self.pieces) - 1 else ".*?"
        elif not stop:
            frag = "[^ ]+" if piece.type == "token" else ".+"
        elif piece.type == "token":
            frag = f"[^ {_class(stop)}]+" if stop != " " else "[^ ]+"
        else:  # text may hold the next literal too (C:\ in a Windows path): shortest match that fits
            frag = ".+?"
        if spec.padded:
            frag = f" *(?:{frag}) *"
        return frag

    def output_columns(self, f: Field) -> dict[str, pl.DataType]:
        return {f.column: PY_TYPES[f.type][1]}

    @cached_property
    def schema(self) -> dict[str, pl.DataType]:
        out: dict[str, pl.DataType] = {}
        for f in self.fields:
            out.setdefault(f.column, PY_TYPES[f.type][1])
        return out

    def lenient(self) -> None:
        return None

    def pattern(self, capture=None, *, upto: int | None = None) -> str:
        """The line regex (see :meth:`LogFormat.pattern`); leading colour codes and colour codes
        around a level name (``ESC[32mINFO ESC[0m``) are skipped, outside the captures."""
        out = ["^", SGR]
        pieces = self.pieces if upto is None else self.pieces[:upto]
        for i, piece in enumerate(pieces):
            if isinstance(piece, str):
                out.append(escape(piece))
                continue
            number = self.fields.index(piece)
            frag = self._fragment(i)
            group = f"(?P<g{number}>{frag})" if capture is None or piece.var in capture else f"(?:{frag})"
            if piece.type == "level":  # colorlog & co. colour the level name
                group = (SGR if i > 0 else "") + group + SGR
            out.append(group)
        if upto is None:
            out.append("$")
        return "".join(out)

    @cached_property
    def head_index(self) -> int | None:
        """Index of the asctime piece, or None: the pieces up to it are the record-start test."""
        return next((i for i, p in enumerate(self.pieces) if isinstance(p, Field) and p.type == "asctime"), None)

    def header_pattern(self) -> str:
        """A regex (no captures) over a whole first line: the format up to the message when the
        message ends it (cheaper), else the whole format. Detection scores with it."""
        idx = [i for i, p in enumerate(self.pieces) if isinstance(p, Field) and p.type == "message"]
        if idx and idx[0] == len(self.pieces) - 1:
            return self.pattern(set(), upto=idx[0])
        return self.pattern(set())

    def start_pattern(self) -> str:
        """A regex (no captures) that the first line of a record matches. With an asctime: the
        format up to its timestamp, whether or not the rest of the line matches (two handlers
        with different formats in one file: each timestamped line is a record, never glued onto
        the one above). Without one: :meth:`header_pattern`."""
        if self.head_index is None:
            return self.header_pattern()
        return self.pattern(set(), upto=self.head_index + 1)

    def converters(self, fields: Iterable[Field] | None = None, source_tz: str = "UTC", *,
                   default_shaped: bool = False, naive: pl.Series | None = None) -> list[pl.Expr]:
        """Expressions typing the captured groups ``g<n>``; local times are read in ``source_tz``.
        ``default_shaped``: every asctime is Python's default exactly (see :meth:`specialize`);
        ``naive``: those asctimes already read (by C: :func:`mkslog.formats.clocktimes.asctime_naive`)."""
        fields = list(self.fields if fields is None else fields)

        def group(n: int) -> pl.Expr:
            return pl.col(f"g{n}")

        exprs: list[pl.Expr] = []
        msecs = next((f for f in self.fields if _attr_of(f.var) == "msecs"), None)
        for f in fields:
            raw = group(self.fields.index(f))
            spec = self._spec(f)
            if spec.padded or f.type in ("level", "token"):
                raw = raw.str.strip_chars(" ")
            if f.type == "asctime" and default_shaped:  # its own ,mmm (msecs repeats it), no offset
                ts = parse_local(raw, DEFAULT_CHRONO, source_tz) if naive is None else local_to_utc(pl.lit(naive), source_tz)
                exprs.append(ts.alias(f.column))
                if self.has_utc_offset:
                    exprs.append(pl.lit(None, pl.Int16).alias("utc_offset"))
            elif f.type == "asctime":
                ts = self._asctime(raw, source_tz)
                if msecs is not None and (self.datefmt.flexible or not self.datefmt.has_fraction):
                    ms = group(self.fields.index(msecs)).str.strip_chars(" ").cast(pl.Float64, strict=False)
                    add = pl.duration(microseconds=(ms.fill_null(0) * 1000).round(0).cast(pl.Int64))
                    # a flexible asctime may carry its own fraction: then msecs repeats it
                    has_own = raw.str.contains(r"^.{19}[,.]") if self.datefmt.flexible else pl.lit(False)
                    ts = pl.when(has_own).then(ts).otherwise(ts + add)
                exprs.append(ts.alias(f.column))
                if self.has_utc_offset:
                    exprs.append(offset_minutes(raw).alias("utc_offset"))
            elif f.type == "epoch":
                micros = (raw.cast(pl.Float64, strict=False) * 1_000_000).round(0).cast(pl.Int64)
                exprs.append(pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC").alias(f.column))
            elif f.type in ("int", "uint", "float"):
                exprs.append(raw.cast(PY_TYPES[f.type][1], strict=False).alias(f.column))
            else:
                exprs.append(raw.alias(f.column))
        return exprs

    @property
    def has_utc_offset(self) -> bool:
        """Whether ``ts`` may carry an offset (kept as ``utc_offset``, minutes east of UTC)."""
        return self.head_index is not None and (self.datefmt.flexible or self.datefmt.has_offset)

    def _asctime(self, text: pl.Expr, source_tz: str) -> pl.Expr:
        d = self.datefmt
        if d.flexible:
            return flexible_asctime(text, source_tz)
        parsed = text.str.strptime(pl.Datetime("us"), d.chrono, strict=False)
        if d.has_offset:
            return parsed.dt.convert_time_zone("UTC")
        return local_to_utc(parsed, source_tz)

    def record_format(self, kind: str = "app") -> RecordFormat:
        """This format as the record parser's :class:`RecordFormat` (columns ``ts``, ``level``,
        ``logger``, ``message`` always, then the format's other attributes)."""
        schema: dict[str, pl.DataType] = {"ts": pl.Datetime("us", "UTC"), "level": pl.String,
                                          "logger": pl.String, "message": pl.String}
        if self.has_utc_offset:
            schema = {"ts": schema.pop("ts"), "utc_offset": pl.Int16, **schema}
        schema.update({c: t for c, t in self.schema.items() if c not in schema})
        partial = self.partial_pattern()
        plevel = "plevel" in re.compile(partial).groupindex if partial else False

        def convert(source_tz: str, default_shaped: bool = False, naive: pl.Series | None = None) -> list[pl.Expr]:
            # the record parser fills g<n>, plevel and phead of partial lines from partial_pattern
            exprs = self.converters(None, source_tz, default_shaped=default_shaped, naive=naive)
            if partial:  # a partial line: the level word where one stands, the text after it
                rest = pl.col("line").str.slice(pl.col("phead").str.len_chars())
                exprs = [pl.coalesce(e, pl.col("plevel")).alias("level") if plevel and e.meta.output_name() == "level"
                         else pl.coalesce(e, rest).alias("message") if e.meta.output_name() == "message"
                         else e for e in exprs]
                if plevel and "level" not in {e.meta.output_name() for e in exprs}:
                    exprs.append(pl.col("plevel").alias("level"))
            produced = {e.meta.output_name() for e in exprs}
            return exprs + [pl.lit(None, schema[c]).alias(c) for c in schema if c not in produced]

        last = self.pieces[-1]
        if isinstance(last, Field) and last.type == "message":  # the usual case: slice, do not capture
            pattern, rest = self.pattern(upto=len(self.pieces) - 1), f"g{len(self.fields) - 1}"
        else:
            pattern, rest = self.pattern(), None
        # the header cut at its spaces for lines without colour codes (formats/pywords.py)
        extra: dict = {"logformat": self, "header_cut": header_cut(self, LEVEL_NAMES)}
        if self.name == "inferred":  # detection guessed it: say so, and how to give the right one
            extra["warning"] = (f"no named logging format fits; inferred {self.source!r}; pass --log-format "
                                "(format= in the API) to fix it")
        asctime = next((f"g{i}" for i, f in enumerate(self.fields) if f.type == "asctime"), None)

        def specialize(matched: pl.DataFrame, source_tz: str) -> list[pl.Expr] | None:
            # a chunk whose every asctime is Python's default exactly: one strptime reads them
            if asctime is None or not self.datefmt.flexible or asctime not in matched.columns:
                return None
            values = matched.get_column(asctime)
            naive = asctime_naive(values)  # read by C where every value has the default's shape
            if naive is not None:
                return convert(source_tz, True, naive)
            return convert(source_tz, True) if all_default_shaped(values) else None

        # a truncated level (%(levelname).4s writes ERRO) is not one of the names
        truncated = any(f.type == "level" and self._spec(f).truncate is not None for f in self.fields)
        return RecordFormat(
            name=self.name, kind=kind, start=self.start_pattern(), pattern=pattern, schema=schema,
            convert=convert, multiline=True, expect=self.source, rest=rest, partial=partial,
            vocabulary=None if truncated else LEVEL_VOCABULARY, specialize=specialize, extra=extra,
            # text as captured (padding aside): a value is a piece of the line; the message of a
            # partial or orphan line is the rest of it, or all of it
            verbatim=frozenset(["message", *(f.column for f in self.fields if f.type in ("token", "text", "level"))]),
        )


    def partial_pattern(self) -> str | None:
        """For a first line that has the format's timestamp but misses a later field: a regex
        over its head (the fields up to the timestamp, as groups ``g<n>`` like the full pattern),
        the level word among the first words after it (``plevel``) and the separators before
        the message (``phead`` holds all of that; the message is the rest). None without an
        asctime: then a line starts a record only when it matches up to the message."""
        if self.head_index is None:
            return None
        head_fields = [p for p in self.pieces[: self.head_index + 1] if isinstance(p, Field)]
        level = "" if any(f.type == "level" for f in head_fields) else (
            rf"(?:[^A-Za-z0-9\n]*(?:[A-Za-z0-9_.]+[^A-Za-z0-9_.\n]+){{0,2}}?{SGR}(?P<plevel>{LEVELS}){SGR}\b)?"
        )
        # the message is sliced off after the head, not captured: a capture costs per character
        return "^(?P<phead>" + self.pattern(upto=self.head_index + 1).removeprefix("^") + level + r"[\s\-:|\]\)>,]*)"


def _attr_of(var: str) -> str:
    m = re.match(r"%\(([^)]*)\)|\{([^{}:!]*)", var)
    return (m.group(1) or m.group(2)) if m else var


def _class(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


def compile_logging(source: str, datefmt: str | None = None, name: str | None = None) -> PyLogFormat:
    """Compile a ``logging`` format string (``%`` or ``{`` style) or a named one (:data:`NAMED`)."""
    if source in NAMED:
        name, source = name or source, NAMED[source]
    name = name or next((n for n, s in NAMED.items() if s == source), None)
    style = "%" if "%(" in source else "{" if BRACE.search(source.replace("{{", "").replace("}}", "")) else None
    if style is None:
        raise FormatError(
            f"no %(attribute)s or {{attribute}} in logging format {source!r}: give a Python logging format "
            f"string such as '%(asctime)s %(levelname)s %(name)s: %(message)s', or one of {', '.join(NAMED)}"
        )
    token = PERCENT if style == "%" else BRACE
    pieces: list[str | Field] = []
    specs: dict[str, Spec] = {}
    attrs: list[str] = []
    unknown: list[str] = []
    literal: list[str] = []
    taken: set[str] = set()
    for m in tokens(token, source):
        if isinstance(m, str):
            literal.append(m)
            continue
        text = m.group(0)
        if text in ("%%", "{{", "}}"):
            literal.append(text[0])
            continue
        attr = m.group("attr")
        attrs.append(attr)
        if attr not in ATTRIBUTES:
            unknown.append(text)
            continue
        spec = percent_spec(m) if style == "%" else brace_spec(m.group("spec") or "", source)
        column, ftype = ATTRIBUTES[attr]
        if ftype == "message":
            spec = Spec()  # the message is never padded; keep its text as written
        if literal:
            pieces.append("".join(literal))
            literal = []
        pieces.append(Field(var=text, column=column, type=ftype))
        taken.add(column)
        specs[text] = spec
    if literal:
        pieces.append("".join(literal))
    if unknown:
        raise FormatError(
            f"unknown logging attribute(s) {', '.join(unknown)} in {source!r}; known: {', '.join(ATTRIBUTES)}"
        )
    check_duplicates(attrs, source)
    if "ts" not in taken:  # no asctime: created (seconds since the epoch) is the timestamp
        pieces = [Field(p.var, "ts", p.type) if isinstance(p, Field) and p.type == "epoch" else p for p in pieces]
    for a, b in zip(pieces, pieces[1:], strict=False):
        if isinstance(a, Field) and isinstance(b, Field) and a.type not in ("asctime", "int", "uint", "float", "epoch", "level"):
            raise FormatError(
                f"{a.var} and {b.var} follow each other with nothing between them in {source!r}: "
                "mkslog cannot tell where one ends"
            )
    return PyLogFormat(
        name=name or "custom-logging", syntax="logging", source=source, pieces=tuple(pieces), kind="app",
        extra={"datefmt": compile_datefmt(datefmt), "specs": specs},
    )
