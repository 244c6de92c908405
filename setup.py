"""The package is described in pyproject.toml; this only adds one build step: the index of the packaged
FAQ and jieba's prefix dictionary are built into the package (knowledge/prebuild.py), so the first
`shebao ask` after installing reads them instead of spending a second or two building them. If the
step fails the package is built without them and the first start builds them, as any start after an
FAQ change builds the index."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithIndex(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install runs from the checkout
            return
        lib = Path(self.build_lib).resolve()
        folder = lib / "knowledge" / "prebuilt"
        shutil.rmtree(folder, ignore_errors=True)  # a build folder kept from an earlier build holds an older one
        # pip's isolated build puts its libraries on PYTHONPATH: keep them, the package's code in front
        path = os.pathsep.join(p for p in (str(lib), os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "PYTHONPATH": path, "SHEBAO_CACHE_DIR": "off"}
        try:
            subprocess.run([sys.executable, "-m", "knowledge.prebuild", str(folder)],
                           cwd=lib, env=env, check=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as exc:
            self.warn(f"the packaged FAQ's index was not built ({exc}); the first start builds it")


setup(cmdclass={"build_py": BuildWithIndex})
