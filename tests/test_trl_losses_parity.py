"""Every TRL 1.16 DPOTrainer loss_type we carry, its f-divergences and its loss_type lists with loss_weights give the
loss value and the policy gradients of trl's own DPOTrainer.compute_loss on one tokenised batch (to 1e-5); CPO,
AlphaPO and ORPO equal the loss functions of trl's experimental CPOTrainer / ORPOTrainer on the same log-probs."""

from __future__ import annotations

import copy
import types

import pytest
import torch
from datasets import Dataset
from tiny import PAIRS, tiny_model, tiny_tokenizer
from trl import DPOConfig, DPOTrainer
from trl.experimental.cpo import CPOTrainer
from trl.experimental.orpo import ORPOTrainer

from sr_train.logps import view_logps
from sr_train.losses import LossParams, PairLogps, compute_loss

BETA = 0.3
GRAD_RTOL = 2e-5

# TRL loss_type list (and DPOConfig extras) -> our loss name and LossParams extras
CASES = {
    "exo_pair": (["exo_pair"], {"label_smoothing": 0.1}, "exo_pair", {"label_smoothing": 0.1}),
    "nca_pair": (["nca_pair"], {}, "nca_pair", {}),
    "bco_pair": (["bco_pair"], {}, "bco_pair", {}),
    "sppo_hard": (["sppo_hard"], {}, "sppo_hard", {}),
    "apo_zero": (["apo_zero"], {}, "apo_zero", {}),
    "apo_down": (["apo_down"], {}, "apo_down", {}),
    "discopop": (["discopop"], {"discopop_tau": 0.5}, "discopop", {"discopop_tau": 0.5}),
    "sigmoid_norm": (["sigmoid_norm"], {}, "dpo_norm", {}),
    "sft": (["sft"], {}, "sft_batch", {}),
    "aot": (["aot"], {"label_smoothing": 0.1}, "aot", {"label_smoothing": 0.1}),
    "aot_unpaired": (["aot_unpaired"], {"label_smoothing": 0.1}, "aot_unpaired", {"label_smoothing": 0.1}),
    "sigmoid": (["sigmoid"], {}, "sigmoid", {}),
    "ipo": (["ipo"], {}, "ipo", {"ipo_norm": "mean"}),
    # composition: RPO and MPO with TRL's loss_weights
    "rpo": (["sigmoid", "sft"], {"loss_weights": [1.0, 0.5]}, "rpo", {"loss_weights": (1.0, 0.5)}),
    "mpo": (["sigmoid", "bco_pair", "sft"], {"loss_weights": [0.8, 0.2, 1.0]}, "mpo", {}),
    "dpo,sft_batch": (["sigmoid", "sft"], {"loss_weights": [0.7, 0.3]}, "dpo,sft_batch",
                      {"loss_weights": (0.7, 0.3)}),
    # f-divergences
    **{f"sigmoid/{f}": (["sigmoid"], {"f_divergence_type": f}, "dpo", {"f_divergence": f})
       for f in ("forward_kl", "js_divergence", "alpha_divergence")},
    "sigmoid/alpha_divergence/0.3": (["sigmoid"], {"f_divergence_type": "alpha_divergence",
                                                   "f_alpha_divergence_coef": 0.3}, "dpo",
                                     {"f_divergence": "alpha_divergence", "f_alpha": 0.3}),
    "hinge/js_divergence": (["hinge"], {"f_divergence_type": "js_divergence"}, "hinge",
                            {"f_divergence": "js_divergence"}),
    "ipo/forward_kl": (["ipo"], {"f_divergence_type": "forward_kl"}, "ipo",
                       {"f_divergence": "forward_kl", "ipo_norm": "mean"}),
    "exo_pair/forward_kl": (["exo_pair"], {"f_divergence_type": "forward_kl", "label_smoothing": 0.1}, "exo_pair",
                            {"f_divergence": "forward_kl", "label_smoothing": 0.1}),
    "discopop/js_divergence": (["discopop"], {"f_divergence_type": "js_divergence"}, "discopop",
                               {"f_divergence": "js_divergence"}),
    "sigmoid_norm/forward_kl": (["sigmoid_norm"], {"f_divergence_type": "forward_kl"}, "sigmoid_norm",
                                {"f_divergence": "forward_kl"}),
    "robust/alpha_divergence": (["robust"], {"f_divergence_type": "alpha_divergence", "label_smoothing": 0.2},
                                "robust", {"f_divergence": "alpha_divergence", "label_smoothing": 0.2}),
}


