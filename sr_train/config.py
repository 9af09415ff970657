"""Training configuration: one dataclass, read from YAML, every field overridable on the command line.

Field names read like the paper (beta, lam, quality prompt p); defaults are the paper's where it states them
(beta 0.1, RMSprop, lr 5e-7, batch 64, max length 512) and marked [our default] where it is silent. Fields come in
groups by what they serve (each `_group(...)` line heads one: sr-train's --help groups). The loss's settings take
their default, help and choices from LossParams (sr_train.losses), where each is written once; each loss's spec
names the knobs it reads, and a knob changed for a loss that does not read it is refused (unread_fields).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import os
from dataclasses import dataclass, field
from typing import Any

from sr_train.artifacts.assets import cache_dir, resolve
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import read_yaml_mapping
from sr_train.flags import convert, declared_type, field_default, shown
from sr_train.losses import (
    LOSS_KNOBS,
    LOSSES,
    PRESETS,
    LossParams,
    LossSpec,
    base_loss_name,
    components,
    get_spec,
    loss_weights,
    readers_text,
)
from sr_train.refine import QUALITY_PROMPT
from sr_train.spo import DEFAULT_DEGREES, SCORES, SPO_FORMS, UNITS, SpoSettings, parse_degrees


class ConfigError(UserError):
    """A setting of the wrong type, out of range, or unknown; the message names the file / flag and the key."""


def _config_error(errors: list[str], origins: dict[str, str] | None = None) -> ConfigError:
    """One ConfigError for all problems; each that starts with a field name set in a file says so (`file: field`)."""
    origins = origins or {}
    named = [f"{origins[e.split(' ', 1)[0]]}: {e}" if e.split(" ", 1)[0] in origins else e for e in errors]
    return ConfigError("invalid config: " + "; ".join(named))


FLOAT16_FULL_FINE_TUNING = (
    "dtype float16 with full fine-tuning is refused: the optimisers' eps (1e-8) is 0 in float16 and small updates "
    "round away, so the weights turn NaN within a few steps; use --dtype float32 (with --bf16 true/auto autocast), "
    "--dtype bfloat16, or --lora true")


# --report-to names the Trainer knows -> the package each needs
TRACKERS = {"tensorboard": "tensorboard", "wandb": "wandb", "mlflow": "mlflow", "comet_ml": "comet_ml",
            "trackio": "trackio"}


def tracker_errors(report_to: str) -> list[str]:
    """Names of --report-to that are unknown or whose package is not installed."""
    errors = []
    for name in (n.strip() for n in report_to.split(",")):
        if name == "none":
            continue
        if name not in TRACKERS:
            errors.append(f"report_to: unknown tracker {name!r} (none, or a comma list of {sorted(TRACKERS)})")
        elif importlib.util.find_spec(TRACKERS[name]) is None:
            errors.append(f"report_to: {name} is not installed (pip install {TRACKERS[name]})")
    return errors


GROUPS: dict[str, str] = {}  # --help group -> what its settings serve, in order (each field's `group`)


def _group(name: str, serves: str) -> None:
    """Fields declared after this call in TrainConfig's body serve `name`: their --help group."""
    GROUPS[name] = serves


def _f(default: Any, help: str, **kw: Any) -> Any:
    return field(default=default, metadata={"help": help, "group": next(reversed(GROUPS)), **kw})


_LOSS_PARAMS = {f.name: f for f in dataclasses.fields(LossParams)}


def _loss_f(name: str, **kw: Any) -> Any:
    """A LossParams setting as a TrainConfig field: its default, help and choices are written there, once."""
    f = _LOSS_PARAMS[name]
    return _f(f.default, **{**f.metadata, **kw})


