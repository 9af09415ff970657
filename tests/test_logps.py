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
        parts = sequence_parts(model, ids, attn, comp, shared, stats=True, fused=fused)
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
