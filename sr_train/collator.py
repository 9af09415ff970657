"""Pad tokenised pairs into one batch: rows [chosen_0..chosen_{B-1}, rejected_0..rejected_{B-1}] (TRL's layout).

Each view (x, and p+x when present) becomes input_ids / attention_mask / completion_mask, right-padded;
precomputed reference log-probs, quality scores and per-pair weights ride along as float tensors.
With `aug_shared_prefix`, the p+x view comes split for the shared-prefix forward instead: `augp_*` (n rows: each
pair's prefix p+x, left-padded) and `augr_*` (2n rows [chosen; rejected]: the responses alone, right-padded); the
concatenated `aug_*` tensors are then not built (nothing reads them, and they would be padded and copied each step).
With SPO (`spo_ids` in the features), `spo_*` holds each pair's prompt with its chosen response's K degraded versions,
rows [version 1 of pairs 0..n-1, version 2 ..., ...].
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

REF_KEYS = ("ref_chosen", "ref_rejected", "ref_aug_chosen", "ref_aug_rejected", "ref_chosen_tail",
            "ref_rejected_tail")


def pad_view(prompts: list[list[int]], completions: list[list[int]], pad_id: int,
             pad_to_multiple_of: int | None = None) -> dict[str, torch.Tensor]:
    seqs = [p + c for p, c in zip(prompts, completions)]
    width = max(map(len, seqs))
    if pad_to_multiple_of:
        width = -(-width // pad_to_multiple_of) * pad_to_multiple_of
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    attn = torch.zeros((len(seqs), width), dtype=torch.long)
    comp = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, (p, c) in enumerate(zip(prompts, completions)):
        n = len(p) + len(c)
        ids[i, :n] = torch.tensor(p + c)
        attn[i, :n] = 1
        comp[i, len(p):n] = 1
    return {"input_ids": ids, "attention_mask": attn, "completion_mask": comp}


def pad_side(seqs: list[list[int]], pad_id: int, left: bool,
             pad_to_multiple_of: int | None = None) -> dict[str, torch.Tensor]:
    """input_ids / attention_mask of `seqs`, padded on the left or on the right."""
    width = max(map(len, seqs))
    if pad_to_multiple_of:
        width = -(-width // pad_to_multiple_of) * pad_to_multiple_of
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    attn = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        cols = slice(width - len(s), width) if left else slice(0, len(s))
        ids[i, cols] = torch.tensor(s, dtype=torch.long)
        attn[i, cols] = 1
    return {"input_ids": ids, "attention_mask": attn}


@dataclass
class PairCollator:
    pad_token_id: int
    pad_to_multiple_of: int | None = None
    aug_shared_prefix: bool = False  # emit augp_* / augr_* in place of aug_* (see the module docstring)

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        batch = pad_view([f["prompt_ids"] for f in features] * 2,
                         [f["chosen_ids"] for f in features] + [f["rejected_ids"] for f in features],
                         self.pad_token_id, self.pad_to_multiple_of)
        if "aug_prompt_ids" in features[0] and self.aug_shared_prefix:
            batch.update(self._shared_prefix_view(features))
        elif "aug_prompt_ids" in features[0]:
            aug = pad_view([f["aug_prompt_ids"] for f in features] * 2,
                           [f["aug_chosen_ids"] for f in features] + [f["aug_rejected_ids"] for f in features],
                           self.pad_token_id, self.pad_to_multiple_of)
            batch.update({f"aug_{k}": v for k, v in aug.items()})
        if "spo_ids" in features[0]:  # SPO: the chosen responses' degraded versions, version-major [K * n rows]
            k = len(features[0]["spo_ids"])
            spo = pad_view([f["prompt_ids"] for f in features] * k,
                           [f["spo_ids"][i] for i in range(k) for f in features],
                           self.pad_token_id, self.pad_to_multiple_of)
            batch.update({f"spo_{key}": v for key, v in spo.items()})
        for key in (*REF_KEYS, "score_chosen", "score_rejected", "weight", "uncertainty"):
            if all(f.get(key) is not None for f in features):
                batch[key] = torch.tensor([float(f[key]) for f in features], dtype=torch.float32)
        return batch

    def _shared_prefix_view(self, features: list[dict]) -> dict[str, torch.Tensor]:
        prefix = pad_side([f["aug_prompt_ids"] for f in features], self.pad_token_id, True, self.pad_to_multiple_of)
        responses = pad_side([f["aug_chosen_ids"] for f in features] + [f["aug_rejected_ids"] for f in features],
                             self.pad_token_id, False, self.pad_to_multiple_of)
        return {**{f"augp_{k}": v for k, v in prefix.items()}, **{f"augr_{k}": v for k, v in responses.items()}}
