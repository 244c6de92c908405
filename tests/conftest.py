# ---- bot (issue 4): the Bot API stand-in and a running bot ---------------------------------
# Fixtures for tests/test_bot_*.py. Other fixtures go outside this block.
import shutil as _bot_shutil
import sys as _bot_sys
from pathlib import Path as _BotPath

import pytest as _bot_pytest

_BOT_ROOT = _BotPath(__file__).resolve().parent.parent
if str(_BOT_ROOT) not in _bot_sys.path:
    _bot_sys.path.insert(0, str(_BOT_ROOT))

BOT_ADMIN_ID = 424242


@_bot_pytest.fixture(scope="session")
def bot_shared_answerer():
    """The real answerer over the real FAQ, built once: building it takes a second or two."""
    from shebao.config import load_config
    from shebao.service import build_answerer

    return build_answerer(load_config(_BOT_ROOT / "config.yaml"))


@_bot_pytest.fixture
def botapi():
    """The Bot API stand-in on 127.0.0.1."""
    from botapi_stub import BotApiStub

    stub = BotApiStub().start()
    yield stub
    stub.stop()


def write_bot_config(folder: _BotPath, base_url: str, **storage) -> _BotPath:
    """A config.yaml for the bot in FOLDER, with its own copy of the FAQ (for /reload)."""
    import yaml

    faq = folder / "faq"
    if not faq.exists():
        _bot_shutil.copytree(_BOT_ROOT / "knowledge" / "faq", faq)
    data = {
        "telegram": {"token_env": "SHEBAO_TEST_TOKEN", "base_url": base_url},
        "storage": {"path": str(folder / "bot.db"), **storage},
        "knowledge": {"path": str(faq), "lexicon": str(_BOT_ROOT / "knowledge" / "lexicon")},
        "limits": {"burst": 5, "per_minute": 20},
        "admins": [BOT_ADMIN_ID],
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@_bot_pytest.fixture
def bot_config(tmp_path, botapi):
    from shebao.config import load_config

    return load_config(write_bot_config(tmp_path, botapi.base_url))


@_bot_pytest.fixture
def start_bot(botapi, bot_shared_answerer):
    """start_bot(cfg) -> async context manager running the real Application against the stand-in.
    The first services share the session's answerer; /reload builds real ones from the FAQ folder."""
    from botapi_stub import TOKEN

    from bot.app import build_application, running
    from shebao.services import build_services, services_around

    def factory(cfg, faq_path=None):
        return services_around(bot_shared_answerer, cfg) if faq_path is None else build_services(cfg, faq_path)

    def start(cfg):
        return running(build_application(cfg, factory, token=TOKEN))

    return start


@_bot_pytest.fixture
async def bot(bot_config, start_bot):
    async with start_bot(bot_config) as app:
        yield app
# ---- end of the bot block -------------------------------------------------------------------


# ---- answering path (issue 2): the shipped FAQ, built once ---------------------------------
@_bot_pytest.fixture(scope="session")
def answerer(bot_shared_answerer):
    """The real answering service over the shipped FAQ and lexicon."""
    return bot_shared_answerer


@_bot_pytest.fixture(scope="session")
def faq_index(answerer):
    return answerer.index


# ---- store (issue 10): a real throwaway PostgreSQL server; the store on both backends -------
# The server starts once per test session (initdb + pg_ctl, see tests/pg_server.py) and each
# test gets a fresh database on it. Missing PostgreSQL binaries FAIL the tests that need them.
STORE_HASH_KEY = "store-tests-hash-key"


@_bot_pytest.fixture(scope="session")
def postgres_server():
    from pg_server import PostgresMissing, PostgresServer

    try:
        server = PostgresServer().start()
    except PostgresMissing as exc:
        _bot_pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@_bot_pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a fresh, empty database on the session's PostgreSQL server."""
    return postgres_server.new_database()


@_bot_pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request, tmp_path, monkeypatch):
    """Where a store test keeps its data, once per backend: {"path": FILE} or {"path", "url"}.
    On PostgreSQL the hash key comes from SHEBAO_HASH_KEY, so nothing is written beside the path."""
    if request.param == "sqlite":
        return {"path": tmp_path / "bot.db"}
    monkeypatch.setenv("SHEBAO_HASH_KEY", STORE_HASH_KEY)
    return {"path": tmp_path / "bot.db", "url": request.getfixturevalue("postgres_url")}
# ---- end of the store block -----------------------------------------------------------------
