"""PreferenceTrainer: transformers.Trainer with our collator, loss registry, reference handling and metrics.

One gradient forward per step over [chosen; rejected]; for Sr-* with the 'prompt' refinement, one more forward of
the policy on the p+x view under torch.no_grad (Delta is detached, so no graph is built), through the same wrapped
(compiled / DDP) model as the gradient forward, and by the shared-prefix path when the collator split the view.
Reference log-probs come from the batch (precomputed, cached) or, as the fallback, from a live reference forward.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from pathlib import Path

import torch
from transformers import Trainer, TrainerCallback
from transformers.trainer_pt_utils import LengthGroupedSampler

from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import append_jsonl
from sr_train.artifacts.models import is_peft, save_plain
from sr_train.artifacts.runs import checkpoint_name, merged_dir
from sr_train.logps import (
    DIAGNOSTICS,
    NumericPath,
    SequenceParts,
    aug_view_logps,
    numeric_path,
    view_logps,
    view_parts,
)
from sr_train.losses import LossOutput, LossParams, PairLogps, compute_loss, get_spec, needs_aug_view
from sr_train.spo import SpoSettings, spo_loss, spo_scores


def _view(model: torch.nn.Module, inputs: dict, prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
    return aug_view_logps(model, inputs) if prefix == "aug_" else view_logps(model, inputs, prefix)


class EpochLengthGroupedSampler(LengthGroupedSampler):
    """transformers' LengthGroupedSampler with its shuffle seeded by (seed, epoch): the Trainer calls set_epoch, so
    a run resumed mid-way through epoch k draws epoch k's order again (the global RNG would give epoch 1's)."""

    def __init__(self, batch_size: int, lengths: list[int], seed: int):
        super().__init__(batch_size, lengths=lengths, generator=torch.Generator())
        self.seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        self.generator.manual_seed(self.seed + self.epoch)
        return super().__iter__()


class NonFiniteError(UserError):
    """Training reached a non-finite loss or gradient norm; it stops before the optimiser step applies it."""


class _NonFiniteGuard(TrainerCallback):
    """Before each optimiser step: a non-finite loss in any micro-batch of the step (counted by training_step) or a
    non-finite gradient norm stops training (NonFiniteError), so no checkpoint or final/ ever holds weights it made.
    Public hooks only: the norm is accelerate's (all processes, FSDP shards included); after clipping, a non-finite
    norm leaves NaN in the gradients, so the check holds with or without --max-grad-norm."""

    def __init__(self, trainer: MetricsTrainer):
        self.trainer = trainer

    def on_pre_optimizer_step(self, args, state, control, **kwargs):
        t = self.trainer
        bad_losses = t._nonfinite_losses
        t._nonfinite_losses = None
        if bad_losses is not None:
            bad_losses = int(t.accelerator.gather(bad_losses.reshape(1)).sum().item())
        params = [p for p in t.model_wrapped.parameters() if p.grad is not None]
        norm = float(t.accelerator.clip_grad_norm_(params, float("inf"))) if params else 0.0
        if bad_losses or not math.isfinite(norm):
            what = [f"loss (in {bad_losses} micro-batch(es))"] if bad_losses else []
            what += [] if math.isfinite(norm) else [f"gradient norm ({norm})"]
            raise NonFiniteError(
                f"training stopped at step {state.global_step + 1}: non-finite {' and '.join(what)}; the step was not "
                f"applied and nothing of it was saved (no final/). Lower --learning-rate or --beta, or use --dtype "
                f"float32")


class _SamplerEpoch(TrainerCallback):
    """Tell our length-grouped sampler the epoch at each epoch's start: on a mid-epoch resume under DDP the Trainer's
    own set_epoch call does not reach it through accelerate's skip and shard wrappers. The epoch index is the integer
    part of state.epoch (epoch + steps done / steps per epoch, restored from the checkpoint on resume)."""

    def __init__(self, trainer: MetricsTrainer):
        self.trainer = trainer

    def on_epoch_begin(self, args, state, control, **kwargs):
        sampler = self.trainer._length_sampler
        if sampler is not None:
            sampler.set_epoch(int(state.epoch + 1e-6))


class MetricsTrainer(Trainer):
    """Trainer that averages per-pair metrics (gathered over processes) into each log, appends every
    training log to metrics.jsonl with `step` and `tuples_seen`, and reports perf/tokens_per_s."""

    def __init__(self, *args, global_batch_size: int, metrics_path: str | None = None,
                 lengths: list[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.global_batch_size, self.metrics_path, self.lengths = global_batch_size, metrics_path, lengths
        self.model_accepts_loss_kwargs = False  # our loss is a per-batch mean: let Trainer scale accumulation
        # Metrics stay on the device until a log step: no host sync per micro-batch.
        self._metrics: dict[str, list[torch.Tensor]] = defaultdict(list)
        self._eval_metrics: dict[str, list[torch.Tensor]] = defaultdict(list)  # of the held-out pairs (evaluate)
        self._evaluating = False
        self._tokens: list[torch.Tensor] = []
        self._last_log_time = time.perf_counter()
        self._length_sampler: EpochLengthGroupedSampler | None = None  # set when batches are length-grouped
        self._nonfinite_losses: torch.Tensor | None = None  # micro-batches of this step with a non-finite loss
        self.add_callback(_NonFiniteGuard(self))
        self.add_callback(_SamplerEpoch(self))

    def _get_train_sampler(self, train_dataset=None):
        """With `lengths`, batches of similar length (less padding); else the Trainer's random sampler.
        The one private Trainer hook we override (TRL does too): get_train_dataloader has no public sampler argument.
        tests/test_trainer_hooks.py fails if transformers stops calling it."""
        if self.lengths is None:
            return super()._get_train_sampler(train_dataset)
        seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
        self._length_sampler = EpochLengthGroupedSampler(
            self.args.train_batch_size * self.args.gradient_accumulation_steps, self.lengths, seed)
        return self._length_sampler

    def training_step(self, model, inputs, num_items_in_batch=None):
        loss = super().training_step(model, inputs, num_items_in_batch)
        bad = (~torch.isfinite(loss.detach())).sum()  # stays on the device: checked once per optimiser step
        self._nonfinite_losses = bad if self._nonfinite_losses is None else self._nonfinite_losses + bad
        return loss

    def _gather_mean(self, name: str, values: torch.Tensor) -> None:
        """Collect per-pair `values` of a micro-batch from every process; the log reports their mean over the pairs
        of the logging window (a short last micro-batch weighs by its pairs). accelerator.gather, not
        gather_for_metrics: the latter trims every micro-batch once the dataloader has prefetched its last one."""
        v = self.accelerator.gather(values.detach().float().reshape(-1))
        self._store()[name].append(torch.stack([v.sum(), torch.tensor(float(v.numel()), device=v.device)]))

    def _gather_ratio(self, name: str, numerator: torch.Tensor, denominator: torch.Tensor) -> None:
        """Collect a sum and its count (e.g. over tokens); the log reports total sum / total count of the window."""
        v = self.accelerator.gather(torch.stack([numerator.detach().float(), denominator.detach().float()])[None])
        self._store()[name].append(v.sum(0))

    def _store(self) -> dict[str, list[torch.Tensor]]:
        """Where metrics of the current micro-batch go: the training window's, or the evaluation's."""
        return self._eval_metrics if self._evaluating else self._metrics

    def evaluate(self, *args, **kwargs) -> dict[str, float]:
        """The Trainer's evaluation of the held-out pairs, its per-pair metrics logged as eval_<name> (TRL's)."""
        self._evaluating = True
        try:
            return super().evaluate(*args, **kwargs)
        finally:
            self._evaluating = False
            self._eval_metrics.clear()

    def _count_tokens(self, inputs: dict) -> None:
        if self._evaluating:  # tokens_per_s and num_tokens count training tokens only
            return
        self._tokens.append(self.accelerator.gather(inputs["attention_mask"].sum().reshape(1)).sum())

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        training_step = "loss" in logs and self.model.training
        if training_step:
            for name, parts in self._metrics.items():
                if parts:
                    total, count = torch.stack(parts).sum(0).tolist()
                    logs[name] = total / count
            now = time.perf_counter()
            tokens = torch.stack(self._tokens).sum().item() if self._tokens else 0
            logs["perf/tokens_per_s"] = tokens / max(now - self._last_log_time, 1e-9)
            self._tokens, self._last_log_time = [], now
            logs["tuples_seen"] = self.state.global_step * self.global_batch_size
            self._num_tokens = getattr(self, "_num_tokens", 0) + tokens
            logs["num_tokens"] = self._num_tokens  # cumulative attended tokens (TRL's num_tokens)
        if self._evaluating:  # the evaluation's log: the held-out pairs' means (eval_loss per pair, as training's)
            for name, parts in self._eval_metrics.items():
                total, count = torch.stack(parts).sum(0).tolist()
                logs[f"eval_{name}"] = total / count
            self._eval_metrics.clear()
            logs["tuples_seen"] = self.state.global_step * self.global_batch_size
        else:
            self._metrics.clear()
        super().log(logs, start_time)
        if (training_step or self._evaluating) and self.metrics_path and self.is_world_process_zero():
            append_jsonl(self.metrics_path, {"step": self.state.global_step, **logs})


class PreferenceTrainer(MetricsTrainer):
    def __init__(self, *args, loss_name: str, loss_params: LossParams, ref_model: torch.nn.Module | None = None,
                 logps_fused: bool = True, ld_alpha: float | None = None, use_weighting: bool = False,
                 token_stats: bool = False, spo: SpoSettings | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_name, self.loss_params = loss_name, loss_params
        self.spo = spo if spo is not None and spo.weight else None  # SPO's auxiliary loss (sr_train.spo)
        # LD-DPO's alpha, WPO weights, TRL's per-token diagnostics: all from the x view's one forward (view_parts)
        self.ld_alpha, self.use_weighting, self.token_stats = ld_alpha, use_weighting, token_stats
        self.spec = get_spec(loss_name)
        self.ref_model = ref_model
        # the numeric path of every log-prob this trainer computes; a cached reference must be made on the same one.
        # Under FSDP the head is sharded, so the policy takes the logits path: so does its reference.
        self.numeric = NumericPath(bf16=bool(self.args.bf16), fused=logps_fused and not self.is_fsdp_enabled)

    def reference_param_dtype(self) -> torch.dtype | None:
        """The dtype FSDP mixed precision computes the policy's parameters in (the reference must use it too);
        None where the parameters are used as they are."""
        if not self.is_fsdp_enabled:
            return None
        return getattr(self.accelerator.state.fsdp_plugin.mixed_precision_policy, "param_dtype", None)

    # ----- reference log-probs -------------------------------------------------------------------------------
    @torch.no_grad()
    def _live_reference(self, model: torch.nn.Module, inputs: dict, prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
        n = inputs["input_ids"].shape[0] // 2
        unwrapped = self.accelerator.unwrap_model(model)
        if self.ref_model is not None:
            logps, _ = _view(self.ref_model, inputs, prefix)
        elif is_peft(unwrapped):
            with unwrapped.disable_adapter():
                logps, _ = _view(unwrapped, inputs, prefix)
        else:
            raise RuntimeError("no reference: precompute reference log-probs or pass ref_model")
        return logps[:n], logps[n:]

    def _reference(self, model, inputs, prefix: str) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        if self.spec.reference_free:
            return None, None
        key = f"ref_{prefix}chosen"
        if key in inputs:
            return inputs[key], inputs[f"ref_{prefix}rejected"]
        return self._live_reference(model, inputs, prefix)

    # ----- the loss ------------------------------------------------------------------------------------------
    def _ld_reference(self, model, inputs) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """LD-DPO's reference log-probs: shared + alpha * tail, from the batch (cached tails) or a live forward."""
        if self.spec.reference_free:
            return None, None
        n = inputs["input_ids"].shape[0] // 2
        if "ref_chosen_tail" in inputs:
            full = torch.cat([inputs["ref_chosen"], inputs["ref_rejected"]])
            tail = torch.cat([inputs["ref_chosen_tail"], inputs["ref_rejected_tail"]])
        else:
            unwrapped = self.accelerator.unwrap_model(model)
            with torch.no_grad():
                if self.ref_model is not None:
                    parts = view_parts(self.ref_model, inputs, ld=True)
                elif is_peft(unwrapped):
                    with unwrapped.disable_adapter():
                        parts = view_parts(unwrapped, inputs, ld=True)
                else:
                    raise RuntimeError("no reference: precompute reference log-probs or pass ref_model")
            full, tail = parts.logps, parts.tail
        ld = full - (1 - self.ld_alpha) * tail
        return ld[:n], ld[n:]

    def wanted_stats(self) -> tuple[str, ...]:
        """The per-token stats the policy's forward computes: TRL's diagnostics with token_stats, WPO's
        log sum p^2 with use_weighting, nothing else."""
        return (DIAGNOSTICS if self.token_stats else ()) + (("log_sum_sq_probs",) if self.use_weighting else ())

    def _policy_view(self, model, inputs) -> tuple[torch.Tensor, torch.Tensor, SequenceParts | None]:
        """(log-probs the loss reads, lengths, the forward's parts when LD-DPO / WPO / diagnostics need them)."""
        stats = self.wanted_stats()
        if self.ld_alpha is None and not stats:
            return *view_logps(model, inputs), None
        parts = view_parts(model, inputs, ld=self.ld_alpha is not None, stats=stats)
        logps = parts.logps if self.ld_alpha is None else parts.logps - (1 - self.ld_alpha) * parts.tail
        return logps, parts.lengths, parts

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        with numeric_path(self.numeric, self.args.device):
            return self._compute_loss(model, inputs, return_outputs)

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        """A held-out batch: the training loss and metrics without gradient, on the trainer's numeric path."""
        inputs = self._prepare_inputs(inputs)
        with torch.no_grad(), numeric_path(self.numeric, self.args.device):
            loss, out = self._compute_loss(model, inputs, True)
        self._gather_mean("loss", out.losses)
        return loss.detach(), None, None

    def _compute_loss(self, model, inputs, return_outputs: bool):
        n = inputs["input_ids"].shape[0] // 2
        logps, lengths, parts = self._policy_view(model, inputs)
        if self.ld_alpha is None:
            ref_c, ref_r = self._reference(model, inputs, "")
        else:
            ref_c, ref_r = self._ld_reference(model, inputs)
        pair = PairLogps(chosen=logps[:n], rejected=logps[n:], chosen_len=lengths[:n], rejected_len=lengths[n:],
                         ref_chosen=ref_c, ref_rejected=ref_r,
                         score_chosen=inputs.get("score_chosen"), score_rejected=inputs.get("score_rejected"),
                         weight=inputs.get("weight"), uncertainty=inputs.get("uncertainty"))
        if needs_aug_view(self.loss_name, self.loss_params.refine):
            with torch.no_grad():  # Delta is detached: the p+x forward builds no autograd graph
                aug, _ = aug_view_logps(model, inputs)  # `model` as wrapped: compiled stays compiled
            pair.aug_chosen, pair.aug_rejected = aug[:n], aug[n:]
            pair.ref_aug_chosen, pair.ref_aug_rejected = self._reference(model, inputs, "aug_")
        if self.use_weighting:  # WPO: each pair weighted by exp(mean_t log p_t - log sum_v p_v^2) of y+ times y-
            aligned = torch.exp((parts.logps.detach() - parts.stats["log_sum_sq_probs"]) / parts.lengths.clamp(min=1))
            wpo = aligned[:n] * aligned[n:]
            pair.weight = wpo if pair.weight is None else pair.weight * wpo
        out = compute_loss(self.loss_name, pair, self.loss_params)
        if self.spo is not None:
            self._add_spo(model, inputs, out, pair)
        loss = out.losses.mean()
        self._record(out, pair, inputs)
        if self.token_stats:
            self._record_token_stats(parts, n)
        return (loss, out) if return_outputs else loss

    def _add_spo(self, model, inputs: dict, out: LossOutput, pair: PairLogps) -> None:
        """SPO: per pair, losses += w * spo_loss of the policy's scores of the intact chosen response and its degraded
        versions (one more gradient forward, over the `spo_*` view); `loss/align` and `loss/spo` are logged."""
        if "spo_input_ids" not in inputs:
            raise ValueError("SPO is on but the batch has no degraded versions (spo_* tensors): the examples were "
                             "not prepared with spo_versions")
        degraded, degraded_len = view_logps(model, inputs, "spo_")
        scores = spo_scores(pair.chosen, pair.chosen_len, degraded, degraded_len, self.spo.score)
        aux = spo_loss(scores, self.spo.form)
        out.components = {**(out.components or {"align": out.losses.detach().mean()}), "spo": aux.detach().mean()}
        out.losses = out.losses + self.spo.weight * aux.to(out.losses.dtype)

    def _record(self, out, pair: PairLogps, inputs: dict) -> None:
        self._gather_mean("rewards/chosen", out.chosen_rewards)
        self._gather_mean("rewards/rejected", out.rejected_rewards)
        self._gather_mean("rewards/margins", out.chosen_rewards - out.rejected_rewards)
        self._gather_mean("rewards/accuracies", (out.chosen_rewards > out.rejected_rewards).float())
        self._gather_mean("logps/chosen", pair.chosen)
        self._gather_mean("logps/rejected", pair.rejected)
        self._gather_mean("refine/marginal", out.margin)
        self._gather_mean("refine/accuracy", (out.margin > 0).float())
        if out.margin_aug is not None:
            self._gather_mean("refine/margin_aug", out.margin_aug)
            self._gather_mean("refine/accuracy_aug", (out.margin_aug > 0).float())
        if out.delta is not None:
            self._gather_mean("refine/delta", out.delta)
        for name, value in out.components.items():  # a composite loss: each component's batch value
            self._gather_mean(f"loss/{name}", value)
        self._count_tokens(inputs)


    def _record_token_stats(self, parts: SequenceParts, n: int) -> None:
        """TRL's diagnostics, token-weighted: entropy over all response tokens; for y+ / y- the mean logit, and for
        y+ the share of tokens whose label is the argmax (mean_token_accuracy)."""
        st, lengths = parts.stats, parts.lengths
        self._gather_ratio("entropy", st["entropy"].sum(), lengths.sum())
        self._gather_ratio("mean_token_accuracy", st["is_top1"][:n].sum(), lengths[:n].sum())
        self._gather_ratio("logits/chosen", st["mean_logits"][:n].sum(), lengths[:n].sum())
        self._gather_ratio("logits/rejected", st["mean_logits"][n:].sum(), lengths[n:].sum())


class MergedCheckpointCallback(TrainerCallback):
    """LoRA runs: beside each adapter checkpoint, a plain merged model in checkpoint-N/merged/ for lm-eval / vLLM."""

    def on_save(self, args, state, control, model=None, processing_class=None, **kwargs):
        if model is None or not is_peft(model) or not state.is_world_process_zero:
            return
        save_plain(model, processing_class, merged_dir(Path(args.output_dir) / checkpoint_name(state.global_step)))
