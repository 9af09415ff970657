"""The training recipe, top to bottom: config -> data -> tokenised pairs -> reference log-probs -> policy ->
PreferenceTrainer -> <output_dir>/final (the run-folder contract is sr_train.artifacts.runs)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch
from transformers import set_seed

from sr_train.arguments import (
    attention_kernel,
    batch_layout,
    low_precision_warning,
    training_arguments,
    use_bf16,
)
from sr_train.artifacts.files import atomic_write_json
from sr_train.artifacts.models import cpu_bf16_flags, load_model, load_tokenizer, resolve_dtype, save_plain
from sr_train.artifacts.provenance import package_versions
from sr_train.artifacts.runs import METRICS, QUALITY_PROMPT_LABEL, QUALITY_PROMPT_USED, RUN_CONFIG, final_dir
from sr_train.artifacts.weights import weights_id
from sr_train.collator import PairCollator
from sr_train.config import TrainConfig, planned_steps, warmup_warning
from sr_train.data import DataError, load_pairs, normalise_weights
from sr_train.losses import get_spec, needs_aug_view
from sr_train.pairs import TokenizeSettings, tokenize_pairs
from sr_train.policy import as_reference, disable_dropout, live_reference, with_lora
from sr_train.reference import attach, cache_key, cached_reference_logps
from sr_train.refine import prompt_label
from sr_train.resume import (
    RunMismatch,
    clear_earlier_run,
    content_facts,
    drop_optimizer_states,
    finished_run,
    resume_point,
    run_dir_to_check,
    settings_mismatch,
    truncate_metrics,
)
from sr_train.reward import RewardTrainer, load_reward_model
from sr_train.spo import spo_versions
from sr_train.trainer import MergedCheckpointCallback, PreferenceTrainer


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, rows: list[dict]):
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict:
        return self.rows[i]


def pair_lengths(examples: list[dict]) -> list[int]:
    """Padded length a pair needs: prompt + its longer response."""
    return [len(e["prompt_ids"]) + max(len(e["chosen_ids"]), len(e["rejected_ids"])) for e in examples]


def prepare_examples(cfg: TrainConfig, tokenizer, source: str | None = None,
                     split: str | None = None) -> tuple[list[dict], dict]:
    """The tokenised pairs training uses and the data report (rows read, kept, skipped by reason, truncated);
    of `source` / `split` (held-out pairs: all rows) when given, else of cfg.data."""
    spec = cfg.loss_spec()  # None for a reward model (bt)
    preference = spec is not None
    needs_scores = spec is not None and spec.needs_scores
    pairs, report = load_pairs(source or cfg.data, split or cfg.data_split, cfg.data_config,
                               None if source else cfg.max_rows, cfg.on_bad_row, scores=needs_scores)
    settings = TokenizeSettings(
        cfg.max_length, cfg.max_prompt_length, cfg.template,
        cfg.quality_prompt_text() if preference and needs_aug_view(cfg.loss, cfg.refine) else None, cfg.prompt_join)
    examples = tokenize_pairs(tokenizer, pairs, settings, report)
    if preference and (spo := cfg.spo()) is not None:  # SPO: each chosen response's degraded versions
        spo_versions(tokenizer, pairs, examples, spo, cfg.max_length, cfg.template)
    if needs_scores:
        if missing := [e for e in examples if e["score_chosen"] is None or e["score_rejected"] is None]:
            raise DataError(f"loss {cfg.loss!r} needs score_chosen / score_rejected in every row of {cfg.data}; "
                            f"{report.where(missing[0]['at'])} has none ({len(missing)} rows in all)")
        examples = _scored_pairs(examples, cfg, report)
    if spec is not None and spec.needs_uncertainty and (
            missing := [e for e in examples if e.get("uncertainty") is None]):
        raise DataError(f"loss {cfg.loss!r} needs an uncertainty column in every row of {cfg.data} (write it with "
                        f"`sr-bench uncertainty`); {report.where(missing[0]['at'])} has none ({len(missing)} rows)")
    out = report.to_dict()
    if (weights := normalise_weights(examples, cfg.data)) is not None:
        if spec is not None and spec.sorts_batch:
            raise DataError(f"{cfg.data} has a weight column, but loss {cfg.loss!r} sorts the batch (pairs are "
                             "re-matched): per-pair weights do not apply")
        out["weights"] = weights
    return examples, out


def prepare_eval_examples(cfg: TrainConfig, tokenizer) -> tuple[list[dict], dict] | None:
    """The held-out pairs (--eval-data / --eval-split) tokenised as the training pairs, and their data report;
    None without evaluation."""
    if (where := cfg.eval_source()) is None:
        return None
    examples, report = prepare_examples(cfg, tokenizer, *where)
    if not cfg.eval_data and report["skipped_examples_unit"] == "line":
        raise DataError(f"eval_split {cfg.eval_split!r}: {cfg.data} is a JSON file (or folder) without splits; "
                        "give the held-out pairs with --eval-data")
    return examples, report


def _scored_pairs(examples: list[dict], cfg: TrainConfig, report) -> list[dict]:
    """Score-offset losses (odpo) take log(score_chosen - score_rejected): pairs without a positive gap are skipped
    and counted (on_bad_row: skip) or an error naming the rows, before training rather than mid-run."""
    def gap_ok(e: dict) -> bool:  # compared as the float32 the collator makes of them
        return bool(torch.tensor(e["score_chosen"], dtype=torch.float32)
                    > torch.tensor(e["score_rejected"], dtype=torch.float32))

    ok = [gap_ok(e) for e in examples]
    bad = [e["at"] for e, good in zip(examples, ok) if not good]
    if bad and cfg.on_bad_row == "error":
        raise DataError(f"loss {cfg.loss!r} needs score_chosen > score_rejected; not so at {report.where(bad[0])} "
                        f"({len(bad)} {report.unit}s in all: {bad[:10]})")
    for at in bad:
        report.skip("score_chosen not above score_rejected", at)
    report.rows_kept -= len(bad)
    kept = [e for e, good in zip(examples, ok) if good]
    if not kept:
        raise DataError(f"loss {cfg.loss!r}: no pair of {cfg.data} has score_chosen > score_rejected")
    return kept


def content_identity(cfg: TrainConfig) -> dict[str, str | None]:
    """For run_config.json: the data's content hash, p's text as trained (from quality_prompt_file when given) and
    its label; a resume compares the first two by content (sr_train.resume.run_changes)."""
    facts = content_facts(cfg)
    return {**facts, QUALITY_PROMPT_LABEL: prompt_label(facts[QUALITY_PROMPT_USED])}


def write_run_config(cfg: TrainConfig, out_dir: Path, **facts) -> None:
    atomic_write_json(out_dir / RUN_CONFIG, {**cfg.to_dict(), **facts, "versions": package_versions()})
    report = facts["data_report"]
    print(f"data: {report['rows_kept']} of {report['rows_read']} rows kept, {report['skipped_total']} skipped "
          f"(details in {out_dir / RUN_CONFIG})")
    t = report["truncated"]
    print(f"truncated to max_length {cfg.max_length}: {t['prompts']} prompts (first tokens cut), {t['responses']} "
          "pairs' responses (last tokens cut)")
    for warning in report["warnings"]:
        print(warning, file=sys.stderr)


def run_and_save(trainer, cfg: TrainConfig, tokenizer) -> Path:
    """Resume if asked and possible, train, save <output_dir>/final as a plain HF model."""
    out_dir = Path(cfg.output_dir)
    resume_from = resume_point(cfg)
    if trainer.is_world_process_zero():
        truncate_metrics(out_dir, resume_from)
        if resume_from is not None:
            print(f"resuming from {resume_from}")
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    final = final_dir(out_dir)
    if trainer.is_world_process_zero():
        save_plain(trainer.accelerator.unwrap_model(trainer.model), tokenizer, final)
        print(f"final checkpoint: {final}")
        if not cfg.keep_optimizer_state and (freed := drop_optimizer_states(out_dir)):
            print(f"run finished: checkpoints' optimizer state dropped ({freed / 2**20:.0f} MiB freed; "
                  "--keep-optimizer-state true keeps it)")
    trainer.accelerator.wait_for_everyone()
    return final


def train(cfg: TrainConfig) -> Path:
    """Run one training job; returns the folder of the final plain HF model (<output_dir>/final)."""
    given = cfg.validate()
    cfg = given.resolved()
    main_process = int(os.environ.get("RANK", "0")) == 0
    if cfg.resume == "auto" and (done := finished_run(given)) is not None:
        if main_process:
            print(done)
        return final_dir(Path(cfg.output_dir))
    if cfg.resume == "never":
        if main_process:
            clear_earlier_run(Path(cfg.output_dir))
    elif why := settings_mismatch(given, run_dir_to_check(cfg)):
        raise RunMismatch(why)
    if (warning := low_precision_warning(cfg)) and main_process:
        print(warning, file=sys.stderr)
    set_seed(cfg.seed)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    micro, accum = batch_layout(cfg, world_size)
    out_dir = Path(cfg.output_dir)
    args = training_arguments(cfg, micro, accum)
    tokenizer = load_tokenizer(cfg.model, cfg.trust_remote_code)
    examples, data_report = prepare_examples(cfg, tokenizer)
    if main_process and (warning := warmup_warning(cfg, planned_steps(cfg, len(examples)))):
        print(warning, file=sys.stderr)
    held_out = prepare_eval_examples(cfg, tokenizer) if cfg.loss != "bt" else None
    kernel = attention_kernel(cfg)
    facts = {"world_size": world_size, "micro_batch_size": micro, "grad_accum_steps": accum,
             "num_pairs": len(examples), "bf16_autocast": use_bf16(cfg), "cpu_bf16": cpu_bf16_flags(),
             "attn_implementation_used": kernel,
             "data_report": data_report,
             "model_given": given.model, "data_given": given.data, **content_identity(cfg)}
    common = {"args": args, "train_dataset": ListDataset(examples), "processing_class": tokenizer,
              "data_collator": PairCollator(tokenizer.pad_token_id, cfg.pad_to_multiple_of, cfg.aug_shared_prefix),
              "global_batch_size": cfg.batch_size, "metrics_path": str(out_dir / METRICS),
              "lengths": pair_lengths(examples) if cfg.group_by_length else None}
    if cfg.loss == "bt":
        model = load_reward_model(cfg.model, tokenizer, resolve_dtype(cfg.dtype), cfg.trust_remote_code)
        if cfg.disable_dropout:
            disable_dropout(model)
        if args.process_index == 0:
            write_run_config(cfg, out_dir, **facts)
        return run_and_save(RewardTrainer(model=model, **common), cfg, tokenizer)

    model = load_model(cfg.model, resolve_dtype(cfg.dtype), cfg.trust_remote_code, kernel)
    if cfg.disable_dropout:
        disable_dropout(model)  # before any copy: the live reference and LoRA's adapter-off view match it
    if cfg.lora:
        model = with_lora(model, cfg)
    if held_out is not None:
        facts.update(num_eval_pairs=len(held_out[0]), eval_data_report=held_out[1])
    trainer = PreferenceTrainer(
        eval_dataset=ListDataset(held_out[0]) if held_out is not None else None, model=model, callbacks=[MergedCheckpointCallback()] if cfg.lora and cfg.save_merged else None,
        loss_name=cfg.loss, loss_params=cfg.loss_params(), ld_alpha=cfg.ld_alpha, use_weighting=cfg.use_weighting,
        token_stats=cfg.token_stats, logps_fused=cfg.logps_path == "fused", spo=cfg.spo(), **common)
    ref_cached = set_up_reference(trainer, cfg, examples, tokenizer.pad_token_id, kernel)
    if held_out is not None and cfg.reference != "live":  # the held-out pairs' own cached reference log-probs
        facts["eval_reference_cached"] = set_up_reference(trainer, cfg, held_out[0], tokenizer.pad_token_id, kernel)
    if args.process_index == 0:
        write_run_config(cfg, out_dir, **facts, logps_fused=trainer.numeric.fused, reference_cached=ref_cached)
    return run_and_save(trainer, cfg, tokenizer)


def set_up_reference(trainer: PreferenceTrainer, cfg: TrainConfig, examples: list[dict], pad_token_id: int,
                     kernel: str | None) -> bool | None:
    """The reference on the trainer's own numeric path: cached log-probs attached to `examples` (returns whether
    they came from the cache), or a frozen live copy on the trainer (LoRA: the adapter-disabled policy). `kernel`:
    the attention implementation the policy was loaded with (arguments.attention_kernel)."""
    if get_spec(cfg.loss).reference_free:
        return None
    args, model, numeric = trainer.args, trainer.model, trainer.numeric
    param_dtype = trainer.reference_param_dtype()
    if cfg.reference == "live":
        if not cfg.lora:
            trainer.ref_model = live_reference(model, args.device, param_dtype)
        return None
    settings = {"dtype": str(model.dtype), **numeric.key(), "ref_param_dtype": str(param_dtype),
                "attn_implementation": kernel, "pad_to_multiple_of": cfg.pad_to_multiple_of}
    if cfg.aug_shared_prefix and needs_aug_view(cfg.loss, cfg.refine):  # the p+x view by the shared-prefix forward
        settings["aug_shared_prefix"] = True
    if cfg.ld_alpha is not None:  # the cache then holds the tails past the shared length too
        settings["ld_tails"] = True
    key = cache_key(weights_id(cfg.model), settings, examples)
    with args.main_process_first(desc="reference log-probs"), as_reference(model.to(args.device), param_dtype) as ref:
        refs, cached = cached_reference_logps(
            ref, examples, cfg.ref_cache_dir, key, pad_token_id=pad_token_id, batch_size=cfg.ref_batch_size,
            device=args.device, path=numeric, progress=args.process_index == 0, tails=cfg.ld_alpha is not None,
            pad_to_multiple_of=cfg.pad_to_multiple_of, aug_shared_prefix=cfg.aug_shared_prefix)
    attach(examples, refs)
    return cached
