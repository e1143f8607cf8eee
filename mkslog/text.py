r"""Making untrusted text inert, once per target: terminal, HTML, Markdown, CSV.

Paths, user agents and log messages come from the internet. Stored values keep the raw text;
these functions are applied only where text is presented. Standard library only (the backup and
health commands print through :func:`terminal_safe` without loading polars).

>>> terminal_safe("evil\x1b]0;pwned\x07name")
'evil\\x1b]0;pwned\\x07name'
>>> html_safe('<script>alert(1)</script>')
'&lt;script&gt;alert(1)&lt;/script&gt;'
>>> markdown_safe("a|b <i>")
'a\\|b &lt;i&gt;'
>>> csv_safe("=HYPERLINK(1)")
"'=HYPERLINK(1)"
"""

from __future__ import annotations

import html
import re
from typing import Any

# C0 controls except tab/newline, DEL, and C1 controls (0x80-0x9f, which include the 8-bit CSI).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Every control character, for one-line cells (tables, Markdown): tab and newline too.
_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: Cell starts that a spreadsheet would run as a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The same as a regex, for polars expressions over whole columns.
FORMULA_REGEX = r"^[=+\-@\t\r]"


def _escape(match: re.Match) -> str:
    char = match.group()
    return {"\n": "\\n", "\t": "\\t"}.get(char) or f"\\x{ord(char):02x}"


def terminal_safe(text: Any) -> str:
    r"""Escape control characters so untrusted text cannot drive the terminal (ESC, BEL, CSI ...);
    newlines and tabs are kept.

    >>> terminal_safe("a\x1b[2Jb\x9b")
    'a\\x1b[2Jb\\x9b'
    """
    return _CONTROL.sub(_escape, str(text))


def one_line(text: Any) -> str:
    r"""Like :func:`terminal_safe`, and newlines and tabs shown as ``\n`` and ``\t``: one row per record.

    >>> one_line("a\nb\tc")
    'a\\nb\\tc'
    """
    return _ANY_CONTROL.sub(_escape, str(text))


def html_safe(text: Any) -> str:
    """Text for an HTML element or attribute: ``& < > " '`` escaped, control characters shown
    as ``\\xNN`` (a raw ESC or NUL in a page or an SVG label breaks renderers)."""
    return html.escape(terminal_safe(text), quote=True)


def markdown_safe(text: Any) -> str:
    r"""A Markdown table cell: HTML-significant characters escaped (a renderer with HTML enabled
    must not run a ``<script>`` from a log), ``|`` escaped, control characters shown, one line.

    >>> markdown_safe("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    """
    cell = html.escape(one_line(text), quote=False)
    return cell.replace("|", "\\|").replace("`", "\\`")


def csv_safe(text: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (prefixed with ``'``), control
    characters escaped."""
    if text.startswith(FORMULA_START):
        text = "'" + text
    return terminal_safe(text)


__all__ = ["FORMULA_REGEX", "FORMULA_START", "csv_safe", "html_safe", "markdown_safe", "one_line", "terminal_safe"]
