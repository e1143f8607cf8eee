"""`python -m mkslog health ...`: placeholder group, filled in by the health issue."""

import click

from .cli_common import MkslogGroup


@click.group("health", cls=MkslogGroup)
def health_group() -> None:
    """HTTP checks, system metrics, certificate expiry and alerts (replaces health_check.sh)."""
