"""Whatever a person types gets a reply: never a traceback, never over Telegram's 4,096 characters."""

from __future__ import annotations

import json
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


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_gets_a_short_reply(answerer, text):
    reply = answerer.answer(text, one_shot=True)
    assert reply.text and len(reply.text) <= 4096
    assert reply.kind in {"faq", "calc", "none"}
    json.dumps(reply.to_json(), ensure_ascii=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_at_all_gets_a_reply(answerer, text):
    reply = answerer.answer(text, one_shot=True)
    assert 0 < len(reply.text) <= 4096


def test_the_jsonl_batch_goes_on_after_hostile_lines():
    lines = ["'; DROP TABLE x; --", "工" * 100_000, "\u202e", "<b>工伤</b>保险可以单独买吗"]
    p = subprocess.run([sys.executable, "-m", "shebao.cli", "ask", "--jsonl"], capture_output=True,
                       input=("\n".join(lines) + "\n").encode("utf-8"), timeout=60)
    objs = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()]
    assert p.returncode == 0 and len(objs) == 4
    assert objs[3]["id"] == "work_injury_standalone"
    assert all(len(o["reply"]) <= 4096 for o in objs)
