"""Training speed on this machine's CPU, side by side in one run: TRL 1.16 DPOTrainer (its default: a reference
forward every step; and precomputed reference log-probs, its fastest) against sr-train dpo, sr-dpo and sr-ipo, each
in float32 and under bf16 autocast, on the real SmolLM2-135M shape (random weights), the same synthetic pairs and
batch as benchmarks/train_speed.py builds them.

Each (run, precision) trains in a fresh process, so its peak resident memory (ru_maxrss) is its own. The CPU's matrix
rate is measured in the same run (a 2048^2 matmul, float32 and bf16, before and after the runs; the larger of the
two bf16 readings is the peak MFU is taken against). MFU = F * N * tokens/s / bf16 matmul rate, N = all parameters
(tied embeddings once), F = 6 (policy forward + backward) or 8 when a reference forward runs every step; attention
FLOPs and Sr-*'s p+x forward left out (as train_speed.py). Writes results/perf/cpu-<date>.json and the `cpu_*` keys of
results/perf/summary.json (GPU keys kept).

  python benchmarks/train_speed_cpu.py                                 # the README's numbers (~10 min, 2 cores)
  python benchmarks/train_speed_cpu.py --smoke --out /tmp/cpu.json     # tiny shape, seconds
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import train_speed as ts  # noqa: E402

from sr_train.artifacts.files import atomic_write_json  # noqa: E402
from sr_train.artifacts.models import cpu_bf16_flags  # noqa: E402

RUNS = ("trl-default", "trl-precomputed", "dpo", "sr-dpo", "sr-ipo")
PRECISIONS = ("bf16", "fp32")


def matmul_rate(dtype: torch.dtype, n: int = 2048, repeats: int = 8) -> float:
    """FLOP/s of an n x n matmul in `dtype` on this CPU (best of `repeats` after a warm-up)."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    for _ in range(2):
        a @ b
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best


