"""Preference losses as pure functions of per-sequence log-probs: a name -> loss registry.

Every loss reads `Terms`: the margin h, a detached `offset` subtracted from the loss's logit, and the chosen / rejected
log-ratios. For the reference-based margin losses h is the policy-vs-reference margin
h = [log pi(y+|x) - log pi_ref(y+|x)] - [log pi(y-|x) - log pi_ref(y-|x)] (summed token log-probs; each log-ratio
first mapped through the chosen f-divergence's f'); reference-free losses (SimPO, CPO, ORPO) take h from the policy's
log-probs alone. Offsets are how margins enter:
- the Sr refinement (Yu et al. 2024): offset = lambda * sg[Delta], Delta = beta * h_p ('prompt') or beta * h ('naive');
  `sr-<loss>` is `<loss>` with the refinement, so Sr-DPO = DPO + refinement, Sr-IPO = IPO + refinement;
- ODPO (Amini et al. 2024): offset = alpha * log(score_chosen - score_rejected).
H-DPO (Omura et al. 2024, arXiv 2411.07595) forms h with the policy's log-probs scaled by its entropy coefficient
alpha (margin 'ratio_alpha'; alpha = 1 is DPO). UP-DPO (Houliston et al. 2024, arXiv 2410.20187) penalises each
pair's logit by the data's preference uncertainty u: 'scale' (logit * exp(-gamma u), the default: its gradient in the
logit is attenuated by exp(-gamma u), as the abstract says the penalty "attenuates the loss gradient for uncertain
samples") or 'subtract' (logit - gamma u, a pessimistic margin: at a given logit it enlarges the gradient of uncertain
pairs); u = 0 is DPO. Equation numbers: the stored copies we could search (arXiv HTML v1/v2 of 2411.07595, v1 of
2410.20187) hold only each paper's abstract and introduction, so both forms are our reading of the abstracts, the
choices are options, and no equation number is claimed (README, "The methods the paper is read beside").
lambda = 0 gives exactly the base loss.

Names follow TRL 1.16's DPOTrainer `loss_type` where it has the loss (ALIASES maps TRL's names to ours where they
differ); `a,b` (with LossParams.loss_weights) sums weighted losses, and PRESETS name TRL's usual mixtures. Each
LossSpec names the LossParams knobs its loss reads (`knobs`; `reads` adds the refinement's and the f-divergence's):
the one place that says which loss a knob serves (sr-train's --help and its refusal of an unread knob use it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from sr_train.refine import REFINE_MODES, refinement_delta

Tensor = torch.Tensor

F_DIVERGENCES = ("reverse_kl", "forward_kl", "js_divergence", "alpha_divergence")
UP_PENALTIES = ("scale", "subtract")
# Settings read by every sr-* loss: lambda and Delta's form (LossParams), the quality prompt p, its file and how it
# joins x (TrainConfig's; the tokeniser reads them)
REFINE_KNOBS = ("lam", "refine", "quality_prompt", "quality_prompt_file", "prompt_join")
F_KNOBS = ("f_divergence", "f_alpha")  # read by the losses TRL allows an f-divergence with (LossSpec.f_divergence)


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
    weight: Tensor | None = None  # detached per-pair weight (data `weight` column, WPO): scales each pair's loss
    uncertainty: Tensor | None = None  # per-pair preference uncertainty (data `uncertainty` column, UP-DPO)


def _knob(default: Any, help: str, **kw: Any) -> Any:
    return field(default=default, metadata={"help": help, **kw})


@dataclass
class LossParams:
    """What the losses read. Each default, help and choice list is written here once: TrainConfig's field of the same
    name takes them (sr_train.config), and each LossSpec names the knobs its loss reads (`knobs`)."""

    beta: float = _knob(0.1, "beta (IPO's tau for ipo / sr-ipo); paper: 0.1")
    lam: float = _knob(0.5, "lambda, weight of the refinement term (paper searched 0.1/0.3/0.5/1; 0: the base loss) "
                       "[our default]")
    refine: str = _knob("prompt", "refinement Delta: 'prompt' (beta*h_p, the paper's) or 'naive' (detached beta*h)",
                        choices=REFINE_MODES)
    ipo_norm: str = _knob("sum", "IPO log-ratio: 'sum' over tokens (paper) or 'mean' per token (TRL)",
                          choices=("sum", "mean"))
    label_smoothing: float = _knob(0.0, "epsilon: the assumed label-flip rate")
    simpo_gamma: float = _knob(0.5, "SimPO target margin gamma (reference-free, length-normalised)")
    odpo_alpha: float = _knob(1.0, "ODPO offset scale: offset = alpha * log(score_chosen - score_rejected)")
    discopop_tau: float = _knob(0.05, "DiscoPOP temperature tau (TRL's default, the paper's)")
    f_divergence: str = _knob("reverse_kl", "f-divergence regulariser of the margin losses (f-DPO, as TRL's "
                              "f_divergence_type): reverse_kl (DPO), forward_kl, js_divergence, alpha_divergence",
                              choices=F_DIVERGENCES)
    f_alpha: float = _knob(0.5, "alpha of --f-divergence alpha_divergence (TRL's f_alpha_divergence_coef)",
                           only_with=("f_divergence", "alpha_divergence"))
    alphapo_alpha: float = _knob(0.0, "AlphaPO reward shape for cpo_* / alphapo: reward (1 - p^-a)/a of p = exp(mean "
                                 "log-prob) (TRL CPOConfig alpha; 0: log-prob rewards)")
    loss_weights: tuple[float, ...] | None = None  # one per component of a composite loss (TrainConfig: a comma list)
    hdpo_alpha: float = _knob(1.0, "H-DPO entropy coefficient alpha on the policy's log-probs in the margin (1: DPO; "
                              "alpha < 1 sharpens the policy) (Omura+ 2024)")
    up_penalty: str = _knob("scale", "UP-DPO penalty of the data's per-pair uncertainty u: 'scale' (logit * "
                            "exp(-gamma u): attenuates uncertain pairs' gradient) or 'subtract' (logit - gamma u, "
                            "pessimistic) (Houliston+ 2024)", choices=UP_PENALTIES)
    up_gamma: float = _knob(1.0, "UP-DPO penalty strength gamma (0: DPO)")


@dataclass
class LossOutput:
    losses: Tensor  # per pair; the batch loss is losses.mean()
    chosen_rewards: Tensor  # detached implicit rewards (TRL's definition: beta * log-ratio)
    rejected_rewards: Tensor
    margin: Tensor  # h, detached
    margin_aug: Tensor | None = None  # h_p, detached
    delta: Tensor | None = None  # refinement Delta (before lambda), detached
    components: dict[str, Tensor] = field(default_factory=dict)  # composite: each loss's batch value, detached


@dataclass(frozen=True)
class LossSpec:
    base: str  # key of BASE_LOSSES
    refine: bool = False  # subtract lambda * Delta
    reference_free: bool = False
    needs_scores: bool = False
    needs_uncertainty: bool = False  # reads the data's per-pair `uncertainty` (UP-DPO)
    margin: str = "ratio"  # how h is formed: ratio | ratio_norm | ratio_alpha | policy_sum | policy_mean | none
    twin: bool = True  # has an sr- twin (the loss reads its margin through a logit)
    f_divergence: bool = False  # TRL allows an f-divergence other than reverse KL
    sorts_batch: bool = False  # pairs are re-matched by sorting: no per-pair weights
    knobs: tuple[str, ...] = ()  # the LossParams fields its base loss reads besides beta
    help: str = ""  # formula and source, for --help and the README

    @property
    def reads(self) -> frozenset[str]:
        """Every loss-specific setting this loss reads: its knobs, the refinement's (sr-*) and the f-divergence's
        (sft allows one, so that rpo can take it, but has no log-ratio to map)."""
        f_knobs = F_KNOBS if self.f_divergence and self.margin != "none" else ()
        return frozenset(self.knobs + (REFINE_KNOBS if self.refine else ()) + f_knobs)


@dataclass
class Terms:
    """What a base loss reads: margin h, detached offset, raw log-ratios (or policy log-probs when reference-free)."""

    h: Tensor
    offset: Tensor
    chosen: Tensor  # log pi(y+) - log pi_ref(y+)  (reference-free: the policy's log-prob, as the margin takes it)
    rejected: Tensor
    x: PairLogps
    lc: Tensor  # chosen / rejected completion lengths (>= 1)
    lr: Tensor


def _z(p: LossParams, t: Terms) -> Tensor:
    return p.beta * t.h - t.offset


def _smoothed(z: Tensor, eps: float) -> Tensor:
    return -(1 - eps) * F.logsigmoid(z) - eps * F.logsigmoid(-z)


def dpo(t: Terms, p: LossParams) -> Tensor:
    return -F.logsigmoid(_z(p, t))


def updpo(t: Terms, p: LossParams) -> Tensor:
    """DPO with the pair's logit penalised by its preference uncertainty u >= 0 (u = 0: DPO exactly)."""
    u = t.x.uncertainty
    if u is None:
        raise ValueError("UP-DPO needs the data's per-pair uncertainty column (write it with `sr-bench uncertainty`)")
    u, z = u.to(t.h.dtype), _z(p, t)
    if p.up_penalty == "subtract":
        return -F.logsigmoid(z - p.up_gamma * u)
    if p.up_penalty == "scale":
        return -F.logsigmoid(z * torch.exp(-p.up_gamma * u))
    raise ValueError(f"up_penalty must be one of {UP_PENALTIES}, got {p.up_penalty!r}")


