"""sr-train runs (one process, tiny model) of the TRL-parity features: per-pair weights, composite losses with their
components logged."""

import json

import pytest
from test_train_runs import common, metrics, ok, sr_train


def test_weight_column_scales_each_pair_after_normalising_to_mean_one(tiny_dir, pairs_file, tmp_path):
    """lr 0, one batch: pair 0 weighted 0 and the rest 1 (normalised to 8/7) logs the loss of the 7 other pairs."""
    rows = [json.loads(line) for line in pairs_file.read_text().splitlines()]
    weighted, seven = tmp_path / "weighted.jsonl", tmp_path / "seven.jsonl"
    weighted.write_text("".join(json.dumps({**r, "weight": 0 if i == 0 else 1}) + "\n" for i, r in enumerate(rows)))
    seven.write_text("".join(json.dumps(r) + "\n" for r in rows[1:]))
    base = {"loss": "dpo", "learning-rate": 0.0, "max-steps": 1}
    ok(sr_train(common(tiny_dir, weighted, tmp_path / "w", **base, **{"batch-size": 8})))
    ok(sr_train(common(tiny_dir, seven, tmp_path / "s", **base, **{"batch-size": 7})))
    (w,), (s,) = metrics(tmp_path / "w"), metrics(tmp_path / "s")
    assert w["loss"] == pytest.approx(s["loss"], rel=1e-5)
    report = json.loads((tmp_path / "w" / "run_config.json").read_text())["data_report"]
    assert report["weights"]["rows_with_weight"] == 8 and report["weights"]["zero_weight"] == 1
    assert report["weights"]["raw_mean"] == pytest.approx(7 / 8)


def test_composite_loss_logs_each_component(tiny_dir, pairs_file, tmp_path):
    out = tmp_path / "rpo"
    ok(sr_train(common(tiny_dir, pairs_file, out, loss="rpo", **{"loss-weights": "1,0.5", "batch-size": 8,
                                                                  "max-steps": 2})))
    for r in metrics(out):
        assert r["loss"] == pytest.approx(r["loss/dpo"] + 0.5 * r["loss/sft_batch"], rel=1e-5)
        assert r["loss/sft_batch"] > 0
