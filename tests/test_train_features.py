"""sr-train runs (one process, tiny model) of the TRL-parity features: per-pair weights, composite losses with their
components logged."""

import json

import pytest
from helpers.runs import common, metrics, ok, sr_train

pytestmark = pytest.mark.slow  # every test here trains (sr-train runs) or starts processes


def test_weight_column_scales_each_pair_after_normalising_to_mean_one(tiny_dir, pairs_file, tmp_path):
    """One step, one batch: pair 0 weighted 0 and the rest 1 (normalised to 8/7) logs the loss of the 7 other pairs."""
    rows = [json.loads(line) for line in pairs_file.read_text().splitlines()]
    weighted, seven = tmp_path / "weighted.jsonl", tmp_path / "seven.jsonl"
    weighted.write_text("".join(json.dumps({**r, "weight": 0 if i == 0 else 1}) + "\n" for i, r in enumerate(rows)))
    seven.write_text("".join(json.dumps(r) + "\n" for r in rows[1:]))
    base = {"loss": "dpo", "learning-rate": 1e-30, "max-steps": 1}  # step 1 logs the loss before any update
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


def test_ld_dpo_caches_its_reference_tails_under_its_own_key_and_diagnostics_are_logged(tiny_dir, pairs_file,
                                                                                         tmp_path):
    base = {"loss": "dpo", "batch-size": 4, "max-steps": 2}
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "plain", **base)))
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "ld", **base, **{"ld-alpha": 0.5, "use-weighting": "true",
                                                                           "token-stats": "true"})))
    from safetensors.torch import load_file

    caches = sorted((tmp_path / "refcache").glob("*.safetensors"), key=lambda p: len(load_file(str(p))))
    assert len(caches) == 2 and "ref_chosen_tail" in load_file(str(caches[1]))
    rows = metrics(tmp_path / "ld")
    for r in rows:
        assert 0 < r["entropy"] and 0 <= r["mean_token_accuracy"] <= 1 and "logits/chosen" in r
    assert rows[1]["num_tokens"] > rows[0]["num_tokens"] > 0