@dataclass
class TrainConfig:
    _group("model", "the policy and its reference")
    model: str = _f("", "policy and reference start: hub id, HF folder, .gguf file, or builtin:smollm2-135m-instruct")
    trust_remote_code: bool = _f(False, "allow model code from the hub", resume_safe=True)
    disable_dropout: bool = _f(True, "turn the model's dropout off (as TRL and the DPO reference code do; the paper's "
                               "models have none)")
    lora: bool = _f(False, "train LoRA adapters; the reference is the adapter-disabled policy")
    lora_r: int = _f(16, "LoRA rank")
    lora_alpha: int = _f(32, "LoRA alpha")
    lora_dropout: float = _f(0.0, "LoRA dropout")
    lora_target_modules: str = _f("all-linear", "LoRA target modules (comma list or all-linear)")
    reference: str = _f("precompute", "'precompute' (once, cached on disk) or 'live' (reference forward each step)",
                        choices=("precompute", "live"))
    ref_cache_dir: str = _f("", "where precomputed reference log-probs are cached (empty: ref-logps in the user "
                            "cache folder: $SR_ALIGN_CACHE, else $XDG_CACHE_HOME/sr-align, else ~/.cache/sr-align)",
                            resume_safe=True)
    ref_batch_size: int = _f(8, "pairs per forward when precomputing reference log-probs", resume_safe=True)

    _group("data", "the preference pairs and how they are tokenised")
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
    max_prompt_length: int = _f(256, "prompt kept to its last N tokens when the pair is too long [our default]")

    _group("loss", "the loss and its knobs; a knob set for a loss other than --loss is refused")
    loss: str = _f("sr-dpo", "loss name (see the list below), a preset (rpo, mpo, cpo, orpo; sr-rpo ... with the "
                   "refinement), bt, or a comma list of losses summed with --loss-weights (YAML: a list)")
    loss_weights: str | None = _f(None, "weights of a comma-list loss's components, e.g. '1,0.5' (YAML: a list); "
                                  "None: the preset's, else 1 each")
    beta: float = _loss_f("beta")
    lam: float = _loss_f("lam")
    refine: str = _loss_f("refine")
    quality_prompt: str = _f(QUALITY_PROMPT, "the quality prompt p (the paper's, verbatim, unless set)",
                             only_with=("refine", "prompt"))
    quality_prompt_file: str | None = _f(None, "read p from this text file instead", only_with=("refine", "prompt"))
    prompt_join: str = _f("{p} {x}", "how p joins the first user turn x ([our default]: p, one space, x)",
                          only_with=("refine", "prompt"))
    ipo_norm: str = _loss_f("ipo_norm")
    label_smoothing: float = _loss_f("label_smoothing")
    simpo_gamma: float = _loss_f("simpo_gamma")
    odpo_alpha: float = _loss_f("odpo_alpha")
    discopop_tau: float = _loss_f("discopop_tau")
    f_divergence: str = _loss_f("f_divergence")
    f_alpha: float = _loss_f("f_alpha")
    alphapo_alpha: float = _loss_f("alphapo_alpha")
    hdpo_alpha: float = _loss_f("hdpo_alpha")
    up_penalty: str = _loss_f("up_penalty")
    up_gamma: float = _loss_f("up_gamma")
    ld_alpha: float | None = _f(None, "LD-DPO alpha in [0, 1]: log-probs past the shorter response of each pair are "
                                "scaled by alpha, policy and reference (Liu+ 2024; TRL ld_alpha; None: off)")
    use_weighting: bool = _f(False, "WPO: weight each pair by exp(mean log p - log sum p^2) of y+ times y-, from the "
                             "policy, detached (Zhou+ 2024; TRL use_weighting)")
    spo_weight: float = _f(0.0, "SPO auxiliary loss weight w (Li+ 2024): loss = alignment loss + w * the degree loss "
                           "over each chosen response and its degraded versions (0: off, nothing extra computed)")
    spo_degrees: str = _f(DEFAULT_DEGREES, "SPO degrees: shares of the response's units removed, increasing in "
                          "(0, 1), nested (YAML: a list)", only_with=("spo_weight", None))
    spo_unit: str = _f("word", "SPO: the unit removed, word or sentence", choices=UNITS,
                       only_with=("spo_weight", None))
    spo_form: str = _f("rank", "SPO degree loss: 'rank' (Plackett-Luce by degree) or 'top1' (the intact response "
                       "picked out of all versions)", choices=SPO_FORMS, only_with=("spo_weight", None))
    spo_score: str = _f("mean", "SPO score of a version: the policy's mean token log-prob or its sum", choices=SCORES,
                        only_with=("spo_weight", None))

    _group("optimisation", "the optimiser, its schedule, the batch and the run's length")
    optimizer: str = _f("rmsprop", "rmsprop (paper) or adamw", choices=("rmsprop", "adamw"))
    learning_rate: float = _f(5e-7, "peak learning rate (paper: 5e-7)")
    batch_size: int = _f(64, "global batch size in pairs (paper: 64)")
    micro_batch_size: int | None = _f(None, "pairs per device per forward; the rest is gradient accumulation",
                                      resume_safe=True)
    max_steps: int = _f(-1, "stop after N optimiser steps (-1: run num_epochs)")
    num_epochs: float = _f(1.0, "epochs over the data when max_steps is -1 [our default]")
    warmup_steps: int = _f(150, "linear warm-up steps [our default, the DPO reference code's]")
    lr_scheduler: str = _f("constant_with_warmup", "transformers scheduler name")
    max_grad_norm: float = _f(10.0, "gradient-norm clip [our default]")
    weight_decay: float = _f(0.0, "weight decay")
    seed: int = _f(42, "random seed (data order, LoRA init)")

    _group("precision", "precision, memory and kernels")
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
    attn_implementation: str | None = _f(None, "attention kernel: eager, sdpa, flash_attention_2 (None: the "
                                         "library's)", resume_safe=True)

    _group("checkpoints", "the run folder, its checkpoints and resuming")
    output_dir: str = _f("", "run folder: checkpoints, metrics.jsonl, final/ (empty: runs/<loss>)", resume_safe=True)
    save_steps: int = _f(500, "save a checkpoint every N steps", resume_safe=True)
    save_total_limit: int | None = _f(None, "keep only the last N checkpoints", resume_safe=True)
    keep_optimizer_state: bool = _f(False, "keep checkpoint-N's optimizer state once the run has finished (only "
                                    "resuming an unfinished run needs it; it is twice the model's size)",
                                    resume_safe=True)
    save_merged: bool = _f(True, "LoRA runs: beside each adapter checkpoint, a merged plain model in "
                           "checkpoint-N/merged/ (for evaluation along training; a full model's size each)",
                           resume_safe=True)
    resume: str = _f("auto", "'auto' (resume from the last complete checkpoint in output_dir), 'never', or a path",
                     resume_safe=True)

    _group("logging", "metrics.jsonl and trackers")
    logging_steps: int = _f(1, "log metrics every N optimiser steps", resume_safe=True)
    token_stats: bool = _f(True, "log TRL's diagnostics (entropy, mean_token_accuracy, logits/chosen|rejected) from "
                           "the gradient forward's chunks, no extra forward (~1% of a CPU step)", resume_safe=True)
    report_to: str = _f("none", "also log to these trackers (the Trainer's report_to): none, or a comma list of "
                        f"{', '.join(TRACKERS)} (each installed)", resume_safe=True)

    _group("evaluation", "held-out pairs evaluated during training")
    eval_data: str | None = _f(None, "held-out preference pairs evaluated during training (any --data source); "
                               "their metrics go to metrics.jsonl as eval_<name> (TRL's names)", resume_safe=True)
    eval_split: str | None = _f(None, "split of eval_data (None: data_split) or, without eval_data, a split of "
                                "data (e.g. test) held out for evaluation", resume_safe=True)
    eval_steps: int | None = _f(None, "evaluate every N optimiser steps (None: logging_steps)", resume_safe=True)

    def __post_init__(self) -> None:
        """YAML lists of losses / weights become the comma strings the command line takes; defaults that depend on
        other fields (output_dir from the loss, the reference cache under the user cache folder) are filled in."""
        if isinstance(self.loss, (list, tuple)):
            self.loss = ",".join(str(x) for x in self.loss)
        if isinstance(self.loss_weights, (list, tuple)):
            self.loss_weights = ",".join(str(float(x)) for x in self.loss_weights)
        if isinstance(self.spo_degrees, (list, tuple)):
            self.spo_degrees = ",".join(str(float(x)) for x in self.spo_degrees)
        if not self.output_dir and isinstance(self.loss, str):
            self.output_dir = default_output_dir(self.loss)
        if not self.ref_cache_dir:
            self.ref_cache_dir = str(cache_dir() / "ref-logps")

    def loss_weight_values(self) -> tuple[float, ...] | None:
        """--loss-weights as numbers (None: the defaults)."""
        if self.loss_weights is None:
            return None
        try:
            return tuple(float(w) for w in str(self.loss_weights).split(","))
        except ValueError:
            raise ValueError(f"loss_weights must be comma-separated numbers, got {self.loss_weights!r}") from None

    def loss_spec(self) -> LossSpec | None:
        """What the loss reads and needs (a composite's: any component's); None for bt (a reward model) and for a
        name validate() refuses."""
        if self.loss == "bt":
            return None
        try:
            return get_spec(self.loss)
        except KeyError:
            return None

    def loss_params(self) -> LossParams:
        """The loss's settings: each LossParams field from the field of the same name, the weights as numbers."""
        return LossParams(**{name: getattr(self, name) for name in _LOSS_PARAMS if name != "loss_weights"},
                          loss_weights=self.loss_weight_values())

    def spo(self) -> SpoSettings | None:
        """The SPO auxiliary loss's settings; None when it is off (spo_weight 0, or a reward model)."""
        if not self.spo_weight or self.loss == "bt":
            return None
        return SpoSettings(self.spo_weight, parse_degrees(self.spo_degrees), self.spo_unit, self.spo_form,
                           self.spo_score, self.seed)

    def resolved(self) -> TrainConfig:
        """A copy with `builtin:` model / data names replaced by their local paths."""
        return dataclasses.replace(self, model=resolve(self.model), data=resolve(self.data),
                                   eval_data=resolve(self.eval_data) if self.eval_data else self.eval_data)

    def eval_source(self) -> tuple[str, str] | None:
        """(source, split) of the held-out pairs; None when no evaluation was asked for."""
        if self.eval_data:
            return self.eval_data, self.eval_split or self.data_split
        if self.eval_split:
            return self.data, self.eval_split
        return None

    def quality_prompt_text(self) -> str:
        if self.quality_prompt_file:
            with open(self.quality_prompt_file, encoding="utf-8") as f:
                return f.read().strip()
        return self.quality_prompt

    def validate(self, origins: dict[str, str] | None = None) -> TrainConfig:
        """Self, when every field has its type and range (and fields agree); else a ConfigError listing each
        problem, prefixed by where the field was set when `origins` ({field: file or 'command line'}) says."""
        errors = type_errors(self)
        if errors:  # ranges compare numbers: a field of the wrong type is reported alone
            raise _config_error(errors, origins)
        if not self.model:
            errors.append("model is required (--model)")
        if not self.data:
            errors.append("data is required (--data)")
        if self.loss != "bt":
            try:
                loss_weights(self.loss, self.loss_weight_values())
                if "exo_pair" in {n.removeprefix("sr-") for n in components(self.loss)[0]} and not self.label_smoothing:
                    errors.append("loss exo_pair needs label_smoothing > 0 (its eps; the EXO paper suggests 1e-3)")
            except KeyError as e:
                errors.append(f"loss {self.loss!r} unknown ({e.args[0]}; or a preset {sorted(PRESETS)}, or bt)")
            except ValueError as e:
                errors.append(str(e))
        if self.loss == "bt" or self.loss_spec() is not None:  # (an unknown loss is reported alone)
            errors += unread_fields(self).values()
        for f in dataclasses.fields(self):
            choices = f.metadata.get("choices")
            if choices and getattr(self, f.name) not in choices:
                errors.append(f"{f.name} must be one of {choices}, got {getattr(self, f.name)!r}")
        errors += range_errors(self)
        if self.max_prompt_length >= self.max_length:
            errors.append("max_prompt_length must be smaller than max_length")
        if self.micro_batch_size and self.batch_size % self.micro_batch_size:
            errors.append("batch_size must be a multiple of micro_batch_size")
        if "{p}" not in self.prompt_join or "{x}" not in self.prompt_join:
            errors.append("prompt_join must contain {p} and {x}")
        if self.ld_alpha is not None and not 0 <= self.ld_alpha <= 1:
            errors.append(f"ld_alpha must be in [0, 1], got {self.ld_alpha}")
        try:
            parse_degrees(self.spo_degrees)
        except ValueError as e:
            errors.append(str(e))
        if self.spo_weight and self.loss == "bt":
            errors.append("spo_weight: SPO's auxiliary loss is for the preference losses, not bt")
        if self.spo_weight and self.ld_alpha is not None:
            errors.append("spo_weight with ld_alpha: SPO scores the intact response by its plain log-probs, which "
                          "LD-DPO's forward does not give; use one or the other")
        if self.use_weighting and (spec := self.loss_spec()) is not None and spec.sorts_batch:
            errors.append(f"use_weighting: WPO weights do not apply to loss {self.loss!r} (it sorts the batch)")
        if self.eval_split and not self.eval_data and self.eval_split == self.data_split:
            errors.append(f"eval_split {self.eval_split!r} is the training split (data_split): evaluation needs "
                          "held-out pairs (another split, or --eval-data)")
        if self.eval_steps is not None and self.eval_source() is None:
            errors.append("eval_steps needs held-out pairs: --eval-data or --eval-split")
        if self.loss == "bt" and self.eval_source() is not None:
            errors.append("eval_data / eval_split: evaluation during training is for the preference losses, not bt")
        errors += tracker_errors(self.report_to)
        if not 0 <= self.label_smoothing < 0.5:
            errors.append("label_smoothing must be in [0, 0.5)")
        if self.quality_prompt_file and not os.path.isfile(self.quality_prompt_file):
            errors.append(f"quality_prompt_file {self.quality_prompt_file} does not exist")
        if self.dtype == "float16" and not self.lora:
            errors.append(FLOAT16_FULL_FINE_TUNING)
        if self.loss in LOSSES and base_loss_name(self.loss) is None:
            errors.append(f"loss {self.loss!r} has no base")
        if errors:
            raise _config_error(errors, origins)
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_DEFAULTS = {f.name: field_default(f) for f in dataclasses.fields(TrainConfig)}
# a setting read only when another is on: name -> (that setting, the value it must have; None: any but its default)
_ONLY_WITH = {f.name: f.metadata["only_with"] for f in dataclasses.fields(TrainConfig) if "only_with" in f.metadata}


