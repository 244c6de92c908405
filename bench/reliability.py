"""Reliability of the matcher's confidence on data it was not fitted on (cross-validation folds).

    python bench/reliability.py [--no-diac] [--knowledge DIR]

Every row of bench/confidence_data.py gets its probability from a model fitted without its fold
(bench/train_confidence.py's fitting, same sources and weights); the table shows, per confidence band,
how many questions fall in it and how often the best entry was right. A calibrated confidence has the
share right inside its band.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from confidence_data import ROOT, diac_index
from train_confidence import collect, out_of_fold

BANDS = [(0, 20), (20, 40), (40, 60), (60, 70), (70, 80), (80, 90), (90, 95), (95, 101)]
COLUMNS = {"all": None, "real + workers": ("real", "workers"), "real_dev": ("real",),
           "DIAC2019 labelled": ("dreal", "dnone"), "DIAC2019 as FAQ": ("diac",), "FAQ left out": ("faq_loo",),
           "entry left out": ("absent",), "off-topic": ("offtopic",)}


def table(rows, p: np.ndarray) -> list[str]:
    right = np.array([r.right for r in rows])
    source = np.array([r.source for r in rows])
    names = [n for n, s in COLUMNS.items() if s is None or np.isin(source, s).any()]
    lines = ["| confidence | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for lo, hi in BANDS:
        cells = []
        for name in names:
            sel = (p * 100 >= lo) & (p * 100 < hi)
            if COLUMNS[name] is not None:
                sel &= np.isin(source, COLUMNS[name])
            n = int(sel.sum())
            cells.append(f"{n}: {right[sel].mean():.2f}" if n else "0")
        lines.append(f"| {lo}–{min(hi, 100)} | " + " | ".join(cells) + " |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-diac", action="store_true")
    ap.add_argument("--knowledge", type=Path)
    args = ap.parse_args(argv)
    from shebao.config import load_config
    from shebao.service import build_answerer

    answerer = build_answerer(load_config(ROOT / "config.yaml", knowledge=args.knowledge))
    rows = collect(answerer, None if args.no_diac else diac_index())
    p = out_of_fold(rows)
    print("each cell: questions in the band: share whose best entry is right (held-out folds)")
    print("\n".join(table(rows, p)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