def conversational_rows() -> list[dict]:
    return [{"prompt": [{"role": "user", "content": p["prompt"]}],
             "chosen": [{"role": "assistant", "content": p["chosen"]}],
             "rejected": [{"role": "assistant", "content": p["rejected"]}]} for p in PAIRS]


@pytest.fixture(scope="module")
def models():
    tok = tiny_tokenizer()
    return tok, tiny_model(len(tok), seed=1), tiny_model(len(tok), seed=2)


def grads_of(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def trl_loss(tok, policy, ref, tmp_path, loss_type: list[str], extra: dict):
    """trl's DPOTrainer.compute_loss on its first batch: (value, policy gradients, the batch)."""
    args = DPOConfig(output_dir=str(tmp_path), loss_type=loss_type, beta=BETA, per_device_train_batch_size=8,
                     report_to=[], gradient_checkpointing=False, use_cpu=True, bf16=False, max_length=None, **extra)
    trainer = DPOTrainer(model=policy, ref_model=copy.deepcopy(ref), args=args,
                         train_dataset=Dataset.from_list(conversational_rows()), processing_class=tok)
    batch = next(iter(trainer.get_train_dataloader()))
    policy.zero_grad()
    value = trainer.compute_loss(trainer.model, batch)
    value.backward()
    return value.item(), grads_of(policy), batch


def our_pair(policy, ref, batch) -> PairLogps:
    logps, lengths = view_logps(policy, batch)
    with torch.no_grad():
        ref_logps, _ = view_logps(ref, batch)
    n = len(logps) // 2
    return PairLogps(chosen=logps[:n], rejected=logps[n:], chosen_len=lengths[:n], rejected_len=lengths[n:],
                     ref_chosen=ref_logps[:n], ref_rejected=ref_logps[n:])


def assert_same_grads(ours: dict, theirs: dict) -> None:
    assert ours.keys() == theirs.keys()
    assert max(g.abs().max().item() for g in theirs.values()) > 1e-4  # the loss moves the policy
    # Both log-prob kernels return float32 sums taken in another order: the relative error (Frobenius norm) per
    # tensor is ~1e-6 for most losses, 1.4e-5 at worst (discopop under js_divergence); a changed formula is >> 1e-3.
    for name, g in theirs.items():
        err = ((ours[name] - g).norm() / g.norm().clamp(min=1e-12)).item()
        assert err < GRAD_RTOL, f"{name}: |ours - trl| is {err:.2e} of |trl|"


@pytest.mark.parametrize("case", list(CASES))
def test_loss_and_gradients_equal_trl(models, case, tmp_path):
    tok, policy, ref = models
    loss_type, trl_extra, ours, opts = CASES[case]
    value, theirs, batch = trl_loss(tok, policy, ref, tmp_path, loss_type, trl_extra)

    policy.zero_grad()
    out = compute_loss(ours, our_pair(policy, ref, batch), LossParams(beta=BETA, **opts))
    out.losses.mean().backward()
    assert out.losses.mean().item() == pytest.approx(value, abs=1e-5, rel=1e-5)
    assert_same_grads(grads_of(policy), theirs)
    if len(loss_type) > 1:  # each component's value is reported
        assert len(out.components) == len(loss_type)


def _cpo_self(loss_type: str, alpha: float = 0.0, label_smoothing: float = 0.0, gamma: float = 0.5):
    """The attributes CPOTrainer.cpo_loss reads, so trl's own function runs on our log-probs."""
    return types.SimpleNamespace(alpha=alpha, beta=BETA, label_smoothing=label_smoothing, loss_type=loss_type,
                                 simpo_gamma=gamma, accelerator=types.SimpleNamespace(device=torch.device("cpu")))


# our loss -> (CPOTrainer loss_type, whether trl averages the log-probs, CPO alpha (AlphaPO), label smoothing)
CPO_CASES = {
    "cpo_pair": ("sigmoid", False, 0.0, 0.1),
    "cpo_hinge": ("hinge", False, 0.0, 0.0),
    "cpo_ipo": ("ipo", True, 0.0, 0.0),
    "cpo_simpo": ("simpo", True, 0.0, 0.1),
    "alphapo": ("simpo", True, 0.25, 0.0),
    "cpo_ipo/alpha": ("ipo", True, -0.5, 0.0),
}


@pytest.fixture(scope="module")
def tokenised_batch(models, tmp_path_factory):
    tok, policy, ref = models
    args = DPOConfig(output_dir=str(tmp_path_factory.mktemp("b")), per_device_train_batch_size=8, report_to=[],
                     use_cpu=True, max_length=None)
    trainer = DPOTrainer(model=copy.deepcopy(policy), ref_model=copy.deepcopy(ref), args=args,
                         train_dataset=Dataset.from_list(conversational_rows()), processing_class=tok)
    return next(iter(trainer.get_train_dataloader()))


@pytest.mark.parametrize("case", list(CPO_CASES))
def test_cpo_family_equals_trl_cpo_loss(models, tokenised_batch, case):
    tok, policy, ref = models
    trl_type, average, alpha, eps = CPO_CASES[case]
    ours = case.split("/")[0]

    policy.zero_grad()
    pair = our_pair(policy, ref, tokenised_batch)
    lc, lr = pair.chosen_len, pair.rejected_len
    c, r = (pair.chosen / lc, pair.rejected / lr) if average else (pair.chosen, pair.rejected)
    losses, chosen_rewards, rejected_rewards = CPOTrainer.cpo_loss(_cpo_self(trl_type, alpha, eps), c, r)
    losses.mean().backward()
    theirs = grads_of(policy)

    policy.zero_grad()
    pair = our_pair(policy, ref, tokenised_batch)
    out = compute_loss(ours, pair, LossParams(beta=BETA, label_smoothing=eps, alphapo_alpha=alpha))
    out.losses.mean().backward()
    assert out.losses.mean().item() == pytest.approx(losses.mean().item(), abs=1e-5, rel=1e-5)
    # trl forms AlphaPO's p^-a as exp(logp).pow(-a), ours as exp(-a logp): rewards agree to float32 rounding
    torch.testing.assert_close(out.chosen_rewards, chosen_rewards.detach(), rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(out.rejected_rewards, rejected_rewards.detach(), rtol=1e-4, atol=1e-6)
    assert_same_grads(grads_of(policy), theirs)


def _nll(policy, batch) -> torch.Tensor:
    """CPO / ORPO's NLL term as their trainers form it: token-mean cross-entropy over the chosen completions."""
    n = batch["input_ids"].shape[0] // 2
    logits = policy(input_ids=batch["input_ids"][:n], attention_mask=batch["attention_mask"][:n]).logits
    labels = batch["input_ids"][:n].masked_fill(batch["completion_mask"][:n] == 0, -100)
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1))


