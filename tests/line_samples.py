"""Every line of the bundled sample logs (gzip ones too) and of the copied real-world corpus
(``tests/data/corpus``, origins in its SOURCES.md): the inputs the C line code is compared on."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def real_lines() -> tuple[str, ...]:
    out: list[str] = []
    for path in sorted([*ROOT.glob("sample_logs/**/*"), *ROOT.glob("tests/data/**/*")]):
        if not path.is_file() or path.suffix == ".md":
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        out += data.decode("utf-8", "replace").splitlines()
    return tuple(out)
