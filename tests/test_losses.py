"""Loss registry: closed forms, lambda = 0 reduces to the base loss, the Sr-DPO gradient, no graph for p+x."""

import pytest
import torch
import torch.nn.functional as F
from tiny import PAIRS, tiny_model, tiny_tokenizer
from transformers import TrainingArguments

from sr_train.collator import PairCollator
from sr_train.losses import LOSSES, LossParams, PairLogps, components, compute_loss
from sr_train.pairs import TokenizeSettings, tokenize_pairs
from sr_train.recipe import ListDataset
from sr_train.refine import QUALITY_PROMPT
from sr_train.trainer import PreferenceTrainer


def random_pair(n=6, seed=0, with_aug=True, scores=False):
    g = torch.Generator().manual_seed(seed)
    r = lambda: -torch.rand(n, generator=g) * 50  # noqa: E731
    x = PairLogps(chosen=r(), rejected=r(), chosen_len=torch.randint(1, 30, (n,), generator=g).float(),
                  rejected_len=torch.randint(1, 30, (n,), generator=g).float(), ref_chosen=r(), ref_rejected=r())
    if with_aug:
        x.aug_chosen, x.aug_rejected, x.ref_aug_chosen, x.ref_aug_rejected = r(), r(), r(), r()
    if scores:
        x.score_chosen, x.score_rejected = torch.full((n,), 8.0), torch.rand(n, generator=g) * 7
    return x


def test_closed_forms():
    x, p = random_pair(), LossParams(beta=0.1, lam=0.5, label_smoothing=0.1, simpo_gamma=0.3, odpo_alpha=0.7)
    h = (x.chosen - x.ref_chosen) - (x.rejected - x.ref_rejected)
    hp = (x.aug_chosen - x.ref_aug_chosen) - (x.aug_rejected - x.ref_aug_rejected)
    delta = 0.1 * hp
    expect = {
        "dpo": -F.logsigmoid(0.1 * h),
        "ipo": (h - 5.0) ** 2,
        "sr-dpo": -F.logsigmoid(0.1 * h - 0.5 * delta),
        "sr-ipo": (h - 0.5 * delta - 5.0) ** 2,
        "hinge": torch.relu(1 - 0.1 * h),
        "cdpo": -0.9 * F.logsigmoid(0.1 * h) - 0.1 * F.logsigmoid(-0.1 * h),
    }
    for name, value in expect.items():
        torch.testing.assert_close(compute_loss(name, x, p).losses, value, msg=name)
    out = compute_loss("sr-dpo", x, p)
    torch.testing.assert_close(out.delta, delta)
    torch.testing.assert_close(out.chosen_rewards, 0.1 * (x.chosen - x.ref_chosen))
    naive = compute_loss("sr-dpo", x, LossParams(beta=0.1, lam=0.5, refine="naive")).losses
    torch.testing.assert_close(naive, -F.logsigmoid(0.1 * h - 0.5 * 0.1 * h))
    simpo = compute_loss("simpo", x, p).losses
    torch.testing.assert_close(simpo, -F.logsigmoid(0.1 * (x.chosen / x.chosen_len - x.rejected / x.rejected_len) - 0.3))
    xs = random_pair(scores=True)
    hs = (xs.chosen - xs.ref_chosen) - (xs.rejected - xs.ref_rejected)
    odpo = compute_loss("odpo", xs, p).losses
    torch.testing.assert_close(odpo, -F.logsigmoid(0.1 * hs - 0.7 * torch.log(xs.score_chosen - xs.score_rejected)))


def test_registry_names():
    for name in ["dpo", "ipo", "sr-dpo", "sr-ipo", "hinge", "robust", "cdpo", "simpo", "odpo", "sft"]:
        assert name in LOSSES
    with pytest.raises(KeyError, match="unknown loss"):
        compute_loss("nope", random_pair(), LossParams())
    with pytest.raises(ValueError, match="score_chosen"):
        compute_loss("odpo", random_pair(), LossParams())


def _trainer(tmp_path, loss, lam, policy, ref):
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to=[], remove_unused_columns=False)
    return PreferenceTrainer(model=policy, args=args, train_dataset=ListDataset([{}]),
                             data_collator=PairCollator(0), loss_name=loss,
                             loss_params=LossParams(beta=0.1, lam=lam), global_batch_size=8, ref_model=ref)


