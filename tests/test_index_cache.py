"""The built index and jieba's dictionary are kept in the user's cache folder: a start with nothing
changed reads them back, and what is read back answers exactly as a freshly built index does."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from knowledge import cache as user_cache
from knowledge import index_cache
from knowledge.features import _unmarshal
from knowledge.lexicon import Lexicon, load_lexicon
from knowledge.matcher import Index
from knowledge.model import Entry
from shebao.config import packaged_path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["工伤保险可以单独买吗", "社保断交了怎么办", "gongshang baoxian zenme mai", "深圳的公司不给交社保",
             "我在工地上班摔伤了老板不管请问该怎么办", "你好"]


def entry(ident, question, *also):
    return Entry(ident, question, f"{ident} 的回答", "测试", date(2019, 1, 1), tuple(also))


ENTRIES = [
    entry("work_injury_standalone", "工伤保险可以单独买吗", "能不能只交工伤保险", "只买工伤险行不行"),
    entry("gap", "社保断交了怎么办", "断缴社保有什么影响", "社保停了几个月还能补吗"),
    entry("arrears", "公司不给交社保怎么办", "老板不交社保去哪投诉", "单位欠缴社保找谁"),
]


@pytest.fixture
def lexicon():
    return load_lexicon(packaged_path("knowledge", "lexicon"))


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(user_cache.ENV, str(folder))
    return folder


def results(index: Index) -> list:
    out = []
    for q in QUESTIONS:
        m = index.match(q)
        out.append([m.text, m.focus, m.in_domain, m.asks, [(c.entry.id, c.score, c.features) for c in m.candidates]])
    return out


def index_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{index_cache.PREFIX}*{index_cache.SUFFIX}"))


def test_an_index_read_back_from_the_cache_answers_as_the_one_built(cache_dir, lexicon, monkeypatch):
    built = Index(ENTRIES, lexicon, cache=True)
    assert len(index_files(cache_dir)) == 1

    def no_building(self):
        raise AssertionError("the index was built again although nothing changed")

    monkeypatch.setattr(Index, "_build", no_building)
    read_back = Index(ENTRIES, lexicon, cache=True)
    assert results(read_back) == results(built)
    assert read_back.entries == ENTRIES and read_back.lexicon is lexicon
    assert read_back.doc_fids == built.doc_fids  # leaving a phrasing out works on it too
    assert [read_back.match(p, exclude=d).best.entry.id for d, p in enumerate(read_back.doc_phrasing)] == \
           [built.match(p, exclude=d).best.entry.id for d, p in enumerate(built.doc_phrasing)]


def test_the_shipped_faq_read_back_answers_every_phrasing_as_built(cache_dir, faq_index):
    read_back = Index(faq_index.entries, faq_index.lexicon, cache=True)  # builds and stores
    assert len(index_files(cache_dir)) == 1
    read_back = Index(faq_index.entries, faq_index.lexicon, cache=True)  # reads back
    for text in [*faq_index.doc_phrasing[::7], *QUESTIONS]:
        want = [(c.entry.id, c.score) for c in faq_index.match(text).candidates]
        assert [(c.entry.id, c.score) for c in read_back.match(text).candidates] == want, text


def test_a_changed_phrasing_or_word_list_is_a_new_index_not_a_stale_one(cache_dir, lexicon):
    Index(ENTRIES, lexicon, cache=True)
    changed = [*ENTRIES[:2], dataclasses.replace(ENTRIES[2], also_asked=(*ENTRIES[2].also_asked, "包工头不给上保险"))]
    index = Index(changed, lexicon, cache=True)
    assert "包工头不给上保险" in index.doc_phrasing
    assert index.match("包工头不给上保险").best.entry.id == "arrears"
    taught = dataclasses.replace(lexicon, synonyms={**lexicon.synonyms, "上保险": "交社保"}, _rewriter=None)
    Index(changed, taught, cache=True)
    assert len(index_files(cache_dir)) == 3


def test_only_the_newest_index_files_are_kept(cache_dir, lexicon):
    for n in range(index_cache.KEEP + 2):
        Index([*ENTRIES, entry(f"extra{n}", f"第{n}个问题怎么办")], lexicon, cache=True)
    assert len(index_files(cache_dir)) == index_cache.KEEP


@pytest.mark.parametrize("damage", [b"", b"not a pickle at all", "truncated"])
def test_a_damaged_cache_file_is_built_again(cache_dir, lexicon, damage):
    built = Index(ENTRIES, lexicon, cache=True)
    [path] = index_files(cache_dir)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncated" else damage)
    assert index_cache.load(path.name) is None
    again = Index(ENTRIES, lexicon, cache=True)
    assert results(again) == results(built)
    assert index_cache.load(path.name) is not None  # stored whole again


def test_a_file_of_the_right_name_that_is_not_an_index_is_built_again(cache_dir, lexicon):
    built = Index(ENTRIES, lexicon, cache=True)
    [path] = index_files(cache_dir)
    user_cache.write(path.name, json.dumps(["a", "list"]).encode())  # a whole file, but not a pickle
    assert results(Index(ENTRIES, lexicon, cache=True)) == results(built)


def test_no_cache_is_written_when_it_is_off_or_cannot_be(tmp_path, monkeypatch, lexicon):
    monkeypatch.setenv(user_cache.ENV, "off")
    assert user_cache.folder() is None
    Index(ENTRIES, lexicon, cache=True)
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("x")
    monkeypatch.setenv(user_cache.ENV, str(blocked))
    index = Index(ENTRIES, lexicon, cache=True)  # cannot be written: built every time, no error
    assert index.match("工伤保险可以单独买吗").best.entry.id == "work_injury_standalone"
    assert blocked.read_text() == "x"


def test_without_cache_true_nothing_is_written(cache_dir, lexicon):
    Index(ENTRIES, lexicon)
    assert not cache_dir.exists()


def test_the_cache_folder_is_the_users_never_the_package(monkeypatch, tmp_path):
    monkeypatch.delenv(user_cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if sys.platform.startswith("linux"):
        assert user_cache.folder() == tmp_path / "xdg" / "shebao"
    assert ROOT not in user_cache.folder().parents
    monkeypatch.setitem(sys.modules, "platformdirs", None)  # not installed (a venv from before it was needed)
    assert user_cache.folder() == tmp_path / "xdg" / "shebao"


def test_the_same_lexicon_gives_the_same_file_name_in_every_process(lexicon):
    here = index_cache.file_name(ENTRIES, lexicon)
    code = ("import json, sys; from datetime import date; from knowledge import index_cache; "
            "from knowledge.lexicon import load_lexicon; from knowledge.model import Entry; "
            "from shebao.config import packaged_path; "
            "entries = [Entry(i, q, i + ' 的回答', '测试', date(2019, 1, 1), tuple(a)) for i, q, *a in json.load(sys.stdin)]; "
            "print(index_cache.file_name(entries, load_lexicon(packaged_path('knowledge', 'lexicon'))))")
    given = json.dumps([[e.id, *e.phrasings] for e in ENTRIES], ensure_ascii=False)
    for seed in ("1", "2"):  # sets iterate in another order with another hash seed
        out = subprocess.run([sys.executable, "-c", code], input=given, capture_output=True, text=True, cwd=ROOT,
                             check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        assert out.stdout.strip() == here


def test_a_lexicon_of_sets_and_tuples_encodes_in_a_stable_order():
    a = Lexicon(stopwords=frozenset({"的", "了", "吗"}), together=[(frozenset({"injured", "unpaid"}), "x")])
    b = Lexicon(stopwords=frozenset({"吗", "了", "的"}), together=[(frozenset({"unpaid", "injured"}), "x")])
    assert index_cache._lexicon_state(a) == index_cache._lexicon_state(b)


def test_jieba_cache_bytes_that_are_not_its_dictionary_are_refused():
    import marshal

    assert _unmarshal(None) is None
    assert _unmarshal(b"\x00garbage") is None
    assert _unmarshal(marshal.dumps(["not", "a", "dictionary"])) is None
    assert _unmarshal(marshal.dumps(({"工伤": 10}, 10))) == ({"工伤": 10}, 10)


def test_shebao_ask_answers_the_same_with_an_empty_a_filled_and_a_damaged_cache(tmp_path):
    folder = tmp_path / "cache"
    # the checkout's code, which holds no packaged index (an installed package reads its own instead of
    # building one: tests/test_index_prebuilt.py)
    env = {**os.environ, user_cache.ENV: str(folder), "PYTHONPATH": str(ROOT)}

    def ask() -> dict:
        out = subprocess.run([sys.executable, "-m", "shebao.cli", "ask", "--json", QUESTIONS[0]], capture_output=True,
                             text=True, env=env, cwd=tmp_path, check=True)
        assert out.stderr == ""
        return json.loads(out.stdout)

    first = ask()
    files = sorted(p.name for p in folder.iterdir())
    assert any(n.startswith("jieba-") for n in files) and any(n.startswith(index_cache.PREFIX) for n in files)
    assert ask() == first
    for path in folder.iterdir():
        path.write_bytes(path.read_bytes()[:100])
    assert ask() == first
    assert first["kind"] == "faq" and first["id"] == "work_injury_standalone"
