"""Masking read back from the raw files: generated spellings of ID-card, phone and bank-card numbers
(the hypothesis strategies of test_privacy_spellings.py) sent to a real `shebao run` through the Bot
API stand-in, some of them answered only after faults; then the bytes of the SQLite file, its WAL
and the process's log must hold no run of the original digits."""

import asyncio
import re
import signal
import sqlite3
import tempfile
import time
from pathlib import Path

from botapi_stub import BotApiStub, user
from conftest import write_bot_config
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_faults_crash import delivered, start, wait_until
from test_privacy_spellings import FULLWIDTH, bank_cards, id_numbers, phones, spelled

CASES = st.lists(st.one_of(spelled(id_numbers()), spelled(phones()), spelled(bank_cards())),
                 min_size=45, max_size=45, unique_by=lambda case: case[0])


def leaks(number: str, data: bytes) -> list[str]:
    """The runs of NUMBER's digits found in DATA: the whole number, ASCII or full-width, and its
    middle, the part masking hides (at least 7 digits of an ID or bank card)."""
    runs = [number, number.translate(FULLWIDTH)]
    middle = number[4:-4]
    if len(middle) >= 7:
        runs += [middle, middle.translate(FULLWIDTH)]
    return [run for run in runs if run.encode("utf-8") in data]


def raw_files(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("bot.db*")) if p.is_file())


async def scenario(folder: Path, cases: list[tuple[str, str]]) -> tuple[bytes, bytes, bytes]:
    with BotApiStub() as botapi:
        config = write_bot_config(folder, botapi.base_url)
        log = folder / "bot.log"
        workers = [user(930_000 + n) for n in range(len(cases))]
        botapi.fail("sendMessage", "500", times=3)  # the error paths log too
        proc = start(config, log)
        try:
            for worker, (_, text) in zip(workers, cases, strict=True):
                botapi.push(botapi.text_update(worker, text))
            await wait_until(lambda: all(delivered(botapi, w["id"]) for w in workers), 60, "every answer")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # the write queue stores them in the background
                with sqlite3.connect(folder / "bot.db", timeout=1) as db:
                    if db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] >= len(cases):
                        break
                await asyncio.sleep(0.2)
            running = raw_files(folder)  # the WAL as well, before a clean stop folds it into the file
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                await asyncio.to_thread(proc.wait, 30)
        return running, raw_files(folder), log.read_bytes()


@settings(max_examples=2, deadline=None, database=None, phases=(Phase.generate,),
          suppress_health_check=list(HealthCheck))
@given(CASES)
def test_no_personal_number_reaches_the_database_files_or_the_log(cases):
    with tempfile.TemporaryDirectory() as tmp:
        running, stopped, log = asyncio.run(scenario(Path(tmp), cases))
    for number, text in cases:
        for name, data in (("database while running", running), ("database after stop", stopped),
                           ("log", log)):
            assert not leaks(number, data), f"{number} (sent as {text!r}) is in the {name}"
    assert re.search(rb"\*{4,}", running)  # the masked questions are there
