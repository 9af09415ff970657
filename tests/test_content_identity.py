"""Caches and resumes keyed by content: the reference cache by the weights' sha256 (not their path or mtime), a
resume by the data's and the quality prompt's content (not their paths)."""

from __future__ import annotations

import json
import shutil

import pytest
from helpers.runs import common, ok, sr_train
from safetensors.torch import load_file, save_file

pytestmark = pytest.mark.slow  # every test here trains (sr-train runs) or starts processes


def run_config(out) -> dict:
    return json.loads((out / "run_config.json").read_text())


def test_reference_cache_follows_the_weights_content(tiny_dir, pairs_file, tmp_path):
    args = {"loss": "dpo", "batch-size": 4, "max-steps": 1}
    ok(sr_train(common(tiny_dir, pairs_file, tmp_path / "a", **args)))
    copy = tmp_path / "copy"
    shutil.copytree(tiny_dir, copy)  # same bytes, another path and mtime: the same reference
    ok(sr_train(common(copy, pairs_file, tmp_path / "b", **args)))
    assert run_config(tmp_path / "a")["reference_cached"] is False
    assert run_config(tmp_path / "b")["reference_cached"] is True
    weights = next(copy.glob("*.safetensors"))
    tensors = load_file(weights)
    name = next(iter(tensors))
    tensors[name] = tensors[name] + 0.01  # other weights at the same path: the cache must not be used
    save_file(tensors, weights, metadata={"format": "pt"})
    ok(sr_train(common(copy, pairs_file, tmp_path / "c", **args)))
    assert run_config(tmp_path / "c")["reference_cached"] is False
    assert len(list((tmp_path / "refcache").glob("*.safetensors"))) == 2


def test_resume_compares_data_and_prompt_by_content(tiny_dir, pairs_file, tmp_path):
    data = tmp_path / "pairs.jsonl"
    shutil.copy(pairs_file, data)
    prompt = tmp_path / "p.txt"
    prompt.write_text("Rate the answer from 1 to 100, then answer. Query:")
    out = tmp_path / "run"
    args = {"loss": "sr-dpo", "batch-size": 4, "max-steps": 1, "quality-prompt-file": prompt}
    ok(sr_train(common(tiny_dir, data, out, **args)))
    stored = run_config(out)
    assert stored["data_sha256"] and stored["quality_prompt_used"] == prompt.read_text()

    moved_data, moved_prompt = tmp_path / "moved.jsonl", tmp_path / "moved.txt"
    shutil.copy(data, moved_data)
    shutil.copy(prompt, moved_prompt)
    same = ok(sr_train(common(tiny_dir, moved_data, out, **{**args, "quality-prompt-file": moved_prompt})))
    assert "nothing to do" in same.stdout + same.stderr  # the same run: data and p by content

    lines = data.read_text().splitlines()
    data.write_text("\n".join(lines[:-1]) + "\n")  # one pair fewer, same path
    edited = sr_train(common(tiny_dir, data, out, **args))
    assert edited.returncode == 2 and "data_sha256" in edited.stderr

    shutil.copy(moved_data, data)
    prompt.write_text("Rate the answer from 1 to 10, then answer. Query:")  # another p, same path
    reworded = sr_train(common(tiny_dir, data, out, **args))
    assert reworded.returncode == 2 and "quality_prompt_used" in reworded.stderr
    assert "data_sha256" not in reworded.stderr
