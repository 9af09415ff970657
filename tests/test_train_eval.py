"""sr-train runs (one process, tiny model) with held-out pairs: eval_* metrics at --eval-steps, their reference
log-probs cached once; --report-to tensorboard."""

import json
import math

import pytest
from helpers.runs import common, metrics, ok, sr_train

pytestmark = pytest.mark.slow  # every test here trains (sr-train runs) or starts processes


def test_eval_split_logged_at_eval_steps_with_its_reference_cached_once(tiny_dir, pairs_file, tmp_path):
    rows = pairs_file.read_text().splitlines()
    held_out = tmp_path / "held_out.jsonl"
    held_out.write_text("\n".join(rows[:3]) + "\n")
    base = {"loss": "sr-dpo", "batch-size": 2, "max-steps": 4, "eval-data": held_out, "eval-steps": 2}
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "a", **base)))
    lines = metrics(tmp_path / "a")
    train, evals = [r for r in lines if "loss" in r], [r for r in lines if "eval_loss" in r]
    assert [r["step"] for r in train] == [1, 2, 3, 4] and [r["step"] for r in evals] == [2, 4]
    for r in evals:
        assert not any(k in r for k in ("loss", "rewards/margins"))
        assert 0 <= r["eval_rewards/accuracies"] <= 1 and math.isfinite(r["eval_refine/marginal"])
        assert "eval_refine/delta" in r and r["tuples_seen"] == r["step"] * 2
    assert evals[0]["eval_loss"] != evals[1]["eval_loss"]  # the policy moved between the evaluations
    config = json.loads((tmp_path / "a" / "run_config.json").read_text())
    assert config["num_eval_pairs"] == 3 and config["eval_reference_cached"] is False
    caches = sorted((tmp_path / "refcache").glob("*.safetensors"))
    assert len(caches) == 2  # the training pairs' and the held-out pairs'

    # lr ~0: the policy stays its reference, so every held-out margin is 0 and the loss ln 2; the cache is reused
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "b", **{**base, "learning-rate": 1e-12})))
    config = json.loads((tmp_path / "b" / "run_config.json").read_text())
    assert config["reference_cached"] is True and config["eval_reference_cached"] is True
    assert sorted((tmp_path / "refcache").glob("*.safetensors")) == caches
    for r in (r for r in metrics(tmp_path / "b") if "eval_loss" in r):
        assert r["eval_loss"] == pytest.approx(math.log(2), abs=1e-5)
        assert r["eval_refine/marginal"] == pytest.approx(0, abs=1e-4)


def test_report_to_tensorboard_writes_event_files(tiny_dir, pairs_file, tmp_path):
    out = tmp_path / "tb"
    ok(sr_train(common(tiny_dir, pairs_file, out, loss="dpo", **{"batch-size": 4, "max-steps": 2,
                                                                  "report-to": "tensorboard"})))
    events = list(out.rglob("events.out.tfevents.*"))
    assert events and all(e.stat().st_size > 0 for e in events)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(events[0].parent))
    acc.Reload()
    assert [e.step for e in acc.Scalars("train/rewards/margins")] == [1, 2]


def test_report_to_rejects_unknown_trackers_and_defaults_to_none(tmp_path):
    from sr_train.arguments import training_arguments
    from sr_train.config import ConfigError, TrainConfig

    with pytest.raises(ConfigError, match="report_to: unknown tracker 'notatracker'"):
        TrainConfig(model="m", data="d.jsonl", report_to="tensorboard,notatracker").validate()
    cfg = TrainConfig(model="m", data="d.jsonl", output_dir=str(tmp_path)).validate()
    assert training_arguments(cfg, 1, 1).report_to == []  # default: no tracker
    cfg = TrainConfig(model="m", data="d.jsonl", output_dir=str(tmp_path), report_to="none,tensorboard").validate()
    assert training_arguments(cfg, 1, 1).report_to == ["tensorboard"]


@pytest.mark.parametrize("fields, message", [
    ({"eval_split": "train"}, "eval_split 'train' is the training split"),
    ({"eval_steps": 5}, "eval_steps needs held-out pairs"),
    ({"eval_data": "held.jsonl", "eval_steps": 0}, "eval_steps must be >= 1, got 0"),
    ({"eval_data": "held.jsonl", "loss": "bt"}, "evaluation during training is for the preference losses, not bt"),
])
def test_eval_settings_that_cannot_work_are_config_errors(fields, message):
    from sr_train.config import ConfigError, TrainConfig

    with pytest.raises(ConfigError, match=message):
        TrainConfig(model="m", data="d.jsonl", **fields).validate()


def test_eval_split_of_a_json_file_is_refused_naming_the_file(tiny_dir, pairs_file, tmp_path):
    proc = sr_train(common(tiny_dir, pairs_file, tmp_path / "x", loss="dpo", **{"eval-split": "test"}))
    assert proc.returncode == 2 and f"{pairs_file} is a JSON file (or folder) without splits" in proc.stderr
