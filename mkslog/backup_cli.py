"""`python -m mkslog backup ...`: placeholder group, filled in by the backup issue."""

import click

from .cli_common import MkslogGroup


@click.group("backup", cls=MkslogGroup)
def backup_group() -> None:
    """Create, verify, list, prune and restore backups (replaces the manual's backup.sh)."""
