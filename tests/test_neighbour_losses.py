"""The losses of the methods the paper is read beside: H-DPO, UP-DPO and SPO's auxiliary loss (issue 18)."""

import pytest
import torch
import torch.nn.functional as F
from tiny import PAIRS, tiny_model, tiny_tokenizer
from transformers import TrainingArguments

from sr_train.collator import PairCollator
from sr_train.logps import view_logps
from sr_train.losses import LOSSES, LossParams, PairLogps, compute_loss
from sr_train.pairs import TokenizeSettings, tokenize_pairs
from sr_train.recipe import ListDataset
from sr_train.refine import QUALITY_PROMPT
from sr_train.trainer import PreferenceTrainer


def random_pair(n: int = 6, seed: int = 0) -> PairLogps:
    g = torch.Generator().manual_seed(seed)
    r = lambda: -torch.rand(n, generator=g) * 50  # noqa: E731
    return PairLogps(chosen=r(), rejected=r(), chosen_len=torch.full((n,), 5.0), rejected_len=torch.full((n,), 7.0),
                     ref_chosen=r(), ref_rejected=r(), aug_chosen=r(), aug_rejected=r(), ref_aug_chosen=r(),
                     ref_aug_rejected=r())


@pytest.fixture(scope="module")
def batch():
    tok = tiny_tokenizer()
    pairs = [{**p, "prompt": [{"role": "user", "content": p["prompt"]}], "row": i} for i, p in enumerate(PAIRS)]
    examples = tokenize_pairs(tok, pairs, TokenizeSettings(quality_prompt=QUALITY_PROMPT), progress=False)
    return PairCollator(tok.pad_token_id)(examples), len(tok)


def loss_and_grads(tmp_path, batch, loss: str, params: LossParams):
    b, vocab = batch
    policy, ref = tiny_model(vocab, seed=1), tiny_model(vocab, seed=2).requires_grad_(False)
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to=[], remove_unused_columns=False)
    trainer = PreferenceTrainer(model=policy, args=args, train_dataset=ListDataset([{}]),
                                data_collator=PairCollator(0), loss_name=loss, loss_params=params,
                                global_batch_size=8, ref_model=ref)
    value, out = trainer.compute_loss(trainer.model, b, return_outputs=True)
    policy.zero_grad()
    value.backward()
    return value.detach(), {n: p.grad.clone() for n, p in policy.named_parameters()}, policy, trainer


# -- H-DPO ---------------------------------------------------------------------------------------------------
def test_hdpo_is_registered_with_an_sr_twin():
    assert LOSSES["hdpo"].margin == "ratio_alpha" and LOSSES["sr-hdpo"].refine


def test_hdpo_closed_form_and_rewards():
    x, a = random_pair(), 0.8
    out = compute_loss("hdpo", x, LossParams(beta=0.1, hdpo_alpha=a))
    h = (a * x.chosen - x.ref_chosen) - (a * x.rejected - x.ref_rejected)
    torch.testing.assert_close(out.losses, -F.logsigmoid(0.1 * h))
    torch.testing.assert_close(out.chosen_rewards, 0.1 * (a * x.chosen - x.ref_chosen))
    assert not torch.allclose(out.losses, compute_loss("dpo", x, LossParams(beta=0.1)).losses)
    # the twin: the p+x margin is formed the same way, and enters as lambda * sg[beta h_p]
    sr = compute_loss("sr-hdpo", x, LossParams(beta=0.1, lam=0.5, hdpo_alpha=a))
    hp = (a * x.aug_chosen - x.ref_aug_chosen) - (a * x.aug_rejected - x.ref_aug_rejected)
    torch.testing.assert_close(sr.losses, -F.logsigmoid(0.1 * h - 0.5 * 0.1 * hp))


@pytest.mark.parametrize("twin", [False, True])
def test_hdpo_alpha_one_is_dpo_exactly(tmp_path, batch, twin):
    pre = "sr-" if twin else ""
    v0, g0, _, _ = loss_and_grads(tmp_path, batch, f"{pre}dpo", LossParams(beta=0.1, lam=0.5))
    v1, g1, _, _ = loss_and_grads(tmp_path, batch, f"{pre}hdpo", LossParams(beta=0.1, lam=0.5, hdpo_alpha=1.0))
    assert torch.equal(v0, v1)
    for name in g0:
        assert torch.equal(g0[name], g1[name]), name
    v2, _, _, _ = loss_and_grads(tmp_path, batch, f"{pre}hdpo", LossParams(beta=0.1, lam=0.5, hdpo_alpha=0.7))
    assert not torch.equal(v0, v2)


def test_hdpo_gradient_matches_analytic_form(tmp_path, batch):
    """grad of H-DPO = -mean_i sigma(-beta h_i) * beta * alpha * grad (log pi(y+_i) - log pi(y-_i))."""
    b, _ = batch
    beta, a = 0.1, 0.6
    _, grads, policy, trainer = loss_and_grads(tmp_path, batch, "hdpo", LossParams(beta=beta, hdpo_alpha=a))
    logps, _ = view_logps(policy, b)
    n = len(logps) // 2
    with torch.no_grad():
        ref, _ = view_logps(trainer.ref_model, b)
    policy_margin = logps[:n] - logps[n:]
    h = a * policy_margin.detach() - (ref[:n] - ref[n:])
    step = torch.sigmoid(-beta * h) * beta * a
    policy.zero_grad()
    (-(step * policy_margin).mean()).backward()
    for name, p in policy.named_parameters():
        torch.testing.assert_close(grads[name], p.grad, rtol=1e-5, atol=1e-7, msg=name)


