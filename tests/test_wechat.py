"""`/wechat` (shared/interfaces.md, "WeChat Official Account") driven over HTTP with signed XML as
WeChat sends it, in plain mode and in 安全模式 (AES), against the real web server."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import sqlite3
import time

import httpx
import pytest
import xmltodict
import yaml
from web_server import ROOT, LiveServer, write_web_config
from wechat_stub import CustomerServiceStub
from wechatpy.crypto import WeChatCrypto

from shebao.config import load_config

TOKEN = "shebaotesttoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as the console makes them
APP_ID = "wx1234567890abcdef"
ACCOUNT = "gh_union_account"
PUBLIC_URL = "https://shebao.example.cn"
ID_CARD, PHONE = "110101199003074514", "13812345678"
_msg_ids = itertools.count(7_000_000_000_000_000_001)


def signature(token: str, *parts: str) -> str:
    """WeChat's signature: the SHA-1 hex of the sorted, concatenated parts (written out here on purpose,
    not taken from the library the program uses)."""
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()


def text_xml(openid: str, content: str, msg_id: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or next(_msg_ids)}</MsgId></xml>")


def event_xml(openid: str, event: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event></xml>")


def image_xml(openid: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
            f"<PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[media1]]></MediaId>"
            f"<MsgId>{next(_msg_ids)}</MsgId></xml>")


class WeChatServer:
    """Plays WeChat's side: signs (and in safe mode encrypts) each POST and reads the passive reply."""

    def __init__(self, client: httpx.Client, safe: bool):
        self.client = client
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID) if safe else None
        self.nonces = itertools.count(1000)

    def query(self, openid: str | None = None, token: str = TOKEN) -> dict[str, str]:
        ts, nonce = str(int(time.time())), str(next(self.nonces))
        q = {"signature": signature(token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if openid:
            q["openid"] = openid
        return q

    def post_raw(self, xml: str | bytes, openid: str = "o_worker", token: str = TOKEN) -> httpx.Response:
        q = self.query(openid, token)
        body = xml
        if self.crypto is not None:
            sealed = xmltodict.parse(self.crypto.encrypt_message(xml, q["nonce"], q["timestamp"]))["xml"]
            body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>"
            q.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        return self.client.post("/wechat", params=q, content=body)

    def reply(self, r: httpx.Response) -> dict | str:
        """The passive reply's fields, or the body `success`."""
        assert r.status_code == 200, r.text
        if r.text == "success":
            return "success"
        xml = r.text
        if self.crypto is not None:
            sealed = xmltodict.parse(xml)["xml"]
            assert "Content" not in sealed  # the answer travels encrypted
            xml = self.crypto.decrypt_message(xml, sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"])
        return xmltodict.parse(xml)["xml"]

    def send(self, openid: str, content: str, msg_id: int | None = None) -> dict | str:
        return self.reply(self.post_raw(text_xml(openid, content, msg_id), openid))


@pytest.fixture(scope="module")
def services():
    from shebao.services import build_services

    return build_services(load_config(ROOT / "config.yaml"))


def wechat_config(tmp_path, monkeypatch, safe: bool, api_base: str | None = None):
    path = write_web_config(tmp_path, public_url=PUBLIC_URL)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["wechat"] = {"token_env": "SHEBAO_TEST_WECHAT_TOKEN", "app_secret_env": "SHEBAO_TEST_WECHAT_SECRET",
                      "aes_key_env": "SHEBAO_TEST_WECHAT_AES" if safe else None,
                      "app_id": APP_ID if safe or api_base else None}
    if api_base:
        data["wechat"]["api_base"] = api_base
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SHEBAO_TEST_WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("SHEBAO_TEST_WECHAT_AES", AES_KEY)
    monkeypatch.setenv("SHEBAO_TEST_WECHAT_SECRET", "appsecret")
    return load_config(path)


@pytest.fixture(params=["plain", "safe"])
def mode(request):
    return request.param


@pytest.fixture
def live(tmp_path, monkeypatch, services, mode):
    with LiveServer(wechat_config(tmp_path, monkeypatch, mode == "safe"), services) as server:
        yield server


@pytest.fixture
def wechat(live, mode):
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield WeChatServer(c, mode == "safe")


def rows(tmp_path, sql, *params):
    with sqlite3.connect(tmp_path / "web.db") as db:
        return db.execute(sql, params).fetchall()


# -- the server check and signatures ----------------------------------------------------------


def test_the_server_check_echoes_echostr_when_signed_with_the_token(wechat):
    r = wechat.client.get("/wechat", params={**wechat.query(), "echostr": "4419012893"})
    assert (r.status_code, r.text) == (200, "4419012893")


def test_the_server_check_with_another_token_is_refused(wechat):
    r = wechat.client.get("/wechat", params={**wechat.query(token="not-the-token"), "echostr": "4419012893"})
    assert r.status_code == 403
    assert "4419012893" not in r.text


def test_a_message_with_a_wrong_signature_gets_403_and_is_logged_without_the_body(wechat, caplog):
    secret_question = f"我的身份证{ID_CARD}工伤怎么办"
    r = wechat.post_raw(text_xml("o_worker", secret_question), token="not-the-token")
    assert r.status_code == 403
    assert "wrong signature" in caplog.text
    assert ID_CARD not in caplog.text and "工伤怎么办" not in caplog.text


def test_a_message_without_any_signature_gets_403(wechat):
    r = wechat.client.post("/wechat", content=text_xml("o_worker", "工伤保险可以单独买吗"))
    assert r.status_code == 403


# -- text questions ---------------------------------------------------------------------------


def test_a_text_question_gets_the_answer_as_a_passive_reply(wechat, services):
    reply = wechat.send("o_worker_1", "工伤保险可以单独买吗")
    entry = services.answerer.entry("work_injury_standalone")
    assert reply["MsgType"] == "text"
    assert (reply["ToUserName"], reply["FromUserName"]) == ("o_worker_1", ACCOUNT)  # swapped
    assert abs(int(reply["CreateTime"]) - time.time()) < 60
    assert "单独参保" in reply["Content"]
    assert entry.source in reply["Content"] and entry.as_of.isoformat() in reply["Content"]
    assert len(reply["Content"].encode("utf-8")) <= 2048


def test_a_calculator_dialog_over_three_messages_with_numbered_choices(wechat):
    first = wechat.send("o_calc", "我想算养老金能领多少")["Content"]
    assert "几岁退休" in first
    numbered = dict(re.findall(r"回复 (\d) 选择：(.+)", first))
    assert numbered["1"] == "50 岁" and numbered["3"] == "60 岁"
    second = wechat.send("o_calc", "3")["Content"]  # "3" picks 60 岁
    assert "几年" in second
    third = wechat.send("o_calc", "20年")["Content"]
    assert "个人账户" in third and "回复 1 选择：不知道" in third
    done = wechat.send("o_calc", "1")["Content"]  # 不知道
    assert "回复 1" not in done and "养老金" in done
    assert re.search(r"\d+\.\d\d", done)  # a figure in yuan


def test_another_worker_does_not_continue_someone_elses_dialog(wechat):
    wechat.send("o_first", "我想算养老金能领多少")
    other = wechat.send("o_second", "20年")["Content"]
    assert "个人账户" not in other


def test_a_retried_msgid_is_answered_once_with_the_same_reply(wechat, tmp_path):
    msg_id = next(_msg_ids)
    replies = [wechat.send("o_retry", "工伤保险可以单独买吗", msg_id) for _ in range(3)]  # WeChat retries 3 times
    assert replies[0]["Content"] == replies[1]["Content"] == replies[2]["Content"]
    assert rows(tmp_path, "SELECT COUNT(*) FROM questions WHERE via = 'wechat'") == [(1,)]


def test_a_retried_msgid_reaching_another_process_is_stored_once(tmp_path, monkeypatch, services):
    """Behind a load balancer WeChat's retry may reach another worker process (or this one after a
    restart), which has not seen the MsgId: it answers again, but the store keeps one question."""
    cfg = wechat_config(tmp_path, monkeypatch, safe=False)
    msg_id = next(_msg_ids)
    with LiveServer(cfg, services) as first, LiveServer(cfg, services) as second, \
            httpx.Client(base_url=first.url, timeout=30) as a, httpx.Client(base_url=second.url, timeout=30) as b:
        replies = [WeChatServer(client, safe=False).send("o_balanced", "工伤保险可以单独买吗", msg_id)
                   for client in (a, b)]
        again = next(_msg_ids)  # a new MsgId: the worker asked again
        other = WeChatServer(b, safe=False).send("o_balanced", "工伤保险可以单独买吗", again)
    assert all("单独参保" in r["Content"] for r in [*replies, other])
    assert rows(tmp_path, "SELECT origin FROM questions WHERE via = 'wechat' ORDER BY id") == [
        (f"wechat:{msg_id}",), (f"wechat:{again}",)]


def test_a_long_answer_is_shortened_under_2048_bytes_with_a_link_to_the_full_answer(wechat, live, monkeypatch):
    core = live.web.conversation
    real = core.handle

    async def long_answer(*args, **kwargs):
        reply = await real(*args, **kwargs)
        reply.text = ("工伤保险由单位缴纳，个人不缴费。" * 300)[:4000]
        return reply

    monkeypatch.setattr(core, "handle", long_answer)
    content = wechat.send("o_long", "工伤保险可以单独买吗")["Content"]
    assert len(content.encode("utf-8")) <= 2048
    assert len(content.encode("utf-8")) > 1900  # shortened, not cut to nothing
    assert content.startswith("工伤保险由单位缴纳")
    assert content.endswith(f"{PUBLIC_URL}/?faq=work_injury_standalone")


# -- events and other types -------------------------------------------------------------------


def test_subscribe_gets_the_greeting_with_example_questions(wechat):
    reply = wechat.reply(wechat.post_raw(event_xml("o_new", "subscribe"), "o_new"))
    assert reply["ToUserName"] == "o_new"
    assert "社保助手" in reply["Content"] and "工伤保险可以单独买吗" in reply["Content"]


def test_unsubscribe_gets_success(wechat):
    assert wechat.reply(wechat.post_raw(event_xml("o_gone", "unsubscribe"), "o_gone")) == "success"


def test_an_image_gets_a_short_note_asking_for_text(wechat, tmp_path):
    reply = wechat.reply(wechat.post_raw(image_xml("o_pic"), "o_pic"))
    assert "文字" in reply["Content"]
    assert rows(tmp_path, "SELECT COUNT(*) FROM questions") == [(0,)]


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    "<xml><ToUserName>gh</ToUserName><FromUserName>o",  # cut off
    "not xml at all",
    "<xml><ToUserName>gh</ToUserName></xml>",  # no MsgType, no sender
    "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>hi</Content><MsgId>not-a-number</MsgId></xml>",
    "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>soon</CreateTime>"
    "<MsgType>event</MsgType><Event>subscribe</Event></xml>",
    "",
])
def test_broken_xml_gets_400(wechat, body):
    assert wechat.post_raw(body).status_code == 400


def test_huge_xml_gets_400(wechat):
    huge = text_xml("o_big", "工" * 40_000)  # 120 kB
    assert wechat.post_raw(huge).status_code == 400


def test_an_entity_expansion_is_refused(wechat):
    bomb = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
            f"<xml><ToUserName>gh</ToUserName><FromUserName>o_x</FromUserName><CreateTime>1</CreateTime>"
            f"<MsgType>text</MsgType><Content>&b;</Content><MsgId>{next(_msg_ids)}</MsgId></xml>")
    r = wechat.post_raw(bomb)
    assert r.status_code == 400


