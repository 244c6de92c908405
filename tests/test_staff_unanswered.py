"""`shebao unanswered export`: the questions the FAQ could not answer, grouped and counted, as YAML staff fill in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from test_staff_report import CARD, make_database, write_config

from knowledge.loader import load_faq
from shebao.cli import main
from shebao.staff.unanswered import Export, Phrase, _vector, group, to_yaml

NOW = datetime(2024, 6, 1, 4, tzinfo=UTC)

ASKED = [  # (days ago, worker, question, vote)
    (6, 1, "叉车证补贴在哪领", None),
    (5, 2, "叉车证补贴在哪领", None),
    (4, 3, "叉车证补贴在哪领？", None),
    (4, 4, "叉車證補貼在哪領", None),
    (3, 5, "叉车证补贴去哪申请呢", None),
    (3, 6, "公积金怎么提取", None),
    (2, 7, "公积金提取要什么材料", None),
    (2, 8, f"我的卡{CARD}开通了吗", None),
    (1, 9, "工伤保险可以单独买吗", True),  # answered: not on the queue
    (1, 1, "😀😀", None),
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, answerer) -> tuple[str, list]:
    folder = tmp_path_factory.mktemp("unanswered")
    database = make_database(folder / "shebao.db", answerer, ASKED)
    out = folder / "未答问题.yaml"
    assert main(["unanswered", "export", "--config", str(write_config(folder, database)), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    return text, yaml.safe_load(text)


def phrasings(item: dict) -> list[str]:
    return ([item["question"]] if "question" in item else []) + list(item.get("also_asked") or [])


def test_the_export_is_valid_yaml_with_one_item_per_group(exported):
    _, items = exported
    assert isinstance(items, list) and items
    for item in items:
        assert set(item) in ({"add_to", "also_asked"}, {"id", "question", "also_asked"}), item


def test_repeats_and_close_wordings_are_one_group_counted(exported):
    text, items = exported
    forklift = [item for item in items if any("叉车" in p or "叉車" in p for p in phrasings(item))]
    assert len(forklift) == 1, forklift  # with ？, in traditional characters, or asked another way
    assert "叉车证补贴在哪领" in phrasings(forklift[0])
    assert re.search(r"第 1 组：问了 5 次", text)  # 2 + 1 (？) + 1 (traditional) + 1 (申请), most asked first
    # the wording asked most (3 times, with or without ？) leads; each wording carries its count
    assert re.search(r"(question: |- )叉车证补贴在哪领   # .*3 次", text), text
    assert re.search(r"    - 叉車證補貼在哪領   # 1 次", text), text


def test_the_most_asked_group_comes_first(exported):
    _, items = exported
    assert "叉车证补贴在哪领" in phrasings(items[0])


def test_masked_text_stays_masked(exported):
    text, items = exported
    assert CARD not in text
    assert any("6222***********0123" in p for item in items for p in phrasings(item))


def test_answered_questions_and_emoji_are_left_out_and_counted(exported):
    text, items = exported
    assert not any("工伤保险可以单独买吗" in p for item in items for p in phrasings(item))
    assert "# 另有 1 次提问只有表情或符号，没有列出。" in text


def test_comments_tell_staff_what_to_do_in_chinese(exported):
    text, _ = exported
    assert text.startswith("# 未回答的问题（全部还没处理的）：共 8 次提问")
    assert "shebao faq check" in text and "/reload" in text


# -- the skeleton's two shapes, from wordings with known nearest entries ----------------------------


def phrase(answerer, text: str, count: int, best: str | None, score: float) -> Phrase:
    return Phrase(text, count, NOW, best, score, _vector(answerer, text))


def test_a_group_near_an_entry_becomes_also_asked_lines_for_that_id(answerer):
    floor = answerer.config.suggest_threshold
    groups = group([phrase(answerer, "社保卡丢了怎么补办", 3, "e_social_card", floor + 5),
                    phrase(answerer, "社保卡丢了去哪补办", 1, "e_social_card", floor + 2)], answerer)
    found = Export(groups, asked=4, answered_now=[], skipped=0)
    text = to_yaml(found, since=NOW - timedelta(days=7), limit=50, answer_threshold=60, today="2024-06-01")
    assert yaml.safe_load(text) == [{"add_to": "e_social_card", "also_asked": ["社保卡丢了怎么补办", "社保卡丢了去哪补办"]}]
    entry = answerer.entry("e_social_card")
    assert f"最接近的条目：e_social_card「{entry.question}」（knowledge/faq/" in text
    assert f"相似度 {round(floor + 5)} 分" in text
    assert "    - 社保卡丢了怎么补办   # 3 次" in text  # indented as in the FAQ files: ready to copy


def test_a_group_far_from_every_entry_becomes_a_new_entry_skeleton(answerer):
    floor = answerer.config.suggest_threshold  # below it the bot does not even suggest the entry
    groups = group([phrase(answerer, "电动车上牌要多少钱", 2, "union_help", floor - 1),
                    phrase(answerer, "电动车上牌去哪办", 1, "union_help", floor - 3)], answerer)
    found = Export(groups, asked=3, answered_now=[], skipped=0)
    text = to_yaml(found, since=NOW, limit=50, answer_threshold=60, today="2024-06-01")
    assert yaml.safe_load(text) == [{"id": "TODO_new_1", "question": "电动车上牌要多少钱", "also_asked": ["电动车上牌去哪办"]}]
    assert "（2024-06-01 以来）" in text


def test_one_stray_wording_does_not_pull_a_group_to_an_entry(answerer):
    floor = answerer.config.suggest_threshold
    groups = group([phrase(answerer, "公积金怎么提取", 3, "withdraw_refund", floor - 1),
                    phrase(answerer, "公积金提取怎么办", 1, "withdraw_refund", floor + 20)], answerer)
    assert len(groups) == 1 and groups[0].entry is None


def test_a_filled_in_skeleton_is_a_valid_entry_and_an_unfilled_one_is_refused(tmp_path, answerer):
    groups = group([phrase(answerer, "电动车上牌要多少钱", 2, None, 0)], answerer)
    text = to_yaml(Export(groups, 2, [], 0), since=NOW, limit=50, answer_threshold=60, today="2024-06-01")
    (tmp_path / "new.yaml").write_text(text, encoding="utf-8")
    entries, problems = load_faq(tmp_path)
    assert entries == [] and [p.message for p in problems] == [
        f"entry TODO_new_1: {name} is missing" for name in ("answer", "source", "as_of")]

    # what the guide tells staff to do: name it, then write the lines after the # marks
    filled = text.replace("TODO_new_1", "ebike_plate")
    filled = re.sub(r"^  # (short|answer|source|as_of|  )", r"  \1", filled, flags=re.M)
    (tmp_path / "new.yaml").write_text(filled, encoding="utf-8")
    entries, problems = load_faq(tmp_path)
    assert problems == [] and [e.id for e in entries] == ["ebike_plate"]
    assert entries[0].question == "电动车上牌要多少钱" and entries[0].as_of.isoformat() == "2024-06-01"


@pytest.mark.parametrize("wording", ["*** 开头", "工资: 5000 #多少", "- 像列表", "'单引号", '"双引号', "yes",
                                     "123", "有\n换行\t和  空格", "{大括号}", "@at", "% 百分号", "a" * 300])
def test_any_wording_survives_the_yaml(answerer, wording):
    groups = group([phrase(answerer, " ".join(wording.split())[:120], 1, None, 0)], answerer)
    text = to_yaml(Export(groups, 1, [], 0), since=NOW, limit=50, answer_threshold=60, today="2024-06-01")
    [item] = yaml.safe_load(text)
    assert item["question"] == groups[0].phrases[0].text


def test_limit_keeps_the_most_asked_groups_and_says_how_many_more(tmp_path, answerer, capsys):
    database = make_database(tmp_path / "shebao.db", answerer, ASKED)
    config = str(write_config(tmp_path, database))
    assert main(["unanswered", "export", "--config", config, "--limit", "1"]) == 0
    text = capsys.readouterr().out
    assert len(yaml.safe_load(text)) == 1
    assert re.search(r"# 还有 \d+ 组只问过很少几次，没有列出（用 --limit 看更多）。", text)


def test_since_leaves_out_older_questions(tmp_path, answerer, capsys):
    database = make_database(tmp_path / "shebao.db", answerer, ASKED)
    config = str(write_config(tmp_path, database))
    tomorrow = (datetime.now(UTC) + timedelta(hours=8, days=1)).date().isoformat()
    assert main(["unanswered", "export", "--config", config, "--since", tomorrow]) == 0
    assert capsys.readouterr().out == f"# 没有未回答的问题（{tomorrow} 以来）。\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "上个月"], "--since 上个月：日期要写成 2024-05-01 这样"),
    (["--limit", "0"], "--limit 0：要写一个大于 0 的整数"),
])
def test_wrong_options_are_explained(tmp_path, answerer, capsys, args, message):
    database = make_database(tmp_path / "shebao.db", answerer, [])
    try:
        code = main(["unanswered", "export", "--config", str(write_config(tmp_path, database)), *args])
    except SystemExit as exc:  # argparse refuses --limit 0 itself
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_missing_database_is_explained(tmp_path, capsys):
    missing = tmp_path / "nowhere" / "shebao.db"
    assert main(["unanswered", "export", "--config", str(write_config(tmp_path, missing))]) == 2
    assert f"{missing}：找不到问题记录的数据库" in capsys.readouterr().err
    assert not missing.exists()


def test_the_bare_command_says_how_to_use_it(tmp_path, capsys):
    assert main(["unanswered", "--config", str(write_config(tmp_path, Path("x.db")))]) == 2
    assert "shebao unanswered export" in capsys.readouterr().err
