"""Inference under bf16 autocast against float32 on this CPU: `sr-bench generate`'s HFGenerator and the reward-model
judge, on SmolLM2-135M-Instruct (the real weights, builtin:smollm2-135m-instruct; float32 weights either way).

- generation: greedy, the first turns of the first `--prompts` sr-questions in one batch, `--max-new-tokens` each;
  tokens/s = answer tokens (up to and with EOS) / wall time, best of `--repeats` after a warm-up. Agreement: the share
  of prompts with identical greedy answers (token ids); for each prompt that differs, the step it first differs at
  and float32's top-1/top-2 logit gap there; the first-step max |delta logit| against the float32 logits' std.
- reward model: AutoModelForSequenceClassification on the same backbone, random score head (seed 0), scored with
  bench.winrate.judges.reward.RewardModelJudge over each question with its float32 answer and with a fixed
  refusal; sequences/s, max |delta score| against the scores' std, and the share of (answer vs refusal) verdicts
  that agree.

The machine may be shared: /proc/loadavg is recorded before and after. Writes results/perf/infer-bf16-cpu.json.

  python benchmarks/infer_bf16_cpu.py                       # the README's numbers (~2-5 min on 2 busy cores)
  python benchmarks/infer_bf16_cpu.py --smoke --out /tmp/x.json  # tiny random model, seconds
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, LlamaConfig, LlamaForCausalLM

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.winrate.generate import Decoding, HFGenerator  # noqa: E402
from bench.winrate.judges.reward import RewardModelJudge  # noqa: E402
from bench.winrate.questions import load_questions  # noqa: E402
from sr_train.artifacts.assets import resolve  # noqa: E402
from sr_train.artifacts.files import atomic_write_json  # noqa: E402
from sr_train.artifacts.models import cpu_bf16_flags, load_tokenizer, native_bf16  # noqa: E402
from sr_train.artifacts.provenance import now_iso, package_versions  # noqa: E402

REFUSAL = "I do not know."
PRECISIONS = {"fp32": "false", "bf16": "true"}


def loadavg() -> list[float]:
    with open("/proc/loadavg", encoding="utf-8") as f:
        return [float(x) for x in f.read().split()[:3]]


def timed_generate(gen: HFGenerator, convs: list, dec: Decoding) -> tuple[list[list[int]], torch.Tensor, float]:
    """(answer token ids up to and with EOS, per-step float32-cast logits, seconds): HFGenerator.generate's call."""
    enc = gen.tokenizer([gen.render(c) for c in convs], return_tensors="pt", padding=True, add_special_tokens=False)
    start = time.perf_counter()
    with torch.no_grad(), gen.autocast():
        out = gen.model.generate(**enc, generation_config=gen.config(dec, 0.0), output_scores=True,
                                 return_dict_in_generate=True)
    seconds = time.perf_counter() - start
    answers = []
    for ids in out.sequences[:, enc["input_ids"].shape[1]:].tolist():
        ends = [i for i, t in enumerate(ids) if t in gen.eos_ids]
        answers.append(ids[:ends[0] + 1] if ends else ids)
    return answers, torch.stack(out.scores, 1).float(), seconds


def bench_generate(model: str, convs: list, dec: Decoding, repeats: int) -> dict[str, Any]:
    runs: dict[str, Any] = {}
    for name, bf16 in PRECISIONS.items():
        gen = HFGenerator(model, dtype="float32", device="cpu", bf16=bf16)
        timed_generate(gen, convs[:2], Decoding(max_new_tokens=2))  # warm-up
        best = None
        for _ in range(repeats):
            answers, scores, seconds = timed_generate(gen, convs, dec)
            best = seconds if best is None else min(best, seconds)
        tokens = sum(len(a) for a in answers)
        runs[name] = {"answers": answers, "scores": scores, "seconds": best, "tokens": tokens,
                      "tokens_per_s": tokens / best, "texts": [gen.tokenizer.decode(a, skip_special_tokens=True)
                                                              for a in answers]}
    a32, a16 = runs["fp32"], runs["bf16"]
    diverged = []
    for k, (x, y) in enumerate(zip(a32["answers"], a16["answers"])):
        if x != y:
            step = next((i for i, (s, t) in enumerate(zip(x, y)) if s != t), min(len(x), len(y)))
            top2 = a32["scores"][k, step].topk(2).values
            diverged.append({"prompt": k, "step": step, "fp32_top2_gap": (top2[0] - top2[1]).item()})
    first32, first16 = a32["scores"][:, 0], a16["scores"][:, 0]
    top2 = a32["scores"].topk(2, -1).values
    return {
        "fp32": {k: a32[k] for k in ("seconds", "tokens", "tokens_per_s")},
        "bf16": {k: a16[k] for k in ("seconds", "tokens", "tokens_per_s")},
        "bf16_speedup": a16["tokens_per_s"] / a32["tokens_per_s"],
        "identical_answers": sum(x == y for x, y in zip(a32["answers"], a16["answers"])) / len(convs),
        "diverged": diverged,
        "first_step_max_abs_delta_logit": (first32 - first16).abs().max().item(),
        "fp32_logit_std": a32["scores"].std().item(),
        "fp32_min_top2_gap_per_prompt": (top2[..., 0] - top2[..., 1]).min(1).values.tolist(),
        "answers_fp32": a32["texts"], "answers_bf16": a16["texts"],
    }


