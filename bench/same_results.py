"""Does a change leave every result as it was? Dump the matcher's results once, check them after.

    python bench/same_results.py dump /tmp/before.json      # before the change
    python bench/same_results.py check /tmp/before.json     # after it: exit 1 and the differences

For every question of tests/data/worker_questions.yaml and worker_questions_2.yaml and every phrasing
of the packaged FAQ (as asked, and left out of the index as `shebao faq test` does), the dump holds the
top-5 (entry id, score) of the index built by `shebao.service.build_answerer`, the text matched and the
letter's focus, and the reply a worker gets (kind, id, suggestions). `--diac N` adds an index over N
DIAC2019 groups (an FAQ without the domain gate) and one held-out paraphrase of each. The check wants
ids, scores and replies identical; the features the confidence was computed from may differ by float
rounding only (`--tolerance`, 1e-9 by default). Keep the dump outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKER_SETS = ("tests/data/worker_questions.yaml", "tests/data/worker_questions_2.yaml")


def _result(index, text: str, exclude: int | None = None) -> dict:
    res = index.match(text, exclude=exclude)
    return {
        "text": res.text, "focus": res.focus,
        "flags": [res.chitchat, res.off_topic, res.in_domain, res.asks, res.out_of_scope],
        "top": [[c.entry.id, c.score] for c in res.candidates],
        "features": [{k: round(float(v), 12) for k, v in sorted(c.features.items())} for c in res.candidates],
    }


def _reply(answerer, text: str) -> list:
    reply = answerer.answer(text, one_shot=True)
    return [reply.kind, reply.id, reply.best, reply.score, reply.suggestions]


def dump(diac: int) -> dict:
    from shebao.config import load_config
    from shebao.service import build_answerer

    answerer = build_answerer(load_config(None, None))
    index = answerer.index
    out: dict[str, dict] = {}
    for rel in WORKER_SETS:
        for n, case in enumerate(yaml.safe_load((ROOT / rel).read_text(encoding="utf-8"))):
            q = str(case["q"])
            out[f"{rel}#{n}"] = {"q": q, **_result(index, q), "reply": _reply(answerer, q)}
    for d, phrasing in enumerate(index.doc_phrasing):
        out[f"faq#{d}"] = {"q": phrasing, **_result(index, phrasing), "reply": _reply(answerer, phrasing),
                           "held_out": _result(index, phrasing, exclude=d)}
    if diac:
        out.update(_diac(diac))
    return out


def _diac(n: int) -> dict:
    from diac import DEFAULT_DATA, read_groups, sample, write_faq  # bench/ is on the path

    from knowledge.lexicon import load_lexicon
    from knowledge.loader import load_faq_strict
    from knowledge.matcher import Index
    from shebao.config import packaged_path

    faq, queries = sample(read_groups(DEFAULT_DATA), n, n // 4)
    with tempfile.TemporaryDirectory() as tmp:
        write_faq(Path(tmp), faq)
        index = Index(load_faq_strict(Path(tmp)), load_lexicon(packaged_path("knowledge", "lexicon")))
    return {f"diac#{k}": {"q": q, **_result(index, q)} for k, (q, _) in enumerate(queries)}


def _differences(before: dict, after: dict, tolerance: float) -> list[str]:
    out = []
    for key in sorted(set(before) | set(after)):
        if key not in after or key not in before:
            out.append(f"{key}: only in {'the dump' if key in before else 'this run'}")
            continue
        out.extend(_compare(key, before[key], after[key], tolerance))
    return out


def _compare(key: str, b: dict, a: dict, tolerance: float) -> list[str]:
    out = []
    for field in sorted(set(b) | set(a)):
        if field == "features":
            for rank, (fb, fa) in enumerate(zip(b[field], a[field], strict=False)):
                for name in sorted(set(fb) | set(fa)):
                    vb, va = fb.get(name), fa.get(name)
                    if vb is None or va is None or abs(vb - va) > tolerance:
                        out.append(f"{key} ({b['q']!r}): candidate {rank + 1} {name} {vb} -> {va}")
        elif field == "held_out":
            out.extend(_compare(f"{key} held out", b[field], a[field], tolerance))
        elif b.get(field) != a.get(field):
            out.append(f"{key} ({b['q']!r}): {field} {b.get(field)!r} -> {a.get(field)!r}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("dump", "check"))
    ap.add_argument("file", type=Path, help="the dump (keep it outside the repository)")
    ap.add_argument("--diac", type=int, default=0, help="also N DIAC2019 groups as an FAQ (dump only)")
    ap.add_argument("--tolerance", type=float, default=1e-9, help="largest feature difference taken as equal")
    args = ap.parse_args(argv)
    if args.action == "dump":
        results = dump(args.diac)
        args.file.write_text(json.dumps({"diac": args.diac, "results": results}, ensure_ascii=False), encoding="utf-8")
        print(f"{args.file}: {len(results)} questions dumped")
        return 0
    saved = json.loads(args.file.read_text(encoding="utf-8"))
    after = dump(saved["diac"])
    diffs = _differences(saved["results"], after, args.tolerance)
    for line in diffs[:50]:
        print(line)
    print(f"{len(after)} questions: {len(diffs)} difference(s){' (first 50 shown)' if len(diffs) > 50 else ''}")
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