def ipo(t: Terms, p: LossParams) -> Tensor:
    return (t.h - t.offset - 1.0 / (2.0 * p.beta)) ** 2


def hinge(t: Terms, p: LossParams) -> Tensor:
    return torch.relu(1.0 - _z(p, t))


def robust(t: Terms, p: LossParams) -> Tensor:
    z, eps = _z(p, t), p.label_smoothing
    return (-(1 - eps) * F.logsigmoid(z) + eps * F.logsigmoid(-z)) / (1 - 2 * eps)


def cdpo(t: Terms, p: LossParams) -> Tensor:
    return _smoothed(_z(p, t), p.label_smoothing)


def simpo(t: Terms, p: LossParams) -> Tensor:
    return -F.logsigmoid(_z(p, t) - p.simpo_gamma)


def exo_pair(t: Terms, p: LossParams) -> Tensor:
    """KL(q || target) over {y+, y-}: q = sigma(+-z), target = (1 - eps, eps)."""
    z, eps = _z(p, t), p.label_smoothing
    if not 0 < eps < 1:
        raise ValueError(f"exo_pair needs 0 < label_smoothing < 1 (EXO suggests 1e-3), got {eps}")
    return (torch.sigmoid(z) * (F.logsigmoid(z) - math.log1p(-eps))
            + torch.sigmoid(-z) * (F.logsigmoid(-z) - math.log(eps)))


