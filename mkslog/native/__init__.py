"""mkslog's C code, built by ``hatch_build.py`` at install: ``linedfa.c``, the byte-DFA line checks
(used by :mod:`mkslog.formats.linematch`), and ``linecut.c``, fields cut from plain lines as string
views (:meth:`mkslog.formats.split.SplitPlan.take_native`). Both callers answer with polars where
an extension was not built.
"""