def read_note(name: str) -> str:
    """For --help: who reads field `name` when not every run does (the losses reading a loss knob; the setting it
    needs), else ''."""
    parts = [f"read by {readers_text(name)}"] if name in LOSS_KNOBS else []
    if (needs := _ONLY_WITH.get(name)) is not None:
        other, wanted = needs
        parts.append(f"{'with' if parts else 'read only with'} --{other.replace('_', '-')} "
                     + (f"other than {_DEFAULTS[other]!r}" if wanted is None else repr(wanted)))
    return f"[{', '.join(parts)}]" if parts else ""


def unread_fields(cfg: TrainConfig) -> dict[str, str]:
    """Settings changed from their default that nothing would read, each with an error naming what reads it: a loss
    knob the chosen loss does not read (--simpo-gamma with dpo), or a setting of another setting that is off (f_alpha
    without f_divergence alpha_divergence, spo_* without spo_weight, p without refine 'prompt')."""
    spec = cfg.loss_spec()
    reads = spec.reads if spec is not None else frozenset()
    unread = {}
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if value == _DEFAULTS[f.name]:
            continue
        if f.name in LOSS_KNOBS and f.name not in reads:
            unread[f.name] = f"{f.name} {shown(value)} applies only to {readers_text(f.name)}, not {cfg.loss!r}"
        elif (needs := _ONLY_WITH.get(f.name)) is not None:
            other, wanted = needs
            now = getattr(cfg, other)
            if (now == _DEFAULTS[other]) if wanted is None else (now != wanted):
                unread[f.name] = (f"{f.name} {shown(value)} is read only with {other} "
                                  + (f"other than {_DEFAULTS[other]!r}" if wanted is None else repr(wanted)))
    return unread


