"""mkslog's C code, built by ``hatch_build.py`` at install: ``linedfa.c``, the byte-DFA line checks
(used by :mod:`mkslog.formats.linematch`); ``linecut.c``, fields cut from plain lines as string
views (:meth:`mkslog.formats.split.SplitPlan.take_native`); ``requestline.c``, the request line's parts
(:mod:`mkslog.formats.requestparts`);
``pathfold.c``, URL paths folded (:mod:`mkslog.queries.pathfolding`). Every caller answers with
polars where an extension was not built. ``stringview.h`` reads and writes Arrow string views,
``outbuf.h`` makes the output buffers.
"""
