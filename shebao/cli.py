"""The `shebao` command: ask, chat, faq, calc, run, serve (see shared/interfaces.md)."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys

from calculators import cli as calc_cli
from knowledge.model import FAQError
from shebao import staff_cli
from shebao.config import Config, ConfigError, load_config


def _common() -> argparse.ArgumentParser:
    # SUPPRESS keeps a sub-command's default from hiding the same option given before it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="config file (default ./config.yaml when present, else built-in defaults)")
    common.add_argument("--knowledge", metavar="DIR", default=argparse.SUPPRESS,
                        help="an FAQ folder to use instead of the configured one")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(prog="shebao", parents=[common],
                                     description="社保助手: answers workers' social-insurance questions.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", parents=[common], help="answer one question (or many with --jsonl)")
    ask.add_argument("question", nargs="*", help="the question (words are joined with spaces)")
    mode = ask.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print one JSON object")
    mode.add_argument("--jsonl", action="store_true", help="read questions from standard input, one per line")

    sub.add_parser("chat", parents=[common], help="chat in the terminal (same answers as the bot)")

    faq = sub.add_parser("faq", parents=[common], help="check, list and test the FAQ")
    faq_sub = faq.add_subparsers(dest="faq_command", metavar="ACTION")
    check = faq_sub.add_parser("check", parents=[common], help="validate the FAQ files; one PATH:LINE: message per problem")
    check.add_argument("--update-ids", action="store_true",
                       help="after a clean check, add new entry ids to the published-ids list")
    listing = faq_sub.add_parser("list", parents=[common], help="list the entries")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    test = faq_sub.add_parser("test", parents=[common], help="does each phrasing still find its own entry?")
    test.add_argument("--verbose", action="store_true", help="also list phrasings the entry needs to be found")

    calc = calc_cli.register(sub)
    calc.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="config file")
    calc.add_argument("--knowledge", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    sub.add_parser("run", parents=[common], help="run the Telegram bot (and the web chat with web.enabled)")
    serve = sub.add_parser("serve", parents=[common], help="serve the web chat and its HTTP API")
    serve.add_argument("--host", default=None, help="address to listen on (default web.host: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port to listen on (default web.port: 8080)")
    staff_cli.register(sub, common)
    return parser


def _config(args: argparse.Namespace) -> Config:
    return load_config(getattr(args, "config", None), getattr(args, "knowledge", None))


def _stdout() -> io.TextIOBase:
    # Answers are Chinese: write UTF-8 whatever the terminal's locale says.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    return sys.stdout


def _conversation(args: argparse.Namespace):
    """The conversation core for the terminal: no store, no flood limit (the person at the keyboard)."""
    from shebao.conversation import Conversation
    from shebao.services import build_services

    return Conversation(build_services(_config(args)), None, flood_limit=False)


async def _turn(conversation, text: str, *, one_shot: bool):
    """One terminal turn; the command's boundary: a bug is logged (masked) and the help is shown."""
    try:
        return await conversation.handle("cli", "cli", "cli", text, one_shot=one_shot)
    except Exception:  # noqa: BLE001 - the boundary of the terminal channel
        return conversation.apology(text)


