"""mkslog's C code, built by ``hatch_build.py`` at install: ``linedfa.c``, the byte-DFA line checks
(used by :mod:`mkslog.formats.linematch`); ``linecut.c``, fields cut from plain lines as string
views (:meth:`mkslog.formats.split.SplitPlan.take_native`); ``requestline.c``, the request line's parts
(:mod:`mkslog.formats.requestparts`);
``pathfold.c``, URL paths folded (:mod:`mkslog.queries.pathfolding`); ``clocktime.c``, timestamps
of fixed layouts (:mod:`mkslog.formats.clocktimes`); ``linesplit.c``, files read
into reused blocks and split into lines there (:mod:`mkslog.lineblocks`). Every caller answers with
polars (or Python's bytes) where an extension was not built or :data:`DISABLE_ENV` is set. ``stringview.h`` reads and writes Arrow string views,
``outbuf.h`` makes the output buffers.
"""

import importlib
import os

#: Set to 1 to keep the C loops out (tests compare both ways).
DISABLE_ENV = "MKSLOG_NO_NATIVE"


def native_wanted() -> bool:
    """False when :data:`DISABLE_ENV` is set to 1."""
    return os.environ.get(DISABLE_ENV) != "1"


#: The extensions that keep the mappings their freed buffers held, for the next chunk's buffers.
BUFFER_MODULES = ("linesplit", "linecut", "requestline", "pathfold", "clocktime")


def forget_buffers() -> None:
    """Unmap the buffers every built extension keeps for reuse: call when a read has ended (each
    keeps up to 48 MiB, which would stay mapped through the queries that follow a report's parse).

    >>> forget_buffers()  # nothing to forget, or no extension built: a no-op
    """
    for name in BUFFER_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ImportError:  # not built (no C compiler at install time)
            continue
        module.forget()
