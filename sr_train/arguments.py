"""TrainConfig -> transformers.TrainingArguments: the batch layout over processes, bf16 autocast, the optimiser."""

from __future__ import annotations

import dataclasses
import os

import torch
from transformers import TrainingArguments

from sr_train.artifacts.models import bf16_autocast
from sr_train.config import ConfigError, TrainConfig


def batch_layout(cfg: TrainConfig, world_size: int) -> tuple[int, int]:
    """(pairs per device per forward, gradient-accumulation steps) for the global batch cfg.batch_size."""
    if cfg.batch_size % world_size:
        raise ConfigError(f"batch_size {cfg.batch_size} is not divisible by {world_size} processes")
    micro = cfg.micro_batch_size or cfg.batch_size // world_size
    if cfg.batch_size % (micro * world_size):
        raise ConfigError(f"batch_size {cfg.batch_size} must be a multiple of micro_batch_size x processes "
                         f"({micro} x {world_size})")
    return micro, cfg.batch_size // (micro * world_size)


def use_bf16(cfg: TrainConfig) -> bool:
    """bf16 autocast: as asked, or (auto) where the device runs bf16 matrix work natively (GPU or AMX/AVX512 CPU)."""
    return bf16_autocast(cfg.bf16)


def attention_kernel(cfg: TrainConfig) -> str | None:
    """The attention implementation the policy (and so its reference) is loaded with: as asked, else eager where
    training runs under bf16 autocast on the CPU. There sdpa's kernel splits the keys by the padded length, so a
    sequence's bf16 log-probs depend on its batch's padding (0.11 nats of a 60-token response on SmolLM2-135M) and a
    reference computed in other batches would not match the policy's step; eager's do not (0.0 measured, and no
    slower at these lengths: 7.9 s vs 8.5 s for a batch of 16 x 160 forward + backward)."""
    if cfg.attn_implementation or not use_bf16(cfg) or torch.cuda.is_available():
        return cfg.attn_implementation
    return "eager"


def under_fsdp(env: dict[str, str] | None = None) -> bool:
    """Launched by accelerate with FSDP (the policy's parameters are sharded, and under bf16 computed in bf16)."""
    return (os.environ if env is None else env).get("ACCELERATE_USE_FSDP", "").lower() == "true"


def low_precision_warning(cfg: TrainConfig, env: dict[str, str] | None = None) -> str | None:
    """A warning when full fine-tuning would update bf16/fp16 weights in place: steps below half a unit in the last
    place (~0.4% of a weight in bf16; lr 5e-7 steps are far smaller) are rounded away. FSDP launched by accelerate
    keeps fp32 master weights, and LoRA trains fp32 adapters, so neither is warned about."""
    if cfg.dtype not in ("bfloat16", "float16") or cfg.lora or under_fsdp(env):
        return None
    return (f"warning: dtype {cfg.dtype} with full fine-tuning updates {cfg.dtype} weights in place, so optimizer "
            f"steps below ~0.4% of a weight are lost (lr {cfg.learning_rate:g}); use dtype float32 with --bf16 auto "
            f"(autocast), or launch with accelerate FSDP mixed precision")


def training_arguments(cfg: TrainConfig, micro: int, accum: int) -> TrainingArguments:
    extra = {}
    if cfg.gradient_checkpointing:  # transformers renamed the flag in 5.x; use the name this version has
        names = {f.name for f in dataclasses.fields(TrainingArguments)}
        extra["activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"] = True
    adamw = "adamw_torch_fused" if torch.cuda.is_available() else "adamw_torch"
    if cfg.loss != "bt" and cfg.eval_source() is not None:  # held-out pairs: evaluated every eval_steps
        extra.update(eval_strategy="steps", eval_steps=cfg.eval_steps or cfg.logging_steps,
                     per_device_eval_batch_size=micro)
    # ddp_find_unused_parameters=False: the fused log-prob path uses lm_head.weight outside the module's own
    # forward, which DDP's unused-parameter search would wrongly mark ready before the backward.
    return TrainingArguments(
        output_dir=cfg.output_dir, per_device_train_batch_size=micro, gradient_accumulation_steps=accum,
        learning_rate=cfg.learning_rate, max_steps=cfg.max_steps, num_train_epochs=cfg.num_epochs,
        warmup_steps=cfg.warmup_steps, lr_scheduler_type=cfg.lr_scheduler, max_grad_norm=cfg.max_grad_norm,
        weight_decay=cfg.weight_decay, optim="rmsprop" if cfg.optimizer == "rmsprop" else adamw,
        seed=cfg.seed, data_seed=cfg.seed, bf16=use_bf16(cfg), logging_steps=cfg.logging_steps,
        save_steps=cfg.save_steps, save_total_limit=cfg.save_total_limit,
        report_to=[n.strip() for n in cfg.report_to.split(",") if n.strip() != "none"],
        remove_unused_columns=False, use_cpu=not torch.cuda.is_available(), dataloader_drop_last=False,
        save_only_model=False, ddp_find_unused_parameters=False, torch_compile=cfg.torch_compile,
        logging_nan_inf_filter=False,  # a non-finite loss stops training (MetricsTrainer), never hidden in a log
        **extra,
    )