# -- storage ----------------------------------------------------------------------------------


def test_questions_are_stored_masked_as_wechat_and_the_openid_only_as_a_hash(wechat, tmp_path):
    openid = "oXyZ_worker_openid_123"
    wechat.send(openid, f"我手机{PHONE}身份证{ID_CARD}，工伤保险可以单独买吗")
    stored = rows(tmp_path, "SELECT via, text, user_hash FROM questions")
    assert len(stored) == 1
    via, text, user_hash = stored[0]
    assert via == "wechat"
    assert PHONE not in text and ID_CARD not in text and "工伤保险" in text
    assert user_hash and openid not in user_hash
    with sqlite3.connect(tmp_path / "web.db") as db:
        dump = "\n".join(db.iterdump())
    assert openid not in dump and PHONE not in dump and ID_CARD not in dump


# -- late answers as customer-service messages ------------------------------------------------


def test_an_answer_not_ready_in_time_is_sent_as_a_customer_service_message(tmp_path, monkeypatch, services):
    import shebao.wechat.endpoint as endpoint

    stub = CustomerServiceStub().start()
    stub.fail_next = [500, ("errcode", 42001)]  # a server error, then "access token expired"
    monkeypatch.setattr(endpoint, "PASSIVE_TIMEOUT", 0.3)
    try:
        cfg = wechat_config(tmp_path, monkeypatch, safe=False, api_base=stub.base_url)
        with LiveServer(cfg, services) as live, httpx.Client(base_url=live.url, timeout=30) as c:
            core = live.web.conversation
            real = core.handle

            async def slow(*args, **kwargs):
                await asyncio.sleep(1.0)
                return await real(*args, **kwargs)

            monkeypatch.setattr(core, "handle", slow)
            wechat = WeChatServer(c, safe=False)
            started = time.monotonic()
            assert wechat.send("o_late", "工伤保险可以单独买吗") == "success"
            assert time.monotonic() - started < 1.0  # the passive reply did not wait for the answer
            assert stub.got_message.wait(15)
    finally:
        stub.stop()
    assert len(stub.sent) == 1
    sent = stub.sent[0]
    assert (sent["touser"], sent["msgtype"]) == ("o_late", "text")
    assert "单独参保" in sent["text"]["content"]
    assert "单独参保".encode() in sent["raw"]  # UTF-8 as it is, not \u escapes
    assert stub.tokens_issued[0] == {"grant_type": "client_credential", "appid": APP_ID, "secret": "appsecret"}
    assert len(stub.tokens_issued) == 2  # fetched again after 42001, not for every message


