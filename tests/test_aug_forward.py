"""The shared-prefix p+x forward (prefix once per pair + KV cache) equals the plain p+x forward: log-probs, the
Sr-DPO loss through PreferenceTrainer.compute_loss, LoRA models; and it builds no autograd graph."""

import pytest
import torch
from tiny import PAIRS, tiny_model, tiny_tokenizer
from transformers import TrainingArguments

from sr_train import logps as L
from sr_train.collator import PairCollator
from sr_train.losses import LossParams
from sr_train.pairs import TokenizeSettings, tokenize_pairs
from sr_train.recipe import ListDataset
from sr_train.refine import QUALITY_PROMPT
from sr_train.trainer import PreferenceTrainer


@pytest.fixture(scope="module")
def examples():
    """Tokenised pairs whose prefixes p+x and responses differ in length (one pair with a one-token response)."""
    tok = tiny_tokenizer()
    pairs = [{**p, "prompt": [{"role": "user", "content": p["prompt"]}], "row": i} for i, p in enumerate(PAIRS)]
    ex = tokenize_pairs(tok, pairs, TokenizeSettings(quality_prompt=QUALITY_PROMPT), progress=False)
    ex[1] = {**ex[1], "aug_rejected_ids": ex[1]["aug_rejected_ids"][:1], "rejected_ids": ex[1]["rejected_ids"][:1]}
    assert len({len(e["aug_prompt_ids"]) for e in ex}) > 2 and len({len(e["aug_chosen_ids"]) for e in ex}) > 2
    return ex, len(tok)


def collate(examples, pad_to_multiple_of=None):
    return PairCollator(0, pad_to_multiple_of, aug_shared_prefix=True)(examples)


def test_collator_layout(examples):
    ex, _ = examples
    b = collate(ex[:3])
    n = 3
    assert b["augp_input_ids"].shape[0] == n and b["augr_input_ids"].shape[0] == 2 * n
    for i, e in enumerate(ex[:3]):
        p = b["augp_input_ids"][i][b["augp_attention_mask"][i].bool()].tolist()
        assert p == e["aug_prompt_ids"] and b["augp_attention_mask"][i, -1] == 1  # left-padded: ends at the last col
        for row, key in ((i, "aug_chosen_ids"), (n + i, "aug_rejected_ids")):
            assert b["augr_input_ids"][row][b["augr_attention_mask"][row].bool()].tolist() == e[key]
            assert b["augr_attention_mask"][row, 0] == 1  # right-padded
    plain = PairCollator(0)(ex[:3])
    assert "augp_input_ids" not in plain  # off by default: the concatenated p+x view only
    split = {k for k in b if k.startswith(("augp_", "augr_"))}
    assert set(b) - split == {k for k in plain if not k.startswith("aug_")}  # no unused aug_* beside the split view
    assert all(torch.equal(b[k], plain[k]) for k in set(b) - split)
    assert collate(ex[:3], 64)["augp_input_ids"].shape[1] == 64


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("attn", ["sdpa", "eager"])
@pytest.mark.parametrize("pad", [None, 16])
def test_shared_prefix_equals_plain(examples, fused, attn, pad):
    ex, vocab = examples
    model = tiny_model(vocab, seed=4)
    model.config._attn_implementation = attn
    batch, plain = collate(ex, pad), PairCollator(0, pad)(ex)
    with torch.no_grad():
        expect, expect_len = L.sequence_logps(model, plain["aug_input_ids"], plain["aug_attention_mask"],
                                              plain["aug_completion_mask"], fused=fused)
    got, got_len = L.shared_prefix_logps(model, batch["augp_input_ids"], batch["augp_attention_mask"],
                                         batch["augr_input_ids"], batch["augr_attention_mask"], fused=fused)
    torch.testing.assert_close(got, expect, rtol=1e-6, atol=1e-5)  # sums ~100: 1 ulp ~ 8e-6
    assert torch.equal(got_len, expect_len)
    assert got.grad_fn is None and not got.requires_grad
    assert model.lm_head(torch.zeros(1, model.config.hidden_size)).shape[-1] == vocab  # head restored


