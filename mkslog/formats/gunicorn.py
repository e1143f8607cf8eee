"""gunicorn ``access_log_format`` strings (``%(h)s %(l)s ...``).

>>> fmt = compile_gunicorn('%(h)s %(t)s "%(r)s" %(s)s %(D)s')
>>> [f.column for f in fmt.fields]
['remote_addr', 'ts', 'request', 'status', 'request_time']
"""

from __future__ import annotations

import re

from ..errors import FormatError
from .base import FORWARDED_COLUMNS, Field, LogFormat, check_duplicates, unique_column

DEFAULT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
NAMED = {"gunicorn": DEFAULT, "gunicorn_timed": DEFAULT + " %(D)s"}

# atom -> (column, type); gunicorn documents these in its settings reference.
ATOMS: dict[str, tuple[str, str]] = {
    "h": ("remote_addr", "addr"),
    "l": ("ident", "str"),
    "u": ("remote_user", "str"),
    "t": ("ts", "time_bracketed"),
    "r": ("request", "request"),
    "m": ("method", "str"),
    "U": ("path", "str"),
    "q": ("query", "str"),
    "H": ("protocol", "str"),
    "s": ("status", "status"),
    "B": ("bytes_sent", "uint"),
    "b": ("bytes_sent", "uint"),
    "f": ("referer", "str"),
    "a": ("user_agent", "str"),
    "T": ("request_time", "seconds"),
    "D": ("request_time", "micros"),
    "M": ("request_time", "millis"),
    "L": ("request_time", "seconds"),
    "p": ("pid", "str"),
}

_ATOM = re.compile(r"%\((\{[^}]*\}[ioe]|[A-Za-z]+)\)s")


def compile_gunicorn(source: str, name: str | None = None) -> LogFormat:
    """Compile a gunicorn ``access_log_format`` into a :class:`LogFormat`."""
    if not _ATOM.search(source):
        raise FormatError(f"no %(x)s atoms in gunicorn access_log_format {source!r}")
    check_duplicates([m.group(1) for m in _ATOM.finditer(source)], source)
    pieces: list[str | Field] = []
    taken: set[str] = set()
    unknown: list[str] = []
    pos = 0
    for m in _ATOM.finditer(source):
        if m.start() > pos:
            pieces.append(source[pos : m.start()])
        atom = m.group(1)
        if atom.startswith("{"):
            header, where = atom[1:-2], atom[-1]
            prefix = {"i": "http_", "o": "sent_http_", "e": "env_"}[where]
            column = prefix + re.sub(r"\W+", "_", header).lower()
            # a forwarded-for chain (`a, b`) is an address list: it gets the lenient address match
            ftype = "addr" if column in FORWARDED_COLUMNS else "str"
        elif atom in ATOMS:
            column, ftype = ATOMS[atom]
        else:
            unknown.append(atom)
            continue
        column = unique_column(column, atom, taken)
        taken.add(column)
        pieces.append(Field(var=f"%({atom})s", column=column, type=ftype))
        pos = m.end()
    if unknown:
        raise FormatError(
            f"unknown gunicorn atom(s) {', '.join('%(' + a + ')s' for a in unknown)} in {source!r}; "
            f"known: {' '.join(sorted(ATOMS))} and %({{header}}i)s, %({{header}}o)s, %({{var}}e)s"
        )
    if pos < len(source):
        pieces.append(source[pos:])
    return LogFormat(name=name or "custom-gunicorn", syntax="gunicorn", source=source, pieces=tuple(pieces))
