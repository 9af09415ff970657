"""LoRA under CPU bf16 autocast with the frozen base Linear weights pre-cast to bf16 (sr_train.artifacts.precast):
log-probs, reference, loss, LoRA gradients, a whole sr-train run and the saved final model are the same bits as
without the pre-cast; embeddings, norms, a tied head and the adapters stay float32."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from test_train_runs import common, metrics, ok, sr_train
from tiny import tiny_model, tiny_tokenizer
from transformers import LlamaForCausalLM

from sr_train.artifacts.models import save_plain
from sr_train.artifacts.precast import full_precision, precast_frozen_linears
from sr_train.config import TrainConfig
from sr_train.logps import NumericPath, numeric_path, sequence_logps
from sr_train.losses import LossParams, PairLogps, compute_loss
from sr_train.policy import as_reference, with_lora

VOCAB = 120


def uneven_norms(model: torch.nn.Module, seed: int = 3) -> torch.nn.Module:
    """Norm weights off their init of ones, to values bf16 cannot hold: a norm cast to bf16 would change numbers."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=gen))
                assert not torch.equal(p.to(torch.bfloat16).float(), p), name
    return model


def lora_model(tied: bool = False) -> torch.nn.Module:
    """A tiny Llama wrapped by sr-train's LoRA, its adapters set away from peft's zero B (so every one has a
    gradient and the adapter-off reference differs from the policy)."""
    base = tiny_model(VOCAB, seed=5)
    if tied:
        base.config.tie_word_embeddings = True
        base = LlamaForCausalLM(base.config)
    model = with_lora(uneven_norms(base), TrainConfig(model="m", data="d", lora=True))
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
    return model


@pytest.fixture(scope="module")
def uneven_dir(tmp_path_factory) -> Path:
    """The tests' tiny Llama + tokenizer folder, with uneven_norms."""
    folder = tmp_path_factory.mktemp("tiny-uneven")
    tok = tiny_tokenizer()
    uneven_norms(tiny_model(len(tok))).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def pair_batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Four rows [chosen; rejected] of two pairs, right-padded, responses after the first 6 tokens."""
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(4, VOCAB, (4, 20), generator=gen)
    attn, comp = torch.ones_like(ids), torch.zeros_like(ids)
    for row, end in enumerate((20, 15, 17, 11)):
        attn[row, end:] = 0
        comp[row, 6:end] = 1
    return ids, attn, comp


def one_step(model: torch.nn.Module, fused: bool) -> dict[str, torch.Tensor]:
    """Policy and reference log-probs, the DPO loss and the LoRA gradients of one training forward + backward."""
    ids, attn, comp = pair_batch()
    with numeric_path(NumericPath(bf16=True, fused=fused), "cpu"):
        with torch.no_grad(), as_reference(model) as ref:
            ref_logps, _ = sequence_logps(ref, ids, attn, comp)
        logps, lengths = sequence_logps(model, ids, attn, comp)
    pair = PairLogps(logps[:2], logps[2:], lengths[:2], lengths[2:], ref_logps[:2], ref_logps[2:])
    loss = compute_loss("dpo", pair, LossParams(beta=0.1)).losses.mean()
    loss.backward()
    grads = {name: p.grad for name, p in model.named_parameters() if p.requires_grad}
    return {"logps": logps.detach(), "ref_logps": ref_logps, "loss": loss.detach(), **grads}


@pytest.mark.parametrize("fused", [True, False])
def test_precast_changes_no_log_prob_loss_or_lora_gradient(fused):
    plain = lora_model()
    cast = copy.deepcopy(plain)
    assert precast_frozen_linears(cast) == 2 * 7 + 1  # q k v o gate up down per layer, and the untied head
    want, got = one_step(plain, fused), one_step(cast, fused)
    assert len(want) == 3 + 2 * 2 * 7  # lora_A and lora_B of 7 modules in 2 layers
    assert not torch.equal(want["logps"], want["ref_logps"])  # the adapters are on: not a trivial h = 0
    for name, value in want.items():
        assert value.abs().sum() > 0, name
        assert torch.equal(got[name], value), name


def test_only_frozen_untied_linears_are_cast():
    """Base Linear layers go to bf16; the embeddings, the tied head, the norms and the adapters stay float32."""
    model = lora_model(tied=True)
    inner = model.get_base_model()
    assert inner.lm_head.weight is inner.model.embed_tokens.weight
    assert precast_frozen_linears(model) == 2 * 7
    for name, p in model.named_parameters():
        cast = "base_layer" in name
        assert p.dtype == (torch.bfloat16 if cast else torch.float32), name
    assert precast_frozen_linears(model) == 0  # once only


def test_saved_and_merged_weights_are_those_without_the_precast(tmp_path):
    plain = lora_model()
    cast = copy.deepcopy(plain)
    precast_frozen_linears(cast)
    tok = tiny_tokenizer()
    want = load_file(str(save_plain(plain, tok, tmp_path / "plain") / "model.safetensors"))
    got = load_file(str(save_plain(cast, tok, tmp_path / "cast") / "model.safetensors"))
    assert want.keys() == got.keys()
    for key, value in want.items():
        assert value.dtype == torch.float32 and torch.equal(got[key], value), key
    inner = cast.get_base_model()
    assert inner.model.layers[0].mlp.up_proj.base_layer.weight.dtype == torch.bfloat16  # pre-cast again after saving
    with full_precision(cast):
        assert inner.model.layers[0].mlp.up_proj.base_layer.weight.dtype == torch.float32



def test_sr_train_lora_bf16_run_is_the_same_with_and_without_precast(uneven_dir, pairs_file, tmp_path):
    """The real entry point, LoRA + bf16 autocast on the CPU, a cached reference: with the pre-cast (the default; `--lora-frozen-bf16 false` turns it off) h
    and h_p are exactly 0 at step 1, and every logged number of 3 steps and the final weights equal a run without
    it."""
    args = {"loss": "sr-dpo", "lora": "true", "bf16": "true", "batch-size": 2, "ref-batch-size": 2, "max-steps": 3}
    runs = {}
    for name, frozen_bf16 in (("cast", "true"), ("plain", "false")):
        out = tmp_path / name / "run"  # own reference caches: each run computes its reference itself
        ok(sr_train(common(uneven_dir, pairs_file, out, **args, **{"lora-frozen-bf16": frozen_bf16})))
        config = json.loads((out / "run_config.json").read_text())
        runs[name] = (config["frozen_linear_dtype"], metrics(out), load_file(str(out / "final" / "model.safetensors")))
    (cast_dtype, cast_rows, cast_final), (plain_dtype, plain_rows, plain_final) = runs["cast"], runs["plain"]
    assert (cast_dtype, plain_dtype) == ("bfloat16", "float32")
    assert cast_rows[0]["refine/marginal"] == 0.0 and cast_rows[0]["refine/margin_aug"] == 0.0
    assert len(cast_rows) == 3 and cast_rows[-1]["rewards/margins"] != 0.0  # training moved the policy
    for cast_row, plain_row in zip(cast_rows, plain_rows):
        assert {k: v for k, v in cast_row.items() if not k.startswith("perf/")} == {
            k: v for k, v in plain_row.items() if not k.startswith("perf/")}
    assert cast_final.keys() == plain_final.keys()
    for key, value in plain_final.items():
        assert value.dtype == torch.float32 and torch.equal(cast_final[key], value), key
