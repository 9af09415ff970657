"""What --token-stats (TRL's entropy, mean_token_accuracy, logits/chosen|rejected from the fused head's chunks)
costs per optimiser step: one PreferenceTrainer run whose steps alternate off / on (so drifts in machine load fall
on both alike), SmolLM2-135M-shaped random weights, bf16 autocast on the CPU, reference log-probs precomputed.

    python benchmarks/diagnostics_cost.py [--steps 12] [--out results/perf/diagnostics_cost.json]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from transformers import TrainerCallback, TrainingArguments

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.train_speed import SHAPES, VOCAB_WORDS, synthetic_pairs  # noqa: E402
from sr_train.artifacts.files import atomic_write_json  # noqa: E402
from sr_train.collator import PairCollator  # noqa: E402
from sr_train.logps import NumericPath  # noqa: E402
from sr_train.losses import LossParams  # noqa: E402
from sr_train.recipe import ListDataset  # noqa: E402
from sr_train.reference import attach, compute_reference_logps  # noqa: E402
from sr_train.trainer import PreferenceTrainer  # noqa: E402


class Alternate(TrainerCallback):
    """Turns token stats on for every other step and times each step (wall clock, begin to end)."""

    def __init__(self, trainer_ref: list[PreferenceTrainer]):
        self.trainer_ref, self.times, self._t0 = trainer_ref, {False: [], True: []}, 0.0

    def on_step_begin(self, args, state, control, **kwargs):
        self.trainer_ref[0].token_stats = state.global_step % 2 == 1
        self._t0 = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.times[self.trainer_ref[0].token_stats].append(time.perf_counter() - self._t0)


def measure(shape: str, loss: str, batch: int, prompt: int, response: int, steps: int, warmup: int) -> dict:
    """Per-step seconds with token stats off and on (the first `warmup` steps of each dropped) and their ratio."""
    torch.manual_seed(0)
    model = SHAPES[shape]()
    examples = synthetic_pairs(batch * (steps + warmup) * 2, prompt, response)
    for r in examples:
        for k in ("aug_prompt_ids", "aug_chosen_ids", "aug_rejected_ids"):
            r.pop(k)
    path = NumericPath(bf16=True)
    attach(examples, compute_reference_logps(model, examples, VOCAB_WORDS, batch_size=batch,
                                             device=torch.device("cpu"), path=path, progress=False))
    holder: list[PreferenceTrainer] = []
    clock = Alternate(holder)
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(output_dir=out, per_device_train_batch_size=batch, max_steps=2 * (steps + warmup),
                                 bf16=True, use_cpu=True, logging_steps=10**6, save_strategy="no", report_to=[],
                                 disable_tqdm=True, seed=0, learning_rate=1e-6, remove_unused_columns=False)
        trainer = PreferenceTrainer(model=model, args=args, train_dataset=ListDataset(examples),
                                    data_collator=PairCollator(VOCAB_WORDS), loss_name=loss,
                                    loss_params=LossParams(beta=0.1, lam=0.5), global_batch_size=batch,
                                    callbacks=[clock])
        holder.append(trainer)
        trainer.train()
    off, on = clock.times[False][warmup:], clock.times[True][warmup:]
    paired = [b / a for a, b in zip(off, on)]
    return {"shape": shape, "loss": loss, "batch_size": batch, "prompt_tokens": prompt, "response_tokens": response,
            "steps_each": len(off), "warmup_each": warmup, "step_s_off": off, "step_s_on": on,
            "median_step_s_off": statistics.median(off), "median_step_s_on": statistics.median(on),
            "cost_median": statistics.median(on) / statistics.median(off) - 1,
            "cost_paired_median": statistics.median(paired) - 1}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shape", default="smollm2-135m", choices=sorted(SHAPES))
    p.add_argument("--loss", default="dpo", help="dpo: one forward per step, so the largest relative cost")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--prompt", type=int, default=64)
    p.add_argument("--response", type=int, default=96)
    p.add_argument("--steps", type=int, default=6, help="timed steps of each setting")
    p.add_argument("--warmup", type=int, default=1, help="untimed first steps of each setting")
    p.add_argument("--out", default=str(REPO / "results" / "perf" / "diagnostics_cost.json"))
    a = p.parse_args(argv)
    result = measure(a.shape, a.loss, a.batch_size, a.prompt, a.response, a.steps, a.warmup)
    result.update(device="cpu", threads=torch.get_num_threads(), cpu=platform.processor() or platform.machine(),
                  torch=torch.__version__, bf16_autocast=True)
    atomic_write_json(a.out, result)
    print(f"{a.shape} {a.loss}: step {result['median_step_s_off']:.3f}s off, {result['median_step_s_on']:.3f}s on: "
          f"token stats cost {100 * result['cost_median']:+.2f}% (paired {100 * result['cost_paired_median']:+.2f}%)"
          f" -> {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
