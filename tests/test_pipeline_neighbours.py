"""The pipeline with the methods the paper is read beside (issue 18), on a tiny Llama: H-DPO, UP-DPO (its ensemble
built by the uncertainty stage), SPO and an ExPO sweep beside DPO and Sr-DPO, scored by the leaderboard and win-rate
stages and shown in the report; a second run skips every stage but the report."""

import json
from pathlib import Path

import pytest
import yaml

from bench.pipeline.config import PipelineError, load_config
from bench.pipeline.stages import run_pipeline
from bench.records import load_records

METHODS = {"dpo": {"loss": "dpo"}, "sr-dpo": {"loss": "sr-dpo"}, "hdpo": {"loss": "hdpo", "hdpo_alpha": 0.8},
           "up-dpo": {"loss": "updpo", "up_gamma": 2.0}, "spo": {"loss": "dpo", "spo_weight": 0.5}}
EXPO = ("dpo-expo0.5", "dpo-expo1")


def write_config(tmp_path: Path, model: Path, data: Path, **over) -> Path:
    small = {"batch_size": 2, "max_steps": 1, "warmup_steps": 0, "optimizer": "adamw", "learning_rate": 1e-2,
             "max_length": 64, "max_prompt_length": 32, "save_steps": 1000, "bf16": "false"}
    cfg = {
        "name": "neighbours", "model": str(model), "runs_dir": str(tmp_path / "runs"),
        "results_dir": str(tmp_path / "results"), "reports_dir": str(tmp_path / "reports"),
        "train": {"data": str(data), **small, "ref_cache_dir": str(tmp_path / "ref"), "seed": 0},
        "methods": METHODS,
        "reward_model": {"data": str(data), **small, "batch_size": 4},
        "uncertainty": {"members": 2, "resample": "bootstrap", "kind": "margin_std"},
        "expo": {"methods": ["dpo"], "alphas": [0.5, 1.0]},
        "leaderboard": {"tasks": "winogrande", "limit": 1, "batch_size": "2", "dtype": "float32", "device": "cpu"},
        "winrate": {"limit": 2, "max_new_tokens": 3, "batch_size": 2, "dtype": "float32", "n_boot": 20},
    }
    cfg.update(over)
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


