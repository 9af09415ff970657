"""ExPO model extrapolation (`sr-bench expo`): full and LoRA-merged checkpoints, alpha = 0 and linearity."""

import json
from pathlib import Path

import pytest
import torch
from peft import LoraConfig, get_peft_model
from tiny import save_tiny, tiny_model, tiny_tokenizer

from bench.cli import main
from sr_train.artifacts.extrapolate import EXPO_FILE, ExtrapolationError, extrapolate, load_tensors


def expected(aligned: dict, start: dict, alpha: float) -> dict:
    return {k: a + alpha * (a - start[k]) for k, a in aligned.items()}


def test_full_checkpoints_alpha_zero_and_linearity(tmp_path):
    start, aligned = save_tiny(tmp_path / "start", seed=1), save_tiny(tmp_path / "aligned", seed=2)
    a, s = load_tensors(aligned), load_tensors(start)
    outs = {}
    for alpha in (0.0, 0.5, 1.0, -0.5):
        extrapolate(aligned, start, alpha, tmp_path / f"x{alpha}")
        outs[alpha] = load_tensors(tmp_path / f"x{alpha}")
    assert set(outs[0.0]) == set(a)
    for name in a:  # alpha = 0: the aligned weights, value for value
        assert torch.equal(outs[0.0][name], a[name]), name
    for alpha in (0.5, 1.0, -0.5):
        want = expected(a, s, alpha)
        for name in a:
            torch.testing.assert_close(outs[alpha][name], want[name], msg=name)
    for name in a:  # linear in alpha: equal steps in alpha give equal steps in the weights
        torch.testing.assert_close(outs[1.0][name] - outs[0.5][name], outs[0.5][name] - outs[0.0][name], msg=name)
    assert any(not torch.equal(outs[1.0][n], a[n]) for n in a)
    facts = json.loads((tmp_path / "x0.5" / EXPO_FILE).read_text())
    assert facts["alpha"] == 0.5 and facts["aligned"] == str(aligned) and facts["start"] == str(start)
    assert facts["aligned_weights"] and facts["start_weights"] != facts["aligned_weights"]
    assert (tmp_path / "x0.5" / "config.json").is_file() and (tmp_path / "x0.5" / "tokenizer.json").is_file()


def lora_run(tmp_path: Path) -> tuple[Path, Path]:
    """A LoRA run as sr-train leaves it: checkpoint-3/merged/ holds the merged plain model; the run records its
    starting model."""
    start = save_tiny(tmp_path / "start", seed=1)
    tok = tiny_tokenizer()
    torch.manual_seed(0)
    model = get_peft_model(tiny_model(len(tok), seed=1), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj",
                                                                                                       "v_proj"]))
    for n, p in model.named_parameters():  # B starts at zero: move it, as training would
        if "lora_B" in n:
            torch.nn.init.normal_(p, std=0.5)
    run = tmp_path / "lora-run"
    merged = run / "checkpoint-3" / "merged"
    model.merge_and_unload().save_pretrained(merged, safe_serialization=True)
    tok.save_pretrained(merged)
    (run / "run_config.json").write_text(json.dumps({"loss": "dpo", "model": str(start), "lora": True}))
    (run / "metrics.jsonl").write_text("")
    return run, start


def test_lora_merged_checkpoint_through_the_cli(tmp_path, capsys):
    run, start = lora_run(tmp_path)
    out = tmp_path / "expo"
    assert main(["expo", str(run / "checkpoint-3"), "--alpha", "0", "2", "--out", str(out)]) == 0
    a, s = load_tensors(run / "checkpoint-3" / "merged"), load_tensors(start)
    zero, two = load_tensors(out / "alpha-0"), load_tensors(out / "alpha-2")
    changed = [n for n in a if not torch.equal(a[n], s[n])]
    assert changed and all("q_proj" in n or "v_proj" in n for n in changed)  # only the LoRA-adapted weights moved
    for name in a:
        assert torch.equal(zero[name], a[name]), name
        torch.testing.assert_close(two[name], a[name] + 2 * (a[name] - s[name]), msg=name)
    facts = json.loads((out / "alpha-2" / EXPO_FILE).read_text())
    assert facts["alpha"] == 2.0 and facts["start"] == str(start)  # the run's recorded start, found unasked
    assert facts["aligned"] == str(run / "checkpoint-3" / "merged")


def test_mismatched_models_are_refused_by_name(tmp_path, capsys):
    start = tmp_path / "start"
    tok = tiny_tokenizer()
    tiny_model(len(tok), seed=1, hidden=16).save_pretrained(start, safe_serialization=True)
    aligned = save_tiny(tmp_path / "aligned", seed=2)
    with pytest.raises(ExtrapolationError, match="shape"):
        extrapolate(aligned, start, 0.5, tmp_path / "out")
    with pytest.raises(ExtrapolationError, match="no \\*.safetensors"):
        extrapolate(aligned, tmp_path, 0.5, tmp_path / "out")
    assert main(["expo", str(aligned), "--alpha", "1", "--out", str(tmp_path / "o")]) == 2  # no --start, no run
    assert "--start" in capsys.readouterr().err