@pytest.fixture(scope="module")
def batch():
    tok = tiny_tokenizer()
    pairs = [{**p, "prompt": [{"role": "user", "content": p["prompt"]}], "row": i} for i, p in enumerate(PAIRS)]
    examples = tokenize_pairs(tok, pairs, TokenizeSettings(quality_prompt=QUALITY_PROMPT), progress=False)
    return PairCollator(tok.pad_token_id)(examples), len(tok)


def _loss_and_grads(tmp_path, loss, lam, batch, vocab):
    policy, ref = tiny_model(vocab, seed=1), tiny_model(vocab, seed=2).requires_grad_(False)
    trainer = _trainer(tmp_path, loss, lam, policy, ref)
    value, out = trainer.compute_loss(trainer.model, batch, return_outputs=True)
    policy.zero_grad()
    value.backward()
    return value.detach(), {n: p.grad.clone() for n, p in policy.named_parameters()}, out, policy, trainer


@pytest.mark.parametrize("base", ["dpo", "ipo"])
def test_lambda_zero_is_base_loss(tmp_path, batch, base):
    b, vocab = batch
    v0, g0, _, _, _ = _loss_and_grads(tmp_path, base, 0.0, b, vocab)
    v1, g1, out, _, _ = _loss_and_grads(tmp_path, f"sr-{base}", 0.0, b, vocab)
    assert out.delta is not None and out.delta.abs().sum() > 0  # the refinement was computed, then weighted by 0
    assert torch.equal(v0, v1)
    for name in g0:
        assert torch.equal(g0[name], g1[name]), name


def test_sr_dpo_gradient_matches_analytic_form(tmp_path, batch):
    """grad of Sr-DPO = -mean_i sigma(-(beta h_i - lam Delta_i)) * beta * grad h_i (Delta detached)."""
    b, vocab = batch
    lam, beta = 0.5, 0.1
    _, grads, out, policy, trainer = _loss_and_grads(tmp_path, "sr-dpo", lam, b, vocab)
    assert out.delta.abs().max() > 1e-3
    # The analytic form: differentiate only h, weighted by the detached per-pair step size.
    from sr_train.logps import view_logps

    logps, _ = view_logps(policy, b)
    n = len(logps) // 2
    with torch.no_grad():
        ref, _ = view_logps(trainer.ref_model, b)
    h = (logps[:n] - ref[:n]) - (logps[n:] - ref[n:])
    weights = torch.sigmoid(-(beta * h.detach() - lam * out.delta)) * beta
    policy.zero_grad()
    (-(weights * h).mean()).backward()
    for name, p in policy.named_parameters():
        torch.testing.assert_close(grads[name], p.grad, rtol=1e-5, atol=1e-7, msg=name)


def test_aug_forward_builds_no_graph(tmp_path, batch):
    b, vocab = batch
    policy, ref = tiny_model(vocab, seed=1), tiny_model(vocab, seed=2)
    grad_enabled = []
    policy.register_forward_hook(lambda m, i, o: grad_enabled.append(torch.is_grad_enabled()))
    trainer = _trainer(tmp_path, "sr-dpo", 0.5, policy, ref)
    value, out = trainer.compute_loss(trainer.model, b, return_outputs=True)
    assert grad_enabled == [True, False]  # x view with autograd, p+x view without
    assert out.margin_aug.grad_fn is None and not out.margin_aug.requires_grad
    assert out.delta.grad_fn is None and value.requires_grad


TWINS = sorted(n[3:] for n in LOSSES if n.startswith("sr-"))


