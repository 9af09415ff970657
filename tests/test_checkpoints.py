"""Model labels and run facts of sr-train folders, including LoRA runs' checkpoint-N/merged/."""

import json

import pytest

from bench.leaderboard.evaluate import checkpoints
from sr_train.artifacts.runs import RunFolderError as RunInfoError
from sr_train.artifacts.runs import model_label, run_info


def make_run(root, steps, merged=False):
    root.mkdir()
    (root / "run_config.json").write_text(json.dumps({"loss": "sr-ipo", "beta": 0.1, "lam": 0.3, "seed": 2,
                                                      "batch_size": 8, "model": "base-model"}))
    for step in steps:
        ckpt = root / f"checkpoint-{step}"
        ckpt.mkdir()
        (ckpt / "trainer_state.json").write_text(json.dumps({"global_step": step}))
        if merged:
            (ckpt / "merged").mkdir()
            (ckpt / "merged" / "config.json").write_text("{}")
    return root


def test_lora_checkpoints_use_merged_models(tmp_path):
    run = make_run(tmp_path / "lora-run", [4, 2], merged=True)
    found = checkpoints(str(run), with_base=False)
    assert [p for p, _ in found] == [str(run / "checkpoint-2" / "merged"), str(run / "checkpoint-4" / "merged")]
    assert [i["tuples_seen"] for _, i in found] == [16, 32]
    assert model_label(str(run / "checkpoint-4" / "merged")) == "lora-run/checkpoint-4"
    assert run_info(str(run / "checkpoint-4" / "merged")) == {
        "method": "sr-ipo", "beta": 0.1, "lambda": 0.3, "seed": 2, "batch_size": 8, "step": 4, "tuples_seen": 32}


def test_strict_run_info_names_the_missing_fact(tmp_path):
    run = make_run(tmp_path / "run", [3])
    cfg = json.loads((run / "run_config.json").read_text())
    del cfg["batch_size"]
    (run / "run_config.json").write_text(json.dumps(cfg))
    assert "tuples_seen" not in run_info(str(run / "checkpoint-3"))
    with pytest.raises(RunInfoError, match="batch_size"):
        run_info(str(run / "checkpoint-3"), strict=True)
