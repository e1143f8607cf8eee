"""mkslog's C code: ``linedfa.c``, the byte-DFA line checks, built by ``hatch_build.py`` at install.

Python code does not import from here directly but through :mod:`mkslog.formats.linematch`, which
answers with polars' regex where the extension was not built.
"""
