"""polars' memory allocator (jemalloc), set for mkslog's own processes before polars is loaded.

A read is a stream of chunks: each is parsed on one of two threads, and what one chunk's parse
frees is what the next one needs. With polars' defaults every thread allocates from an arena of
its own (eight on two cores) and freed pages stay mapped for up to 1.5 s, so the peak is the sum
of every arena's leftovers. One arena, and a background thread that hands freed pages back within
a second, keep the peak near one chunk's need: top-ips over 10M lines 455 -> 364 MiB, latency
331 -> 283 MiB, the report's kernel 482 -> 443 MiB; the same time (0.94-1.05x, farm-bench pairs).

The options go into ``_RJEM_MALLOC_CONF``, which polars reads when it is first imported (and
prefixes with its own defaults, :data:`POLARS_DEFAULTS`); a user's own setting is kept.

>>> env = {}
>>> configure_allocator(env)["_RJEM_MALLOC_CONF"] == ALLOCATOR_CONF
True
>>> configure_allocator({"_RJEM_MALLOC_CONF": "narenas:4"})["_RJEM_MALLOC_CONF"]
'narenas:4'
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

#: The allocator options of mkslog's processes (the CLI and the report's kernel).
ALLOCATOR_CONF = "narenas:1,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0"
#: What polars itself writes into ``_RJEM_MALLOC_CONF`` when it is imported, before any option of
#: the user's: a process that imported polars passes it on to its children, and it is no choice
#: of the user's.
POLARS_DEFAULTS = "dirty_decay_ms:500,muzzy_decay_ms:1000"


def configure_allocator(env: MutableMapping[str, str] | None = None) -> MutableMapping[str, str]:
    """Put :data:`ALLOCATOR_CONF` into ``env`` (default: this process's environment, which takes
    effect only if polars is not loaded yet, and is inherited by child processes), unless the
    user set allocator options of their own; returns ``env``."""
    env = os.environ if env is None else env
    users = env.get("_RJEM_MALLOC_CONF", "").removeprefix(POLARS_DEFAULTS).lstrip(",")
    env["_RJEM_MALLOC_CONF"] = users or ALLOCATOR_CONF
    return env


#: numpy (which pyarrow loads) starts OpenBLAS with a thread per core, and those threads spin
#: for a while after each wake-up: 1.5 % of top-ips' CPU on two cores. mkslog does no linear algebra.
BLAS_THREADS = {"OPENBLAS_NUM_THREADS": "1"}


def configure_process(env: MutableMapping[str, str] | None = None) -> MutableMapping[str, str]:
    """:func:`configure_allocator`, and one OpenBLAS thread (:data:`BLAS_THREADS`) unless the user
    chose a number; for mkslog's own processes, before polars and pyarrow are loaded.

    >>> configure_process({"OPENBLAS_NUM_THREADS": "4"})["OPENBLAS_NUM_THREADS"]
    '4'
    """
    env = configure_allocator(env)
    for name, value in BLAS_THREADS.items():
        env.setdefault(name, value)
    return env


__all__ = ["ALLOCATOR_CONF", "BLAS_THREADS", "POLARS_DEFAULTS", "configure_allocator", "configure_process"]
