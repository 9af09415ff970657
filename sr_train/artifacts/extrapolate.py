"""ExPO (Zheng+ 2024, arXiv 2404.16792): model extrapolation, theta = theta_aligned + alpha (theta_aligned - theta_start).

The paper's extrapolation of the aligned model M_1 away from its starting SFT model M_0, alpha > 0 amplifying the
update alignment made. Source: the stored copies we could search (arXiv HTML v1 and v5 of 2404.16792) hold only the
abstract and introduction, so no equation number is claimed; the form agrees with the authors' public reference
code (chujiezheng/LLM-Extrapolation, code/extrapolate.py: dpo + alpha * (dpo - sft), per parameter). Both models are local HF folders holding safetensors:
sr-train's final/ (full runs) and checkpoint-N/merged/ (LoRA runs, the merged plain model) are such folders. The
result is the aligned folder's configuration and tokenizer with the extrapolated weights as one model.safetensors,
and `expo.json` beside it saying which alpha and which two models (paths and weight hashes) made it.

Choices (the paper does not fix them): each tensor is computed in float32 and stored in the aligned model's dtype;
tensors that are not floating point (integer buffers) are the aligned model's, unchanged.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import atomic_write_json
from sr_train.artifacts.runs import EXPO_FILE
from sr_train.artifacts.weights import weights_id

WEIGHTS_FILE = "model.safetensors"
_NOT_COPIED = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".safetensors.index.json", ".bin.index.json")


class ExtrapolationError(UserError):
    """The two models cannot be extrapolated: a missing folder, no safetensors, or tensors that do not match."""


def load_tensors(folder: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Every tensor of a folder's *.safetensors files (sharded or not), by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExtrapolationError(f"{folder}: not a model folder (ExPO needs local HF folders)")
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise ExtrapolationError(f"{folder}: no *.safetensors weights (ExPO reads safetensors only)")
    out: dict[str, torch.Tensor] = {}
    for f in files:
        with safe_open(str(f), framework="pt") as handle:
            for name in handle.keys():  # noqa: SIM118 (safe_open has keys(), not iteration)
                out[name] = handle.get_tensor(name)
    return out


def extrapolate_tensors(aligned: dict[str, torch.Tensor], start: dict[str, torch.Tensor], alpha: float,
                        where: str = "") -> dict[str, torch.Tensor]:
    """aligned + alpha (aligned - start), tensor by tensor (float32 arithmetic, the aligned dtype stored)."""
    if not math.isfinite(alpha):
        raise ExtrapolationError(f"alpha must be a finite number, got {alpha}")
    if missing := sorted(set(aligned) ^ set(start)):
        raise ExtrapolationError(f"{where}the two models' tensors differ: {missing[:5]} in only one of them")
    out = {}
    for name, a in aligned.items():
        s = start[name]
        if a.shape != s.shape:
            raise ExtrapolationError(f"{where}tensor {name!r}: shape {tuple(a.shape)} (aligned) vs {tuple(s.shape)} "
                                     f"(start)")
        if not a.is_floating_point():
            out[name] = a.clone()
            continue
        a32 = a.float()
        out[name] = (a32 + alpha * (a32 - s.float())).to(a.dtype).contiguous()
    return out


def extrapolate(aligned: str | os.PathLike, start: str | os.PathLike, alpha: float,
                out: str | os.PathLike) -> dict[str, Any]:
    """Write the ExPO model of `aligned` and `start` at `alpha` to `out`; returns what expo.json holds."""
    aligned, start, out = Path(aligned), Path(start), Path(out)
    where = f"{aligned} vs {start}: "
    tensors = extrapolate_tensors(load_tensors(aligned), load_tensors(start), alpha, where)
    if out.resolve() in (aligned.resolve(), start.resolve()):
        raise ExtrapolationError(f"{out}: the output folder must differ from both models")
    out.mkdir(parents=True, exist_ok=True)
    for f in sorted(aligned.iterdir()):
        if f.is_file() and not f.name.endswith(_NOT_COPIED) and f.name != EXPO_FILE:
            shutil.copy2(f, out / f.name)
    save_file(tensors, str(out / WEIGHTS_FILE), metadata={"format": "pt"})
    facts = {"method": "expo", "alpha": alpha, "formula": "aligned + alpha * (aligned - start)",
             "aligned": str(aligned), "start": str(start), "aligned_weights": weights_id(aligned),
             "start_weights": weights_id(start)}
    atomic_write_json(out / EXPO_FILE, facts)
    return facts