def nca_pair(t: Terms, p: LossParams) -> Tensor:
    rc, rr = p.beta * t.chosen, p.beta * t.rejected
    return -F.logsigmoid(rc) - 0.5 * F.logsigmoid(-rc) - 0.5 * F.logsigmoid(-rr)


def bco_pair(t: Terms, p: LossParams) -> Tensor:
    return -F.logsigmoid(p.beta * t.chosen) - F.logsigmoid(-p.beta * t.rejected)


def sppo_hard(t: Terms, p: LossParams) -> Tensor:
    half = 0.5 / p.beta
    return (t.chosen - half) ** 2 + (t.rejected + half) ** 2


def apo_zero(t: Terms, p: LossParams) -> Tensor:
    return 1 - torch.sigmoid(p.beta * t.chosen) + torch.sigmoid(p.beta * t.rejected)


def apo_down(t: Terms, p: LossParams) -> Tensor:
    return torch.sigmoid(p.beta * t.chosen) + 1 - torch.sigmoid(p.beta * (t.chosen - t.rejected))


def discopop(t: Terms, p: LossParams) -> Tensor:
    z = _z(p, t)
    mix = torch.sigmoid(z / p.discopop_tau)
    return -F.logsigmoid(z) * (1 - mix) + torch.exp(-z) * mix


def sft(t: Terms, p: LossParams) -> Tensor:
    return -t.x.chosen / t.lc


def sft_batch(t: Terms, p: LossParams) -> Tensor:
    """Per pair -n * log pi(y+_i) / (tokens of all y+): its batch mean is the token-mean NLL of the chosen tokens."""
    return -t.x.chosen * (t.lc.numel() / t.lc.sum())


def aot(t: Terms, p: LossParams) -> Tensor:
    x = t.x
    ours = torch.sort(x.chosen - x.rejected).values
    ref = torch.sort(x.ref_chosen - x.ref_rejected).values
    return _smoothed(p.beta * (ours - ref), p.label_smoothing)


def aot_unpaired(t: Terms, p: LossParams) -> Tensor:
    delta = torch.sort(t.chosen).values - torch.sort(t.rejected).values
    return _smoothed(p.beta * delta, p.label_smoothing)


