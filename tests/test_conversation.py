"""The conversation core without Telegram: dialogs across turns and restarts, the flood limit,
recording (masked), the numbered "did you mean" reply, feedback. The store is SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from test_store import run_sql

from shebao.config import load_config
from shebao.conversation import ENTRY_CHOICE, Conversation, picked_number
from shebao.service import Reply, texts
from shebao.services import services_around
from shebao.store import Storage

ROOT = Path(__file__).resolve().parent.parent
PENSION = "我想算算养老金"  # a request to calculate without the numbers: the calculator asks
STANDALONE_Q = "工伤保险可以单独买吗"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"storage": {"path": str(tmp_path / "core.db")}}), encoding="utf-8")
    return load_config(path)


@pytest.fixture
def services(answerer, config):
    return services_around(answerer, config)


def opened(target) -> Storage:
    return Storage(target["path"], url=target.get("url"))


@pytest.fixture
async def store(store_target):
    async with opened(store_target) as st:
        yield st


@pytest.fixture
def rows(store_target):
    """rows(SQL): what the database holds, read from outside the store."""
    return lambda sql: run_sql(store_target, sql)


async def test_a_calculator_dialog_goes_on_across_turns_and_ends_with_the_figure(services, store, rows):
    core = Conversation(services, store)
    first = await core.handle("web", "s1", "s1", PENSION)
    assert first.kind == "calc" and first.id == "calc:pension" and first.choices and first.turn == 1
    assert await rows("SELECT turn FROM conversations") == [(1,)]
    second = await core.handle("web", "s1", "s1", "60岁")
    assert second.kind == "calc" and second.turn == 2 and "几年" in second.text
    third = await core.handle("web", "s1", "s1", "交了20年")
    assert third.kind == "calc" and third.turn == 3
    [(label, value)] = third.choices  # 不知道: the account is estimated
    done = await core.handle("web", "s1", "s1", value)
    assert done.kind == "calc" and done.calc_state is None and done.turn is None
    assert "元" in done.text
    assert await rows("SELECT COUNT(*) FROM conversations") == [(0,)]  # the dialog is over


async def test_a_dialog_survives_a_restart_over_the_same_store(services, store_target):
    async with opened(store_target) as st:
        asked = await Conversation(services, st).handle("web", "s2", "s2", PENSION)
    assert asked.kind == "calc"
    async with opened(store_target) as st:  # a new process: new core, new connection
        reply = await Conversation(services, st).handle("web", "s2", "s2", "60岁")
    assert reply.kind == "calc" and reply.id == "calc:pension" and reply.turn == 2
    async with opened(store_target) as st:  # another session was never asked anything
        other = await Conversation(services, st).handle("web", "s3", "s3", "60岁")
    assert other.id != "calc:pension" or other.turn == 1


async def test_a_flood_gets_the_burst_one_note_then_silence_and_nothing_recorded_past_the_burst(
        services, store, rows, config):
    clock = Clock()
    strict = dataclasses.replace(config, raw={**config.raw, "limits": {"burst": 3, "per_minute": 6}})
    core = Conversation(dataclasses.replace(services, config=strict), store, clock=clock)
    replies = [await core.handle("web", "f", "f", STANDALONE_Q) for _ in range(5)]
    assert [r.limited for r in replies] == [False, False, False, True, True]
    assert replies[3].text == texts()["slow_down"] and not replies[3].quiet
    assert replies[4].quiet and replies[4].question_id is None
    assert (await core.handle("web", "other", "other", STANDALONE_Q)).id == "work_injury_standalone"
    assert await rows("SELECT COUNT(*) FROM questions") == [(4,)]
    clock.now += 10  # 6 a minute: one more after 10 s
    assert not (await core.handle("web", "f", "f", STANDALONE_Q)).limited


async def test_questions_are_recorded_masked_with_hashed_ids_and_the_channel(services, store, rows):
    core = Conversation(services, store)
    reply = await core.handle("web", "session-9", "session-9", "我电话13812345678，工伤保险可以单独买吗")
    assert reply.question_id is not None and reply.private
    [(text, via, user_hash, kind)] = await rows("SELECT text, via, user_hash, kind FROM questions")
    assert "13812345678" not in text and "138****5678" in text
    assert via == "web" and kind == reply.kind
    assert user_hash and "session-9" not in user_hash
    assert reply.to_json()["reply"] == reply.text


async def test_unanswered_questions_are_queued_and_greetings_are_not(services, store, rows):
    core = Conversation(services, store)
    assert (await core.handle("wechat", "o1", "o1", "你好")).kind == "none"
    off = await core.handle("wechat", "o1", "o1", "今天晚上吃什么菜比较好")
    assert off.kind == "none"
    queued = await rows("SELECT q.text FROM unanswered u JOIN questions q ON q.id = u.question_id")
    assert queued == [("今天晚上吃什么菜比较好",)]


async def test_in_a_group_a_question_about_own_figures_keeps_no_dialog(services, store, rows):
    core = Conversation(services, store)
    reply = await core.handle("telegram", "-100", "7", PENSION, group=True)
    assert reply.private and reply.turn is None
    assert await rows("SELECT COUNT(*) FROM conversations") == [(0,)]
    assert await rows("SELECT chat_type FROM questions") == [("group",)]


class Suggesting:
    """The real answerer, except that one text gets a "did you mean" list of three real entries."""

    VAGUE = "那个保险的事"
    OFFERED = ["work_injury_standalone", "unemployment_benefit", "pension_transfer"]

    def __init__(self, real):
        self.real = real
        self.entries = real.entries

    def __getattr__(self, name):
        return getattr(self.real, name)

    def answer(self, text, state=None, *, one_shot=False):
        if text == self.VAGUE:
            return Reply(text, "none", None, self.OFFERED[0], 50.0, list(self.OFFERED), "你是不是想问：…")
        return self.real.answer(text, state=state, one_shot=one_shot)


@pytest.fixture
def suggesting(services):
    fake = Suggesting(services.answerer)
    assert all(services.answerer.entry(i) for i in fake.OFFERED)
    return dataclasses.replace(services, answerer=fake)


@pytest.mark.parametrize("pick, index", [("1", 0), ("2.", 1), ("第一个", 0), ("第3条", 2), ("三", 2)])
async def test_a_number_picks_from_the_last_did_you_mean_list(suggesting, store, rows, pick, index):
    core = Conversation(suggesting, store)
    offer = await core.handle("web", "n", "n", Suggesting.VAGUE)
    assert offer.choices == [(suggesting.answerer.suggestion_label(i), ENTRY_CHOICE + i) for i in Suggesting.OFFERED] \
        + [("找工会工作人员", "human")]  # the hand-off to staff comes last (shebao.handoff)
    picked = await core.handle("web", "n", "n", pick)
    assert picked.kind == "faq" and picked.id == Suggesting.OFFERED[index]
    assert picked.source and picked.as_of and picked.question_id
    assert (await rows("SELECT answer_id FROM questions ORDER BY id"))[-1] == (Suggesting.OFFERED[index],)


async def test_a_number_picks_only_right_after_the_list_and_only_for_its_asker(suggesting, store):
    core = Conversation(suggesting, store)
    await core.handle("web", "g", "asker", Suggesting.VAGUE)
    assert (await core.handle("web", "g", "someone else", "1")).id != Suggesting.OFFERED[0]
    assert (await core.handle("web", "g", "asker", "4")).id is None  # only three were offered
    await core.handle("web", "g", "asker", STANDALONE_Q)
    assert (await core.handle("web", "g", "asker", "2")).id != Suggesting.OFFERED[1]  # a new question came between


async def test_a_choice_value_picks_its_entry_without_any_memory(suggesting, store):
    offer = await Conversation(suggesting, store).handle("web", "m", "m", Suggesting.VAGUE)
    label, value = offer.choices[1]
    fresh = Conversation(suggesting, store)  # another process behind the load balancer
    assert (await fresh.handle("web", "m", "m", value)).id == Suggesting.OFFERED[1]


def test_numbered_replies_are_read_and_other_text_is_not():
    assert [picked_number(t) for t in ("1", " 2 ", "3、", "第二个", "第 1 项", "九")] == [1, 2, 3, 2, 1, 9]
    assert [picked_number(t) for t in ("10", "1万", "一千", "第一", "0", "工伤")] == [None, None, None, 1, None, None]


async def test_feedback_is_stored_against_the_answer_and_can_be_changed(services, store, rows):
    core = Conversation(services, store)
    reply = await core.handle("web", "fb", "fb", STANDALONE_Q)
    assert await core.feedback(reply.question_id, False, user="fb")
    assert await core.feedback(reply.question_id, True, user="fb")
    assert await rows("SELECT answer_id, useful FROM feedback") == [("work_injury_standalone", 1)]
    assert not await core.feedback(0, True, user="fb")
    assert not await Conversation(services, None).feedback(reply.question_id, True)


async def test_an_entry_link_answers_it_in_full_and_an_unknown_id_gets_none(services, store, rows):
    core = Conversation(services, store)
    reply = await core.open_entry("web", "d", "d", "work_injury_standalone")
    assert reply.kind == "faq" and reply.text.startswith("【") and reply.source in reply.text
    assert await core.open_entry("web", "d", "d", "no_such_entry") is None
    assert await rows("SELECT via, answer_id FROM questions") == [("web", "work_injury_standalone")]


async def test_without_a_store_the_dialog_is_kept_in_memory_and_nothing_recorded(services):
    core = Conversation(services, None)
    assert (await core.handle("cli", "c", "c", PENSION)).turn == 1
    reply = await core.handle("cli", "c", "c", "60岁")
    assert reply.kind == "calc" and reply.turn == 2 and reply.question_id is None


async def test_swapped_services_answer_from_the_next_turn(services, store):
    core = Conversation(services, store)

    class Refusing(Suggesting):
        def answer(self, text, state=None, *, one_shot=False):
            return Reply(text, "none", None, None, 0.0, [], "new services")

    core.swap(dataclasses.replace(services, answerer=Refusing(services.answerer)))
    assert (await core.handle("web", "w", "w", STANDALONE_Q)).text == "new services"


async def test_a_bug_raises_to_the_channel_boundary_whose_apology_logs_it_masked(services, caplog):
    class Exploding(Suggesting):
        def answer(self, text, state=None, *, one_shot=False):
            raise RuntimeError(f"boom on {text}")

    core = Conversation(dataclasses.replace(services, answerer=Exploding(services.answerer)), None)
    with pytest.raises(RuntimeError):
        await core.handle("web", "b", "b", "我电话13812345678")
    try:
        await core.handle("web", "b", "b", "我电话13812345678")
    except RuntimeError:
        reply = core.apology("我电话13812345678")
    assert reply.kind == "none" and reply.text == texts()["help"]
    assert "boom on 我电话138****5678" in caplog.text and "13812345678" not in caplog.text


@pytest.fixture
def own_lexicon(tmp_path):
    """A copy of the packaged lexicon where 老来钱 is one more way to write 养老金."""
    import shutil

    import calculators

    folder = tmp_path / "lexicon"
    shutil.copytree(ROOT / "knowledge" / "lexicon", folder)
    synonyms = folder / "synonyms.yaml"
    text = synonyms.read_text(encoding="utf-8")
    assert "养老金: [退休金," in text
    synonyms.write_text(text.replace("养老金: [退休金,", "养老金: [老来钱, 退休金,"), encoding="utf-8")
    yield folder
    calculators.use_lexicon(None)


async def test_the_calculators_route_with_the_configured_lexicon(answerer, config, own_lexicon):
    asked = "我想算算老来钱"
    assert (await Conversation(services_around(answerer, config), None).handle("cli", "l", "l", asked)).kind != "calc"
    configured = dataclasses.replace(config, lexicon_path=own_lexicon)
    reply = await Conversation(services_around(answerer, configured), None).handle("cli", "l", "l", asked)
    assert reply.kind == "calc" and reply.id == "calc:pension"


async def test_a_dialog_moves_between_two_processes_sharing_the_store(services, store_target):
    """Webhook workers behind a load balancer: each turn may reach another process; each one reads the
    store's copy, so no process goes on from a dialog step it kept in memory but another moved on."""
    async with opened(store_target) as a_store, opened(store_target) as b_store:
        a, b = Conversation(services, a_store), Conversation(services, b_store)
        first = await a.handle("web", "s4", "s4", PENSION)
        second = await b.handle("web", "s4", "s4", "60岁")
        assert second.turn == 2 and "几年" in second.text
        third = await a.handle("web", "s4", "s4", "交了20年")
        assert first.turn == 1 and third.kind == "calc" and third.turn == 3 and "几年" not in third.text
        await a.close()
        await b.close()
