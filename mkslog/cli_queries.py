"""Query commands (errors, traffic, endpoints, latency, ...): filled in by the queries issue."""

import click


def register_query_commands(main: click.Group) -> None:
    """Add the query commands to the main group."""
