"""What every CLI command shares: the error boundary, --config, ``--as text|json``, output paths
checked before any work, and safe terminal text.

Standard library and click only: the backup and health command groups use it without loading polars.

>>> safe_text("evil\\x1b]0;pwned\\x07name")
'evil\\\\x1b]0;pwned\\\\x07name'
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from ..errors import MkslogError, OutputError
from ..text import terminal_safe

#: Escape control characters so untrusted text cannot drive the terminal (ESC, BEL, CSI ...): the
#: house's one terminal escaper (:func:`mkslog.text.terminal_safe`), under the name the commands use.
safe_text = terminal_safe

#: Set to 1 to see the traceback of an unexpected error (a bug) instead of its one ``Error:`` line.
DEBUG_ENV = "MKSLOG_DEBUG"


class MkslogGroup(click.Group):
    """A click group that turns every failure into one ``Error: ...`` line on stderr and an exit
    code: MkslogError (its code, 1), an OS error (1, with the path), anything else (1: a bug,
    said so, the traceback only with ``MKSLOG_DEBUG=1``). Usage errors stay click's (2)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except MkslogError as exc:
            fail(ctx, str(exc), exc.exit_code)
        except BrokenPipeError:  # `mkslog ... | head` closed the pipe: not an error
            sys.stderr.close()
            ctx.exit(0)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            fail(ctx, f"{exc.strerror or exc}{where} (check that the path exists and that you may read it, "
                      "or write to its folder)")
        except Exception as exc:  # the boundary: a bug must still be one line, never a traceback
            if os.environ.get(DEBUG_ENV) == "1":
                raise
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            fail(ctx, f"unexpected {type(exc).__name__}: {message} (a bug in mkslog: please report it with the "
                      f"command line; {DEBUG_ENV}=1 shows the traceback)")


def fail(ctx: click.Context, message: str, code: int = 1) -> None:
    """Print ``Error: message`` (made inert for the terminal) and exit with ``code``."""
    click.echo(f"Error: {safe_text(message)}", err=True)
    ctx.exit(code)


def deprecated(old: str, new: str) -> None:
    """One line on stderr for an old spelling that still works for one release, when a person
    reads stderr (a terminal): scripts and cron jobs keep their output as it was until then."""
    if sys.stderr.isatty():
        click.echo(f"Note: {old} is now {new}; the old spelling goes away in the next release", err=True)


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, readable=False),
    default=None,
    help="mkslog.toml to use (default: $MKSLOG_CONFIG, ./mkslog.toml, ~/.config/mkslog/, /etc/mkslog/).",
)


def json_option(func: Callable) -> Callable:
    """``--as text|json`` (the output format, as in every command) for commands that print text or
    one JSON document; the old ``--json`` still works, hidden. The command gets ``as_json``."""

    @functools.wraps(func)
    def wrapper(*args: Any, as_format: str | None, json_flag: bool, **kwargs: Any) -> Any:
        if json_flag:
            deprecated("--json", "--as json")
        return func(*args, as_json=json_flag or as_format == "json", **kwargs)

    wrapper = click.option("--json", "json_flag", is_flag=True, hidden=True,
                           help="Old spelling of --as json.")(wrapper)
    return click.option("--as", "as_format", type=click.Choice(["text", "json"]), default=None,
                        help="Output format: text (default) or json (one JSON document for scripts).")(wrapper)


def echo_json(value: Any) -> None:
    """Print ``value`` as indented JSON (datetimes and paths become strings)."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def check_output_file(path: str | None) -> str | None:
    """Refuse an output FILE that cannot be written before any work is done: its folder must
    exist and be writable, and it must not be a folder.

    >>> check_output_file("/nonexistent-dir/x.txt")
    Traceback (most recent call last):
    ...
    mkslog.errors.OutputError: cannot write /nonexistent-dir/x.txt: the folder /nonexistent-dir does not exist (create it or give another path)
    """
    if not path or path == "-":
        return path
    if os.path.isdir(path):
        raise OutputError(f"cannot write {path}: it is a folder (give a file name, e.g. {path}/answer.csv)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist (create it or give another path)")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise OutputError(f"cannot write {path}: permission denied (give a path in a folder you may write to)")
    return path


def check_output_dir(path: str | None) -> str | None:
    """Refuse an output FOLDER that cannot be made or written: it is a file, or its nearest
    existing parent is not writable (a missing folder is created later, parents too)."""
    if not path:
        return path
    if os.path.exists(path) and not os.path.isdir(path):
        raise OutputError(f"cannot write into {path}: it is a file, not a folder (give a folder)")
    existing = os.path.abspath(path)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise OutputError(f"cannot create {path}: {existing} is a file, not a folder (give a folder)")
    if not os.access(existing, os.W_OK):
        raise OutputError(f"cannot create or write {path}: {existing} is not writable (give a folder you may "
                          "write to)")
    return path


def output_file_callback(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    return check_output_file(value)


def output_dir_callback(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    return check_output_dir(value)
