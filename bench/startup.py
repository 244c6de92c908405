"""Cold start and peak memory of `shebao ask`: what a worker's first question costs.

    python bench/startup.py [--runs 5]

Each run is a fresh process (`python -m shebao.cli ask "…"`), so the time includes Python, the imports,
jieba's dictionary, the FAQ and the index. Two cases, each with a cache folder of its own
(SHEBAO_CACHE_DIR, see knowledge/cache.py):
- "cache ready": the folder was filled by one earlier run (every start after the first);
- "first run": an empty folder each time (the first start after installing or changing the FAQ, the
  lexicon or the code); jieba's own dictionary cache in the temporary folder is left as jieba keeps it.
Wall time depends on what else the machine runs, so CPU time (user + system) and the load average are
shown beside it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "工伤保险可以单独买吗"


def _run(cache_dir: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `shebao ask` with CACHE_DIR as its cache folder."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "shebao.cli", "ask", QUESTION], capture_output=True,
                       env={**os.environ, "SHEBAO_CACHE_DIR": str(cache_dir)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(p.stderr.decode(errors="replace"))
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready"
        _run(ready)  # fills the folder
        load = os.getloadavg()[0]
        cases = {"cache ready": lambda _: ready, "first run": lambda n: Path(tmp) / f"empty{n}"}
        for label, folder in cases.items():
            runs = [_run(folder(n)) for n in range(args.runs)]
            walls, cpus = [w for w, _ in runs], [c for _, c in runs]
            rows.append((label, statistics.median(walls), max(walls), statistics.median(cpus)))
        load = max(load, os.getloadavg()[0])
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"| `shebao ask`, {args.runs} fresh processes each (load average up to {load:.1f}) "
          "| median wall | slowest | median CPU |")
    print("|---|---|---|---|")
    for label, median, slowest, cpu in rows:
        print(f"| {label} | {median:.2f} s | {slowest:.2f} s | {cpu:.2f} s |")
    print(f"\npeak memory (max RSS of any run): {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