# -- UP-DPO --------------------------------------------------------------------------------------------------
def test_updpo_penalty_forms():
    x = random_pair()
    x.uncertainty = torch.linspace(0.0, 2.0, 6)
    h = (x.chosen - x.ref_chosen) - (x.rejected - x.ref_rejected)
    sub = compute_loss("updpo", x, LossParams(beta=0.1, up_gamma=0.5, up_penalty="subtract")).losses
    torch.testing.assert_close(sub, -F.logsigmoid(0.1 * h - 0.5 * x.uncertainty))
    scale = compute_loss("updpo", x, LossParams(beta=0.1, up_gamma=0.5, up_penalty="scale")).losses
    torch.testing.assert_close(scale, -F.logsigmoid(0.1 * h * torch.exp(-0.5 * x.uncertainty)))
    with pytest.raises(ValueError, match="up_penalty"):
        compute_loss("updpo", x, LossParams(up_penalty="nope"))
    x.uncertainty = None
    with pytest.raises(ValueError, match="uncertainty column"):
        compute_loss("updpo", x, LossParams())
    assert LOSSES["sr-updpo"].needs_uncertainty and LOSSES["sr-updpo"].refine
    assert LossParams().up_penalty == "scale"


def test_updpo_scale_attenuates_uncertain_pairs_gradient_and_subtract_does_not():
    """d loss / d h per pair at one margin: 'scale' shrinks it as u grows (the abstract's attenuation), 'subtract'
    grows it (a pessimistic margin)."""
    x = random_pair()
    x.uncertainty = torch.linspace(0.0, 2.0, 6)
    x.chosen = torch.full((6,), -10.0, requires_grad=True)
    x.rejected, x.ref_chosen, x.ref_rejected = torch.full((6,), -12.0), torch.full((6,), -10.0), torch.full((6,), -12.0)
    grads = {}
    for penalty in ("scale", "subtract"):
        x.chosen.grad = None
        compute_loss("updpo", x, LossParams(beta=0.1, up_gamma=1.0, up_penalty=penalty)).losses.sum().backward()
        grads[penalty] = x.chosen.grad.abs()
    assert (grads["scale"].diff() < 0).all() and (grads["subtract"].diff() > 0).all()
    torch.testing.assert_close(grads["scale"], 0.1 * torch.exp(-x.uncertainty) * torch.sigmoid(
        torch.zeros(6)))  # h = 0: beta e^(-gamma u) sigma(0)


@pytest.mark.parametrize("penalty", ["subtract", "scale"])
def test_updpo_with_zero_uncertainty_is_dpo_exactly(tmp_path, batch, penalty):
    b, vocab = batch
    zero = ({**b, "uncertainty": torch.zeros(b["input_ids"].shape[0] // 2)}, vocab)
    v0, g0, _, _ = loss_and_grads(tmp_path, batch, "dpo", LossParams(beta=0.1))
    v1, g1, _, _ = loss_and_grads(tmp_path, zero, "updpo", LossParams(beta=0.1, up_gamma=3.0, up_penalty=penalty))
    assert torch.equal(v0, v1)
    for name in g0:
        assert torch.equal(g0[name], g1[name]), name
    some = ({**b, "uncertainty": torch.ones(b["input_ids"].shape[0] // 2)}, vocab)
    v2, _, _, _ = loss_and_grads(tmp_path, some, "updpo", LossParams(beta=0.1, up_gamma=3.0, up_penalty=penalty))
    assert not torch.equal(v0, v2)


def test_ensemble_uncertainty_grows_where_members_disagree():
    from sr_train.uncertainty import ensemble_uncertainty

    # 4 members x 4 pairs: all agree on pair 0; pair 1 a little spread; pair 2 split in sign; pair 3 wildly split
    margins = torch.tensor([[2.0, 1.0, 1.0, 6.0], [2.0, 1.2, -1.0, -6.0], [2.0, 0.8, 1.0, 6.0], [2.0, 1.0, -1.0, -6.0]])
    for kind in ("margin_std", "prob_std"):
        u = ensemble_uncertainty(margins, kind)
        assert u[0] == 0 and 0 < u[1] < u[2] < u[3], (kind, u)
    torch.testing.assert_close(ensemble_uncertainty(margins)[2], torch.tensor(1.0))  # +-1 split: std 1
    with pytest.raises(ValueError, match=">= 2 members"):
        ensemble_uncertainty(margins[:1])


# -- the pipeline can name them as methods -------------------------------------------------------------------
def test_pipeline_config_names_the_neighbour_methods(tmp_path):
    from bench.pipeline.config import PipelineError, load_config

    cfg = tmp_path / "p.yaml"
    text = """name: neighbours
model: tiny
train: {data: pairs.jsonl, max_steps: 1}
reward_model: {seed: 1, data: pairs.jsonl}
methods:
  dpo: {}
  sr-dpo: {}
  hdpo: {hdpo_alpha: 0.9}
  sr-hdpo: {hdpo_alpha: 0.9}
  updpo: {data: pairs_u.jsonl, up_penalty: scale, up_gamma: 0.5}
"""
    cfg.write_text(text)
    loaded = load_config(cfg)
    assert loaded.methods["hdpo"].loss == "hdpo" and loaded.methods["hdpo"].hdpo_alpha == 0.9
    assert loaded.methods["updpo"].up_penalty == "scale" and loaded.methods["sr-hdpo"].loss == "sr-hdpo"
    cfg.write_text(text.replace("up_penalty: scale", "up_penalty: cube"))
    with pytest.raises(PipelineError, match="up_penalty"):
        load_config(cfg)
    cfg.write_text(text.replace("hdpo_alpha: 0.9}\n  sr", "hdpo_alpha: 0}\n  sr"))
    with pytest.raises(PipelineError, match="hdpo_alpha"):
        load_config(cfg)
