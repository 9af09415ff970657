"""Per-sequence log-probabilities of the response tokens: log pi(y|x) = sum over response tokens (paper App. C).

Two paths give the same numbers:
- `fused` (default where it applies): the model's lm_head is bypassed so the forward returns final hidden
  states; log-probs are computed only at response positions, a chunk of positions at a time, by a custom
  autograd function that never stores logits (the backward recomputes each chunk). No full-vocabulary logits,
  float32 or otherwise, are ever materialised: less memory, and no lm_head work on prompt positions.
- `logits`: the model's own logits, log-softmax in float32 a chunk at a time (fallback for heads with logit
  scaling or soft-capping, or a non-Linear head).

For the p+x view of Sr-* (no gradient), `shared_prefix_logps` runs each pair's prefix p+x once and both responses
against its KV cache: the same numbers with n prefix rows instead of 2n.

`numeric_path(NumericPath(...), device)` is the one place that fixes how log-probs are computed: bf16 autocast of the
forward, the fused head's matmul dtype, and fused vs logits. The policy's training forward, the live reference and
the cached reference pass all run inside it with the same NumericPath, so while the policy equals the reference,
h = 0 exactly (not merely up to the difference between two precisions).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Collection, Iterator
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field

import torch

CHUNK_ELEMENTS = 2**27  # logits elements per chunk (~256 MB in bf16)


@dataclass(frozen=True)
class NumericPath:
    """How sequence log-probs are computed; policy and reference must share one."""

    bf16: bool = False
    """bf16 autocast of the forward, and the fused head's matmuls in bf16 (float32 softmax either way)."""
    fused: bool = True
    """The fused log-prob head where the model allows it (else, and when False, the logits path)."""

    def key(self) -> dict:
        """What changes the numbers, for cache keys."""
        return asdict(self)


_PATH: ContextVar[NumericPath | None] = ContextVar("sr_train_numeric_path", default=None)


@contextlib.contextmanager
def numeric_path(path: NumericPath, device: torch.device | str) -> Iterator[NumericPath]:
    """Within the block, forwards run under bf16 autocast when `path.bf16`, and sequence_logps / shared_prefix_logps
    take the head dtype and the fused choice from `path` (not from whatever autocast is around them)."""
    token = _PATH.set(path)
    device_type = torch.device(device).type
    try:
        with torch.autocast(device_type, dtype=torch.bfloat16) if path.bf16 else contextlib.nullcontext():
            yield path
    finally:
        _PATH.reset(token)


DIAGNOSTICS = ("entropy", "mean_logits", "is_top1")  # TRL's per-token diagnostics (--token-stats)
TOKEN_STATS = (*DIAGNOSTICS, "log_sum_sq_probs")  # every per-token value a chunk can give (no gradient)


def empty_stats(names: Collection[str], n: int, device: torch.device | str) -> dict[str, torch.Tensor]:
    """One float32 slot per token for each of the TOKEN_STATS named, filled by the chunks that compute them."""
    unknown = sorted(set(names) - set(TOKEN_STATS))
    if unknown:
        raise ValueError(f"unknown token stats {unknown}: choose from {list(TOKEN_STATS)}")
    return {k: torch.empty(n, dtype=torch.float32, device=device) for k in names}


STATS_ROWS = 64  # rows per block of exp(logits) when entropy or log sum p^2 need it beside the logits


