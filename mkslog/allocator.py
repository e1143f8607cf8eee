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
#: glibc's malloc serves blocks from 1 MiB up by their own mappings, given back when freed. By
#: default it raises that threshold to the largest block freed so far, so a read's 8-24 MiB chunks
#: came from its heap, which kept every page it ever held: the report's kernel stayed 100-150 MiB
#: higher after its parse (the whole report's process tree 549 -> 437 MiB with this).
MMAP_THRESHOLD = 1 << 20
MMAP_ENV = {"MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD)}
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number


def map_large_blocks() -> bool:
    """This process's malloc set to :data:`MMAP_THRESHOLD` (glibc's ``mallopt``; children read
    :data:`MMAP_ENV`). False where the C library has no ``mallopt`` (not glibc)."""
    try:  # ctypes itself may be missing (a Python built without libffi, or unreadable to this user)
        import ctypes

        return bool(ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (ImportError, OSError, AttributeError):
        return False


def configure_process(env: MutableMapping[str, str] | None = None) -> MutableMapping[str, str]:
    """:func:`configure_allocator`, one OpenBLAS thread (:data:`BLAS_THREADS`) and malloc's fixed
    threshold for mapped blocks (:data:`MMAP_ENV`), each unless the user chose otherwise; for
    mkslog's own processes (``env``: this process's environment, then also :func:`map_large_blocks`
    now), before polars and pyarrow are loaded.

    >>> configure_process({"OPENBLAS_NUM_THREADS": "4"})["OPENBLAS_NUM_THREADS"]
    '4'
    """
    own = env is None
    env = configure_allocator(env)
    for name, value in {**BLAS_THREADS, **MMAP_ENV}.items():
        env.setdefault(name, value)
    if own and env["MALLOC_MMAP_THRESHOLD_"] == MMAP_ENV["MALLOC_MMAP_THRESHOLD_"]:
        map_large_blocks()
    return env


__all__ = ["ALLOCATOR_CONF", "BLAS_THREADS", "MMAP_ENV", "MMAP_THRESHOLD", "POLARS_DEFAULTS", "configure_allocator",
           "configure_process", "map_large_blocks"]