def cmd_ask(args: argparse.Namespace) -> int:
    conversation = _conversation(args)
    out = _stdout()
    if args.jsonl:
        async def batch() -> None:
            stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
            for line in stream:
                reply = await _turn(conversation, line.rstrip("\r\n"), one_shot=True)
                out.write(json.dumps(reply.to_json(), ensure_ascii=False) + "\n")
                out.flush()

        asyncio.run(batch())
        return 0
    question = " ".join(args.question)
    if not args.question and not sys.stdin.isatty():
        question = sys.stdin.buffer.read().decode("utf-8", errors="replace").strip()
    reply = asyncio.run(_turn(conversation, question, one_shot=True))
    if args.json:
        out.write(json.dumps(reply.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(reply.text + "\n")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    conversation = _conversation(args)
    out = _stdout()
    interactive = sys.stdin.isatty()
    if interactive:
        out.write("社保助手：有社保的问题直接问我（输入“退出”或按 Ctrl-D 结束）。\n")
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") if not interactive else None
    loop = asyncio.new_event_loop()
    try:
        while True:
            try:
                line = input("你：") if interactive else stream.readline()
            except (EOFError, KeyboardInterrupt):
                break
            if not interactive and line == "":
                break
            line = line.strip()
            if line in ("退出", "exit", "quit"):
                break
            if not line:
                continue
            reply = loop.run_until_complete(_turn(conversation, line, one_shot=False))
            out.write(f"社保助手：{reply.text}\n")
            if reply.choices and reply.kind == "calc":  # "did you mean" is numbered in the text already
                out.write("  可选：" + " / ".join(label for label, _ in reply.choices) + "\n")
            out.flush()
    finally:
        loop.close()
    return 0


def cmd_faq(args: argparse.Namespace) -> int:
    cfg = _config(args)
    out = _stdout()
    if args.faq_command == "check":
        from calculators.parameters import FOLDER as params
        from shebao.checks import check
        from shebao.staff.published import published_ids_path, update_published_ids
        published = published_ids_path(cfg)
        problems = check(cfg.faq_path, cfg.lexicon_path, stale_after_days=cfg.stale_after_days,
                         answer_threshold=cfg.answer_threshold, parameters=params, published_ids=published)
        errors = [p for p in problems if p.severity == "error"]
        for p in problems:
            out.write(f"{p}\n" if p.severity == "error" else f"{p.path}:{p.line}: warning: {p.message}\n")
        if errors:
            return 1
        sys.stderr.write(f"FAQ ok: {cfg.faq_path}\n")
        if args.update_ids:
            added = update_published_ids(cfg.faq_path, published)
            sys.stderr.write(f"{published}: {len(added)} new id(s) added {' '.join(added)}\n")
        return 0
    if args.faq_command == "list":
        from knowledge.loader import load_faq_strict

        entries = load_faq_strict(cfg.faq_path)
        rows = [{"id": e.id, "question": e.question, "source": e.source, "as_of": e.as_of.isoformat()}
                for e in entries]
        if args.json:
            out.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        else:
            for r in rows:
                out.write(f"{r['id']}\t{r['question']}\t{r['as_of']}\n")
        return 0
    if args.faq_command == "test":
        from knowledge.check import held_out, phrasings
        from shebao.service import build_answerer

        answerer = build_answerer(cfg)
        index = answerer.index
        failures = 0
        all_phrasings = phrasings(index.entries)
        for p in all_phrasings:
            reply = answerer.answer(p.text, one_shot=True)  # what a worker asking it would get
            if reply.kind != "faq" or reply.id != p.entry.id:
                failures += 1
                got = reply.id or (f"only suggestions ({reply.best} {reply.score:.0f})" if reply.best else "nothing")
                out.write(f"{p.entry.path}:{p.line}: {p.entry.id}: {p.text!r} finds {got}\n")
        confused = 0
        for d, found, score in held_out(index):
            entry = index.entries[index.doc_entry[d]]
            if found != entry.id:
                confused += 1
                if args.verbose:
                    out.write(f"{entry.path}:{entry.line}: note: without {index.doc_phrasing[d]!r}, "
                              f"{entry.id} would lose it to {found} ({score:.0f})\n")
        out.write(f"{len(all_phrasings) - failures} of {len(all_phrasings)} phrasings find their own entry; "
                  f"taken out one at a time, {len(index.doc_phrasing) - confused} of {len(index.doc_phrasing)} "
                  "still would (add phrasings where they would not; --verbose lists them)\n")
        return 1 if failures else 0
    sys.stderr.write("usage: shebao faq {check,list,test}\n")
    return 2


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import run

    return run(_config(args))


def cmd_serve(args: argparse.Namespace) -> int:
    from shebao.web.serve import serve

    return serve(_config(args), args.host, args.port)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"ask": cmd_ask, "chat": cmd_chat, "faq": cmd_faq, "run": cmd_run, "serve": cmd_serve}
    try:
        if args.command == "calc":
            return calc_cli.run(args)
        if args.command in ("unanswered", "report"):
            return staff_cli.run(args, _config(args))
        if args.command not in handlers:
            parser.print_help()
            return 2
        return handlers[args.command](args)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    except FAQError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"{problem}\n")
        return 1
    except BrokenPipeError:  # `shebao ask --jsonl | head`
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
