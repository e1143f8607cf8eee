"""The command line: one module per command group; each command is options -> one library call ->
one presenter. ``main`` is the entry point of ``python -m mkslog`` and the ``mkslog`` script."""

from .main import main

__all__ = ["main"]