@pytest.mark.slow
def test_neighbour_methods_beside_dpo_and_sr_dpo(tiny_dir, pairs_file, tmp_path, capsys):
    cfg = load_config(write_config(tmp_path, tiny_dir, pairs_file))
    runs, results, reports = tmp_path / "runs", tmp_path / "results", tmp_path / "reports"
    timings = run_pipeline(cfg)
    assert list(timings) == ["uncertainty", "train", "reward-model", "expo", "leaderboard", "generate", "judge",
                             "report"] and all(t["ran"] for t in timings.values())

    # UP-DPO: two bootstrap members (their own resamples), the column written, the up-dpo run trained on it
    resamples = [(runs / "uncertainty" / f"member-{k}.data.jsonl").read_text() for k in range(2)]
    assert resamples[0] != resamples[1] and all(len(r.splitlines()) == 8 for r in resamples)
    rows = [json.loads(line) for line in (runs / "uncertainty" / "pairs.jsonl").read_text().splitlines()]
    assert len(rows) == 8 and all(r["uncertainty"] >= 0 for r in rows) and any(r["uncertainty"] > 0 for r in rows)
    facts = json.loads((runs / "uncertainty" / "pairs.jsonl.json").read_text())
    assert len(facts["members"]) == 2 and facts["pipeline_inputs"]["kind"] == "margin_std"
    up = json.loads((runs / "up-dpo" / "run_config.json").read_text())
    assert up["loss"] == "updpo" and up["data"] == str(runs / "uncertainty" / "pairs.jsonl")
    # H-DPO and SPO trained as configured; SPO's auxiliary loss in its log
    assert json.loads((runs / "hdpo" / "run_config.json").read_text())["hdpo_alpha"] == 0.8
    spo_log = [json.loads(line) for line in (runs / "spo" / "metrics.jsonl").read_text().splitlines()]
    assert all(r["loss/spo"] > 0 for r in spo_log)
    # ExPO: two extrapolated models, saying which alpha and models made them; their records carry alpha
    for name, alpha in zip(EXPO, (0.5, 1.0)):
        made = json.loads((runs / "expo" / name / "expo.json").read_text())
        assert made["alpha"] == alpha and made["aligned"] == str(runs / "dpo" / "final")
    lb = {(r["run"], r["task"]): r for r in load_records(results / "leaderboard")}
    everyone = {"base", *METHODS, *EXPO}
    assert {run for run, _ in lb} == everyone
    assert [lb[n, "winogrande"]["settings"]["expo_alpha"] for n in EXPO] == [0.5, 1.0]
    assert "expo_alpha" not in lb["dpo", "winogrande"].get("settings", {})
    wins = {(r["method"], r["extra"]["opponent"]): r for r in load_records(results / "winrate") if r["metric"] == "win"}
    assert {(m, "base") for m in (*METHODS, *EXPO)} | {("dpo-expo0.5", "dpo"), ("dpo-expo1", "dpo")} <= set(wins)
    assert wins["dpo-expo1", "base"]["settings"]["expo_alpha"] == 1.0

    # the report shows every method beside DPO / Sr-DPO, what makes each one, and the sweep by alpha
    readme = (reports / "README.md").read_text()
    summary, methods, expo = ((reports / f).read_text() for f in ("summary.md", "methods.md", "expo.md"))
    assert summary in readme and methods in readme and expo in readme
    for run in everyone:
        assert f"| {run} |" in summary, run
    assert "| hdpo | hdpo | β 0.1, hdpo_alpha 0.8 | H-DPO, arXiv 2411.07595 |" in methods
    assert "| up-dpo | updpo | β 0.1, up_penalty scale, up_gamma 2, uncertainty from the 2-member ensemble" in methods
    assert "SPO weight 0.5" in methods and "arXiv 2409.17791" in methods
    assert "| dpo-expo0.5 | dpo + ExPO α=0.5 |" in summary and "ExPO, arXiv 2404.16792" in methods
    sweep = [line.split(" | ")[1] for line in expo.splitlines()[2:]]
    assert sweep == ["0", "0.5", "1"]
    capsys.readouterr()

    # run again: every stage but the report is skipped, the ExPO models and the ensemble are kept
    stamp = (runs / "expo" / EXPO[0] / "model.safetensors").stat().st_mtime_ns
    again = run_pipeline(load_config(write_config(tmp_path, tiny_dir, pairs_file)))
    assert {k: v["ran"] for k, v in again.items()} == {**{k: False for k in timings}, "report": True}
    assert (runs / "expo" / EXPO[0] / "model.safetensors").stat().st_mtime_ns == stamp

    # another alpha list: only the new model is made
    config = write_config(tmp_path, tiny_dir, pairs_file, expo={"methods": ["dpo"], "alphas": [0.5, 1.0, 2.0]})
    assert run_pipeline(load_config(config), ["expo"])["expo"]["ran"]
    assert json.loads((runs / "expo" / "dpo-expo2" / "expo.json").read_text())["alpha"] == 2.0
    assert (runs / "expo" / EXPO[0] / "model.safetensors").stat().st_mtime_ns == stamp


def test_neighbour_sections_are_checked(tiny_dir, pairs_file, tmp_path):
    bad = {"uncertainty": {"members": 1}}
    with pytest.raises(PipelineError, match=r"uncertainty.members must be an integer >= 2"):
        load_config(write_config(tmp_path, tiny_dir, pairs_file, **bad))
    with pytest.raises(PipelineError, match=r"expo.methods must name trained methods"):
        load_config(write_config(tmp_path, tiny_dir, pairs_file, expo={"methods": ["ipo"], "alphas": [0.5]}))
    with pytest.raises(PipelineError, match=r"methods.up-dpo: loss updpo needs an uncertainty column"):
        load_config(write_config(tmp_path, tiny_dir, pairs_file, uncertainty=None))
    with pytest.raises(PipelineError, match=r"unknown key\(s\) in 'expo': alpha"):
        load_config(write_config(tmp_path, tiny_dir, pairs_file, expo={"methods": ["dpo"], "alpha": [1]}))
    cfg = load_config(write_config(tmp_path, tiny_dir, pairs_file))
    with pytest.raises(PipelineError, match=r"expo: dpo is not trained"):
        run_pipeline(cfg, ["expo"])
    with pytest.raises(PipelineError, match=r"needs the ensemble's data .*run the uncertainty stage first"):
        run_pipeline(cfg, ["train"])
