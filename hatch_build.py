"""Builds mkslog's C extensions (``mkslog/native/*.c``: the line checks and the line cuts) when the
package is installed.

hatchling builds no C by itself; this hook calls the system's C compiler with the installing
Python's headers. Without a compiler the package still installs and works: the line checks then
run on polars' regex (``mkslog/formats/linematch.py``), the same answers at half the speed, and
the hook says so.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

NATIVE = Path("mkslog/native")


def compile_extension(root: Path, source: Path) -> Path | None:
    """The built extension beside its source, or None (and a warning) when it cannot be built."""
    target = root / source.with_name(source.stem + sysconfig.get_config_var("EXT_SUFFIX"))
    flags = ["-O3", "-shared", "-fPIC", "-Wall", f"-I{sysconfig.get_paths()['include']}", str(root / source),
             "-o", str(target)]
    # the compiler Python was built with may not be here under its name (x86_64-linux-gnu-gcc): then cc
    compilers = [os.environ.get("CC"), sysconfig.get_config_var("CC"), "cc", "gcc"]
    why = "no C compiler"
    for compiler in dict.fromkeys(c for c in compilers if c):
        try:
            subprocess.run([*shlex.split(compiler), *flags], check=True, capture_output=True, text=True)
            return target
        except (OSError, subprocess.CalledProcessError) as exc:
            why = (getattr(exc, "stderr", "") or str(exc)).strip()[:400]
    print(f"mkslog: {source} was not built ({why}); install a C compiler and the Python headers "
          "(apt-get install gcc python3-dev) and reinstall for twice the speed. polars answers meanwhile.",
          file=sys.stderr)
    return None


class NativeBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        for source in sorted((root / NATIVE).glob("*.c")):
            built = compile_extension(root, source.relative_to(root))
            if built is None:
                continue
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
            if version != "editable":  # an editable install imports it from the source tree
                build_data["force_include"][str(built)] = str(built.relative_to(root))
