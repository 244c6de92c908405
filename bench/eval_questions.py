"""Score the answering path on labelled worker questions (shared/eval/dev.yaml or tests/data/worker_questions.yaml).

    python bench/eval_questions.py [FILE ...] [--show-misses]

A line is right when the reply's id (or "none" for kind none) is one of its
expected labels; calc lines with an `answer` must also state that figure.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT = [ROOT.parent / "shared" / "eval" / "dev.yaml", ROOT / "tests" / "data" / "worker_questions.yaml",
           ROOT / "tests" / "data" / "worker_questions_2.yaml"]


def label(reply) -> str:
    return "none" if reply.kind == "none" else (reply.id or "none")


def figure_stated(text: str, figure) -> bool:
    plain = text.replace(",", "")
    value = float(figure)
    forms = {f"{value:.2f}", f"{value:g}", str(figure)}
    if value == int(value):
        forms.add(str(int(value)))
    return any(form in plain for form in forms)


def is_right(case: dict, reply) -> bool:
    want = case["expect"] if isinstance(case["expect"], list) else [case["expect"]]
    if label(reply) not in want:
        return False
    return "answer" not in case or figure_stated(reply.text, case["answer"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--knowledge", type=Path, help="an FAQ folder to use instead of the shipped one")
    args = ap.parse_args(argv)
    from shebao.config import load_config
    from shebao.service import build_answerer

    answerer = build_answerer(load_config(ROOT / "config.yaml", knowledge=args.knowledge))
    for path in args.files or DEFAULT:
        if not path.is_file():
            print(f"{path}: not found")
            continue
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))
        right, total = Counter(), Counter()
        misses = []
        wrong_answers = 0
        for case in cases:
            reply = answerer.answer(str(case["q"]), one_shot=True)
            kind = case.get("kind") or ("calc" if str(case["expect"]).startswith("calc:")
                                        else "none" if case["expect"] == "none" else "faq")
            total[kind] += 1
            if is_right(case, reply):
                right[kind] += 1
            else:
                misses.append((case, reply))
                wrong_answers += reply.kind != "none"
        n, r = sum(total.values()), sum(right.values())
        print(f"{path.name}: {r}/{n} = {r / n:.3f}, answered wrongly {wrong_answers}   " +
              "  ".join(f"{k} {right[k]}/{total[k]}" for k in sorted(total)))
        if args.show_misses:
            for case, reply in misses:
                print(f"  want {case['expect']} got {label(reply)} ({reply.best} {reply.score:.0f}) <- {case['q'][:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
