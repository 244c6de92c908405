"""Masking read back from the raw files: generated spellings of ID-card, phone and bank-card numbers
(the hypothesis strategies of test_privacy_spellings.py) sent to a real `shebao run` through the Bot
API stand-in, some of them answered only after faults, and to a real `shebao serve` over its HTTP
API; then the bytes of the SQLite file, its WAL and the process's log must hold no run of the
original digits."""

import asyncio
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from botapi_stub import BotApiStub, user
from conftest import write_bot_config
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_faults_crash import delivered, start, wait_until
from test_privacy_spellings import FULLWIDTH, bank_cards, id_numbers, phones, spelled
from web_server import ROOT, write_web_config

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


def raw_files(folder: Path, name: str = "bot.db") -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob(name + "*")) if p.is_file())


def stored(path: Path) -> int:
    with sqlite3.connect(path, timeout=1) as db:
        return db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]


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
            while stored(folder / "bot.db") < len(cases) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)  # the write queue stores them in the background
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


def check(cases, files: dict[str, bytes]) -> None:
    for number, text in cases:
        for name, data in files.items():
            assert not leaks(number, data), f"{number} (sent as {text!r}) is in the {name}"


def web_scenario(folder: Path, cases: list[tuple[str, str]]) -> dict[str, bytes]:
    config = write_web_config(folder)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    log = folder / "web.log"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "shebao.cli", "serve", "--config", str(config),
                                 "--port", str(port)], cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            for _ in range(600):
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            for _, text in cases:
                assert client.post("/api/ask", json={"text": text, "session": None}).status_code == 200
                client.post("/api/ask", json={"text": text, "session": 12})  # a bad request: logged?
        deadline = time.monotonic() + 20
        while stored(folder / "web.db") < len(cases) and time.monotonic() < deadline:
            time.sleep(0.2)
        running = raw_files(folder, "web.db")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    return {"web database while running": running, "web database after stop": raw_files(folder, "web.db"),
            "web log": log.read_bytes()}


@settings(max_examples=2, deadline=None, database=None, phases=(Phase.generate,),
          suppress_health_check=list(HealthCheck))
@given(CASES)
def test_no_personal_number_asked_on_the_web_reaches_its_database_files_or_log(cases):
    with tempfile.TemporaryDirectory() as tmp:
        files = web_scenario(Path(tmp), cases)
    check(cases, files)
    assert re.search(rb"\*{4,}", files["web database while running"])
