"""Issue 14 on real (tiny) runs: a non-finite step stops training before anything of it is saved, float16 full
fine-tuning is refused, and re-running the command of a finished run changes no file."""

import hashlib
from pathlib import Path

import pytest
import torch
from helpers.runs import common, metrics, ok, sr_train
from safetensors.torch import load_file

pytestmark = pytest.mark.slow  # every test here trains (sr-train runs) or starts processes


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder`: (sha256, mtime in ns)."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_non_finite_step_stops_training_and_nothing_non_finite_is_saved(tiny_dir, pairs_file, tmp_path):
    out = tmp_path / "nan"
    proc = sr_train(common(tiny_dir, pairs_file, out, loss="dpo", **{"batch-size": 2, "max-steps": 4,
                                                                    "save-steps": 1, "learning-rate": 1e30}))
    assert proc.returncode == 2
    said = [line for line in proc.stderr.splitlines() if line.startswith("sr-train:")]
    assert len(said) == 1 and said[0].startswith("sr-train: training stopped at step 2: non-finite loss")
    assert "Traceback" not in proc.stderr
    assert not (out / "final").exists() and [r["step"] for r in metrics(out)] == [1]
    saved = sorted(out.glob("checkpoint-*"))
    assert [p.name for p in saved] == ["checkpoint-1"]
    for tensor in load_file(saved[0] / "model.safetensors").values():
        assert torch.isfinite(tensor).all()


def test_float16_full_fine_tuning_is_refused(tiny_dir, pairs_file, tmp_path):
    out = tmp_path / "fp16"
    proc = sr_train(common(tiny_dir, pairs_file, out, loss="dpo", dtype="float16", **{"max-steps": 2}))
    assert proc.returncode == 2 and "dtype float16 with full fine-tuning is refused" in proc.stderr
    assert not out.exists()


def test_rerunning_a_finished_run_changes_no_file(tiny_dir, pairs_file, tmp_path):
    """8 pairs, batch 2: max_steps 3 stops mid-epoch; num_epochs 1 (4 steps) ends at the epoch boundary."""
    for name, length in (("mid-epoch", {"max-steps": 3}), ("epoch-end", {"num-epochs": 1})):
        out = tmp_path / name
        args = common(tiny_dir, pairs_file, out, loss="dpo", **{"batch-size": 2, "save-steps": 2, **length})
        ok(sr_train(args))
        before = snapshot(out)
        again = ok(sr_train(args))
        assert snapshot(out) == before, name
        assert f"{out} holds this run, finished at step {3 if name == 'mid-epoch' else 4}" in again.stdout
        if name == "mid-epoch":
            longer = sr_train([*args, "--max-steps", "6"])
            assert longer.returncode == 2 and snapshot(out) == before
            assert f"{out} holds a finished run (max_steps 3 there, 6 now)" in longer.stderr
            assert "does not extend a finished run" in longer.stderr
