"""Single-answer grading on 1-10 by an LLM behind an OpenAI-compatible server (`openai:<model>`).

Each (question, turn) of one answer set is graded alone (MT-Bench's single mode, in our own wording:
bench.winrate.judges.prompts). The transport, retries, cache, ledger, follow-ups for a reply without a
parseable `Rating: N` line and the `repeats` rule are those of the pairwise OpenAIJudge; a question's
reference answers, when present, are shown to the grader. With k repeats the item's rating is the median
of the repeats that parsed; an item none of whose repeats parsed lands in the error bucket.
"""

from __future__ import annotations

import asyncio
from statistics import median, pstdev

from bench.winrate.judges.base import GradedItem, GradeItem
from bench.winrate.judges.llm import OpenAIJudge, repeat_tag
from bench.winrate.judges.prompts import (
    RATING_REFORMAT,
    SINGLE_PROMPT_VERSION,
    build_single_messages,
    parse_rating,
)

SINGLE_TAG = "single"


class SingleGrader(OpenAIJudge):
    """`grade(items)` -> one GradedItem per item (rating None: error bucket)."""

    order_sensitive = False
    prompt_version = SINGLE_PROMPT_VERSION

    def grade(self, items: list[GradeItem]) -> list[GradedItem]:
        """Grade every item (blocking wrapper around `agrade`)."""
        return asyncio.run(self.agrade(items))

    async def agrade(self, items: list[GradeItem]) -> list[GradedItem]:
        return await self._run(items, self._grade_item)

    async def _grade_item(self, item: GradeItem) -> GradedItem:
        messages = build_single_messages(item.questions, item.answers, item.reference)
        replies = await asyncio.gather(*(self._ask(messages, repeat_tag(SINGLE_TAG, r), parse_rating,
                                                   RATING_REFORMAT) for r in range(self.repeats)))
        ratings = [r.value for r in replies if r.value is not None]
        details = {"explanation": replies[0].text, "attempts": sum(r.attempts for r in replies),
                   "cached": all(r.cached for r in replies)}
        if self.repeats > 1:
            details["repeats"] = [r.value for r in replies]
            details["repeat_sd"] = pstdev(ratings) if len(ratings) > 1 else None
        if not ratings:
            details["error"] = "; ".join(sorted({r.error for r in replies if r.error}))
            return GradedItem(item, None, details)
        return GradedItem(item, float(median(ratings)), details)
