"""`shebao serve` and `shebao run` with web.enabled as processes: start, answer, stop cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import httpx
import yaml
from botapi_stub import TOKEN, user
from conftest import write_bot_config
from faq_samples import STANDALONE
from web_server import ROOT, write_web_config

SHEBAO = [sys.executable, "-m", "shebao.cli"]


def env(**extra):
    out = {k: v for k, v in os.environ.items() if k != "SHEBAO_TEST_TOKEN"}
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT), out.get("PYTHONPATH", "")])
    return {**out, **extra}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()[-2000:]
        try:
            return httpx.get(url + "/healthz", timeout=1).json()
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the web chat did not answer /healthz")


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    return stderr


def test_serve_answers_on_the_given_port_and_stops_cleanly_on_sigterm(tmp_path):
    config, port = write_web_config(tmp_path), free_port()
    proc = subprocess.Popen([*SHEBAO, "serve", "--config", str(config), "--port", str(port)], cwd=tmp_path,
                            env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_healthy(url, proc)["ok"] is True
        reply = httpx.post(url + "/api/ask", json={"text": "工伤保险可以单独买吗", "session": None}).json()
        assert reply["id"] == "work_injury_standalone"
        stderr = stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr


def test_serve_takes_host_and_port_from_the_config(tmp_path):
    port = free_port()
    config = write_web_config(tmp_path, host="127.0.0.1", port=port)
    proc = subprocess.Popen([*SHEBAO, "serve", "--config", str(config)], cwd=tmp_path, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}", proc)["ok"] is True
        stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_port_out_of_range_is_one_line_naming_the_range(tmp_path):
    done = subprocess.run([*SHEBAO, "serve", "--config", str(write_web_config(tmp_path)), "--port", "70000"],
                          cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "--port" in done.stderr and "0 to 65535" in done.stderr


def test_a_port_in_use_is_said_plainly(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([*SHEBAO, "serve", "--config", str(write_web_config(tmp_path)), "--port", str(port)],
                              cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert str(port) in done.stderr and "address already in use" in done.stderr.lower()


def test_a_broken_faq_at_start_exits_2_with_path_line_problems(tmp_path):
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "broken.yaml").write_text("- id: x\n  question: 问题\n  answer: 回答\n  source: 来源\n  as_of: 2026-02-30\n",
                                     encoding="utf-8")
    config = write_web_config(tmp_path)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["knowledge"]["path"] = str(faq)
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    done = subprocess.run([*SHEBAO, "serve", "--config", str(config), "--port", str(free_port())], cwd=tmp_path,
                          env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"{faq / 'broken.yaml'}:" in done.stderr and "Traceback" not in done.stderr


async def test_run_with_web_enabled_serves_the_bot_and_the_web_chat_in_one_process(tmp_path, botapi):
    port = free_port()
    config = write_bot_config(tmp_path, botapi.base_url)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["web"] = {"enabled": True, "host": "127.0.0.1", "port": port}
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    proc = subprocess.Popen([*SHEBAO, "run", "--config", str(config)], env=env(SHEBAO_TEST_TOKEN=TOKEN),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        health = await asyncio.to_thread(wait_healthy, url, proc)
        assert health["ok"] is True and health["faq_entries"] > 0
        async with httpx.AsyncClient(base_url=url) as client:
            web = (await client.post("/api/ask", json={"text": "工伤保险可以单独买吗", "session": None})).json()
        assert web["id"] == "work_injury_standalone"
        alice = user(6201)
        botapi.push(botapi.text_update(alice, "工伤保险可以单独买吗"))
        [call] = await botapi.wait_for("sendMessage", chat_id=alice["id"], timeout=30)
        assert STANDALONE in call.text
        stderr = await asyncio.to_thread(stop, proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr and TOKEN not in stderr
    with sqlite3.connect(tmp_path / "bot.db") as db:
        vias = dict(db.execute("SELECT via = 'web', COUNT(*) FROM questions GROUP BY via = 'web'").fetchall())
    assert vias == {0: 1, 1: 1}  # one from Telegram, one from the web, in the same store