def worker(a: argparse.Namespace) -> int:
    """One (shape, run, precision) in this process; writes its result with the process's peak RSS."""
    torch.manual_seed(0)
    base = ts.SHAPES[a.shape]()
    rows = ts.synthetic_pairs(a.batch_size * (a.warmup + a.steps), a.prompt_len, a.response_len)
    bf16 = a.precision == "bf16"
    if a.run.startswith("trl-"):
        r = ts.run_trl(base, rows, a.batch_size, a.warmup, a.steps, False, a.run == "trl-precomputed",
                       torch.float32, bf16=bf16, peak_flops=a.peak_flops)
    else:
        r = ts.run_ours(base, rows, a.batch_size, a.warmup, a.steps, False, a.run, torch.float32, bf16=bf16,
                        peak_flops=a.peak_flops)
    r.pop("peak_mem_gib", None)  # a GPU figure
    r["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    r["n_params"] = sum(p.numel() for p in base.parameters())
    Path(a.worker_out).write_text(json.dumps(r))
    return 0


def run_one(a: argparse.Namespace, shape: str, run: str, precision: str, peak: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        cmd = [sys.executable, __file__, "--worker-out", str(out), "--shape", shape, "--run", run, "--precision",
               precision, "--peak-flops", str(peak), "--batch-size", str(a.batch_size), "--warmup", str(a.warmup),
               "--steps", str(a.steps), "--prompt-len", str(a.prompt_len), "--response-len", str(a.response_len)]
        t0 = time.time()
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
        if proc.returncode != 0:
            raise SystemExit(f"{run} ({precision}) failed:\n{proc.stderr[-3000:]}")
        return {"shape": shape, "run": run, "precision": precision, "batch_size": a.batch_size,
                "wall_s": time.time() - t0, **json.loads(out.read_text())}


def summary_keys(results: list[dict], rates: dict) -> dict:
    """The issue's cpu_* ratios: ours = sr-train dpo in bf16; TRL = its fastest of the four (setting x precision)."""
    by = {(r["run"], r["precision"]): r for r in results}
    ours = by.get(("dpo", "bf16"))
    trl = [r for r in results if r["run"].startswith("trl-")]
    if not ours or not trl:
        return {}
    trl_best = max(trl, key=lambda r: r["tokens_per_s"])
    out = {"cpu_dpo_tokens_per_s": ours["tokens_per_s"],
           "cpu_dpo_vs_trl": ours["tokens_per_s"] / trl_best["tokens_per_s"],
           "cpu_trl_best": f"{trl_best['run']} ({trl_best['precision']})",
           "cpu_mfu_dpo": ours["mfu"],
           "cpu_peak_mem_vs_trl": ours["peak_rss_gib"] / min(r["peak_rss_gib"] for r in trl),
           "cpu_bf16_matmul_gflops": rates["bf16"] / 1e9, "cpu_fp32_matmul_gflops": rates["fp32"] / 1e9}
    if ("dpo", "fp32") in by:
        out["cpu_bf16_vs_fp32"] = ours["tokens_per_s"] / by["dpo", "fp32"]["tokens_per_s"]
    if ("sr-dpo", "bf16") in by:
        out["cpu_srdpo_vs_dpo_step"] = by["sr-dpo", "bf16"]["step_time_s"] / ours["step_time_s"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", default="smollm2-135m", choices=sorted(ts.SHAPES))
    ap.add_argument("--runs", default=",".join(RUNS), help="trl-default, trl-precomputed, or our loss name "
                    "(+grouped, +pad64 as in train_speed.py)")
    ap.add_argument("--precisions", default=",".join(PRECISIONS), help="bf16 (autocast) and/or fp32")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--prompt-len", type=int, default=64)
    ap.add_argument("--response-len", type=int, default=96)
    ap.add_argument("--out", help="JSON path (default results/perf/cpu-<date>.json)")
    ap.add_argument("--summary", default=str(REPO / "results" / "perf" / "summary.json"))
    ap.add_argument("--smoke", action="store_true", help="tiny shape, 1+1 steps, short sequences; no summary")
    # internal: one run in this process
    ap.add_argument("--worker-out", help=argparse.SUPPRESS)
    ap.add_argument("--run", help=argparse.SUPPRESS)
    ap.add_argument("--precision", help=argparse.SUPPRESS)
    ap.add_argument("--peak-flops", type=float, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker_out:
        return worker(a)
    if a.smoke:
        a.shape, a.batch_size, a.warmup, a.steps, a.prompt_len, a.response_len = "tiny", 2, 1, 1, 16, 24
        a.summary = None
    rates = {"fp32": matmul_rate(torch.float32), "bf16": matmul_rate(torch.bfloat16)}
    print(f"matmul 2048^2: fp32 {rates['fp32'] / 1e9:.0f} GFLOP/s, bf16 {rates['bf16'] / 1e9:.0f} GFLOP/s",
          flush=True)
    results = []
    for precision in a.precisions.split(","):
        for run in a.runs.split(","):
            r = run_one(a, a.shape, run, precision, rates["bf16"])
            results.append(r)
            print(json.dumps(r), flush=True)
    after = matmul_rate(torch.bfloat16)
    rates["bf16_after"] = after
    if after > rates["bf16"]:  # the peak is the faster reading; MFU against it
        for r in results:
            for key in ("mfu", "mfu_with_aug"):
                if key in r:
                    r[key] *= rates["bf16"] / after
        rates["bf16"] = after
    keys = summary_keys(results, rates)
    report = {"device": f"cpu: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
                        f"bf16 features {cpu_bf16_flags()}",
              "versions": ts.versions(), "matmul_flops": rates,
              "flops_per_token": "6N (8N with a reference forward each step), N = all parameters",
              "settings": {k: v for k, v in vars(a).items() if k not in ("out", "summary", "worker_out", "run",
                                                                        "precision", "peak_flops")},
              "command": "python benchmarks/train_speed_cpu.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "results": results, "summary": keys}
    out = a.out or str(REPO / "results" / "perf" / f"cpu-{time.strftime('%Y-%m-%d')}.json")
    atomic_write_json(out, report)
    print(f"\n{'run':18} {'prec':5} {'step s':>7} {'tok/s':>7} {'RSS GiB':>7} {'MFU':>6}")
    for r in results:
        print(f"{r['run']:18} {r['precision']:5} {r['step_time_s']:7.2f} {r['tokens_per_s']:7.0f} "
              f"{r['peak_rss_gib']:7.2f} {r['mfu']:6.1%}")
    print(json.dumps(keys, indent=1))
    if a.summary and keys:
        path = Path(a.summary)
        summary = json.loads(path.read_text()) if path.is_file() else {}
        summary = {k: v for k, v in summary.items() if not k.startswith("cpu_")}
        atomic_write_json(path, {**summary, **keys, "cpu_source": os.path.relpath(out, REPO)})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
