"""The policy as training starts: the starting model with dropout off, a frozen live reference copy when asked, and
LoRA adapters when asked (then the reference is the adapter-disabled policy)."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

import torch
from peft import LoraConfig, get_peft_model

from sr_train.artifacts.models import is_peft
from sr_train.config import TrainConfig


def disable_dropout(model: torch.nn.Module) -> int:
    """Turn every dropout of `model` off (nn.Dropout modules, float `*dropout` / `layerdrop` attributes that
    functional dropout reads, and the config's `*dropout*` fields), as TRL and the DPO reference code do: the
    policy's log-probs of both views are then deterministic like the reference's. Returns how many were on."""
    on = 0
    for module in model.modules():
        if isinstance(module, torch.nn.modules.dropout._DropoutNd):  # Dropout, Dropout1d/2d/3d, AlphaDropout, ...
            on += module.p > 0
            module.p = 0.0
        on += _zero_dropout_floats(module)
    for cfg in {id(c): c for c in (getattr(m, "config", None) for m in model.modules()) if c is not None}.values():
        _zero_dropout_floats(cfg)
    return on


def _zero_dropout_floats(obj: object) -> int:
    """Set `obj`'s float `*dropout*` / `layerdrop` attributes to 0; returns how many were above 0."""
    on = 0
    for name, value in list(vars(obj).items()):
        if ("dropout" in name or name == "layerdrop") and isinstance(value, float):
            on += value > 0
            setattr(obj, name, 0.0)
    return on


def live_reference(model: torch.nn.Module, device: torch.device,
                   param_dtype: torch.dtype | None = None) -> torch.nn.Module:
    """A frozen copy of the starting policy, run each step (`reference: live` without LoRA); see reference_copy."""
    return reference_copy(model, param_dtype).eval().requires_grad_(False).to(device)


@contextlib.contextmanager
def as_reference(model: torch.nn.Module, param_dtype: torch.dtype | None = None) -> Iterator[torch.nn.Module]:
    """The starting policy as the reference runs it: adapters off (LoRA), parameters in `param_dtype` when FSDP
    mixed precision computes the policy in it (a copy; else the model itself)."""
    ref = reference_copy(model, param_dtype) if param_dtype is not None else model
    with ref.disable_adapter() if is_peft(ref) else contextlib.nullcontext():
        yield ref


def reference_copy(model: torch.nn.Module, param_dtype: torch.dtype | None) -> torch.nn.Module:
    """A copy of the model whose parameters (not buffers) are cast to `param_dtype`: the numbers FSDP mixed precision
    computes with (it casts parameters only; rotary frequencies and other buffers keep their dtype)."""
    ref = copy.deepcopy(model)
    if param_dtype is not None:
        for p in ref.parameters():
            p.data = p.data.to(param_dtype)
    return ref


def with_lora(model: torch.nn.Module, cfg: TrainConfig) -> torch.nn.Module:
    """`model` wrapped with LoRA adapters as the config asks."""
    targets = cfg.lora_target_modules
    return get_peft_model(model, LoraConfig(
        r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout, task_type="CAUSAL_LM",
        target_modules=targets if targets == "all-linear" else [t.strip() for t in targets.split(",")]))
