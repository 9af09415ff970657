"""SPO (Li+ 2024, arXiv 2409.17791): self-supervised preference degrees, an auxiliary loss beside any alignment loss.

Data: each response is degraded to known degrees by removing a growing share of its content (`degrade`); the
intact response is degree 0 and a larger degree removes a superset of what a smaller one removed, so the degrees
are ordered by construction and need no labels. Loss (`spo_loss`): the model's scores s_0..s_K of the K+1 versions
(e.g. beta * log pi/pi_ref, or mean log-probs) must rank them by degree:
- 'rank' (default): Plackett-Luce, L = -sum_{k<K} log softmax(s_k, ..., s_K)[0];
- 'top1': L = -log softmax(s_0, ..., s_K)[0], the intact version picked out of all (gradient softmax(s) - e_0).
The total objective is L_align + lambda_spo * L_spo (the paper's abstract: "a self-supervised preference degree
loss combined with the alignment loss"). The paper extracts key content with an LLM and removes it; we remove
content units (words or sentences) chosen by a seeded generator: no extra model, deterministic. Which unit, which
degrees, which ranking form and which score are options. Source text: the stored copies we could search (arXiv
2409.17791 v1 HTML, ACL Anthology 2024.findings-emnlp.845) hold only the abstract and introduction, so no equation
number is given: the degree loss above is our reading of the abstract, not the paper's equation.

In sr-train (`--spo-weight w > 0`): each chosen response gets its degraded versions (`spo_versions`, tokenised like
the response under the pair's prompt, the run's seed); the trainer scores the intact response and each version by
the policy's log-probs (`spo_scores`: 'mean' per token, the default, or 'sum'), adds w * spo_loss per pair to the
alignment loss and logs `loss/spo` and `loss/align`. No reference model is needed for the auxiliary loss.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from transformers import PreTrainedTokenizerBase

from sr_train.pairs import encode_view, use_chat_template

SPO_FORMS = ("rank", "top1")
UNITS = ("word", "sentence")
SCORES = ("mean", "sum")
DEFAULT_DEGREES = "0.25,0.5,0.75"


@dataclass(frozen=True)
class SpoSettings:
    """sr-train's SPO fields: the auxiliary loss's weight, the degrees, the removed unit, the form and the score."""

    weight: float = 0.0
    degrees: tuple[float, ...] = (0.25, 0.5, 0.75)
    unit: str = "word"
    form: str = "rank"
    score: str = "mean"
    seed: int = 0


def parse_degrees(text: str) -> tuple[float, ...]:
    """'0.25,0.5,0.75' -> (0.25, 0.5, 0.75); ValueError unless they are numbers increasing within (0, 1)."""
    try:
        degrees = tuple(float(d) for d in str(text).split(","))
    except ValueError:
        raise ValueError(f"spo_degrees must be comma-separated numbers, got {text!r}") from None
    if list(degrees) != sorted(set(degrees)) or not all(0 < d < 1 for d in degrees):
        raise ValueError(f"spo_degrees must increase strictly within (0, 1), got {text!r}")
    return degrees


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


def spo_versions(tok: PreTrainedTokenizerBase, pairs: list[dict], examples: list[dict], settings: SpoSettings,
                 max_length: int, template: str = "auto") -> None:
    """Add `spo_ids` to each tokenised example: the token ids of its chosen response's degraded versions (degree
    order), encoded like the response under the same prompt and cut to the example's response budget (the
    x prompt's truncation kept)."""
    chat = use_chat_template(tok, template)
    by_row = {p["row"]: p for p in pairs}
    for e in examples:
        pair = by_row[e["row"]]
        budget = max_length - len(e["prompt_ids"])
        versions = degrade(pair["chosen"], settings.degrees, settings.unit, settings.seed)[1:]
        ids = [encode_view(tok, pair["prompt"], v, v, chat)[1][:budget] for v in versions]
        e["spo_ids"] = [v or e["chosen_ids"][:1] for v in ids]  # a version cut to nothing keeps one token


def spo_scores(intact: torch.Tensor, intact_len: torch.Tensor, degraded: torch.Tensor, degraded_len: torch.Tensor,
               score: str = "mean") -> torch.Tensor:
    """[n, K+1] scores of n intact responses and their K versions (degraded / degraded_len: [K * n], version-major,
    as the collator lays them out): summed log-probs, or divided by each sequence's tokens ('mean')."""
    n = intact.shape[0]
    versions = degraded.reshape(-1, n).T
    if score == "sum":
        return torch.cat([intact[:, None], versions], dim=1)
    if score == "mean":
        lengths = degraded_len.reshape(-1, n).T.clamp(min=1).to(versions.dtype)
        return torch.cat([(intact / intact_len.clamp(min=1).to(intact.dtype))[:, None], versions / lengths], dim=1)
    raise ValueError(f"SPO score must be one of {SCORES}, got {score!r}")
