"""The training recipe: config -> data -> tokenised pairs -> reference log-probs -> PreferenceTrainer -> final/."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import sys
from pathlib import Path

import torch
from transformers import TrainingArguments, set_seed

from sr_train.collator import PairCollator
from sr_train.config import TrainConfig, changed_settings
from sr_train.data import load_pairs
from sr_train.files import atomic_write_json, atomic_write_jsonl, read_jsonl
from sr_train.losses import LossParams, get_spec, needs_aug_view
from sr_train.model import disable_dropout, load_model, load_tokenizer, resolve_dtype
from sr_train.pairs import TokenizeSettings, tokenize_pairs
from sr_train.reference import attach, cache_key, cached_reference_logps, model_fingerprint
from sr_train.trainer import MergedCheckpointCallback, PreferenceTrainer, autocast_context, save_plain


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


def batch_layout(cfg: TrainConfig, world_size: int) -> tuple[int, int]:
    """(pairs per device per forward, gradient-accumulation steps) for the global batch cfg.batch_size."""
    if cfg.batch_size % world_size:
        raise ValueError(f"batch_size {cfg.batch_size} is not divisible by {world_size} processes")
    micro = cfg.micro_batch_size or cfg.batch_size // world_size
    if cfg.batch_size % (micro * world_size):
        raise ValueError(f"batch_size {cfg.batch_size} must be a multiple of micro_batch_size x processes "
                         f"({micro} x {world_size})")
    return micro, cfg.batch_size // (micro * world_size)


def checkpoint_dirs(output_dir: str | Path) -> list[Path]:
    """The run's checkpoint-N folders (no other names), by N."""
    found = [(int(m.group(1)), d) for d in Path(output_dir).glob("checkpoint-*")
             if d.is_dir() and (m := re.fullmatch(r"checkpoint-(\d+)", d.name))]
    return [d for _, d in sorted(found)]


def last_checkpoint(output_dir: str | Path) -> Path | None:
    """The checkpoint-N folder with the highest N whose trainer_state.json was written (complete)."""
    complete = [d for d in checkpoint_dirs(output_dir) if (d / "trainer_state.json").exists()]
    return complete[-1] if complete else None


class ResumeError(ValueError):
    """A run cannot be resumed as asked; the message says why and what to do."""


class RunMismatch(ResumeError):
    """output_dir holds a run made with other training settings (resuming would mix the two)."""


def checked_resume_path(path: str | Path) -> Path:
    """An explicit --resume: a complete checkpoint-N folder, else a clear error."""
    path = Path(path)
    if not re.fullmatch(r"checkpoint-\d+", path.name) or not (path / "trainer_state.json").is_file():
        raise ResumeError(f"resume {path}: not a complete checkpoint-N folder (one with trainer_state.json); "
                          "use auto, never, or such a folder")
    return path


def optimizer_state_files(checkpoint: Path) -> list[Path]:
    """checkpoint-N's optimizer state: optimizer.pt (or .bin), or a sharded optimizer_0/ folder under FSDP."""
    return sorted(p for p in checkpoint.iterdir() if p.name.startswith("optimizer"))


def drop_optimizer_states(out_dir: Path) -> int:
    """A finished run: delete each checkpoint-N's optimizer state (model weights stay, for evaluation along
    training); returns the bytes freed."""
    import shutil

    freed = 0
    for checkpoint in checkpoint_dirs(out_dir):
        for path in optimizer_state_files(checkpoint):
            files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
            freed += sum(f.stat().st_size for f in files)
            path.unlink() if path.is_file() else shutil.rmtree(path)
    return freed


def clear_earlier_run(out_dir: Path) -> None:
    """resume: never in a folder holding an earlier run: its checkpoints and final model go (a later `auto` would
    otherwise resume from them, under this run's run_config.json), and so does its metrics log."""
    import shutil

    final = out_dir / "final"
    for path in checkpoint_dirs(out_dir) + ([final] if final.is_dir() else []):
        print(f"resume never: removing {path} of an earlier run")
        shutil.rmtree(path)


