"""The science evaluation on a real tiny sr-train run (LoRA, `save_merged: false`: adapter-only checkpoint-N/,
merged final/): accuracy and margins load the adapters, the step-0 check, training curves and wall time from the
run's logs, per-item WinoGrande through real lm-eval, and the report's new sections."""

from __future__ import annotations

import json
import time

import pytest

from bench.cli import main
from bench.leaderboard.evaluate import raw_path
from bench.leaderboard.records import item_values
from bench.science import claims, winogrande
from bench.science.loglik import evaluate_loglik
from bench.science.margins import evaluate_margins
from bench.science.models import describe, select
from bench.science.render import END, START
from bench.science.store import read_results
from bench.science.training import wall_time
from tests.test_science_eval import ITEMS, save_model, write_items
from tests.test_train_runs import common, ok, sr_train
from tests.tiny import write_pairs


@pytest.fixture(scope="module")
def lora_run(tmp_path_factory):
    """sr-dpo, LoRA, 4 steps of batch 4, checkpoints at 2 and 4 holding adapters only; (runs folder, run, seconds
    the whole sr-train process took)."""
    root = tmp_path_factory.mktemp("science-runs")
    start = save_model(root / "start", seed=0)
    run = root / "runs" / "sr-dpo-s0"
    began = time.monotonic()
    ok(sr_train(common(start, write_pairs(root / "pairs.jsonl"), run, loss="sr-dpo", lora="true", **{
        "batch-size": 4, "max-steps": 4, "save-steps": 2, "lora-r": 4, "save-merged": "false", "lam": 0.5})))
    return root / "runs", run, time.monotonic() - began


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SR_ALIGN_CACHE", str(tmp_path / "cache"))


def pairs_file(path):
    pairs = [{"id": f"p{i}", "question_id": f"q{i // 3}", "prompt": it["question"], "chosen": it["options"][0],
              "rejected": it["options"][1], "score_chosen": 10.0, "score_rejected": 7.0 - i}
             for i, it in enumerate(ITEMS * 2)]
    path.write_text("".join(json.dumps(p) + "\n" for p in pairs), encoding="utf-8")
    return path


@pytest.mark.slow
def test_adapter_only_checkpoints_score_as_their_merged_model(lora_run, tmp_path):
    runs_dir, run, _ = lora_run
    assert (run / "checkpoint-4" / "adapter_model.safetensors").is_file()
    assert not (run / "checkpoint-4" / "config.json").exists() and not (run / "checkpoint-4" / "merged").exists()
    models = {m.label: m for m in select(runs=["sr-dpo-s0"], runs_dir=str(runs_dir), checkpoints=[2, 4])}
    assert models["sr-dpo-s0/checkpoint-4"].base is not None and models["sr-dpo-s0/final"].base is None
    items, out = write_items(tmp_path / "i.jsonl"), tmp_path / "out"
    def flat(em):
        return [lp for r in evaluate_loglik(em, items, out, bf16="false") for lp in r["extra"]["logps"]]

    logps = {label: flat(m) for label, m in models.items()}
    base = flat(describe(str(run.parent.parent / "start")))
    # checkpoint-4 is the last step: the adapter on the starting model scores as the merged final/ model
    assert logps["sr-dpo-s0/checkpoint-4"] == pytest.approx(logps["sr-dpo-s0/final"], abs=1e-4)
    assert logps["sr-dpo-s0/checkpoint-2"] != pytest.approx(logps["sr-dpo-s0/final"], abs=1e-3)
    assert logps["sr-dpo-s0/checkpoint-2"] != pytest.approx(base, abs=1e-3)  # the adapter is applied
    pairs = pairs_file(tmp_path / "pairs.jsonl")
    h = {label: evaluate_margins(m, pairs, out, questions=2) for label, m in models.items()}
    for a, b in zip(h["sr-dpo-s0/checkpoint-4"], h["sr-dpo-s0/final"]):
        assert (a["value"], a["extra"]["h_p"]) == pytest.approx((b["value"], b["extra"]["h_p"]), abs=1e-4)
    assert any(abs(r["value"]) > 1e-3 for r in h["sr-dpo-s0/checkpoint-2"])
    assert {r["step"] for r in h["sr-dpo-s0/checkpoint-2"]} == {2}


