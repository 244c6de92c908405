"""Answer quality on labelled worker questions stays where it is (bench/eval_questions.py prints the detail)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "bench"))

from eval_questions import is_right  # noqa: E402

SETS = {
    # set: (least share right, most share answered with a wrong entry or calculator), a little below what
    # bench/eval_questions.py measures with the shipped model (README, Benchmarks): dev 0.988 and 0 wrong,
    # the worker sets 0.956 / 3 wrong, 0.990 / 0 wrong and 0.942 / 3 wrong (the answer threshold fell from 77
    # to 63 when DIAC2019's labelled questions were weighed by the mix workers send, then to 62)
    ROOT.parent / "shared" / "eval" / "dev.yaml": (0.97, 0.01),
    ROOT / "tests" / "data" / "worker_questions.yaml": (0.94, 0.02),
    ROOT / "tests" / "data" / "worker_questions_2.yaml": (0.97, 0.01),
    ROOT / "tests" / "data" / "worker_questions_3.yaml": (0.92, 0.015),
    # the shipped confidence model was fitted on real_dev too (0.908 measured, 2 wrong), so this guards against
    # slipping only; the figure that counts is bench/train_confidence.py's cross-validated one (0.867, 4 wrong)
    # (the 2 wrong: a hospital-stay question sent to the entry on what medical insurance covers, and a death
    # on site asked with "how much" sent to the calculator; README, Benchmarks)
    ROOT.parent / "shared" / "eval" / "real_dev.yaml": (0.88, 0.03),
}


@pytest.mark.parametrize("path", list(SETS), ids=[p.name for p in SETS])
def test_labelled_worker_questions(answerer, path):
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    right = wrong = 0
    for case in cases:
        reply = answerer.answer(str(case["q"]), one_shot=True)
        if is_right(case, reply):
            right += 1
        elif reply.kind != "none":
            wrong += 1
    least_right, most_wrong = SETS[path]
    assert right / len(cases) >= least_right, f"{right}/{len(cases)} right"
    assert wrong / len(cases) <= most_wrong, f"{wrong}/{len(cases)} answered wrongly"


def test_the_faq_and_fallback_lines_of_the_dev_set_score_at_least_097(answerer):
    # 75/75 measured with the naive Bayes in the ranking and the confidence refitted on it
    path = ROOT.parent / "shared" / "eval" / "dev.yaml"
    if not path.is_file():
        pytest.skip("shared/eval/dev.yaml is not beside the checkout")
    cases = [c for c in yaml.safe_load(path.read_text(encoding="utf-8")) if "calc:" not in str(c["expect"])]
    right = sum(is_right(c, answerer.answer(str(c["q"]), one_shot=True)) for c in cases)
    assert right / len(cases) >= 0.97, f"{right}/{len(cases)}"
