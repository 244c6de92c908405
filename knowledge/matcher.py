"""Find the FAQ entry a question asks for, and how sure we are.

Every phrasing is indexed by its words, characters, character pairs and pinyin
pairs. For a question, each phrasing gets a similarity (how much of the
question it holds and how much of it the question holds, IDF-weighted) and a
BM25 score; each entry gets its best phrasing's similarity and how much of the
question all its phrasings cover together. The confidence is a learned estimate
of P(right) from those measures (knowledge/confidence.py). A long message is also
matched by its question sentence(s) and deciding facts (knowledge/letters.py).
The index is built once; matching does no I/O.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from knowledge import bulk, index_cache, letters, postings
from knowledge.confidence import ConfidenceModel, shipped_model
from knowledge.features import WEIGHTS, featurize, new_tokenizer, syllables, tokens
from knowledge.lexicon import Lexicon
from knowledge.model import Entry
from textnorm.normalize import CJK_CHAR, LATIN_RUN, canonical, clean, split_pinyin

K1 = 1.2
B = 0.75
SHORTLIST_DOCS = 40
CANDIDATES = 8
# How an entry's raw score weighs (best phrasing's similarity, the entry's coverage of the question).
# With many phrasings an entry's combined coverage is good evidence; with one to three (like DIAC2019,
# where near-duplicate questions sit in other groups) it is little more than its best phrasing.
RAW_MANY = (0.3, 0.6)  # 10 or more phrasings per entry
RAW_FEW = (0.5, 0.45)  # 2 per entry
RAW_IN_RANK = 3.0
RUN_ON_CHARS = 50
LETTER_CHARS = 30  # from this length a message is also read for its question sentence(s)
DEFINING_MIN = 6  # phrasings an entry needs before words can be told to define it
MUST_SHARE = 0.7  # ... and words in this share of them are must-have words
DEFINING_PENALTY = 0.3  # share of its raw score an entry loses when the question lacks all its defining words
# The entries' complement naive Bayes (see Index._naive_bayes): its smoothing, and how much its log-probability
# counts in the ranking next to the similarity score, at 10 or more phrasings per entry (none at 2: with a
# paraphrase or two per entry there is nothing to learn from that the similarity does not see).
NB_ALPHA = 0.5
NB_IN_RANK = 0.8
NB_MIN_SHARE = 0.1
NB_EXTRA = 3  # naive Bayes' best entries added to the candidates when the phrasing shortlist missed them
REPEATED = 0.6  # a message this repetitive (1 - distinct/all characters) that asks nothing is not answered
DOMAIN_SHARE = 0.8
SUBJECT_PENALTY = 0.25
FORK_PHRASINGS = 2000  # from this many phrasings a first build reads them on two cores (knowledge/bulk.py)
NO_SUBJECT_PENALTY = 0.2  # a phrasing naming no insurance, against a question that names one

_SPACE = re.compile(r"\s+")

# what the index was given or made before building: never part of its cached state
_NOT_CACHED = frozenset({"entries", "lexicon", "model", "_places", "_pleas", "tokenizer", "doc_fids", "_entry_index"})


def _runs(start: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of features IDS' postings, feature after feature (START[i]: where feature i's begin),
    and how many each feature has."""
    lo = start[ids]
    n = start[ids + 1] - lo
    ends = np.cumsum(n)
    if not len(ends):
        return ends, n
    return np.arange(ends[-1]) + np.repeat(lo - (ends - n), n), n


@dataclass(frozen=True)
class Candidate:
    """One entry considered for a question."""

    entry: Entry
    score: float  # 0-100 confidence; for the best, its lead over the next entry counts too
    phrasing: str  # the phrasing that matched best
    similarity: float  # 0-1 before the margin is taken into account
    coverage: float = 0.0  # share of the question found anywhere in the entry's phrasings
    features: dict[str, float] = field(default_factory=dict, compare=False)  # what the score was made from


