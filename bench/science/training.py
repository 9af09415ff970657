"""Training curves and wall time of the science runs, from each run's own logs (secondary, descriptive).

Curves: the training-batch margins sr-train logs every step (bench.report.train_logs reads metrics.jsonl): h as
`refine/marginal` (every run), h_p as `refine/margin_aug` (runs with the p+x view: sr-* with `refine: prompt`), and
beside them `rewards/margins`, `rewards/accuracies` and `loss`.

Wall time (the Table 5 analogue): sr-train logs, each step, the tokens of the logging window and their rate
(`perf/tokens_per_s`, `num_tokens` cumulative per trainer start), so a window lasted tokens / rate seconds. Their
sum is the time from the trainer's start (the reference log-probs included, model loading and data preparation not)
to its last logged step, added over the run's starts (a resumed run starts again: `num_tokens` falls).

One file per run, <out>/training/<run>.jsonl, rewritten atomically from the logs each time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.records import make_record
from bench.report.train_logs import run_records
from bench.science.claims import H_P, REWARD_ACC, TRAINING, WALL, H
from bench.science.store import EXPERIMENT, result_path, save
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import read_jsonl
from sr_train.artifacts.runs import METRICS, final_dir, is_trained, run_info, run_settings

CURVES = (H, H_P, "rewards/margins", REWARD_ACC, "loss")
RATE, TOKENS = "perf/tokens_per_s", "num_tokens"


def wall_time(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Seconds of the logged training windows summed over the trainer's starts; starts, steps, tokens."""
    seconds, starts, tokens, prev, steps = 0.0, 0, 0, None, 0
    for row in rows:
        if not isinstance(row.get(RATE), (int, float)) or not isinstance(row.get(TOKENS), (int, float)):
            continue  # an evaluation line, or a log without the rate
        count = row[TOKENS]
        if prev is None or count <= prev:  # the counter restarted: a new trainer start
            starts += 1
            window = count
        else:
            window = count - prev
        if row[RATE] > 0:
            seconds += window / row[RATE]
        tokens += window
        prev, steps = count, max(steps, int(row.get("step", 0)))
    return {"seconds": seconds, "starts": starts, "steps": steps, "tokens": tokens}


def training_records(run_dir: str | Path) -> list[dict[str, Any]]:
    """The curve metrics of every logged step, and one `wall_seconds` record, of one sr-train run."""
    run_dir = Path(run_dir)
    if not (run_dir / METRICS).is_file():
        raise UserError(f"{run_dir / METRICS}: missing (has {run_dir.name} started training?)")
    # the run's settings ride once, on the wall-time record, not on every step's
    curves = [{k: v for k, v in r.items() if k not in ("settings", "extra")}
              for r in run_records(run_dir, EXPERIMENT) if r["metric"] in CURVES]
    wall = wall_time(read_jsonl(run_dir / METRICS))
    info = run_info(str(run_dir))
    facts = {k: info[k] for k in ("method", "beta", "lambda", "seed") if k in info}
    finished = is_trained(final_dir(run_dir))
    record = make_record(EXPERIMENT, run_dir.name, TRAINING, WALL, wall["seconds"], unit="seconds",
                         step=wall["steps"], settings=run_settings(str(run_dir)) or None,
                         extra={"starts": wall["starts"], "tokens": wall["tokens"], "finished": finished,
                                "tokens_per_s": wall["tokens"] / wall["seconds"] if wall["seconds"] else None},
                         **facts)
    return [*curves, record]


def collect_training(run_dir: str | Path, out: str | Path) -> list[dict[str, Any]]:
    """Write one run's training records to <out>/training/<run>.jsonl; returns them."""
    records = training_records(run_dir)
    save(result_path(out, TRAINING, Path(run_dir).name), records)
    return records
