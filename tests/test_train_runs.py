"""End-to-end sr-train runs on a tiny model: logged identities, 2-process parity, kill + resume, LoRA, cache."""

import json
import math

import pytest
import torch
from helpers.runs import KILL_AT_STEP_3, common, fsdp2_train, metrics, ok, seed_resumed_run, sr_train
from safetensors.torch import load_file

pytestmark = pytest.mark.slow  # every test here trains (sr-train runs) or starts processes


@pytest.mark.parametrize("loss", ["sr-dpo", "sr-ipo"])
def test_batch_one_logged_identity(tiny_dir, pairs_file, tmp_path, loss):
    """Every logged step with batch 1: loss = -log sigma(margins - lam*delta) (sr-dpo), IPO analogue for sr-ipo."""
    beta, lam = 0.1, 0.5
    out = tmp_path / loss
    ok(sr_train(common(tiny_dir, pairs_file, out, loss=loss, beta=beta, lam=lam, **{"batch-size": 1,
                                                                                   "max-steps": 5})))
    rows = metrics(out)
    assert [r["step"] for r in rows] == [1, 2, 3, 4, 5] and [r["tuples_seen"] for r in rows] == [1, 2, 3, 4, 5]
    moved = 0
    for r in rows:
        m, d = r["rewards/margins"], r["refine/delta"]
        expect = -math.log(1 / (1 + math.exp(-(m - lam * d)))) if loss == "sr-dpo" else (
            m / beta - lam * d - 1 / (2 * beta)) ** 2
        assert r["loss"] == pytest.approx(expect, rel=1e-5, abs=1e-6)
        moved += abs(d) > 1e-4
    assert moved >= 3  # Delta is not trivially zero after the first steps
    cfg = json.loads((out / "run_config.json").read_text())
    assert cfg["loss"] == loss and cfg["batch_size"] == 1 and cfg["data_report"]["rows_kept"] == 8
    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(out / "final")  # plain HF checkpoint


def test_reference_cache_reused(tiny_dir, pairs_file, tmp_path):
    args = {"loss": "sr-dpo", "batch-size": 4, "max-steps": 1}
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "a", **args)))
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "b", **args)))
    first = json.loads((tmp_path / "a" / "run_config.json").read_text())
    second = json.loads((tmp_path / "b" / "run_config.json").read_text())
    assert first["reference_cached"] is False and second["reference_cached"] is True
    assert len(list((tmp_path / "refcache").glob("*.safetensors"))) == 1
    # another prompt p changes the key
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "c", **args, **{"quality-prompt": "Answer well. Query:"})))
    assert len(list((tmp_path / "refcache").glob("*.safetensors"))) == 2


def test_two_processes_match_one(tiny_dir, pairs_file, tmp_path):
    """2-process CPU DDP (gloo) has the same loss trajectory as 1 process with the same global batch."""
    args = {"loss": "sr-dpo", "batch-size": 4, "max-steps": 4}
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "one", **args)))
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "two", **args), nproc=2))
    one, two = metrics(tmp_path / "one"), metrics(tmp_path / "two")
    assert json.loads((tmp_path / "two" / "run_config.json").read_text())["world_size"] == 2
    assert [r["step"] for r in one] == [r["step"] for r in two] == [1, 2, 3, 4]
    for a, b in zip(one, two):
        for key in ("loss", "rewards/margins", "refine/delta"):
            assert a[key] == pytest.approx(b[key], abs=1e-4), (a["step"], key)
    assert one[-1]["loss"] != pytest.approx(one[0]["loss"], abs=1e-3)  # training moved


