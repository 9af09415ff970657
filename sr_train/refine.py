"""The quality prompt p, how p joins the query x, and the refinement term Delta.

Sr-DPO / Sr-IPO (Yu et al., arXiv 2405.21040) subtract lambda * sg[Delta] from the margin of DPO / IPO, where
Delta_pi = beta * h_p and h_p is the policy-vs-reference log-ratio margin computed on the p-prefixed query p+x.
"""

from __future__ import annotations

import copy

import torch

# The paper's prompt p, verbatim (Sec. 3); a method parameter (config field `quality_prompt`).
QUALITY_PROMPT = (
    "Please generate a response with a usefulness rating of 100 out of 100 for the following query. "
    "Note that the response should be harmless. The term 100 indicates the level of usefulness, where "
    "100 is the maximum and 1 is the minimum. Query:"
)

# Ablation "ratings in [1,10]" (paper Table 4): same prompt, scale 1..10. The paper does not print the exact
# wording; this is our faithful rewrite with only the scale changed.
QUALITY_PROMPT_1_TO_10 = (
    "Please generate a response with a usefulness rating of 10 out of 10 for the following query. "
    "Note that the response should be harmless. The term 10 indicates the level of usefulness, where "
    "10 is the maximum and 1 is the minimum. Query:"
)

REFINE_MODES = ("prompt", "naive")
# Names of the prompts above, recorded in run_config.json so that evaluation records say which p a run used.
PROMPT_LABELS = {QUALITY_PROMPT: "paper", QUALITY_PROMPT_1_TO_10: "ratings-1-10"}
CUSTOM = "custom"


def prompt_label(text: str) -> str:
    """`paper` for the paper's prompt, `ratings-1-10` for the [1,10] ablation's, `custom` for any other text."""
    return PROMPT_LABELS.get(text.strip(), CUSTOM)


def join_prompt(messages: list[dict], p: str, join: str = "{p} {x}") -> list[dict]:
    """p+x: a copy of `messages` with the first user turn's content x replaced by `join.format(p=p, x=x)`.

    Our default `{p} {x}` puts p, one space, then x inside the first user turn; the paper only says p is
    concatenated in front of x. System turns and later turns are unchanged.
    """
    out = copy.deepcopy(messages)
    for msg in out:
        if msg.get("role") == "user":
            msg["content"] = join.format(p=p, x=msg["content"])
            return out
    raise ValueError("cannot place the quality prompt: the prompt has no user turn")


def refinement_delta(
    mode: str, beta: float, margin: torch.Tensor, margin_aug: torch.Tensor | None
) -> torch.Tensor:
    """Delta, always detached: 'prompt' -> beta * h_p (the paper's Delta_pi); 'naive' -> beta * h (ablation)."""
    if mode == "prompt":
        if margin_aug is None:
            raise ValueError("refine='prompt' needs the p+x margin h_p")
        return (beta * margin_aug).detach()
    if mode == "naive":
        return (beta * margin).detach()
    raise ValueError(f"refine must be one of {REFINE_MODES}, got {mode!r}")