def test_aug_view_logps_dispatch(examples):
    ex, vocab = examples
    model = tiny_model(vocab, seed=4)
    calls = []
    model.register_forward_hook(lambda m, i, o: calls.append(m))
    with torch.no_grad():
        plain, _ = L.aug_view_logps(model, PairCollator(0)(ex))
        assert len(calls) == 1
        shared, _ = L.aug_view_logps(model, collate(ex))
        assert len(calls) == 3  # prefix pass + response pass
    torch.testing.assert_close(shared, plain, rtol=1e-6, atol=1e-5)


def _trainer(tmp_path, model, ref=None):
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to=[], remove_unused_columns=False)
    return PreferenceTrainer(model=model, args=args, train_dataset=ListDataset([{}]), data_collator=PairCollator(0),
                             loss_name="sr-dpo", loss_params=LossParams(beta=0.1, lam=0.5), global_batch_size=8,
                             ref_model=ref)


def _loss(tmp_path, model, batch, ref=None):
    trainer = _trainer(tmp_path, model, ref)
    model.zero_grad()
    value, out = trainer.compute_loss(trainer.model, batch, return_outputs=True)
    value.backward()
    return value.detach(), out, {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_compute_loss_same_as_plain_path(tmp_path, examples):
    """Sr-DPO through PreferenceTrainer: loss, Delta and gradients equal the plain p+x path (live reference too)."""
    ex, vocab = examples
    model, ref = tiny_model(vocab, seed=1), tiny_model(vocab, seed=2).requires_grad_(False)
    shared_batch, plain_batch = collate(ex), PairCollator(0)(ex)
    v0, out0, g0 = _loss(tmp_path, model, plain_batch, ref)
    v1, out1, g1 = _loss(tmp_path, model, shared_batch, ref)
    assert out0.delta.abs().max() > 1e-3
    torch.testing.assert_close(v1, v0, rtol=0, atol=1e-6)
    torch.testing.assert_close(out1.delta, out0.delta, rtol=1e-6, atol=1e-5)
    assert out1.delta.grad_fn is None and out1.margin_aug.grad_fn is None and not out1.delta.requires_grad
    for name in g0:
        torch.testing.assert_close(g1[name], g0[name], rtol=1e-5, atol=1e-7, msg=name)


def test_lora_model(tmp_path, examples):
    """A PEFT LoRA policy (live reference = adapters disabled): same log-probs and loss, no graph."""
    from peft import LoraConfig, get_peft_model

    ex, vocab = examples
    model = get_peft_model(tiny_model(vocab, seed=5), LoraConfig(r=4, lora_alpha=8, target_modules="all-linear",
                                                                 task_type="CAUSAL_LM"))
    for name, p in model.named_parameters():  # non-zero adapters, so policy and reference differ
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.1)
    batch, plain = collate(ex), PairCollator(0)(ex)
    with torch.no_grad():
        expect, _ = L.view_logps(model, plain, "aug_")
    got, _ = L.aug_view_logps(model, batch)
    torch.testing.assert_close(got, expect, rtol=1e-6, atol=1e-5)  # sums ~100: 1 ulp ~ 8e-6
    assert got.grad_fn is None
    v0, out0, g0 = _loss(tmp_path, model, plain)
    v1, out1, g1 = _loss(tmp_path, model, batch)
    assert out0.delta.abs().max() > 1e-3
    torch.testing.assert_close(v1, v0, rtol=0, atol=1e-6)
    torch.testing.assert_close(out1.delta, out0.delta, rtol=1e-6, atol=1e-5)
    assert out1.delta.grad_fn is None
    assert g0.keys() == g1.keys() and all("lora_" in k for k in g0)
    for name in g0:
        torch.testing.assert_close(g1[name], g0[name], rtol=1e-5, atol=1e-7, msg=name)


