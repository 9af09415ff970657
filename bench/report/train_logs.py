"""Training logs as tidy records: one record per metric per logged step (task "train").

Reads `<run dir>/metrics.jsonl` (one object per logging step, written by the trainer; evaluations of held-out
pairs are lines of their own, metrics named eval_<name>) and
`<run dir>/run_config.json` (loss, beta, lam, seed, batch_size, model, data, ...). Accuracies are stored as
fractions, everything else raw. Non-numeric or non-finite values are skipped and counted (`skipped`).

    python -m bench.report.train_logs runs/<run> [--experiment NAME] [--out results/<exp>/train-<run>.jsonl]
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

from bench.records import SCHEMA_VERSION, validate_record, write_records
from sr_train.artifacts.files import read_jsonl
from sr_train.artifacts.runs import METRICS, RunFolderError, read_run_config, run_settings

TASK = "train"
NOT_METRICS = ("step", "tuples_seen")
FRACTION_METRICS = ("rewards/accuracies", "refine/accuracy", "refine/accuracy_aug")
FRACTION_METRICS += tuple(f"eval_{m}" for m in FRACTION_METRICS)  # the held-out pairs' (TRL's eval_ names)
CONFIG_EXTRA = ("model", "data", "refine", "optimizer", "learning_rate", "batch_size", "ipo_norm")


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def run_records(run_dir: str | Path, experiment: str | None = None,
                skipped: Counter | None = None) -> list[dict]:
    """Tidy records for every numeric metric of every logged step of one run.

    `experiment` defaults to the name of the folder holding the run (e.g. runs/<exp>/<run>). Skipped values are
    counted in `skipped` by metric name when given."""
    run_dir = Path(run_dir)
    cfg = read_run_config(run_dir, need=("loss",))
    metrics_path = run_dir / METRICS
    if not metrics_path.is_file():
        raise RunFolderError(f"{metrics_path}: missing")
    rows = read_jsonl(metrics_path)
    experiment = experiment or run_dir.resolve().parent.name
    batch = cfg.get("batch_size")
    common = {"schema": SCHEMA_VERSION, "experiment": experiment, "run": run_dir.name, "task": TASK,
              "method": cfg["loss"], "beta": _number(cfg.get("beta")), "lambda": _number(cfg.get("lam")),
              "seed": cfg.get("seed") if isinstance(cfg.get("seed"), int) else None,
              "settings": run_settings(run_dir) or None,
              "extra": {k: cfg[k] for k in CONFIG_EXTRA if cfg.get(k) is not None}}
    skipped = skipped if skipped is not None else Counter()
    out = []
    for lineno, row in enumerate(rows, 1):
        where = f"{metrics_path}:{lineno}"
        step = row.get("step")
        if isinstance(step, bool) or not isinstance(step, int):
            raise RunFolderError(f"{where}: 'step' must be an integer, got {step!r}")
        seen = row.get("tuples_seen")
        if seen is None and isinstance(batch, int):
            seen = step * batch
        if isinstance(seen, float) and seen.is_integer():
            seen = int(seen)
        for name in sorted(row):
            if name in NOT_METRICS:
                continue
            value = _number(row[name])
            if value is None:
                skipped[name] += 1
                continue
            rec = {**common, "metric": name, "value": value, "step": step, "tuples_seen": seen,
                   "unit": "fraction" if name in FRACTION_METRICS else "raw"}
            out.append(validate_record({k: v for k, v in rec.items() if v is not None}, f"{where} ({name})"))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.report.train_logs", description=__doc__.splitlines()[0])
    p.add_argument("run_dir")
    p.add_argument("--experiment", default=None, help="default: the name of the run folder's parent")
    p.add_argument("--out", default=None, help="records file (default: print a summary only)")
    args = p.parse_args(argv)
    skipped: Counter = Counter()
    recs = run_records(args.run_dir, args.experiment, skipped)
    if args.out:
        write_records(args.out, recs)
    steps = len({r["step"] for r in recs})
    print(f"{args.run_dir}: {len(recs)} records over {steps} logged steps"
          + (f" -> {args.out}" if args.out else ""))
    if skipped:
        print("skipped non-numeric values: " + ", ".join(f"{k} x{v}" for k, v in sorted(skipped.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