def cpo_pair(t: Terms, p: LossParams) -> Tensor:
    return _smoothed(_z(p, t), p.label_smoothing)


def cpo_simpo(t: Terms, p: LossParams) -> Tensor:
    return _smoothed(_z(p, t) - p.simpo_gamma, p.label_smoothing)


def log1mexp(x: Tensor) -> Tensor:
    """log(1 - exp(x)) for x < 0, accurate at both ends (Maechler 2012)."""
    return torch.where(x > -math.log(2), torch.log(-torch.expm1(x)), torch.log1p(-torch.exp(x)))


def orpo_pair(t: Terms, p: LossParams) -> Tensor:
    """-beta * log sigma(log odds(y+) - log odds(y-)), odds from length-normalised log-probs (offset on the logit)."""
    c, r = t.chosen.float(), t.rejected.float()
    log_odds = (c - r) - (log1mexp(c) - log1mexp(r))
    return -p.beta * F.logsigmoid(log_odds - t.offset)


BASE_LOSSES: dict[str, Callable[[Terms, LossParams], Tensor]] = {
    "dpo": dpo, "ipo": ipo, "hinge": hinge, "robust": robust, "cdpo": cdpo, "simpo": simpo, "odpo": dpo,
    "exo_pair": exo_pair, "nca_pair": nca_pair, "bco_pair": bco_pair, "sppo_hard": sppo_hard, "apo_zero": apo_zero,
    "apo_down": apo_down, "discopop": discopop, "sigmoid_norm": dpo, "sft": sft, "sft_batch": sft_batch, "aot": aot,
    "aot_unpaired": aot_unpaired, "cpo_pair": cpo_pair, "cpo_hinge": hinge, "cpo_ipo": ipo, "cpo_simpo": cpo_simpo,
    "alphapo": cpo_simpo, "orpo_pair": orpo_pair, "hdpo": dpo, "updpo": updpo,
}

