"""The formats' anchored regexes compiled to byte DFAs, for the C loop in ``mkslog/native/linedfa.c``.

polars runs ``str.contains`` on Rust's lazy DFA: one table step per byte, 2.3 ns per byte here
whatever the pattern, and the whole-line check of an access line is 40 % of top-ips' CPU. Most
bytes of an access line sit in a loop such as ``[^"\\]*`` (the user agent, the referer, the
address), and a DFA state that only leaves on one to three bytes can jump to the next of them with
SIMD compares instead of stepping: :attr:`ByteDFA.accel` lists those bytes per state.

Only the regex subset the formats generate compiles (literals, classes, groups, alternation,
``* + ? {n,m}``, ``^`` at the start, ``$`` at the end), ASCII only, where a class that matches
non-ASCII characters (``[^ "]``, ``.``) excludes ASCII characters only. Such a class walks one
whole UTF-8 character (a lead byte and its continuation bytes: the lines are valid UTF-8), except
where it is looped over by ``*`` or ``+`` (alone, or as one alternative of the loop's body): there
any byte from 0x80 up stays in the loop, which matches the same runs of characters and keeps the
loop's exits few enough to jump over. Anything else (``\\d``, which Rust reads as Unicode digits;
``(?i)``; a non-ASCII literal) gives None and the caller keeps polars' regex: the same answer, slower.

>>> dfa = compile_dfa(r'^[^ "]* - \\[[0-9]{2}\\]$')
>>> dfa.matches(b'1.2.3.4 - [42]'), dfa.matches(b'1.2.3.4 - [4]'), dfa.matches('日本 - [42]'.encode())
(True, False, True)
>>> two = compile_dfa("^[^ ]{2}$")
>>> two.matches("日本".encode()), two.matches("日".encode()), compile_dfa(r"^\\d+$") is None
(True, False, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

ASCII = (1 << 128) - 1
HIGH = ((1 << 256) - 1) & ~ASCII
CONTINUATION = sum(1 << b for b in range(0x80, 0xC0))
#: Lead bytes of UTF-8 characters by how many continuation bytes follow them.
LEADS = {1: sum(1 << b for b in range(0xC0, 0xE0)), 2: sum(1 << b for b in range(0xE0, 0xF0)),
         3: sum(1 << b for b in range(0xF0, 0xF8))}
#: Escapes that stand for themselves (punctuation); letters and digits after ``\\`` mean classes
#: or other things in Rust's syntax, and are not compiled.
_LITERAL_ESCAPES = set("\\.+*?()|[]{}^$-/\"' #&~<>:=!,@%`;_")
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
#: States of a DFA at most: beyond, polars' regex is kept (the tables would leave the CPU's cache).
MAX_STATES = 2000
MAX_REPEAT = 64


class Unsupported(ValueError):
    """The pattern leaves the subset a byte DFA answers exactly like polars' regex."""


def bits(chars: str) -> int:
    return sum(1 << ord(c) for c in set(chars))


# -- parsing: the AST is tuples ("set", ascii bits, also non-ASCII) | ("bytes", bits) | ("cat", items)
# | ("alt", items) | ("rep", node, lo, hi)


