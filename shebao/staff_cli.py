"""`shebao unanswered export` and `shebao report`: the union staff's commands (the CLI routes them here)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shebao.config import Config
from shebao.staff.common import StaffError, parse_since, text

REPORT_DAYS = 30  # the report's default period


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(text("errors.limit", value=value))
    return number


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `unanswered export` and `report` to the shebao command."""
    unanswered = sub.add_parser("unanswered", parents=[common],
                                help="questions the FAQ could not answer, for staff to add")
    actions = unanswered.add_subparsers(dest="unanswered_command", metavar="ACTION")
    export = actions.add_parser("export", parents=[common],
                                help="write them grouped and counted, as a YAML skeleton of entries to fill in")
    export.add_argument("--since", metavar="DATE", help="only questions from this day on (YYYY-MM-DD; default: all open)")
    export.add_argument("--out", metavar="FILE", help="write to FILE (default: print)")
    export.add_argument("--limit", metavar="N", type=_positive, default=50, help="at most N groups (default 50)")

    report = sub.add_parser("report", parents=[common], help="a one-page HTML report for the union")
    report.add_argument("--out", metavar="FILE", required=True, help="the HTML file to write, e.g. report.html")
    report.add_argument("--since", metavar="DATE",
                        help=f"from this day on (YYYY-MM-DD; default: the last {REPORT_DAYS} days)")


def _write(path: str | None, content: str) -> None:
    if path is None:
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(encoding="utf-8", errors="replace")
        sys.stdout.write(content)
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content, encoding="utf-8")


def _say(message: str) -> None:
    sys.stderr.buffer.write((message + "\n").encode("utf-8"))
    sys.stderr.flush()


def run(args: argparse.Namespace, config: Config) -> int:
    """Run `unanswered export` or `report`; 0 when written, 2 when staff must fix how it was called."""
    try:
        if args.command == "unanswered":
            if getattr(args, "unanswered_command", None) != "export":
                _say("usage: shebao unanswered export [--since DATE] [--out FILE] [--limit N]")
                return 2
            from shebao.staff.unanswered import export

            content, found = export(config, parse_since(args.since), args.limit)
            _write(args.out, content)
            if args.out:
                _say(text("errors.written", path=args.out, groups=len(found.groups), asked=found.asked))
            return 0
        from shebao.staff.report import write_report

        write_report(config, parse_since(args.since, REPORT_DAYS), Path(args.out))
        _say(text("errors.report_written", path=args.out))
        return 0
    except StaffError as exc:
        _say(str(exc))
        return 2