def settings_mismatch(cfg: TrainConfig, out_dir: str | Path) -> str | None:
    """Why `cfg` (as given, before `builtin:` names are resolved) cannot resume the run in `out_dir`, or None: the
    settings that shape training, as stored in its run_config.json, against the current ones. Only checked where
    there is something to resume from (a complete checkpoint or final/). `model` / `data` match when either the
    resolved path or the name as given is the stored one (a moved clone or another cache folder is the same run)."""
    out_dir = Path(out_dir)
    stored_path = out_dir / "run_config.json"
    if not stored_path.is_file() or not (last_checkpoint(out_dir) or (out_dir / "final").is_dir()):
        return None
    stored = json.loads(stored_path.read_text(encoding="utf-8"))
    changed = changed_settings(stored, cfg.resolved())
    for key in ("model", "data"):
        if key in changed and stored.get(f"{key}_given") == getattr(cfg, key):
            del changed[key]
    if not changed:
        return None
    lines = "\n".join(f"  - {k}: {old!r} there, {new!r} now" for k, (old, new) in changed.items())
    return (f"{out_dir} holds a run trained with other settings ({stored_path}):\n{lines}\n"
            f"Resuming would mix the two. Use another output_dir, or resume: never to train it again from the start.")


def low_precision_warning(cfg: TrainConfig, env: dict[str, str] | None = None) -> str | None:
    """A warning when full fine-tuning would update bf16/fp16 weights in place: steps below half a unit in the last
    place (~0.4% of a weight in bf16; lr 5e-7 steps are far smaller) are rounded away. FSDP launched by accelerate
    keeps fp32 master weights, and LoRA trains fp32 adapters, so neither is warned about."""
    env = os.environ if env is None else env
    if cfg.dtype not in ("bfloat16", "float16") or cfg.lora or env.get("ACCELERATE_USE_FSDP", "").lower() == "true":
        return None
    return (f"warning: dtype {cfg.dtype} with full fine-tuning updates {cfg.dtype} weights in place, so optimizer "
            f"steps below ~0.4% of a weight are lost (lr {cfg.learning_rate:g}); use dtype float32 with --bf16 auto "
            f"(autocast), or launch with accelerate FSDP mixed precision")


def use_bf16(cfg: TrainConfig) -> bool:
    if cfg.bf16 == "auto":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return cfg.bf16 == "true"


def training_arguments(cfg: TrainConfig, micro: int, accum: int) -> TrainingArguments:
    extra = {}
    if cfg.gradient_checkpointing:  # transformers renamed the flag in 5.x; use the name this version has
        names = {f.name for f in dataclasses.fields(TrainingArguments)}
        extra["activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"] = True
    # ddp_find_unused_parameters=False: the fused log-prob path uses lm_head.weight outside the module's own
    # forward, which DDP's unused-parameter search would wrongly mark ready before the backward.
    return TrainingArguments(
        output_dir=cfg.output_dir, per_device_train_batch_size=micro, gradient_accumulation_steps=accum,
        learning_rate=cfg.learning_rate, max_steps=cfg.max_steps, num_train_epochs=cfg.num_epochs,
        warmup_steps=cfg.warmup_steps, lr_scheduler_type=cfg.lr_scheduler, max_grad_norm=cfg.max_grad_norm,
        weight_decay=cfg.weight_decay, optim="rmsprop" if cfg.optimizer == "rmsprop" else ("adamw_torch_fused" if torch.cuda.is_available() else "adamw_torch"),
        seed=cfg.seed, data_seed=cfg.seed, bf16=use_bf16(cfg), logging_steps=cfg.logging_steps,
        save_steps=cfg.save_steps, save_total_limit=cfg.save_total_limit, report_to=[],
        remove_unused_columns=False, use_cpu=not torch.cuda.is_available(), dataloader_drop_last=False,
        save_only_model=False, ddp_find_unused_parameters=False, torch_compile=cfg.torch_compile, **extra,
    )


