"""The run-folder contract: what sr-train writes into `<output_dir>` and how every later stage reads it.

    <run>/run_config.json            every config field, the data report, facts of the run, versions
    <run>/metrics.jsonl              one line per logging step (TRL's metric names)
    <run>/checkpoint-N/              plain HF model (or LoRA adapter) + trainer_state.json (+ optimizer state)
    <run>/checkpoint-N/merged/       LoRA runs: the merged plain model, for evaluation along training
    <run>/final/                     the plain HF model + tokenizer at the end of training

Also what a model path is to the harness: a readable label, a folder-name slug, and the training facts of a run
or checkpoint folder (`run_info`), and the settings that make a run a variant of its method (`run_settings`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import read_json

RUN_CONFIG = "run_config.json"
METRICS = "metrics.jsonl"
FINAL = "final"
MERGED = "merged"
TRAINER_STATE = "trainer_state.json"
CHECKPOINT = re.compile(r"checkpoint-(\d+)")


class RunFolderError(UserError):
    """A run folder whose files cannot give what is asked of them; the message names the file."""


# -- names -------------------------------------------------------------------------------------------------
def checkpoint_name(step: int) -> str:
    return f"checkpoint-{step}"


def checkpoint_step(path: str | os.PathLike) -> int | None:
    """N of a `checkpoint-N` folder, else None."""
    m = CHECKPOINT.fullmatch(Path(path).name)
    return int(m.group(1)) if m else None


def final_dir(run_dir: str | os.PathLike) -> Path:
    return Path(run_dir) / FINAL


def merged_dir(checkpoint: str | os.PathLike) -> Path:
    return Path(checkpoint) / MERGED


def slug(label: str) -> str:
    """A model or pair label as one folder/file name: `dpo/final` -> `dpo__final`, other odd characters -> `_`."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label.replace("/", "__"))


# -- checkpoints -------------------------------------------------------------------------------------------
def checkpoint_dirs(run_dir: str | os.PathLike) -> list[Path]:
    """The run's checkpoint-N folders (no other names), by N."""
    found = [(step, d) for d in Path(run_dir).glob("checkpoint-*") if d.is_dir() and (step := checkpoint_step(d))
             is not None]
    return [d for _, d in sorted(found)]


def is_complete(checkpoint: str | os.PathLike) -> bool:
    """A checkpoint-N folder whose trainer_state.json was written (the Trainer writes it last)."""
    path = Path(checkpoint)
    return checkpoint_step(path) is not None and (path / TRAINER_STATE).is_file()


def last_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    """The complete checkpoint-N folder with the highest N."""
    complete = [d for d in checkpoint_dirs(run_dir) if is_complete(d)]
    return complete[-1] if complete else None


def optimizer_state_files(checkpoint: Path) -> list[Path]:
    """checkpoint-N's optimizer state: optimizer.pt (or .bin), or a sharded optimizer_0/ folder under FSDP."""
    return sorted(p for p in checkpoint.iterdir() if p.name.startswith("optimizer"))


def evaluable(checkpoint: str | os.PathLike) -> Path:
    """The model to evaluate for a checkpoint: its merged plain model (LoRA runs) when there is one."""
    merged = merged_dir(checkpoint)
    return merged if (merged / "config.json").is_file() else Path(checkpoint)


def is_trained(final: str | os.PathLike) -> bool:
    """A final/ folder holding a saved model."""
    final = Path(final)
    return (final / "config.json").is_file() and any(final.glob("*.safetensors"))


def run_dir_of(model: str | os.PathLike) -> Path:
    """The run folder of a run, checkpoint-N, checkpoint-N/merged or final/ path (the path itself otherwise)."""
    path = Path(model)
    if path.name == MERGED and checkpoint_step(path.parent) is not None:
        path = path.parent
    return path.parent if checkpoint_step(path) is not None or path.name == FINAL else path


# -- run_config.json and metrics.jsonl ---------------------------------------------------------------------
def is_run_dir(path: str | os.PathLike) -> bool:
    path = Path(path)
    return (path / METRICS).is_file() and (path / RUN_CONFIG).is_file()


def read_run_config(run_dir: str | os.PathLike, need: tuple[str, ...] = ()) -> dict[str, Any]:
    """A run's run_config.json as a dict; `need`: fields that must hold a string (e.g. the method name `loss`)."""
    path = Path(run_dir) / RUN_CONFIG
    try:
        cfg = read_json(path)
    except FileNotFoundError:
        raise RunFolderError(f"{path}: missing (needed for the run's method, beta, lambda and seed)") from None
    except UserError as e:
        raise RunFolderError(str(e)) from e
    for key in need:
        if not isinstance(cfg.get(key), str):
            raise RunFolderError(f"{path}: needs a string field '{key}'" + (" (the method name)" if key == "loss"
                                                                           else ""))
    return cfg


# -- what a model path is ----------------------------------------------------------------------------------
def model_label(model: str) -> str:
    """`<run>/checkpoint-<step>` or `<run>/final` for sr-train's folders, else the folder or file name, or the hub
    id."""
    path = Path(model)
    if model.endswith(".gguf"):
        return path.stem
    if not path.exists():
        return model
    path = path.resolve()
    if path.name == MERGED and checkpoint_step(path.parent) is not None:  # LoRA runs: checkpoint-N/merged
        path = path.parent
    if checkpoint_step(path) is not None or path.name == FINAL:  # sr-train's folders: named by their run
        return f"{path.parent.name}/{path.name}"
    return path.name


