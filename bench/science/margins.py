"""The mechanism (C4, C5): a trained model's margins h (x view) and h_p (p+x view) against its starting model on
held-out scored pairs, with each pair's gold gap.

h = [log pi(y+|x) - log pi_ref(y+|x)] - [log pi(y-|x) - log pi_ref(y-|x)] and h_p the same on p+x, summed response
log-probs. Pairs are tokenised as the run trained (sr_train.pairs with the run's quality prompt, join, template and
max lengths, read from its run_config.json) and both models run on the run's numeric path (bf16 autocast as
trained), through sr-train's reference log-prob path; the starting model's values are cached on disk like the
trainer's reference (sr_train.reference), keyed by its weights, the settings and every token id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from bench.records import make_record
from bench.science.items import load_heldout_pairs
from bench.science.models import EvalModel, describe, load, starting_model
from bench.science.store import EXPERIMENT, done_records, result_path, save, settings_key
from sr_train.artifacts.assets import cache_dir
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import file_sha256
from sr_train.artifacts.provenance import package_versions
from sr_train.artifacts.runs import read_run_config, run_dir_of
from sr_train.logps import NumericPath
from sr_train.pairs import TokenizeSettings, tokenize_pairs
from sr_train.reference import cache_key, cached_reference_logps, compute_reference_logps
from sr_train.refine import QUALITY_PROMPT

TASK = "heldout_margins"
QUESTIONS = 200  # the registered subset: pairs of the first 200 held-out questions


def run_view_settings(em: EvalModel) -> tuple[TokenizeSettings, NumericPath, float]:
    """How the model's run tokenised pairs, its numeric path, and its beta (from run_config.json)."""
    cfg = read_run_config(em.run_dir or run_dir_of(em.path))
    prompt = cfg.get("quality_prompt_used") or cfg.get("quality_prompt") or QUALITY_PROMPT
    tok = TokenizeSettings(int(cfg.get("max_length", 512)), int(cfg.get("max_prompt_length", 256)),
                           cfg.get("template", "auto"), prompt, cfg.get("prompt_join", "{p} {x}"))
    return tok, NumericPath(bf16=bool(cfg.get("bf16_autocast", False)), fused=bool(cfg.get("logps_fused", True))), \
        float(cfg["beta"])


def view_logps(model: torch.nn.Module, examples: list[dict], pad_id: int, batch_size: int, device: str,
               path: NumericPath) -> dict[str, torch.Tensor]:
    return compute_reference_logps(model, examples, pad_id, batch_size, torch.device(device), path, progress=False)


def base_logps(base: EvalModel, examples: list[dict], pad_id: int, settings: dict, batch_size: int, device: str,
               path: NumericPath) -> dict[str, torch.Tensor]:
    """The starting model's log-probs of both views, from the cache when it holds them (loaded only if not)."""
    key = cache_key(base.identity(), {**settings, **path.key(), "purpose": "science-margins"}, examples)
    folder = cache_dir() / "science-margins"
    model = None if (folder / f"{key}.safetensors").is_file() else load(base, device)[0]
    refs, _ = cached_reference_logps(model, examples, str(folder), key, pad_token_id=pad_id, batch_size=batch_size,
                                     device=torch.device(device), path=path, progress=False)
    return refs


def evaluate_margins(em: EvalModel, pairs_file: str | Path, out: str | Path, *, questions: int | None = QUESTIONS,
                     batch_size: int = 16, device: str = "cpu", base: str | None = None) -> list[dict[str, Any]]:
    """h and h_p of one trained model (final or checkpoint) on the pairs of the first `questions` questions of
    `pairs_file`; records to <out>/heldout_margins/<label>.jsonl. `base`: the starting model (default: the run's).
    A run's step 0 (models.step_zero) is the starting model against itself: the registered check that h = h_p = 0."""
    if not em.info:
        raise UserError(f"{em.path}: not a sr-train run's model (no run_config.json above it); margins need the "
                        "run's quality prompt and numeric path")
    pairs = load_heldout_pairs(pairs_file, questions)
    tok_settings, path, beta = run_view_settings(em)
    start = describe(base or starting_model(Path(em.run_dir or run_dir_of(em.path))), "start")
    settings = {"tokenize": vars(tok_settings), "pairs": file_sha256(pairs_file), "questions": questions}
    key = settings_key({"identity": em.identity(), "start": start.identity(), "numeric": path.key(), **settings})
    target = result_path(out, TASK, em.label)
    records = done_records(target, key)
    if {r["extra"]["item"] for r in records} >= {p["id"] for p in pairs}:
        return records
    model, tok = load(em, device)
    flat = [{"prompt": [{"role": "user", "content": p["prompt"]}], "chosen": p["chosen"], "rejected": p["rejected"],
             "row": i, "score_chosen": p["score_chosen"], "score_rejected": p["score_rejected"]}
            for i, p in enumerate(pairs)]
    examples = tokenize_pairs(tok, flat, tok_settings, progress=False)
    if len(examples) != len(pairs):
        raise UserError(f"{pairs_file}: {len(pairs) - len(examples)} pairs truncate away at max_length "
                        f"{tok_settings.max_length}")
    pol = view_logps(model, examples, tok.pad_token_id, batch_size, device, path)
    del model
    ref = base_logps(start, examples, tok.pad_token_id, settings, batch_size, device, path)
    h = (pol["ref_chosen"] - ref["ref_chosen"]) - (pol["ref_rejected"] - ref["ref_rejected"])
    h_p = (pol["ref_aug_chosen"] - ref["ref_aug_chosen"]) - (pol["ref_aug_rejected"] - ref["ref_aug_rejected"])
    versions = package_versions()
    records = [make_record(
        EXPERIMENT, task=TASK, metric="h", value=float(h[i]), versions=versions,
        extra={"item": p["id"], "question_id": p["question_id"], "key": key, "h_p": float(h_p[i]), "beta": beta,
               "gap": float(p["score_chosen"] - p["score_rejected"]), "levels": p.get("levels")},
        **em.record_fields()) for i, p in enumerate(pairs)]
    save(target, records)
    return records
