"""Per-sequence log-probabilities of the response tokens: log pi(y|x) = sum over response tokens (paper App. C)."""

from __future__ import annotations

import torch


def token_logps(logits: torch.Tensor, labels: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    """log softmax(logits)[label] per position, in float32, a few positions at a time (no full float32 copy)."""
    out = torch.empty(labels.shape, dtype=torch.float32, device=logits.device)
    flat_logits, flat_labels, flat_out = logits.reshape(-1, logits.size(-1)), labels.reshape(-1), out.view(-1)
    for i in range(0, flat_labels.numel(), chunk):
        block = flat_logits[i:i + chunk].float()
        flat_out[i:i + chunk] = block.gather(-1, flat_labels[i:i + chunk, None]).squeeze(-1) - block.logsumexp(-1)
    return out


def sequence_logps(model: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                   completion_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(sum of response-token log-probs, number of response tokens) per row."""
    logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
    mask = completion_mask[:, 1:].to(torch.float32)
    per_token = token_logps(logits[:, :-1], input_ids[:, 1:])
    return (per_token * mask).sum(-1), mask.sum(-1)


def view_logps(model: torch.nn.Module, batch: dict[str, torch.Tensor], prefix: str = "") -> tuple[
        torch.Tensor, torch.Tensor]:
    """sequence_logps of one view of a collated batch (prefix '' for x, 'aug_' for p+x)."""
    return sequence_logps(model, batch[f"{prefix}input_ids"], batch[f"{prefix}attention_mask"],
                          batch[f"{prefix}completion_mask"])
