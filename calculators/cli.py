"""`shebao calc NAME [--INPUT VALUE ...] [--json]`: run one calculator from the command line."""

from __future__ import annotations

import argparse
import json
import sys

from .core import CalcInputError, text
from .registry import NAMES, compute
from .reply import render

# option -> input name; the same for every calculator, each uses the ones it needs
OPTIONS = ["wage", "date", "rate", "risk-class", "age", "years", "account", "index", "avg-wage", "base",
           "insurance", "amount", "days", "share", "group", "gender", "retire-date", "current-age", "grade",
           "average-wage", "income", "no-contract-months"]
ALIASES = {"average_wage": "avg_wage"}  # --average-wage is --avg-wage (the second-round calculators' name)


def register(subparsers) -> argparse.ArgumentParser:
    """Add the `calc` sub-command to an argparse subparsers object."""
    names = ", ".join(NAMES)
    parser = subparsers.add_parser("calc", help=text("errors.cli_help", names=names),
                                   description=text("errors.cli_help", names=names))
    parser.add_argument("name", metavar="NAME", help=text("errors.cli_name_help", names=names))
    for option in OPTIONS:
        parser.add_argument(f"--{option}", dest=option.replace("-", "_"), metavar="VALUE")
    parser.add_argument("--death", action="store_true", help=text("errors.cli_death_help"))
    parser.add_argument("--json", action="store_true", help=text("errors.cli_json_help"))
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Print the reply (or the JSON object); exit 2 with one line on an unknown name or a bad input."""
    inputs = {o.replace("-", "_"): getattr(args, o.replace("-", "_"), None) for o in OPTIONS}
    inputs = {ALIASES.get(k, k): v for k, v in inputs.items() if v is not None}
    if getattr(args, "death", False):
        inputs["grade"] = "death"
    try:
        result = compute(args.name, inputs)
    except CalcInputError as err:
        if err.input_name == "name":
            print(err.message, file=sys.stderr)
        else:
            option = err.input_name.replace("_", "-")
            print(text("errors.cli_line", option=option, message=err.message), file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(render(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m calculators.cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
