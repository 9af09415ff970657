"""Our dpo / ipo (mean) / hinge / robust losses and rewards/* metrics equal trl 1.16 DPOTrainer's on one batch."""

import copy

import pytest
import torch
from datasets import Dataset
from tiny import PAIRS, tiny_model, tiny_tokenizer
from trl import DPOConfig, DPOTrainer

from sr_train.logps import view_logps
from sr_train.losses import LossParams, PairLogps, compute_loss
from sr_train.pairs import encode_view

# TRL loss_type -> (our loss name, our options)
CASES = {
    "sigmoid": ("dpo", {}),
    "ipo": ("ipo", {"ipo_norm": "mean"}),
    "hinge": ("hinge", {}),
    "robust": ("robust", {"label_smoothing": 0.2}),
}


def conversational_rows():
    return [{"prompt": [{"role": "user", "content": p["prompt"]}],
             "chosen": [{"role": "assistant", "content": p["chosen"]}],
             "rejected": [{"role": "assistant", "content": p["rejected"]}]} for p in PAIRS]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tok = tiny_tokenizer()
    policy = tiny_model(len(tok), seed=1)
    ref = tiny_model(len(tok), seed=2)  # a different reference so rewards are not zero
    return tok, policy, ref


@pytest.mark.parametrize("trl_loss", list(CASES))
def test_losses_and_metrics_equal_trl(setup, trl_loss, tmp_path):
    tok, policy, ref = setup
    ours, opts = CASES[trl_loss]
    beta = 0.3
    args = DPOConfig(output_dir=str(tmp_path), loss_type=[trl_loss], beta=beta, per_device_train_batch_size=8,
                     report_to=[], gradient_checkpointing=False, use_cpu=True, bf16=False,
                     label_smoothing=opts.get("label_smoothing", 0.0), max_length=None)
    trainer = DPOTrainer(model=policy, ref_model=copy.deepcopy(ref), args=args,
                         train_dataset=Dataset.from_list(conversational_rows()), processing_class=tok)
    batch = next(iter(trainer.get_train_dataloader()))
    trl_loss_value = trainer.compute_loss(trainer.model, batch).item()
    trl_metrics = {k: v[-1] for k, v in trainer._metrics["train"].items()}

    with torch.no_grad():
        logps, lengths = view_logps(policy, batch)
        ref_logps, _ = view_logps(ref, batch)
    n = len(logps) // 2
    pair = PairLogps(chosen=logps[:n], rejected=logps[n:], chosen_len=lengths[:n], rejected_len=lengths[n:],
                     ref_chosen=ref_logps[:n], ref_rejected=ref_logps[n:])
    out = compute_loss(ours, pair, LossParams(beta=beta, **opts))

    assert out.losses.mean().item() == pytest.approx(trl_loss_value, abs=1e-5, rel=1e-5)
    ours_metrics = {
        "rewards/chosen": out.chosen_rewards.mean().item(),
        "rewards/rejected": out.rejected_rewards.mean().item(),
        "rewards/margins": (out.chosen_rewards - out.rejected_rewards).mean().item(),
        "rewards/accuracies": (out.chosen_rewards > out.rejected_rewards).float().mean().item(),
        "logps/chosen": pair.chosen.mean().item(),
        "logps/rejected": pair.rejected.mean().item(),
    }
    for key, value in ours_metrics.items():
        assert value == pytest.approx(trl_metrics[key], abs=1e-5, rel=1e-5), key
    assert 0.0 < trl_metrics["rewards/accuracies"] < 1.0 or abs(trl_metrics["rewards/margins"]) > 1e-3


def test_tokenisation_equals_trl(setup, tmp_path):
    """Our chat-template tokenisation gives TRL's prompt / chosen / rejected ids for the same rows."""
    tok, policy, ref = setup
    args = DPOConfig(output_dir=str(tmp_path), report_to=[], use_cpu=True, max_length=None,
                     gradient_checkpointing=False)
    trainer = DPOTrainer(model=policy, ref_model=copy.deepcopy(ref), args=args,
                         train_dataset=Dataset.from_list(conversational_rows()), processing_class=tok)
    for row, pair in zip(trainer.train_dataset, PAIRS):
        prompt, chosen, rejected = encode_view(tok, [{"role": "user", "content": pair["prompt"]}],
                                               pair["chosen"], pair["rejected"], chat=True)
        assert (prompt, chosen, rejected) == (row["prompt_ids"], row["chosen_ids"], row["rejected_ids"])
