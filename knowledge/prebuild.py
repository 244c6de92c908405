"""Build the index of the packaged FAQ and jieba's prefix dictionary into FOLDER, named as the installed
package looks for them (knowledge/index_cache.py, knowledge/features.py), so the first start after
installing reads them instead of building them. setup.py runs this when the package is built:

    python -m knowledge.prebuild FOLDER [--faq DIR] [--lexicon DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from knowledge import cache as user_cache
from knowledge import index_cache
from knowledge.check import checked_entries, checked_lexicon
from knowledge.features import packaged_dictionary
from knowledge.matcher import Index
from knowledge.model import FAQError

HERE = Path(__file__).parent


def prebuild(folder: Path, faq: Path = HERE / "faq", lexicon_folder: Path = HERE / "lexicon") -> Path:
    """Write the index of FAQ (with the word lists of LEXICON_FOLDER) and jieba's prefix dictionary into
    FOLDER; the index file written. Raises FAQError when the FAQ or the word lists have errors, as a
    start would (knowledge/check.py)."""
    lexicon = checked_lexicon(lexicon_folder)
    entries = checked_entries(faq)
    name = index_cache.packaged_name(entries, lexicon)
    index_cache.save(name, Index(entries, lexicon).state(), folder)
    written = [folder / name]
    dictionary = packaged_dictionary()
    if dictionary is not None:
        user_cache.write(*dictionary, folder)
        written.append(folder / dictionary[0])
    for path in written:
        if not path.is_file():
            raise OSError(f"{folder}: cannot write {path.name}")
        path.chmod(0o644)  # package files, readable by every user (the cache writes its files private)
    return written[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--faq", type=Path, default=HERE / "faq", help="the FAQ folder (default: the packaged one)")
    ap.add_argument("--lexicon", type=Path, default=HERE / "lexicon", help="the word lists (default: packaged)")
    args = ap.parse_args(argv)
    try:
        written = prebuild(args.folder, args.faq, args.lexicon)
    except (FAQError, OSError) as exc:
        print(f"no packaged index: {exc}", file=sys.stderr)
        return 1
    print(written)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
