"""Staff-editable word lists: the jieba domain dictionary, synonyms and slips, chit-chat, off-topic words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.model import Problem
from textnorm.slips import synonym_rewriter


@dataclass
class Lexicon:
    """What the lexicon folder holds, ready to use."""

    words: list[tuple[str, int | None, str | None]] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # variant -> canonical
    chitchat: list[str] = field(default_factory=list)
    fillers: list[str] = field(default_factory=list)
    off_topic: list[str] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)
    subjects: dict[str, list[str]] = field(default_factory=dict)  # subject -> the words that name it
    stopwords: frozenset[str] = frozenset()
    ask_markers: list[str] = field(default_factory=list)  # letters.yaml: what precedes the question of a letter
    question_words: list[str] = field(default_factory=list)  # letters.yaml: words that make a sentence ask
    pleas: list[str] = field(default_factory=list)  # letters.yaml: words that only beg an answer (在线等)
    facts: dict[str, list[str]] = field(default_factory=dict)  # letters.yaml: deciding fact -> words telling it
    together: list[tuple[frozenset[str], str]] = field(default_factory=list)  # letters.yaml: facts -> one phrase
    places: list[str] = field(default_factory=list)  # places.txt: place names, set aside unless the FAQ uses them
    out_of_scope: dict[str, list[str]] = field(default_factory=dict)  # out_of_scope.yaml: topic -> its words
    problems: list[Problem] = field(default_factory=list)
    _rewriter: Callable[[str], str] | None = None

    def subjects_named(self, text: str) -> list[str]:
        """The subjects of subjects.yaml (in its order) that canonical TEXT names."""
        return [name for name, words in self.subjects.items() if any(w in text for w in words)]

    def rewrite(self, text: str) -> str:
        """Replace every variant with its canonical word, longest variant first (textnorm.slips)."""
        if self._rewriter is None:
            self._rewriter = synonym_rewriter(self.synonyms)
        return self._rewriter(text)


def _load_yaml(path: Path, problems: list[Problem]):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problems.append(Problem(path, line, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
    except OSError as exc:
        problems.append(Problem(path, 1, f"cannot be read: {exc.strerror}"))
    return None


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def load_lexicon(folder: Path | None) -> Lexicon:
    """Read FOLDER (userdict.txt, synonyms.yaml, chitchat.yaml, off_topic.yaml); absent files are empty."""
    lex = Lexicon()
    if folder is None or not folder.is_dir():
        return lex
    userdict = folder / "userdict.txt"
    if userdict.is_file():
        for number, line in enumerate(userdict.read_text(encoding="utf-8").splitlines(), 1):
            parts = line.split("#", 1)[0].split()
            if not parts:
                continue
            if len(parts) > 1 and not parts[1].isdigit():
                lex.problems.append(Problem(userdict, number, f"frequency must be a whole number, not {parts[1]!r}"))
                continue
            lex.words.append((parts[0], int(parts[1]) if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None))

    stopfile = folder / "stopwords.txt"
    if stopfile.is_file():
        words = (line.split("#", 1)[0].strip() for line in stopfile.read_text(encoding="utf-8").splitlines())
        lex.stopwords = frozenset(w for w in words if w)

    path = folder / "synonyms.yaml"
    if path.is_file():
        data = _load_yaml(path, lex.problems)
        text = path.read_text(encoding="utf-8")
        if data is not None and not isinstance(data, dict):
            lex.problems.append(Problem(path, 1, "must map each canonical word to a list of variants"))
        for canonical, variants in (data or {}).items() if isinstance(data, dict) else ():
            if isinstance(variants, str):
                variants = [variants]
            if not isinstance(variants, list):
                lex.problems.append(Problem(path, _line_of(text, f"{canonical}:"), f"{canonical}: variants must be a list"))
                continue
            for variant in variants:
                variant = str(variant).strip().lower()
                if not variant or variant == canonical:
                    continue
                if variant in lex.synonyms and lex.synonyms[variant] != str(canonical):
                    lex.problems.append(Problem(path, _line_of(text, variant),
                                                f"{variant} is listed under both {lex.synonyms[variant]} and {canonical}"))
                lex.synonyms[variant] = str(canonical)

    path = folder / "subjects.yaml"
    if path.is_file():
        data = _load_yaml(path, lex.problems)
        if isinstance(data, dict):
            lex.subjects = {str(k): [str(w).lower() for w in (v or [])] for k, v in data.items()}
        elif data is not None:
            lex.problems.append(Problem(path, 1, "must map each subject to a list of words"))

    for name, attr in (("chitchat.yaml", None), ("off_topic.yaml", "off_topic"), ("domain.yaml", "domain")):
        path = folder / name
        if not path.is_file():
            continue
        data = _load_yaml(path, lex.problems)
        if data is None:
            continue
        if attr:
            words = [str(w).lower() for w in (data.get("words") or [])] if isinstance(data, dict) else []
            setattr(lex, attr, words)
        elif isinstance(data, dict):
            lex.chitchat = [str(w).lower() for w in (data.get("phrases") or [])]
            lex.fillers = [str(w).lower() for w in (data.get("fillers") or [])]
        else:
            lex.problems.append(Problem(path, 1, "must be a mapping"))
    _load_letters(folder, lex)
    return lex


def _word_map(data, path: Path, problems: list[Problem], what: str) -> dict[str, list[str]]:
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        problems.append(Problem(path, 1, f"{what} must map each name to a list of words"))
        return {}
    return {str(k): [str(w).lower() for w in v if str(w).strip()] for k, v in data.items()}


def _load_letters(folder: Path, lex: Lexicon) -> None:
    """letters.yaml (ask markers, question words, deciding facts), places.txt and out_of_scope.yaml."""
    path = folder / "letters.yaml"
    if path.is_file():
        data = _load_yaml(path, lex.problems)
        if isinstance(data, dict):
            lex.ask_markers = [str(w).lower() for w in data.get("ask_markers") or []]
            lex.question_words = [str(w).lower() for w in data.get("question_words") or []]
            lex.pleas = [str(w).lower() for w in data.get("pleas") or [] if str(w).strip()]
            lex.facts = _word_map(data.get("facts"), path, lex.problems, "facts")
            for item in data.get("together") or []:
                if not (isinstance(item, dict) and isinstance(item.get("facts"), list) and item.get("say")):
                    lex.problems.append(Problem(path, _line_of(path.read_text(encoding="utf-8"), "together:"),
                                                "together: each item needs facts (a list) and say"))
                    continue
                lex.together.append((frozenset(str(f) for f in item["facts"]), str(item["say"])))
        elif data is not None:
            lex.problems.append(Problem(path, 1, "must be a mapping (ask_markers, question_words, facts)"))
    path = folder / "places.txt"
    if path.is_file():
        names = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
        lex.places = [n for n in names if n]
    path = folder / "out_of_scope.yaml"
    if path.is_file():
        lex.out_of_scope = _word_map(_load_yaml(path, lex.problems), path, lex.problems, "out_of_scope.yaml")
