"""What every judge takes and returns: items to judge and their per-order verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bench.winrate.stats import ItemOutcome


@dataclass(frozen=True)
class JudgeItem:
    """One (question, turn) to judge: the user turns up to `turn` and both answer sets' replies to them."""

    question_id: int | str
    turn: int
    category: str
    questions: tuple[str, ...]
    answers_a: tuple[str, ...]
    answers_b: tuple[str, ...]
    reference: tuple[str, ...] | None = None
    """The question's reference answers (one per turn), shown to the judge when present."""

    def __post_init__(self) -> None:
        if not (len(self.questions) == len(self.answers_a) == len(self.answers_b) == self.turn):
            raise ValueError(f"question {self.question_id} turn {self.turn}: needs {self.turn} questions and "
                             f"answers per side, got {len(self.questions)}/{len(self.answers_a)}/{len(self.answers_b)}")

    def conversation(self, side: str) -> list[dict[str, str]]:
        """The chat (user, assistant, ...) as held with answer set `side` ('A' or 'B')."""
        answers = self.answers_a if side == "A" else self.answers_b
        msgs: list[dict[str, str]] = []
        for q, a in zip(self.questions, answers):
            msgs += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        return msgs


@dataclass
class JudgedItem:
    """A judged item: the combined outcome plus what happened in each order (for the verdict JSONL)."""

    item: JudgeItem
    outcome: ItemOutcome
    details: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {"question_id": self.item.question_id, "turn": self.item.turn, "category": self.item.category,
                "outcome": self.outcome.outcome, "consistent": self.outcome.consistent,
                "position_bias": self.outcome.position_bias, "reference_shown": bool(self.item.reference),
                **self.details}


@dataclass(frozen=True)
class GradeItem:
    """One (question, turn) to grade alone: the user turns up to `turn`, one answer set's replies to them and the
    question's reference answers (one per turn) when it has them."""

    question_id: int | str
    turn: int
    category: str
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    reference: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not (len(self.questions) == len(self.answers) == self.turn):
            raise ValueError(f"question {self.question_id} turn {self.turn}: needs {self.turn} questions and "
                             f"answers, got {len(self.questions)}/{len(self.answers)}")


@dataclass
class GradedItem:
    """A graded item: the median rating over the repeats (None: every repeat ended in the error bucket)."""

    item: GradeItem
    rating: float | None
    details: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {"question_id": self.item.question_id, "turn": self.item.turn, "category": self.item.category,
                "rating": self.rating, "reference_shown": bool(self.item.reference), **self.details}


class Judge(Protocol):
    name: str
    """Record label, e.g. `openai:gpt-4` or `rm:<name>`."""
    order_sensitive: bool
    """True when the judge sees both answers at once (so both orders are judged)."""

    def judge(self, items: list[JudgeItem]) -> list[JudgedItem]: ...

    def info(self) -> dict[str, Any]:
        """Settings and costs worth storing next to the results (never secrets)."""
        ...
