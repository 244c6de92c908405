"""The bot on PostgreSQL (storage.url): it answers, stores masked questions there, stops cleanly,
and the staff commands read them back; no SQLite file is written in that mode."""

import asyncio
import signal
import subprocess

import asyncpg
import yaml
from botapi_stub import TOKEN, user
from conftest import write_bot_config
from faq_samples import STANDALONE  # noqa: E402  (tests/ is on the path)
from test_bot_calc import NEEDS_GENDER, choice_buttons
from test_bot_run import SHEBAO, env

from shebao.config import load_config

ALICE = user(7001, "阿丽")
BOB = user(7002, "老王")
ID_CARD = "630102199001011234"
UNANSWERABLE = f"叉车证补贴在哪领，我身份证{ID_CARD}"


def postgres_config(folder, base_url, url):
    """write_bot_config's config with storage.url set (storage.path stays: it must stay unused)."""
    path = write_bot_config(folder, base_url)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["storage"]["url"] = url
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def sqlite_files(folder):
    """Every SQLite database (or its WAL) under FOLDER."""
    found = []
    for p in folder.rglob("*"):
        if p.is_file() and (p.suffix in (".db", ".db-wal", ".db-shm") or p.read_bytes()[:16] == b"SQLite format 3\0"):
            found.append(p)
    return found


async def fetch(url, sql):
    con = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await con.fetch(sql)]
    finally:
        await con.close()


async def test_shebao_run_on_postgresql_answers_stores_masked_and_staff_commands_read_it_back(
        tmp_path, botapi, postgres_url, postgres_server, monkeypatch):
    monkeypatch.setenv("SHEBAO_HASH_KEY", "bot-on-postgresql")
    config = postgres_config(tmp_path, botapi.base_url, postgres_url)
    proc = subprocess.Popen([*SHEBAO, "run", "--config", str(config)],
                            env=env(SHEBAO_TEST_TOKEN=TOKEN, SHEBAO_HASH_KEY="bot-on-postgresql"),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        botapi.push(botapi.text_update(ALICE, "工伤保险可以单独买吗"))
        [answer] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"], timeout=60)
        assert STANDALONE in answer.text
        botapi.push(botapi.text_update(BOB, UNANSWERABLE))
        await botapi.wait_for("sendMessage", chat_id=BOB["id"])
        botapi.push(botapi.callback_update(ALICE, botapi.sent_message(answer), "fb:1:1"))
        await botapi.wait_for("answerCallbackQuery")
        await botapi.settle()
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(proc.communicate, timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr and "storage unavailable" not in stderr

    rows = await fetch(postgres_url, "SELECT kind, answer_id, text FROM questions ORDER BY id")
    assert rows[0][:2] == ("faq", "work_injury_standalone")
    assert rows[1][0] == "none" and ID_CARD not in rows[1][2] and "630***********1234" in rows[1][2]
    assert await fetch(postgres_url, "SELECT question_id, useful FROM feedback") == [(1, 1)]
    dump = subprocess.run([str(postgres_server.bindir / "pg_dump"), "--data-only", postgres_url],
                          capture_output=True, text=True, check=True).stdout
    assert "叉车证补贴" in dump and ID_CARD not in dump and str(BOB["id"]) not in dump

    export = subprocess.run([*SHEBAO, "unanswered", "export", "--config", str(config)], env=env(),
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert export.returncode == 0, export.stderr
    assert "叉车证补贴在哪领" in export.stdout and ID_CARD not in export.stdout
    out = tmp_path / "report.html"
    report = subprocess.run([*SHEBAO, "report", "--config", str(config), "--out", str(out)], env=env(),
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    page = out.read_text(encoding="utf-8")
    assert "提问<b>2</b>次" in page and "回答率<b>50%</b>" in page  # the two questions asked above
    assert "叉车证补贴在哪领" in page and ID_CARD not in page
    assert sqlite_files(tmp_path) == []


async def test_a_dialog_on_postgresql_survives_a_restart(tmp_path, botapi, start_bot, postgres_url, monkeypatch):
    monkeypatch.setenv("SHEBAO_HASH_KEY", "bot-on-postgresql")
    cfg = load_config(postgres_config(tmp_path, botapi.base_url, postgres_url))
    async with start_bot(cfg) as app:
        assert app.bot_data.storage.dialect == "postgresql" and app.bot_data.storage.available
        botapi.push(botapi.text_update(ALICE, NEEDS_GENDER))
        [ask] = await botapi.wait_for("sendMessage", chat_id=ALICE["id"])
        await botapi.settle()
    async with start_bot(cfg):
        botapi.push(botapi.callback_update(ALICE, botapi.sent_message(ask), choice_buttons(ask)["男"]))
        calls = await botapi.wait_for("sendMessage", count=2, chat_id=ALICE["id"])
        assert "30" in calls[1].text
    assert await fetch(postgres_url, "SELECT COUNT(*) FROM conversations") == [(0,)]  # finished: cleared
    assert sqlite_files(tmp_path) == []