def _chunk_logps(logits: torch.Tensor, labels: torch.Tensor, stats: dict[str, torch.Tensor],
                 rows: slice) -> tuple[torch.Tensor, torch.Tensor]:
    """(log p(label), logsumexp) per row of a chunk of float32 logits, which it overwrites, and the TOKEN_STATS
    present in `stats` at `rows`.

    Every full-vocabulary pass is a reduction or in place: with s = logits - max and e = exp(s), Z = sum e,
    lse = log Z + max (the same operations as torch.logsumexp, so the same bits), entropy = log Z - sum(e s) / Z
    and log sum p^2 = 2 (log ||e|| - log Z). Entropy and log sum p^2 need e beside s: e is made STATS_ROWS rows at a
    time in one small reused buffer (no second chunk-sized buffer, whose fresh pages cost more than the arithmetic).
    """
    picked = logits.gather(-1, labels[:, None]).squeeze(-1)
    if "mean_logits" in stats:
        stats["mean_logits"][rows] = logits.mean(-1)
    if "is_top1" in stats:  # argmax as TRL takes it (first index among ties)
        top, top_index = logits.max(-1, keepdim=True)
        stats["is_top1"][rows] = (top_index.squeeze(-1) == labels).float()
    else:
        top = logits.amax(-1, keepdim=True)
    shifted = logits.sub_(top)
    if "entropy" in stats or "log_sum_sq_probs" in stats:
        z, dot, norm = _exp_sums(shifted, "entropy" in stats, "log_sum_sq_probs" in stats)
    else:
        z, dot, norm = shifted.exp_().sum(-1), None, None
    log_z = z.log()
    if norm is not None:
        stats["log_sum_sq_probs"][rows] = 2 * (norm.log() - log_z)
    if dot is not None:
        stats["entropy"][rows] = log_z - dot / z
    lse = log_z.add_(top.squeeze(-1))
    return picked - lse, lse


def _exp_sums(shifted: torch.Tensor, dot: bool, norm: bool) -> tuple[torch.Tensor, torch.Tensor | None,
                                                                       torch.Tensor | None]:
    """Per row of `shifted` (s): sum e, and when asked sum(e s) and ||e||, e = exp(s), STATS_ROWS rows at a time."""
    n = shifted.shape[0]
    new = functools.partial(torch.empty, n, dtype=shifted.dtype, device=shifted.device)
    z, dots, norms = new(), new() if dot else None, new() if norm else None  # only the sums returned
    block = torch.empty(min(n, STATS_ROWS), shifted.shape[1], dtype=shifted.dtype, device=shifted.device)
    for i in range(0, n, STATS_ROWS):
        s = shifted[i:i + STATS_ROWS]
        rows = slice(i, i + s.shape[0])
        e = torch.exp(s, out=block[:s.shape[0]])
        z[rows] = e.sum(-1)
        if norms is not None:
            norms[rows] = torch.linalg.vector_norm(e, dim=-1)
        if dots is not None:
            dots[rows] = e.mul_(s).sum(-1)
    return z, dots, norms


