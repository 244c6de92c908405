"""Load test: 600 questions from 300 users through the Bot API stand-in against the real bot.

    python bench/load.py [--questions 600] [--users 300] [--paced 100] [--timeout 120] [--with-flood-limit]
                         [--postgres | --storage-url postgresql://USER:PASSWORD@HOST:PORT/DB]
                         [--inbox both|on|off]

The real Application (handlers, answerer over the real FAQ, SQLite storage in a temporary
file, per-chat ordering, PTB's rate limiter) runs against tests/botapi_stub.py on 127.0.0.1.
With --storage-url (an existing PostgreSQL database: the bench adds its questions to it) or
--postgres (a throwaway server started for the run, tests/pg_server.py) the same runs are
repeated on PostgreSQL and printed beside SQLite's.
Latency is from the moment getUpdates hands an update to the bot to the moment the stand-in
receives the matching sendMessage. Two runs: all 600 questions at once (throughput; latency
then includes the queue), and paced at 100 questions/s (latency of one answer under load).
CPU ms/answer is the bot process's own CPU time (all its threads, the stand-in's included, a
PostgreSQL server's not) per answer: unlike answers/s it hardly moves when other programs
share the machine. Loopback only; bounded in count and time.

By default PTB's flood limiter is lifted for the run (it holds a bot to Telegram's ~30
messages/s, so with it on the figure measures Telegram's limit, not the bot);
--with-flood-limit also runs with the production setting.

Each run is made with the inbox (bot/inbox.py: every update kept in the store before Telegram is
told it arrived, one INSERT and one UPDATE per update) and without it (--inbox on / off: only one).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from botapi_stub import TOKEN, BotApiStub, user  # noqa: E402

from bot.app import build_application, running  # noqa: E402
from shebao.config import load_config  # noqa: E402
from shebao.service import build_answerer  # noqa: E402
from shebao.services import services_around  # noqa: E402
from shebao.store import Storage  # noqa: E402

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
EXTRA_QUESTIONS = [
    "工资5000，每月社保扣多少钱", "工资4500社保个人交多少", "交了20年，60岁退休，能领多少养老金",
    "欠了3万社保费，拖了100天，滞纳金多少", "我交了10年失业保险能领几个月", "你好", "谢谢",
    "外卖骑手摔伤了谁赔", "公积金怎么提取", "老板不给交社保怎么办",
]


def questions(answerer, count: int, seed: int = 4) -> list[str]:
    """COUNT questions: FAQ phrasings workers use, calculator questions, chit-chat, off-topic."""
    pool = [p for e in answerer.entries for p in e.phrasings] + EXTRA_QUESTIONS * 5
    rng = random.Random(seed)
    return [rng.choice(pool) for _ in range(count)]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def stored_rows(st: Storage) -> int:
    """Every stored turn (stats() counts questions only: no greetings, one per calculator dialog)."""
    return (await st._read("SELECT COUNT(*) FROM questions"))[0][0]


async def push_paced(stub: BotApiStub, updates: list[dict], rate: float) -> list[int]:
    """Push UPDATES at RATE per second (all at once when RATE is 0)."""
    if not rate:
        return stub.push(*updates)
    ids, start = [], time.monotonic()
    for i, update in enumerate(updates):
        ids += stub.push(update)
        delay = start + (i + 1) / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    return ids


async def run_once(answerer, n_questions: int, n_users: int, flood_limit: float, timeout: float,
                   rate: float = 0.0, storage_url: str | None = None, inbox: bool = True) -> dict:
    stub = BotApiStub().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = load_config(ROOT / "config.yaml")
            cfg.telegram["base_url"] = stub.base_url
            cfg.telegram["max_messages_per_second"] = flood_limit
            cfg.storage_path = Path(tmp) / "load.db"
            cfg.raw["storage"]["url"] = storage_url
            async with Storage.from_config(cfg) as st:  # created and migrated before the clock starts
                stored_before = await stored_rows(st)
                async with st._open().autocommit() as tx:  # each run's stand-in numbers its updates from 1
                    await tx.execute("DELETE FROM inbox")   # again, as a new bot would: not redeliveries
                kept_before = 0
            cfg.raw["limits"] = {"burst": 10, "per_minute": 60}
            app = build_application(cfg, lambda c, faq_path=None: services_around(answerer, c), token=TOKEN)
            if not inbox:  # the bot as it was before the inbox: updates are not kept
                app.bot_data.inbox.attach = lambda storage, bot_id: None
            users = [user(100_000 + i, f"工友{i}") for i in range(n_users)]
            asked = questions(answerer, n_questions)
            async with running(app):
                await stub.settle(quiet=0.2)
                before = len(stub.sent())
                cpu_start = time.process_time()
                updates = [stub.text_update(users[i % n_users], q) for i, q in enumerate(asked)]
                ids = await push_paced(stub, updates, rate)
                chat_of = {uid: u["message"]["chat"]["id"] for uid, u in zip(ids, updates, strict=True)}
                deadline = time.monotonic() + timeout
                while len(stub.sent()) - before < n_questions and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                sent = stub.sent()[before:]
                cpu = time.process_time() - cpu_start
            async with Storage.from_config(cfg, read_only=True) as st:
                stored = await stored_rows(st) - stored_before
                kept = (await st._read("SELECT COUNT(*) FROM inbox WHERE done_at IS NOT NULL"))[0][0] - kept_before
    finally:
        stub.stop()

    by_chat: dict[int, list[float]] = {}
    for call in sent:
        by_chat.setdefault(call.chat_id, []).append(call.at)
    latencies, firsts, lasts = [], [], []
    for uid in ids:
        times = by_chat.get(chat_of[uid])
        served = stub.served_at.get(uid)
        if times and served is not None:
            done = times.pop(0)
            latencies.append((done - served) * 1000)
            firsts.append(served)
            lasts.append(done)
    elapsed = (max(lasts) - min(firsts)) if lasts else float("nan")
    return {
        "storage": "PostgreSQL" if storage_url else "SQLite", "inbox": inbox, "kept": kept,
        "flood_limit": flood_limit, "rate_in": rate, "answers": len(latencies), "seconds": elapsed,
        "rate": len(latencies) / elapsed if lasts else 0.0,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p90": percentile(latencies, 90), "p99": percentile(latencies, 99), "stored": stored,
        "cpu_ms": cpu * 1000 / len(latencies) if latencies else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=600)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per run")
    parser.add_argument("--paced", type=float, default=100.0,
                        help="questions per second in the paced run (latency without a backlog)")
    parser.add_argument("--with-flood-limit", action="store_true",
                        help="also run with PTB's limiter at Telegram's 30 messages/s")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--storage-url", metavar="URL",
                       help="also run on this PostgreSQL database (postgresql://USER:PASSWORD@HOST:PORT/DB)")
    where.add_argument("--postgres", action="store_true",
                       help="also run on a throwaway PostgreSQL server started for the run")
    parser.add_argument("--inbox", choices=("both", "on", "off"), default="both",
                        help="runs with the inbox, without it, or both (default)")
    args = parser.parse_args(argv)
    inboxes = {"both": (True, False), "on": (True,), "off": (False,)}[args.inbox]
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("SHEBAO_HASH_KEY", "bench-load")  # no key file beside the temporary database
    answerer = build_answerer(load_config(ROOT / "config.yaml"))
    n = min(args.questions, 5000)
    runs = [(0.0, 0.0), (0.0, args.paced)] + ([(30.0, 0.0)] if args.with_flood_limit else [])
    server = None
    urls: list[str | None] = [None]
    if args.postgres:
        from pg_server import PostgresServer

        server = PostgresServer().start()
        urls.append(server.new_database())
    elif args.storage_url:
        urls.append(args.storage_url)
    try:
        rows = [asyncio.run(run_once(answerer, n, args.users, limit, args.timeout, rate, url, inbox))
                for url in urls for limit, rate in runs for inbox in inboxes]
    finally:
        if server is not None:
            server.stop()
    print(f"{n} questions from {args.users} users, storage on (SQLite in WAL mode; PostgreSQL when asked); "
          "loopback stand-in")
    print(f"{'storage':<12}{'inbox':<7}{'questions arrive':<20}{'flood limiter':<15}{'answers':>8}{'stored':>8}"
          f"{'kept':>6}{'seconds':>9}"
          f"{'answers/s':>11}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'CPU ms/answer':>15}")
    for r in rows:
        arrive = "all at once" if not r["rate_in"] else f"{r['rate_in']:.0f}/s"
        limit = "off" if not r["flood_limit"] else f"{r['flood_limit']:.0f} msg/s"
        print(f"{r['storage']:<12}{'on' if r['inbox'] else 'off':<7}{arrive:<20}{limit:<15}{r['answers']:>8}"
              f"{r['stored']:>8}{r['kept']:>6}{r['seconds']:>9.2f}"
              f"{r['rate']:>11.1f}{r['p50']:>9.1f}{r['p90']:>9.1f}{r['p99']:>9.1f}{r['cpu_ms']:>15.2f}")
    complete = all(r["answers"] == n and r["stored"] == n and r["kept"] == (n if r["inbox"] else 0) for r in rows)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
