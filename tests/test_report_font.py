"""The report carries its Japanese font: Chromium, given no CJK font at all, draws the report's
Japanese title exactly as it draws it with the font installed, and not as boxes (tofu).

The pages are rendered by a real headless Chromium under a private fontconfig: "bare" knows only
DejaVu (no Japanese glyphs, as on a server without fonts-noto-cjk); "with font" adds the folder of
the CJK font the report embedded. The control (the same page without its embedded font, in the bare
config) proves the comparison sees tofu when there is tofu.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from mkslog.cli.common import MkslogGroup
from mkslog.cli.main import main
from mkslog.cli.report import register_report_command
from mkslog.report.fonts import embed_in_svg, find_font, font_face

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
CLI = MkslogGroup(name="mkslog", commands=dict(main.commands))
register_report_command(CLI)
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")


def access_log(path: Path) -> None:
    """A few lines of the system's nginx ``timed`` access log (combined + $request_time
    $upstream_response_time), as in sample_logs/nginx."""
    lines = [f'203.0.113.{i % 4} - - [18/Nov/2026:10:{i:02d}:00 +0900] "GET /api/v1/knowledge/{i} HTTP/1.1" 200 512 '
             f'"-" "Mozilla/5.0" 0.0{i % 9 + 1}0 0.0{i % 9 + 1}0' for i in range(40)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def japanese_report(tmp_path_factory):
    font = find_font()
    if font is None:
        pytest.skip("no CJK font installed (.ci/run installs fonts-ipaexfont-gothic)")
    root = tmp_path_factory.mktemp("ja")
    access_log(root / "access.log")
    (root / "mkslog.toml").write_text('timezone = "Asia/Tokyo"\nlang = "ja"\n[logs.access]\npaths = ["access.log"]\n'
                                      'format = "timed"\n', encoding="utf-8")
    result = CliRunner().invoke(CLI, ["report", "--day", "2026-11-18", "--config", str(root / "mkslog.toml"),
                                      "--out", str(root / "out")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {"html": root / "out" / "mks-daily-2026-11-18.html", "font": font, "root": root}


def fontconfig(folder: Path, font_dirs: list[Path]) -> Path:
    conf = folder / "fonts.conf"
    dirs = "".join(f"<dir>{d}</dir>" for d in font_dirs)
    conf.write_text(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>{dirs}'
                    f"<cachedir>{folder / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    return conf


def screenshot(page: Path, conf: Path, out: Path):
    """The top of ``page`` (its title) as Chromium draws it with only the fonts of ``conf``."""
    from PIL import Image

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run installs it)")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(out.parent), "FONTCONFIG_FILE": str(conf)}
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", f"--user-data-dir={out.parent / 'p'}",
           "--window-size=1000,700", f"--screenshot={out}", page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0 and out.is_file(), done.stderr[-2000:]
    image = Image.open(out).convert("L")
    return image.crop((0, 0, 1000, 110))  # the <h1>: "Mirai Knowledge System 日次ログレポート 2026-11-18"


def differing(a, b) -> float:
    """The share of pixels that differ by more than a little (anti-aliasing may differ a shade)."""
    from PIL import ImageChops

    histogram = ImageChops.difference(a, b).histogram()
    return sum(histogram[65:]) / (a.width * a.height)


def ink(image) -> int:
    """Dark pixels: the title's strokes."""
    return sum(image.histogram()[:128])


@pytest.mark.slow
def test_the_japanese_title_is_drawn_from_the_embedded_font_not_as_boxes(japanese_report, tmp_path):
    pytest.importorskip("PIL")
    if not DEJAVU.is_dir():
        pytest.skip("DejaVu fonts are needed as the Latin-only system font")
    html, font = japanese_report["html"], japanese_report["font"]
    text = html.read_text(encoding="utf-8")
    assert "日次ログレポート 2026-11-18" in text and "@font-face" in text
    for name in ("bare", "full", "shots"):
        (tmp_path / name).mkdir()
    bare, full = fontconfig(tmp_path / "bare", [DEJAVU]), fontconfig(tmp_path / "full", [DEJAVU, font.parent])
    without = tmp_path / "without-font.html"  # the same page, its embedded font taken out
    without.write_text(FONT_FACE.sub("", text), encoding="utf-8")
    report = screenshot(html, bare, tmp_path / "shots" / "report.png")
    reference = screenshot(without, full, tmp_path / "shots" / "reference.png")
    tofu = screenshot(without, bare, tmp_path / "shots" / "tofu.png")
    assert ink(reference) > 500  # the title is there
    assert differing(tofu, reference) > 0.005, "the control must show boxes where the glyphs are missing"
    print(f"\nink {ink(reference)}, tofu differs {differing(tofu, reference):.4f}, "
          f"report differs {differing(report, reference):.4f}")
    for image, name in ((report, "report"), (reference, "reference"), (tofu, "tofu")):
        image.save(tmp_path / "shots" / f"{name}-title.png")
    assert differing(report, reference) < differing(tofu, reference) / 10


def test_each_chart_carries_the_glyphs_of_its_own_text():
    font = find_font()
    if font is None:
        pytest.skip("no CJK font installed")
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><text x="0">応答時間</text></svg>'
    carried = embed_in_svg(svg, font)
    assert carried.startswith('<svg xmlns="http://www.w3.org/2000/svg"><style>@font-face{font-family:"')
    assert "data:font/woff;base64," in carried and carried.endswith("<text x=\"0\">応答時間</text></svg>")
    # a subset: the glyphs used, not the whole font of several MiB
    assert len(font_face(font, "応答時間")) < 200_000 < font.stat().st_size
