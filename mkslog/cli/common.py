"""What every CLI command shares: the error boundary, --config, --json, and safe terminal text.

Standard library and click only: the backup and health command groups use it without loading polars.

>>> safe_text("evil\\x1b]0;pwned\\x07name")
'evil\\\\x1b]0;pwned\\\\x07name'
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..errors import MkslogError
from ..text import terminal_safe

#: Escape control characters so untrusted text cannot drive the terminal (ESC, BEL, CSI ...): the
#: house's one terminal escaper (:func:`mkslog.text.terminal_safe`), under the name the commands use.
safe_text = terminal_safe


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
    type=click.Path(dir_okay=False, readable=False),
    default=None,
    help="mkslog.toml to use (default: $MKSLOG_CONFIG, ./mkslog.toml, ~/.config/mkslog/, /etc/mkslog/).",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document for scripts.")


def echo_json(value: Any) -> None:
    """Print ``value`` as indented JSON (datetimes and paths become strings)."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
