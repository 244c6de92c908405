"""The list of FAQ ids already shared in links and buttons (knowledge/published_ids.txt)."""

from __future__ import annotations

from pathlib import Path

from knowledge.check import PUBLISHED_IDS, read_published_ids
from knowledge.loader import load_faq_strict
from shebao.config import Config

HEADER = """\
# 已经发布的条目 id：每行一个，# 后面是它的问题，方便认。
# 工人分享出去的链接和按钮里带着这些 id（/start faq_<id>），所以 id 发布以后不要再改。
# shebao faq check 发现这里的某个 id 在 FAQ 里找不到了，就会提醒。
# 新条目发布后，在最后加一行：新的id  # 它的问题
# 确实要删掉一个条目时，把它在这里的那一行也删掉。
"""


def published_ids_path(config: Config) -> Path:
    """knowledge.published_ids from the config (relative to the config file), else beside the FAQ folder."""
    value = config.raw.get("knowledge", {}).get("published_ids")
    if not value:
        return Path(config.faq_path).parent / PUBLISHED_IDS
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    base = config.source.resolve().parent if config.source else Path.cwd()
    return base / path


def update_published_ids(faq_folder: Path, path: Path) -> list[str]:
    """Add every FAQ id not yet in PATH (never removes one); the ids added. Raises FAQError on FAQ errors."""
    entries = load_faq_strict(faq_folder)
    path = Path(path)
    known = {ident for ident, _, _ in read_published_ids(path)[0]} if path.is_file() else set()
    new = [e for e in entries if e.id not in known]
    text = path.read_text(encoding="utf-8") if path.is_file() else HEADER
    if text and not text.endswith("\n"):
        text += "\n"
    text += "".join(f"{e.id}  # {' '.join(e.question.split())}\n" for e in new)
    path.write_text(text, encoding="utf-8")
    return [e.id for e in new]
