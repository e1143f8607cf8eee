"""Line numbers of chunks: counted by the reader, or left to the parser that splits the lines anyway."""

from __future__ import annotations

import threading


def lines_in(data: bytes) -> int:
    """How many lines ``data`` holds: one per newline, and a last one without it.

    >>> lines_in(b"a\\n\\nb"), lines_in(b"a\\n"), lines_in(b"")
    (3, 1, 0)
    """
    return data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))


class LineBase:
    """The first line number of a chunk whose lines the reader did not count.

    Counting newlines is a pass over every byte that holds the GIL (0.6 s of CPU for 10M access
    lines) in the one thread that reads; the parser splits the chunk into lines anyway, so it
    tells :meth:`counted` how many, and the next chunk's number follows. Chunks are parsed in the
    order they were read (a FIFO pool), so the chunk before is always under way when one waits.

    >>> first = LineBase(None, 1); second = LineBase(first)
    >>> first.counted(3); second.value()
    4
    """

    def __init__(self, previous: LineBase | None, first: int = 1):
        self.previous = previous
        self.known: int | None = first if previous is None else None
        self.lines: int | None = None
        self.done = threading.Event()

    def counted(self, lines: int) -> None:
        """This chunk holds ``lines`` lines (call once, also when parsing it failed)."""
        if self.lines is None:
            self.lines = lines
            self.done.set()

    def value(self) -> int:
        """The number of the chunk's first line, once every chunk before it is counted."""
        if self.known is None:
            chain = []  # walk back to a known number without recursion (a long file, many chunks)
            base: LineBase = self
            while base.known is None:
                chain.append(base)
                base = base.previous  # type: ignore[assignment]
            for later in reversed(chain):
                earlier = later.previous
                earlier.done.wait()
                later.known, later.previous = earlier.known + earlier.lines, None
        return self.known
