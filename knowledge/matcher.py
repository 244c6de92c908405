"""Find the FAQ entry a question asks for, and how sure we are.

Every phrasing is indexed by its words, characters, character pairs and pinyin
pairs. For a question, each phrasing gets a similarity (how much of the
question it holds and how much of it the question holds, IDF-weighted) and a
BM25 score; each entry gets its best phrasing's similarity and how much of the
question all its phrasings cover together. The confidence comes from those and
the entry's lead over the next one. The index is built once; matching does no
I/O.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from knowledge.features import WEIGHTS, featurize, new_tokenizer, syllables, words
from knowledge.lexicon import Lexicon
from knowledge.model import Entry
from textnorm.normalize import CJK_CHAR, LATIN_RUN, canonical, clean, split_pinyin

K1 = 1.2
B = 0.75
SHORTLIST_DOCS = 40
CANDIDATES = 8
# How the confidence is made: (similarity weight, coverage weight, lead weight, scale), fitted so that
# a confidence of 60 or more is rarely wrong. With many phrasings an entry's combined coverage is good
# evidence; with one to three (like DIAC2019, where near-duplicate questions sit in other groups) it is
# little more than its best phrasing, so similarity and the lead over the next entry must carry it.
CALIBRATION_MANY = (0.3, 0.6, 1.5, 90.9)  # 10 or more phrasings per entry: checked on worker questions
CALIBRATION_FEW = (0.5, 0.45, 2.5, 65.0)  # 2 per entry: fitted on DIAC2019 with as many questions from
#                                           groups left out of the FAQ as held-out paraphrases
RAW_IN_RANK = 3.0
RUN_ON_CHARS = 50
DOMAIN_SHARE = 0.8
SUBJECT_PENALTY = 0.25
WINDOW = 26
_ASK = re.compile(r".*(想问问|想问一下|想问|请问|问一下|想知道|我就想|到底)")

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Candidate:
    """One entry considered for a question."""

    entry: Entry
    score: float  # 0-100 confidence; for the best, its lead over the next entry counts too
    phrasing: str  # the phrasing that matched best
    similarity: float  # 0-1 before the margin is taken into account
    coverage: float = 0.0  # share of the question found anywhere in the entry's phrasings


@dataclass
class MatchResult:
    """What the matcher found for one question."""

    text: str  # the canonical text that was matched
    candidates: list[Candidate] = field(default_factory=list)
    chitchat: bool = False
    off_topic: bool = False
    in_domain: bool = True  # False: the FAQ's subject words are missing, so no confident answer

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Index:
    """The searchable form of a list of FAQ entries."""

    def __init__(self, entries: list[Entry], lexicon: Lexicon | None = None):
        self.entries = list(entries)
        self.lexicon = lexicon or Lexicon()
        self.tokenizer = new_tokenizer(self.lexicon, set(self.lexicon.synonyms.values()))  # its own jieba
        stop = self.lexicon.stopwords

        doc_feats: list[Counter] = []
        self.doc_entry: list[int] = []
        self.doc_text: list[str] = []
        self.doc_phrasing: list[str] = []
        vocab_words: Counter = Counter()
        for e_index, entry in enumerate(self.entries):
            seen = set()
            for phrasing in entry.phrasings:
                raw = clean(phrasing)
                text = canonical(phrasing, self.lexicon)
                if not text or text in seen:
                    continue
                seen.add(text)
                doc_feats.append(featurize(text, stop, self.tokenizer))
                self.doc_entry.append(e_index)
                self.doc_text.append(_SPACE.sub("", text))
                self.doc_phrasing.append(phrasing)
                vocab_words.update(w for w in words(raw, frozenset(), self.tokenizer) if CJK_CHAR.search(w))
                vocab_words.update(w for w in words(text, frozenset(), self.tokenizer) if CJK_CHAR.search(w))

        n_docs = len(doc_feats)
        df: Counter = Counter()
        for feats in doc_feats:
            df.update(feats.keys())
        self.vocab = {f: i for i, f in enumerate(df)}
        self.idf = {f: math.log(1 + (n_docs - n + 0.5) / (n + 0.5)) for f, n in df.items()}
        self.unknown_idf = math.log(1 + (n_docs + 0.5) / 0.5)
        # a feature's plain weight, by its number in the vocabulary
        self.feat_weight = {self.vocab[f]: self.weight(f) for f in self.vocab}
        lengths = [sum(f.values()) for f in doc_feats]
        avg = (sum(lengths) / n_docs) if n_docs else 1.0

        rows, cols, vals, presence = [], [], [], []
        mass = np.zeros(n_docs, dtype=np.float32)
        for d, feats in enumerate(doc_feats):
            norm = K1 * (1 - B + B * lengths[d] / avg)
            for f, tf in feats.items():
                w = self.feat_weight[self.vocab[f]]
                mass[d] += w
                rows.append(self.vocab[f])
                cols.append(d)
                vals.append(w * tf * (K1 + 1) / (tf + norm))
                presence.append(w)
        # one row per feature: the phrasings holding it, with its BM25 score and its plain weight
        order = np.argsort(np.array(rows, dtype=np.int64), kind="stable")
        self.post_docs = np.array(cols, dtype=np.int32)[order]
        self.post_bm25 = np.array(vals, dtype=np.float64)[order]
        self.post_weight = np.array(presence, dtype=np.float64)[order]
        self.post_start = np.searchsorted(np.array(rows, dtype=np.int64)[order], np.arange(len(self.vocab) + 1))
        # the same per entry: which entries hold a feature in any of their phrasings
        pairs = sorted({(self.vocab[f], self.doc_entry[d]) for d, feats in enumerate(doc_feats) for f in feats})
        self.ent_rows = np.array([r for r, _ in pairs], dtype=np.int64)
        self.ent_ids = np.array([e for _, e in pairs], dtype=np.int32)
        self.ent_weight = np.array([self.feat_weight[r] for r, _ in pairs])
        self.ent_start = np.searchsorted(self.ent_rows, np.arange(len(self.vocab) + 1))
        self.doc_fids = [frozenset(self.vocab[f] for f in feats) for feats in doc_feats]
        self.doc_mass = np.maximum(mass, 1e-6)
        self.doc_len = np.array([len(t) for t in self.doc_text], dtype=np.float32)
        self.doc_subjects = np.array([self._subjects(t) for t in self.doc_text], dtype=np.int64)
        self.min_doc_len = float(self.doc_len.min()) if n_docs else 0.0

        # toneless pinyin -> the FAQ's own word, to read questions typed in pinyin
        self.pinyin_words: dict[tuple[str, ...], str] = {}
        for word, _ in vocab_words.most_common():
            key = tuple(syllables(word))
            if key and key not in self.pinyin_words:
                self.pinyin_words[key] = word
        words_in_faq = "".join(self.doc_text)
        self.off_topic_words = [w for w in self.lexicon.off_topic if w not in words_in_faq]
        # The domain gate holds only for an FAQ that is itself about the domain (not, say, DIAC2019).
        domain = [w for w in self.lexicon.domain if w in words_in_faq]
        covered = sum(1 for t in self.doc_text if any(w in t for w in domain))
        self.domain_words = domain if self.doc_text and covered >= DOMAIN_SHARE * len(self.doc_text) else []
        self._chitchat = self._chitchat_pattern()
        per_entry = n_docs / max(1, len(self.entries))
        share = min(1.0, max(0.0, (per_entry - 2) / 8))
        self.calibration = tuple(few + share * (many - few)
                                 for few, many in zip(CALIBRATION_FEW, CALIBRATION_MANY, strict=True))

    # -- reading the question -------------------------------------------------

    def _chitchat_pattern(self) -> re.Pattern | None:
        parts = sorted({*self.lexicon.chitchat, *self.lexicon.fillers}, key=len, reverse=True)
        if not self.lexicon.chitchat:
            return None
        return re.compile("|".join(re.escape(p) for p in parts))

    def _from_pinyin(self, text: str) -> str:
        """Rewrite toneless pinyin runs into the FAQ's own words where they read as them."""

        def convert(m: re.Match) -> str:
            syl = split_pinyin(m.group())
            if not syl:
                return m.group()
            out, i = [], 0
            while i < len(syl):
                for j in range(min(len(syl), i + 8), i, -1):
                    word = self.pinyin_words.get(tuple(syl[i:j]))
                    if word:
                        out.append(word)
                        i = j
                        break
                else:
                    out.append(syl[i])
                    i += 1
            return "".join(out)

        return LATIN_RUN.sub(convert, text)

    def canonical(self, question: str) -> str:
        return canonical(question, self.lexicon, self._from_pinyin)

    def weight(self, feature: str) -> float:
        """How much FEATURE counts: its kind's weight times its IDF (a feature no phrasing has is rarest)."""
        return WEIGHTS[feature[0]] * self.idf.get(feature, self.unknown_idf)

    def raw_score(self, similarity: float, coverage: float) -> float:
        """An entry's score before its lead over the next entry counts."""
        sim_w, cov_w, _, _ = self.calibration
        return sim_w * similarity + cov_w * coverage

    def confidence(self, raw: float, lead: float) -> float:
        """0-100 from an entry's score and its lead over the next entry."""
        _, _, lead_w, scale = self.calibration
        return max(0.0, min(100.0, scale * (raw + lead_w * lead)))

    def _subjects(self, text: str) -> int:
        """Bit mask of the insurances TEXT names."""
        mask = 0
        for bit, names in enumerate(self.lexicon.subjects.values()):
            if any(w in text for w in names):
                mask |= 1 << bit
        return mask

    def is_chitchat(self, text: str) -> bool:
        compact = _SPACE.sub("", text)
        if not compact:
            return True
        if self._chitchat is None:
            return False
        return not self._chitchat.sub("", compact)

    # -- matching -------------------------------------------------------------

    def match(self, question: str, limit: int = 5, exclude: int | None = None) -> MatchResult:
        """Rank the entries for QUESTION; the first candidate is the best. EXCLUDE: a phrasing index to leave out."""
        text = self.canonical(question)
        result = MatchResult(text=text)
        if self.is_chitchat(text):
            result.chitchat = True
            return result
        if not self.entries:
            return result
        result.off_topic = any(w in text for w in self.off_topic_words)
        result.in_domain = not self.domain_words or any(w in text for w in self.domain_words)
        best = self._rank(text, limit, exclude, result.off_topic)
        compact = _SPACE.sub("", text)
        if len(compact) > RUN_ON_CHARS:
            # A run-on message: the question is one clause of a story, so its parts are tried too. The
            # asking clause (after 我想问, or the end) may change the answer; a clause from the middle of
            # the story may only make the whole message's own best entry more certain.
            whole = best[0].entry.id if best else None
            for part, asking in _parts(compact):
                found = self._rank(part, limit, exclude, result.off_topic)
                if not found or (best and found[0].score <= best[0].score):
                    continue
                if asking or found[0].entry.id == whole:
                    best = found
        result.candidates = best
        return result

    def _rank(self, text: str, limit: int, exclude: int | None, off_topic: bool) -> list[Candidate]:
        out: list[Candidate] = []
        qfeats = featurize(text, self.lexicon.stopwords, self.tokenizer)
        ids = [self.vocab[f] for f in qfeats if f in self.vocab]
        if not ids:
            return out
        start = self.post_start
        spans = [slice(start[i], start[i + 1]) for i in ids]
        docs = np.concatenate([self.post_docs[s] for s in spans])
        n_docs = len(self.doc_text)
        bm25 = np.bincount(docs, np.concatenate([self.post_bm25[s] for s in spans]), n_docs)
        shared = np.bincount(docs, np.concatenate([self.post_weight[s] for s in spans]), n_docs)
        qmass = sum(self.weight(f) for f in qfeats) or 1.0
        cov_q = shared / qmass
        cov_d = shared / self.doc_mass
        sim = 2 * cov_q * cov_d / np.maximum(cov_q + cov_d, 1e-9)
        qlen = len(_SPACE.sub("", text))
        if qlen > 2.5 * self.min_doc_len:
            # a run-on message: judge a short phrasing by how much of it the message holds
            run_on = cov_d * (0.55 + 0.45 * np.minimum(1.0, cov_q * 2.5))
            sim = np.where(qlen > 2.5 * self.doc_len, np.maximum(sim, run_on), sim)
        asked = self._subjects(text)
        if asked:
            # a phrasing about another insurance than the one asked about counts for less
            other = (self.doc_subjects != 0) & ((self.doc_subjects & asked) == 0)
            keep = np.where(other, 1 - SUBJECT_PENALTY, 1.0)
            sim = sim * keep
        else:
            keep = np.ones(len(sim))
        rank = sim + 0.02 * bm25 / (float(bm25.max()) or 1.0)
        if exclude is not None:
            bm25[exclude] = 0.0
        top = min(SHORTLIST_DOCS, len(rank))
        shortlist = np.argpartition(-rank, top - 1)[:top]
        best_by_entry: dict[int, tuple[float, int, float]] = {}
        for d in shortlist.tolist():
            if bm25[d] <= 0:
                continue
            e = self.doc_entry[d]
            if e not in best_by_entry or rank[d] > best_by_entry[e][0]:
                best_by_entry[e] = (float(rank[d]), d, float(sim[d]))
        ranked = sorted(best_by_entry.items(), key=lambda kv: -kv[1][0])[:CANDIDATES]
        if not ranked:
            return out
        es = self.ent_start
        espans = [slice(es[i], es[i + 1]) for i in ids]
        ent_cov = np.bincount(np.concatenate([self.ent_ids[s] for s in espans]),
                              np.concatenate([self.ent_weight[s] for s in espans]), len(self.entries)) / qmass
        if exclude is not None:  # the entry's coverage without the phrasing left out
            own = self.doc_entry[exclude]
            rest = set().union(*(self.doc_fids[d] for d in range(len(self.doc_entry))
                                 if self.doc_entry[d] == own and d != exclude))
            ent_cov[own] = sum(self.feat_weight[i] for i in set(ids) & rest) / qmass
        raw = {e: self.raw_score(sim, float(ent_cov[e] * keep[d])) for e, (_, d, sim) in ranked}
        scored = sorted(((r + RAW_IN_RANK * raw[e], e, d, sim) for e, (r, d, sim) in ranked), reverse=True)
        raws = [raw[e] for _, e, _, _ in scored]
        for pos, (_, e, d, sim) in enumerate(scored[:limit]):
            lead = raws[0] - raws[1] if pos == 0 and len(raws) > 1 else (raws[0] if pos == 0 else 0.0)
            conf = self.confidence(raws[pos], lead)
            if off_topic:
                conf = min(conf, 20.0)
            out.append(Candidate(self.entries[e], round(conf, 1), self.doc_text[d], sim, float(ent_cov[e])))
        return out


def _parts(text: str) -> list[tuple[str, bool]]:
    """Clauses of a long message to match on their own, each with whether it is the asking one:
    the text after "我想问" and the end of the message ask; overlapping windows before them tell."""
    parts = []
    marker = _ASK.search(text)
    if marker:
        parts.append((text[marker.end():][: WINDOW * 2], True))
    parts.append((text[-WINDOW:], True))
    step = WINDOW // 2
    parts.extend((text[i : i + WINDOW], False) for i in range(0, max(1, len(text) - WINDOW), step))
    return [(p, asking) for p, asking in parts if len(p) >= 6]
