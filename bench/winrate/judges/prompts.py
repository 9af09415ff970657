"""The pairwise judge prompt (our own wording) and the verdict parser.

The judge sees one item: a single-turn request with two replies, or a two-turn conversation held with
each of two assistants (it then judges the replies to the second message). The two replies are shown
as "A" (first position) and "B" (second position); the judge ends with one line `Verdict: A`,
`Verdict: B` or `Verdict: tie`, which `parse_verdict` turns into a position verdict (first / second / tie).

Bump PROMPT_VERSION whenever the wording changes: it is part of every cache key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

PROMPT_VERSION = "sr-pair-v1"

SYSTEM = (
    "You compare two replies that AI assistants wrote for the same user, and decide which one serves the "
    "user better. Consider, roughly in this order: is the reply correct and does it do what was asked; is it "
    "useful and complete enough for the request; is it clear; does it avoid causing harm. Length is not a "
    "merit in itself: a short reply that settles the request beats a long one that drifts. Which reply is "
    "shown first, and what the assistants are called, must play no part in your decision. When the two are "
    "about equally good, or equally poor, call it a tie."
)

ENDING = (
    "First explain the comparison briefly (five sentences at most). Then finish with a line holding "
    "exactly one of the following, and write nothing after it:\n"
    "Verdict: A\nVerdict: B\nVerdict: tie"
)

REFORMAT = (
    "I could not find the final verdict line in your reply. Answer with that line only: "
    "`Verdict: A`, `Verdict: B` or `Verdict: tie`."
)

_VERDICT = re.compile(
    r"^[\s>*_#`]*verdict[\s*_`]*[:：][\s*_`\[]*(A|B|tie)[\s*_`\].]*$", re.IGNORECASE | re.MULTILINE
)


def single_turn_prompt(question: str, first: str, second: str) -> str:
    return (
        "A user sent the request below, and two assistants each replied.\n\n"
        f"[Request]\n{question}\n[End of request]\n\n"
        f"[Reply A]\n{first}\n[End of reply A]\n\n"
        f"[Reply B]\n{second}\n[End of reply B]\n\n" + ENDING
    )


def two_turn_prompt(questions: Sequence[str], first: Sequence[str], second: Sequence[str]) -> str:
    def conversation(label: str, answers: Sequence[str]) -> str:
        return (
            f"[Conversation with assistant {label}]\n"
            f"User (message 1):\n{questions[0]}\n\n"
            f"Assistant {label} (reply 1):\n{answers[0]}\n\n"
            f"User (message 2):\n{questions[1]}\n\n"
            f"Assistant {label} (reply 2):\n{answers[1]}\n"
            f"[End of conversation with assistant {label}]"
        )

    return (
        "A user held the same two-message conversation with two assistants: the user's messages are identical, "
        "the replies differ. Judge only the replies to the user's SECOND message; the first exchange is context "
        "(a good second reply builds on it correctly and stays consistent with it).\n\n"
        f"{conversation('A', first)}\n\n{conversation('B', second)}\n\n" + ENDING
    )


def build_messages(questions: Sequence[str], first: Sequence[str], second: Sequence[str]) -> list[dict[str, str]]:
    """Chat messages judging the last turn of `questions`; `first` / `second` are the replies per position."""
    turn = len(questions)
    if turn == 1:
        user = single_turn_prompt(questions[0], first[0], second[0])
    elif turn == 2:
        user = two_turn_prompt(questions, first, second)
    else:
        raise ValueError(f"the judge handles 1 or 2 turns, got {turn}")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def parse_verdict(text: str | None) -> str | None:
    """`first` / `second` / `tie` from the judge's reply (its last verdict line), or None when absent."""
    if not text:
        return None
    found = _VERDICT.findall(text)
    if not found:
        return None
    return {"a": "first", "b": "second", "tie": "tie"}[found[-1].lower()]
