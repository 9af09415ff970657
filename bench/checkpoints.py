"""What a model path is: a readable label, and the training facts of a sr-train run or checkpoint folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class RunInfoError(ValueError):
    """A run folder whose run_config.json / trainer_state.json cannot give step and tuples_seen."""


def model_label(model: str) -> str:
    """`<run>/checkpoint-<step>` or `<run>/final` for sr-train's folders, else the folder or file name, or the hub
    id."""
    path = Path(model)
    if model.endswith(".gguf"):
        return path.stem
    if not path.exists():
        return model
    path = path.resolve()
    if path.name == "merged" and path.parent.name.startswith("checkpoint-"):  # LoRA runs: checkpoint-N/merged
        path = path.parent
    if path.name.startswith("checkpoint-") or path.name == "final":  # sr-train's folders: named by their run
        return f"{path.parent.name}/{path.name}"
    return path.name


def run_info(model: str, strict: bool = False) -> dict[str, Any]:
    """method, beta, lambda, seed, batch_size, step and tuples_seen (= global_step x batch_size) of a sr-train
    run, checkpoint or checkpoint/merged folder; empty for anything else. `strict`: a checkpoint whose step or
    batch size cannot be read is an error instead of leaving step / tuples_seen out."""
    path = Path(model)
    if not path.is_dir():
        return {}
    if path.name == "merged" and path.parent.name.startswith("checkpoint-"):
        path = path.parent
    info: dict[str, Any] = {}
    cfg_file = next((f / "run_config.json" for f in (path, path.parent) if (f / "run_config.json").is_file()), None)
    if cfg_file is not None:
        cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
        for src, dst in (("loss", "method"), ("beta", "beta"), ("lam", "lambda"), ("seed", "seed"),
                         ("batch_size", "batch_size")):
            if cfg.get(src) is not None:
                info[dst] = cfg[src]
    state_file = path / "trainer_state.json"
    if state_file.is_file():
        step = json.loads(state_file.read_text(encoding="utf-8")).get("global_step")
        batch = info.get("batch_size")
        if isinstance(step, int) and isinstance(batch, int):
            info["step"], info["tuples_seen"] = step, step * batch
        elif strict and not isinstance(step, int):
            raise RunInfoError(f"{state_file}: global_step must be an integer, got {step!r}")
        elif strict:
            raise RunInfoError(f"{cfg_file or path.parent / 'run_config.json'}: batch_size (an integer) is needed "
                               f"for tuples_seen = global_step x batch_size; got {batch!r}")
    return info
