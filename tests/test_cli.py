"""The `shebao` command line keeps the contract of shared/interfaces.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"q", "kind", "id", "best", "score", "suggestions", "reply"}


def shebao(*args: str, stdin: bytes | None = None, cwd: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}  # the CLI must not depend on the locale
    return subprocess.run([sys.executable, "-m", "shebao.cli", *args], input=stdin, capture_output=True,
                          cwd=cwd, env=env, timeout=timeout)


def test_ask_prints_the_reply_a_worker_sees():
    p = shebao("ask", "工伤保险可以单独买吗")
    assert p.returncode == 0
    text = p.stdout.decode("utf-8")
    assert "工伤" in text and "依据" in text


def test_ask_json_prints_one_object_with_the_fixed_keys():
    p = shebao("ask", "--json", "工伤保险可以单独买吗")
    obj = json.loads(p.stdout)
    assert set(obj) >= KEYS
    assert (obj["kind"], obj["id"], obj["best"]) == ("faq", "work_injury_standalone", "work_injury_standalone")
    assert 0 <= obj["score"] <= 100 and obj["suggestions"] == []


def test_ask_jsonl_answers_every_line_in_order_even_empty_and_broken_ones():
    lines = ["工伤保险可以单独买吗", "", "你好", "\x00\x07控制字符", "今天天气怎么样", "月薪七千，每月个人要交多少社保"]
    data = ("\n".join(lines) + "\n").encode("utf-8") + b"\xff\xfe broken utf-8\n"
    p = shebao("ask", "--jsonl", stdin=data)
    assert p.returncode == 0, p.stderr
    objs = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()]
    assert len(objs) == len(lines) + 1
    assert all(set(o) >= KEYS for o in objs)
    assert [o["kind"] for o in objs[:3]] == ["faq", "none", "none"]
    assert objs[0]["q"] == lines[0]
    assert objs[5]["id"] == "calc:contribution" and "735.00" in objs[5]["reply"]


def test_faq_list_json_gives_id_question_source_and_date():
    p = shebao("faq", "list", "--json")
    rows = json.loads(p.stdout)
    assert len(rows) >= 41
    assert all(set(r) == {"id", "question", "source", "as_of"} for r in rows)


def test_faq_check_passes_on_the_shipped_faq_and_fails_on_a_broken_copy(tmp_path):
    assert shebao("faq", "check").returncode == 0
    (tmp_path / "bad.yaml").write_text("- id: a\n  question: [\n", encoding="utf-8")
    p = shebao("faq", "check", "--knowledge", str(tmp_path))
    assert p.returncode == 1
    assert p.stdout.decode("utf-8").startswith(f"{tmp_path / 'bad.yaml'}:3: not valid YAML")


def test_knowledge_option_answers_from_another_folder(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "- id: rent\n  question: 租赁合同应当以什么形式订立\n  answer: 书面形式。\n  source: 民法典\n  as_of: 2021-01-01\n",
        encoding="utf-8")
    p = shebao("ask", "--json", "--knowledge", str(tmp_path), "租赁合同要用什么形式订立")
    assert json.loads(p.stdout)["id"] == "rent"
    p = shebao("--knowledge", str(tmp_path), "ask", "--json", "租赁合同应当以什么形式订立")
    assert json.loads(p.stdout)["id"] == "rent"


def test_a_missing_config_or_folder_is_one_line_and_exit_2(tmp_path):
    p = shebao("ask", "--config", str(tmp_path / "nope.yaml"), "工伤")
    assert p.returncode == 2 and p.stderr.decode().count("\n") == 1 and b"Traceback" not in p.stderr
    p = shebao("ask", "--knowledge", str(tmp_path / "nope"), "工伤")
    assert p.returncode == 2 and b"Traceback" not in p.stderr


def test_a_broken_faq_folder_stops_ask_with_path_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("- id: a\n  question: q\n", encoding="utf-8")
    p = shebao("ask", "--knowledge", str(tmp_path), "工伤")
    assert p.returncode == 1
    assert f"{tmp_path / 'bad.yaml'}:1: entry a: answer is missing" in p.stderr.decode("utf-8")


def test_it_works_from_any_folder_with_the_packaged_faq(tmp_path):
    p = shebao("ask", "--json", "失业金怎么领", cwd=tmp_path)
    assert json.loads(p.stdout)["id"] == "unemployment_benefit"


def test_chat_keeps_a_calculator_conversation_going():
    p = shebao("chat", stdin="医保交了18年，退休还差几年\n男\n退出\n".encode())
    text = p.stdout.decode("utf-8")
    assert p.returncode == 0
    assert "12" in text.split("社保助手：")[-1]


@pytest.mark.parametrize("command", ["ask", "chat", "faq check", "faq list", "faq test", "calc", "run",
                                     "unanswered export", "report"])
def test_every_command_is_in_the_readme(command):
    assert f"shebao {command}" in (ROOT / "README.md").read_text(encoding="utf-8")