def test_no_customer_service_message_after_the_48_hours(monkeypatch):
    from shebao.wechat.customer import CustomerService

    stub = CustomerServiceStub().start()
    now = [1_000_000.0]
    try:
        cs = CustomerService(stub.base_url, APP_ID, "appsecret", clock=lambda: now[0], backoff=0)

        async def scenario():
            try:
                never = await cs.send_text("o_silent", "您好")  # never wrote to the account
                cs.heard_from("o_recent")
                now[0] += 47 * 3600
                inside = await cs.send_text("o_recent", "工作人员的回复")
                now[0] += 2 * 3600
                after = await cs.send_text("o_recent", "太晚了")
                return never, inside, after
            finally:
                await cs.aclose()

        assert asyncio.run(scenario()) == (False, True, False)
    finally:
        stub.stop()
    assert [m["text"]["content"] for m in stub.sent] == ["工作人员的回复"]


def test_a_customer_service_api_that_keeps_failing_raises_after_the_retries():
    from shebao.wechat.customer import CustomerService, CustomerServiceError

    stub = CustomerServiceStub().start()
    stub.fail_next = [503] * 10
    try:
        cs = CustomerService(stub.base_url, APP_ID, "appsecret", retries=2, backoff=0)
        cs.heard_from("o_w")

        async def scenario():
            try:
                await cs.send_text("o_w", "回复")
            finally:
                await cs.aclose()

        with pytest.raises(CustomerServiceError, match="HTTP 503 after 3 tries"):
            asyncio.run(scenario())
    finally:
        stub.stop()
    assert stub.fail_next == [503] * 7 and stub.sent == []


