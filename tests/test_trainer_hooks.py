"""The trainer's behaviours that ride on transformers' Trainer: each is checked through a real in-process run, so a
transformers release that stops calling a hook (public callback or the one private override) fails here loudly."""

import pytest
import torch
from tiny import PAIRS, tiny_model, tiny_tokenizer
from transformers import TrainingArguments

from sr_train.collator import PairCollator
from sr_train.losses import LossParams
from sr_train.pairs import TokenizeSettings, tokenize_pairs
from sr_train.recipe import ListDataset, pair_lengths
from sr_train.trainer import EpochLengthGroupedSampler, NonFiniteError, PreferenceTrainer


@pytest.fixture(scope="module")
def examples():
    tok = tiny_tokenizer()
    pairs = [{**p, "prompt": [{"role": "user", "content": p["prompt"]}], "row": i} for i, p in enumerate(PAIRS)]
    return tokenize_pairs(tok, pairs, TokenizeSettings(), progress=False), tok


def trainer(tmp_path, examples, lengths=None, **args) -> PreferenceTrainer:
    rows, tok = examples
    settings = {"per_device_train_batch_size": 2, "max_steps": 3, "learning_rate": 1e-3, "save_strategy": "no",
                "logging_steps": 1, "disable_tqdm": True, **args}
    targs = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to=[], remove_unused_columns=False,
                              **settings)
    policy = tiny_model(len(tok), seed=1)
    ref = tiny_model(len(tok), seed=1).requires_grad_(False)
    return PreferenceTrainer(model=policy, args=targs, train_dataset=ListDataset(rows),
                             data_collator=PairCollator(tok.pad_token_id), loss_name="dpo",
                             loss_params=LossParams(beta=0.1), global_batch_size=2, ref_model=ref, lengths=lengths)


def test_a_non_finite_loss_stops_before_the_optimiser_step(tmp_path, examples):
    t = trainer(tmp_path, examples, learning_rate=1e30, max_grad_norm=0.0)
    with pytest.raises(NonFiniteError, match=r"training stopped at step 2: non-finite loss \(in 1 micro-batch"):
        t.train()
    assert t.state.global_step == 1  # step 2 was never applied
    assert all(torch.isfinite(p).all() for p in t.model.parameters())


def test_a_non_finite_gradient_norm_stops_before_the_optimiser_step(tmp_path, examples):
    t = trainer(tmp_path, examples)
    before = {n: p.detach().clone() for n, p in t.model.named_parameters()}
    t.model.model.norm.weight.register_hook(lambda g: torch.full_like(g, float("inf")))
    with pytest.raises(NonFiniteError, match=r"training stopped at step 1: non-finite gradient norm \((inf|nan)\)"):
        t.train()
    assert all(torch.equal(p, before[n]) for n, p in t.model.named_parameters())  # nothing applied


def test_length_grouped_batches_come_from_our_sampler_with_its_epoch_set(tmp_path, examples):
    """The Trainer still asks _get_train_sampler for its sampler, and on_epoch_begin tells that sampler each epoch."""
    rows, _ = examples
    lengths = pair_lengths(rows)
    t = trainer(tmp_path, examples, lengths=lengths, max_steps=-1, num_train_epochs=2)
    seen: list[int] = []
    original = EpochLengthGroupedSampler.set_epoch

    def spy(self, epoch):
        seen.append(epoch)
        original(self, epoch)

    EpochLengthGroupedSampler.set_epoch = spy
    try:
        t.train()
    finally:
        EpochLengthGroupedSampler.set_epoch = original
    assert isinstance(t._length_sampler, EpochLengthGroupedSampler)
    assert t.state.global_step == 2 * len(rows) // 2
    assert seen[0] == 0 and seen[-1] == 1 and sorted(set(seen)) == [0, 1]
