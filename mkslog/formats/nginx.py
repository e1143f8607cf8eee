"""nginx ``log_format`` strings, and ``log_format`` directives read from an nginx config file.

>>> fmt = compile_nginx("$remote_addr - $remote_user [$time_local] \\"$request\\" $status")
>>> fmt.columns[:4]
['remote_addr', 'remote_user', 'ts', 'utc_offset']
>>> bool(fmt.regex.match('1.2.3.4 - - [10/Oct/2026:13:55:36 +0900] "GET / HTTP/1.1" 200'))
True
"""

from __future__ import annotations

import re

from ..errors import FormatError
from .base import Field, LogFormat, check_duplicates, unique_column

COMBINED = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
NAMED = {
    "combined": COMBINED,
    "common": '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent',
    "main": COMBINED + ' "$http_x_forwarded_for"',
    "timed": COMBINED + " $request_time $upstream_response_time",
}

# variable -> (column, type). Variables not listed become string columns named after themselves.
VARIABLES: dict[str, tuple[str, str]] = {
    "remote_addr": ("remote_addr", "addr"),
    "realip_remote_addr": ("realip_remote_addr", "addr"),
    "remote_user": ("remote_user", "str"),
    "time_local": ("ts", "time_local"),
    "time_iso8601": ("ts", "time_iso8601"),
    "msec": ("ts", "time_msec"),
    "request": ("request", "request"),
    "request_uri": ("request_uri", "target"),
    "request_method": ("method", "str"),
    "uri": ("path", "str"),
    "document_uri": ("path", "str"),
    "args": ("query", "str"),
    "query_string": ("query", "str"),
    "server_protocol": ("protocol", "str"),
    "status": ("status", "status"),
    "body_bytes_sent": ("bytes_sent", "uint"),
    "bytes_sent": ("total_bytes_sent", "uint"),
    "request_length": ("request_length", "uint"),
    "content_length": ("content_length", "uint"),
    "connection": ("connection", "uint"),
    "connection_requests": ("connection_requests", "uint"),
    "pid": ("pid", "uint"),
    "remote_port": ("remote_port", "uint"),
    "server_port": ("server_port", "uint"),
    "request_time": ("request_time", "seconds"),
    "upstream_response_time": ("upstream_response_time", "seconds_list"),
    "upstream_connect_time": ("upstream_connect_time", "seconds_list"),
    "upstream_header_time": ("upstream_header_time", "seconds_list"),
    "upstream_addr": ("upstream_addr", "list"),
    "upstream_status": ("upstream_status", "list"),
    "upstream_response_length": ("upstream_response_length", "list"),
    "upstream_bytes_received": ("upstream_bytes_received", "list"),
    "upstream_bytes_sent": ("upstream_bytes_sent", "list"),
    "upstream_cache_status": ("upstream_cache_status", "list"),
    "http_referer": ("referer", "str"),
    "http_user_agent": ("user_agent", "str"),
    "http_x_forwarded_for": ("x_forwarded_for", "addr"),
    "http_x_real_ip": ("http_x_real_ip", "addr"),
}

_VAR = re.compile(r"\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")


def compile_nginx(source: str, name: str | None = None) -> LogFormat:
    """Compile an nginx ``log_format`` string into a :class:`LogFormat`."""
    if not _VAR.search(source):
        raise FormatError(f"no $variables in nginx log_format {source!r}")
    check_duplicates([m.group(1) or m.group(2) for m in _VAR.finditer(source)], source)
    pieces: list[str | Field] = []
    taken: set[str] = set()
    pos = 0
    for m in _VAR.finditer(source):
        if m.start() > pos:
            pieces.append(source[pos : m.start()])
        var = m.group(1) or m.group(2)
        column, ftype = VARIABLES.get(var, (var, "str"))
        column = unique_column(column, var, taken)
        if column != VARIABLES.get(var, (var,))[0] and ftype.startswith("time_"):
            ftype = "str"  # a second time variable stays text; the first one is `ts`
        taken.add(column)
        pieces.append(Field(var=f"${var}", column=column, type=ftype))
        pos = m.end()
    if pos < len(source):
        pieces.append(source[pos:])
    for a, b in zip(pieces, pieces[1:], strict=False):
        if isinstance(a, Field) and isinstance(b, Field):
            raise FormatError(
                f"{a.var} and {b.var} follow each other with nothing between them in {source!r}: "
                "mkslog cannot tell where one ends"
            )
    return LogFormat(name=name or "custom-nginx", syntax="nginx", source=source, pieces=tuple(pieces))


def log_formats_in(text: str) -> dict[str, str]:
    """All ``log_format NAME [escape=...] 'part' "part" ...;`` directives of nginx config text,
    multi-line and quoted as nginx writes them, as ``{name: format string}`` (reading the file is
    :func:`mkslog.parse.resolve.read_nginx_conf`'s job: formats are data).

    >>> log_formats_in("http {\\n  log_format timed '$remote_addr [$time_local] '\\n   '$status';\\n}\\n")
    {'timed': '$remote_addr [$time_local] $status'}
    """
    formats: dict[str, str] = {}
    for words in _directives(text):
        if len(words) >= 3 and words[0] == "log_format":
            parts = [w for w in words[2:] if not w.startswith("escape=")]
            formats[words[1]] = "".join(parts)
    return formats


def _directives(text: str) -> list[list[str]]:
    """Split nginx config text into directives (lists of words), honouring quotes and comments."""
    out: list[list[str]] = []
    words: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif ch in "'\"":
            j = i + 1
            buf = []
            while j < n and text[j] != ch:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(text[j])
                j += 1
            words.append("".join(buf))
            i = j + 1
            continue
        elif ch in ";{}":
            if words:
                out.append(words)
            words = []
        elif not ch.isspace():
            j = i
            while j < n and not text[j].isspace() and text[j] not in ";{}'\"#":
                j += 1
            words.append(text[i:j])
            i = j
            continue
        i += 1
    return out
