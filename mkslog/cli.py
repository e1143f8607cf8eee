"""The command line: ``python -m mkslog COMMAND``. Each command is a thin wrapper around one
library function plus a presenter; library modules are imported inside the commands so that
``mkslog backup`` and ``mkslog health`` start without loading polars.
"""

from __future__ import annotations

import click

from .backup_cli import backup_group
from .cli_common import MkslogGroup
from .health_cli import health_group


@click.group(cls=MkslogGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mkslog")
def main() -> None:
    """mkslog: log analytics for the Mirai Knowledge System."""


main.add_command(backup_group)
main.add_command(health_group)
