"""The answering path shared by the CLI and the bot: calculators first, then the FAQ, else help."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calculators import dialog
from calculators.core import calculator_spec
from calculators.router import STARTED
from knowledge.check import checked_entries, checked_lexicon
from knowledge.matcher import Index, MatchResult
from knowledge.model import Entry, FAQError
from shebao.checks import parameter_problems
from shebao.config import Config
from shebao.privacy import mask
from textnorm.limits import TELEGRAM_LIMIT, fit
from textnorm.texts import Texts

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 3


TEXTS = Texts("shebao")


def texts() -> dict[str, str]:
    """The answering path's user-facing sentences (shebao/texts.yaml)."""
    return TEXTS.all()


@dataclass
class Reply:
    """What the worker gets for one message, and why."""

    q: str
    kind: str  # "faq" | "calc" | "none"
    id: str | None
    best: str | None
    score: float
    suggestions: list[str]
    text: str
    entry: Entry | None = None
    calc_state: dialog.CalcState | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    private: bool = False  # about the worker's own figures or numbers: move to a private chat in groups
    chitchat: bool = False  # a greeting, thanks or empty message: not a question for the unanswered queue
    # filled by the conversation core (shebao.conversation), for the channels:
    question_id: int | None = None  # the stored question, for feedback; None when nothing was recorded
    source: str | None = None  # of the FAQ entry answered
    as_of: str | None = None
    limited: bool = False  # the flood limit said no: `text` is the polite note
    quiet: bool = False  # limited, and the note was already given for this flood: a chat stays silent
    turn: int | None = None  # the saved calculator dialog's turn (Telegram's choice buttons carry it)
    rateable: bool | None = None  # worth a 有用/没用 verdict: an answer or a figure, not a follow-up question
    greeting: bool = False  # the reply to a greeting (a group shows its own)
    handoff: int | None = None  # the hand-off (#N) this reply confirms (shebao.handoff)

    def __post_init__(self) -> None:
        if self.rateable is None:
            self.rateable = self.kind != "none"
        if self.entry is not None:
            self.source = self.source or self.entry.source
            self.as_of = self.as_of or self.entry.as_of.isoformat()

    def to_json(self) -> dict[str, Any]:
        return {"q": self.q, "kind": self.kind, "id": self.id, "best": self.best,
                "score": round(float(self.score), 1), "suggestions": list(self.suggestions), "reply": self.text}


def format_entry(entry: Entry) -> str:
    """An FAQ answer as the worker sees it, with its source and date, within Telegram's limit."""
    footer = texts()["footer"].format(source=entry.source, as_of=entry.as_of.isoformat())
    body = entry.answer.strip()
    room = TELEGRAM_LIMIT - len(footer) - 2
    if len(body) > room:
        body = body[: room - 1] + "…"
    return f"{body}\n\n{footer}"


def entry_text(entry: Entry) -> str:
    """An FAQ entry in full with its question on top (a deep link, a picked suggestion, a share)."""
    return fit(texts()["entry"].format(question=entry.question.strip(), answer=format_entry(entry)))


class Answerer:
    """Answers one message at a time from a built index; pure apart from logging."""

    def __init__(self, index: Index, config: Config, faq_path: Path | None = None):
        self.index = index
        self.config = config
        self.faq_path = faq_path
        self.entries = index.entries
        self._by_id = {e.id: e for e in self.entries}

    def entry(self, faq_id: str) -> Entry | None:
        return self._by_id.get(faq_id)

    def suggestion_label(self, faq_id: str) -> str:
        entry = self._by_id.get(faq_id)
        label = (entry.question if entry else faq_id).rstrip("？?")
        return label if len(label) <= 30 else label[:29] + "…"

    def search(self, text: str, limit: int = 10) -> list[tuple[Entry, float]]:
        """Entries for inline mode, best first: every entry the words reach. The confidence is the chance
        that the best entry answers a question; a one-word inline search ("工伤") is browsing, not asking,
        so its entries are listed however unsure that chance is."""
        result = self.index.match(text or "", limit=limit)
        return [(c.entry, c.score) for c in result.candidates if c.score > 0]

    def answer(self, text: str, state: dialog.CalcState | None = None, *, one_shot: bool = False) -> Reply:
        """The reply to one message. A bug raises: the channel's boundary logs it and apologises."""
        text = text if isinstance(text, str) else ""
        if state is not None and not one_shot:
            turn = dialog.advance(state, text, one_shot=False)
            if turn is not None:
                return self._calc_reply(text, state.name, turn, self.index.match(text))
        match = self.index.match(text)
        calc = dialog.detect(text)
        if calc is not None:
            turn = dialog.advance(calc, None, one_shot=one_shot)
            if turn is not None:
                return self._calc_reply(text, calc.name, turn, match)
        return self._faq_reply(text, match)

    def _calc_reply(self, text: str, name: str, turn: dialog.CalcTurn, match: MatchResult) -> Reply:
        best = match.best
        return Reply(
            q=text, kind="calc", id=f"calc:{name}", best=best.entry.id if best else None,
            score=best.score if best else 0.0, suggestions=[], text=fit(turn.text),
            calc_state=None if turn.done else turn.state, choices=list(turn.choices), private=True,
            rateable=turn.done and turn.result is not None,  # not a follow-up question, not "cancelled"
        )

    def start(self, name: str) -> Reply | None:
        """The first turn of calculator NAME without any numbers yet (a link from a group chat), or None
        when there is no such calculator."""
        try:
            title = calculator_spec(name)["title"]
        except KeyError:
            return None
        turn = dialog.advance(dialog.CalcState(name, {STARTED: True}), None, one_shot=False)
        return None if turn is None else self._calc_reply(title, name, turn, self.index.match(title))

    def _faq_reply(self, text: str, match: MatchResult) -> Reply:
        t = texts()
        best = match.best
        private = mask(text) != text
        if match.chitchat or best is None:
            body = t["greeting"] if match.chitchat and text.strip() else t["help"]
            return Reply(text, "none", None, None, 0.0, [], body, private=private, chitchat=match.chitchat)
        if best.score >= self.config.answer_threshold and match.in_domain and match.asks:
            return Reply(text, "faq", best.entry.id, best.entry.id, best.score, [], format_entry(best.entry),
                         entry=best.entry, private=private)
        suggestions = []
        if best.score >= self.config.suggest_threshold:
            near = [c.entry.id for c in match.candidates[1:] if c.score >= self.config.suggest_threshold]
            suggestions = [best.entry.id, *near][:MAX_SUGGESTIONS]
        # a question about the housing fund, commercial insurance, taxes or loans: say where to ask instead
        pointer = t["out_of_scope"].get(match.out_of_scope) if match.out_of_scope else None
        if suggestions:
            lines = [pointer] if pointer else []
            lines += [t["suggest_intro"]]
            lines += [f"{i}. {self.entry(s).question}" for i, s in enumerate(suggestions, 1)]
            lines += [t["suggest_outro"], t["hotline"]]
            body = "\n".join(lines)
        else:
            body = f"{pointer}\n{t['hotline']}" if pointer else t["help"]
        return Reply(text, "none", None, best.entry.id, best.score, suggestions, body, private=private)


def build_answerer(config: Config, faq_path: Path | None = None) -> Answerer:
    """Load, check and index the FAQ; raises FAQError (with PATH:LINE problems) when it has errors."""
    folder = Path(faq_path or config.faq_path)
    lexicon = checked_lexicon(config.lexicon_path)
    errors = parameter_problems()
    if errors:
        raise FAQError(errors)
    entries = checked_entries(folder)
    return Answerer(Index(entries, lexicon, cache=True), config, folder)
