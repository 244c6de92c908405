"""Cold start and peak memory of `shebao ask`, and the answering path's memory with DIAC2019 loaded.

    python bench/startup.py [--runs 5]

Each run is a fresh process (`shebao ask "…"`), so the time includes Python,
jieba's dictionary, the FAQ and the index: what a worker's first question costs.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "shebao.cli", "ask", "工伤保险可以单独买吗"], capture_output=True)
        times.append(time.perf_counter() - t0)
        if p.returncode != 0:
            print(p.stderr.decode(errors="replace"))
            return 1
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("| measure | value |")
    print("|---|---|")
    print(f"| cold `shebao ask`, median of {args.runs} | {statistics.median(times):.2f} s |")
    print(f"| cold `shebao ask`, slowest | {max(times):.2f} s |")
    print(f"| peak memory (max RSS) | {peak_mb:.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
