"""Whatever a person types gets a reply: never a traceback, never over Telegram's 4,096 characters,
and nothing logged as an error (errors raise where they happen, so a bug here fails the test)."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HOSTILE = [
    "",
    "   \t  ",
    "工" * 100_000,
    "社保" + "\x00\x01\x02\x1b[31m" + "怎么交",
    "\u202e工伤保险可以单独买吗\u202c",  # right-to-left override
    "\u200b\u200d\ufeff",
    "𠀀𪚥𰻞𰻞面 社保",  # rare CJK outside the basic plane
    "'; DROP TABLE questions; --",
    "<script>alert(1)</script> 工伤",
    "<b>失业金</b> &amp; 医保",
    "🙏🙏🙏😭😭",
    "a" * 5000,
    "1" * 400,
    "ｇｏｎｇｓｈａｎｇ ｂａｏｘｉａｎ",
    "工资" + "9" * 300 + "社保交多少",
    "\udcff工伤",  # a lone surrogate, as a broken client may send
]


def errors_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_gets_a_short_reply(answerer, text, caplog):
    with caplog.at_level(logging.WARNING):
        reply = answerer.answer(text, one_shot=True)
    assert reply.text and len(reply.text) <= 4096
    assert reply.kind in {"faq", "calc", "none"}
    json.dumps(reply.to_json(), ensure_ascii=False)
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_goes_through_a_whole_turn_of_the_core(answerer, text, caplog):
    from shebao.conversation import Conversation
    from shebao.services import services_around

    core = Conversation(services_around(answerer), None)
    with caplog.at_level(logging.WARNING):
        first = asyncio.run(core.handle("web", "h", "h", text))
        again = asyncio.run(core.handle("web", "h", "h", text))  # as the follow-up of whatever came first
    assert 0 < len(first.text) <= 4096 and 0 < len(again.text) <= 4096
    assert errors_logged(caplog) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text_at_all_gets_a_reply(answerer, text, caplog):
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        reply = answerer.answer(text, one_shot=True)
    assert 0 < len(reply.text) <= 4096
    assert errors_logged(caplog) == []


def test_the_jsonl_batch_goes_on_after_hostile_lines():
    lines = ["'; DROP TABLE x; --", "工" * 100_000, "\u202e", "<b>工伤</b>保险可以单独买吗"]
    p = subprocess.run([sys.executable, "-m", "shebao.cli", "ask", "--jsonl"], capture_output=True,
                       input=("\n".join(lines) + "\n").encode("utf-8"), timeout=60)
    objs = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()]
    assert p.returncode == 0 and len(objs) == 4
    assert b"ERROR" not in p.stderr and b"Traceback" not in p.stderr
    assert objs[3]["id"] == "work_injury_standalone"
    assert all(len(o["reply"]) <= 4096 for o in objs)