@pytest.mark.parametrize(("aes", "app_id", "complaint"), [
    ("too-short", APP_ID, "wechat.aes_key_env: the EncodingAESKey must be the console's 43 letters and digits"),
    (AES_KEY, None, "wechat.app_id: 安全模式 (aes_key_env) needs the account's AppID"),
])
def test_a_bad_safe_mode_setting_is_a_clear_config_error(tmp_path, monkeypatch, aes, app_id, complaint):
    from shebao.config import ConfigError
    from shebao.wechat.endpoint import wechat_routes

    cfg = wechat_config(tmp_path, monkeypatch, safe=True)
    cfg.raw["wechat"]["app_id"] = app_id
    monkeypatch.setenv("SHEBAO_TEST_WECHAT_AES", aes)
    with pytest.raises(ConfigError) as err:
        wechat_routes(cfg)
    assert str(err.value) == f"{cfg.source}: {complaint}"


def test_without_the_token_variable_there_is_no_wechat_endpoint(tmp_path, monkeypatch):
    from shebao.wechat.endpoint import wechat_routes

    cfg = wechat_config(tmp_path, monkeypatch, safe=False)
    monkeypatch.delenv("SHEBAO_TEST_WECHAT_TOKEN")
    assert wechat_routes(cfg) == []


def test_a_retry_arriving_while_the_first_is_answered_waits_for_the_same_reply(wechat, live, tmp_path,
                                                                              monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    core = live.web.conversation
    real = core.handle
    calls = []

    async def slow(*args, **kwargs):
        calls.append(args)
        await asyncio.sleep(1.0)
        return await real(*args, **kwargs)

    monkeypatch.setattr(core, "handle", slow)
    msg_id = next(_msg_ids)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(wechat.send, "o_race", "工伤保险可以单独买吗", msg_id)
        time.sleep(0.3)
        second = pool.submit(wechat.send, "o_race", "工伤保险可以单独买吗", msg_id)
        replies = [first.result(), second.result()]
    assert len(calls) == 1
    assert replies[0]["Content"] == replies[1]["Content"] and "单独参保" in replies[0]["Content"]
    assert rows(tmp_path, "SELECT COUNT(*) FROM questions WHERE via = 'wechat'") == [(1,)]


@pytest.mark.parametrize("encrypt", ["AAAA", "bm90IGEgY2lwaGVydGV4dCBhdCBhbGwhISEhISEhISEhISEhISEhIQ==", "%%%", ""])
def test_in_safe_mode_a_correctly_signed_but_undecryptable_message_gets_400(tmp_path, monkeypatch, services,
                                                                           encrypt):
    with LiveServer(wechat_config(tmp_path, monkeypatch, safe=True), services) as live, \
            httpx.Client(base_url=live.url, timeout=30) as c:
        wechat = WeChatServer(c, safe=True)
        q = wechat.query("o_x")
        q.update(encrypt_type="aes", msg_signature=signature(TOKEN, q["timestamp"], q["nonce"], encrypt))
        body = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt>{encrypt}</Encrypt></xml>"
        assert c.post("/wechat", params=q, content=body).status_code == 400
        # and a plain message is not taken in 安全模式
        plain = {k: v for k, v in wechat.query("o_x").items()}
        assert c.post("/wechat", params=plain, content=text_xml("o_x", "工伤保险可以单独买吗")).status_code == 400


def test_mangled_messages_get_a_reply_or_400_never_a_server_error(wechat):
    import random

    rng = random.Random(14)
    valid = text_xml("o_fuzz", "工伤保险可以单独买吗")
    for _ in range(40):
        chars = list(valid)
        for _ in range(rng.randint(1, 6)):
            i = rng.randrange(len(chars))
            chars[i:i + rng.randint(0, 8)] = rng.choice(["", "<", ">", "&", "]]>", "\x00", "工", "<xml>"])
        r = wechat.post_raw("".join(chars), "o_fuzz")
        assert r.status_code in (200, 400), (r.status_code, "".join(chars))