def prepare_examples(cfg: TrainConfig, tokenizer) -> tuple[list[dict], dict]:
    pairs, report = load_pairs(cfg.data, cfg.data_split, cfg.data_config, cfg.max_rows, cfg.on_bad_row)
    preference = cfg.loss != "bt"
    settings = TokenizeSettings(
        cfg.max_length, cfg.max_prompt_length, cfg.template,
        cfg.quality_prompt_text() if preference and needs_aug_view(cfg.loss, cfg.refine) else None, cfg.prompt_join)
    examples = tokenize_pairs(tokenizer, pairs, settings, report)
    if preference and get_spec(cfg.loss).needs_scores:
        if any(e["score_chosen"] is None for e in examples):
            raise ValueError(f"loss {cfg.loss!r} needs score_chosen / score_rejected in every row of {cfg.data}")
        examples = _scored_pairs(examples, cfg, report)
    return examples, report.to_dict()


def _scored_pairs(examples: list[dict], cfg: TrainConfig, report) -> list[dict]:
    """Score-offset losses (odpo) take log(score_chosen - score_rejected): pairs without a positive gap are skipped
    and counted (on_bad_row: skip) or an error naming the rows, before training rather than mid-run."""
    def gap_ok(e: dict) -> bool:  # compared as the float32 the collator makes of them
        return bool(torch.tensor(e["score_chosen"], dtype=torch.float32)
                    > torch.tensor(e["score_rejected"], dtype=torch.float32))

    ok = [gap_ok(e) for e in examples]
    bad = [e["row"] for e, good in zip(examples, ok) if not good]
    if bad and cfg.on_bad_row == "error":
        raise ValueError(f"loss {cfg.loss!r} needs score_chosen > score_rejected; not so in rows {bad[:10]} of "
                         f"{cfg.data} ({len(bad)} in all)")
    for row in bad:
        report.skip("score_chosen not above score_rejected", row)
    report.rows_kept -= len(bad)
    kept = [e for e, good in zip(examples, ok) if good]
    if not kept:
        raise ValueError(f"loss {cfg.loss!r}: no pair of {cfg.data} has score_chosen > score_rejected")
    return kept


def truncate_metrics(path: Path, step: int) -> None:
    """On resume, drop logged steps after the checkpoint we resume from (they will be logged again)."""
    if path.exists():
        atomic_write_jsonl(path, [r for r in read_jsonl(path) if r.get("step", 0) <= step])


def write_run_config(cfg: TrainConfig, out_dir: Path, **facts) -> None:
    from bench.records import package_versions

    atomic_write_json(out_dir / "run_config.json", {**cfg.to_dict(), **facts, "versions": package_versions()})
    report = facts["data_report"]
    print(f"data: {report['rows_kept']} of {report['rows_read']} rows kept, {report['skipped_total']} skipped "
          f"(details in {out_dir / 'run_config.json'})")


