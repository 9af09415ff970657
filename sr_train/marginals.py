"""The marginal h of a trained policy against its reference on the scored pairs of a preference file, beside each
pair's quality score gap s+ - s- (the inputs of the paper's v1 Table 4; bench.report.marginals correlates them).

h = [log pi(y+|x) - log pi_ref(y+|x)] - [log pi(y-|x) - log pi_ref(y-|x)], sequence log-probs summed over the
response tokens, both models run through the reference log-prob path.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sr_train.artifacts.models import load_model, load_tokenizer
from sr_train.data import load_pairs
from sr_train.pairs import TokenizeSettings, tokenize_pairs
from sr_train.reference import compute_reference_logps


@dataclass
class Marginals:
    h: list[float]
    gap: list[float]
    rows: list[int]
    """Source row of each pair."""
    skipped_unscored: int


def model_marginals(policy: str, reference: str, data: str, *, split: str = "train",
                    max_rows: int | None = None, max_length: int = 512, max_prompt_length: int = 256,
                    template: str = "auto", batch_size: int = 8, device: str = "cpu",
                    progress: bool = True) -> Marginals:
    """h of the trained `policy` against its `reference` (model folders or hub ids) on the scored pairs of
    `data`; pairs without both scores are skipped and counted."""
    pairs, report = load_pairs(data, split=split, max_rows=max_rows)
    scored = [p for p in pairs if p["score_chosen"] is not None and p["score_rejected"] is not None]
    if not scored:
        raise ValueError(f"{data}: no pair has both score_chosen and score_rejected")
    tok = load_tokenizer(policy)
    examples = tokenize_pairs(tok, scored, TokenizeSettings(max_length, max_prompt_length, template),
                              report, progress=progress)
    by_row = {p["row"]: p for p in scored}
    logps = {}
    for name, path in (("policy", policy), ("reference", reference)):
        model = load_model(path).to(device)
        logps[name] = compute_reference_logps(model, examples, tok.pad_token_id, batch_size, torch.device(device),
                                              progress=progress)
        del model
    pol, ref = logps["policy"], logps["reference"]
    h = ((pol["ref_chosen"] - ref["ref_chosen"]) - (pol["ref_rejected"] - ref["ref_rejected"])).tolist()
    rows = [ex["row"] for ex in examples]
    gap = [by_row[r]["score_chosen"] - by_row[r]["score_rejected"] for r in rows]
    return Marginals(h, gap, rows, len(pairs) - len(scored))