_FREE = {"reference_free": True}
_EPS = ("label_smoothing",)
_SIMPO_EPS = ("label_smoothing", "simpo_gamma", "alphapo_alpha")
LOSSES: dict[str, LossSpec] = {
    "dpo": LossSpec("dpo", f_divergence=True, help="-log sigma(beta h) [Rafailov+ 2023; TRL sigmoid]"),
    "ipo": LossSpec("ipo", f_divergence=True, knobs=("ipo_norm",), help="(h - 1/(2 beta))^2; --ipo-norm mean "
                    "divides each log-ratio by its length, as TRL [Azar+ 2023]"),
    "hinge": LossSpec("hinge", f_divergence=True, help="max(0, 1 - beta h) [SLiC, Zhao+ 2023; TRL hinge]"),
    "robust": LossSpec("robust", f_divergence=True, knobs=_EPS, help="((1-eps)(-log sigma(beta h)) - eps(-log "
                       "sigma(-beta h))) / (1 - 2 eps) [Chowdhury+ 2024; TRL robust]"),
    "cdpo": LossSpec("cdpo", f_divergence=True, knobs=_EPS, help="-(1-eps) log sigma(beta h) - eps log sigma(-beta "
                     "h) [Mitchell 2023, conservative DPO]"),
    "simpo": LossSpec("simpo", margin="policy_mean", **_FREE, knobs=("simpo_gamma",), help="-log sigma(beta h_avg - "
                      "gamma), h_avg from length-normalised policy log-probs [Meng+ 2024]"),
    "odpo": LossSpec("odpo", needs_scores=True, f_divergence=True, knobs=("odpo_alpha",), help="-log sigma(beta h - "
                     "alpha log(s+ - s-)) [Amini+ 2024]"),
    "exo_pair": LossSpec("exo_pair", f_divergence=True, knobs=_EPS, help="sigma(z)(log sigma(z) - log(1-eps)) + "
                         "sigma(-z)(log sigma(-z) - log eps), z = beta h [Ji+ 2024 EXO; TRL exo_pair]"),
    "nca_pair": LossSpec("nca_pair", twin=False, help="-log sigma(beta r+) - 1/2 log sigma(-beta r+) - 1/2 log "
                         "sigma(-beta r-), r = log-ratio [Chen+ 2024 NCA; TRL nca_pair]"),
    "bco_pair": LossSpec("bco_pair", twin=False, help="-log sigma(beta r+) - log sigma(-beta r-) [Jung+ 2024 BCO; "
                         "TRL bco_pair]"),
    "sppo_hard": LossSpec("sppo_hard", twin=False, help="(r+ - 1/(2 beta))^2 + (r- + 1/(2 beta))^2 [Wu+ 2024 SPPO, "
                          "hard labels; TRL sppo_hard]"),
    "apo_zero": LossSpec("apo_zero", twin=False, help="1 - sigma(beta r+) + sigma(beta r-) [D'Oosterlinck+ 2024 "
                         "APO-zero; TRL apo_zero]"),
    "apo_down": LossSpec("apo_down", twin=False, help="sigma(beta r+) + 1 - sigma(beta (r+ - r-)) [D'Oosterlinck+ "
                         "2024 APO-down; TRL apo_down]"),
    "discopop": LossSpec("discopop", f_divergence=True, knobs=("discopop_tau",), help="(1-m)(-log sigma(z)) + m "
                         "exp(-z), m = sigma(z/tau), z = beta h [Chan+ 2024 DiscoPOP; TRL discopop]"),
    "sigmoid_norm": LossSpec("sigmoid_norm", margin="ratio_norm", f_divergence=True, help="-log sigma(beta (r+/|y+| "
                             "- r-/|y-|)) [open-instruct dpo_norm, Tulu 3; TRL sigmoid_norm]"),
    "sft": LossSpec("sft", margin="none", twin=False, f_divergence=True, **_FREE,
                    help="-log pi(y+)/|y+| averaged over pairs (sequence-mean NLL)"),
    "sft_batch": LossSpec("sft_batch", margin="none", twin=False, f_divergence=True, **_FREE,
                          help="-sum log pi(y+) / sum |y+| over the batch (token-mean NLL) [TRL sft]"),
    "aot": LossSpec("aot", twin=False, sorts_batch=True, knobs=_EPS, help="cdpo on sort(log pi(y+)-log pi(y-)) - "
                    "sort(same for ref) over the batch [Melnyk+ 2024 AOT; TRL aot]"),
    "aot_unpaired": LossSpec("aot_unpaired", twin=False, sorts_batch=True, knobs=_EPS, help="cdpo on sort(r+) - "
                             "sort(r-) over the batch [Melnyk+ 2024; TRL aot_unpaired]"),
    "cpo_pair": LossSpec("cpo_pair", margin="policy_sum", **_FREE, knobs=(*_EPS, "alphapo_alpha"), help="-(1-eps) "
                         "log sigma(beta m) - eps log sigma(-beta m), m = log pi(y+) - log pi(y-) [Xu+ 2024 CPO; TRL "
                         "CPOTrainer sigmoid]"),
    "cpo_hinge": LossSpec("cpo_hinge", margin="policy_sum", **_FREE, knobs=("alphapo_alpha",),
                          help="max(0, 1 - beta m) [TRL CPOTrainer hinge]"),
    "cpo_ipo": LossSpec("cpo_ipo", margin="policy_mean", **_FREE, knobs=("alphapo_alpha",),
                        help="(m_avg - 1/(2 beta))^2 [TRL CPOTrainer ipo]"),
    "cpo_simpo": LossSpec("cpo_simpo", margin="policy_mean", **_FREE, knobs=_SIMPO_EPS, help="cdpo of beta m_avg - "
                          "gamma [Meng+ 2024 SimPO; TRL CPOTrainer simpo]"),
    "alphapo": LossSpec("alphapo", margin="policy_mean", **_FREE, knobs=_SIMPO_EPS, help="cpo_simpo with rewards "
                        "(1 - p^-a)/a, p = exp(mean log-prob), a = --alphapo-alpha [Gupta+ 2025 AlphaPO; TRL "
                        "CPOTrainer alpha]"),
    "orpo_pair": LossSpec("orpo_pair", margin="policy_mean", twin=False, **_FREE, help="-beta log sigma(log "
                          "odds(y+) - log odds(y-)), odds of mean log-probs [Hong+ 2024 ORPO; TRL ORPOTrainer]"),
    "hdpo": LossSpec("hdpo", margin="ratio_alpha", knobs=("hdpo_alpha",), help="-log sigma(beta [(alpha log pi(y+) "
                     "- log pi_ref(y+)) - (alpha log pi(y-) - log pi_ref(y-))]), alpha = --hdpo-alpha (1: DPO) "
                     "[Omura+ 2024 H-DPO, the loss of Sec. 3 (arXiv 2411.07595)]"),
    "updpo": LossSpec("updpo", needs_uncertainty=True, knobs=("up_penalty", "up_gamma"), help="-log sigma(beta h - "
                      "gamma u) ('subtract') or -log sigma(beta h exp(-gamma u)) ('scale'), u = the data's "
                      "uncertainty column, --up-penalty, --up-gamma [Houliston+ 2024 UP-DPO (arXiv 2410.20187)]"),
}
# Any margin loss takes the refinement: sr-dpo, sr-ipo (the paper's), and sr-hinge, sr-robust, ... (ours).
LOSSES.update({f"sr-{name}": LossSpec(**{**s.__dict__, "refine": True})
               for name, s in list(LOSSES.items()) if s.twin})