def test_fsdp2_two_processes_match_one(tiny_dir, pairs_file, tmp_path):
    """The paper recipes' launch (accelerate with an FSDP2 config, here 2 CPU processes, which accelerate runs as DDP:
    FSDP needs GPUs): the losses follow the 1-process run, and final/ holds the full, same weights."""
    args = {"loss": "sr-dpo", "batch-size": 4, "max-steps": 2, "optimizer": "adamw", "save-steps": 2}
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "one", **args)))
    ok(fsdp2_train(common(tiny_dir, pairs_file, tmp_path / "fsdp", **args), tmp_path))
    one, fsdp = metrics(tmp_path / "one"), metrics(tmp_path / "fsdp")
    assert [r["loss"] for r in fsdp] == pytest.approx([r["loss"] for r in one], abs=1e-5)
    assert [r["logps/chosen"] for r in fsdp] == pytest.approx([r["logps/chosen"] for r in one], abs=1e-4)
    a = load_file(tmp_path / "one" / "final" / "model.safetensors")
    b = load_file(tmp_path / "fsdp" / "final" / "model.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].shape == b[k].shape, k
        torch.testing.assert_close(b[k], a[k], rtol=0, atol=1e-5, msg=k)
    start = load_file(next(tiny_dir.glob("*.safetensors")))
    assert max((b[k] - start[k]).abs().max().item() for k in start) > 1e-4  # trained


def test_fsdp2_run_resumed_from_a_checkpoint_matches_the_straight_run(tiny_dir, pairs_file, tmp_path):
    """FSDP2 (2 CPU processes): a run resumed from step 2 of 4 logs the same losses and ends with the same weights
    as the run that went straight on; when it finishes, its checkpoints' optimizer state is dropped."""
    args = {"loss": "sr-dpo", "batch-size": 4, "max-steps": 4, "optimizer": "adamw", "save-steps": 2}
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    # the straight run's step-2 checkpoint stands in for a killed run's: it keeps its optimizer state to resume from
    ok(fsdp2_train(common(tiny_dir, pairs_file, straight, **args, **{"keep-optimizer-state": "true"}), tmp_path))
    seed_resumed_run(straight, resumed, 2)
    out = ok(fsdp2_train(common(tiny_dir, pairs_file, resumed, **args), tmp_path))
    assert "resuming from" in out.stdout and "checkpoint-2" in out.stdout
    assert [r["step"] for r in metrics(resumed)] == [1, 2, 3, 4]
    assert [r["loss"] for r in metrics(resumed)] == pytest.approx([r["loss"] for r in metrics(straight)], abs=1e-6)
    a, b = load_file(straight / "final" / "model.safetensors"), load_file(resumed / "final" / "model.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(b[k], a[k], rtol=0, atol=1e-5, msg=k)
    assert list(straight.glob("checkpoint-*/optimizer*")) and not list(resumed.glob("checkpoint-*/optimizer*"))


def test_killed_run_resumes_to_same_weights(tiny_dir, pairs_file, tmp_path):
    args = {"loss": "sr-dpo", "batch-size": 2, "max-steps": 6, "save-steps": 2}
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "straight", **args)))
    killed = sr_train(common(tiny_dir, pairs_file, tmp_path / "killed", **args), prelude=KILL_AT_STEP_3)
    assert killed.returncode == -9
    assert not (tmp_path / "killed" / "final").exists() and (tmp_path / "killed" / "checkpoint-2").exists()
    # other training settings do not resume the run: a clear error naming each changed field, nothing written
    stamp = (tmp_path / "killed" / "run_config.json").stat().st_mtime_ns
    refused = sr_train(common(tiny_dir, pairs_file, tmp_path / "killed", **{**args, "beta": 0.2}))
    assert refused.returncode == 2 and "resuming from" not in refused.stdout
    assert "beta: 0.1 there, 0.2 now" in refused.stderr and "learning_rate" not in refused.stderr
    assert (tmp_path / "killed" / "run_config.json").stat().st_mtime_ns == stamp
    # a setting that does not shape training (reference batch size) may change on resume
    resumed = ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "killed", **{**args, "ref-batch-size": 3})))
    assert "resuming from" in resumed.stdout and "checkpoint-2" in resumed.stdout
    a = load_file(tmp_path / "straight" / "final" / "model.safetensors")
    b = load_file(tmp_path / "killed" / "final" / "model.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=1e-6, msg=k)
    steps = [r["step"] for r in metrics(tmp_path / "killed")]
    assert steps == [1, 2, 3, 4, 5, 6]
    assert [r["loss"] for r in metrics(tmp_path / "killed")] == pytest.approx(
        [r["loss"] for r in metrics(tmp_path / "straight")], abs=1e-6)

    # an explicit --resume must be a complete checkpoint folder, and is checked against its run's settings too
    bad = sr_train(common(tiny_dir, pairs_file, tmp_path / "killed", **args, resume=tmp_path / "killed"))
    assert bad.returncode == 2 and "not a complete checkpoint-N folder" in bad.stderr
    other = sr_train(common(tiny_dir, pairs_file, tmp_path / "new", **{**args, "beta": 0.2},
                            resume=tmp_path / "killed" / "checkpoint-4"))
    assert other.returncode == 2 and "beta: 0.1 there, 0.2 now" in other.stderr
    # resume never: the earlier run's checkpoints and log go, so a later auto resume cannot pick them up
    (tmp_path / "killed" / "checkpoint-40").mkdir()
    (tmp_path / "killed" / "checkpoint-40" / "trainer_state.json").write_text("{}")
    (tmp_path / "killed" / "checkpoint-backup").mkdir()
    fresh = ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "killed", **{**args, "beta": 0.2}, resume="never")))
    assert "removing" in fresh.stdout and not (tmp_path / "killed" / "checkpoint-40").exists()
    assert (tmp_path / "killed" / "checkpoint-backup").is_dir()  # not a checkpoint-N folder: left alone
    assert [r["step"] for r in metrics(tmp_path / "killed")] == [1, 2, 3, 4, 5, 6]
    assert json.loads((tmp_path / "killed" / "run_config.json").read_text())["beta"] == 0.2


