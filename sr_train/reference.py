"""Reference log-probs of both views, computed once and cached on disk.

The values are computed on the numeric path the policy trains on (sr_train.logps.NumericPath). The cache key hashes
the starting weights' content identity (sr_train.artifacts.weights: sha256 of the weight files, or the hub id), the
dtype, the numeric path, the attention kernel and every token id of every view: so it changes with the weights, the
data, the tokenizer, the template, the prompt p and the max lengths.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from sr_train.collator import PairCollator
from sr_train.logps import NumericPath, aug_view_logps, numeric_path, view_logps, view_parts

FP32_PATH = NumericPath()


def cache_key(model_id: dict, settings: dict, examples: list[dict]) -> str:
    h = hashlib.sha256(json.dumps({"model": model_id, **settings}, sort_keys=True).encode())
    for ex in examples:
        for key in ("prompt_ids", "chosen_ids", "rejected_ids", "aug_prompt_ids", "aug_chosen_ids", "aug_rejected_ids"):
            if key in ex:
                h.update(key.encode())
                h.update(json.dumps(ex[key]).encode())
    return h.hexdigest()[:32]


@torch.no_grad()
def compute_reference_logps(model: torch.nn.Module, examples: list[dict], pad_token_id: int, batch_size: int,
                            device: torch.device, path: NumericPath = FP32_PATH,
                            progress: bool = True, tails: bool = False,
                            pad_to_multiple_of: int | None = None,
                            aug_shared_prefix: bool = False) -> dict[str, torch.Tensor]:
    """ref_chosen / ref_rejected (and ref_aug_* when the p+x view exists) for every example, in order, computed on
    the numeric path `path` (the one the policy trains on); with `tails`, also ref_chosen_tail / ref_rejected_tail,
    the x view's sums past each pair's shared length (LD-DPO). Batches are padded by the training collator's rule
    (`pad_to_multiple_of`): under bf16 a sequence's log-probs move with its padded length (kernel shapes), so only a
    fixed padded length makes them the same in any batch. `aug_shared_prefix`: the p+x view by the shared-prefix
    forward, as the policy computes it with `--aug-shared-prefix true`."""
    collate = PairCollator(pad_token_id, pad_to_multiple_of, aug_shared_prefix)
    with_aug = "aug_prompt_ids" in examples[0]
    out: dict[str, list[torch.Tensor]] = {k: [] for k in ("ref_chosen", "ref_rejected")}
    if with_aug:
        out.update(ref_aug_chosen=[], ref_aug_rejected=[])
    if tails:
        out.update(ref_chosen_tail=[], ref_rejected_tail=[])
    was_training = model.training
    model.eval()
    for i in tqdm(range(0, len(examples), batch_size), desc="reference log-probs", disable=not progress):
        batch = {k: v.to(device) for k, v in collate(examples[i:i + batch_size]).items()}
        n = batch["input_ids"].shape[0] // 2
        with numeric_path(path, device):
            for prefix in ("", "aug_") if with_aug else ("",):
                logps, _ = aug_view_logps(model, batch) if prefix else view_logps(model, batch)
                out[f"ref_{prefix}chosen"].append(logps[:n].float().cpu())
                out[f"ref_{prefix}rejected"].append(logps[n:].float().cpu())
            if tails:
                tail = view_parts(model, batch, ld=True).tail
                out["ref_chosen_tail"].append(tail[:n].float().cpu())
                out["ref_rejected_tail"].append(tail[n:].float().cpu())
    model.train(was_training)
    return {k: torch.cat(v) for k, v in out.items()}


def attach(examples: list[dict], refs: dict[str, torch.Tensor]) -> None:
    for key, values in refs.items():
        if len(values) != len(examples):
            raise ValueError(f"reference cache holds {len(values)} values of {key} for {len(examples)} examples")
        for ex, v in zip(examples, values.tolist()):
            ex[key] = v


def cached_reference_logps(model: torch.nn.Module, examples: list[dict], cache_dir: str, key: str,
                           **compute_kwargs) -> tuple[dict[str, torch.Tensor], bool]:
    """Load the cache for `key`, or compute and write it atomically; returns (values, was_cached)."""
    path = Path(cache_dir) / f"{key}.safetensors"
    if path.exists():
        return load_file(str(path)), True
    refs = compute_reference_logps(model, examples, **compute_kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    save_file({k: v.contiguous() for k, v in refs.items()}, str(tmp))
    os.replace(tmp, path)
    return refs, False