@pytest.mark.slow
def test_compiled_model(examples):
    """Through a torch.compile'd model (dynamo with the eager backend: fast on CPU) the shared-prefix path traces
    without graph breaks and gives the same log-probs."""
    from torch._dynamo.utils import counters

    ex, vocab = examples
    model = tiny_model(vocab, seed=4)
    torch._dynamo.reset()
    counters.clear()
    compiled = torch.compile(model, backend="eager")
    batch = collate(ex, 16)
    with torch.no_grad():
        expect, _ = L.view_logps(model, PairCollator(0, 16)(ex), "aug_")
    got, _ = L.aug_view_logps(compiled, batch)
    torch.testing.assert_close(got, expect, rtol=1e-6, atol=1e-5)
    assert not counters["graph_break"] and counters["stats"]["unique_graphs"] >= 2
    torch._dynamo.reset()


@pytest.mark.slow
def test_compute_loss_runs_aug_through_wrapped_model(tmp_path, examples, monkeypatch):
    """The p+x forward gets the model as compute_loss got it (compiled stays compiled), not an unwrapped copy."""
    import sr_train.trainer as T

    ex, vocab = examples
    model, ref = tiny_model(vocab, seed=1), tiny_model(vocab, seed=2).requires_grad_(False)
    compiled = torch.compile(model, backend="eager")
    seen = []
    monkeypatch.setattr(T, "aug_view_logps", lambda m, b: seen.append(m) or L.aug_view_logps(m, b))
    trainer = _trainer(tmp_path, model, ref)
    trainer.compute_loss(compiled, collate(ex[:2]))
    assert seen[0] is compiled
    torch._dynamo.reset()


@pytest.mark.slow
def test_sr_train_option_same_metrics(tiny_dir, pairs_file, tmp_path, monkeypatch):
    """`sr-train --aug-shared-prefix true` reaches the collator and logs the same Sr-DPO metrics as the plain path
    (in float32: under bf16 the two forwards round differently once the policy moves; step 1 under bf16 is
    test_bf16_numerics.test_shared_prefix_forward_is_on_the_reference_path_too)."""
    import json

    from helpers.runs import ok, sr_train

    calls = [0]
    shared_prefix_logps = L.shared_prefix_logps

    def counted(*a, **k):
        calls[0] += 1
        return shared_prefix_logps(*a, **k)

    monkeypatch.setattr(L, "shared_prefix_logps", counted)
    logs = {}
    for flag in ("false", "true"):
        out, calls[0] = tmp_path / flag, 0
        ok(sr_train(["--model", str(tiny_dir), "--data", str(pairs_file), "--loss", "sr-dpo", "--batch-size", "2",
                     "--max-steps", "2", "--warmup-steps", "0", "--max-length", "64", "--max-prompt-length", "32",
                     "--ref-cache-dir", str(tmp_path / "ref"), "--aug-shared-prefix", flag,
                     "--bf16", "false",  # float32 logic, as every tiny training run (bf16: test_bf16_numerics)
                     "--output-dir", str(out)]))
        assert (calls[0] > 0) is (flag == "true")  # the shared-prefix forward ran only when asked
        assert json.loads((out / "run_config.json").read_text())["aug_shared_prefix"] is (flag == "true")
        logs[flag] = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    for a, b in zip(logs["false"], logs["true"], strict=True):
        for key in ("loss", "rewards/margins", "refine/delta", "refine/margin_aug"):
            if key in a:
                # the metrics are differences of summed log-probs (|sum| < 256): two forwards agree to a few
                # float32 ulps of those sums (2^-16 each), so 8 ulps absolute, not less
                assert b[key] == pytest.approx(a[key], rel=1e-4, abs=8 * 2.0**-16), key