# -- ExPO models (sr_train.artifacts.extrapolate): a folder with expo.json, made from an aligned model and its start
EXPO_FILE = "expo.json"


def expo_facts(model: str | os.PathLike) -> dict[str, Any] | None:
    """The expo.json of an extrapolated model folder (alpha, the aligned and start models), else None."""
    path = Path(model) / EXPO_FILE
    return read_json(path) if path.is_file() else None


def run_info(model: str, strict: bool = False) -> dict[str, Any]:
    """method, beta, lambda, seed, batch_size, step and tuples_seen (= global_step x batch_size) of a sr-train
    run, checkpoint or checkpoint/merged folder (an ExPO model: those of its aligned model); empty for anything
    else. `strict`: a checkpoint whose step or batch size cannot be read is an error instead of leaving step /
    tuples_seen out."""
    path = Path(model)
    if not path.is_dir():
        return {}
    if (expo := expo_facts(path)) is not None:
        return run_info(expo["aligned"], strict)
    if path.name == MERGED and checkpoint_step(path.parent) is not None:
        path = path.parent
    info: dict[str, Any] = {}
    cfg_dir = next((f for f in (path, path.parent) if (f / RUN_CONFIG).is_file()), None)
    if cfg_dir is not None:
        cfg = read_run_config(cfg_dir)
        for src, dst in (("loss", "method"), ("beta", "beta"), ("lam", "lambda"), ("seed", "seed"),
                         ("batch_size", "batch_size")):
            if cfg.get(src) is not None:
                info[dst] = cfg[src]
    state_file = path / TRAINER_STATE
    if state_file.is_file():
        step = json.loads(state_file.read_text(encoding="utf-8")).get("global_step")
        batch = info.get("batch_size")
        if isinstance(step, int) and isinstance(batch, int):
            info["step"], info["tuples_seen"] = step, step * batch
        elif strict and not isinstance(step, int):
            raise RunFolderError(f"{state_file}: global_step must be an integer, got {step!r}")
        elif strict:
            raise RunFolderError(f"{(cfg_dir or path.parent) / RUN_CONFIG}: batch_size (an integer) is needed "
                                 f"for tuples_seen = global_step x batch_size; got {batch!r}")
    return info


# -- the settings that make one run another variant --------------------------------------------------------
# run_config.json fields that shape what a run learns besides method (loss), beta, lambda and seed: evaluation
# records carry them (`run_settings`), and runs differing in any of them are never pooled as seeds of one
# another. Every loss parameter belongs here (tests/test_provenance.py checks sr_train.losses.LossParams).
LOSS_SETTINGS = ("refine", "prompt_join", "ipo_norm", "label_smoothing", "simpo_gamma", "odpo_alpha",
                 "discopop_tau", "f_divergence", "f_alpha", "alphapo_alpha", "loss_weights", "ld_alpha",
                 "use_weighting", "hdpo_alpha", "up_penalty", "up_gamma", "spo_weight", "spo_degrees", "spo_unit",
                 "spo_form", "spo_score")
DATA_SETTINGS = ("data_split", "data_config", "max_rows")
DATA_SHA256 = "data_sha256"  # fact sr-train adds to run_config.json: the training data's content hash
QUALITY_PROMPT_USED = "quality_prompt_used"  # facts sr-train adds to run_config.json: p's text as trained,
QUALITY_PROMPT_LABEL = "quality_prompt_label"  # and its name (sr_train.refine.prompt_label)
UNLABELLED = "unlabelled"


def run_settings(model: str | os.PathLike) -> dict[str, Any]:
    """The settings that shape a sr-train run's model, beyond method, beta, lambda and seed (those are
    `run_info`'s), read from the run_config.json of a run, checkpoint-N, checkpoint-N/merged or final/ folder;
    empty for anything else.

    An ExPO model (expo.json) has its aligned model's settings plus `expo_alpha` and `expo_start`.
    Keys: the LOSS_SETTINGS fields, `quality_prompt` (the prompt's label, UNLABELLED for runs written before
    sr-train recorded one) and `quality_prompt_sha256` (of the prompt's text as trained), the starting `model`
    and the preference `data` (as given to sr-train) and the DATA_SETTINGS fields."""
    path = Path(model)
    if not path.is_dir():
        return {}
    if (expo := expo_facts(path)) is not None:  # an ExPO model: its aligned model's settings, and its alpha
        return {**run_settings(expo["aligned"]), "expo_alpha": expo["alpha"], "expo_start": expo["start"]}
    if path.name == MERGED and checkpoint_step(path.parent) is not None:
        path = path.parent
    cfg_dir = next((f for f in (path, path.parent) if (f / RUN_CONFIG).is_file()), None)
    if cfg_dir is None:
        return {}
    cfg = read_run_config(cfg_dir)
    out: dict[str, Any] = {key: cfg[key] for key in LOSS_SETTINGS if key in cfg}
    text = cfg.get(QUALITY_PROMPT_USED)
    if text is None:  # runs written before the text was recorded: a prompt file is known by its path only
        text = f"file:{cfg['quality_prompt_file']}" if cfg.get("quality_prompt_file") else cfg.get("quality_prompt")
    if isinstance(text, str):
        out["quality_prompt"] = cfg.get(QUALITY_PROMPT_LABEL) or UNLABELLED
        out["quality_prompt_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    for key in ("model", "data"):
        value = cfg.get(f"{key}_given", cfg.get(key))
        if value is not None:
            out[key] = value
    out.update({key: cfg[key] for key in DATA_SETTINGS if cfg.get(key) is not None})
    return out