def test_length_grouped_run_killed_in_its_second_epoch_resumes_to_same_weights(tiny_dir, pairs_file, tmp_path):
    """--group-by-length shuffles per epoch from (seed, epoch): a run resumed in epoch 2 sees epoch 2's order."""
    n_pairs = len(pairs_file.read_text().splitlines())
    steps_per_epoch = n_pairs // 2
    args = {"loss": "sr-dpo", "batch-size": 2, "max-steps": 2 * steps_per_epoch, "save-steps": steps_per_epoch + 1,
            "group-by-length": "true"}
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "straight", **args)))
    kill_step = steps_per_epoch + 2
    killed = sr_train(common(tiny_dir, pairs_file, tmp_path / "killed", **args),
                      prelude=KILL_AT_STEP_3.replace("global_step == 3", f"global_step == {kill_step}"))
    assert killed.returncode == -9 and (tmp_path / "killed" / f"checkpoint-{steps_per_epoch + 1}").exists()
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "killed", **args)))
    straight, resumed = metrics(tmp_path / "straight"), metrics(tmp_path / "killed")
    assert [r["step"] for r in resumed] == list(range(1, 2 * steps_per_epoch + 1))
    assert [r["logps/chosen"] for r in resumed] == pytest.approx([r["logps/chosen"] for r in straight], abs=1e-5)
    assert [r["loss"] for r in resumed] == pytest.approx([r["loss"] for r in straight], abs=1e-6)
    first, second = (straight[i * steps_per_epoch:(i + 1) * steps_per_epoch] for i in range(2))
    assert [r["logps/chosen"] for r in first] != pytest.approx([r["logps/chosen"] for r in second], abs=1e-3)


