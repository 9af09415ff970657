"""lm-eval's raw result JSON -> our tidy leaderboard records, and the printed table.

One record per task with the leaderboard metric (ARC acc_norm, HellaSwag acc_norm, WinoGrande acc,
MMLU acc as the macro mean over its 57 subjects, TruthfulQA mc2, GSM8K exact_match after lm-eval's
`strict-match` filter), plus an `average` record over the tasks that have results. A result made with log_samples
also keeps each item's score (`sr_bench_items`: compact_samples writes them, item_values reads them back).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.leaderboard.tasks import AVERAGE, LABELS, LEADERBOARD, MMLU_AVERAGING, TASK_ORDER, LeaderTask
from bench.records import make_record
from sr_train.artifacts.errors import UserError

ITEMS = "sr_bench_items"
"""Key of the per-item scores in a raw result: lm-eval task name -> [{doc_id, doc_hash, value}] by doc_id."""


class RawResultError(UserError):
    """lm-eval's output lacks what the leaderboard needs; the message names the file."""


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _metric(raw: dict, task_name: str, key: str, where: str) -> tuple[float, float | None]:
    block = raw.get("results", {}).get(task_name)
    if block is None or _num(block.get(key)) is None:
        raise RawResultError(f"{where}: lm-eval results have no {key!r} for {task_name!r}")
    stderr_key = key.replace(",", "_stderr,", 1)
    return float(block[key]), _num(block.get(stderr_key))


def _n(raw: dict, names: list[str]) -> int:
    counts = raw.get("n-samples", {})
    return int(sum(counts.get(n, {}).get("effective", 0) for n in names))


def task_value(raw: dict, task: LeaderTask, where: str) -> tuple[float, float | None, int, dict[str, Any]]:
    """(value, stderr, n, extra) of the leaderboard metric of `task` in one lm-eval result."""
    meta = raw["sr_bench"]
    lm_task, subtasks = meta["lm_task"], meta.get("subtasks") or []
    extra: dict[str, Any] = {"lm_eval_task": lm_task, "lm_eval_metric": task.lm_key, "filter": task.filter}
    if task.key == "mmlu":
        accs = [_metric(raw, s, task.lm_key, where) for s in subtasks]
        if len(accs) != 57:
            raise RawResultError(f"{where}: MMLU needs 57 subject results, found {len(accs)}")
        value = sum(a for a, _ in accs) / len(accs)
        ses = [s for _, s in accs]
        stderr = math.sqrt(sum(s * s for s in ses)) / len(ses) if all(s is not None for s in ses) else None
        micro, micro_se = _metric(raw, lm_task, task.lm_key, where)
        extra.update(averaging=MMLU_AVERAGING, subjects=len(accs), acc_micro=micro, acc_micro_stderr=micro_se)
        return value, stderr, _n(raw, subtasks), extra
    value, stderr = _metric(raw, lm_task, task.lm_key, where)
    if task.key == "gsm8k":
        flex = raw["results"][lm_task].get("exact_match,flexible-extract")
        extra["exact_match_flexible_extract"] = _num(flex)
    return value, stderr, _n(raw, [lm_task]), extra


def compact_samples(samples: dict[str, list[dict]], task: LeaderTask) -> dict[str, list[dict]]:
    """lm-eval's logged samples -> per lm-eval task, each item's doc_id, doc_hash and leaderboard metric (the
    samples of the leaderboard's filter only; prompts and responses are dropped)."""
    out = {}
    for name, rows in samples.items():
        kept = [{"doc_id": r["doc_id"], "doc_hash": r["doc_hash"], "value": float(r[task.lm_metric])}
                for r in rows if r.get("filter") == task.filter]
        out[name] = sorted(kept, key=lambda r: r["doc_id"])
    return out


def item_values(raw: dict, where: str) -> list[dict[str, Any]]:
    """Each scored item of a raw result made with log_samples: `item` (lm-eval's doc_id as text; MMLU:
    `<subject task>/<doc_id>`), `doc_hash` and `value` (the leaderboard metric, 0/1 for accuracies)."""
    per = raw.get(ITEMS)
    if not isinstance(per, dict) or not per:
        raise RawResultError(f"{where}: no per-item scores ({ITEMS}); run the task again with log_samples "
                             "(sr-bench leaderboard --log-samples)")
    meta = raw["sr_bench"]
    names = meta.get("subtasks") or [meta["lm_task"]]
    out = []
    for name in names:
        if not isinstance(per.get(name), list):
            raise RawResultError(f"{where}: no per-item scores for {name!r} in {ITEMS}")
        prefix = f"{name}/" if len(names) > 1 else ""
        out += [{"item": f"{prefix}{r['doc_id']}", "doc_hash": r["doc_hash"], "value": float(r["value"])}
                for r in per[name]]
    if len(out) != (n := _n(raw, names)):
        raise RawResultError(f"{where}: {len(out)} per-item scores for {n} scored items")
    return out


def build_records(raws: dict[str, dict], experiment: str, run: str, info: dict[str, Any],
                  where: dict[str, str], versions: dict[str, str]) -> list[dict]:
    """Records for every task in `raws` (task key -> lm-eval result with our `sr_bench` block) and their mean."""
    common = {k: info[k] for k in ("method", "beta", "lambda", "seed", "step", "tuples_seen", "settings")
              if k in info}
    records, values = [], {}
    for key in (k for k in TASK_ORDER if k in raws):
        task, raw = LEADERBOARD[key], raws[key]
        value, stderr, n, extra = task_value(raw, task, where[key])
        meta = raw["sr_bench"]
        extra.update(num_fewshot=meta["num_fewshot"], limit=meta["limit"], backend=meta["backend"],
                     model=meta["model"], seconds=meta["seconds"], raw=Path(where[key]).name, **meta["data"])
        if info.get("base"):
            extra["base_model"] = True
        records.append(make_record(experiment, run, key, task.metric, value, unit="fraction", stderr=stderr, n=n,
                                   versions=versions, extra=extra, **common))
        values[key] = value
    if values:
        records.append(average_record(values, experiment, run, versions, common))
    return records


def average_record(values: dict[str, float], experiment: str, run: str, versions: dict[str, str],
                   common: dict[str, Any] | None = None) -> dict:
    """The `average` record over the tasks in `values` (task key -> leaderboard value)."""
    tasks = [k for k in TASK_ORDER if k in values]
    return make_record(experiment, run, AVERAGE, AVERAGE, sum(values[k] for k in tasks) / len(tasks),
                       unit="fraction", versions=versions,
                       extra={"tasks": tasks, "all_six": len(tasks) == len(TASK_ORDER)}, **(common or {}))


def table(records: list[dict]) -> str:
    """A Markdown table, one row per run, percent with two decimals (paper's Table 3 layout)."""
    heads = {key: LABELS[key] for key in (*TASK_ORDER, AVERAGE)}
    rows: dict[str, dict[str, float]] = {}
    for rec in records:
        rows.setdefault(rec["run"], {})[rec["task"]] = rec["value"]
    lines = ["| run | " + " | ".join(heads.values()) + " |", "|" + " --- |" * (len(heads) + 1)]
    for run, vals in rows.items():
        cells = [f"{100 * vals[k]:.2f}" if k in vals else "–" for k in heads]
        lines.append(f"| {run} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
