"""Training speed, side by side in one process: trl's DPOTrainer vs sr-train (dpo, sr-dpo, sr-ipo).

Same architecture (random weights), same synthetic pairs, same batch, bf16. TRL runs twice: with its reference
model run in every step (its default; we turn its default gradient checkpointing off, its faster setting) and
with precomputed reference log-probs (its fastest). Ours always uses precomputed (cached) reference log-probs.

Measured after warm-up steps: step time, tokens/s (every non-pad token of prompt+chosen and prompt+rejected that
the policy trains on; the p+x view of Sr-* is extra work, not counted as tokens), peak GPU memory, and
MFU = F * N * tokens/s / PEAK_FLOPS, N = all parameters (tied embeddings once), attention FLOPs left out,
F = 6 (policy forward + backward) or 8 when a reference forward runs each step; for Sr-* we also report
the p+x tokens the aug forward computes per step (`aug_tokens_per_step`: non-pad; `aug_slots_per_step`: with
padding, what the GPU runs) and `mfu_with_aug` adding 2N per computed non-pad p+x token. With `+prefix` the p+x
view runs as shared prefixes (n rows) + responses (2n rows) against their KV cache, so fewer p+x tokens.
PEAK_FLOPS = 800e12: the H100's dense bf16 matmul rate as measured on the lent machine (2026-11-24), so our MFU
numbers compare with the TRL baseline measured there.

  python benchmarks/train_speed.py                  # GPU: all shapes, writes results/perf/<date>-<device>.json
  python benchmarks/train_speed.py --smoke --out /tmp/perf.json   # CPU, seconds, tiny shape
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import (
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
    TrainerCallback,
    TrainingArguments,
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sr_train.artifacts.files import atomic_write_json  # noqa: E402
from sr_train.collator import PairCollator  # noqa: E402
from sr_train.logps import NumericPath  # noqa: E402
from sr_train.losses import LossParams, needs_aug_view  # noqa: E402
from sr_train.recipe import ListDataset, pair_lengths  # noqa: E402
from sr_train.reference import attach, compute_reference_logps  # noqa: E402
from sr_train.trainer import PreferenceTrainer  # noqa: E402

PEAK_FLOPS = 800e12
VOCAB_WORDS = 32000
QUALITY_PROMPT_TOKENS = 52  # the paper's prompt p is ~52 tokens with common tokenizers

SHAPES = {
    "smollm2-135m": lambda: LlamaForCausalLM(LlamaConfig(
        hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3,
        vocab_size=49152, tie_word_embeddings=True, max_position_embeddings=8192, rms_norm_eps=1e-5)),
    "qwen2.5-0.5b": lambda: Qwen2ForCausalLM(Qwen2Config(
        hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
        vocab_size=151936, tie_word_embeddings=True, max_position_embeddings=32768, rms_norm_eps=1e-6)),
    "llama-1.5b": lambda: LlamaForCausalLM(LlamaConfig(
        hidden_size=2048, intermediate_size=8192, num_hidden_layers=22, num_attention_heads=32, num_key_value_heads=8,
        vocab_size=32064, tie_word_embeddings=False, max_position_embeddings=4096, rms_norm_eps=1e-5)),
    "tiny": lambda: LlamaForCausalLM(LlamaConfig(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=VOCAB_WORDS + 3)),
}


def word_tokenizer() -> PreTrainedTokenizerFast:
    """One token per word 'w<i>' (ids 0..VOCAB_WORDS-1), plus <pad>, <eos>, <unk>."""
    vocab = {f"w{i}": i for i in range(VOCAB_WORDS)}
    vocab.update({"<pad>": VOCAB_WORDS, "<eos>": VOCAB_WORDS + 1, "<unk>": VOCAB_WORDS + 2})
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")


def synthetic_pairs(n: int, prompt_len: int, response_len: int, seed: int = 0) -> list[dict]:
    """Token-id pairs with lengths varying +-25% around the given means; the eos closes each response."""
    g = torch.Generator().manual_seed(seed)

    def ids(mean: int) -> list[int]:
        k = int(torch.randint(mean * 3 // 4, mean * 5 // 4 + 1, (1,), generator=g))
        return torch.randint(0, VOCAB_WORDS, (k,), generator=g).tolist()

    p_ids = torch.randint(0, VOCAB_WORDS, (QUALITY_PROMPT_TOKENS,), generator=g).tolist()
    rows = []
    for _ in range(n):
        prompt = ids(prompt_len)
        rows.append({"prompt_ids": prompt, "chosen_ids": ids(response_len) + [VOCAB_WORDS + 1],
                     "rejected_ids": ids(response_len) + [VOCAB_WORDS + 1], "aug_prompt_ids": p_ids + prompt})
    for r in rows:
        r["aug_chosen_ids"], r["aug_rejected_ids"] = r["chosen_ids"], r["rejected_ids"]
    return rows


def as_text(rows: list[dict]) -> list[dict]:
    """The same pairs as text for TRL (its word tokenizer maps each 'w<i>' back to id i)."""
    words = lambda xs: " ".join(f"w{i}" for i in xs if i < VOCAB_WORDS)  # noqa: E731
    return [{"prompt": words(r["prompt_ids"]), "chosen": " " + words(r["chosen_ids"]),
             "rejected": " " + words(r["rejected_ids"])} for r in rows]


class StepClock(TrainerCallback):
    def __init__(self):
        self.marks: list[float] = []
        self.tokens: list[torch.Tensor] = []

    def on_step_end(self, args, state, control, **kwargs):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.marks.append(time.perf_counter())


def _args(out: str, bs: int, steps: int, cuda: bool, bf16: bool | None = None, **kw) -> dict:
    """TrainingArguments fields both trainers share; bf16 autocast on the GPU, as asked on the CPU."""
    bf16 = cuda if bf16 is None else bf16
    return dict(output_dir=out, per_device_train_batch_size=bs, max_steps=steps, bf16=bf16, logging_steps=steps,
                save_strategy="no", report_to=[], disable_tqdm=True, use_cpu=not cuda, seed=0, learning_rate=1e-6,
                gradient_checkpointing=False, **kw)


def summarise(clock: StepClock, tokens: list[int], warmup: int, n_params: int, flops_per_token: int,
              cuda: bool, aug_tokens: list[int] | None = None, aug_slots: list[int] | None = None,
              peak_flops: float = PEAK_FLOPS) -> dict:
    timed = len(clock.marks) - warmup
    seconds = clock.marks[-1] - clock.marks[warmup - 1]
    tok = sum(tokens[warmup:warmup + timed])
    tps = tok / seconds
    out = {"step_time_s": seconds / timed, "steps_per_s": timed / seconds, "tokens_per_s": tps,
           "tokens_per_step": tok / timed, "peak_mem_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0,
           "mfu": flops_per_token * n_params * tps / peak_flops}
    if aug_tokens is not None:
        aug_tps = sum(aug_tokens[warmup:warmup + timed]) / seconds
        out["aug_tokens_per_step"] = sum(aug_tokens[warmup:warmup + timed]) / timed
        out["aug_slots_per_step"] = sum(aug_slots[warmup:warmup + timed]) / timed
        out["mfu_with_aug"] = (flops_per_token * n_params * tps + 2 * n_params * aug_tps) / peak_flops
    return out


def run_trl(base, rows, bs, warmup, steps, cuda, precompute: bool, dtype, bf16: bool | None = None,
            peak_flops: float = PEAK_FLOPS) -> dict:
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    policy = copy.deepcopy(base).to(dtype)
    policy = policy.cuda() if cuda else policy
    ref = None if precompute else copy.deepcopy(policy).eval()
    clock, tokens = StepClock(), []

    class Counting(DPOTrainer):
        def training_step(self, model, inputs, *a, **k):
            tokens.append(inputs["attention_mask"].sum())
            return super().training_step(model, inputs, *a, **k)

    with tempfile.TemporaryDirectory() as out:
        args = DPOConfig(**_args(out, bs, warmup + steps, cuda, bf16), precompute_ref_log_probs=precompute,
                         max_length=None)
        trainer = Counting(model=policy, ref_model=ref, args=args, train_dataset=Dataset.from_list(as_text(rows)),
                           processing_class=word_tokenizer(), callbacks=[clock])
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        trainer.train()
    n_params = sum(p.numel() for p in policy.parameters())
    result = summarise(clock, [int(t) for t in tokens], warmup, n_params, 6 if precompute else 8, cuda,
                       peak_flops=peak_flops)
    del trainer, policy, ref
    return result


def aug_counts(inputs: dict) -> tuple[torch.Tensor, int] | None:
    """(non-pad tokens, padded slots) the p+x forward computes for this batch; None without a p+x view."""
    keys = ("augp_attention_mask", "augr_attention_mask") if "augp_attention_mask" in inputs else (
        ("aug_attention_mask",) if "aug_attention_mask" in inputs else ())
    if not keys:
        return None
    return sum(inputs[k].sum() for k in keys), sum(inputs[k].numel() for k in keys)


def run_ours(base, rows, bs, warmup, steps, cuda, run: str, dtype, bf16: bool | None = None,
             peak_flops: float = PEAK_FLOPS) -> dict:
    """`run` is a loss name with optional modifiers: +grouped (length-grouped batches), +pad64, +compile,
    +prefix (Sr-*: shared-prefix p+x forward)."""
    loss, *mods = run.split("+")
    policy = copy.deepcopy(base).to(dtype)
    device = torch.device("cuda" if cuda else "cpu")
    policy = policy.to(device)
    examples = [dict(r) for r in rows]
    if not needs_aug_view(loss, "prompt"):
        for r in examples:
            for k in ("aug_prompt_ids", "aug_chosen_ids", "aug_rejected_ids"):
                r.pop(k)
    t0 = time.perf_counter()
    refs = compute_reference_logps(policy, examples, VOCAB_WORDS, batch_size=2 * bs, device=device,
                                   path=NumericPath(bf16=cuda if bf16 is None else bf16), progress=False)
    ref_seconds = time.perf_counter() - t0
    attach(examples, refs)
    clock, tokens, aug_tokens, aug_slots = StepClock(), [], [], []

    class Counting(PreferenceTrainer):
        def training_step(self, model, inputs, *a, **k):
            tokens.append(inputs["attention_mask"].sum())
            counts = aug_counts(inputs) if needs_aug_view(loss, "prompt") else None
            if counts is not None:
                aug_tokens.append(counts[0])
                aug_slots.append(counts[1])
            return super().training_step(model, inputs, *a, **k)

    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(**_args(out, bs, warmup + steps, cuda, bf16), remove_unused_columns=False,
                                 ddp_find_unused_parameters=False, torch_compile="compile" in mods)
        trainer = Counting(model=policy, args=args, train_dataset=ListDataset(examples),
                           data_collator=PairCollator(VOCAB_WORDS, 64 if "pad64" in mods else None,
                                                      aug_shared_prefix="prefix" in mods), loss_name=loss,
                           loss_params=LossParams(beta=0.1, lam=0.5), global_batch_size=bs, callbacks=[clock],
                           lengths=pair_lengths(examples) if "grouped" in mods else None)
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        trainer.train()
    n_params = sum(p.numel() for p in policy.parameters())
    result = summarise(clock, [int(t) for t in tokens], warmup, n_params, 6, cuda,
                       [int(t) for t in aug_tokens] if aug_tokens else None, aug_slots or None, peak_flops)
    result["reference_precompute_s"] = ref_seconds
    del trainer, policy
    return result


def versions() -> dict:
    from importlib.metadata import version

    return {n: version(n) for n in ("torch", "transformers", "trl", "accelerate")} | {"python": platform.python_version()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", default="smollm2-135m,qwen2.5-0.5b,llama-1.5b")
    ap.add_argument("--runs", default="trl-default,trl-precomputed,dpo,sr-dpo,sr-ipo",
                    help="trl-default, trl-precomputed, or our loss name with optional +grouped, +pad64, +compile, "
                         "+prefix (Sr-*: shared-prefix p+x forward)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--dtype", default="bfloat16", help="weights' dtype (bf16 autocast on the GPU either way)")
    ap.add_argument("--trl-fp32-default", action="store_true", help="also run TRL's default with fp32 weights")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--passes", type=int, default=1, help="repeat the sweep; report the last (warmed) pass")
    ap.add_argument("--prompt-len", type=int, default=150)
    ap.add_argument("--response-len", type=int, default=250)
    ap.add_argument("--out", help="JSON path (default results/perf/<date>-<device>.json)")
    ap.add_argument("--summary", default=str(REPO / "results" / "perf" / "summary.json"))
    ap.add_argument("--smoke", action="store_true", help="CPU, tiny shape, 2+2 steps, short sequences")
    ap.add_argument("--merge", nargs="+", metavar="JSON",
                    help="combine the results of several runs of this script (e.g. one per GPU call) into --out "
                         "and rewrite --summary; runs nothing")
    a = ap.parse_args(argv)
    if a.merge:
        return merge(a.merge, a.out or str(REPO / "results" / "perf" / "merged.json"), a.summary)
    if a.smoke:
        a.shapes, a.batch_size, a.warmup, a.steps, a.prompt_len, a.response_len = "tiny", 2, 2, 2, 16, 24
        a.summary = None
    cuda = torch.cuda.is_available() and not a.smoke
    device = torch.cuda.get_device_name() if cuda else "cpu"
    dtype = getattr(torch, a.dtype) if cuda else torch.float32
    rows = synthetic_pairs(a.batch_size * (a.warmup + a.steps), a.prompt_len, a.response_len)
    results = []
    for shape in a.shapes.split(","):
        torch.manual_seed(0)
        base = SHAPES[shape]()
        n_params = sum(p.numel() for p in base.parameters())
        for p in range(1, a.passes + 1):
            runs = a.runs.split(",") + (["trl-default-fp32"] if a.trl_fp32_default else [])
            for run in runs:
                t0 = time.time()
                if run.startswith("trl-"):
                    r = run_trl(base, rows, a.batch_size, a.warmup, a.steps, cuda, run == "trl-precomputed",
                                torch.float32 if run.endswith("fp32") else dtype)
                else:
                    r = run_ours(base, rows, a.batch_size, a.warmup, a.steps, cuda, run, dtype)
                r = {"shape": shape, "run": run, "pass": p, "n_params": n_params, "batch_size": a.batch_size,
                     "wall_s": time.time() - t0, **r}
                results.append(r)
                print(json.dumps(r), flush=True)
                gc.collect()
                if cuda:
                    torch.cuda.empty_cache()
        del base
    results[0]["cold"] = True  # lazy CUDA kernel loading lands in the process's first run
    last = {(r["shape"], r["run"]): r for r in results}  # the last pass wins
    report = {"device": device, "versions": versions(), "peak_flops": PEAK_FLOPS,
              "settings": {k: v for k, v in vars(a).items() if k not in ("out", "summary")},
              "command": "python benchmarks/train_speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "results": results}
    out = a.out or str(REPO / "results" / "perf" / f"{time.strftime('%Y-%m-%d')}-{device.replace(' ', '_')}.json")
    atomic_write_json(out, report)
    print(f"\n{'shape':14} {'run':36} {'step s':>7} {'tok/s':>9} {'peak GiB':>8} {'MFU':>6} {'aug tok/step':>12}")
    for (shape, run), r in last.items():
        aug = f"{r['aug_tokens_per_step']:12.0f}" if "aug_tokens_per_step" in r else f"{'':12}"
        print(f"{shape:14} {run:36} {r['step_time_s']:7.3f} {r['tokens_per_s']:9.0f} {r['peak_mem_gib']:8.1f} "
              f"{r['mfu']:6.1%} {aug}")
    if a.summary and cuda:
        write_summary(last, device, a.summary, out)
    print(f"wrote {out}")
    return 0


def merge(paths: list[str], out: str, summary: str) -> int:
    reports = [json.loads(Path(p).read_text()) for p in paths]
    devices = {r["device"] for r in reports}
    if len(devices) != 1:
        raise SystemExit(f"refusing to merge results from different devices: {devices}")
    for rep in reports:  # the first run of a process pays lazy CUDA kernel loading: never a headline number
        rep["results"][0]["cold"] = True
    merged = {**reports[0], "results": [r for rep in reports for r in rep["results"]],
              "command": [rep["command"] for rep in reports], "merged_from": [os.path.basename(p) for p in paths]}
    atomic_write_json(out, merged)
    write_summary({(r["shape"], r["run"]): r for r in merged["results"]}, merged["device"], summary, out)
    print(f"wrote {out} and {summary}")
    return 0


def _pair_for(last: dict, shape: str, run: str) -> dict | None:
    """The warm dpo run to compare a Sr-* run with: same modifiers if warm (less +prefix, which only changes the
    p+x view), else plain `dpo`."""
    mods = "+".join(m for m in run.split("+")[1:] if m != "prefix")
    for name in (f"dpo+{mods}" if mods else "dpo", "dpo"):
        r = last.get((shape, name))
        if r and not r.get("cold"):
            return r
    return None


def write_summary(last: dict, device: str, path: str, source: str) -> None:
    """results/perf/summary.json: the issue's headline ratios. Per shape, `ours` is our fastest warm dpo
    configuration (named in `dpo_run`); TRL's default and fastest are its warm runs; Sr-* step-time ratios
    compare each Sr-* run with the warm dpo run of the same modifiers (named in `pair`)."""
    per_shape = {}
    for shape in sorted({s for s, _ in last}):
        warm = {run: r for (sh, run), r in last.items() if sh == shape and not r.get("cold")}
        ours = [r for run, r in warm.items() if run.split("+")[0] == "dpo"]
        if not ours or "trl-default" not in warm or "trl-precomputed" not in warm:
            continue
        best = max(ours, key=lambda r: r["tokens_per_s"])
        trl_d, trl_p = warm["trl-default"], warm["trl-precomputed"]
        sr = {}
        for run, r in warm.items():
            base = _pair_for(last, shape, run) if run.startswith("sr-") else None
            if base:
                sr[run] = {"pair": base["run"], "step_ratio": r["step_time_s"] / base["step_time_s"]}
        per_shape[shape] = {
            "dpo_run": best["run"],
            "dpo_vs_trl_default": best["tokens_per_s"] / trl_d["tokens_per_s"],
            "dpo_vs_trl_fastest": best["tokens_per_s"] / trl_p["tokens_per_s"],
            "peak_mem_vs_trl": best["peak_mem_gib"] / min(trl_d["peak_mem_gib"], trl_p["peak_mem_gib"]),
            "mfu_dpo": best["mfu"],
            "sr_vs_dpo_step": sr,
            "srdpo_vs_dpo_step": min((v["step_ratio"] for k, v in sr.items() if k.split("+")[0] == "sr-dpo"),
                                     default=None),
        }
    head = per_shape.get("qwen2.5-0.5b", {})
    summary = {"device": device, "source": os.path.relpath(source, REPO),
               **{k: head.get(k) for k in ("dpo_vs_trl_default", "dpo_vs_trl_fastest", "peak_mem_vs_trl",
                                           "srdpo_vs_dpo_step")},
               "mfu_dpo_0.5b": head.get("mfu_dpo"), "mfu_dpo_1.5b": per_shape.get("llama-1.5b", {}).get("mfu_dpo"),
               "headline_shape": "qwen2.5-0.5b", "per_shape": per_shape}
    atomic_write_json(path, summary)


if __name__ == "__main__":
    sys.exit(main())