def training_settings(cfg: TrainConfig) -> dict[str, Any]:
    """The fields that shape what is trained: all but the `resume_safe` ones (output, logging, memory, kernels)."""
    now = cfg.to_dict()
    return {f.name: now[f.name] for f in dataclasses.fields(TrainConfig) if not f.metadata.get("resume_safe")}


def unknown_fields(raw: dict[str, Any]) -> list[str]:
    """Keys of `raw` that are not TrainConfig fields, sorted."""
    return sorted(set(raw) - {f.name for f in dataclasses.fields(TrainConfig)})


def load_yaml(path: str) -> dict[str, Any]:
    """Read a YAML config; unknown keys and values that are not of their field's type are errors naming the file
    and key (values are converted: `lora: "false"` is False, `learning_rate: "5e-7"` is 5e-07)."""
    raw = read_yaml_mapping(path, "config", ConfigError)
    unknown = unknown_fields(raw)
    if {"methods", "reward_model"} <= set(raw):
        raise ConfigError(f"{path} is a pipeline config (it has methods: and reward_model:); run it with "
                         f"`sr-bench pipeline --config {path}`")
    if unknown:
        raise ConfigError(f"{path}: unknown config field(s) {unknown}; see sr-train --help")
    return typed_fields(raw, path)



# -- types and ranges ----------------------------------------------------------------------------------------
def default_output_dir(loss: str) -> str:
    """The run folder when none is given: named by the loss (runs/dpo, runs/sr-ipo, ...)."""
    return os.path.join("runs", loss)