@pytest.mark.parametrize("preset", ["orpo", "cpo"])
def test_orpo_and_cpo_presets_equal_trl(models, tokenised_batch, preset):
    """ORPO = NLL - mean(ORPOTrainer.odds_ratio_loss); CPO = mean(cpo_loss) + cpo_alpha * NLL, on the same log-probs."""
    tok, policy, ref = models
    cpo_alpha = 0.7
    policy.zero_grad()
    pair = our_pair(policy, ref, tokenised_batch)
    if preset == "orpo":
        trl_self = types.SimpleNamespace(beta=BETA, accelerator=types.SimpleNamespace(device=torch.device("cpu")))
        ratio_losses, *_ = ORPOTrainer.odds_ratio_loss(trl_self, pair.chosen / pair.chosen_len,
                                                       pair.rejected / pair.rejected_len)
        total = _nll(policy, tokenised_batch) - ratio_losses.mean()
        weights = None
    else:
        pair_losses, *_ = CPOTrainer.cpo_loss(_cpo_self("sigmoid"), pair.chosen, pair.rejected)
        total = pair_losses.mean() + cpo_alpha * _nll(policy, tokenised_batch)
        weights = (1.0, cpo_alpha)
    total.backward()
    theirs = grads_of(policy)

    policy.zero_grad()
    out = compute_loss(preset, our_pair(policy, ref, tokenised_batch), LossParams(beta=BETA, loss_weights=weights))
    out.losses.mean().backward()
    assert out.losses.mean().item() == pytest.approx(total.item(), abs=1e-5, rel=1e-5)
    assert set(out.components) == {f"{preset}_pair", "sft_batch"}
    assert_same_grads(grads_of(policy), theirs)