def test_dropout_is_off_by_default(tiny_dir, pairs_file, tmp_path):
    """A model with dropout (a tiny GPT-2, p = 0.3): with the default the policy at step 1 equals the precomputed
    reference (margins 0, as in TRL); with --disable-dropout false dropout makes them differ."""
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from sr_train.policy import disable_dropout

    tok = AutoTokenizer.from_pretrained(tiny_dir)
    cfg = GPT2Config(vocab_size=len(tok), n_positions=256, n_embd=32, n_layer=2, n_head=2, resid_pdrop=0.3,
                     embd_pdrop=0.3, attn_pdrop=0.3, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(cfg).train()
    ids = torch.tensor([tok("a b c d e").input_ids * 3])
    assert not torch.equal(model(ids).logits, model(ids).logits)  # dropout on in train mode
    folder = tmp_path / "gpt2"
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    assert disable_dropout(model) == 3 * 2 + 1  # per block: attention, its output, the MLP; plus the embeddings
    torch.testing.assert_close(model(ids).logits, model(ids).logits, rtol=0, atol=0)

    args = {"loss": "sr-dpo", "batch-size": 2, "max-steps": 1, "max-length": 96, "max-prompt-length": 48}
    ok(sr_train(common(folder, pairs_file, tmp_path / "off", **args)))
    ok(sr_train(common(folder, pairs_file, tmp_path / "on", **args, **{"disable-dropout": "false"})))
    off, on = metrics(tmp_path / "off")[0], metrics(tmp_path / "on")[0]
    assert off["rewards/margins"] == pytest.approx(0.0, abs=1e-5) and off["refine/delta"] == pytest.approx(0, abs=1e-5)
    assert abs(on["rewards/margins"]) > 1e-3


def test_metrics_of_a_short_last_step_cover_every_pair(tiny_dir, pairs_file, tmp_path):
    """7 pairs, batch 4 in micro-batches of 2: the second step has 3 pairs, and its logged means cover all 3
    (lr 1e-30, as lr must be > 0: RMSprop's steps of ~1e-29 are far below float32's resolution of the weights, so every
    step's logps/chosen is the starting model's, and the pair-weighted sum equals one full batch's)."""
    seven = tmp_path / "seven.jsonl"
    seven.write_text("".join(pairs_file.read_text().splitlines(keepends=True)[:7]))
    base = {"loss": "dpo", "learning-rate": 1e-30, "num-epochs": 1}
    ok(sr_train(common(tiny_dir, seven, tmp_path / "whole", **base, **{"batch-size": 7})))
    ok(sr_train(common(tiny_dir, seven, tmp_path / "split", **base, **{"batch-size": 4, "micro-batch-size": 2})))
    (whole,), split = metrics(tmp_path / "whole"), metrics(tmp_path / "split")
    assert [r["step"] for r in split] == [1, 2]
    total = 4 * split[0]["logps/chosen"] + 3 * split[1]["logps/chosen"]
    assert total == pytest.approx(7 * whole["logps/chosen"], rel=1e-5)


def test_odpo_pairs_without_a_score_gap_are_skipped_before_training(tiny_dir, pairs_file, tmp_path):
    rows = [json.loads(line) for line in pairs_file.read_text().splitlines()]
    for i, r in enumerate(rows):
        r["score_chosen"], r["score_rejected"] = {1: (5.0, 5.0), 4: (5.0 + 1e-9, 5.0)}.get(i, (8.0, 3.0))  # 4: 0 in float32
    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = {"loss": "odpo", "batch-size": 2, "max-steps": 1}
    ok(sr_train(common(tiny_dir, scored, tmp_path / "skip", **args)))
    report = json.loads((tmp_path / "skip" / "run_config.json").read_text())["data_report"]
    assert report["skipped"] == {"score_chosen not above score_rejected": 2}
    assert report["skipped_examples"]["score_chosen not above score_rejected"] == [2, 5]  # file lines of rows 1, 4
    assert report["rows_kept"] == len(rows) - 2
    strict = sr_train(common(tiny_dir, scored, tmp_path / "strict", **args, **{"on-bad-row": "error"}))
    assert strict.returncode == 2
    assert f"score_chosen > score_rejected; not so at {scored}:2 (2 lines in all: [2, 5])" in strict.stderr


def test_length_grouped_two_process_run_resumed_in_its_second_epoch(tiny_dir, pairs_file, tmp_path):
    """2-process DDP: resuming from a checkpoint inside epoch 2 (accelerate skips the trained batches through its
    own sampler wrappers) replays epoch 2's order: same losses and weights as the run that went straight on."""
    n_pairs = len(pairs_file.read_text().splitlines())
    steps_per_epoch = n_pairs // 2
    mid = steps_per_epoch + 1
    args = {"loss": "sr-dpo", "batch-size": 2, "max-steps": 2 * steps_per_epoch, "save-steps": mid,
            "group-by-length": "true"}
    # the straight run's mid checkpoint stands in for a killed run's: it keeps its optimizer state to resume from
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "straight", **args, **{"keep-optimizer-state": "true"}),
                nproc=2))
    resumed = tmp_path / "resumed"
    seed_resumed_run(tmp_path / "straight", resumed, mid)
    out = ok(sr_train(common(tiny_dir, pairs_file, resumed, **args), nproc=2))
    assert "resuming from" in out.stdout
    straight, again = metrics(tmp_path / "straight"), metrics(resumed)
    assert [r["step"] for r in again] == [r["step"] for r in straight]
    assert [r["logps/chosen"] for r in again] == pytest.approx([r["logps/chosen"] for r in straight], abs=1e-4)
    a = load_file(tmp_path / "straight" / "final" / "model.safetensors")
    b = load_file(resumed / "final" / "model.safetensors")
    for k in a:
        torch.testing.assert_close(b[k], a[k], rtol=0, atol=1e-5, msg=k)


