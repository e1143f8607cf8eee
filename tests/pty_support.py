"""Reading what a child process wrote to a pseudo-terminal (the tests that need a real terminal:
progress on stderr, output to a tty)."""

from __future__ import annotations

import os
import select


def read_terminal(leader: int, timeout: float = 60) -> bytes:
    """Everything written to the pty whose leader end is ``leader`` until the child closes it (or
    writes nothing for ``timeout`` seconds); the leader is closed afterwards.

    >>> import pty
    >>> leader, follower = pty.openpty()
    >>> _ = os.write(follower, b"hello"); os.close(follower)
    >>> read_terminal(leader)
    b'hello'
    """
    out = b""
    try:
        while select.select([leader], [], [], timeout)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(leader)
    return out
