"""`shebao run` as a process: a missing token is one line naming the variable; SIGTERM stops it cleanly."""

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml
from botapi_stub import TOKEN, user
from conftest import write_bot_config
from faq_samples import STANDALONE  # noqa: E402  (tests/ is on the path)

from bot.app import webhook_secret

ROOT = Path(__file__).resolve().parent.parent
SHEBAO = [sys.executable, "-c", "import sys; from shebao.cli import main; sys.exit(main(sys.argv[1:]))"]


def env(**extra):
    out = {k: v for k, v in os.environ.items() if k != "SHEBAO_TEST_TOKEN"}
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT), out.get("PYTHONPATH", "")])
    return {**out, **extra}


def test_a_missing_token_is_one_line_naming_the_variable(tmp_path):
    config = write_bot_config(tmp_path, "http://127.0.0.1:9/bot")
    done = subprocess.run([*SHEBAO, "run", "--config", str(config)], env=env(), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "SHEBAO_TEST_TOKEN" in done.stderr


async def test_sigterm_finishes_the_update_in_hand_and_exits_0(tmp_path, botapi):
    config = write_bot_config(tmp_path, botapi.base_url)
    proc = subprocess.Popen([*SHEBAO, "run", "--config", str(config)], env=env(SHEBAO_TEST_TOKEN=TOKEN),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        alice = user(6001)
        botapi.push(botapi.text_update(alice, "工伤保险可以单独买吗"))
        await botapi.wait_for("sendMessage", chat_id=alice["id"], timeout=30)
        botapi.fail("sendMessage", "slow", seconds=1.0)  # the next answer is in hand when SIGTERM comes
        botapi.push(botapi.text_update(alice, "断缴了怎么办"))
        await botapi.wait_for("sendMessage", count=2, chat_id=alice["id"])
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(proc.communicate, timeout=30)
        exited = time.monotonic()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr[-2000:]
    in_hand = botapi.sent(alice["id"])[1]
    assert in_hand.answered_at is not None and in_hand.answered_at < exited  # it waited for the answer
    assert "Traceback" not in stderr and "error while handling" not in stderr
    assert TOKEN not in stderr
    with sqlite3.connect(tmp_path / "bot.db") as db:
        assert db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_mode_registers_the_hook_and_answers_what_telegram_posts(tmp_path, botapi):
    port = free_port()
    config = write_bot_config(tmp_path, botapi.base_url)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["telegram"].update(webhook_url="https://bot.example.org/shebao-hook", webhook_listen="127.0.0.1",
                            webhook_port=port)
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    proc = subprocess.Popen([*SHEBAO, "run", "--config", str(config)], env=env(SHEBAO_TEST_TOKEN=TOKEN),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        [hook] = await botapi.wait_for("setWebhook", timeout=30)
        assert hook.params["url"] == "https://bot.example.org/shebao-hook"
        alice = user(6101)
        update = {"update_id": 1, **botapi.text_update(alice, "工伤保险可以单独买吗")}
        async with httpx.AsyncClient() as client:
            for _ in range(50):  # the listener may still be starting
                try:
                    wrong = await client.post(f"http://127.0.0.1:{port}/shebao-hook", json=update,
                                              headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            assert wrong.status_code == 403
            right = await client.post(f"http://127.0.0.1:{port}/shebao-hook", json=update,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": webhook_secret(TOKEN)})
            assert right.status_code == 200
        [call] = await botapi.wait_for("sendMessage", chat_id=alice["id"])
        assert STANDALONE in call.text
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(proc.communicate, timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr[-2000:]


def test_a_broken_faq_at_start_exits_2_with_path_line_problems(tmp_path, botapi):
    config = write_bot_config(tmp_path, botapi.base_url)
    broken = next((tmp_path / "faq").glob("*.yaml"))
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("as_of: ", "as_of: 2026-02-30 #", 1), encoding="utf-8")
    done = subprocess.run([*SHEBAO, "run", "--config", str(config)], env=env(SHEBAO_TEST_TOKEN=TOKEN),
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr[-2000:]  # the service unit does not restart on 2
    assert f"{broken}:" in done.stderr and "day is out of range for month" in done.stderr
    assert "Traceback" not in done.stderr
