"""The long-lived services of a running channel, built once and swapped whole on /reload.

`build_services(config)` loads and checks everything a turn needs (the FAQ and its word lists, the
calculator parameters) and raises FAQError with PATH:LINE problems when something is wrong, so a
caller that already serves keeps its last good Services. Nothing here is global: each Services owns
its index, and the index owns its jieba tokenizer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import calculators
from calculators.parameters import FOLDER as PACKAGED_PARAMETERS
from shebao.config import Config
from shebao.service import Answerer, build_answerer


@dataclass(frozen=True)
class Calculators:
    """The calculators: the parameter folder they were checked against, the lexicon their router reads
    slips from (the configured `knowledge.lexicon`, the same list the matcher uses)."""

    parameters: Path = PACKAGED_PARAMETERS
    lexicon: Path | None = None

    def use(self) -> None:
        """Route with this lexicon's slips."""
        calculators.use_lexicon(self.lexicon)

    def activate(self) -> None:
        """Make these the calculators computed with after a /reload: every data file is read again."""
        calculators.reload()
        self.use()


@dataclass(frozen=True)
class Services:
    """What every turn needs: the answering path over one FAQ index, the calculators and the config."""

    config: Config
    answerer: Answerer
    calculators: Calculators

    @property
    def index(self):
        return self.answerer.index

    @property
    def entries(self):
        return self.answerer.entries


def build_services(config: Config, faq_path: Path | None = None) -> Services:
    """Load and check the FAQ (FAQ_PATH or the configured one), its word lists and the calculator
    parameters (`build_answerer` checks them with the FAQ); raises FAQError listing the problems."""
    return Services(config, build_answerer(config, faq_path), Calculators(lexicon=config.lexicon_path))


def services_around(answerer: Answerer, config: Config | None = None) -> Services:
    """Services over an answerer already built (tests and benchmarks share one across many bots)."""
    config = config or answerer.config
    return Services(config, answerer, Calculators(lexicon=config.lexicon_path))
