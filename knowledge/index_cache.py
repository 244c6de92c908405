"""A built index kept on disk, so a start with an unchanged FAQ skips building it: in the user's cache
folder (knowledge/cache.py), and for the packaged FAQ also in the installed package, built when the
package is (setup.py runs `python -m knowledge.prebuild`), so the first start after installing reads
it too.

The file is named by a hash of everything the index is built from: each entry's id and phrasings, every
word list of the lexicon, the source of `knowledge/` and `textnorm/` (and their data files), the
versions of Python and numpy, and which files jieba, OpenCC, cn2an and pypinyin were installed as (in
the package: their versions, the files being another environment's). Any change makes another name;
the few newest files are kept. What is stored is the index's own state, never the entries (their
answers are read from the FAQ at every start), the lexicon, the confidence model or the tokenizer. It
is a pickle: the cache folder is the user's own and the package's folder the code's, as trusted as the
code.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import logging
import pickle
import sys
from importlib import metadata
from pathlib import Path

from knowledge import bulk
from knowledge import cache as user_cache
from knowledge.lexicon import Lexicon
from knowledge.model import Entry

log = logging.getLogger(__name__)

KEEP = 4  # index files kept (several FAQs, or a version being tried beside another)
PREFIX = "index-"
SUFFIX = ".pickle"
_CODE_FOLDERS = ("knowledge", "textnorm")
_CODE_SUFFIXES = (".py", ".txt")  # textnorm's pinyin syllables are code too
_LIBRARIES = ("jieba", "opencc", "cn2an", "pypinyin")
# what unpickling bytes that are not an index state can raise
_UNREADABLE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError,
               KeyError)


def _plain(value: object) -> object:
    """VALUE with sets sorted, so the same lexicon encodes the same in every process."""
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _lexicon_state(lexicon: Lexicon) -> str:
    fields = {f.name: getattr(lexicon, f.name) for f in dataclasses.fields(lexicon)
              if f.name not in ("problems", "_rewriter")}
    return json.dumps(_plain(fields), ensure_ascii=False, sort_keys=True)


def _code_state() -> list[object]:
    root = Path(__file__).resolve().parent.parent
    parts: list[object] = [sys.version]
    for folder in _CODE_FOLDERS:
        for path in sorted((root / folder).iterdir()):
            if path.suffix in _CODE_SUFFIXES and path.is_file():
                parts += [path.name, path.read_bytes()]
    import numpy

    parts.append(numpy.__version__)
    return parts


def _installed_files() -> list[object]:
    parts: list[object] = []
    for name in _LIBRARIES:  # an upgrade or a reinstall gives its files other sizes or times
        spec = importlib.util.find_spec(name)  # a top-level name: nothing is imported
        folder = Path(spec.origin).parent if spec and spec.origin else None
        try:
            listing = sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in folder.iterdir()
                             if f.is_file()) if folder else None
        except OSError:
            listing = None
        parts += [name, str(folder), repr(listing)]
    return parts


def _installed_versions() -> list[object]:
    parts: list[object] = []
    for name in _LIBRARIES:
        try:
            parts += [name, metadata.version(name)]
        except metadata.PackageNotFoundError:
            parts += [name, None]
    return parts


def _phrasings(entries: list[Entry]) -> str:
    return json.dumps([[e.id, *e.phrasings] for e in entries], ensure_ascii=False)


def _built_from(entries: list[Entry], lexicon: Lexicon) -> list[object]:
    """What an index file's name is a hash of, but for the libraries (their files, or their versions)."""
    return [_phrasings(entries), _lexicon_state(lexicon), *_code_state()]


def _name(parts: list[object]) -> str:
    return f"{PREFIX}{user_cache.key(*parts)}{SUFFIX}"


def file_name(entries: list[Entry], lexicon: Lexicon) -> str:
    """The cache file name of an index over ENTRIES with LEXICON, as the code is now."""
    return _name([*_built_from(entries, lexicon), *_installed_files()])


def packaged_name(entries: list[Entry], lexicon: Lexicon) -> str:
    """The name the package's own index file of ENTRIES with LEXICON has (knowledge/cache.py's PACKAGED)."""
    return _name([*_built_from(entries, lexicon), *_installed_versions()])


def lookup(entries: list[Entry], lexicon: Lexicon) -> tuple[str, dict | None]:
    """The cache file name of an index over ENTRIES with LEXICON, and its state: from the user's cache,
    else from the package (the packaged FAQ's index, built with it), else None."""
    built_from = _built_from(entries, lexicon)
    name = _name([*built_from, *_installed_files()])
    state = load(name)
    if state is None:
        state = load(_name([*built_from, *_installed_versions()]), user_cache.PACKAGED)
    return name, state


def load(name: str, where: Path | None = None) -> dict | None:
    """The index state stored under NAME (in WHERE, default the cache folder), or None."""
    data = user_cache.read(name, where)
    if data is None:
        return None
    try:
        with bulk.collector_paused():
            state = pickle.loads(data)
    except _UNREADABLE as exc:  # a miss: the index is built again
        log.info("cache file %s cannot be read (%s): building the index", name, exc)
        return None
    return state if isinstance(state, dict) else None


def save(name: str, state: dict, where: Path | None = None) -> None:
    """Store STATE under NAME (in WHERE, default the cache folder) and drop all but the KEEP newest
    index files."""
    written = user_cache.write(name, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), where)
    if written is None:
        return
    try:
        files = sorted(written.parent.glob(f"{PREFIX}*{SUFFIX}"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in files[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # another process tidied up at the same time
        log.info("cannot tidy the cache folder %s (%s)", written.parent, exc)
