"""Training configuration: one dataclass, read from YAML, every field overridable on the command line.

Field names read like the paper (beta, lam, quality prompt p); defaults are the paper's where it states them
(beta 0.1, RMSprop, lr 5e-7, batch 64, max length 512) and marked [our default] where it is silent.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

import yaml

from sr_train.artifacts.assets import resolve
from sr_train.losses import F_DIVERGENCES, LOSSES, PRESETS, base_loss_name, components, get_spec, loss_weights
from sr_train.refine import QUALITY_PROMPT


def get_spec_or_none(loss: str, attribute: str) -> object:
    """An attribute of a loss's spec, None when the name is unknown (reported elsewhere)."""
    try:
        return getattr(get_spec(loss), attribute)
    except KeyError:
        return None


def _f(default: Any, help: str, **kw: Any) -> Any:
    return field(default=default, metadata={"help": help, **kw})


@dataclass
class TrainConfig:
    # --- what to train
    model: str = _f("", "policy and reference start: hub id, HF folder, .gguf file, or builtin:smollm2-135m-instruct")
    data: str = _f("", "preference data: hub id, local .json/.jsonl/.parquet/.arrow file, saved dataset folder, "
                   "or builtin:sr-pref-train / builtin:sr-pref-test (our shipped set)")
    data_split: str = _f("train", "split to read from a hub id or dataset folder")
    data_config: str | None = _f(None, "hub dataset config name, if any")
    max_rows: int | None = _f(None, "use only the first N rows (quick runs)")
    on_bad_row: str = _f("skip", "bad rows: 'skip' (counted, reported in data_report.json) or 'error'",
                         choices=("skip", "error"))
    template: str = _f("auto", "prompt rendering: 'chat' (tokenizer chat template), 'plain' (HH-RLHF "
                       "'\\n\\nHuman: ... \\n\\nAssistant:' text) or 'auto' (chat if the tokenizer has one)",
                       choices=("auto", "chat", "plain"))
    max_length: int = _f(512, "max tokens of prompt + response (paper: 512)")
    max_prompt_length: int = _f(256, "prompt kept to its last N tokens when the pair is too long [our default: 256]")
    # --- the loss
    loss: str = _f("sr-dpo", "loss name (see the list below), a preset (rpo, mpo, cpo, orpo; sr-rpo ... with the "
                   "refinement), bt, or a comma list of losses summed with --loss-weights (YAML: a list)")
    loss_weights: str | None = _f(None, "weights of a comma-list loss's components, e.g. '1,0.5' (YAML: a list); "
                                  "default: the preset's, else 1 each")
    beta: float = _f(0.1, "beta (IPO's tau for ipo / sr-ipo); paper: 0.1")
    lam: float = _f(0.5, "lambda, weight of the refinement term for sr-* (paper searched 0.1/0.3/0.5/1)")
    refine: str = _f("prompt", "refinement Delta: 'prompt' (beta*h_p, the paper's) or 'naive' (detached beta*h)",
                     choices=("prompt", "naive"))
    quality_prompt: str = _f(QUALITY_PROMPT, "the quality prompt p (default: the paper's, verbatim)")
    quality_prompt_file: str | None = _f(None, "read p from this text file instead")
    prompt_join: str = _f("{p} {x}", "how p joins the first user turn x ([our default] '{p} {x}': p, one space, x)")
    ipo_norm: str = _f("sum", "IPO log-ratio: 'sum' over tokens (paper) or 'mean' per token (TRL)",
                       choices=("sum", "mean"))
    label_smoothing: float = _f(0.0, "epsilon: assumed label-flip rate for robust and cdpo")
    simpo_gamma: float = _f(0.5, "SimPO target margin gamma (reference-free, length-normalised)")
    odpo_alpha: float = _f(1.0, "ODPO offset scale: offset = alpha * log(score_chosen - score_rejected)")
    discopop_tau: float = _f(0.05, "DiscoPOP temperature tau (TRL's default, the paper's)")
    f_divergence: str = _f("reverse_kl", "f-divergence regulariser of the margin losses (f-DPO, as TRL's "
                           "f_divergence_type): reverse_kl (DPO), forward_kl, js_divergence, alpha_divergence",
                           choices=F_DIVERGENCES)
    f_alpha: float = _f(0.5, "alpha of --f-divergence alpha_divergence (TRL's f_alpha_divergence_coef)")
    ld_alpha: float | None = _f(None, "LD-DPO alpha in [0, 1]: log-probs past the shorter response of each pair are "
                                "scaled by alpha, policy and reference (Liu+ 2024; TRL ld_alpha; None: off)")
    use_weighting: bool = _f(False, "WPO: weight each pair by exp(mean log p - log sum p^2) of y+ times y-, from the "
                             "policy, detached (Zhou+ 2024; TRL use_weighting)")
    token_stats: bool = _f(False, "log TRL's diagnostics (entropy, mean_token_accuracy, logits/chosen|rejected) from "
                           "the gradient forward's chunks, no extra forward", resume_safe=True)
    alphapo_alpha: float = _f(0.0, "AlphaPO reward shape for cpo_* / alphapo: reward (1 - p^-a)/a of p = exp(mean "
                              "log-prob) (TRL CPOConfig alpha; 0: log-prob rewards)")
    # --- optimisation
    optimizer: str = _f("rmsprop", "rmsprop (paper) or adamw", choices=("rmsprop", "adamw"))
    learning_rate: float = _f(5e-7, "peak learning rate (paper: 5e-7)")
    batch_size: int = _f(64, "global batch size in pairs (paper: 64)")
    micro_batch_size: int | None = _f(None, "pairs per device per forward; the rest is gradient accumulation",
                                      resume_safe=True)
    max_steps: int = _f(-1, "stop after N optimiser steps (-1: run num_epochs)")
    num_epochs: float = _f(1.0, "epochs over the data when max_steps is -1 [our default: 1]")
    warmup_steps: int = _f(150, "linear warm-up steps [our default: 150, DPO reference code]")
    lr_scheduler: str = _f("constant_with_warmup", "transformers scheduler name")
    max_grad_norm: float = _f(10.0, "gradient-norm clip [our default: 10]")
    weight_decay: float = _f(0.0, "weight decay")
    seed: int = _f(42, "random seed (data order, LoRA init)")
    # --- precision, memory, model form
    dtype: str = _f("float32", "weight dtype: float32, bfloat16, float16 or auto",
                    choices=("float32", "bfloat16", "float16", "auto"))
    bf16: str = _f("auto", "bf16 autocast: auto (on where the GPU supports it, or where the CPU runs bf16 matrix "
                   "work natively: AMX / AVX512-BF16), true, false", choices=("auto", "true", "false"))
    gradient_checkpointing: bool = _f(False, "recompute activations in the backward pass", resume_safe=True)
    group_by_length: bool = _f(False, "batch pairs of similar length together (less padding; changes data order)")
    pad_to_multiple_of: int | None = _f(None, "pad each batch's length to a multiple of N (e.g. 64 on GPUs)")
    torch_compile: bool = _f(False, "compile the model with torch.compile (dynamic shapes)", resume_safe=True)
    aug_shared_prefix: bool = _f(False, "sr-* p+x forward: run each pair's prefix p+x once with a KV cache, then "
                                 "both responses against it (same log-probs, fewer tokens; GPU speed-up not yet "
                                 "measured)", resume_safe=True)
    logps_path: str = _f("fused", "sequence log-probs: 'fused' (a chunked head that never builds full-vocabulary "
                         "logits, where the model allows it) or 'logits' (the model's own logits)",
                         choices=("fused", "logits"), resume_safe=True)
    attn_implementation: str | None = _f(None, "attention kernel: eager, sdpa, flash_attention_2 (default: "
                                         "library's)", resume_safe=True)
    disable_dropout: bool = _f(True, "turn the model's dropout off (as TRL and the DPO reference code do; the paper's "
                               "models have none)")
    trust_remote_code: bool = _f(False, "allow model code from the hub (off by default)", resume_safe=True)
    lora: bool = _f(False, "train LoRA adapters; the reference is the adapter-disabled policy")
    lora_r: int = _f(16, "LoRA rank")
    lora_alpha: int = _f(32, "LoRA alpha")
    lora_dropout: float = _f(0.0, "LoRA dropout")
    lora_target_modules: str = _f("all-linear", "LoRA target modules (comma list or all-linear)")
    save_merged: bool = _f(True, "LoRA runs: beside each adapter checkpoint, a merged plain model in "
                           "checkpoint-N/merged/ (for evaluation along training; a full model's size each)",
                           resume_safe=True)
    # --- reference log-probs
    reference: str = _f("precompute", "'precompute' (once, cached on disk) or 'live' (reference forward each step)",
                        choices=("precompute", "live"))
    ref_cache_dir: str = _f(".cache/ref-logps", "where precomputed reference log-probs are cached", resume_safe=True)
    ref_batch_size: int = _f(8, "pairs per forward when precomputing reference log-probs", resume_safe=True)
    # --- outputs
    output_dir: str = _f("runs/sr-dpo", "run folder: checkpoints, metrics.jsonl, final/", resume_safe=True)
    logging_steps: int = _f(1, "log metrics every N optimiser steps", resume_safe=True)
    save_steps: int = _f(500, "save a checkpoint every N steps", resume_safe=True)
    save_total_limit: int | None = _f(None, "keep only the last N checkpoints", resume_safe=True)
    keep_optimizer_state: bool = _f(False, "keep checkpoint-N's optimizer state once the run has finished (only "
                                    "resuming an unfinished run needs it; it is twice the model's size)",
                                    resume_safe=True)
    resume: str = _f("auto", "'auto' (resume from the last complete checkpoint in output_dir), 'never', or a path",
                     resume_safe=True)

    def __post_init__(self) -> None:
        """YAML lists of losses / weights become the comma strings the command line takes."""
        if isinstance(self.loss, (list, tuple)):
            self.loss = ",".join(str(x) for x in self.loss)
        if isinstance(self.loss_weights, (list, tuple)):
            self.loss_weights = ",".join(str(float(x)) for x in self.loss_weights)

    def loss_weight_values(self) -> tuple[float, ...] | None:
        """--loss-weights as numbers (None: the defaults)."""
        if self.loss_weights is None:
            return None
        try:
            return tuple(float(w) for w in str(self.loss_weights).split(","))
        except ValueError:
            raise ValueError(f"loss_weights must be comma-separated numbers, got {self.loss_weights!r}") from None

    def resolved(self) -> TrainConfig:
        """A copy with `builtin:` model / data names replaced by their local paths."""
        return dataclasses.replace(self, model=resolve(self.model), data=resolve(self.data))

    def quality_prompt_text(self) -> str:
        if self.quality_prompt_file:
            with open(self.quality_prompt_file, encoding="utf-8") as f:
                return f.read().strip()
        return self.quality_prompt

    def validate(self) -> TrainConfig:
        errors = []
        if not self.model:
            errors.append("model is required (--model)")
        if not self.data:
            errors.append("data is required (--data)")
        if self.loss != "bt":
            try:
                loss_weights(self.loss, self.loss_weight_values())
                if "exo_pair" in {n.removeprefix("sr-") for n in components(self.loss)[0]} and not self.label_smoothing:
                    errors.append("loss exo_pair needs label_smoothing > 0 (its eps; the EXO paper suggests 1e-3)")
                if self.f_divergence != "reverse_kl" and not get_spec(self.loss).f_divergence:
                    allowed = [n for n, s in LOSSES.items() if s.f_divergence]
                    errors.append(f"f_divergence {self.f_divergence!r} applies only to losses {allowed}, not "
                                  f"{self.loss!r}")
            except KeyError as e:
                errors.append(f"loss {self.loss!r} unknown ({e.args[0]}; or a preset {sorted(PRESETS)}, or bt)")
            except ValueError as e:
                errors.append(str(e))
        for f in dataclasses.fields(self):
            choices = f.metadata.get("choices")
            if choices and getattr(self, f.name) not in choices:
                errors.append(f"{f.name} must be one of {choices}, got {getattr(self, f.name)!r}")
        if self.beta <= 0:
            errors.append(f"beta must be > 0, got {self.beta}")
        if self.lam < 0:
            errors.append(f"lam must be >= 0, got {self.lam}")
        if self.max_prompt_length >= self.max_length:
            errors.append("max_prompt_length must be smaller than max_length")
        if self.micro_batch_size is not None and self.batch_size % self.micro_batch_size:
            errors.append("batch_size must be a multiple of micro_batch_size")
        if "{p}" not in self.prompt_join or "{x}" not in self.prompt_join:
            errors.append("prompt_join must contain {p} and {x}")
        if self.ld_alpha is not None and not 0 <= self.ld_alpha <= 1:
            errors.append(f"ld_alpha must be in [0, 1], got {self.ld_alpha}")
        if self.use_weighting and self.loss != "bt" and get_spec_or_none(self.loss, "sorts_batch"):
            errors.append(f"use_weighting: WPO weights do not apply to loss {self.loss!r} (it sorts the batch)")
        if not 0 <= self.label_smoothing < 0.5:
            errors.append("label_smoothing must be in [0, 0.5)")
        if self.quality_prompt_file and not os.path.isfile(self.quality_prompt_file):
            errors.append(f"quality_prompt_file {self.quality_prompt_file} does not exist")
        if self.loss in LOSSES and base_loss_name(self.loss) is None:
            errors.append(f"loss {self.loss!r} has no base")
        if errors:
            raise ValueError("invalid config:\n  - " + "\n  - ".join(errors))
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def training_settings(cfg: TrainConfig) -> dict[str, Any]:
    """The fields that shape what is trained: all but the `resume_safe` ones (output, logging, memory, kernels)."""
    now = cfg.to_dict()
    return {f.name: now[f.name] for f in dataclasses.fields(TrainConfig) if not f.metadata.get("resume_safe")}


def unknown_fields(raw: dict[str, Any]) -> list[str]:
    """Keys of `raw` that are not TrainConfig fields, sorted."""
    return sorted(set(raw) - {f.name for f in dataclasses.fields(TrainConfig)})


def load_yaml(path: str) -> dict[str, Any]:
    """Read a YAML config; unknown keys are an error naming the file."""
    with open(path, encoding="utf-8") as f:
        raw = yaml.safe_load(f) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a config must be a mapping of field: value")
    unknown = unknown_fields(raw)
    if {"methods", "reward_model"} <= set(raw):
        raise ValueError(f"{path} is a pipeline config (it has methods: and reward_model:); run it with "
                         f"`sr-bench pipeline --config {path}`")
    if unknown:
        raise ValueError(f"{path}: unknown config field(s) {unknown}; see sr-train --help")
    return raw
