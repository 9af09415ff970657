"""What a model to evaluate is: a plain HF folder (the base, a run's final/, a merged checkpoint) or a LoRA
checkpoint-N/ holding only the adapter (runs with `save_merged: false`), which loads onto the run's starting model,
or a run's step 0 (its starting model under the run's settings: the step-0 check). Its label, the run facts records
carry, and its content identity (the key of its result files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from peft import PeftModel

from sr_train.artifacts.assets import resolve
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.models import load_model, load_tokenizer
from sr_train.artifacts.runs import (
    evaluable,
    model_label,
    read_run_config,
    run_dir_of,
    run_info,
    run_settings,
)
from sr_train.artifacts.weights import weights_id

ADAPTER_CONFIG = "adapter_config.json"


@dataclass
class EvalModel:
    label: str
    path: str
    base: str | None = None
    """The starting model an adapter-only checkpoint loads onto (None for a plain model)."""
    info: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    run_dir: str | None = None
    """The sr-train run whose settings apply (step 0: the starting model lies elsewhere); None: the path's own."""

    def identity(self) -> dict[str, Any]:
        """Content identity of the weights (and of the base under an adapter)."""
        ids = {"weights": weights_id(self.path)}
        if self.base is not None:
            ids["base"] = weights_id(self.base)
        return ids

    def record_fields(self) -> dict[str, Any]:
        """run / method / beta / lambda / seed / step / tuples_seen / settings for bench.records.make_record."""
        info = dict(self.info)
        lam = info.pop("lambda", None)
        info.pop("batch_size", None)
        return {"run": self.label, **info, "lambda": lam, "settings": self.settings or None}


def starting_model(run_dir: Path) -> str:
    """The run's starting model as sr-train resolved it (run_config `model`), else its given name resolved."""
    cfg = read_run_config(run_dir)
    model = cfg.get("model")
    if isinstance(model, str) and Path(model).exists():
        return model
    given = cfg.get("model_given", model)
    if not isinstance(given, str):
        raise UserError(f"{run_dir}/run_config.json: no starting model ('model')")
    return resolve(given)


def describe(model: str, label: str | None = None) -> EvalModel:
    """An EvalModel for a path, builtin name or hub id; `label` overrides the default (`<run>/final`, ...)."""
    path = Path(resolve(model))
    if path.is_dir() and path.name.startswith("checkpoint-"):
        path = evaluable(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{model}: expected a model folder")
    base = None
    if (path / ADAPTER_CONFIG).is_file() and not (path / "config.json").is_file():
        base = starting_model(run_dir_of(path))
    elif path.is_dir() and not (path / "config.json").is_file():
        raise UserError(f"{path}: no model here (no config.json, no {ADAPTER_CONFIG})")
    return EvalModel(label or model_label(str(path)), str(path), base, run_info(str(path)),
                     run_settings(str(path)))


def step_zero(run_dir: Path, run: str) -> EvalModel:
    """A run's starting model as its step 0 (`<run>/step-0`): the run's facts and settings, step 0."""
    start = describe(starting_model(run_dir), f"{run}/step-0")
    info = {**run_info(str(run_dir)), "step": 0, "tuples_seen": 0}
    return EvalModel(start.label, start.path, start.base, info, run_settings(str(run_dir)), str(run_dir))


def load(em: EvalModel, device: str | torch.device = "cpu") -> tuple[torch.nn.Module, Any]:
    """The model in eval mode on `device`, float32 weights, and its tokenizer (the base's under an adapter when
    the checkpoint kept none)."""
    if em.base is None:
        model = load_model(em.path)
        tok = load_tokenizer(em.path)
    else:
        model = PeftModel.from_pretrained(load_model(em.base), em.path)
        has_tok = any((Path(em.path) / f).is_file() for f in ("tokenizer.json", "tokenizer_config.json"))
        tok = load_tokenizer(em.path if has_tok else em.base)
    return model.to(device).eval(), tok


def select(models: list[str] = (), runs: list[str] = (), runs_dir: str = "runs/science",
           checkpoints: list[int] = (), base: str | None = None) -> list[EvalModel]:
    """The models a step evaluates: `base` (labelled `base`), explicit model paths, and for each run name under
    `runs_dir` its final/ and the asked checkpoint-N folders (missing ones are an error naming the folder); step 0
    is the run's starting model (step_zero)."""
    out = [describe(base, "base")] if base else []
    out += [describe(m) for m in models]
    for run in runs:
        run_dir = Path(runs_dir) / run
        folders = [run_dir / "final", *(run_dir / f"checkpoint-{n}" for n in checkpoints if n != 0)]
        if 0 in checkpoints:
            out.append(step_zero(run_dir, run))
        for folder in folders:
            if not folder.is_dir():
                raise UserError(f"{folder}: no such folder (has {run} been trained?)")
            out.append(describe(str(folder), f"{run}/{folder.name}"))
    if not out:
        raise UserError("no model given (--model, --runs or --base)")
    return out