def run_and_save(trainer, cfg: TrainConfig, tokenizer) -> Path:
    """Resume if asked and possible, train, save <output_dir>/final as a plain HF model."""
    out_dir = Path(cfg.output_dir)
    resume_from = None
    if cfg.resume == "auto":
        resume_from = last_checkpoint(out_dir)
    elif cfg.resume != "never":
        resume_from = Path(cfg.resume)
    if resume_from is not None and not optimizer_state_files(resume_from):
        finished = (out_dir / "final").is_dir() and resume_from.resolve() == last_checkpoint(out_dir).resolve()
        if not finished:  # a finished run resumed from its last checkpoint has 0 steps left: no state needed
            raise ResumeError(f"resume {resume_from}: its optimizer state was dropped when the run finished "
                              "(--keep-optimizer-state true keeps it); resume from the last checkpoint, or start "
                              "again with --resume never")
    if resume_from is not None and trainer.is_world_process_zero():
        step = int(re.search(r"(\d+)$", resume_from.name).group(1))
        truncate_metrics(out_dir / "metrics.jsonl", step)
        print(f"resuming from {resume_from}")
    if resume_from is None and trainer.is_world_process_zero():
        truncate_metrics(out_dir / "metrics.jsonl", 0)  # a fresh start: no rows of an earlier run in its log
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    final = out_dir / "final"
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
    if cfg.resume == "never":
        if main_process:
            clear_earlier_run(Path(cfg.output_dir))
    else:
        run_dir = cfg.output_dir if cfg.resume == "auto" else checked_resume_path(cfg.resume).parent
        if why := settings_mismatch(given, run_dir):
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
    facts = {"world_size": world_size, "micro_batch_size": micro, "grad_accum_steps": accum,
             "num_pairs": len(examples), "bf16_autocast": use_bf16(cfg), "data_report": data_report,
             "model_given": given.model, "data_given": given.data}
    common = {"args": args, "train_dataset": ListDataset(examples), "processing_class": tokenizer,
              "data_collator": PairCollator(tokenizer.pad_token_id, cfg.pad_to_multiple_of, cfg.aug_shared_prefix),
              "global_batch_size": cfg.batch_size, "metrics_path": str(out_dir / "metrics.jsonl"),
              "lengths": pair_lengths(examples) if cfg.group_by_length else None}
    if cfg.loss == "bt":
        from sr_train.reward import RewardTrainer, load_reward_model

        model = load_reward_model(cfg.model, tokenizer, resolve_dtype(cfg.dtype), cfg.trust_remote_code)
        if cfg.disable_dropout:
            disable_dropout(model)
        if args.process_index == 0:
            write_run_config(cfg, out_dir, **facts)
        return run_and_save(RewardTrainer(model=model, **common), cfg, tokenizer)

    model = load_model(cfg.model, resolve_dtype(cfg.dtype), cfg.trust_remote_code, cfg.attn_implementation)
    if cfg.disable_dropout:
        disable_dropout(model)  # before any copy: the live reference and LoRA's adapter-off view match it
    ref_model, ref_cached = None, None
    if not get_spec(cfg.loss).reference_free:
        if cfg.reference == "precompute":
            key = cache_key(model_fingerprint(cfg.model), {"dtype": str(model.dtype), "bf16": use_bf16(cfg)}, examples)
            with args.main_process_first(desc="reference log-probs"):
                refs, ref_cached = cached_reference_logps(
                    model.to(args.device), examples, cfg.ref_cache_dir, key, pad_token_id=tokenizer.pad_token_id,
                    batch_size=cfg.ref_batch_size, device=args.device,
                    autocast=autocast_context(use_bf16(cfg), args.device), progress=args.process_index == 0)
            attach(examples, refs)
        elif not cfg.lora:
            ref_model = copy.deepcopy(model).eval().requires_grad_(False).to(args.device)
    if cfg.lora:
        from peft import LoraConfig, get_peft_model

        targets = cfg.lora_target_modules
        model = get_peft_model(model, LoraConfig(
            r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout, task_type="CAUSAL_LM",
            target_modules=targets if targets == "all-linear" else [t.strip() for t in targets.split(",")]))
    if args.process_index == 0:
        write_run_config(cfg, out_dir, **facts, reference_cached=ref_cached)
    trainer = PreferenceTrainer(
        model=model, ref_model=ref_model,
        callbacks=[MergedCheckpointCallback()] if cfg.lora and cfg.save_merged else None,
        loss_name=cfg.loss, loss_params=LossParams(cfg.beta, cfg.lam, cfg.refine, cfg.ipo_norm, cfg.label_smoothing,
                                                   cfg.simpo_gamma, cfg.odpo_alpha), **common)
    return run_and_save(trainer, cfg, tokenizer)
