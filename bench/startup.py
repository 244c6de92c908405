"""Cold start and peak memory of `shebao ask`: what a worker's first question costs.

    python bench/startup.py [--runs 5]

Each run is a fresh process (`python -m shebao.cli ask "…"`), so the time includes Python, the imports,
jieba's dictionary, the FAQ and the index. Three cases, each with a cache folder of its own
(SHEBAO_CACHE_DIR, see knowledge/cache.py):
- "cache ready": the folder was filled by one earlier run (every start after the first);
- "first run after installing": the package as `pip install .` installs it (a wheel built from this
  checkout, installed with --no-deps into a temporary folder, the libraries this Python has), which
  holds its FAQ's index (knowledge/prebuild.py); an empty cache folder and an empty temporary folder
  each time, so not even jieba's own dictionary cache is there: a new machine's first question;
- "first run after an FAQ change": the checkout's code, an empty cache folder each time, so the
  index is built (as after changing the FAQ, the word lists or the code); jieba's own dictionary cache
  in the temporary folder is left as jieba keeps it.
Wall time depends on what else the machine runs, so CPU time (user + system) and the load average are
shown beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "工伤保险可以单独买吗"
ROOT = Path(__file__).resolve().parents[1]


def _run(cache_dir: Path, cwd: Path = ROOT, **env: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak memory (MB) of one `shebao ask` run in CWD with CACHE_DIR as its
    cache folder (and ENV). Its own resource use, read with wait4: this process's pip runs do not count."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-m", "shebao.cli", "ask", QUESTION], stdout=out, stderr=out, cwd=cwd,
                             env={**os.environ, "SHEBAO_CACHE_DIR": str(cache_dir), **env})
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            out.seek(0)
            raise SystemExit(out.read().decode(errors="replace"))
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--quiet", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)


def _installed(tmp: Path) -> Path:
    """A folder holding the package as installed from a wheel of this checkout."""
    wheels, site = tmp / "wheels", tmp / "site"
    _pip("wheel", "--no-deps", "--wheel-dir", str(wheels), str(ROOT))
    _pip("install", "--no-deps", "--target", str(site), *map(str, wheels.glob("*.whl")))
    if not list((site / "knowledge" / "prebuilt").glob("index-*")):
        raise SystemExit("the built package holds no index of its FAQ (see setup.py)")
    return site


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        site = _installed(tmp)
        ready = tmp / "ready"
        _run(ready)  # fills the folder
        load = os.getloadavg()[0]

        def installed(n: int) -> tuple[float, float, float]:
            fresh = tmp / f"tmp{n}"
            fresh.mkdir()
            return _run(tmp / f"installed{n}", tmp, PYTHONPATH=str(site), TMPDIR=str(fresh))

        cases = {
            "cache ready (every start after the first)": lambda _: _run(ready),
            "first run after installing (the package's own index; no cache at all, not even jieba's)": installed,
            "first run after an FAQ change (the index is built)": lambda n: _run(tmp / f"empty{n}"),
        }
        for label, run in cases.items():
            runs = [run(n) for n in range(args.runs)]
            walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
            rows.append((label, statistics.median(walls), max(walls), statistics.median(cpus), max(r[2] for r in runs)))
        load = max(load, os.getloadavg()[0])
    print(f"| `shebao ask`, {args.runs} fresh processes each (load average up to {load:.1f}) "
          "| median wall | slowest | median CPU | peak memory |")
    print("|---|---|---|---|---|")
    for label, median, slowest, cpu, peak in rows:
        print(f"| {label} | {median:.2f} s | {slowest:.2f} s | {cpu:.2f} s | {peak:.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
