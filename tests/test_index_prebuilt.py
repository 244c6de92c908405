"""The packaged FAQ's index and jieba's prefix dictionary are built with the package (setup.py runs
knowledge/prebuild.py), so the first start after installing reads them: the index answers as a
freshly built one, an FAQ that differs from the packaged one does not use it, and a broken FAQ is
reported, not shipped."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from knowledge import cache as user_cache
from knowledge import index_cache, prebuild
from knowledge.matcher import Index

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["工伤保险可以单独买吗", "社保断交了怎么办", "gongshang baoxian zenme mai", "深圳的公司不给交社保",
             "我在工地上班摔伤了老板不管请问该怎么办", "医保一年交多少钱", "你好"]


@pytest.fixture
def packaged(tmp_path, monkeypatch):
    """The package folder of prebuilt indexes, filled as setup.py fills it; the user cache empty."""
    monkeypatch.setenv(user_cache.ENV, str(tmp_path / "cache"))
    folder = tmp_path / "prebuilt"
    monkeypatch.setattr(user_cache, "PACKAGED", folder)
    prebuild.prebuild(folder)
    return folder


def ranked(index: Index, question: str) -> list:
    return [(c.entry.id, c.score) for c in index.match(question).candidates]


def test_the_packaged_index_is_read_when_the_cache_has_none_and_answers_as_built(packaged, faq_index,
                                                                                 monkeypatch, tmp_path):
    def no_building(self):
        raise AssertionError("built although the package has this FAQ's index")

    monkeypatch.setattr(Index, "_build", no_building)
    read = Index(faq_index.entries, faq_index.lexicon, cache=True)
    for text in [*QUESTIONS, *faq_index.doc_phrasing[::11]]:
        assert ranked(read, text) == ranked(faq_index, text), text
    assert list((tmp_path / "cache").glob("index-*")) == []  # nothing built, nothing written


def test_jiebas_dictionary_is_read_from_the_package_when_nothing_else_has_it(packaged, monkeypatch, tmp_path):
    import jieba

    from knowledge import features

    want = features._base_tokenizer()
    features._base_tokenizer.cache_clear()
    empty = tmp_path / "empty tmp"
    empty.mkdir()
    monkeypatch.setattr(features.tempfile, "gettempdir", lambda: str(empty))  # no jieba.cache of jieba's own

    def no_building(self, dictionary=None):
        raise AssertionError("jieba built its dictionary although the package has it")

    monkeypatch.setattr(jieba.Tokenizer, "initialize", no_building)
    try:
        got = features._base_tokenizer()
        assert got is not want and got.total == want.total and got.FREQ == want.FREQ
    finally:
        features._base_tokenizer.cache_clear()
    assert list((tmp_path / "cache").glob("*")) == []  # read in place, not copied


def test_an_faq_other_than_the_packaged_one_is_built(packaged, faq_index, tmp_path):
    entries = faq_index.entries[:-1]
    index = Index(entries, faq_index.lexicon, cache=True)
    assert faq_index.entries[-1].id not in {e.id for e in index.entries}
    assert len(list((tmp_path / "cache").glob("index-*"))) == 1  # built and kept in the user's cache


def test_the_packaged_name_follows_library_versions_not_where_they_are_installed(faq_index, monkeypatch):
    entries, lexicon = faq_index.entries, faq_index.lexicon
    packaged, cached = index_cache.packaged_name(entries, lexicon), index_cache.file_name(entries, lexicon)
    monkeypatch.setattr(index_cache, "_installed_files", lambda: ["jieba", "/elsewhere", "[]"])
    assert index_cache.packaged_name(entries, lexicon) == packaged
    assert index_cache.file_name(entries, lexicon) != cached
    real = index_cache.metadata.version
    monkeypatch.setattr(index_cache.metadata, "version", lambda name: "9.9" if name == "opencc" else real(name))
    assert index_cache.packaged_name(entries, lexicon) != packaged


def test_a_broken_faq_is_reported_by_path_and_line_and_nothing_is_written(tmp_path, capsys):
    faq = tmp_path / "faq"
    shutil.copytree(prebuild.HERE / "faq", faq)
    path = sorted(faq.glob("*.yaml"))[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("answer:"))
    lines[at] = lines[at].replace("answer:", "answer: [", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert prebuild.main([str(out), "--faq", str(faq)]) == 1
    message = capsys.readouterr().err
    assert f"{path}:{at + 1}:" in message
    assert not out.exists() or not list(out.iterdir())


def test_the_built_package_carries_the_index_and_its_first_start_builds_none(tmp_path):
    # built by a Python with none of the libraries installed, as on a new machine: the build step then
    # has only what pip's isolated build environment holds
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "bare")], check=True, capture_output=True)
    bare = tmp_path / "bare" / "bin" / "python"
    assert subprocess.run([bare, "-c", "import yaml"], capture_output=True).returncode != 0
    subprocess.run([bare, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path / "whl"), str(ROOT)],
                   check=True, capture_output=True, cwd=tmp_path)
    [wheel] = (tmp_path / "whl").glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        shipped = sorted(n.split("/")[-1].split("-")[0] for n in z.namelist() if n.startswith("knowledge/prebuilt/"))
    assert shipped == ["index", "jieba"]
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(site), user_cache.ENV: str(cache), "TMPDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "shebao.cli", "ask", "--json", QUESTIONS[0]], capture_output=True,
                         text=True, cwd=tmp_path, env=env, check=True)
    assert json.loads(out.stdout)["id"] == "work_injury_standalone"
    assert list(cache.glob("*")) == []  # the index and jieba's dictionary read from the package, nothing built
    assert not (tmp_path / "jieba.cache").exists()  # not even by jieba
    where = subprocess.run([sys.executable, "-c", "import knowledge; print(knowledge.__file__)"], env=env,
                           cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(site)  # the installed copy answered, not the checkout
