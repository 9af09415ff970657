"""SPO's self-supervised preference degrees: the deterministic data builder and the auxiliary loss's gradient."""

import json

import pytest
import torch
from tiny import PAIRS, tiny_model, tiny_tokenizer
from transformers import TrainingArguments

from sr_train.collator import PairCollator
from sr_train.logps import view_logps
from sr_train.losses import LossParams
from sr_train.pairs import TokenizeSettings, tokenize_pairs
from sr_train.recipe import ListDataset
from sr_train.spo import SpoSettings, build_spo_rows, degrade, spo_loss, spo_scores, spo_versions
from sr_train.trainer import PreferenceTrainer


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


# -- SPO in sr-train: the degraded versions travel data -> collator -> trainer, the aux loss beside the alignment loss
def spo_batch(settings):
    tok = tiny_tokenizer()
    pairs = [{**p, "prompt": [{"role": "user", "content": p["prompt"]}], "row": i} for i, p in enumerate(PAIRS)]
    examples = tokenize_pairs(tok, pairs, TokenizeSettings(max_length=128, max_prompt_length=64), progress=False)
    spo_versions(tok, pairs, examples, settings, max_length=128)
    return PairCollator(tok.pad_token_id)(examples), len(tok)


def trainer_for(tmp_path, vocab, spo):
    policy, ref = tiny_model(vocab, seed=1), tiny_model(vocab, seed=2).requires_grad_(False)
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to=[], remove_unused_columns=False)
    return PreferenceTrainer(model=policy, args=args, train_dataset=ListDataset([{}]), data_collator=PairCollator(0),
                             loss_name="dpo", loss_params=LossParams(beta=0.1), global_batch_size=8, ref_model=ref,
                             spo=spo)


def loss_grads(trainer, batch):
    value, out = trainer.compute_loss(trainer.model, batch, return_outputs=True)
    trainer.model.zero_grad()
    value.backward()
    return value.detach(), out, {n: p.grad.clone() for n, p in trainer.model.named_parameters()}


@pytest.mark.parametrize("form,score", [("rank", "mean"), ("top1", "sum")])
def test_trainer_adds_the_weighted_aux_loss_and_its_gradient(tmp_path, form, score):
    w = 0.5
    settings = SpoSettings(weight=w, form=form, score=score)
    batch, vocab = spo_batch(settings)
    n, k = batch["input_ids"].shape[0] // 2, len(settings.degrees)
    assert batch["spo_input_ids"].shape[0] == k * n
    lengths = batch["spo_completion_mask"].sum(1).reshape(k, n)
    assert (lengths[-1] < batch["completion_mask"][:n].sum(1)).all()  # the most degraded version is shorter

    plain_value, plain_out, plain_grads = loss_grads(trainer_for(tmp_path, vocab, None), batch)
    trainer = trainer_for(tmp_path, vocab, settings)
    value, out, grads = loss_grads(trainer, batch)
    # the aux loss alone, from the same policy through the library's log-prob path
    policy = trainer.model
    policy.zero_grad()
    chosen, chosen_len = view_logps(policy, batch)
    degraded, degraded_len = view_logps(policy, batch, "spo_")
    aux = spo_loss(spo_scores(chosen[:n], chosen_len[:n], degraded, degraded_len, score), form).mean()
    aux.backward()
    torch.testing.assert_close(value, plain_value + w * aux.detach())
    assert out.components["align"] == pytest.approx(plain_value.item(), rel=1e-6)
    assert out.components["spo"] == pytest.approx(aux.item(), rel=1e-6)
    changed = 0
    for name, p in policy.named_parameters():  # d(total) = d(align) + w d(aux)
        torch.testing.assert_close(grads[name], plain_grads[name] + w * p.grad, rtol=1e-4, atol=1e-6)
        changed += not torch.allclose(grads[name], plain_grads[name])
    assert changed > 0


def test_spo_versions_are_deterministic_and_settings_checked():
    a, _ = spo_batch(SpoSettings(weight=1.0, seed=3))
    b, _ = spo_batch(SpoSettings(weight=1.0, seed=3))
    assert torch.equal(a["spo_input_ids"], b["spo_input_ids"])
    from sr_train.config import ConfigError, TrainConfig

    good = TrainConfig(model="m", data="d", spo_weight=0.2, spo_degrees=[0.3, 0.6])
    assert good.validate().spo().degrees == (0.3, 0.6)
    assert TrainConfig(model="m", data="d").spo() is None  # weight 0: off
    for bad, match in [({"spo_degrees": "0.6,0.3"}, "spo_degrees must increase"),
                       ({"spo_weight": -1.0}, "spo_weight must be >= 0"),
                       ({"spo_weight": 1.0, "loss": "bt"}, "not bt"),
                       ({"spo_form": "pairs"}, "spo_form must be one of")]:
        with pytest.raises(ConfigError, match=match):
            TrainConfig(model="m", data="d", **bad).validate()


def test_sr_train_logs_the_aux_loss_and_weight_zero_is_plain_training(tiny_dir, pairs_file, tmp_path):
    from sr_train.config import TrainConfig
    from sr_train.recipe import train

    def run(name, **over):
        cfg = TrainConfig(model=str(tiny_dir), data=str(pairs_file), output_dir=str(tmp_path / name), loss="dpo",
                          batch_size=4, max_steps=2, warmup_steps=0, optimizer="adamw", learning_rate=1e-2,
                          bf16="false", max_length=128, max_prompt_length=64, save_steps=1000,
                          ref_cache_dir=str(tmp_path / "ref"), seed=0, **over)
        train(cfg)
        return [json.loads(line) for line in (tmp_path / name / "metrics.jsonl").read_text().splitlines()]

    plain, zero, spo = run("plain"), run("zero", spo_weight=0.0), run("spo", spo_weight=0.5)
    keys = ("loss", "rewards/margins", "logps/chosen", "grad_norm")
    assert [[r[k] for k in keys] for r in zero] == [[r[k] for k in keys] for r in plain]
    assert not any("loss/spo" in r for r in zero)
    for r in spo:
        assert r["loss"] == pytest.approx(r["loss/align"] + 0.5 * r["loss/spo"], rel=1e-5) and r["loss/spo"] > 0
    assert spo[0]["loss/align"] == pytest.approx(plain[0]["loss"], rel=1e-6)  # step 1: same weights, same DPO loss
    assert spo[0]["grad_norm"] != pytest.approx(plain[0]["grad_norm"], rel=1e-4)  # the aux loss moves the gradient
    assert spo[1]["loss/align"] != pytest.approx(plain[1]["loss"], rel=1e-4)  # so step 2 starts from other weights
    stored = json.loads((tmp_path / "spo" / "run_config.json").read_text())
    assert stored["spo_weight"] == 0.5 and stored["spo_degrees"] == "0.25,0.5,0.75"
