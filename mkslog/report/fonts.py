"""The report carries its Japanese font: a subset of a CJK font file, embedded in the page and in
every chart, so the page and its charts show Japanese on a machine that has no CJK font.

The font file: ``[report] font = "/path/to/font.ttf"`` in mkslog.toml, else a packaged CJK font of
the system (Debian's ``fonts-ipaexfont-gothic`` or ``fonts-noto-cjk``; ``.ci/run`` and ``make demo``
install the first), else what ``fc-match :lang=ja`` finds. The charts are drawn by vl-convert, which
measures labels with the font registered here (:func:`register_for_charts`); the SVGs are shown as
``<img>``, which cannot see the page's fonts, so each carries its own ``@font-face`` with just the
glyphs it uses (:func:`embed_in_svg`), and the page gets one for its own text (:func:`embed_in_page`).
A Japanese report without any such font is an error that says what to install: boxes instead of
text is not a report.

>>> find_font({"report": {"font": "/no/such/font.ttf"}})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
mkslog.errors.ReportError: [report] font = '/no/such/font.ttf' ... not found ...
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
import shutil
import subprocess
from pathlib import Path

from ..errors import ReportError

#: Packaged CJK fonts, looked for in this order (Debian, Fedora, macOS paths).
CANDIDATES = (
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
)
#: Text a font must draw to count as Japanese (kana and kanji of the report's own headings).
PROBE = "週次ログレポートアクセス"
HOW_TO_INSTALL = ("install a Japanese font (Debian/Ubuntu: apt-get install fonts-ipaexfont-gothic, or "
                  "fonts-noto-cjk) or set [report] font = \"/path/to/font.ttf\" in mkslog.toml; "
                  "or write the report in English with --lang en")
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_SVG_TEXT = re.compile(r"<text\b[^>]*>([^<]*)</text>")
_TAGS = re.compile(r"<[^>]*>")


def find_font(config=None) -> Path | None:
    """The CJK font file the report embeds (see the module's text); None when the system has none.
    ``config``: a :class:`~mkslog.config.Config`, a dict or None."""
    configured = config.get("report.font") if hasattr(config, "get") and not isinstance(config, dict) else \
        (config or {}).get("report", {}).get("font")
    if configured:
        path = Path(str(configured)).expanduser()
        if not path.is_file():
            raise ReportError(f"[report] font = {str(configured)!r} in mkslog.toml: not found (give the path "
                              "of a .ttf, .otf or .ttc file with Japanese glyphs)")
        if not draws_japanese(path):
            raise ReportError(f"[report] font = {str(configured)!r} has no Japanese glyphs: {HOW_TO_INSTALL}")
        return path
    for candidate in CANDIDATES:
        if Path(candidate).is_file() and draws_japanese(Path(candidate)):
            return Path(candidate)
    found = _fc_match()
    return found if found is not None and draws_japanese(found) else None


def require_font(config=None, lang: str = "ja") -> Path | None:
    """:func:`find_font`, an error saying what to install when a Japanese report has no font."""
    font = find_font(config)
    if font is None and lang == "ja":
        raise ReportError(f"no Japanese font on this machine, so the report would show boxes: {HOW_TO_INSTALL}")
    return font


def _fc_match() -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        done = subprocess.run(["fc-match", "-f", "%{file}", ":lang=ja"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = Path(done.stdout.strip())
    return path if done.returncode == 0 and path.is_file() else None


@functools.lru_cache(maxsize=8)
def _face_index(path: Path) -> int:
    """Which face of ``path`` to use: in a collection (.ttc) the Japanese one (``... JP``)."""
    from fontTools.ttLib import TTCollection

    if path.suffix.lower() not in (".ttc", ".otc"):
        return -1
    faces = TTCollection(str(path), lazy=True).fonts
    return next((i for i, f in enumerate(faces) if " JP" in _family(f)), 0)


def _load(path: Path, *, lazy: bool = True):
    from fontTools.ttLib import TTFont

    return TTFont(str(path), fontNumber=_face_index(path), lazy=lazy)


@functools.lru_cache(maxsize=8)
def _open(path: Path):
    return _load(path)


def _family(face) -> str:
    name = face["name"]
    return str(name.getDebugName(16) or name.getDebugName(1) or "")


def draws_japanese(path: Path) -> bool:
    """Whether the font has a glyph for every character of :data:`PROBE`."""
    try:
        cmap = _open(Path(path)).getBestCmap() or {}
    except Exception:  # not a font fontTools can read: not one the report can embed
        return False
    return all(ord(c) in cmap for c in PROBE)


def family(path: Path) -> str:
    """The font's family name (``IPAexGothic``, ``Noto Sans CJK JP``): the name charts and CSS use."""
    return _family(_open(Path(path)))


def register_for_charts(path: Path) -> None:
    """Let vl-convert measure and draw chart text with this font (its folder is registered)."""
    import vl_convert

    vl_convert.register_font_directory(str(Path(path).resolve().parent))


@functools.lru_cache(maxsize=64)
def _subset(path: Path, chars: str) -> bytes:
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"  # zlib-compressed: no extra dependency (woff2 would need brotli)
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    face = _load(path, lazy=None)  # a fresh copy (subsetting changes it); glyphs decoded as used
    subsetter.subset(face)
    out = io.BytesIO()
    face.flavor = "woff"
    face.save(out)
    return out.getvalue()


def font_face(path: Path, text: str) -> str:
    """An ``@font-face`` rule with the glyphs of ``text`` (and printable ASCII) as a data: URL."""
    chars = "".join(sorted(set(text) | {chr(c) for c in range(0x20, 0x7F)}))
    data = base64.b64encode(_subset(Path(path), chars)).decode("ascii")
    return f'@font-face{{font-family:"{family(path)}";src:url(data:font/woff;base64,{data}) format("woff");}}'


def embed_in_svg(svg: str, path: Path) -> str:
    """``svg`` with a ``<style>`` holding the font's glyphs for its own text, right after ``<svg>``."""
    opening = _SVG_OPEN.search(svg)
    if opening is None:
        return svg
    text = "".join(html.unescape(t) for t in _SVG_TEXT.findall(svg))
    style = f"<style>{font_face(path, text)}</style>"
    return svg[:opening.end()] + style + svg[opening.end():]


def embed_in_page(page: str, path: Path) -> str:
    """``page`` with the font's glyphs for its visible text as the first font of its body."""
    body = page.split("<body", 1)[-1]
    text = html.unescape(_TAGS.sub("", re.sub(r"<(style|script)\b.*?</\1>", "", body, flags=re.S)))
    name = family(path)
    css = (f'<style type="text/css">{font_face(path, text)}\n'
           f'body, .jp-RenderedHTMLCommon {{ font-family: "{name}", system-ui, sans-serif; }}</style>')
    return page.replace("</head>", css + "\n</head>", 1)


__all__ = ["CANDIDATES", "HOW_TO_INSTALL", "PROBE", "draws_japanese", "embed_in_page", "embed_in_svg", "family",
           "find_font", "font_face", "register_for_charts", "require_font"]