# Every loss-specific setting: read by some losses and not others (beta and the loss weights serve every loss)
LOSS_KNOBS = frozenset().union(*(s.reads for s in LOSSES.values()))


def knob_readers(knob: str) -> list[str]:
    """The single losses that read `knob` (a LossParams field or another of LOSS_KNOBS)."""
    return [name for name, s in LOSSES.items() if knob in s.reads]


def readers_text(knob: str) -> str:
    """Who reads `knob`, for messages and --help: 'losses simpo, cpo_simpo, alphapo (and their sr- twins)'."""
    names = knob_readers(knob)
    bases = [n for n in names if not n.startswith("sr-")]
    twins = len(names) > len(bases)
    if not bases:
        return "the sr-* losses (the refinement)"
    if len(bases) == 1:
        return f"loss {bases[0]}" + (f" (and sr-{bases[0]})" if twins else "")
    return f"losses {', '.join(bases)}" + (" (and their sr- twins)" if twins else "")


# TRL's names (and open-instruct's) where ours differ.
ALIASES = {"sigmoid": "dpo", "dpo_norm": "sigmoid_norm", "cpo_sigmoid": "cpo_pair"}

# Named mixtures: components and their default weights (--loss-weights overrides them).
PRESETS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "rpo": (("dpo", "sft_batch"), (1.0, 1.0)),  # Pang+ 2024: DPO + NLL (TRL loss_type [sigmoid, sft])
    "mpo": (("dpo", "bco_pair", "sft_batch"), (0.8, 0.2, 1.0)),  # Wang+ 2024 (TRL [sigmoid, bco_pair, sft])
    "cpo": (("cpo_pair", "sft_batch"), (1.0, 1.0)),  # CPO: pair loss + cpo_alpha * NLL (TRL CPOTrainer)
    "orpo": (("orpo_pair", "sft_batch"), (1.0, 1.0)),  # ORPO: NLL + odds-ratio loss (TRL ORPOTrainer)
}


def canonical(name: str) -> str:
    """A single loss name with TRL / open-instruct aliases resolved (sr- twins too)."""
    if name.startswith("sr-"):
        return "sr-" + ALIASES.get(name[3:], name[3:])
    return ALIASES.get(name, name)