class _FusedLinearLogps(torch.autograd.Function):
    """logp[t] = log softmax(h[t] @ W^T)[label[t]], chunked; saves only h, W, labels and logsumexp; fills the
    per-token `stats` slots (empty_stats) from the same chunks."""

    @staticmethod
    def forward(ctx, hidden: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor, dtype: torch.dtype,
                stats: dict[str, torch.Tensor] | None = None):
        chunk = max(64, CHUNK_ELEMENTS // weight.shape[0])
        stats = stats or {}
        w = weight.to(dtype)
        out = torch.empty(labels.shape, dtype=torch.float32, device=hidden.device)
        lse = torch.empty_like(out)
        for i in range(0, labels.numel(), chunk):
            rows = slice(i, i + chunk)
            logits = (hidden[rows].to(dtype) @ w.T).float()
            out[rows], lse[rows] = _chunk_logps(logits, labels[rows], stats, rows)
        ctx.save_for_backward(hidden, weight, labels, lse)
        ctx.dtype, ctx.chunk = dtype, chunk
        return out

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        hidden, weight, labels, lse = ctx.saved_tensors
        dtype, chunk = ctx.dtype, ctx.chunk
        w = weight.to(dtype)
        grad_h = torch.empty_like(hidden) if ctx.needs_input_grad[0] else None
        grad_w = None
        for i in range(0, labels.numel(), chunk):
            rows = slice(i, i + chunk)
            h = hidden[rows].to(dtype)
            g = _logits_grad(h, w, lse[rows], labels[rows], grad_out[rows])
            if grad_h is not None:
                grad_h[rows] = (g @ w).to(hidden.dtype)
            if ctx.needs_input_grad[1]:
                part = (g.T @ h).float()
                grad_w = part if grad_w is None else grad_w.add_(part)
        if grad_w is None and ctx.needs_input_grad[1]:
            grad_w = torch.zeros(weight.shape, dtype=torch.float32, device=weight.device)
        return grad_h, None if grad_w is None else grad_w.to(weight.dtype), None, None, None


def _logits_grad(h: torch.Tensor, w: torch.Tensor, lse: torch.Tensor, labels: torch.Tensor,
                 grad_out: torch.Tensor) -> torch.Tensor:
    """d loss / d logits of one chunk, (onehot(label) - softmax(h @ w^T)) * grad_out, in h's dtype. Every
    full-vocabulary pass is in place on one float32 buffer, and the narrow result reuses the product's buffer: one
    float32 and one narrow allocation per chunk (each fresh allocation of this size costs page faults on the CPU)."""
    product = h @ w.T
    g = product.float()
    g.sub_(lse[:, None]).exp_().mul_(-grad_out[:, None])
    g.scatter_add_(-1, labels[:, None], grad_out[:, None].to(g.dtype))
    if product.dtype == g.dtype:
        return g
    return product.copy_(g)


def _sharded(head: torch.nn.Linear) -> bool:
    """Whether the head's weight is sharded (FSDP2's DTensor, or FSDP1's flat-parameter views): the fused path
    reads it outside the model's forward, where it is not gathered."""
    weight = head.weight
    if weight.numel() != head.in_features * head.out_features:
        return True
    if not torch.distributed.is_available():
        return False
    from torch.distributed.tensor import DTensor

    return isinstance(weight, DTensor)


def fused_supported(model: torch.nn.Module) -> bool:
    """Whether the final logits are exactly lm_head(hidden) with a bias-free, unsharded Linear head (else the
    logits path is used: under FSDP, for instance)."""
    get_head = getattr(model, "get_output_embeddings", None)
    head = get_head() if get_head else None
    cfg = getattr(model, "config", None)
    scaled = any(getattr(cfg, a, None) not in (None, 1.0) for a in ("final_logit_softcapping", "logit_scale"))
    return isinstance(head, torch.nn.Linear) and head.bias is None and not scaled and not _sharded(head)


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
    """The fused head's matmul dtype: the numeric path's when one is set, else the ambient autocast's or the
    weight's own."""
    path = _PATH.get()
    if path is not None:
        return torch.bfloat16 if path.bf16 else weight.dtype
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


def use_fused(inner: torch.nn.Module, fused: bool | None) -> bool:
    """`fused` as asked, else the numeric path's choice (default: fused) where the model supports it."""
    if fused is not None:
        return fused
    path = _PATH.get()
    return (path is None or path.fused) and fused_supported(inner)


def _inner(model: torch.nn.Module) -> torch.nn.Module:
    """The plain HF model inside torch.compile / DDP / PEFT wrappers (for its head, config and signature)."""
    for name in ("_orig_mod", "module"):
        wrapped = model._modules.get(name)
        if wrapped is not None:
            return _inner(wrapped)
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def _row_sums(pred: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor,
              weight: torch.Tensor | None) -> torch.Tensor:
    """Per-row sum of log p(label) at masked positions; `pred` holds hidden states (fused: `weight` given) or logits.
    The per-token values and their per-row sums are made as sequence_parts makes them, so both give the same bits."""
    rows = torch.arange(mask.shape[0], device=mask.device)[:, None].expand_as(mask)[mask]
    if weight is None:
        per_token = token_logps(pred[mask], labels[mask])
    else:
        per_token = _FusedLinearLogps.apply(pred[mask], weight, labels[mask], _compute_dtype(weight))
    return torch.zeros(mask.shape[0], dtype=torch.float32, device=pred.device).index_add(0, rows, per_token)


def sequence_logps(model: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                   completion_mask: torch.Tensor, fused: bool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(sum of response-token log-probs, number of response tokens) per row. `model` may be DDP-wrapped."""
    inner = _inner(model)
    mask = completion_mask[:, 1:].bool()
    lengths = mask.sum(-1).to(torch.float32)
    fused = use_fused(inner, fused)
    with hidden_states_out(inner) if fused else contextlib.nullcontext() as weight:
        out = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
    return _row_sums(out[:, :-1], input_ids[:, 1:], mask, weight), lengths


def view_logps(model: torch.nn.Module, batch: dict[str, torch.Tensor], prefix: str = "") -> tuple[
        torch.Tensor, torch.Tensor]:
    """sequence_logps of one view of a collated batch (prefix '' for x, 'aug_' for p+x)."""
    return sequence_logps(model, batch[f"{prefix}input_ids"], batch[f"{prefix}attention_mask"],
                          batch[f"{prefix}completion_mask"])


def _forward_kwargs(inner: torch.nn.Module) -> tuple[str, bool]:
    """(name of the KV-cache argument, whether `logits_to_keep` is accepted) for this model's forward."""
    return _forward_kwargs_of(type(inner))


@functools.cache
def _forward_kwargs_of(cls: type) -> tuple[str, bool]:  # per class, so not inspected on every step
    params = inspect.signature(cls.forward).parameters
    return ("cache" if "cache" in params else "past_key_values"), "logits_to_keep" in params


def _returned_cache(out) -> object:
    cache = out.get("cache") if "cache" in out else None
    return cache if cache is not None else out["past_key_values"]


@torch.no_grad()
def shared_prefix_logps(model: torch.nn.Module, prefix_ids: torch.Tensor, prefix_mask: torch.Tensor,
                        response_ids: torch.Tensor, response_mask: torch.Tensor,
                        fused: bool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(sum of response-token log-probs, number of response tokens) for 2n rows [chosen; rejected] whose pair i
    shares the prefix row i (no autograd).

    The n prefixes (left-padded, so all end at the last column) run once with a KV cache; the cache is repeated for
    the two responses of each pair, which then run against it (right-padded, explicit position ids, attention mask
    over prefix + response). The first response token's log-prob comes from the prefix's last hidden state.
    Equals sequence_logps over the concatenated rows up to float rounding.
    """
    inner = _inner(model)
    fused = use_fused(inner, fused)
    cache_arg, keep_arg = _forward_kwargs(inner)
    n = prefix_ids.shape[0]
    # rows interleaved as c0, r0, c1, r1, ...: the order of the cache after batch_repeat_interleave(2)
    ids, mask = (t.view(2, n, -1).transpose(0, 1).reshape(2 * n, -1) for t in (response_ids, response_mask))
    prefix_len = prefix_mask.sum(-1).repeat_interleave(2)
    with hidden_states_out(inner) if fused else contextlib.nullcontext() as weight:
        out = model(input_ids=prefix_ids, attention_mask=prefix_mask,
                    position_ids=(prefix_mask.cumsum(-1) - 1).clamp(min=0), use_cache=True,
                    **({"logits_to_keep": 1} if keep_arg else {}))
        last = out.logits[:, -1:].repeat_interleave(2, dim=0)  # predicts each response's first token
        cache = _returned_cache(out)
        cache.batch_repeat_interleave(2)
        positions = prefix_len[:, None] + torch.arange(ids.shape[1], device=ids.device)
        hidden = model(input_ids=ids, attention_mask=torch.cat([prefix_mask.repeat_interleave(2, dim=0), mask], -1),
                       position_ids=positions, use_cache=True, **{cache_arg: cache}).logits
    mask = mask.bool()
    first = _row_sums(last, ids[:, :1], mask[:, :1], weight)
    sums = first + _row_sums(hidden[:, :-1], ids[:, 1:], mask[:, 1:], weight)
    return sums.view(n, 2).T.reshape(-1), response_mask.sum(-1).to(torch.float32)  # back to [chosen; rejected]


def aug_view_logps(model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probs of the p+x view: by the shared-prefix path when the collator made its tensors (`augp_*`,
    `augr_*`), else view_logps(..., 'aug_'). The shared-prefix path builds no autograd graph."""
    if "augp_input_ids" in batch:
        return shared_prefix_logps(model, batch["augp_input_ids"], batch["augp_attention_mask"],
                                   batch["augr_input_ids"], batch["augr_attention_mask"])
    return view_logps(model, batch, "aug_")


@dataclass
class SequenceParts:
    """Per-row parts of one view's forward: summed response log-probs and lengths (as sequence_logps), the sum past
    each pair's shared length (LD-DPO's tail, with gradient) and per-row sums of TOKEN_STATS (no gradient)."""

    logps: torch.Tensor
    lengths: torch.Tensor
    tail: torch.Tensor | None = None
    stats: dict[str, torch.Tensor] = field(default_factory=dict)


def shared_lengths(completion_mask: torch.Tensor) -> torch.Tensor:
    """min(|y+|, |y-|) for each of the 2n rows [chosen; rejected] of a collated view."""
    lengths = completion_mask.sum(-1)
    n = lengths.shape[0] // 2
    shared = torch.minimum(lengths[:n], lengths[n:])
    return torch.cat([shared, shared])


def sequence_parts(model: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                   completion_mask: torch.Tensor, shared: torch.Tensor | None = None, stats: Collection[str] = (),
                   fused: bool | None = None) -> SequenceParts:
    """sequence_logps plus, from the same forward and the same chunks, the tail past `shared` response tokens per
    row (when given) and the per-row sums of the TOKEN_STATS named in `stats` (only those are computed)."""
    inner = _inner(model)
    mask = completion_mask[:, 1:].bool()
    fused = use_fused(inner, fused)
    with hidden_states_out(inner) if fused else contextlib.nullcontext() as weight:
        out = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
    pred, labels = out[:, :-1], input_ids[:, 1:]
    picked, picked_labels = pred[mask], labels[mask]
    token_stats = empty_stats(stats, picked_labels.numel(), mask.device)
    if weight is not None:
        per_token = _FusedLinearLogps.apply(picked, weight, picked_labels, _compute_dtype(weight), token_stats)
    else:
        per_token = _logits_token_values(picked, picked_labels, token_stats)
    rows = torch.arange(mask.shape[0], device=mask.device)[:, None].expand_as(mask)[mask]

    def row_sum(values: torch.Tensor) -> torch.Tensor:
        return torch.zeros(mask.shape[0], dtype=torch.float32, device=mask.device).index_add(0, rows, values)

    parts = SequenceParts(row_sum(per_token), mask.sum(-1).to(torch.float32))
    if shared is not None:
        past = (mask.cumsum(-1) > shared.to(mask.device)[:, None])[mask]
        parts.tail = row_sum(per_token * past)
    parts.stats = {k: row_sum(v) for k, v in token_stats.items()}
    return parts


def _logits_token_values(logits: torch.Tensor, labels: torch.Tensor, stats: dict[str, torch.Tensor],
                         chunk: int = 1024) -> torch.Tensor:
    """The logits path: per-token log-probs of (tokens, vocab) logits, and the `stats` slots filled (no gradient)."""
    values = token_logps(logits, labels)
    if stats:
        with torch.no_grad():
            for i in range(0, labels.numel(), chunk):
                rows = slice(i, i + chunk)
                _chunk_logps(logits[rows].to(torch.float32, copy=True), labels[rows], stats, rows)
    return values


def view_parts(model: torch.nn.Module, batch: dict[str, torch.Tensor], ld: bool = False,
               stats: Collection[str] = ()) -> SequenceParts:
    """sequence_parts of the x view of a collated batch; `ld`: the tails past each pair's shared length; `stats`:
    the TOKEN_STATS wanted."""
    shared = shared_lengths(batch["completion_mask"][:, 1:]) if ld else None
    return sequence_parts(model, batch["input_ids"], batch["attention_mask"], batch["completion_mask"], shared, stats)
