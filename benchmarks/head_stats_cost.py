"""What the per-token stats cost in the fused log-prob head alone, without a training step: the head's forward
(bf16 matmul, float32 softmax, as in bf16 training) on one realistic chunk, timed with no stats, with TRL's
diagnostics (--token-stats) and with the diagnostics plus WPO's log sum p^2. The settings take turns within each
repeat (so drifts in machine load fall on all alike); medians are reported.

    python benchmarks/head_stats_cost.py [--tokens 768 --hidden 576 --vocab 49152] [--repeats 9]
        [--out results/perf/head_stats_cost.json]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sr_train.artifacts.files import atomic_write_json  # noqa: E402
from sr_train.logps import DIAGNOSTICS, TOKEN_STATS, _FusedLinearLogps, empty_stats  # noqa: E402

SETTINGS = {"off": (), "diagnostics": DIAGNOSTICS, "diagnostics+wpo": TOKEN_STATS}


def head_forward_s(hidden: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor, stats: tuple[str, ...]) -> float:
    """Seconds of one forward of the fused head computing `stats`."""
    start = time.perf_counter()
    with torch.no_grad():
        _FusedLinearLogps.apply(hidden, weight, labels, torch.bfloat16,
                                empty_stats(stats, labels.numel(), hidden.device))
    return time.perf_counter() - start


def measure(tokens: int, hidden_size: int, vocab: int, repeats: int, warmup: int) -> dict:
    """Per-setting forward seconds (all repeats and medians) and each setting's extra over `off` (difference of
    medians, and median of the differences within a repeat)."""
    g = torch.Generator().manual_seed(0)
    hidden = torch.randn(tokens, hidden_size, generator=g)
    weight = torch.randn(vocab, hidden_size, generator=g) * hidden_size ** -0.5
    labels = torch.randint(0, vocab, (tokens,), generator=g)
    times: dict[str, list[float]] = {name: [] for name in SETTINGS}
    for i in range(warmup + repeats):
        for name, stats in SETTINGS.items():
            seconds = head_forward_s(hidden, weight, labels, stats)
            if i >= warmup:
                times[name].append(seconds)
    median = {name: statistics.median(t) for name, t in times.items()}
    return {"tokens": tokens, "hidden": hidden_size, "vocab": vocab, "matmul_dtype": "bfloat16",
            "repeats": repeats, "warmup": warmup, "forward_s": times, "median_forward_s": median,
            "median_extra_s": {name: median[name] - median["off"] for name in SETTINGS if name != "off"},
            "median_paired_extra_s": {name: statistics.median(b - a for a, b in zip(times["off"], t))
                                      for name, t in times.items() if name != "off"}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=int, default=768, help="response tokens through the head, one chunk (768: the "
                   "4 pairs x 2 x 96 response tokens of a diagnostics_cost.py step)")
    p.add_argument("--hidden", type=int, default=576, help="hidden size (SmolLM2-135M: 576)")
    p.add_argument("--vocab", type=int, default=49152, help="vocabulary size (SmolLM2: 49152)")
    p.add_argument("--repeats", type=int, default=9, help="timed forwards of each setting")
    p.add_argument("--warmup", type=int, default=1, help="untimed first forwards of each setting")
    p.add_argument("--out", default=str(REPO / "results" / "perf" / "head_stats_cost.json"))
    a = p.parse_args(argv)
    result = measure(a.tokens, a.hidden, a.vocab, a.repeats, a.warmup)
    result.update(device="cpu", threads=torch.get_num_threads(), cpu=platform.processor() or platform.machine(),
                  torch=torch.__version__)
    atomic_write_json(a.out, result)
    med, extra = result["median_forward_s"], result["median_paired_extra_s"]
    print(f"head forward, {a.tokens} tokens x {a.hidden} -> {a.vocab}: off {1e3 * med['off']:.0f} ms; "
          + "; ".join(f"{name} +{1e3 * s:.0f} ms" for name, s in extra.items()) + f" (paired medians) -> {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
