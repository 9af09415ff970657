"""End to end on CPU: two SmolLM2-135M-Instruct variants answer our questions, a reward model trained with
`sr-train --loss bt` judges them, tidy records are written."""

import json
import shutil

import pytest
from helpers.runs import ok, sr_train

from bench.records import load_records
from bench.winrate.generate import generate_answers


@pytest.mark.slow
def test_two_variants_judged_by_trained_reward_model(smollm2_dir, pairs_file, tmp_path):
    base = ["--model", str(smollm2_dir), "--data", str(pairs_file), "--batch-size", "2", "--max-steps", "2",
            "--warmup-steps", "0", "--max-length", "96", "--max-prompt-length", "48",
            "--ref-cache-dir", str(tmp_path / "ref")]
    ok(sr_train(base + ["--loss", "sr-dpo", "--learning-rate", "1e-4", "--optimizer", "adamw",
                        "--output-dir", str(tmp_path / "sr-dpo")], timeout=600))
    for checkpoint in (tmp_path / "sr-dpo").glob("checkpoint-*"):  # only final/ is used: keep the test's disk small
        shutil.rmtree(checkpoint)
    ok(sr_train(base + ["--loss", "bt", "--learning-rate", "1e-4", "--optimizer", "adamw",
                        "--output-dir", str(tmp_path / "rm")], timeout=600))

    answers = {}
    for name, model in [("base", smollm2_dir), ("sr-dpo", tmp_path / "sr-dpo" / "final")]:
        answers[name] = generate_answers(str(model), "sr-questions", tmp_path / f"{name}.jsonl", max_new_tokens=20,
                                         limit=3, batch_size=3, model_name=name, progress=False)
        rows = [json.loads(line) for line in answers[name].read_text().splitlines()]
        assert len(rows) == 3 and all(r["answers"] and all(a.strip() for a in r["answers"]) for r in rows)

    from bench.winrate.pairwise import pairwise

    out = tmp_path / "results" / "e2e"
    result = pairwise(answers["sr-dpo"], answers["base"], f"rm:{tmp_path / 'rm' / 'final'}", out=out,
                      method_a="sr-dpo", method_b="base", judge_options={"tie_margin": 0.0, "progress": False})
    records = load_records(out)
    rates = {r["metric"]: r["value"] for r in records if r["metric"] in ("win", "tie", "lose")}
    assert set(rates) == {"win", "tie", "lose"} and sum(rates.values()) == pytest.approx(1.0)
    assert all(r["method"] == "sr-dpo" and r["extra"]["opponent"] == "base" for r in records if r["metric"] == "win")
    assert all(r["judge"].startswith("rm:") and r["n"] >= 3 for r in records if r["metric"] == "win")
    assert result.summary.rates["win"].value == pytest.approx(rates["win"])
