"""Storage faults never hold up a reply: a write lock held by another connection for 20 s, the
questions asked meanwhile stored once it is gone, a calculator dialog going on while storage is stuck."""

import asyncio
import os
import sqlite3
import subprocess
import threading
import time

from botapi_stub import user
from faq_samples import STANDALONE

QUESTION = "工伤保险可以单独买吗"
HOLD = 20.0  # seconds another process keeps the write lock (a staff member's database browser)


def hold_write_lock(path, seconds: float) -> threading.Event:
    """Take the database's write lock from another connection for SECONDS; the event is set once taken."""
    taken = threading.Event()

    def run():
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        db.execute("ROLLBACK")
        db.close()

    threading.Thread(target=run, daemon=True).start()
    assert taken.wait(5)
    return taken


async def test_a_write_lock_held_20_s_does_not_delay_answers_and_loses_no_question(bot, botapi, bot_config):
    botapi.push(botapi.text_update(user(7000), QUESTION))  # the database exists and is migrated
    await botapi.wait_for("sendMessage", chat_id=7000)
    await botapi.settle()
    hold_write_lock(bot_config.storage_path, HOLD)
    started = time.monotonic()
    workers = [user(7001 + n) for n in range(8)]
    for n, worker in enumerate(workers):
        pushed = time.monotonic()
        botapi.push(botapi.text_update(worker, QUESTION))
        [answer] = await botapi.wait_for("sendMessage", chat_id=worker["id"], timeout=HOLD)
        assert STANDALONE in answer.text
        assert answer.at - pushed < 4.0, f"answer {n} took {answer.at - pushed:.1f} s"
    assert time.monotonic() - started < HOLD  # all answered while the lock was still held
    deadline = time.monotonic() + HOLD + 30
    while time.monotonic() < deadline:
        with sqlite3.connect(bot_config.storage_path, timeout=0.1) as db:
            try:
                stored = db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
        if stored == 1 + len(workers):
            break
        await asyncio.sleep(0.5)
    assert stored == 1 + len(workers)


async def test_a_calculator_dialog_goes_on_while_storage_is_stuck(bot, botapi, bot_config):
    alice = user(7100, "阿丽")
    botapi.push(botapi.text_update(user(7000), QUESTION))
    await botapi.wait_for("sendMessage", chat_id=7000)
    await botapi.settle()
    hold_write_lock(bot_config.storage_path, 12.0)
    botapi.push(botapi.text_update(alice, "我想算养老金"))
    [ask] = await botapi.wait_for("sendMessage", chat_id=alice["id"], timeout=8)
    botapi.push(botapi.text_update(alice, "60岁"))
    calls = await botapi.wait_for("sendMessage", count=2, chat_id=alice["id"], timeout=8)
    # "60岁" was read as the dialog's answer: the next step asks for the years paid
    assert calls[1].text != ask.text and "几年" in calls[1].text


def set_read_only(path, read_only: bool) -> None:
    """chmod the database file; as root, whom permissions do not stop, also its immutable flag."""
    as_root = os.geteuid() == 0
    if as_root and not read_only:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    os.chmod(path, 0o444 if read_only else 0o644)
    if as_root and read_only:
        subprocess.run(["chattr", "+i", str(path)], check=True)


def stored_questions(path) -> int:
    with sqlite3.connect(path, timeout=0.1) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
        except sqlite3.OperationalError:
            return -1


async def test_a_database_read_only_at_start_recovers_once_writable_without_a_restart(tmp_path, botapi,
                                                                                      start_bot):
    from conftest import write_bot_config

    from shebao.config import load_config
    from shebao.store import Storage

    cfg = load_config(write_bot_config(tmp_path, botapi.base_url, reopen_every=0.5))
    async with Storage.from_config(cfg):  # the file exists, migrated, as after an earlier run
        pass
    set_read_only(cfg.storage_path, True)
    try:
        async with start_bot(cfg):
            early = [user(7200 + n) for n in range(3)]
            for worker in early:
                botapi.push(botapi.text_update(worker, QUESTION))
                [answer] = await botapi.wait_for("sendMessage", chat_id=worker["id"], timeout=10)
                assert STANDALONE in answer.text  # answered while nothing can be stored
            assert stored_questions(cfg.storage_path) == 0
            set_read_only(cfg.storage_path, False)
            later = [user(7300 + n) for n in range(2)]
            for worker in later:
                botapi.push(botapi.text_update(worker, QUESTION))
                await botapi.wait_for("sendMessage", chat_id=worker["id"], timeout=10)
            deadline = time.monotonic() + 15
            while stored_questions(cfg.storage_path) < 5 and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            # the later questions, and the earlier ones the write queue kept retrying
            assert stored_questions(cfg.storage_path) == 5
    finally:
        set_read_only(cfg.storage_path, False)
