"""Preference losses as pure functions of per-sequence log-probs: a name -> loss registry.

Every margin loss is written as f(h, offset): h is the policy-vs-reference margin
h = [log pi(y+|x) - log pi_ref(y+|x)] - [log pi(y-|x) - log pi_ref(y-|x)] (summed token log-probs), and `offset`
is a detached quantity subtracted from the loss's logit. Offsets are how margins enter:
- the Sr refinement (Yu et al. 2024): offset = lambda * sg[Delta], Delta = beta * h_p ('prompt') or beta * h ('naive');
  `sr-<loss>` is `<loss>` with the refinement, so Sr-DPO = DPO + refinement, Sr-IPO = IPO + refinement;
- ODPO (Amini et al. 2024): offset = alpha * log(score_chosen - score_rejected).
lambda = 0 gives exactly the base loss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from sr_train.refine import refinement_delta

Tensor = torch.Tensor


@dataclass
class PairLogps:
    """Per-pair summed log-probs of the policy (and reference), for the x view and the p+x view."""

    chosen: Tensor
    rejected: Tensor
    chosen_len: Tensor
    rejected_len: Tensor
    ref_chosen: Tensor | None = None
    ref_rejected: Tensor | None = None
    aug_chosen: Tensor | None = None  # policy on p+x, computed without autograd
    aug_rejected: Tensor | None = None
    ref_aug_chosen: Tensor | None = None
    ref_aug_rejected: Tensor | None = None
    score_chosen: Tensor | None = None
    score_rejected: Tensor | None = None


@dataclass
class LossParams:
    beta: float = 0.1
    lam: float = 0.0
    refine: str = "prompt"
    ipo_norm: str = "sum"
    label_smoothing: float = 0.0
    simpo_gamma: float = 0.5
    odpo_alpha: float = 1.0


@dataclass
class LossOutput:
    losses: Tensor  # per pair; the batch loss is losses.mean()
    chosen_rewards: Tensor  # detached implicit rewards (TRL's definition: beta * log-ratio)
    rejected_rewards: Tensor
    margin: Tensor  # h, detached
    margin_aug: Tensor | None = None  # h_p, detached
    delta: Tensor | None = None  # refinement Delta (before lambda), detached


@dataclass(frozen=True)
class LossSpec:
    base: str  # key of BASE_LOSSES
    refine: bool = False  # subtract lambda * Delta
    reference_free: bool = False
    needs_scores: bool = False


def _logit(beta: float, h: Tensor, offset: Tensor) -> Tensor:
    return beta * h - offset


def dpo(h: Tensor, offset: Tensor, p: LossParams) -> Tensor:
    """-log sigma(beta*h - offset) (Rafailov et al. 2023)."""
    return -F.logsigmoid(_logit(p.beta, h, offset))


def ipo(h: Tensor, offset: Tensor, p: LossParams) -> Tensor:
    """(h - offset - 1/(2 beta))^2 (Azar et al. 2023; beta plays tau). h is not scaled by beta, the offset is."""
    return (h - offset - 1.0 / (2.0 * p.beta)) ** 2


def hinge(h: Tensor, offset: Tensor, p: LossParams) -> Tensor:
    """max(0, 1 - (beta*h - offset)) (SLiC-style hinge)."""
    return torch.relu(1.0 - _logit(p.beta, h, offset))


def robust(h: Tensor, offset: Tensor, p: LossParams) -> Tensor:
    """Unbiased loss under label-flip rate eps (Chowdhury et al. 2024), as TRL's `robust`."""
    z, eps = _logit(p.beta, h, offset), p.label_smoothing
    return (-(1 - eps) * F.logsigmoid(z) + eps * F.logsigmoid(-z)) / (1 - 2 * eps)


def cdpo(h: Tensor, offset: Tensor, p: LossParams) -> Tensor:
    """Conservative DPO: label-smoothed logistic loss, -(1-eps) log sigma(z) - eps log sigma(-z)."""
    z, eps = _logit(p.beta, h, offset), p.label_smoothing
    return -(1 - eps) * F.logsigmoid(z) - eps * F.logsigmoid(-z)


def simpo(h: Tensor, offset: Tensor, p: LossParams) -> Tensor:
    """SimPO (Meng et al. 2024): -log sigma(beta*h_avg - gamma - offset), h_avg from length-normalised log-probs."""
    return -F.logsigmoid(_logit(p.beta, h, offset) - p.simpo_gamma)


