"""The fused (hidden-state, chunked, completion-only) log-prob path equals the plain logits path, values and grads."""

import pytest
import torch
from tiny import tiny_model

from sr_train import logps as L


def _batch(vocab, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, vocab, (6, 23), generator=g)
    attn = torch.ones_like(ids)
    comp = torch.zeros_like(ids)
    for i, (start, end) in enumerate([(5, 23), (7, 20), (3, 12), (10, 23), (4, 9), (6, 22)]):
        comp[i, start:end] = 1
        attn[i, end:] = 0
    return ids, attn, comp


@pytest.mark.parametrize("chunk", [L.CHUNK_ELEMENTS, 7 * 200])  # one chunk, and many small chunks
def test_fused_equals_logits_path(monkeypatch, chunk):
    monkeypatch.setattr(L, "CHUNK_ELEMENTS", chunk)
    vocab = 200
    ids, attn, comp = _batch(vocab)
    results = []
    for fused in (False, True):
        model = tiny_model(vocab, seed=3)
        sums, lengths = L.sequence_logps(model, ids, attn, comp, fused=fused)
        (sums * torch.linspace(-1, 2, len(sums))).sum().backward()
        results.append((sums.detach(), lengths, {n: p.grad.clone() for n, p in model.named_parameters()}))
    (s0, l0, g0), (s1, l1, g1) = results
    torch.testing.assert_close(s1, s0, rtol=1e-5, atol=1e-5)
    assert torch.equal(l0, l1) and l0.tolist() == [18, 13, 9, 13, 5, 16]
    for name in g0:
        torch.testing.assert_close(g1[name], g0[name], rtol=1e-4, atol=1e-6, msg=name)


def test_head_restored_and_support_check():
    model = tiny_model(50)
    assert L.fused_supported(model)
    with L.hidden_states_out(model):
        out = model(input_ids=torch.tensor([[1, 2, 3]])).logits
        assert out.shape[-1] == model.config.hidden_size
    assert model(input_ids=torch.tensor([[1, 2, 3]])).logits.shape[-1] == 50
    model.config.final_logit_softcapping = 30.0
    assert not L.fused_supported(model)


FSDP2_SCRIPT = """
import os, socket, sys
import torch, torch.distributed as dist
sys.path.insert(0, "tests")
with socket.socket() as s:
    s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
dist.init_process_group("gloo", rank=0, world_size=1)
from torch.distributed.fsdp import fully_shard
from tiny import tiny_model
from sr_train import logps as L
torch.manual_seed(0)
model = tiny_model(40, seed=1)
ids = torch.randint(3, 40, (4, 12)); attn = torch.ones_like(ids); comp = torch.zeros_like(ids); comp[:, 6:] = 1
with torch.no_grad():
    expect, _ = L.sequence_logps(model, ids, attn, comp)
assert L.fused_supported(model)
for layer in model.model.layers:
    fully_shard(layer)
fully_shard(model)
assert not L.fused_supported(model), "a sharded head must take the logits path"
got, _ = L.sequence_logps(model, ids, attn, comp)
got.sum().backward()
torch.testing.assert_close(got.detach(), expect, rtol=1e-6, atol=1e-5)
dist.destroy_process_group()
print("ok")
"""