@pytest.mark.parametrize("base", [b for b in TWINS if b not in ("dpo", "ipo")])
def test_every_sr_twin_at_lambda_zero_is_its_base_loss(tmp_path, batch, base):
    """Loss and every gradient equal bit for bit, while the refinement Delta was computed (non-zero)."""
    b, vocab = batch
    if LOSSES[base].needs_uncertainty:  # UP-DPO reads the data's per-pair uncertainty column
        b = {**b, "uncertainty": torch.linspace(0.1, 1.0, b["input_ids"].shape[0] // 2)}
    params = {"label_smoothing": 0.1, "alphapo_alpha": 0.3 if base == "alphapo" else 0.0}
    runs = []
    for name in (base, f"sr-{base}"):
        policy, ref = tiny_model(vocab, seed=1), tiny_model(vocab, seed=2).requires_grad_(False)
        args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to=[], remove_unused_columns=False)
        trainer = PreferenceTrainer(model=policy, args=args, train_dataset=ListDataset([{}]),
                                    data_collator=PairCollator(0), loss_name=name, global_batch_size=8, ref_model=ref,
                                    loss_params=LossParams(beta=0.1, lam=0.0, **params))
        value, out = trainer.compute_loss(trainer.model, b, return_outputs=True)
        policy.zero_grad()
        value.backward()
        runs.append((value.detach(), {n: p.grad.clone() for n, p in policy.named_parameters()}, out))
    (v0, g0, _), (v1, g1, out) = runs
    assert out.delta is not None and out.delta.abs().sum() > 0
    assert torch.equal(v0, v1)
    for name in g0:
        assert torch.equal(g0[name], g1[name]), name


def test_twin_refinement_enters_the_logit():
    """sr-<loss> at lambda > 0 is <loss> with its logit lowered by lambda * Delta (discopop, exo_pair, dpo_norm)."""
    x = random_pair()
    lc, lr = x.chosen_len, x.rejected_len
    h = (x.chosen - x.ref_chosen) - (x.rejected - x.ref_rejected)
    hn = (x.chosen - x.ref_chosen) / lc - (x.rejected - x.ref_rejected) / lr
    hpn = (x.aug_chosen - x.ref_aug_chosen) / lc - (x.aug_rejected - x.ref_aug_rejected) / lr
    hp = (x.aug_chosen - x.ref_aug_chosen) - (x.aug_rejected - x.ref_aug_rejected)
    p = LossParams(beta=0.1, lam=0.5, label_smoothing=0.1, discopop_tau=0.05)
    z, zn = 0.1 * h - 0.5 * 0.1 * hp, 0.1 * hn - 0.5 * 0.1 * hpn
    mix = torch.sigmoid(z / 0.05)
    expect = {
        "sr-discopop": -F.logsigmoid(z) * (1 - mix) + torch.exp(-z) * mix,
        "sr-exo_pair": torch.sigmoid(z) * (F.logsigmoid(z) - torch.log(torch.tensor(0.9)))
        + torch.sigmoid(-z) * (F.logsigmoid(-z) - torch.log(torch.tensor(0.1))),
        "sr-dpo_norm": -F.logsigmoid(zn),
    }
    for name, value in expect.items():
        torch.testing.assert_close(compute_loss(name, x, p).losses, value, msg=name)


def test_composition_presets_weights_and_errors():
    x = random_pair()
    p = LossParams(beta=0.1, lam=0.5)
    dpo, bco, sft = (compute_loss(n, x, p).losses for n in ("dpo", "bco_pair", "sft_batch"))
    torch.testing.assert_close(compute_loss("mpo", x, p).losses, 0.8 * dpo + 0.2 * bco + sft)
    mixed = compute_loss("dpo,sft_batch", x, LossParams(beta=0.1, loss_weights=(1.0, 0.5)))
    torch.testing.assert_close(mixed.losses, dpo + 0.5 * sft)
    assert {k: round(v.item(), 6) for k, v in mixed.components.items()} == {
        "dpo": round(dpo.mean().item(), 6), "sft_batch": round(sft.mean().item(), 6)}
    sr = compute_loss("sr-rpo", x, p)  # the preset with its margin loss refined
    torch.testing.assert_close(sr.losses, compute_loss("sr-dpo", x, p).losses + sft)
    assert sr.delta is not None
    assert components("sr-mpo")[0] == ("sr-dpo", "bco_pair", "sft_batch")
    assert components("sigmoid,dpo_norm")[0] == ("dpo", "sigmoid_norm")
    with pytest.raises(ValueError, match="2 component"):
        compute_loss("rpo", x, LossParams(loss_weights=(1.0,)))
    with pytest.raises(KeyError, match="unknown loss 'nope'"):
        compute_loss("dpo,nope", x, p)


def test_per_pair_weights_scale_each_pair_and_sorting_losses_refuse_them():
    x = random_pair()
    w = torch.linspace(0.5, 1.5, 6)
    plain = compute_loss("dpo", x, LossParams()).losses
    x.weight = w
    torch.testing.assert_close(compute_loss("dpo", x, LossParams()).losses, plain * w)
    with pytest.raises(ValueError, match="sorting"):
        compute_loss("aot", x, LossParams())


def test_f_divergence_is_refused_where_trl_refuses_it():
    with pytest.raises(ValueError, match="not defined for loss 'bco_pair'"):
        compute_loss("bco_pair", random_pair(), LossParams(f_divergence="forward_kl"))
