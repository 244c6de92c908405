"""The web chat's HTTP interface (shared/interfaces.md, "The web channel") against the real server."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

import httpx
import pytest
import yaml
from web_server import ROOT, LiveServer, write_web_config

from knowledge.loader import load_faq_strict
from shebao.config import load_config

ASK_FIELDS = {"q", "kind", "id", "best", "score", "suggestions", "reply", "session", "choices", "question_id",
              "source", "as_of", "asking"}
SESSION = re.compile(r"[A-Za-z0-9_-]{16,64}")
ID_CARD, PHONE = "110101199003074514", "13812345678"


@pytest.fixture(scope="module")
def services():
    """The FAQ index and calculators, built once for the module (a second or two)."""
    from shebao.services import build_services

    return build_services(load_config(ROOT / "config.yaml"))


@pytest.fixture(scope="module")
def faq():
    return {e.id: e for e in load_faq_strict(ROOT / "knowledge" / "faq")}


def start(tmp_path, services, **web):
    return LiveServer(load_config(write_web_config(tmp_path, **web)), services)


@pytest.fixture
def live(tmp_path, services):
    with start(tmp_path, services) as server:
        yield server


@pytest.fixture
def client(live):
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


def ask(client, text, session=None):
    return client.post("/api/ask", json={"text": text, "session": session})


def rows(tmp_path, sql, *params):
    with sqlite3.connect(tmp_path / "web.db") as db:
        return db.execute(sql, params).fetchall()


# -- the rows of the interface ------------------------------------------------------------


def test_healthz_counts_the_faq_entries(client, faq):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"ok": True, "faq_entries": len(faq)}


def test_a_question_gets_the_ask_json_fields_with_a_new_session(client, faq):
    r = ask(client, "工伤保险可以单独买吗")
    assert r.status_code == 200
    data = r.json()
    assert set(data) == ASK_FIELDS
    assert (data["q"], data["kind"], data["id"]) == ("工伤保险可以单独买吗", "faq", "work_injury_standalone")
    entry = faq["work_injury_standalone"]
    assert (data["source"], data["as_of"]) == (entry.source, entry.as_of.isoformat())
    assert entry.source in data["reply"] and entry.as_of.isoformat() in data["reply"]
    assert SESSION.fullmatch(data["session"])
    assert isinstance(data["question_id"], int)
    assert data["choices"] == [] and data["suggestions"] == []


def test_every_new_conversation_gets_its_own_session(client):
    sessions = {ask(client, "断缴了怎么办").json()["session"] for _ in range(3)}
    assert len(sessions) == 3


def test_a_calculator_dialog_continues_under_the_session_by_choice_values(client):
    first = ask(client, "我想算养老金能领多少").json()
    assert first["kind"] == "calc" and first["id"] == "calc:pension" and first["asking"] is True
    values = {c["label"]: c["value"] for c in first["choices"]}
    assert "60 岁" in values
    session = first["session"]
    second = ask(client, values["60 岁"], session).json()
    assert second["session"] == session and second["kind"] == "calc"
    assert "几年" in second["reply"]
    third = ask(client, "20年", session).json()
    done = ask(client, third["choices"][0]["value"], session).json()
    assert done["kind"] == "calc" and done["choices"] == [] and done["asking"] is False
    expected = subprocess.run([sys.executable, "-m", "shebao.cli", "calc", "pension", "--age", "60", "--years", "20",
                               "--json"], capture_output=True, text=True, check=True, cwd=ROOT)
    total = json.loads(expected.stdout)["result"]["total"]
    assert f"{total:.2f}" in done["reply"]  # the same figure `shebao calc` gives


def test_a_did_you_mean_choice_opens_that_entry(tmp_path, faq):
    from shebao.services import build_services

    config = write_web_config(tmp_path)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["matcher"] = {"answer_threshold": 101, "suggest_threshold": 1}  # never sure: always "did you mean"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cfg = load_config(config)
    with LiveServer(cfg, build_services(cfg)) as live, httpx.Client(base_url=live.url) as client:
        first = ask(client, "工伤保险可以单独买吗").json()
        assert first["kind"] == "none" and "work_injury_standalone" in first["suggestions"]
        labels = [c["label"] for c in first["choices"]]
        assert len(labels) == len(first["suggestions"]) + 1  # and, last, the hand-off to staff
        assert first["choices"][-1] == {"label": "找工会工作人员", "value": "human"}
        at = first["suggestions"].index("work_injury_standalone")
        assert labels[at] in faq["work_injury_standalone"].question
        picked = ask(client, first["choices"][at]["value"], first["session"]).json()
    assert (picked["kind"], picked["id"]) == ("faq", "work_injury_standalone")
    assert picked["source"] == faq["work_injury_standalone"].source


def test_feedback_is_stored_for_the_question(client, tmp_path):
    qid = ask(client, "工伤保险可以单独买吗").json()["question_id"]
    r = client.post("/api/feedback", json={"question_id": qid, "useful": False})
    assert (r.status_code, r.json()) == (200, {"ok": True})
    assert rows(tmp_path, "SELECT answer_id, useful FROM feedback WHERE question_id = ?", qid) == [
        ("work_injury_standalone", 0)]


def test_feedback_naming_its_session_is_one_vote_per_session(client, tmp_path):
    first = ask(client, "工伤保险可以单独买吗").json()
    qid, session = first["question_id"], first["session"]
    for useful in (True, False):  # a change of mind replaces the vote
        r = client.post("/api/feedback", json={"question_id": qid, "useful": useful, "session": session})
        assert r.json() == {"ok": True}
    assert rows(tmp_path, "SELECT useful FROM feedback WHERE question_id = ?", qid) == [(0,)]


def test_feedback_for_a_question_never_asked_is_not_ok(client):
    r = client.post("/api/feedback", json={"question_id": 987654, "useful": True})
    assert (r.status_code, r.json()) == (200, {"ok": False})


def test_questions_are_stored_masked_as_web_and_sessions_only_as_hashes(client, tmp_path):
    data = ask(client, f"我身份证{ID_CARD}，手机{PHONE}，工伤怎么报销").json()
    stored = rows(tmp_path, "SELECT via, text, user_hash FROM questions")
    assert len(stored) == 1
    via, text, user_hash = stored[0]
    assert via == "web"
    assert ID_CARD not in text and PHONE not in text and "工伤" in text
    assert user_hash and data["session"] not in user_hash
    dump = "\n".join(sqlite3.connect(tmp_path / "web.db").iterdump())
    assert ID_CARD not in dump and PHONE not in dump and data["session"] not in dump


def test_a_dialog_continues_after_a_restart(tmp_path, services):
    with start(tmp_path, services) as first, httpx.Client(base_url=first.url) as c:
        reply = ask(c, "我想算养老金能领多少").json()
    session = reply["session"]
    value = {ch["label"]: ch["value"] for ch in reply["choices"]}["60 岁"]
    with start(tmp_path, services) as second, httpx.Client(base_url=second.url) as c:
        after = ask(c, value, session).json()
    assert after["kind"] == "calc" and after["id"] == "calc:pension" and "几年" in after["reply"]


def test_staff_tools_see_web_questions(client, tmp_path):
    ask(client, "我家的猫不吃饭怎么办呀")
    ask(client, "工伤保险可以单独买吗")
    out = tmp_path / "unanswered.yaml"
    subprocess.run([sys.executable, "-m", "shebao.cli", "unanswered", "export", "--config",
                    str(tmp_path / "config.yaml"), "--out", str(out)], check=True, cwd=tmp_path, timeout=120)
    assert "我家的猫不吃饭怎么办呀" in out.read_text(encoding="utf-8")
    assert rows(tmp_path, "SELECT COUNT(*) FROM questions WHERE via = 'web'") == [(2,)]


# -- the page -----------------------------------------------------------------------------


def test_the_page_is_chinese_with_every_asset_served_here_and_no_inline_script(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="zh-CN">' in page and "12333" in page and "12393" in page and "12351" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no CDN, no other site
    for script in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in script or 'type="application/json"' in script
    for asset, kind in (("app.js", "text/javascript"), ("app.css", "text/css")):
        link = re.search(rf'"/{asset}\?v=(\w+)"', page)
        assert link, asset
        got = client.get(f"/{asset}?v={link.group(1)}")
        assert got.status_code == 200 and got.headers["content-type"].startswith(kind)
        assert "immutable" in got.headers["cache-control"]


def test_the_script_renders_answers_as_text_never_as_html():
    script = (ROOT / "shebao" / "web" / "static" / "app.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script
    assert len(script.encode()) < 8 * 1024  # a few kB for a cheap phone on a weak signal


def test_without_javascript_a_form_post_gets_the_answer_escaped(client):
    r = client.post("/ask", data={"text": "<script>alert(1)</script>工伤保险可以单独买吗", "session": ""})
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    session = re.search(r'name="session" value="([^"]+)"', r.text).group(1)
    assert SESSION.fullmatch(session)


def test_without_javascript_the_calculator_choices_are_form_buttons(client):
    r = client.post("/ask", data={"text": "我想算养老金能领多少"})
    session = re.search(r'name="session" value="([^"]+)"', r.text).group(1)
    value = re.search(r'<button type="submit" name="text" value="([^"]+)">60 岁</button>', r.text).group(1)
    nxt = client.post("/ask", data={"text": value, "session": session})
    assert "几年" in nxt.text


def test_a_share_link_opens_that_answer(client, faq, tmp_path):
    entry = faq["work_injury_standalone"]
    r = client.get("/", params={"faq": entry.id})
    assert r.status_code == 200
    assert entry.question in r.text and entry.source in r.text
    assert f'href="/?faq={entry.id}"' in r.text
    assert rows(tmp_path, "SELECT via, answer_id FROM questions") == [("web", entry.id)]


def test_a_share_link_to_a_removed_entry_says_so(client):
    r = client.get("/", params={"faq": "no_such_entry"})
    assert r.status_code == 200 and "不存在" in r.text


def test_without_javascript_feedback_is_a_form_too(client, tmp_path):
    qid = ask(client, "工伤保险可以单独买吗").json()["question_id"]
    r = client.post("/feedback", data={"question_id": str(qid), "useful": "1"})
    assert r.status_code == 200 and "谢谢" in r.text
    assert rows(tmp_path, "SELECT useful FROM feedback WHERE question_id = ?", qid) == [(1,)]


# -- headers, bad requests, limits --------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/healthz", "/nope", "/app.js"])
def test_every_response_carries_the_security_headers(client, path):
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "server" not in r.headers


BAD_ASKS = [
    pytest.param(b"", id="empty body"),
    pytest.param(b"text=hello", id="not JSON"),
    pytest.param(b'{"text": "a"', id="cut-off JSON"),
    pytest.param(b'["a"]', id="an array"),
    pytest.param(b'"a"', id="a string"),
    pytest.param(b"{}", id="text missing"),
    pytest.param(b'{"text": 5}', id="text a number"),
    pytest.param(b'{"text": null}', id="text null"),
    pytest.param(b'{"text": ["a"]}', id="text a list"),
    pytest.param(b'{"text": "a", "session": 7}', id="session a number"),
    pytest.param(b'{"text": "a", "session": "../../etc"}', id="session malformed"),
    pytest.param(b'{"text": "a", "extra": 1}', id="an unknown field"),
    pytest.param(b'\xff\xfe{"text": "a"}', id="not UTF-8"),
    pytest.param(b'{"text": "\\ud800"}', id="a lone surrogate"),
    pytest.param(json.dumps({"text": "问" * 4001}).encode(), id="text too long"),
]


@pytest.mark.parametrize("body", BAD_ASKS)
def test_a_bad_ask_is_a_400_with_a_json_error(client, body):
    r = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert isinstance(r.json()["error"], str) and r.json()["error"]


def test_the_400_names_the_wrong_field(client):
    assert "text" in client.post("/api/ask", content=b'{"text": 5}').json()["error"]
    assert "text" in client.post("/api/ask", content=b"{}").json()["error"]


BAD_FEEDBACK = [
    pytest.param(b"{}", id="empty object"),
    pytest.param(b'{"question_id": "1", "useful": true}', id="id a string"),
    pytest.param(b'{"question_id": true, "useful": true}', id="id a boolean"),
    pytest.param(b'{"question_id": 0, "useful": true}', id="id zero"),
    pytest.param(b'{"question_id": -4, "useful": true}', id="id negative"),
    pytest.param(b'{"question_id": 1.5, "useful": true}', id="id a fraction"),
    pytest.param(b'{"question_id": 99999999999999999999999, "useful": true}', id="id too big"),
    pytest.param(b'{"question_id": 1}', id="useful missing"),
    pytest.param(b'{"question_id": 1, "useful": "yes"}', id="useful a string"),
    pytest.param(b'{"question_id": 1, "useful": 1}', id="useful a number"),
    pytest.param(b'{"question_id": 1, "useful": true, "session": "short"}', id="session malformed"),
    pytest.param(b"yes", id="not JSON"),
]


@pytest.mark.parametrize("body", BAD_FEEDBACK)
def test_bad_feedback_is_a_400_with_a_json_error(client, body):
    r = client.post("/api/feedback", content=body)
    assert r.status_code == 400 and r.json()["error"]


def test_a_body_over_64_kib_is_refused_with_413(client):
    just = json.dumps({"text": "a" * (64 * 1024 - 12)}).encode()
    assert len(just) == 64 * 1024
    assert client.post("/api/ask", content=just).status_code == 400  # within the limit: too long a text
    r = client.post("/api/ask", content=just + b" ")
    assert r.status_code == 413 and r.json()["error"]


def test_a_chunked_body_is_cut_off_while_reading(client):
    def chunks():
        for _ in range(64):  # 4 MiB, without a Content-Length to refuse it by
            yield b"x" * 65536

    r = client.post("/api/ask", content=chunks())
    assert "content-length" not in r.request.headers
    assert r.status_code == 413 and r.json()["error"]


def test_a_flood_from_one_session_gets_a_polite_429(client):
    session = ask(client, "断缴了怎么办").json()["session"]
    codes = [ask(client, "断缴了怎么办", session).status_code for _ in range(5)]
    assert codes[:4] == [200] * 4 and codes[4] == 429  # burst 5 in the test config
    r = ask(client, "断缴了怎么办", session)
    assert r.status_code == 429 and "稍等" in r.json()["error"]
    assert ask(client, "断缴了怎么办").status_code == 200  # another worker is still answered


def test_a_flood_from_one_address_gets_a_polite_429(tmp_path, services):
    with start(tmp_path, services, address_per_minute=3) as live, httpx.Client(base_url=live.url) as c:
        codes = [ask(c, "断缴了怎么办").status_code for _ in range(4)]  # a new session each time
        r = ask(c, "断缴了怎么办")
    assert codes == [200, 200, 200, 429]
    assert r.status_code == 429 and "稍等" in r.json()["error"]


def test_behind_a_proxy_on_this_machine_the_limit_counts_the_forwarded_address(tmp_path, services):
    def from_(c, address):
        return c.post("/api/ask", json={"text": "断缴了怎么办"}, headers={"X-Forwarded-For": address}).status_code

    with start(tmp_path, services, address_per_minute=2) as live, httpx.Client(base_url=live.url) as c:
        first = [from_(c, "203.0.113.7") for _ in range(3)]
        other = from_(c, "198.51.100.9")
    assert first == [200, 200, 429] and other == 200


def test_unknown_paths_and_methods_are_json_errors(client):
    r = client.get("/api/nope")
    assert r.status_code == 404 and r.json()["error"]
    r = client.get("/api/ask")
    assert r.status_code == 405 and r.json()["error"]
    assert client.get("/index.html").status_code == 404  # the page's template is not a file to fetch


def test_a_bug_is_a_polite_500_without_trace_or_path(live, client, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError(f"boom in {ROOT}/shebao/secret.py")

    monkeypatch.setattr(live.web.conversation, "handle", broken)
    r = ask(client, "工伤保险可以单独买吗")
    assert r.status_code == 500
    assert "12333" in r.json()["error"]
    assert "boom" not in r.text and "Traceback" not in r.text and str(ROOT) not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
