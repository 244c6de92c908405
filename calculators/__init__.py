"""Calculators for the figures workers ask about, over dated parameters (calculators/parameters/).

Public API:
- dialog: `detect(text) -> CalcState | None`, `advance(state, text, *, one_shot) -> CalcTurn | None`
- `compute(name, inputs) -> CalcResult` (raw inputs, defaults applied), `render(result) -> str`
- the ten calculators as pure functions (`contribution`, `work_injury_premium`, `pension`,
  `catch_up`, `late_fee`, `flexible`, `medical_years`, `unemployment`, `injury_compensation`, `severance`)
- parameters: `value_at(name, on) -> Param`, `check_parameters(folder) -> list[str]`
- number reader: `calculators.numbers.read(text)`, `read_number(text)`
- command line: `calculators.cli.register(subparsers)`, `calculators.cli.run(args)`
- `reload()`: read the parameter, text, router and word files again (the bot's /reload)
- `use_lexicon(folder)`: read the slips from the configured lexicon folder (default: the packaged one)

Importing the package reads no data file and loads neither cn2an nor opencc: the files are read on
first use, cn2an only for a question with a Chinese numeral, opencc only for one with Chinese text.
"""

from .benefits import catch_up, late_fee, medical_years, pension, unemployment
from .compensation import injury_compensation, severance
from .core import CalcInputError, CalcResult
from .dialog import CalcState, CalcTurn, advance, detect
from .monthly import contribution, flexible, work_injury_premium
from .parameters import Param, ParameterError, check_parameters, value_at
from .registry import NAMES, compute
from .reply import render
from .router import use_lexicon


def reload() -> None:
    """Forget the cached parameters, texts, inputs, router rules and number words: edited files are read again."""
    from . import core, numbers, parameters, router

    parameters.load.cache_clear()
    core._yaml.cache_clear()
    core.TEXTS.reload()
    router.rules.cache_clear()
    router.lexicon_slips.cache_clear()
    numbers.words.cache_clear()


__all__ = [
    "NAMES",
    "CalcInputError",
    "CalcResult",
    "CalcState",
    "CalcTurn",
    "Param",
    "ParameterError",
    "advance",
    "catch_up",
    "check_parameters",
    "compute",
    "contribution",
    "detect",
    "flexible",
    "injury_compensation",
    "late_fee",
    "medical_years",
    "pension",
    "reload",
    "render",
    "severance",
    "unemployment",
    "use_lexicon",
    "value_at",
    "work_injury_premium",
]
