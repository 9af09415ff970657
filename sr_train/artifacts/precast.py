"""Frozen Linear weights stored in bf16 once, for LoRA training under CPU bf16 autocast: the same numbers, no cast
per forward.

Autocast casts each float32 Linear weight to bf16 on every forward, and caches the cast only for leaf tensors that
require grad: every frozen base weight is copied once per forward. Stored in bf16 (rounded as autocast rounds it,
`.to(bfloat16)`), autocast's cast is a no-op and the matmul sees the same bf16 operands, so every number is the same
bit for bit. Only frozen float32 nn.Linear parameters that no other module reads are cast: never an embedding, a
norm weight, a head tied to the embeddings or anything trainable. The float32 originals are kept: `full_precision`
puts them back while a model is saved or merged, so saved weights are those of the run without the pre-cast.
"""

from __future__ import annotations

import contextlib
import weakref
from collections import Counter
from collections.abc import Iterator

import torch

_ORIGINALS: weakref.WeakKeyDictionary[torch.nn.Linear, dict[str, torch.Tensor]] = weakref.WeakKeyDictionary()
"""Pre-cast Linear module -> {parameter name: its float32 tensor before the pre-cast}."""


def _owners(model: torch.nn.Module) -> Counter[int]:
    """How many modules of `model` hold each parameter (by id): above 1 for tied weights."""
    return Counter(id(p) for m in model.modules() for p in m.parameters(recurse=False))


def _castable(module: torch.nn.Module, owners: Counter[int]) -> bool:
    """A Linear whose parameters are all frozen float32 tensors that no other module reads."""
    params = list(module.parameters(recurse=False))
    return (isinstance(module, torch.nn.Linear) and module not in _ORIGINALS and bool(params)
            and all(not p.requires_grad and p.dtype == torch.float32 and owners[id(p)] == 1 for p in params))


def precast_frozen_linears(model: torch.nn.Module, dtype: torch.dtype = torch.bfloat16) -> int:
    """Store the weights (and biases) of `model`'s frozen, untied float32 nn.Linear modules in `dtype`, keeping the
    originals for full_precision; returns how many modules were cast."""
    owners = _owners(model)
    cast = [m for m in model.modules() if _castable(m, owners)]
    for module in cast:
        _ORIGINALS[module] = {name: p.data for name, p in module.named_parameters(recurse=False)}
        for p in module.parameters(recurse=False):
            p.data = p.data.to(dtype)
    return len(cast)


@contextlib.contextmanager
def full_precision(model: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """Within the block, `model`'s pre-cast Linear parameters hold their float32 originals (to save or merge them);
    the pre-cast ones are back after it."""
    swapped = []
    for module in model.modules():
        for name, original in _ORIGINALS.get(module, {}).items():
            param = getattr(module, name)
            swapped.append((param, param.data))
            param.data = original
    try:
        yield model
    finally:
        for param, low in swapped:
            param.data = low
