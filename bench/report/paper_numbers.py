"""The paper's reported numbers as tidy records (results/paper/*.jsonl).

Source: Yu et al., "Direct Alignment of Language Models via Quality-Aware Self-Refinement", arXiv 2405.21040
(v1, May 2024, and the revised ICLR 2025 submission): its tables and figures, transcribed into the constants
below (TABLE2 ... FIG2B; the figures' values read off their plots). Numbers are kept exactly as printed (percent where the paper prints percent). Printed inconsistencies are kept
and flagged, never corrected: a win/tie/lose row that does not sum to 100, and an average that is not the mean
of its row.

    python -m bench.report.paper_numbers [--out results/paper]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.leaderboard.tasks import AVERAGE, LEADERBOARD, TASK_ORDER
from bench.records import SCHEMA_VERSION, validate_record, write_records

EXPERIMENT = "paper"
CITATION = "Yu et al. 2024, arXiv 2405.21040"
GPT4 = "openai:gpt-4"
N_JUDGED = {"mt-bench": 160, "vicuna-bench": 80}  # judged items: 80 two-turn / 80 single-turn questions
LEADER_TASKS = (*TASK_ORDER, AVERAGE)  # the columns of Table 3, in the paper's order
LEADER_METRICS = {**{key: task.metric for key, task in LEADERBOARD.items()}, AVERAGE: AVERAGE}

# Table 2: win / tie / lose (%) of method A vs method B, judged by GPT-4 (both orders).
TABLE2: dict[tuple[str, str], dict[str, tuple[float, float, float]]] = {
    ("sr-dpo", "dpo"): {"mt-bench": (45.62, 33.76, 20.62), "vicuna-bench": (63.75, 13.75, 22.50)},
    ("sr-ipo", "ipo"): {"mt-bench": (38.75, 25.00, 26.25), "vicuna-bench": (60.00, 8.75, 31.25)},
    ("sr-dpo", "ipo"): {"mt-bench": (42.50, 21.25, 36.25), "vicuna-bench": (66.25, 11.50, 26.25)},
    ("sr-ipo", "dpo"): {"mt-bench": (38.61, 28.89, 32.50), "vicuna-bench": (61.25, 5.00, 33.75)},
}

# Table 3 (revised): Open LLM Leaderboard, mean, std over 2 seeds, and the paper's significance mark (*).
# Columns: ARC, HellaSwag, WinoGrande, MMLU, TruthfulQA, GSM8K, Avg. Entries: (mean, std or None, marked).
TABLE3_REVISED: dict[str, list[tuple[float, float | None, bool]]] = {
    "sft": [(60.41, None, False), (82.85, None, False), (74.19, None, False), (60.92, None, False),
            (43.73, None, False), (26.76, None, False), (58.14, None, False)],
    "dpo": [(62.54, 0.51, False), (84.54, 0.35, False), (79.28, 0.75, False), (60.95, 0.49, False),
            (59.85, 0.55, False), (31.99, 0.98, False), (63.19, 0.15, False)],
    "ipo": [(61.95, 0.09, False), (82.76, 0.05, False), (79.48, 0.24, False), (61.20, 0.35, False),
            (46.07, 0.04, False), (36.63, 0.72, False), (61.35, 0.11, False)],
    "sr-dpo": [(64.55, 0.72, False), (85.39, 0.13, False), (80.74, 0.08, False), (61.64, 0.01, False),
               (60.33, 0.03, False), (33.78, 0.41, False), (64.40, 0.08, True)],
    "sr-ipo": [(62.50, 0.04, True), (83.24, 0.09, True), (79.44, 0.12, False), (61.90, 0.10, False),
               (48.38, 0.51, True), (39.58, 0.22, True), (62.51, 0.11, True)],
}
SFT_MODEL = "zephyr-7b-sft-full"

# Table 3 (v1): single run, same columns. IPO's average is printed "6.23" (the row's mean is 61.23).
TABLE3_V1: dict[str, tuple[float, ...]] = {
    "dpo": (63.05, 84.89, 78.53, 61.44, 59.30, 31.01, 63.04),
    "ipo": (61.86, 82.80, 79.24, 61.55, 46.03, 35.91, 6.23),
    "sr-dpo": (65.27, 85.52, 80.82, 61.63, 60.30, 33.36, 64.48),
    "sr-ipo": (62.46, 83.15, 79.32, 61.80, 47.87, 39.80, 62.40),
}

# Table 4 (revised): Sr-DPO variants vs DPO on MT-Bench, win / tie / lose (%).
TABLE4_REVISED: dict[str, tuple[float, float, float]] = {
    "proposed": (45.62, 33.76, 20.62),
    "ratings-1-10": (44.38, 33.75, 21.87),
    "naive-delta": (38.75, 41.88, 19.37),
}
VARIANT_LABELS = {"proposed": "proposed (prompt, ratings 1-100)", "ratings-1-10": "ratings in [1,10]",
                  "naive-delta": "naive Δ = sg[β·h]"}

# Table 4 (v1): correlation of each trained model's marginal h with GPT-4's score gap s+ - s-,
# on 200 UltraFeedback tuples: (Pearson, Spearman, Kendall).
TABLE4_V1: dict[str, tuple[float, float, float]] = {
    "dpo": (0.21, 0.14, 0.10), "ipo": (0.11, 0.05, 0.03),
    "sr-dpo": (0.26, 0.20, 0.14), "sr-ipo": (0.13, 0.08, 0.05),
}
CORRELATIONS = ("pearson", "spearman", "kendall")

# Table 5 (v1): training GPU-hours on HH-RLHF.
TABLE5_V1: dict[str, float] = {"dpo": 16.8, "ipo": 16.8, "sr-dpo": 20.8, "sr-ipo": 20.8}

# Fig. 2a (read off): Vicuna-Bench win rate (%) vs lambda, Sr-X vs X.
FIG2A: dict[tuple[str, str], dict[float, float]] = {
    ("sr-dpo", "dpo"): {0.0: 0.0, 0.1: 38.75, 0.3: 60.5, 0.5: 63.75, 1.0: 48.75},
    ("sr-ipo", "ipo"): {0.0: 0.0, 0.1: 47.5, 0.3: 60.6, 0.5: 60.0, 1.0: 48.0},
}
# Fig. 2b (read off): Vicuna-Bench win rate (%) at the 5 checkpoints, in training order. Our reading of the
# figure gives no tuple counts for the checkpoints, so the records carry the checkpoint index, not tuples_seen.
FIG2B: dict[tuple[str, str], tuple[float, ...]] = {
    ("sr-dpo", "dpo"): (26.25, 56.25, 58.75, 61.25, 63.75),
    ("sr-ipo", "ipo"): (31.25, 51.25, 60.0, 57.5, 60.0),
}

SUM_TOLERANCE = 0.05
MEAN_TOLERANCE = 0.011


def _rec(run: str, task: str, metric: str, value: float, source: str, **fields) -> dict:
    rec = {"schema": SCHEMA_VERSION, "experiment": EXPERIMENT, "run": run, "task": task, "metric": metric,
           "value": float(value), "unit": fields.pop("unit", "percent"), "source": source}
    extra = {"citation": CITATION, **fields.pop("extra", {})}
    rec.update({k: v for k, v in fields.items() if v is not None})
    rec["extra"] = extra
    return validate_record(rec, f"paper record {run}/{task}/{metric}")


def sum_flag(values: tuple[float, ...]) -> list[str]:
    """The flag for a win/tie/lose row whose printed values do not sum to 100 (else none)."""
    total = round(sum(values), 2)
    return [] if abs(total - 100.0) <= SUM_TOLERANCE else [f"row does not sum to 100 as printed (sums to {total:g})"]


def mean_flag(row: tuple[float, ...]) -> list[str]:
    """The flag for an average (last entry) that is not the mean of the six task values."""
    mean = sum(row[:6]) / 6
    if abs(row[6] - mean) <= MEAN_TOLERANCE:
        return []
    return [f"average printed as {row[6]:g}, the mean of the row as printed is {mean:.2f}"]


def _winrate(run: str, task: str, triple: tuple[float, float, float], source: str, method: str, opponent: str,
             extra: dict | None = None) -> list[dict]:
    flags = sum_flag(triple) or None
    return [_rec(run, task, metric, value, source, method=method, judge=GPT4, n=N_JUDGED[task], flags=flags,
                 extra={"opponent": opponent, **(extra or {})})
            for metric, value in zip(("win", "tie", "lose"), triple)]


def table2() -> list[dict]:
    out = []
    for (method, opp), cells in TABLE2.items():
        for task, triple in cells.items():
            out += _winrate(f"table2/{method}-vs-{opp}", task, triple, "Table 2 (revised)", method, opp)
    return out


def table3() -> list[dict]:
    out = []
    for method, row in TABLE3_REVISED.items():
        n_seeds = 1 if method == "sft" else 2
        for task, (mean, std, marked) in zip(LEADER_TASKS, row):
            extra = {"n_seeds": n_seeds, "paper_mark": "*" if marked else ""}
            if std is not None:
                extra["std"] = std
            if method == "sft":
                extra["model"] = SFT_MODEL
            out.append(_rec(f"table3-revised/{method}", task, LEADER_METRICS[task], mean, "Table 3 (revised)",
                            method=method, extra=extra,
                            flags=(mean_flag(tuple(r[0] for r in row)) or None) if task == "average" else None))
    for method, row in TABLE3_V1.items():
        for task, value in zip(LEADER_TASKS, row):
            out.append(_rec(f"table3-v1/{method}", task, LEADER_METRICS[task], value, "Table 3 (v1)",
                            method=method, flags=(mean_flag(row) or None) if task == "average" else None,
                            extra={"n_seeds": 1}))
    return out


def table4() -> list[dict]:
    out = []
    for variant, triple in TABLE4_REVISED.items():
        out += _winrate(f"table4-revised/sr-dpo-{variant}-vs-dpo", "mt-bench", triple, "Table 4 (revised)",
                        "sr-dpo", "dpo", {"variant": variant})
    for method, values in TABLE4_V1.items():
        for metric, value in zip(CORRELATIONS, values):
            out.append(_rec(f"table4-v1/{method}", "ultrafeedback", metric, value, "Table 4 (v1)", unit="raw",
                            method=method, judge=GPT4, n=200,
                            extra={"x": "marginal h", "y": "score gap s+ - s-"}))
    return out


def table5() -> list[dict]:
    return [_rec(f"table5-v1/{method}", "hh-rlhf", "gpu_hours", hours, "Table 5 (v1)", unit="hours", method=method)
            for method, hours in TABLE5_V1.items()]


def fig2() -> list[dict]:
    out = []
    for (method, opp), by_lam in FIG2A.items():
        for lam, value in by_lam.items():
            out.append(_rec(f"fig2a/{method}-vs-{opp}-lambda{lam:g}", "vicuna-bench", "win", value,
                            "Fig. 2a (read off)", method=method, judge=GPT4, n=N_JUDGED["vicuna-bench"],
                            extra={"opponent": opp, "approximate": True}, **{"lambda": lam}))
    for (method, opp), values in FIG2B.items():
        for i, value in enumerate(values, 1):
            out.append(_rec(f"fig2b/{method}-vs-{opp}-ckpt{i}", "vicuna-bench", "win", value, "Fig. 2b (read off)",
                            method=method, judge=GPT4, n=N_JUDGED["vicuna-bench"],
                            extra={"opponent": opp, "approximate": True, "checkpoint": i,
                                   "checkpoints": len(values)}))
    return out


FILES = {"table2": table2, "table3": table3, "table4": table4, "table5": table5, "fig2": fig2}


def all_records() -> dict[str, list[dict]]:
    """File stem -> the records it holds."""
    return {name: build() for name, build in FILES.items()}


def write_all(out_dir: str | Path) -> list[Path]:
    """Write results/paper/<stem>.jsonl for every group, each atomically."""
    return [write_records(Path(out_dir) / f"{name}.jsonl", recs) for name, recs in all_records().items()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.report.paper_numbers", description=__doc__.splitlines()[0])
    p.add_argument("--out", default="results/paper", help="folder for the JSONL files (default: results/paper)")
    args = p.parse_args(argv)
    for path in write_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