def components(name: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The canonical single losses a (possibly composite or preset) name sums, and their default weights.

    'dpo,sft_batch' -> (dpo, sft_batch), weights 1, 1; 'rpo' -> its preset; 'sr-rpo' -> the preset with each
    component that has a twin replaced by its sr- twin."""
    parts = [s.strip() for s in name.split(",") if s.strip()]
    if not parts:
        raise KeyError(f"empty loss name {name!r}")
    names: list[str] = []
    weights: list[float] = []
    for part in parts:
        sr = part.startswith("sr-")
        preset = PRESETS.get(part[3:] if sr else part)
        if preset is None:
            names.append(canonical(part))
            weights.append(1.0)
            continue
        for comp, w in zip(*preset):
            names.append(f"sr-{comp}" if sr and LOSSES[comp].twin else comp)
            weights.append(w)
    for n in names:
        if n not in LOSSES:
            known = ", ".join([*LOSSES, *ALIASES, *PRESETS])
            raise KeyError(f"unknown loss {n!r} in {name!r}; known: {known}")
    return tuple(names), tuple(weights)


def base_loss_name(name: str) -> str | None:
    try:
        return get_spec(name).base
    except KeyError:
        return None


def get_spec(name: str) -> LossSpec:
    """The spec of a loss; for a composite, one that needs and reads what any component does (base 'composite';
    an f-divergence only when every component takes one)."""
    names, _ = components(name)
    if len(names) == 1:
        return LOSSES[names[0]]
    specs = [LOSSES[n] for n in names]
    f_divergence = all(s.f_divergence for s in specs)
    reads = {k for s in specs for k in s.reads if f_divergence or k not in F_KNOBS}
    return LossSpec("composite", refine=any(s.refine for s in specs), knobs=tuple(sorted(reads)),
                    reference_free=all(s.reference_free for s in specs),
                    needs_scores=any(s.needs_scores for s in specs), margin="none", twin=False,
                    needs_uncertainty=any(s.needs_uncertainty for s in specs),
                    f_divergence=f_divergence, sorts_batch=any(s.sorts_batch for s in specs))


def loss_weights(name: str, given: tuple[float, ...] | None) -> tuple[float, ...]:
    """The weights of `name`'s components: `given` (checked against their number) or the defaults."""
    names, default = components(name)
    if given is None:
        return default
    if len(given) != len(names):
        raise ValueError(f"loss {name!r} has {len(names)} component(s) {list(names)} but {len(given)} loss weight(s) "
                         f"{list(given)}")
    return tuple(float(w) for w in given)


def f_prime(log_ratio: Tensor, p: LossParams) -> Tensor:
    """f'(t) at t = pi/pi_ref, from log t, for the f-divergence regulariser (Wang+ 2024 f-DPO; TRL's forms)."""
    kind = p.f_divergence
    if kind == "reverse_kl":
        return log_ratio
    if kind == "forward_kl":
        return 1 - torch.exp(-log_ratio)
    if kind == "js_divergence":
        return math.log(2) + F.logsigmoid(log_ratio)
    if kind == "alpha_divergence":
        a = p.f_alpha
        if abs(a - 1.0) < 1e-6:  # the limit is log t
            return log_ratio
        t = ((a - 1.0) * log_ratio).float().clamp(max=11.0 if log_ratio.dtype == torch.float16 else 80.0)
        return (torch.exp(t) - 1.0).to(log_ratio.dtype) / (a - 1.0)
    raise ValueError(f"f_divergence must be one of {F_DIVERGENCES}, got {kind!r}")


def _alphapo(logps: Tensor, a: float) -> Tensor:
    """AlphaPO's reward (1 - p^-a) / a with p = exp(logps); log-probs themselves when a = 0."""
    return logps if a == 0.0 else (1 - torch.exp(-a * logps)) / a


def _scores(c: Tensor, r: Tensor, rc: Tensor | None, rr: Tensor | None, lc: Tensor, lr: Tensor, spec: LossSpec,
            p: LossParams) -> tuple[Tensor, Tensor, Tensor]:
    """(h, chosen score, rejected score): what the loss's margin is the difference of, and that difference."""
    if spec.margin in ("policy_sum", "policy_mean"):
        if spec.margin == "policy_mean":
            c, r = c / lc, r / lr
        a = p.alphapo_alpha if spec.base.startswith(("cpo_", "alphapo")) else 0.0
        sc, sr = _alphapo(c, a), _alphapo(r, a)
        return sc - sr, sc, sr
    if rc is None or rr is None:
        raise ValueError("this loss needs reference log-probs")
    if spec.margin == "ratio_alpha":  # H-DPO: alpha scales the policy's log-probs (its entropy term), not the ref's
        c, r = p.hdpo_alpha * c, p.hdpo_alpha * r
    chosen_ratio, rejected_ratio = c - rc, r - rr
    sc, sr = f_prime(chosen_ratio, p), f_prime(rejected_ratio, p)
    if spec.margin == "ratio_norm" or (spec.base == "ipo" and p.ipo_norm == "mean"):
        return sc / lc - sr / lr, chosen_ratio, rejected_ratio
    return sc - sr, chosen_ratio, rejected_ratio


def _rewards(x: PairLogps, spec: LossSpec, lc: Tensor, lr: Tensor, p: LossParams) -> tuple[Tensor, Tensor]:
    """Implicit rewards as TRL logs them: beta * log-ratio, or beta * the policy's (shaped) log-prob when ref-free."""
    if spec.margin == "none":  # sft: the mean token log-probs
        return x.chosen / lc, x.rejected / lr
    if spec.base == "simpo":
        return p.beta * x.chosen / lc, p.beta * x.rejected / lr
    if spec.margin in ("policy_sum", "policy_mean"):
        _, sc, sr = _scores(x.chosen, x.rejected, None, None, lc, lr, spec, p)
        return p.beta * sc, p.beta * sr
    a = p.hdpo_alpha if spec.margin == "ratio_alpha" else 1.0
    return p.beta * (a * x.chosen - x.ref_chosen), p.beta * (a * x.rejected - x.ref_rejected)


def _single(name: str, x: PairLogps, p: LossParams, lc: Tensor, lr: Tensor) -> LossOutput:
    spec = LOSSES[name]
    if p.f_divergence != "reverse_kl" and not spec.f_divergence:
        allowed = sorted(n for n, s in LOSSES.items() if s.f_divergence)
        raise ValueError(f"f_divergence {p.f_divergence!r} is not defined for loss {name!r} (its loss is not a "
                         f"function of the chosen-rejected difference); allowed: {', '.join(allowed)}")
    if spec.sorts_batch and x.weight is not None:
        raise ValueError(f"loss {name!r} re-matches pairs by sorting the batch: per-pair weights do not apply")
    if spec.margin == "none":
        h = torch.zeros_like(x.chosen).detach()
        t = Terms(h, h, x.chosen, x.rejected, x, lc, lr)
        c_rew, r_rew = _rewards(x, spec, lc, lr, p)
        return LossOutput(BASE_LOSSES[spec.base](t, p), c_rew.detach(), r_rew.detach(), h)

    h, sc, sr = _scores(x.chosen, x.rejected, x.ref_chosen, x.ref_rejected, lc, lr, spec, p)
    offset = torch.zeros_like(h).detach()
    margin_aug = delta = None
    if x.aug_chosen is not None and x.aug_rejected is not None:
        with torch.no_grad():
            margin_aug, _, _ = _scores(x.aug_chosen, x.aug_rejected, x.ref_aug_chosen, x.ref_aug_rejected, lc, lr,
                                       spec, p)
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
    losses = BASE_LOSSES[spec.base](Terms(h, offset, sc, sr, x, lc, lr), p)
    c_rew, r_rew = _rewards(x, spec, lc, lr, p)
    return LossOutput(losses, c_rew.detach(), r_rew.detach(), h.detach(), margin_aug, delta)


def compute_loss(name: str, x: PairLogps, p: LossParams) -> LossOutput:
    """Per-pair losses, implicit rewards and margins for the loss `name` (see LOSSES, ALIASES, PRESETS).

    A composite sums its components' per-pair losses times their weights (p.loss_weights, else the defaults) and
    reports each component's batch value in `components`; rewards and margins come from its first margin loss.
    Per-pair weights (x.weight) multiply every component's per-pair loss."""
    names, _ = components(name)
    weights = loss_weights(name, p.loss_weights)
    lc, lr = x.chosen_len.clamp(min=1).to(x.chosen.dtype), x.rejected_len.clamp(min=1).to(x.chosen.dtype)
    outs = [_single(n, x, p, lc, lr) for n in names]
    if x.weight is not None:
        for o in outs:
            o.losses = o.losses * x.weight.to(o.losses.dtype)
    if len(outs) == 1:
        return outs[0]
    first = next((o for n, o in zip(names, outs) if LOSSES[n].margin != "none"), outs[0])
    total = sum(w * o.losses for w, o in zip(weights, outs))
    parts = {n: o.losses.detach().mean() for n, o in zip(names, outs)}
    return LossOutput(total, first.chosen_rewards, first.rejected_rewards, first.margin, first.margin_aug,
                      first.delta, parts)


def needs_aug_view(name: str, refine: str) -> bool:
    """Whether the p+x view must be computed: Sr-* with the 'prompt' refinement."""
    return get_spec(name).refine and refine == "prompt"


def loss_help() -> str:
    """One line per loss: name, formula, source (for sr-train --help and the README)."""
    lines = [f"{n}: {s.help}" for n, s in LOSSES.items() if not n.startswith("sr-")]
    lines.append("sr-<loss>: <loss> with the Sr refinement, logit - lambda * sg[beta h_p], for every margin loss: "
                 + ", ".join(n[3:] for n in LOSSES if n.startswith("sr-")))
    lines += [f"{n}: {' + '.join(f'{w:g} * {c}' for c, w in zip(*v))} (preset)" for n, v in PRESETS.items()]
    lines.append("aliases: " + ", ".join(f"{a} = {b}" for a, b in ALIASES.items()))
    return "\n".join(lines)
