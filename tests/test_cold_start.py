"""A one-shot `shebao ask` imports only what answering one question needs: no plotting, web, Telegram,
database or WeChat library, and not pkg_resources (which jieba would import for a tenth of a second)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_FOR_ASK = ("matplotlib", "scipy", "sklearn", "starlette", "uvicorn", "telegram", "asyncpg", "aiosqlite",
               "wechatpy", "httpx", "pkg_resources")

CODE = """
import json, sys
from shebao.cli import main
sys.argv = ["shebao", "ask", "--json", sys.argv[1]]
main()
sys.stderr.write(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""


def test_shebao_ask_imports_no_library_a_one_shot_answer_does_not_need(tmp_path):
    out = subprocess.run([sys.executable, "-c", CODE, "工伤保险可以单独买吗"], capture_output=True, text=True,
                         cwd=tmp_path, env={**os.environ, "SHEBAO_CACHE_DIR": str(tmp_path / "cache")}, check=True)
    assert json.loads(out.stdout)["id"] == "work_injury_standalone"
    imported = set(json.loads(out.stderr))
    assert {"jieba", "numpy"} <= imported  # the check sees what was imported
    assert sorted(imported & set(NOT_FOR_ASK)) == []
