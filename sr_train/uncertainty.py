"""UP-DPO's per-pair preference uncertainty from a Bradley-Terry reward-model ensemble (Houliston+ 2024).

K reward models (`sr-train --loss bt`, each with its own --seed) score every pair; member k's margin is
m_k = r_k(x, y+) - r_k(x, y-). A pair's uncertainty is the spread of the members' verdicts on it:
- 'margin_std' (default): the standard deviation over members of m_k;
- 'prob_std': the standard deviation over members of the preference probability sigma(m_k).
Both are population standard deviations (divided by K) and 0 when the members agree. The paper derives its
uncertainty from an ensemble's disagreement without fixing this statistic for our use: which one is an option.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from sr_train.artifacts.files import atomic_write_json, atomic_write_jsonl
from sr_train.artifacts.models import load_tokenizer
from sr_train.collator import PairCollator
from sr_train.data import DataError, load_pairs, load_rows
from sr_train.pairs import TokenizeSettings, tokenize_pairs
from sr_train.reward import load_reward_model, sequence_rewards

UNCERTAINTY_KINDS = ("margin_std", "prob_std")
COLUMN = "uncertainty"


def ensemble_uncertainty(margins: torch.Tensor, kind: str = "margin_std") -> torch.Tensor:
    """Per-pair uncertainty from a [K members, N pairs] tensor of reward margins r_k(y+) - r_k(y-)."""
    if margins.dim() != 2 or margins.shape[0] < 2:
        raise ValueError(f"an ensemble needs >= 2 members' margins as [K, N]; got shape {tuple(margins.shape)}")
    if kind == "margin_std":
        return margins.float().std(dim=0, correction=0)
    if kind == "prob_std":
        return torch.sigmoid(margins.float()).std(dim=0, correction=0)
    raise ValueError(f"uncertainty kind must be one of {UNCERTAINTY_KINDS}, got {kind!r}")


@torch.no_grad()
def member_margins(model_dir: str | os.PathLike, pairs: list[dict], settings: TokenizeSettings,
                   batch_size: int = 8) -> dict[int, float]:
    """{row: r(y+) - r(y-)} of one Bradley-Terry reward model (a folder with its tokenizer) over the pairs."""
    tok = load_tokenizer(str(model_dir))
    model = load_reward_model(str(model_dir), tok).eval()
    examples = tokenize_pairs(tok, pairs, settings, progress=False)
    collate = PairCollator(tok.pad_token_id)
    out: dict[int, float] = {}
    for i in range(0, len(examples), batch_size):
        chunk = examples[i:i + batch_size]
        batch = collate(chunk)
        rewards = sequence_rewards(model, batch["input_ids"], batch["attention_mask"])
        n = len(chunk)
        for e, m in zip(chunk, (rewards[:n] - rewards[n:]).tolist()):
            out[e["row"]] = m
    return out


def write_uncertainty(data: str, members: list[str | os.PathLike], out: str | os.PathLike,
                      kind: str = "margin_std", settings: TokenizeSettings | None = None,
                      batch_size: int = 8, max_rows: int | None = None,
                      extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Copy `data`'s rows (the first `max_rows`) to `out` (JSONL) with an `uncertainty` column from the members'
    disagreement, and write `<out>.json` naming the members and the statistic (and `extra` facts, e.g. what a
    pipeline checks before re-using it). Every row must be a valid pair every member scores."""
    if len(members) < 2:
        raise DataError(f"an uncertainty ensemble needs >= 2 reward models, got {len(members)}")
    settings = settings or TokenizeSettings()
    rows, _ = load_rows(data, max_rows=max_rows)
    pairs, report = load_pairs(data, max_rows=max_rows, on_bad_row="error", scores=False)
    scored = [member_margins(m, pairs, settings, batch_size) for m in members]
    for m, got in zip(members, scored):
        if lost := [p["at"] for p in pairs if p["row"] not in got]:
            raise DataError(f"{data}: {report.where(lost[0])} does not fit max_length {settings.max_length} for "
                            f"reward model {m} ({len(lost)} rows in all)")
    order = [p["row"] for p in pairs]
    margins = torch.tensor([[got[r] for r in order] for got in scored])
    values = ensemble_uncertainty(margins, kind).tolist()
    atomic_write_jsonl(out, [{**row, COLUMN: u} for (_, row), u in zip(rows, values)])
    facts = {"column": COLUMN, "kind": kind, "data": str(data), "members": [str(m) for m in members],
             "pairs": len(values), "mean": sum(values) / len(values), "max": max(values), **(extra or {})}
    atomic_write_json(Path(f"{out}.json"), facts)
    return facts
