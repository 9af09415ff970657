"""Per-sequence log-probabilities of the response tokens: log pi(y|x) = sum over response tokens (paper App. C).

Two paths give the same numbers:
- `fused` (default where it applies): the model's lm_head is bypassed so the forward returns final hidden
  states; log-probs are computed only at response positions, a chunk of positions at a time, by a custom
  autograd function that never stores logits (the backward recomputes each chunk). No full-vocabulary logits,
  float32 or otherwise, are ever materialised: less memory, and no lm_head work on prompt positions.
- `logits`: the model's own logits, log-softmax in float32 a chunk at a time (fallback for heads with logit
  scaling or soft-capping, or a non-Linear head).
"""

from __future__ import annotations

import contextlib

import torch

CHUNK_ELEMENTS = 2**27  # logits elements per chunk (~256 MB in bf16)


class _FusedLinearLogps(torch.autograd.Function):
    """logp[t] = log softmax(h[t] @ W^T)[label[t]], chunked; saves only h, W, labels and logsumexp."""

    @staticmethod
    def forward(ctx, hidden: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor, dtype: torch.dtype):
        chunk = max(64, CHUNK_ELEMENTS // weight.shape[0])
        w = weight.to(dtype)
        out = torch.empty(labels.shape, dtype=torch.float32, device=hidden.device)
        lse = torch.empty_like(out)
        for i in range(0, labels.numel(), chunk):
            logits = (hidden[i:i + chunk].to(dtype) @ w.T).float()
            lse[i:i + chunk] = logits.logsumexp(-1)
            out[i:i + chunk] = logits.gather(-1, labels[i:i + chunk, None]).squeeze(-1) - lse[i:i + chunk]
        ctx.save_for_backward(hidden, weight, labels, lse)
        ctx.dtype, ctx.chunk = dtype, chunk
        return out

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        hidden, weight, labels, lse = ctx.saved_tensors
        dtype, chunk = ctx.dtype, ctx.chunk
        w = weight.to(dtype)
        grad_h = torch.empty_like(hidden) if ctx.needs_input_grad[0] else None
        grad_w = torch.zeros(weight.shape, dtype=torch.float32, device=weight.device) if ctx.needs_input_grad[1] \
            else None
        for i in range(0, labels.numel(), chunk):
            h = hidden[i:i + chunk].to(dtype)
            # d logp / d logits = onehot(label) - softmax; scaled by the incoming gradient
            g = -torch.exp((h @ w.T).float() - lse[i:i + chunk, None])
            g.scatter_add_(-1, labels[i:i + chunk, None], torch.ones_like(g[:, :1]))
            g = (g * grad_out[i:i + chunk, None]).to(dtype)
            if grad_h is not None:
                grad_h[i:i + chunk] = (g @ w).to(hidden.dtype)
            if grad_w is not None:
                grad_w += (g.T @ h).float()
        return grad_h, None if grad_w is None else grad_w.to(weight.dtype), None, None


def fused_supported(model: torch.nn.Module) -> bool:
    """Whether the final logits are exactly lm_head(hidden) with a bias-free Linear head."""
    get_head = getattr(model, "get_output_embeddings", None)
    head = get_head() if get_head else None
    cfg = getattr(model, "config", None)
    scaled = any(getattr(cfg, a, None) not in (None, 1.0) for a in ("final_logit_softcapping", "logit_scale"))
    return isinstance(head, torch.nn.Linear) and head.bias is None and not scaled


@contextlib.contextmanager
def hidden_states_out(model: torch.nn.Module):
    """Within the block, the model's forward returns final hidden states in place of logits."""
    head = model.get_output_embeddings()
    head.forward = lambda x: x
    try:
        yield head.weight
    finally:
        del head.forward


def _compute_dtype(weight: torch.Tensor) -> torch.dtype:
    if torch.is_autocast_enabled(weight.device.type):
        return torch.get_autocast_dtype(weight.device.type)
    return weight.dtype


def token_logps(logits: torch.Tensor, labels: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    """log softmax(logits)[label] per position in float32, a chunk of positions at a time."""
    out = torch.empty(labels.shape, dtype=torch.float32, device=logits.device)
    flat_logits, flat_labels, flat_out = logits.reshape(-1, logits.size(-1)), labels.reshape(-1), out.view(-1)
    for i in range(0, flat_labels.numel(), chunk):
        block = flat_logits[i:i + chunk].float()
        flat_out[i:i + chunk] = block.gather(-1, flat_labels[i:i + chunk, None]).squeeze(-1) - block.logsumexp(-1)
    return out


def sequence_logps(model: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                   completion_mask: torch.Tensor, fused: bool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(sum of response-token log-probs, number of response tokens) per row. `model` may be DDP-wrapped."""
    inner = getattr(model, "module", model)
    inner = inner.get_base_model() if hasattr(inner, "get_base_model") else inner
    mask = completion_mask[:, 1:].bool()
    lengths = mask.sum(-1).to(torch.float32)
    if fused is None:
        fused = fused_supported(inner)
    if not fused:
        logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
        per_token = token_logps(logits[:, :-1], input_ids[:, 1:])
        return (per_token * mask).sum(-1), lengths
    with hidden_states_out(inner) as weight:
        hidden = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
    rows = torch.arange(mask.shape[0], device=mask.device)[:, None].expand_as(mask)[mask]
    per_token = _FusedLinearLogps.apply(hidden[:, :-1][mask], weight, input_ids[:, 1:][mask], _compute_dtype(weight))
    sums = torch.zeros(mask.shape[0], dtype=torch.float32, device=hidden.device).index_add(0, rows, per_token)
    return sums, lengths


def view_logps(model: torch.nn.Module, batch: dict[str, torch.Tensor], prefix: str = "") -> tuple[
        torch.Tensor, torch.Tensor]:
    """sequence_logps of one view of a collated batch (prefix '' for x, 'aug_' for p+x)."""
    return sequence_logps(model, batch[f"{prefix}input_ids"], batch[f"{prefix}attention_mask"],
                          batch[f"{prefix}completion_mask"])
