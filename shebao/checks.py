"""What `shebao faq check` checks: the FAQ and its word lists (`knowledge.check`) and the calculator
parameters (`calculators.parameters`), joined here so that neither package needs the other."""

from __future__ import annotations

import re
from pathlib import Path

from calculators.parameters import FOLDER, check_parameters
from knowledge import check as faq_check
from knowledge.model import Problem


def parameter_problems(folder: Path | None = None) -> list[Problem]:
    """Problems of the calculator parameter files (default: the shipped ones), as PATH:LINE problems."""
    folder = folder or FOLDER
    out = []
    for line in check_parameters(folder):
        m = re.match(r"^(.*):(\d+): (.*)$", line)
        out.append(Problem(Path(m[1]), int(m[2]), m[3]) if m else Problem(Path(folder), 0, line))
    return out


def check(folder: Path, lexicon_folder: Path | None, *, parameters: Path | None = None, **options) -> list[Problem]:
    """Every problem of the FAQ folder and the lexicon (options as `knowledge.check.check`), and of the
    calculator parameter folder PARAMETERS when given."""
    problems = faq_check.check(folder, lexicon_folder, **options)
    if parameters is not None:
        problems += parameter_problems(parameters)
    return problems