def field_type(name: str) -> tuple[type, bool]:
    """(the declared type of TrainConfig field `name`, whether it may be None)."""
    return declared_type(TrainConfig, name)


LIST_FIELDS = ("loss", "loss_weights", "spo_degrees")  # a YAML list or a comma string: `loss: [dpo, sft]`, `--loss dpo,sft`


def typed_fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """Each TrainConfig field of `raw` converted to its declared type; a ValueError naming `where`, the key and the
    value of every one that cannot be."""
    out, errors = {}, []
    for key, value in raw.items():
        if key not in {f.name for f in dataclasses.fields(TrainConfig)}:
            out[key] = value
            continue
        if key in LIST_FIELDS and isinstance(value, (list, tuple)):  # YAML lists: the comma form flags take
            value = ",".join(str(float(v)) if key in ("loss_weights", "spo_degrees") and isinstance(v, (int, float))
                             and not isinstance(v, bool) else str(v) for v in value)
        try:
            out[key] = convert(value, *field_type(key))
        except ValueError as e:
            errors.append(f"{where}: {key}: {e}")
    if errors:
        raise ConfigError("; ".join(errors))
    return out


def type_errors(cfg: TrainConfig) -> list[str]:
    """Fields whose value is not of the declared type (a TrainConfig built in code from unconverted values)."""
    errors = []
    for f in dataclasses.fields(cfg):
        t, optional = field_type(f.name)
        value = getattr(cfg, f.name)
        if value is None and optional:
            continue
        ok = (isinstance(value, bool) if t is bool else
              isinstance(value, t) and not isinstance(value, bool) if t is int else
              isinstance(value, (int, float)) and not isinstance(value, bool) if t is float else
              isinstance(value, t))
        if not ok:
            errors.append(f"{f.name} must be {'an' if t is int else 'a'} {t.__name__}, got {value!r}")
    return errors