BASE_LOSSES: dict[str, Callable[[Tensor, Tensor, LossParams], Tensor]] = {
    "dpo": dpo, "ipo": ipo, "hinge": hinge, "robust": robust, "cdpo": cdpo, "simpo": simpo, "odpo": dpo,
}

LOSSES: dict[str, LossSpec] = {
    "dpo": LossSpec("dpo"),
    "ipo": LossSpec("ipo"),
    "hinge": LossSpec("hinge"),
    "robust": LossSpec("robust"),
    "cdpo": LossSpec("cdpo"),
    "simpo": LossSpec("simpo", reference_free=True),
    "odpo": LossSpec("odpo", needs_scores=True),
    "sft": LossSpec("sft", reference_free=True),
}
# Any margin loss takes the refinement: sr-dpo, sr-ipo (the paper's), and sr-hinge, sr-robust, ... (ours).
LOSSES.update({f"sr-{name}": LossSpec(s.base, True, s.reference_free, s.needs_scores)
               for name, s in list(LOSSES.items()) if name != "sft"})


def base_loss_name(name: str) -> str | None:
    spec = LOSSES.get(name)
    return spec.base if spec else None


def get_spec(name: str) -> LossSpec:
    if name not in LOSSES:
        raise KeyError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}")
    return LOSSES[name]


def _margin(c: Tensor, r: Tensor, rc: Tensor | None, rr: Tensor | None, lc: Tensor, lr: Tensor,
            spec: LossSpec, p: LossParams) -> Tensor:
    if spec.base == "simpo":
        return c / lc - r / lr
    if rc is None or rr is None:
        raise ValueError("this loss needs reference log-probs")
    chosen_ratio, rejected_ratio = c - rc, r - rr
    if spec.base == "ipo" and p.ipo_norm == "mean":
        return chosen_ratio / lc - rejected_ratio / lr
    return chosen_ratio - rejected_ratio


def compute_loss(name: str, x: PairLogps, p: LossParams) -> LossOutput:
    """Per-pair losses, implicit rewards and margins for the loss `name` (see LOSSES)."""
    spec = get_spec(name)
    lc, lr = x.chosen_len.clamp(min=1).to(x.chosen.dtype), x.rejected_len.clamp(min=1).to(x.chosen.dtype)
    if spec.base == "sft":
        losses = -x.chosen / lc
        zeros = torch.zeros_like(losses).detach()
        return LossOutput(losses, (x.chosen / lc).detach(), (x.rejected / lr).detach(), zeros)

    h = _margin(x.chosen, x.rejected, x.ref_chosen, x.ref_rejected, lc, lr, spec, p)
    offset = torch.zeros_like(h).detach()
    margin_aug = delta = None
    if x.aug_chosen is not None and x.aug_rejected is not None:
        with torch.no_grad():
            margin_aug = _margin(x.aug_chosen, x.aug_rejected, x.ref_aug_chosen, x.ref_aug_rejected, lc, lr, spec, p)
    if spec.refine:
        delta = refinement_delta(p.refine, p.beta, h, margin_aug)
        offset = offset + p.lam * delta
    if spec.needs_scores:
        if x.score_chosen is None or x.score_rejected is None:
            raise ValueError(f"loss {name!r} needs score_chosen / score_rejected in the data")
        gap = (x.score_chosen - x.score_rejected).to(h.dtype)
        if (gap <= 0).any():
            raise ValueError(f"loss {name!r}: score_chosen must exceed score_rejected in every pair")
        offset = offset + p.odpo_alpha * torch.log(gap)
    losses = BASE_LOSSES[spec.base](h, offset, p)

    if spec.reference_free:
        chosen_rewards, rejected_rewards = p.beta * x.chosen / lc, p.beta * x.rejected / lr
    else:
        chosen_rewards, rejected_rewards = p.beta * (x.chosen - x.ref_chosen), p.beta * (x.rejected - x.ref_rejected)
    return LossOutput(losses, chosen_rewards.detach(), rejected_rewards.detach(), h.detach(), margin_aug, delta)


def needs_aug_view(name: str, refine: str) -> bool:
    """Whether the p+x view must be computed: Sr-* with the 'prompt' refinement."""
    return get_spec(name).refine and refine == "prompt"


