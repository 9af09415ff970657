"""SPO (Li+ 2024, arXiv 2409.17791): self-supervised preference degrees, an auxiliary loss beside any alignment loss.

Data: each response is degraded to known degrees by removing a growing share of its content (`degrade`); the
intact response is degree 0 and a larger degree removes a superset of what a smaller one removed, so the degrees
are ordered by construction and need no labels. Loss (`spo_loss`): the model's scores s_0..s_K of the K+1 versions
(e.g. beta * log pi/pi_ref, or mean log-probs) must rank them by degree:
- 'rank' (default): Plackett-Luce, L = -sum_{k<K} log softmax(s_k, ..., s_K)[0];
- 'top1': L = -log softmax(s_0, ..., s_K)[0], the intact version picked out of all (gradient softmax(s) - e_0).
The total objective is L_align + lambda_spo * L_spo. The paper extracts key content with an LLM and removes it;
we remove content units (words or sentences) chosen by a seeded generator: no extra model, deterministic. Which
unit, which degrees and which ranking form are options; the paper's exact equation numbers could not be checked
against its text here (only its abstract was reachable).
"""

from __future__ import annotations

import hashlib
import random
import re

import torch
import torch.nn.functional as F

SPO_FORMS = ("rank", "top1")
UNITS = ("word", "sentence")


def _units(text: str, unit: str) -> list[str]:
    if unit == "word":
        return text.split()
    if unit == "sentence":
        return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")


def degrade(text: str, degrees: tuple[float, ...] = (0.25, 0.5, 0.75), unit: str = "word",
            seed: int = 0) -> list[str]:
    """[text, then text with each share in `degrees` (increasing, in (0, 1)) of its units removed]; nested removals,
    the same for the same (text, degrees, unit, seed)."""
    if list(degrees) != sorted(degrees) or not all(0 < d < 1 for d in degrees):
        raise ValueError(f"degrees must increase within (0, 1), got {degrees}")
    parts = _units(text, unit)
    digest = hashlib.sha256(f"{seed}\0{text}".encode()).digest()
    order = list(range(len(parts)))
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    joiner = " "
    out = [text]
    for d in degrees:
        gone = set(order[:max(1, round(d * len(parts)))]) if parts else set()
        out.append(joiner.join(p for i, p in enumerate(parts) if i not in gone))
    return out


def build_spo_rows(pairs: list[dict], degrees: tuple[float, ...] = (0.25, 0.5, 0.75), unit: str = "word",
                   seed: int = 0, which: tuple[str, ...] = ("chosen",)) -> list[dict]:
    """One row per pair and response kind: {'prompt', 'source', 'versions': [intact, degree 1, ...], 'degrees'}."""
    rows = []
    for i, pair in enumerate(pairs):
        for kind in which:
            rows.append({"prompt": pair["prompt"], "source": f"{i}:{kind}", "degrees": [0.0, *degrees],
                         "versions": degrade(pair[kind], degrees, unit, seed)})
    return rows


def spo_loss(scores: torch.Tensor, form: str = "rank") -> torch.Tensor:
    """Per-group SPO loss from scores [N groups, K+1 versions], version 0 intact and degree rising along dim 1."""
    if scores.dim() != 2 or scores.shape[1] < 2:
        raise ValueError(f"scores must be [groups, versions >= 2], got shape {tuple(scores.shape)}")
    if form == "top1":
        return -F.log_softmax(scores, dim=1)[:, 0]
    if form == "rank":
        # log-sum-exp over each suffix s_k..s_K: a reversed cumulative logsumexp
        suffix = torch.logcumsumexp(scores.flip(1), dim=1).flip(1)
        return (suffix - scores)[:, :-1].sum(dim=1)
    raise ValueError(f"SPO form must be one of {SPO_FORMS}, got {form!r}")