@pytest.mark.slow
def test_step_zero_training_logs_and_report_through_the_cli(lora_run, tmp_path, capsys):
    runs_dir, run, seconds = lora_run
    out, pairs = tmp_path / "results", pairs_file(tmp_path / "pairs.jsonl")
    common_args = ["--runs", "sr-dpo-s0", "--runs-dir", str(runs_dir), "--out", str(out)]
    assert main(["science", "margins", "--pairs", str(pairs), "--questions", "2", "--checkpoints", "0,2",
                 *common_args]) == 0
    zero = read_results(out / "heldout_margins" / "sr-dpo-s0__step-0.jsonl")
    assert len(zero) == 6 and all(r["value"] == 0.0 and r["extra"]["h_p"] == 0.0 for r in zero)
    assert {(r["step"], r["method"], r["lambda"]) for r in zero} == {(0, "sr-dpo", 0.5)}
    assert main(["science", "training", *common_args]) == 0
    assert "4 logged steps (finished)" in capsys.readouterr().out
    rows = read_results(out / "training" / "sr-dpo-s0.jsonl")
    logged = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    h = {r["step"]: r["value"] for r in rows if r["metric"] == "refine/marginal"}
    assert h == {r["step"]: r["refine/marginal"] for r in logged} and len(h) == 4
    assert sorted(r["step"] for r in rows if r["metric"] == "refine/margin_aug") == [1, 2, 3, 4]
    (wall,) = [r for r in rows if r["metric"] == "wall_seconds"]
    assert 0 < wall["value"] < seconds and wall["extra"]["starts"] == 1 and wall["step"] == 4
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{START}\n{END}\nkept\n", encoding="utf-8")
    assert main(["science", "report", "--out", str(out), "--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert "| sr-dpo-s0/step-0 | 6 | 0 | 0 | yes |" in text
    assert f"in {int(h[1] == 0.0)} of 1 runs; sr-dpo-s0 {h[1]:.3g}." in text  # the log's step 1, before an update
    assert f"| sr-dpo-s0 | 4 | {h[1]:.2f} → {h[4]:.2f} |" in text
    assert f"| sr-dpo | 1 | {wall['value']:.1f} |" in text and text.endswith(f"{END}\nkept\n")
    assert "C6: not yet run" in text


def test_wall_time_adds_the_windows_of_each_trainer_start():
    rows = [{"step": 1, "num_tokens": 100, "perf/tokens_per_s": 50.0},   # 2 s (the first window)
            {"step": 2, "num_tokens": 160, "perf/tokens_per_s": 30.0},   # 60 tokens: 2 s
            {"step": 2, "eval_loss": 0.5},                               # an evaluation line: no window
            {"step": 3, "num_tokens": 40, "perf/tokens_per_s": 10.0},    # resumed: the counter restarts, 4 s
            {"step": 4, "num_tokens": 100, "perf/tokens_per_s": 60.0}]   # 1 s
    assert wall_time(rows) == {"seconds": 9.0, "starts": 2, "steps": 4, "tokens": 260}


@pytest.mark.slow
def test_winogrande_items_through_lm_eval(tmp_path, monkeypatch, capsys):
    folder = save_model(tmp_path / "runs" / "dpo-s0" / "final", seed=2)
    out, cache = tmp_path / "results", tmp_path / "lb-cache"
    args = ["science", "winogrande", "--model", str(folder), "--limit", "5", "--out", str(out), "--cache-dir",
            str(cache), "--batch-size", "4"]
    assert main(args) == 0
    assert "dpo-s0/final: WinoGrande acc" in capsys.readouterr().out
    rows = read_results(out / "winogrande_items" / "dpo-s0__final.jsonl")
    raw_file = raw_path(out / "leaderboard", "dpo-s0/final", "winogrande")
    raw = json.loads(raw_file.read_text(encoding="utf-8"))
    assert [(r["extra"]["item"], r["value"]) for r in rows] == [(i["item"], i["value"])
                                                                for i in item_values(raw, str(raw_file))]
    assert [r["extra"]["item"] for r in rows] == ["0", "1", "2", "3", "4"] and {r["run"] for r in rows} == {
        "dpo-s0/final"}
    assert raw["sr_bench"]["num_fewshot"] == 5 and raw["sr_bench"]["limit"] == 5
    assert sum(r["value"] for r in rows) / 5 == pytest.approx(raw["results"][raw["sr_bench"]["lm_task"]]["acc,none"])
    res = claims.Results(out)
    assert res.has(claims.WINOGRANDE, "dpo-s0/final")
    c6 = claims.noninferiority_claim(res)
    lacking = c6.note.split(" for ", 1)[1].split(", ")
    assert c6.status == claims.NOT_RUN and "dpo-s0/final" not in lacking and "dpo-s1/final" in lacking
    monkeypatch.setattr(winogrande, "run_leaderboard", lambda req: pytest.fail("scored again"))
    assert main(args) == 0  # the file with the current key is complete: nothing runs
    adapter = tmp_path / "runs" / "dpo-s0" / "checkpoint-2"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}", encoding="utf-8")
    (tmp_path / "runs" / "dpo-s0" / "run_config.json").write_text(json.dumps({"model": str(folder)}))
    assert main(["science", "winogrande", "--model", str(adapter), "--out", str(out)]) == 2
    assert "adapter-only checkpoint" in capsys.readouterr().err


def test_an_unfinished_run_renders_as_such(tmp_path):
    from bench.science import render
    from bench.science.training import collect_training

    run = tmp_path / "runs" / "dpo-s1"
    run.mkdir(parents=True)
    (run / "run_config.json").write_text(json.dumps({"loss": "dpo", "beta": 0.1, "seed": 1, "batch_size": 8}))
    (run / "metrics.jsonl").write_text("".join(json.dumps(
        {"step": s, "loss": 0.69, "refine/marginal": 0.5 * s, "rewards/accuracies": 0.25 * s, "num_tokens": 100 * s,
         "perf/tokens_per_s": 50.0, "tuples_seen": 8 * s}) + "\n" for s in (1, 2)))
    collect_training(run, tmp_path / "out")
    text = render.render(claims.analyse(tmp_path / "out"), stamp="now")
    assert "| dpo-s1 (unfinished) | 2 | 0.50 → 1.00 | – | 25 → 50 |" in text
    assert "not yet run (unfinished: dpo-s1)." in text  # no wall time for a run still training
    assert "h exactly 0 in 0 of 1 runs; dpo-s1 0.5." in text
