"""`python -m bot [--config PATH] [--knowledge DIR]`: the same as `shebao run`."""

from __future__ import annotations

import argparse
import sys

from bot.app import run
from shebao.config import ConfigError, load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run the Telegram bot.")
    parser.add_argument("--config", help="config file (default ./config.yaml when present)")
    parser.add_argument("--knowledge", help="FAQ folder to use instead of the configured one")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config, knowledge=args.knowledge)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return run(cfg)


if __name__ == "__main__":
    sys.exit(main())