def _our_trainer(policy, ref, tmp_path, loss: str, **kwargs):
    from transformers import TrainingArguments

    from sr_train.collator import PairCollator
    from sr_train.recipe import ListDataset
    from sr_train.trainer import PreferenceTrainer

    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to=[], remove_unused_columns=False)
    return PreferenceTrainer(model=policy, args=args, train_dataset=ListDataset([{}]), data_collator=PairCollator(0),
                             loss_name=loss, loss_params=LossParams(beta=BETA), global_batch_size=8,
                             ref_model=ref, **kwargs)


@pytest.mark.parametrize("case", ["ld_alpha", "use_weighting", "ld_alpha+use_weighting+bco_pair"])
def test_ld_dpo_wpo_and_diagnostics_equal_trl(models, case, tmp_path):
    """LD-DPO (ld_alpha) and WPO (use_weighting) through our trainer's one forward, and TRL's diagnostics."""
    tok, policy, ref = models
    trl_extra = {"ld_alpha": 0.3 if "ld_alpha" in case else None, "use_weighting": "use_weighting" in case}
    loss_type = ["sigmoid", "bco_pair"] if "bco_pair" in case else ["sigmoid"]
    args = DPOConfig(output_dir=str(tmp_path), loss_type=loss_type, beta=BETA, per_device_train_batch_size=8,
                     report_to=[], gradient_checkpointing=False, use_cpu=True, bf16=False, max_length=None,
                     **trl_extra)
    trainer = DPOTrainer(model=policy, ref_model=copy.deepcopy(ref), args=args,
                         train_dataset=Dataset.from_list(conversational_rows()), processing_class=tok)
    batch = next(iter(trainer.get_train_dataloader()))
    policy.zero_grad()
    value = trainer.compute_loss(trainer.model, batch)
    value.backward()
    theirs, trl_metrics = grads_of(policy), {k: v[-1] for k, v in trainer._metrics["train"].items()}

    ours = _our_trainer(policy, ref.requires_grad_(False), tmp_path, ",".join(
        {"sigmoid": "dpo", "bco_pair": "bco_pair"}[t] for t in loss_type), token_stats=True, **trl_extra)
    policy.zero_grad()
    loss = ours.compute_loss(ours.model, batch)
    loss.backward()
    assert loss.item() == pytest.approx(value.item(), abs=1e-5, rel=1e-5)
    assert_same_grads(grads_of(policy), theirs)
    for key in ("entropy", "mean_token_accuracy", "logits/chosen", "logits/rejected"):
        total, count = torch.stack(ours._metrics[key]).sum(0).tolist()
        assert total / count == pytest.approx(trl_metrics[key], abs=1e-5, rel=1e-5), key