def test_lora_checkpoints_are_plain_and_reference_is_base(tiny_dir, pairs_file, tmp_path):
    from transformers import AutoModelForCausalLM

    out = tmp_path / "lora"
    ok(sr_train(common(tiny_dir, pairs_file, out, loss="sr-dpo", lora="true", **{
        "batch-size": 4, "max-steps": 2, "save-steps": 2, "reference": "live", "lora-r": 4})))
    rows = metrics(out)
    assert rows[0]["rewards/margins"] == pytest.approx(0.0, abs=1e-5)  # step 1: policy == adapter-disabled ref
    merged = AutoModelForCausalLM.from_pretrained(out / "checkpoint-2" / "merged")
    final = AutoModelForCausalLM.from_pretrained(out / "final")
    base = AutoModelForCausalLM.from_pretrained(tiny_dir)
    sd_m, sd_f, sd_b = merged.state_dict(), final.state_dict(), base.state_dict()
    assert sd_m.keys() == sd_b.keys()
    assert all(torch.equal(sd_m[k], sd_f[k]) for k in sd_m)
    assert any(not torch.equal(sd_m[k], sd_b[k]) for k in sd_m)  # the adapters were merged in
    lean = tmp_path / "lean"  # --save-merged false: adapter checkpoints only, final/ still a merged plain model
    ok(sr_train(common(tiny_dir, pairs_file, lean, loss="sr-dpo", lora="true", **{
        "batch-size": 4, "max-steps": 2, "save-steps": 2, "reference": "live", "lora-r": 4, "save-merged": "false"})))
    assert (lean / "checkpoint-2" / "adapter_model.safetensors").is_file()
    assert not (lean / "checkpoint-2" / "merged").exists()
    lean_final = AutoModelForCausalLM.from_pretrained(lean / "final").state_dict()
    assert all(torch.equal(lean_final[k], sd_f[k]) for k in sd_f)  # same seed and data: the same merged model


def test_bradley_terry_reward_model(tiny_dir, pairs_file, tmp_path):
    """--loss bt trains a scalar reward head that learns to rank the training pairs; final/ is a plain seq-cls model."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from sr_train.collator import PairCollator
    from sr_train.data import load_pairs
    from sr_train.pairs import TokenizeSettings, tokenize_pairs
    from sr_train.reward import sequence_rewards

    out = tmp_path / "rm"
    ok(sr_train(common(tiny_dir, pairs_file, out, loss="bt", optimizer="adamw", **{
        "batch-size": 8, "max-steps": 30, "learning-rate": 3e-3})))
    rows = metrics(out)
    assert rows[-1]["loss"] < rows[0]["loss"] - 0.2 and rows[-1]["rewards/accuracies"] == 1.0
    model = AutoModelForSequenceClassification.from_pretrained(out / "final").eval()
    tok = AutoTokenizer.from_pretrained(out / "final")
    pairs, _ = load_pairs(str(pairs_file))
    batch = PairCollator(tok.pad_token_id)(tokenize_pairs(tok, pairs, TokenizeSettings(), progress=False))
    with torch.no_grad():
        rewards = sequence_rewards(model, batch["input_ids"], batch["attention_mask"])
    n = len(rewards) // 2
    assert (rewards[:n] > rewards[n:]).float().mean() == 1.0


def test_finished_run_drops_optimizer_state_unless_kept(tiny_dir, pairs_file, tmp_path):
    """Only resuming an unfinished run needs optimizer state (2x the model): a finished run drops it, keeps weights."""
    args = {"loss": "sr-dpo", "batch-size": 2, "max-steps": 4, "save-steps": 2}
    run = ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "run", **args)))
    assert "optimizer state dropped" in run.stdout
    for step in (2, 4):
        checkpoint = tmp_path / "run" / f"checkpoint-{step}"
        assert (checkpoint / "model.safetensors").is_file() and (checkpoint / "trainer_state.json").is_file()
        assert not list(checkpoint.glob("optimizer*"))
    weights = load_file(tmp_path / "run" / "final" / "model.safetensors")
    # the finished run run again: nothing to do (not even a resume), the same final weights
    again = ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "run", **args)))
    assert "holds this run, finished at step 4" in again.stdout and "resuming from" not in again.stdout
    for k, v in load_file(tmp_path / "run" / "final" / "model.safetensors").items():
        torch.testing.assert_close(v, weights[k], rtol=0, atol=0, msg=k)
    assert [r["step"] for r in metrics(tmp_path / "run")] == [1, 2, 3, 4]
    # an earlier checkpoint has steps left but no optimizer state: a clear error, not a silent fresh optimizer
    early = sr_train(common(tiny_dir, pairs_file, tmp_path / "run", **args, resume=tmp_path / "run" / "checkpoint-2"))
    assert early.returncode == 2 and "optimizer state was dropped" in early.stderr
    kept = ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "kept", **args, **{"keep-optimizer-state": "true"})))
    assert "optimizer state dropped" not in kept.stdout
    assert all((tmp_path / "kept" / f"checkpoint-{s}" / "optimizer.pt").is_file() for s in (2, 4))