@dataclass
class MatchResult:
    """What the matcher found for one question."""

    text: str  # the canonical text that was matched
    candidates: list[Candidate] = field(default_factory=list)
    chitchat: bool = False
    off_topic: bool = False
    in_domain: bool = True  # False: the FAQ's subject words are missing, so no confident answer
    asks: bool = True  # False: a long, repetitive message with no question in it, so no confident answer
    out_of_scope: str | None = None  # a topic of lexicon/out_of_scope.yaml the question names (公积金 ...)
    focus: str | None = None  # the question sentence(s) and facts of a letter, when they were matched

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Index:
    """The searchable form of a list of FAQ entries."""

    def __init__(self, entries: list[Entry], lexicon: Lexicon | None = None, model: ConfidenceModel | None = None,
                 *, cache: bool = False):
        """CACHE: keep the built index in the user's cache folder and use it while nothing it was built
        from has changed (knowledge/index_cache.py); the index is the same either way."""
        self.entries = list(entries)
        self.lexicon = lexicon or Lexicon()
        self.model = model or shipped_model()
        # Place names are set aside in phrasings and questions alike: answers hold everywhere and say
        # where local rules differ, so "深圳" in a question must not stop an answer or pull in a phrasing.
        places = sorted(self.lexicon.places, key=len, reverse=True)
        self._places = re.compile(f"(?:{'|'.join(map(re.escape, places))})(?:省|市|自治区|区|县)?") if places else None
        # so are the words that only beg an answer ("在线等", "求解答"): they tell what is asked no more than
        # a place does (the message still asks: letters.asks reads them before)
        pleas = sorted(self.lexicon.pleas, key=len, reverse=True)
        self._pleas = re.compile("|".join(map(re.escape, pleas))) if pleas else None
        self.tokenizer = new_tokenizer(self.lexicon, set(self.lexicon.synonyms.values()))  # its own jieba
        name, state = index_cache.lookup(self.entries, self.lexicon) if cache else (None, None)
        if state is not None:
            self.__dict__.update(state)
            self.out_of_scope = self.lexicon.out_of_scope
            return
        with bulk.collector_paused():
            self._build()
        if name:
            index_cache.save(name, self.state())

    def state(self) -> dict:
        """What an index file keeps of this index (knowledge/index_cache.py)."""
        return {k: v for k, v in vars(self).items() if k not in _NOT_CACHED}

    def _build(self) -> None:
        self.doc_entry: list[int] = []
        self.doc_text: list[str] = []
        self.doc_phrasing: list[str] = []
        subjects: list[int] = []
        vocab_words: Counter = Counter()
        parts = bulk.split_map(self._read, self._halves())
        for docs, _, words in parts:
            for e_index, text, named, phrasing in docs:
                self.doc_entry.append(e_index)
                self.doc_text.append(text)
                subjects.append(named)
                self.doc_phrasing.append(phrasing)
            vocab_words.update(words)  # Counter keeps first-seen order: as one pass over all would

        n_docs = len(self.doc_text)
        vocab, counts = postings.joined([numbered for _, numbered, _ in parts])
        built = postings.build(vocab, counts, self.doc_entry, len(self.entries), K1, B)
        self._postings = built
        self.vocab, self.feat_weight = built.vocab, built.feat_weight
        self.unknown_idf = math.log(1 + (n_docs + 0.5) / 0.5)
        # one run per feature: the phrasings holding it, with its BM25 score (its plain weight: weight_of)
        self.post_docs, self.post_bm25, self.weight_of = built.post_docs, built.post_bm25, built.weight_of
        self.post_start = built.post_start
        # the same per entry: which entries hold a feature in any of their phrasings
        self.ent_rows, self.ent_ids = built.ent_rows, built.ent_ids
        self.ent_start = built.ent_start
        self.defining = self._defining_words()
        self.doc_mass = built.doc_mass
        self.doc_word_mass = built.doc_word_mass
        self.is_word = built.is_word
        self.unknown_weight = {kind: w * self.unknown_idf for kind, w in WEIGHTS.items()}
        self.doc_len = np.array([len(t) for t in self.doc_text], dtype=np.float32)
        self.doc_subjects = np.array(subjects, dtype=np.int64)
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
        self.out_of_scope = self.lexicon.out_of_scope  # named only when the FAQ has no answer: the FAQ may use them
        # ... but only the words no phrasing uses keep a question out of the domain (the FAQ answers 意外险)
        self.out_of_scope_only = {t: [w for w in ws if w not in words_in_faq] for t, ws in self.out_of_scope.items()}
        per_entry = n_docs / max(1, len(self.entries))
        self.log_per_entry = math.log(max(1.0, per_entry))
        share = min(1.0, max(0.0, (per_entry - 2) / 8))
        self.raw_weights = tuple(few + share * (many - few) for few, many in zip(RAW_FEW, RAW_MANY, strict=True))
        # below NB_MIN_SHARE (about 2.8 phrasings per entry, DIAC2019 has 2) it would cost a millisecond a
        # question for a weight too small to change a ranking: off, and its features zero
        self.nb_in_rank = NB_IN_RANK * share if share >= NB_MIN_SHARE else 0.0
        by_entry = self.doc_entry_array = np.array(self.doc_entry, dtype=np.int64)
        self.entry_docs = np.split(np.argsort(by_entry, kind="stable"),
                                   np.cumsum(np.bincount(by_entry, minlength=len(self.entries)))[:-1])
        if self.nb_in_rank:
            self._naive_bayes(counts.tf)

    def _halves(self) -> list[range]:
        """The entries in two runs of about as many phrasings each (one when there are few: a fork costs
        more than reading a few hundred phrasings)."""
        sizes = np.cumsum([len(e.phrasings) for e in self.entries])
        if not len(sizes) or sizes[-1] < FORK_PHRASINGS:
            return [range(len(self.entries))]
        middle = int(np.searchsorted(sizes, sizes[-1] / 2)) + 1
        return [range(middle), range(middle, len(self.entries))]

    def _read(self, span: range) -> tuple[list[tuple[int, str, int, str]], postings.Counts, Counter]:
        """The phrasings of the entries in SPAN as the index keeps them, the same text once per entry:
        (entry number, canonical text without spaces, the insurances it names, phrasing) each, and their
        feature counts; and the CJK words of the phrasings as written and as canonical, counted (for
        reading pinyin back)."""
        stop = self.lexicon.stopwords
        docs: list[tuple[int, str, int, str]] = []
        doc_feats: list[Counter] = []
        vocab_words: Counter = Counter()
        cut: dict[str, list[str]] = {}  # each text is cut by jieba once

        def tokens_of(text: str) -> list[str]:
            found = cut.get(text)
            if found is None:
                found = cut[text] = tokens(text, self.tokenizer)
            return found

        for e_index in span:
            seen = set()
            for phrasing in self.entries[e_index].phrasings:
                text = self.set_places_aside(canonical(phrasing, self.lexicon))[0]
                if not text or text in seen:
                    continue
                seen.add(text)
                text_tokens = tokens_of(text)
                doc_feats.append(featurize(text, stop, cut=text_tokens))
                compact = _SPACE.sub("", text)
                docs.append((e_index, compact, self._subjects(compact), phrasing))
                vocab_words.update(w for w in tokens_of(clean(phrasing)) if CJK_CHAR.search(w))
                vocab_words.update(w for w in text_tokens if CJK_CHAR.search(w))
        return docs, postings.numbered(doc_feats), vocab_words

    def _naive_bayes(self, tf: np.ndarray) -> None:
        """A complement naive Bayes over the entries (Rennie et al. 2003), learned from the phrasings in
        closed form: where the similarity asks which phrasing is nearest, this asks which entry's words the
        question's words point to, and so learns that 没交 points to arrears though 辞职 sits in more
        unemployment phrasings. A phrasing is its features' sublinear TF-IDF, L2-normalised; per entry c and
        feature i the complement count is F_i + alpha - F_ci. Kept as postings: the score of entry c is
        sum_i q_i (log(F_i + alpha) - log(F_i + alpha - F_ci)) over the features c holds, plus
        (sum_i q_i) log S_c, where S_c is the sum of c's complement counts (the rest is the same for every
        entry). TF: the counts of the features in flat_rows."""
        n_feats, n_entries, n_docs = len(self.vocab), len(self.entries), len(self.doc_entry)
        p = self._postings
        rows = p.flat_rows  # phrasing after phrasing
        docs = np.repeat(np.arange(n_docs), np.diff(p.doc_start))
        kind = np.array([WEIGHTS[f[0]] for f in self.vocab], dtype=np.float64)
        idf = np.log((1 + n_docs) / (1 + np.bincount(rows, minlength=n_feats))) + 1
        v = (1 + np.log(tf * kind[rows])) * idf[rows]
        v /= np.maximum(np.sqrt(np.bincount(docs, v * v, n_docs)), 1e-12)[docs]
        self.nb_idf, self.nb_kind, self.nb_flat = idf, kind, v  # nb_flat: each phrasing's vector, to leave it out
        # each (feature, entry) pair's place among the entry postings (sorted by feature, then entry)
        pair = np.searchsorted(self.ent_rows * n_entries + self.ent_ids,
                               rows * n_entries + np.asarray(self.doc_entry, dtype=np.int64)[docs])
        self.nb_per_entry = np.bincount(pair, v, len(self.ent_rows))  # F_ci, aligned with the entry postings
        self.nb_total = np.bincount(rows, v, n_feats)  # F_i
        total = self.nb_total[self.ent_rows] + NB_ALPHA
        self.nb_post = np.log(total) - np.log(total - self.nb_per_entry)
        held = np.bincount(self.ent_ids, self.nb_per_entry, n_entries)
        self.nb_log_sum = np.log(np.maximum(self.nb_total.sum() + NB_ALPHA * n_feats - held, 1e-9))

    def _nb_vector(self, qfeats: Counter, ids: np.ndarray) -> np.ndarray:
        """The question's naive Bayes vector over IDS, its feature numbers in the order of QFEATS."""
        tf = np.array([n for f, n in qfeats.items() if f in self.vocab], dtype=np.float64)
        v = (1 + np.log(tf * self.nb_kind[ids])) * self.nb_idf[ids]
        return v / (np.linalg.norm(v) or 1.0)

    def naive_bayes(self, qfeats: Counter, ids: np.ndarray, exclude: int | None = None) -> np.ndarray:
        """log P(entry | question) under the complement naive Bayes, for every entry; EXCLUDE: a phrasing
        left out (its counts taken away, as if it were not in the FAQ)."""
        vec = self._nb_vector(qfeats, ids)
        es = self.ent_start
        at, counts = _runs(es, ids)
        weights = np.repeat(vec, counts)
        log_sum = self.nb_log_sum
        if exclude is None:
            posts = self.nb_post[at]
        else:
            start = self._postings.doc_start
            run = slice(start[exclude], start[exclude + 1])
            left = dict(zip(self._postings.flat_rows[run].tolist(), self.nb_flat[run].tolist(), strict=True))
            own = self.doc_entry[exclude]
            parts = []
            for i in ids.tolist():
                s = slice(es[i], es[i + 1])
                total = self.nb_total[i] - left.get(i, 0.0) + NB_ALPHA
                per = self.nb_per_entry[s] - np.where(self.ent_ids[s] == own, left.get(i, 0.0), 0.0)
                parts.append(np.log(total) - np.log(np.maximum(total - per, 1e-12)))
            posts = np.concatenate(parts)
            log_sum = np.log(np.exp(self.nb_log_sum) - sum(left.values()))
            log_sum[own] = self.nb_log_sum[own]
        score = np.bincount(self.ent_ids[at], weights * posts, len(self.entries))
        score = score + vec.sum() * log_sum
        score -= score.max()
        return score - math.log(np.exp(score).sum())

    def _defining_words(self) -> list[dict[int, float]]:
        """Per entry, the words that make it what it is: in a third of its phrasings or more (it has
        DEFINING_MIN or more) and mostly in none other's; those in nearly all of them (互助 for the
        union's mutual aid, 滞纳金 for late fees) are its must-have words (self.must)."""
        cjk_word = np.fromiter((f.startswith("w:") and bool(CJK_CHAR.search(f)) for f in self.vocab),
                               dtype=bool, count=len(self.vocab))
        out, self.must = postings.defining_words(self._postings, self.doc_entry, len(self.entries), cjk_word,
                                                 DEFINING_MIN, MUST_SHARE)
        return out

    @functools.cached_property
    def doc_fids(self) -> list[frozenset[int]]:
        """Each phrasing's feature numbers (for leaving a phrasing out: `faq test`, training)."""
        rows, start = self._postings.flat_rows.tolist(), self._postings.doc_start.tolist()
        return [frozenset(rows[start[d]:start[d + 1]]) for d in range(len(self.doc_entry))]

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
        i = self.vocab.get(feature)
        return self.unknown_weight[feature[0]] if i is None else self.feat_weight[i]

    def raw_score(self, similarity: float, coverage: float) -> float:
        """An entry's score for ranking, before its lead over the next entry counts."""
        sim_w, cov_w = self.raw_weights
        return sim_w * similarity + cov_w * coverage

    def _subjects(self, text: str) -> int:
        """Bit mask of the insurances TEXT names (bit i: the i-th subject of subjects.yaml)."""
        named = self.lexicon.subjects_named(text)
        return sum(1 << bit for bit, name in enumerate(self.lexicon.subjects) if name in named)

    def is_chitchat(self, text: str) -> bool:
        compact = _SPACE.sub("", text)
        if not compact:
            return True
        if self._chitchat is None:
            return False
        return not self._chitchat.sub("", compact)

    def set_places_aside(self, text: str) -> tuple[str, bool]:
        """TEXT without the place names the FAQ does not use (and without pleas for an answer), and whether
        there were any place names."""
        if self._pleas is not None:
            text = _SPACE.sub(" ", self._pleas.sub(" ", text)).strip()
        if self._places is None:
            return text, False
        out = self._places.sub(" ", text)
        return (_SPACE.sub(" ", out).strip(), True) if out != text else (text, False)

    def _sentence(self, raw: str) -> str:
        return self.set_places_aside(self.canonical(raw))[0]

    # -- matching -------------------------------------------------------------

    def match(self, question: str, limit: int = 5, exclude: int | None = None,
              absent: int | None = None) -> MatchResult:
        """Rank the entries for QUESTION; the first candidate is the best. EXCLUDE: a phrasing index to leave
        out; ABSENT: an entry index to leave out whole (to learn what a question on a topic the FAQ lacks
        looks like: bench/confidence_data.py)."""
        text = self.canonical(question)
        result = MatchResult(text=text)
        if self.is_chitchat(text):
            result.chitchat = True
            return result
        if not self.entries:
            return result
        result.off_topic = any(w in text for w in self.off_topic_words)
        result.in_domain = not self.domain_words or any(w in text for w in self.domain_words)
        result.out_of_scope = next((t for t, ws in self.out_of_scope.items() if any(w in text for w in ws)), None)
        if result.out_of_scope and self.lexicon.subjects:
            if self._subjects(text):
                # "工伤保险怎么理赔", "劳务派遣员工受了工伤找谁赔": one of ours, not pointed elsewhere
                result.out_of_scope = None
            elif any(w in text for w in self.out_of_scope_only[result.out_of_scope]):  # words no phrasing uses
                result.in_domain = False  # "公积金怎么提取" names none of our insurances: not ours to answer
        if result.out_of_scope and self.domain_words:
            # the outside topic's own words (意外险 holds 险) are no sign of ours unless staff made them domain
            # words: "给老人买的意外险怎么理赔"
            rest = text
            for w in self.out_of_scope[result.out_of_scope]:
                if w not in self.domain_words:
                    rest = rest.replace(w, " ")
            result.in_domain = result.in_domain and any(w in rest for w in self.domain_words)
        asking = letters.asks(text, self.lexicon)  # before pleas are set aside: "入工会条件，求解答" asks
        text, place = self.set_places_aside(text)
        compact = _SPACE.sub("", text)
        repeated = 1 - len(set(compact)) / len(compact) if compact else 0.0
        context = {"in_domain": float(result.in_domain), "off_topic": float(result.off_topic),
                   "repeated": repeated, "run_on": float(len(compact) > RUN_ON_CHARS), "place": float(place),
                   "focused": 0.0, "outside": float(result.out_of_scope is not None)}
        best = self._rank(text, limit, exclude, {**context, "asks": float(asking)}, absent)
        if len(compact) >= LETTER_CHARS:
            # A letter: its question sentence(s) and the facts of its story are matched too, and the surer
            # of the two readings wins (the model knows which one it is scoring).
            letter = letters.read(question, self.lexicon, self._sentence)
            result.asks = letter.asks or repeated < REPEATED
            focus = letter.focus
            readings = []
            if focus and _SPACE.sub("", focus) != compact:
                found = self._rank(focus, limit, exclude, {**context, "asks": float(letter.asks), "focused": 1.0},
                                   absent)
                if found:
                    readings.append((found, focus))
            if letter.combined:
                # a deciding fact told together (an over-age worker's injury) reads the whole story too
                whole = " ".join([*letter.combined, text])
                found = self._rank(whole, limit, exclude, {**context, "asks": float(letter.asks)}, absent)
                if found:
                    readings.append((found, whole))
            # the entries each reading ranks first, ties included (a calibrated score is often a step)
            tops = [{c.entry.id for c in found if c.score >= found[0].score} for found, _ in readings]
            agreed = set.intersection(*tops) if len(readings) == 2 else set()
            if agreed and best and best[0].entry.id not in agreed:
                # the question and the story read with its deciding fact agree against the bare story
                best, result.focus = max((r for r in readings if r[0][0].entry.id in agreed),
                                         key=lambda r: r[0][0].score)
            else:
                for found, reading in readings:
                    if not best or found[0].score > best[0].score:
                        best, result.focus = found, reading
        if best and result.out_of_scope and result.in_domain:
            # a topic outside the FAQ named, none of ours, and the best entry never speaks of it: the
            # question is that topic's ("交通事故伤残鉴定什么时候做" is no work-injury assessment)
            named = [w for ws in self.out_of_scope.values() for w in ws if w in result.text]
            if named and self._unused(self._entry_index[best[0].entry.id], named, exclude):
                result.in_domain = False
        result.candidates = best
        return result

    @functools.cached_property
    def _entry_index(self) -> dict[str, int]:
        return {e.id: i for i, e in enumerate(self.entries)}

    def _unused(self, e: int, words: list[str], exclude: int | None) -> bool:
        """Whether one of WORDS is in none of entry E's phrasings (but the phrasing EXCLUDE left out)."""
        texts = [self.doc_text[d] for d in self.entry_docs[e].tolist() if d != exclude]
        return any(not any(w in t for t in texts) for w in words)

    def _rank(self, text: str, limit: int, exclude: int | None, context: dict[str, float],
              absent: int | None = None) -> list[Candidate]:
        out: list[Candidate] = []
        qfeats = featurize(text, self.lexicon.stopwords, self.tokenizer)
        vocab, feat_weight, unknown_weight = self.vocab, self.feat_weight, self.unknown_weight
        found: list[int] = []
        qmass = unknown = 0.0
        for f in qfeats:  # weight() inlined, summed in the question's order
            i = vocab.get(f)
            if i is None:
                w = unknown_weight[f[0]]
                unknown += w
                qmass += w
            else:
                found.append(i)
                qmass += feat_weight[i]
        if not found:
            return out
        qmass = qmass or 1.0
        unknown /= qmass
        ids = np.array(found, dtype=np.int64)
        at, counts = _runs(self.post_start, ids)
        docs = self.post_docs[at]
        n_docs = len(self.doc_text)
        weight = self.weight_of[ids]
        bm25 = np.bincount(docs, self.post_bm25[at], n_docs)
        shared = np.bincount(docs, np.repeat(weight, counts), n_docs)
        word = self.is_word[ids]
        word_at, word_counts = _runs(self.post_start, ids[word])
        words_held = (np.bincount(self.post_docs[word_at], np.repeat(weight[word], word_counts), n_docs)
                      / self.doc_word_mass if len(word_at) else np.zeros(n_docs))
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
            keep = np.where(other, 1 - SUBJECT_PENALTY, np.where(self.doc_subjects == 0, 1 - NO_SUBJECT_PENALTY, 1.0))
            sim = sim * keep
        else:
            keep = np.ones(len(sim))
        rank = sim + 0.02 * bm25 / (float(bm25.max()) or 1.0)
        if exclude is not None:
            bm25[exclude] = 0.0
        if absent is not None:
            bm25[self.entry_docs[absent]] = 0.0
        top_bm25 = float(bm25.max()) or 1.0
        top = min(SHORTLIST_DOCS, len(rank))
        shortlist = np.argpartition(-rank, top - 1)[:top]
        shortlist = shortlist[bm25[shortlist] > 0]
        # each entry by its best phrasing on the shortlist, best first
        shortlist = shortlist[np.argsort(-rank[shortlist], kind="stable")]
        _, first = np.unique(self.doc_entry_array[shortlist], return_index=True)
        best = shortlist[np.sort(first)[:CANDIDATES]].tolist()
        ranked = [(self.doc_entry[d], (float(rank[d]), d, float(sim[d]))) for d in best]
        if not ranked:
            return out
        nb = self.naive_bayes(qfeats, ids, exclude) if self.nb_in_rank else np.zeros(len(self.entries))
        if absent is not None and self.nb_in_rank:
            nb[absent] = -np.inf
        nb_top = int(np.argmax(nb)) if self.nb_in_rank else -1
        if self.nb_in_rank:
            # the entries naive Bayes likes best are considered too, by their nearest phrasing
            have = {e for e, _ in ranked}
            for e in np.argsort(-nb)[:NB_EXTRA].tolist():
                docs = self.entry_docs[e]
                if e in have or not len(docs):
                    continue
                d = int(docs[np.argmax(rank[docs])])
                if bm25[d] > 0:
                    ranked.append((e, (float(rank[d]), d, float(sim[d]))))
        at, counts = _runs(self.ent_start, ids)
        ent_cov = np.bincount(self.ent_ids[at], np.repeat(weight, counts), len(self.entries)) / qmass
        if exclude is not None:  # the entry's coverage without the phrasing left out
            own = self.doc_entry[exclude]
            rest = set().union(*(self.doc_fids[d] for d in self.entry_docs[own].tolist() if d != exclude))
            ent_cov[own] = sum(self.feat_weight[i] for i in set(found) & rest) / qmass
        cover = {e: float(ent_cov[e] * keep[d]) for e, (_, d, _) in ranked}
        present = set(found)
        defining = {}
        for e, _ in ranked:
            words_of = self.defining[e]
            total = sum(words_of.values())
            defining[e] = sum(w for i, w in words_of.items() if i in present) / total if total else 1.0
            if self.must[e] and not self.must[e] & present:
                defining[e] = -1.0  # not one of its must-have words: "医保一年交多少钱" is not about 互助医保
        # an entry whose defining words the question lacks answers a narrower question than the one asked
        raw = {e: self.raw_score(s, cover[e]) * (1 - DEFINING_PENALTY * (1 - defining[e])) for e, (_, _, s) in ranked}
        key = {e: float(r + RAW_IN_RANK * raw[e] + self.nb_in_rank * nb[e]) for e, (r, _, _) in ranked}
        scored = sorted(((key[e], e, d, s) for e, (_, d, s) in ranked), reverse=True)
        # the lead is taken on the ranking key, in the raw score's units
        leads = [k / (1 + RAW_IN_RANK) for k, _, _, _ in scored]
        sims = [s for _, _, _, s in scored]
        nbs = sorted(nb.tolist(), reverse=True)[:2] if self.nb_in_rank else [0.0, 0.0]
        shared_features = {"log_length": math.log1p(qlen), "log_per_entry": self.log_per_entry, "unknown": unknown,
                           **context}
        rows = []
        for pos, (_, e, d, s) in enumerate(scored[:limit]):
            if pos == 0:
                lead, runner_up = (leads[0] - leads[1], sims[1]) if len(leads) > 1 else (leads[0], 0.0)
            else:
                lead, runner_up = leads[pos] - leads[0], sims[0]
            # naive Bayes' own lead: over its next entry for its first, below its first for the others
            nb_lead = float(nb[e] - (nbs[1] if e == nb_top and len(nbs) > 1 else nbs[0]))
            rows.append({"similarity": s, "coverage": cover[e], "lead": lead, "phrasing_held": float(cov_d[d]),
                         "phrasing_words_held": float(min(1.0, words_held[d])), "defining_held": defining[e],
                         "question_held": float(cov_q[d]), "bm25_share": float(bm25[d]) / top_bm25,
                         "runner_up": runner_up, "nb_lead": nb_lead, "nb_top": float(e == nb_top),
                         **shared_features})
        for (_, e, d, s), features, p in zip(scored, rows, self.model.probabilities(rows), strict=False):
            conf = 100.0 * p
            if context.get("off_topic"):
                conf = min(conf, 20.0)
            if out:  # a runner-up is never surer than the entry ranked above it
                conf = min(conf, out[-1].score)
            out.append(Candidate(self.entries[e], round(conf, 1), self.doc_text[d], s, cover[e], features))
        return out
