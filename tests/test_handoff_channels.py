"""Hand-offs from the web and WeChat, answered by staff in Telegram.

One process (`shebao run` with web.enabled, as deployed): a WeChat worker's question → 人工 → an admin's
`/reply N …` in Telegram (the Bot API stand-in) → the customer-service stand-in receives
工会工作人员回复：… for that openid; a web worker's question → the `human` choice → `/reply` → the
reply appears once at `GET /api/messages`. Separate processes (`shebao serve` alone, the reply stored
by another process) reach the web session through the store.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time

import httpx
import pytest
import yaml
from botapi_stub import TOKEN, user
from conftest import BOT_ADMIN_ID, write_bot_config
from test_web_run import SHEBAO, env, free_port, stop, wait_healthy
from test_wechat import APP_ID, WeChatServer
from test_wechat import TOKEN as WECHAT_TOKEN
from web_server import LiveServer, write_web_config
from wechat_stub import CustomerServiceStub

from shebao.config import load_config
from shebao.handoff import Desk
from shebao.store import Storage

STAFF = user(BOT_ADMIN_ID, "工会小李")
UNANSWERABLE = "火星上的量子纠缠是怎么回事"


def wait_until(found, timeout: float = 20.0, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def staff_message(botapi, pattern: str):
    return wait_until(lambda: next((c for c in botapi.sent(STAFF["id"]) if re.search(pattern, c.text)), None),
                      what=f"a staff message matching {pattern!r}")


@pytest.fixture
def customer_service():
    stub = CustomerServiceStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def one_process(tmp_path, botapi, customer_service):
    """`shebao run` with the web chat and /wechat in one process, against both stand-ins."""
    path = write_bot_config(tmp_path, botapi.base_url)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    port = free_port()
    data["web"] = {"enabled": True, "host": "127.0.0.1", "port": port, "address_per_minute": 0}
    data["wechat"] = {"token_env": "SHEBAO_TEST_WECHAT_TOKEN", "app_id": APP_ID,
                      "app_secret_env": "SHEBAO_TEST_WECHAT_SECRET", "api_base": customer_service.base_url}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    proc = subprocess.Popen([*SHEBAO, "run", "--config", str(path)], cwd=tmp_path,
                            env=env(SHEBAO_TEST_TOKEN=TOKEN, SHEBAO_TEST_WECHAT_TOKEN=WECHAT_TOKEN,
                                    SHEBAO_TEST_WECHAT_SECRET="appsecret"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
        stderr = stop(proc)
        assert "Traceback" not in stderr, stderr[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_wechat_worker_gets_the_reply_an_admin_types_in_telegram(one_process, botapi, customer_service):
    with httpx.Client(base_url=one_process, timeout=30) as client:
        wechat = WeChatServer(client, safe=False)
        first = wechat.send("o_wx_worker", UNANSWERABLE)["Content"]
        [pick] = re.findall(r"回复 (\d) 选择：找工会工作人员", first)
        confirmation = wechat.send("o_wx_worker", pick)["Content"]
        number = int(re.search(r"#(\d+)", confirmation).group(1))
        assert "工会工作人员" in confirmation

        announced = staff_message(botapi, rf"^#{number} ")
        assert "微信公众号" in announced.text and "量子纠缠" in announced.text
        botapi.push(botapi.text_update(STAFF, f"/reply {number} 您好，这个问题请到社保大厅问。"))
        assert customer_service.got_message.wait(20)
        [sent] = customer_service.sent
        assert (sent["touser"], sent["msgtype"]) == ("o_wx_worker", "text")
        assert sent["text"]["content"] == "工会工作人员回复：您好，这个问题请到社保大厅问。"
        staff_message(botapi, rf"已发给工友（#{number}）")


def test_a_web_worker_finds_the_telegram_reply_at_api_messages_once(one_process, botapi):
    with httpx.Client(base_url=one_process, timeout=30) as client:
        first = client.post("/api/ask", json={"text": UNANSWERABLE, "session": None}).json()
        assert {"label": "找工会工作人员", "value": "human"} in first["choices"]
        session = first["session"]
        assert client.get("/api/messages", params={"session": session}).json() == {"messages": []}
        handed = client.post("/api/ask", json={"text": "human", "session": session}).json()
        number = int(re.search(r"#(\d+)", handed["reply"]).group(1))

        announced = staff_message(botapi, rf"^#{number} ")
        assert "网页" in announced.text
        botapi.push(botapi.text_update(STAFF, f"/reply {number} 请打 12351 找工会。"))
        staff_message(botapi, rf"已存好（#{number}）")
        messages = client.get("/api/messages", params={"session": session}).json()["messages"]
        assert [m["text"] for m in messages] == ["工会工作人员回复：请打 12351 找工会。"]
        assert client.get("/api/messages", params={"session": session}).json() == {"messages": []}


@pytest.fixture(scope="module")
def services():
    from web_server import ROOT

    from shebao.services import build_services

    return build_services(load_config(ROOT / "config.yaml"))


def test_a_web_session_gets_a_reply_stored_by_another_process(tmp_path, services):
    """`shebao serve` alone; the reply is written by a Telegram bot in another process (here: its own
    store and desk on the same database)."""
    cfg = load_config(write_web_config(tmp_path))
    with LiveServer(cfg, services) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        session = client.post("/api/ask", json={"text": UNANSWERABLE, "session": None}).json()["session"]
        handed = client.post("/api/ask", json={"text": "人工", "session": session}).json()
        number = int(re.search(r"#(\d+)", handed["reply"]).group(1))

        async def reply_elsewhere():
            async with Storage.from_config(cfg) as other:
                return await Desk(other, cfg).staff_reply(number, "我们明天给您打电话。", staff="小李")

        outcome = asyncio.run(reply_elsewhere())
        assert outcome.handoff is not None and outcome.handoff.via == "web"
        messages = client.get("/api/messages", params={"session": session}).json()["messages"]
        assert [m["text"] for m in messages] == ["工会工作人员回复：我们明天给您打电话。"]
        assert client.get("/api/messages", params={"session": session}).json() == {"messages": []}


@pytest.mark.parametrize(("query", "status"), [({}, 400), ({"session": "bad session!"}, 400)])
def test_api_messages_without_a_good_session_is_a_json_400(tmp_path, services, query, status):
    cfg = load_config(write_web_config(tmp_path))
    with LiveServer(cfg, services) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        r = client.get("/api/messages", params=query)
        assert r.status_code == status and "error" in r.json()

