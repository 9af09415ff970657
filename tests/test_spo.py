"""SPO's self-supervised preference degrees: the deterministic data builder and the auxiliary loss's gradient."""

import pytest
import torch
from tiny import PAIRS

from sr_train.spo import build_spo_rows, degrade, spo_loss


def test_degrade_is_deterministic_nested_and_graded():
    text = PAIRS[3]["chosen"]
    a = degrade(text, (0.25, 0.5, 0.75), seed=7)
    assert a == degrade(text, (0.25, 0.5, 0.75), seed=7)
    assert a != degrade(text, (0.25, 0.5, 0.75), seed=8)
    assert a[0] == text
    words = [v.split() for v in a]
    assert [len(w) for w in words] == sorted((len(w) for w in words), reverse=True) and len(words[-1]) < len(words[0])
    for more, less in zip(words[2:], words[1:-1]):  # a larger degree removes a superset
        assert all(w in less for w in more)
    sentences = degrade("One. Two! Three? Four.", (0.5,), unit="sentence", seed=0)
    assert len(sentences[1].split()) == 2
    with pytest.raises(ValueError, match="degrees"):
        degrade(text, (0.5, 0.25))
    rows = build_spo_rows(PAIRS[:2], which=("chosen", "rejected"))
    assert [r["source"] for r in rows] == ["0:chosen", "0:rejected", "1:chosen", "1:rejected"]
    assert rows == build_spo_rows(PAIRS[:2], which=("chosen", "rejected"))


def test_spo_loss_values_and_documented_gradients():
    s = torch.tensor([[1.0, 0.5, -0.2, 0.3], [0.0, 2.0, 1.0, -1.0]], requires_grad=True)
    top1 = spo_loss(s, "top1")
    top1.sum().backward()
    e0 = torch.zeros(2, 4)
    e0[:, 0] = 1
    torch.testing.assert_close(s.grad, torch.softmax(s.detach(), 1) - e0)  # softmax(s) - e_0
    s.grad = None
    rank = spo_loss(s, "rank")
    manual = sum(-torch.log_softmax(s.detach()[:, k:], 1)[:, 0] for k in range(3))
    torch.testing.assert_close(rank.detach(), manual)
    rank.sum().backward()
    # d/ds_j of sum_k [lse(s_k..s_K) - s_k] = sum_{k<=j, k<K} softmax(s_k..)_j - [j < K]
    want = torch.zeros(2, 4)
    for k in range(3):
        want[:, k:] += torch.softmax(s.detach()[:, k:], 1)
        want[:, k] -= 1
    torch.testing.assert_close(s.grad, want)
    ordered = torch.tensor([[3.0, 2.0, 1.0, 0.0]])
    assert spo_loss(ordered).item() < spo_loss(ordered.flip(1)).item()  # the right order costs less
    with pytest.raises(ValueError, match="form"):
        spo_loss(s, "nope")