class _Parser:
    def __init__(self, pattern: str):
        if not pattern.isascii():
            raise Unsupported("non-ASCII pattern")
        self.text, self.pos = pattern, 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        ch = self.peek()
        if not ch:
            raise Unsupported("unexpected end")
        self.pos += 1
        return ch

    def alternation(self) -> tuple:
        items = [self.concatenation()]
        while self.peek() == "|":
            self.pos += 1
            items.append(self.concatenation())
        return items[0] if len(items) == 1 else ("alt", items)

    def concatenation(self) -> tuple:
        items = []
        while self.peek() not in ("", "|", ")"):
            items.append(self.repeated(self.atom()))
        return ("cat", items)

    def repeated(self, node: tuple) -> tuple:
        ch = self.peek()
        if ch in ("*", "+", "?"):
            self.pos += 1
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[ch]
        elif ch == "{":
            lo, hi = self.counts()
        else:
            return node
        if self.peek() == "?":  # lazy: the same set of matching lines
            self.pos += 1
        if self.peek() in ("*", "+", "?", "{"):
            raise Unsupported("nested repetition")
        return ("rep", node, lo, hi)

    def counts(self) -> tuple[int, int | None]:
        end = self.text.find("}", self.pos)
        if end < 0:
            raise Unsupported("unclosed {")
        body, self.pos = self.text[self.pos + 1 : end], end + 1
        lo, _, hi = body.partition(",")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise Unsupported(f"repetition {{{body}}}")
        high = int(lo) if "," not in body else (int(hi) if hi else None)
        if int(lo) > MAX_REPEAT or (high is not None and (high > MAX_REPEAT or high < int(lo))):
            raise Unsupported(f"repetition {{{body}}}")
        return int(lo), high

    def atom(self) -> tuple:
        ch = self.take()
        if ch == "(":
            if self.peek() == "?":
                if self.text.startswith("?:", self.pos):
                    self.pos += 2
                elif self.text.startswith("?P<", self.pos):
                    end = self.text.find(">", self.pos)
                    if end < 0:
                        raise Unsupported("unclosed group name")
                    self.pos = end + 1
                else:
                    raise Unsupported("group flags")
            node = self.alternation()
            if self.take() != ")":
                raise Unsupported("unclosed group")
            return node
        if ch == "[":
            return self.char_class()
        if ch == ".":
            return ("set", ASCII & ~bits("\n"), True)
        if ch == "\\":
            return ("set", bits(self.escaped()), False)
        if ch in "^$*+?{)|]":
            raise Unsupported(f"{ch!r} here")
        return ("set", bits(ch), False)

    def escaped(self) -> str:
        ch = self.take()
        if ch in _LITERAL_ESCAPES:
            return ch
        if ch in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[ch]
        digits = self.text[self.pos : self.pos + 2]
        if ch == "x" and len(digits) == 2 and all(c in "0123456789abcdefABCDEF" for c in digits) \
                and int(digits, 16) < 0x80:  # an ASCII byte by its number (the colour codes' \x1b)
            self.pos += 2
            return chr(int(digits, 16))
        raise Unsupported(f"escape \\{ch}")

    def char_class(self) -> tuple:
        negated = self.peek() == "^"
        self.pos += negated
        members, first = 0, True
        while True:
            ch = self.take()
            if ch == "]" and not first:
                break
            if ch == "[" or (ch in "&~-" and self.peek() == ch):
                raise Unsupported("class set operations")
            low = self.escaped() if ch == "\\" else ch
            if self.peek() == "-" and self.text[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.pos += 1
                high = self.take()
                high = self.escaped() if high == "\\" else high
                if ord(high) < ord(low):
                    raise Unsupported("reversed range")
                members |= sum(1 << c for c in range(ord(low), ord(high) + 1))
            else:
                members |= 1 << ord(low)
            first = False
        return ("set", ASCII & ~members, True) if negated else ("set", members, False)


def parse(pattern: str) -> tuple[tuple, bool]:
    """The AST of an anchored pattern and whether it must match to the end (``$``).

    >>> node, whole = parse("^(?:ab|c)*$")
    >>> node[0], node[1][0][0], node[1][0][2:], whole
    ('cat', 'rep', (0, None), True)
    """
    if not pattern.startswith("^"):
        raise Unsupported("not anchored at the start")
    whole = pattern.endswith("$") and not pattern.endswith("\\$")
    parser = _Parser(pattern[1 : len(pattern) - whole])
    node = parser.alternation()
    if parser.pos != len(parser.text):
        raise Unsupported(f"unbalanced {parser.peek()!r}")
    return node, whole


# -- automata


class _Nfa:
    def __init__(self) -> None:
        self.eps: list[list[int]] = []
        self.edges: list[list[tuple[int, int]]] = []

    def state(self) -> int:
        self.eps.append([])
        self.edges.append([])
        if len(self.eps) > 20 * MAX_STATES:
            raise Unsupported("too large")
        return len(self.eps) - 1

    def emit(self, node: tuple, at: int) -> int:
        kind = node[0]
        if kind == "bytes":
            end = self.state()
            self.edges[at].append((node[1], end))
            return end
        if kind == "set":
            end = self.state()
            self.edges[at].append((node[1], end))
            if node[2]:  # one whole non-ASCII character: a lead byte, then its continuation bytes
                after = end
                for follow in (1, 2, 3):
                    step = self.state()
                    self.edges[step].append((CONTINUATION, after))
                    self.edges[at].append((LEADS[follow], step))
                    after = step
            return end
        if kind == "cat":
            for item in node[1]:
                at = self.emit(item, at)
            return at
        if kind == "alt":
            end = self.state()
            for item in node[1]:
                entry = self.state()
                self.eps[at].append(entry)
                self.eps[self.emit(item, entry)].append(end)
            return end
        _, body, lo, hi = node
        for _ in range(lo):  # the counted copies take whole characters
            at = self.emit(body, at)
        if hi is None:
            loop = self.state()
            self.eps[at].append(loop)
            self.eps[self.emit(_bytewise(body), loop)].append(loop)
            return loop
        end = self.state()
        self.eps[at].append(end)
        for _ in range(hi - lo):
            at = self.emit(body, at)
            self.eps[at].append(end)
        return end

    def closure(self, states: set[int]) -> frozenset[int]:
        seen, stack = set(states), list(states)
        while stack:
            for nxt in self.eps[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return frozenset(seen)


def _bytewise(body: tuple) -> tuple:
    """A loop's body with its lone non-ASCII classes taking single bytes from 0x80 up: in a loop,
    a character's continuation bytes come round again to the same class."""
    def lone(node: tuple) -> tuple | None:
        while node[0] == "cat" and len(node[1]) == 1:
            node = node[1][0]
        return node if node[0] == "set" and node[2] else None

    if (single := lone(body)) is not None:
        return ("bytes", single[1] | HIGH)
    if body[0] == "alt":
        return ("alt", [("bytes", s[1] | HIGH) if (s := lone(item)) is not None else item for item in body[1]])
    return body


@dataclass(frozen=True)
class ByteDFA:
    """Tables for the C loop: state 0 is dead, 1 the start. ``next[s * classes + cls[b]]``."""

    classes: bytes  # 256 bytes: the class of each byte
    n_classes: int
    next: tuple[int, ...]
    accept: bytes  # one byte per state
    accel: bytes  # four bytes per state: how many exit bytes (255: not accelerated), then up to three
    whole: bool  # must end in an accepting state at the line's end (``$``); else any prefix

    @property
    def n_states(self) -> int:
        return len(self.accept)

    def matches(self, line: bytes) -> bool:
        """The DFA run in Python (for tests and doctests; the C loop is the fast one)."""
        state = 1
        for byte in line:
            state = self.next[state * self.n_classes + self.classes[byte]]
            if state == 0:
                return False
            if not self.whole and self.accept[state]:
                return True
        return bool(self.accept[state])


def _byte_classes(edges: list[list[tuple[int, int]]]) -> tuple[bytes, list[int]]:
    """Bytes that every edge treats alike share a class: (class of each byte, one byte per class)."""
    sets = sorted({bitset for out in edges for bitset, _ in out})
    signature_class: dict[tuple[bool, ...], int] = {}
    classes, representatives = bytearray(256), []
    for byte in range(256):
        signature = tuple(bool(s >> byte & 1) for s in sets)
        if signature not in signature_class:
            signature_class[signature] = len(representatives)
            representatives.append(byte)
        classes[byte] = signature_class[signature]
    return bytes(classes), representatives


def _determinise(nfa: _Nfa, final: int, whole: bool) -> ByteDFA:
    classes, representatives = _byte_classes(nfa.edges)
    dead, start = frozenset(), nfa.closure({0})
    index: dict[frozenset[int], int] = {dead: 0, start: 1}
    order, table = [dead, start], []
    for current in order:
        for byte in representatives:
            if not current:
                table.append(0)
                continue
            target = nfa.closure({to for s in current for bitset, to in nfa.edges[s] if bitset >> byte & 1})
            if target not in index:
                if len(order) >= MAX_STATES:
                    raise Unsupported("too many states")
                index[target] = len(order)
                order.append(target)
            table.append(index[target])
    accept = bytes(final in s for s in order)
    width = len(representatives)
    accel = bytearray()
    for s in range(len(order)):
        exits = [b for b in range(256) if table[s * width + classes[b]] != s]
        if s == 0 or len(exits) > 3 or (not whole and accept[s]):
            accel += b"\xff\0\0\0"
        else:
            accel += bytes([len(exits), *(exits + exits[:1] * 3)[:3]]) if exits else b"\0\0\0\0"
    return ByteDFA(classes, width, tuple(table), accept, bytes(accel), whole)


@lru_cache(maxsize=256)
def compile_dfa(pattern: str) -> ByteDFA | None:
    """The byte DFA of ``pattern``, or None where only a regex engine answers it exactly (see the
    module)."""
    try:
        node, whole = parse(pattern)
        nfa = _Nfa()
        nfa.state()
        final = nfa.emit(node, 0)
        return _determinise(nfa, final, whole)
    except (Unsupported, RecursionError):
        return None
