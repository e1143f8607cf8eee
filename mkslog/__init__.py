"""mkslog: streaming log parsers, polars queries and weekly reports for the Mirai Knowledge System."""

__all__: list[str] = []
