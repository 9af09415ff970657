"""Pairwise judges: an LLM behind an OpenAI-compatible API (`openai:<model>`) and a reward model (`rm:<path>`);
the single-answer grader (1-10) is bench.winrate.judges.grader.SingleGrader."""

from __future__ import annotations

from typing import Any

from bench.winrate.judges.base import Judge, JudgedItem, JudgeItem
from bench.winrate.judges.llm import OpenAIJudge
from bench.winrate.judges.reward import RewardModelJudge
from sr_train.artifacts.assets import resolve
from sr_train.artifacts.errors import UserError

__all__ = ["Judge", "JudgeItem", "JudgedItem", "make_judge", "JUDGE_KINDS"]

JUDGE_KINDS = ("openai", "rm")


def make_judge(spec: str, **options: Any) -> Judge:
    """A judge from `openai:<model>` or `rm:<path>`; options go to its constructor (unknown ones raise)."""
    kind, sep, target = spec.partition(":")
    if not sep or not target or kind not in JUDGE_KINDS:
        raise UserError(f"judge must be 'openai:<model>' or 'rm:<path or hub id>', got {spec!r}")
    if kind == "openai":
        return OpenAIJudge(target, **options)
    return RewardModelJudge(resolve(target), **options)  # rm:builtin:<name> too
