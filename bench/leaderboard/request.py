"""The typed request a leaderboard run takes: `sr-bench leaderboard` builds one from its flags, the pipeline from
its config."""

from __future__ import annotations

from dataclasses import dataclass, field

from sr_train.artifacts.assets import cache_dir as user_cache_dir


@dataclass
class LeaderboardRequest:
    """What to evaluate and how: the fields of `sr-bench leaderboard` (see its --help), as a library call takes
    them. Exactly one of `model` and `checkpoints`."""

    out: str = "results/leaderboard"
    model: str | None = None
    checkpoints: str | None = None
    with_base: bool = False
    tasks: str | None = None
    run: str | None = None
    experiment: str | None = None
    backend: str = "hf"
    batch_size: str = "1"
    max_batch_size: int = 64
    device: str | None = None
    dtype: str = "auto"
    limit: int | None = None
    data_source: str = "hub"
    arc_split: str = "test"
    cache_dir: str = field(default_factory=lambda: str(user_cache_dir() / "sr-bench-leaderboard"))
    no_cache: bool = False
    force: bool = False
    trust_remote_code: bool = False
    gpu_memory_utilization: float = 0.9
    base_url: str | None = None
    api_model: str | None = None
    tokenizer: str | None = None
    num_concurrent: int = 1
    max_retries: int = 3
    log_samples: bool = False
    """Keep each item's score in the raw result (`sr_bench_items`, read back by records.item_values); a task
    finished without them runs again."""
