"""What every CLI command shares: the error boundary, --config, --json, and safe terminal text.

Standard library and click only: the backup and health command groups use it without loading polars.

>>> safe_text("evil\\x1b]0;pwned\\x07name")
'evil\\\\x1b]0;pwned\\\\x07name'
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import click

from ..errors import MkslogError

# C0 controls except tab/newline, DEL, and C1 controls (0x80-0x9f, which include the 8-bit CSI).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_text(text: Any) -> str:
    r"""Escape control characters so untrusted text cannot drive the terminal (ESC, BEL, CSI ...).

    >>> safe_text("a\x1b[2Jb")
    'a\\x1b[2Jb'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


class MkslogGroup(click.Group):
    """A click group that turns MkslogError into ``Error: ...`` on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MkslogError as exc:
            click.echo(f"Error: {safe_text(exc)}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:  # `mkslog ... | head` closed the pipe: not an error
            sys.stderr.close()
            ctx.exit(0)


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="mkslog.toml to use (default: $MKSLOG_CONFIG, ./mkslog.toml, ~/.config/mkslog/, /etc/mkslog/).",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document for scripts.")


def echo_json(value: Any) -> None:
    """Print ``value`` as indented JSON (datetimes and paths become strings)."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