# (field, smallest allowed, whether the smallest itself is allowed); floats must also be finite
_MINIMUM: dict[str, tuple[float, bool]] = {
    "batch_size": (1, True), "micro_batch_size": (1, True), "ref_batch_size": (1, True), "max_rows": (1, True),
    "max_length": (2, True), "max_prompt_length": (1, True), "learning_rate": (0, False), "beta": (0, False),
    "lam": (0, True), "seed": (0, True), "warmup_steps": (0, True), "num_epochs": (0, False),
    "max_grad_norm": (0, True), "weight_decay": (0, True), "lora_r": (1, True), "lora_alpha": (1, True),
    "lora_dropout": (0, True), "logging_steps": (1, True), "save_steps": (1, True), "save_total_limit": (1, True),
    "pad_to_multiple_of": (1, True), "eval_steps": (1, True), "simpo_gamma": (0, True), "odpo_alpha": (0, True),
    "hdpo_alpha": (0, False), "up_gamma": (0, True), "spo_weight": (0, True),
}
MAX_SEED = 2**32 - 1  # numpy's seed range (transformers.set_seed seeds numpy too)


def range_errors(cfg: TrainConfig) -> list[str]:
    """Numbers outside their field's range, each naming the field and value."""
    errors = []
    for name, (low, inclusive) in _MINIMUM.items():
        value = getattr(cfg, name)
        if value is None:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            errors.append(f"{name} must be a finite number, got {value}")
        elif value < low or (value == low and not inclusive):
            errors.append(f"{name} must be {'>=' if inclusive else '>'} {low}, got {value}")
    if cfg.seed > MAX_SEED:
        errors.append(f"seed must be <= {MAX_SEED}, got {cfg.seed}")
    if cfg.max_steps != -1 and cfg.max_steps < 1:
        errors.append(f"max_steps must be -1 (run num_epochs) or >= 1, got {cfg.max_steps}")
    if not cfg.lora_dropout < 1:
        errors.append(f"lora_dropout must be < 1, got {cfg.lora_dropout}")
    if not math.isfinite(cfg.label_smoothing):
        errors.append(f"label_smoothing must be a finite number, got {cfg.label_smoothing}")
    return errors


def planned_steps(cfg: TrainConfig, num_pairs: int) -> int:
    """Optimiser steps the run will take: max_steps, else ceil(pairs / batch) per epoch times num_epochs."""
    if cfg.max_steps != -1:
        return cfg.max_steps
    return max(1, math.ceil(math.ceil(num_pairs / cfg.batch_size) * cfg.num_epochs))


def warmup_warning(cfg: TrainConfig, steps: int) -> str | None:
    """A warning when linear warm-up is longer than the run (the learning rate never reaches its peak)."""
    if cfg.warmup_steps <= steps:
        return None
    peak = cfg.learning_rate * steps / cfg.warmup_steps
    return (f"warning: warmup_steps {cfg.warmup_steps} exceeds the run's {steps} steps, so the learning rate never "
            f"reaches {cfg.learning_rate:g} (at most {peak:.3g}); lower --warmup-steps")