def reward_model(model: str, folder: Path) -> Path:
    """The backbone with a random one-output score head (seed 0), saved with the tokenizer."""
    torch.manual_seed(0)
    rm = AutoModelForSequenceClassification.from_pretrained(model, num_labels=1, dtype=torch.float32)
    tok = load_tokenizer(model)
    rm.config.pad_token_id = tok.pad_token_id
    rm.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def bench_rm(folder: Path, convs: list, batch_size: int, repeats: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    scores = {}
    for name, bf16 in PRECISIONS.items():
        judge = RewardModelJudge(str(folder), batch_size=batch_size, max_length=None, device="cpu", progress=False,
                                 bf16=bf16)
        judge.score(convs[:2])  # warm-up
        best = None
        for _ in range(repeats):
            start = time.perf_counter()
            scores[name] = judge.score(convs)
            seconds = time.perf_counter() - start
            best = seconds if best is None else min(best, seconds)
        out[name] = {"seconds": best, "sequences": len(convs), "sequences_per_s": len(convs) / best,
                     "bf16_autocast": judge.info()["bf16_autocast"]}
    s32, s16 = torch.tensor(scores["fp32"]), torch.tensor(scores["bf16"])
    half = len(convs) // 2  # answers first, then refusals
    v32 = torch.sign(s32[:half] - s32[half:])
    v16 = torch.sign(s16[:half] - s16[half:])
    out.update(bf16_speedup=out["bf16"]["sequences_per_s"] / out["fp32"]["sequences_per_s"],
               max_abs_delta_score=(s32 - s16).abs().max().item(), fp32_score_std=s32.std().item(),
               fp32_margins=(s32[:half] - s32[half:]).tolist(), verdicts_agree=(v32 == v16).float().mean().item())
    out["delta_over_std"] = out["max_abs_delta_score"] / out["fp32_score_std"]
    return out


def smoke_model(folder: Path) -> str:
    """A tiny random Llama with SmolLM2's tokenizer (for --smoke)."""
    tok = load_tokenizer(resolve("builtin:smollm2-135m-instruct"))
    torch.manual_seed(0)
    LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                 num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                                 pad_token_id=tok.pad_token_id)).save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="builtin:smollm2-135m-instruct")
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--rm-batch-size", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=2, help="timed runs per precision, the best kept (default: 2)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--smoke", action="store_true", help="a tiny random model, for a quick check of the script")
    ap.add_argument("--out", default=str(REPO / "results" / "perf" / "infer-bf16-cpu.json"))
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    load_before = loadavg()
    started = time.perf_counter()
    qs = load_questions("sr-questions", limit=a.prompts).questions
    convs = [[{"role": "user", "content": q.turns[0]}] for q in qs]
    with tempfile.TemporaryDirectory() as tmp:
        model = smoke_model(Path(tmp) / "lm") if a.smoke else resolve(a.model)
        dec = Decoding(max_new_tokens=a.max_new_tokens, batch_size=len(convs))
        gen = bench_generate(model, convs, dec, a.repeats)
        texts = gen["answers_fp32"]
        rm_convs = [c + [{"role": "assistant", "content": t}] for c, t in zip(convs, texts)]
        rm_convs += [c + [{"role": "assistant", "content": REFUSAL}] for c in convs]
        rm = bench_rm(reward_model(model, Path(tmp) / "rm"), rm_convs, a.rm_batch_size, a.repeats)
    result = {
        "created": now_iso(), "model": a.model if not a.smoke else "smoke (tiny random Llama)",
        "weights": "float32", "prompts": len(convs), "max_new_tokens": a.max_new_tokens, "batch_size": len(convs),
        "rm_batch_size": a.rm_batch_size, "repeats": a.repeats, "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(), "cpu_bf16": cpu_bf16_flags(),
        "native_bf16": native_bf16("cpu"), "amx": bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()),
        "loadavg_before": load_before, "loadavg_after": loadavg(), "wall_s": time.perf_counter() - started,
        "generate": gen, "reward_model": rm, "versions": package_versions("sr-align", "torch", "transformers"),
        "command": " ".join(sys.argv),
    }
    atomic_write_json(a.out, result)
    g, r = gen, rm
    print(f"generate: fp32 {g['fp32']['tokens_per_s']:.1f} tok/s, bf16 {g['bf16']['tokens_per_s']:.1f} tok/s "
          f"({g['bf16_speedup']:.2f}x); identical greedy answers {100 * g['identical_answers']:.0f}%; first-step "
          f"max |d logit| {g['first_step_max_abs_delta_logit']:.3f} (fp32 logit std {g['fp32_logit_std']:.2f})")
    print(f"reward model: fp32 {r['fp32']['sequences_per_s']:.2f} seq/s, bf16 {r['bf16']['sequences_per_s']:.2f} "
          f"seq/s ({r['bf16_speedup']:.2f}x); max |d score| {r['max_abs_delta_score']:.4f} = "
          f"{r['delta_over_std']:.3f} x score std; verdicts agree {100 * r['verdicts_agree']:.0f}%")
    print(f"load average before {load_before}, after {result['loadavg_after']}; wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
