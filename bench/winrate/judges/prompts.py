"""The pairwise judge prompt (our own wording) and the verdict parser.

The judge sees one item: a single-turn request with two replies, or a two-turn conversation held with
each of two assistants (it then judges the replies to the second message). The two replies are shown
as "A" (first position) and "B" (second position); the judge ends with one line `Verdict: A`,
`Verdict: B` or `Verdict: tie`, which `parse_verdict` turns into a position verdict (first / second / tie).

Reference-guided judging: when a question carries reference answers (MT-Bench's math, reasoning and coding
questions), they are shown before the replies with the instruction to check correctness against them.

Single-answer grading: the judge sees one reply (with its earlier exchange and any reference) and ends with
`Rating: N` (1-10), which `parse_rating` reads.

Bump PROMPT_VERSION / SINGLE_PROMPT_VERSION whenever the wording changes: they are part of every cache key.
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


def build_messages(questions: Sequence[str], first: Sequence[str], second: Sequence[str],
                   reference: Sequence[str] | None = None) -> list[dict[str, str]]:
    """Chat messages judging the last turn of `questions`; `first` / `second` are the replies per position;
    a question's reference answer(s), when given, are shown before the replies (reference-guided judging)."""
    turn = len(questions)
    if turn == 1:
        user = single_turn_prompt(questions[0], first[0], second[0])
    elif turn == 2:
        user = two_turn_prompt(questions, first, second)
    else:
        raise ValueError(f"the judge handles 1 or 2 turns, got {turn}")
    if ref := reference_block(reference, turn):
        head, sep, rest = user.partition("\n\n")
        user = f"{head}{sep}{ref}{rest}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def parse_verdict(text: str | None) -> str | None:
    """`first` / `second` / `tie` from the judge's reply (its last verdict line), or None when absent."""
    if not text:
        return None
    found = _VERDICT.findall(text)
    if not found:
        return None
    return {"a": "first", "b": "second", "tie": "tie"}[found[-1].lower()]


# -- reference answers ------------------------------------------------------------------------------------
def reference_block(reference: Sequence[str] | None, turn: int) -> str:
    """The reference answer(s) up to `turn` as a block put before the replies; '' without a reference."""
    if not reference:
        return ""
    shown = [(i, str(r)) for i, r in enumerate(list(reference)[:turn], 1) if r is not None and str(r).strip()]
    if not shown:
        return ""
    body = "\n\n".join(f"[Reference answer to message {i}]\n{r}\n[End of reference answer]" for i, r in shown)
    return (
        "A reference answer written in advance is given below. Use it to check correctness: a reply whose result "
        "disagrees with the reference is wrong unless it shows the reference to be wrong. Do not reward copying its "
        f"wording.\n\n{body}\n\n"
    )


# -- single-answer grading (1-10) -------------------------------------------------------------------------
SINGLE_PROMPT_VERSION = "sr-single-v1"
"""Part of every single-grading cache key; bump it whenever the grading wording below changes."""

SINGLE_SYSTEM = (
    "You grade one reply that an AI assistant wrote for a user, on a scale from 1 to 10. Consider, roughly in this "
    "order: is the reply correct and does it do what was asked; is it useful and complete enough for the request; "
    "is it clear; does it avoid causing harm. Length is not a merit in itself. Use the whole scale: 1-2 for a "
    "reply that is wrong, harmful or off the request; 3-4 for a reply with serious faults; 5-6 for an acceptable "
    "reply with clear gaps; 7-8 for a good reply with minor faults; 9-10 for a reply that could hardly be better."
)

SINGLE_ENDING = (
    "First explain your assessment briefly (five sentences at most). Then finish with a line of the form\n"
    "Rating: <a whole number from 1 to 10>\nand write nothing after it."
)

RATING_REFORMAT = (
    "I could not find the final rating line in your reply. Answer with that line only, for example `Rating: 6`."
)

_RATING = re.compile(
    r"^[\s>*_#`]*rating[\s*_`]*[:：][\s*_`\[]*(\d+(?:\.\d+)?)\s*(?:/\s*10)?[\s*_`\].]*$", re.IGNORECASE | re.MULTILINE
)
RATING_RANGE = (1.0, 10.0)


def single_prompt(questions: Sequence[str], answers: Sequence[str], reference: Sequence[str] | None = None) -> str:
    """The grading prompt for the reply to the last of `questions` (earlier exchanges shown as context)."""
    turn = len(questions)
    ref = reference_block(reference, turn)
    if turn == 1:
        return (f"A user sent the request below, and an assistant replied.\n\n{ref}"
                f"[Request]\n{questions[0]}\n[End of request]\n\n"
                f"[Reply]\n{answers[0]}\n[End of reply]\n\n" + SINGLE_ENDING)
    if turn != 2:
        raise ValueError(f"the grader handles 1 or 2 turns, got {turn}")
    return (
        "A user held the two-message conversation below with an assistant. Grade only the reply to the user's "
        "SECOND message; the first exchange is context (a good second reply builds on it correctly and stays "
        f"consistent with it).\n\n{ref}"
        f"[Conversation]\nUser (message 1):\n{questions[0]}\n\nAssistant (reply 1):\n{answers[0]}\n\n"
        f"User (message 2):\n{questions[1]}\n\nAssistant (reply 2):\n{answers[1]}\n[End of conversation]\n\n"
        + SINGLE_ENDING
    )


def build_single_messages(questions: Sequence[str], answers: Sequence[str],
                          reference: Sequence[str] | None = None) -> list[dict[str, str]]:
    """Chat messages grading the reply to the last of `questions` on 1-10 (with the reference when given)."""
    return [{"role": "system", "content": SINGLE_SYSTEM},
            {"role": "user", "content": single_prompt(questions, answers, reference)}]


def parse_rating(text: str | None) -> float | None:
    """The rating of the judge's last `Rating: N` line (1 <= N <= 10), or None when absent or out of range."""
    if not text:
        return None
    found = _RATING.findall(text)
    if not found:
        return None
    value = float(found[-1])
    return value if RATING_RANGE[0] <= value <= RATING_RANGE[1] else None