@pytest.mark.slow
def test_fsdp2_sharded_head_takes_the_logits_path(tmp_path):
    """Under FSDP2 the head's weight is a sharded DTensor outside the forward: the default log-prob path falls back
    to the logits path instead of failing (one gloo process, CPU)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-c", FSDP2_SCRIPT], cwd=repo, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(repo), "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]


def test_sequence_parts_fused_equals_logits_path_with_gradients():
    """LD-DPO tails and TRL's per-token diagnostics: the fused head's chunks give the logits path's numbers and
    gradients, and the parts sum to the plain sequence log-probs."""
    from sr_train.logps import TOKEN_STATS, sequence_logps, sequence_parts, shared_lengths

    model = tiny_model(50, seed=3)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(4, 50, (4, 12), generator=g)
    attn = torch.ones_like(ids)
    comp = torch.zeros_like(ids)
    for i, (start, end) in enumerate([(3, 12), (5, 9), (4, 7), (3, 12)]):  # rows [c0, c1, r0, r1]
        comp[i, start:end] = 1
        attn[i, end:] = 0
    shared = shared_lengths(comp[:, 1:])
    assert shared.tolist() == [3, 4, 3, 4]  # min(|c0| 9, |r0| 3), min(|c1| 4, |r1| 9)
    results = []
    for fused in (True, False):
        model.zero_grad()
        parts = sequence_parts(model, ids, attn, comp, shared, stats=TOKEN_STATS, fused=fused)
        (parts.logps - 0.7 * parts.tail).sum().backward()
        results.append((parts, {n: p.grad.clone() for n, p in model.named_parameters()}))
    (fp, fg), (lp, lg) = results
    plain, _ = sequence_logps(model, ids, attn, comp, fused=False)
    torch.testing.assert_close(fp.logps, plain.detach(), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fp.tail, lp.tail, rtol=1e-5, atol=1e-5)
    assert (fp.tail.abs() > 0).tolist() == [True, False, False, True]  # only rows longer than their pair's other
    for key in TOKEN_STATS:
        torch.testing.assert_close(fp.stats[key], lp.stats[key], rtol=1e-5, atol=1e-5, msg=key)
    for name in fg:
        torch.testing.assert_close(fg[name], lg[name], rtol=1e-4, atol=1e-6, msg=name)


def _reference_stats(logits: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
    """TOKEN_STATS the plain way, in float64: softmax, -sum p log p, mean, first argmax, log sum p^2."""
    x = logits.double()
    logp = x.log_softmax(-1)
    p = logp.exp()
    return {"entropy": -(p * logp).sum(-1), "mean_logits": x.mean(-1),
            "is_top1": (x.argmax(-1) == labels).double(), "log_sum_sq_probs": (p * p).sum(-1).log()}


@pytest.mark.parametrize("scale", [1.0, 8.0, 40.0])  # flat to peaked distributions
def test_chunk_stats_equal_a_plain_reference(scale):
    """The in-place chunk gives the plain float64 stats within 1e-5, log-probs and logsumexp bit for bit as
    torch.logsumexp, and argmax ties resolved as argmax does (first index); the logits are overwritten."""
    g = torch.Generator().manual_seed(int(scale))
    vocab = 3000
    logits = torch.randn(40, vocab, generator=g) * scale + torch.randn(40, 1, generator=g) * 5
    labels = torch.randint(0, vocab, (40,), generator=g)
    labels[:6] = logits[:6].argmax(-1)  # some rows right
    logits[6:8, 5] = logits[6:8, 9] = logits[6:8].amax(-1) + 1  # ties at the top: index 5 is argmax, 9 is not
    labels[6], labels[7] = 5, 9
    stats = L.empty_stats(L.TOKEN_STATS, 40, "cpu")
    work = logits.clone()
    logp, lse = L._chunk_logps(work, labels, stats, slice(0, 40))
    assert not torch.equal(work, logits)
    assert torch.equal(lse, logits.logsumexp(-1))
    assert torch.equal(logp, logits.gather(-1, labels[:, None]).squeeze(-1) - logits.logsumexp(-1))
    ref = _reference_stats(logits, labels)
    assert stats["is_top1"][:8].tolist() == [1.0] * 7 + [0.0]
    for key in L.TOKEN_STATS:
        torch.testing.assert_close(stats[key].double(), ref[key], rtol=0, atol=1e-5, msg=key)


@pytest.mark.parametrize("wanted", [(), ("entropy",), ("is_top1",), ("log_sum_sq_probs",), L.DIAGNOSTICS])
def test_only_the_wanted_stats_are_computed(wanted):
    """sequence_parts computes exactly the TOKEN_STATS named, each the same as when all are computed, on both paths
    (fused with a bf16 matmul), and leaves the log-probs unchanged."""
    vocab = 300
    ids, attn, comp = _batch(vocab)
    model = tiny_model(vocab, seed=5)
    with torch.no_grad(), L.numeric_path(L.NumericPath(bf16=True), "cpu"):
        for fused in (True, False):
            every = L.sequence_parts(model, ids, attn, comp, stats=L.TOKEN_STATS, fused=fused)
            some = L.sequence_parts(model, ids, attn, comp, stats=wanted, fused=fused)
            assert set(some.stats) == set(wanted)
            assert torch.equal(some.logps, every.logps)
            # the reference pass (sequence_logps) gives the policy's training numbers (sequence_parts) bit for bit
            assert torch.equal(L.sequence_logps(model, ids, attn, comp, fused=fused)[0], every.logps)
            for key in wanted:
                torch.testing.assert_close(some.stats[key], every.stats[key], rtol=1e-6, atol=1e-5, msg=key)
    with pytest.raises(ValueError, match="unknown token stats \\['accuracy'\\]"):
        L.empty_stats(("entropy", "accuracy"), 3, "cpu")


def test_fused_head_stats_equal_the_plain_reference_on_its_bf16_logits():
    """The fused head with a bf16 matmul: stats of the float32 copy of the bf16 product (the spare buffer that
    first holds the product is reused for exp) equal the plain reference on those logits."""
    g = torch.Generator().manual_seed(7)
    hidden, weight = torch.randn(70, 32, generator=g), torch.randn(500, 32, generator=g)
    labels = torch.randint(0, 500, (70,), generator=g)
    stats = L.empty_stats(L.TOKEN_STATS, 70, "cpu")
    logp = L._FusedLinearLogps.apply(hidden, weight, labels, torch.bfloat16, stats)
    logits = (hidden.bfloat16() @ weight.bfloat16().T).float()
    assert torch.equal(logp, logits.gather(-1, labels[:, None]).squeeze(-1) - logits.logsumexp(-1))
    ref = _reference_stats(logits, labels)
    for key in L.TOKEN_STATS:
        torch.testing.assert_close(stats[key].double(), ref[key], rtol=0, atol=1e-5, msg=key)


@pytest.mark.parametrize(("token_stats", "use_weighting", "wanted"), [
    (False, False, set()), (True, False, set(L.DIAGNOSTICS)), (False, True, {"log_sum_sq_probs"}),
    (True, True, set(L.TOKEN_STATS))])
def test_trainer_asks_only_for_the_stats_it_uses(tmp_path, token_stats, use_weighting, wanted):
    """WPO's log sum p^2 only with use_weighting, TRL's diagnostics only with token_stats: the policy's forward
    computes nothing else."""
    from transformers import TrainingArguments

    from sr_train.collator import PairCollator
    from sr_train.losses import LossParams
    from sr_train.recipe import ListDataset
    from sr_train.trainer import PreferenceTrainer

    vocab = 60
    ids, attn, comp = _batch(vocab)
    batch = {"input_ids": ids[:4], "attention_mask": attn[:4], "completion_mask": comp[:4]}
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to=[], remove_unused_columns=False)
    trainer = PreferenceTrainer(model=tiny_model(vocab), args=args, train_dataset=ListDataset([{}]),
                                data_collator=PairCollator(0), loss_name="dpo", loss_params=LossParams(),
                                global_batch_size=2, token_stats=token_stats, use_weighting=use_weighting)
    _, _, parts = trainer._policy_view(trainer.model, batch)
    assert set(trainer.wanted_stats()) == wanted
    assert (parts is None) == (not wanted) and (parts is None or set(parts.stats) == wanted)
