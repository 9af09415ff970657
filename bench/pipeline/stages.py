"""The pipeline's stages (`sr-bench pipeline`): the main job from one config (bench/pipeline/config.py): train the
methods, train a reward model, score every model on an offline leaderboard subset and on reward-model win rates,
render the report. With `uncertainty:` UP-DPO's ensemble is trained first; with `expo:` the ExPO sweep's models are
scored beside the trained ones.

    sr-bench pipeline --config configs/demo.yaml        # what `make demo` runs: offline, a CPU, minutes
    sr-bench pipeline --config configs/demo-gpu.yaml    # the same on a GPU: full fine-tuning, larger settings

Stages, in order; each is skipped when its outputs exist and were made with the config's settings, so an
interrupted run resumes at the unfinished stage (and a killed training resumes from its last checkpoint, a killed
leaderboard from its last finished task, generation from its last answered question). Outputs made with other
settings are never kept silently: a run trained with other training settings, leaderboard results with another
limit and answers with other decoding settings are refused with a message naming the fields (delete them to redo
them); win rates are judged again when their answers, reward model or judge settings changed.

  uncertainty   <runs>/uncertainty/            UP-DPO: K Bradley-Terry members, pairs.jsonl with the uncertainty
                                               column (only with an `uncertainty:` section)
  train         <runs>/<method>/final/         for each method (sr-train, in this process)
  reward-model  <runs>/reward-model/final/     Bradley-Terry reward model (sr-train --loss bt)
  expo          <runs>/expo/<m>-expo<a>/       ExPO: each named method extrapolated from the start at each alpha
                                               (only with an `expo:` section); scored by the stages below
  leaderboard   <results>/leaderboard/<model>/ sr-bench leaderboard on the task subset, base model included
  generate      <results>/answers/<model>.jsonl answers to the question set, base model included
  judge         <results>/winrate/<a>-vs-<b>.*  reward-model win rates: each method vs base and vs each other
  report        <reports>/README.md            summary table, win-rate matrix, figures (always re-rendered)

<results>/pipeline.json records each stage's time and whether it ran or was skipped.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from bench.leaderboard.evaluate import run_leaderboard
from bench.leaderboard.records import table
from bench.pipeline.config import BASE, RM_RUN, STAGES, PipelineConfig, PipelineError, WinrateSettings
from bench.pipeline.report import render_pipeline_report
from bench.winrate.answers import AnswersError, read_answers
from bench.winrate.controlled import controlled_records
from bench.winrate.generate import generate_answers
from bench.winrate.judges.reward import RewardModelJudge
from bench.winrate.pairwise import format_summary, pairwise
from bench.winrate.questions import load_questions
from bench.winrate.ranking import RANKING_FILE, ranking_records
from sr_train.artifacts.assets import resolve
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.extrapolate import ExtrapolationError, extrapolate
from sr_train.artifacts.files import atomic_write_json, atomic_write_jsonl, content_sha256, file_sha256
from sr_train.artifacts.models import bf16_autocast
from sr_train.artifacts.runs import EXPO_FILE, expo_facts, is_trained, slug
from sr_train.artifacts.settings import differing
from sr_train.artifacts.weights import weights_id
from sr_train.config import TrainConfig
from sr_train.data import DataError, load_rows
from sr_train.pairs import TokenizeSettings
from sr_train.recipe import train
from sr_train.resume import ResumeError, settings_mismatch
from sr_train.uncertainty import write_uncertainty


# -- stages ------------------------------------------------------------------------------------------------
def models(cfg: PipelineConfig) -> dict[str, str]:
    """Every model scored: the starting model, each method's final checkpoint, then the ExPO sweep's models."""
    return {BASE: resolve(cfg.model), **{m: str(cfg.final(m)) for m in cfg.methods},
            **{name: str(cfg.expo_dir(name)) for name in cfg.expo_models()}}


def _needs_training(cfg: PipelineConfig, run: str, train_cfg: TrainConfig) -> bool:
    """False when `run` is trained with the config's settings; an error when it was trained (or is part-trained)
    with other ones (see sr_train.resume.settings_mismatch): a run is never silently kept or mixed."""
    why = settings_mismatch(train_cfg, cfg.run_dir(run))
    if why:
        raise PipelineError(f"{run}: {why}\nTo retrain it with the config's settings, delete {cfg.run_dir(run)} "
                            "(its leaderboard results, answers and win rates are then redone too).")
    return not is_trained(cfg.final(run))


def _train(train_cfg: TrainConfig) -> None:
    try:
        train(train_cfg)
    except ResumeError as e:
        raise PipelineError(str(e)) from e


def _drop_results_of(cfg: PipelineConfig, run: str) -> None:
    """Leaderboard results and answers of `run` made before it is (re)trained belong to weights that are gone."""
    for stale in (cfg.results_dir / "leaderboard" / slug(run), answers_path(cfg, run)):
        if stale.exists():
            tqdm.write(f"[pipeline] {run} is trained anew: removing {stale}, made from its earlier weights")
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()


def stage_uncertainty(cfg: PipelineConfig) -> bool:
    """UP-DPO's ensemble: train the members (resampled data first, with resample 'bootstrap'), then write the data
    with its uncertainty column, unless it exists made from the same data, members' weights and settings."""
    u = cfg.uncertainty
    if u is None:
        return False
    data = resolve(u.data)
    if u.resample == "bootstrap":
        _write_resamples(cfg, data)
    todo = [m for m in cfg.members if _needs_training(cfg, m, cfg.members[m])]
    for member in tqdm(todo, desc="ensemble", unit="run", disable=not todo):
        tqdm.write(f"[pipeline] training ensemble {member} (bt, seed {cfg.members[member].seed}) -> "
                   f"{cfg.run_dir(member)}")
        _train(cfg.members[member])
    finals = [cfg.final(m) for m in cfg.members]
    first = next(iter(cfg.members.values()))
    want = {"kind": u.kind, "data_sha256": content_sha256(data), "max_rows": u.max_rows,
            "member_weights": [weights_id(f) for f in finals], "max_length": first.max_length,
            "max_prompt_length": first.max_prompt_length, "template": first.template}
    out = cfg.uncertain_data()
    facts = Path(f"{out}.json")
    if out.is_file() and facts.is_file():
        stored = json.loads(facts.read_text(encoding="utf-8")).get("pipeline_inputs") or {}
        if not (changed := sorted(differing(stored, want))):
            return bool(todo)
        tqdm.write(f"[pipeline] {out}: written again, its inputs changed ({', '.join(changed)})")
    settings = TokenizeSettings(first.max_length, first.max_prompt_length, first.template)
    try:
        got = write_uncertainty(data, finals, out, u.kind, settings, u.batch_size, u.max_rows,
                                extra={"pipeline_inputs": want})
    except DataError as e:
        raise PipelineError(f"uncertainty: {e}") from e
    tqdm.write(f"[pipeline] uncertainty ({u.kind} over {len(finals)} members) of {got['pairs']} pairs -> {out}: "
               f"mean {got['mean']:.4g}, max {got['max']:.4g}")
    return True


def _write_resamples(cfg: PipelineConfig, data: str) -> None:
    """Member k's bootstrap resample of the data's rows (drawn with replacement, seeded by its seed), written where
    its config reads it when missing or different."""
    try:
        rows = [row for _, row in load_rows(data, max_rows=cfg.uncertainty.max_rows)[0]]
    except UserError as e:  # the data file (DataError, or a line that is not JSON)
        raise PipelineError(f"uncertainty: {e}") from e
    for member in cfg.members.values():
        drawn = random.Random(member.seed).choices(rows, k=len(rows))
        text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in drawn)
        path = Path(member.data)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write_jsonl(path, drawn)


def stage_train(cfg: PipelineConfig) -> bool:
    lacking = [str(cfg.uncertain_data()) for m in cfg.methods.values()
               if m.data == str(cfg.uncertain_data()) and not cfg.uncertain_data().is_file()]
    if lacking:
        raise PipelineError(f"the train stage needs the ensemble's data with its uncertainty column: missing "
                            f"{lacking[0]} (run the uncertainty stage first)")
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


def stage_expo(cfg: PipelineConfig) -> bool:
    """ExPO: each named method's final model extrapolated from the starting model at each alpha (expo.json says
    which); a model is made again (and what was scored of it dropped) when alpha or either model's weights changed."""
    start, ran = resolve(cfg.model), False
    for name, (method, alpha) in cfg.expo_models().items():
        aligned, out = cfg.final(method), cfg.expo_dir(name)
        if not is_trained(aligned):
            raise PipelineError(f"expo: {method} is not trained ({aligned} missing; run the train stage first)")
        want = {"alpha": alpha, "aligned_weights": weights_id(aligned), "start_weights": weights_id(start)}
        stored = expo_facts(out)
        if stored is not None and not differing(stored, want):
            continue
        _drop_results_of(cfg, name)
        (out / EXPO_FILE).unlink(missing_ok=True)  # written last: a folder without it is unfinished
        tqdm.write(f"[pipeline] expo {name}: {aligned} + {alpha:g} * ({aligned} - {start}) -> {out}")
        try:
            extrapolate(aligned, start, alpha, out)
        except ExtrapolationError as e:
            raise PipelineError(f"expo: {e}") from e
        ran = True
    return ran


def _leaderboard_done(out: Path, run: str, tasks: list[str]) -> bool:
    return all((out / run / f"{t}.json").is_file() for t in tasks)


def stage_leaderboard(cfg: PipelineConfig) -> bool:
    lb, out = cfg.leaderboard, cfg.results_dir / "leaderboard"
    tasks = [t.strip() for t in lb.tasks.split(",") if t.strip()]
    ran = not all(_leaderboard_done(out, run, tasks) for run in models(cfg))
    # every model goes through the leaderboard library, which skips finished tasks only when their stored settings
    # match (and refuses results made with other settings), and loads a model only for unfinished tasks
    for run, path in tqdm(models(cfg).items(), desc="leaderboard", unit="model"):
        req = lb.request(model=path, run=run, experiment=cfg.name, out=str(out), tasks=",".join(tasks))
        try:
            records = run_leaderboard(req)
        except (UserError, FileNotFoundError) as e:  # bad options, data or stored results; a bug keeps its traceback
            raise PipelineError(f"leaderboard failed for {run} ({path}): {e}") from e
        print(table(records))
    return ran


def answers_path(cfg: PipelineConfig, run: str) -> Path:
    return cfg.results_dir / "answers" / f"{run}.jsonl"


def stage_generate(cfg: PipelineConfig) -> bool:
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
            generate_answers(path, qset, answers, model_name=run, **asdict(w.decoding()))
        except AnswersError as e:
            raise PipelineError(f"generate: {e}") from e
    return ran


def judge_pairs(cfg: PipelineConfig) -> list[tuple[str, str]]:
    """Each method against the starting model, then every pair of methods; each ExPO model against the starting
    model and against the model it was extrapolated from."""
    methods = list(cfg.methods)
    expo = [p for name, (m, _) in cfg.expo_models().items() for p in ((name, BASE), (name, m))]
    return [(m, BASE) for m in methods] + list(itertools.combinations(methods, 2)) + expo


def pair_run(a: str, b: str) -> str:
    return f"{a}-vs-{b}"


def judge_inputs(cfg: PipelineConfig) -> dict[tuple[str, str], dict[str, Any]]:
    """What each pair's verdicts depend on: both answer files (hashed), the reward model's weights and the judge and
    bootstrap settings. Stored in <a>-vs-<b>.summary.json as `pipeline_inputs`; a pair is judged again when they
    change (e.g. more questions answered, a retrained reward model, another tie_margin). Each file is hashed once."""
    answers = {m: file_sha256(answers_path(cfg, m)) for m in models(cfg)}
    shared = judge_settings(cfg.winrate, cfg.final(RM_RUN))
    return {(a, b): {"answers": {a: answers[a], b: answers[b]}, **shared} for a, b in judge_pairs(cfg)}


def judge_settings(w: WinrateSettings, reward_model: str | Path) -> dict[str, Any]:
    """What every pair's verdicts depend on besides its answers: the reward model's weights, the judge and bootstrap
    settings (also `sr-bench science winrates`'s skip rule)."""
    return {"reward_model": weights_id(reward_model), "tie_margin": w.tie_margin, "rm_max_length": w.rm_max_length,
            "n_boot": w.n_boot, "rm_bf16_autocast": bf16_autocast(w.rm_bf16)}


JUDGED_BEFORE = {"rm_bf16_autocast": False}  # pairs judged before the setting was recorded ran without autocast


def judged_with(summary: Path, inputs: dict[str, Any]) -> bool:
    """Whether `summary` (a finished judging) was made from `inputs` (its stored `pipeline_inputs`)."""
    if not summary.is_file():
        return False
    stored = json.loads(summary.read_text(encoding="utf-8")).get("pipeline_inputs")
    changed = sorted(differing(stored or {}, inputs, before=JUDGED_BEFORE))
    if not changed:
        return True
    tqdm.write(f"[pipeline] {summary.name}: judged again, its inputs changed ({', '.join(changed)})")
    return False


FIT_BOOT = 500  # bootstrap draws of the fitted rates (each draw refits a logistic model)


def stage_judge(cfg: PipelineConfig) -> bool:
    w, out = cfg.winrate, cfg.results_dir / "winrate"
    missing = [str(answers_path(cfg, m)) for m in models(cfg) if not answers_path(cfg, m).is_file()]
    missing += [] if is_trained(cfg.final(RM_RUN)) else [str(cfg.final(RM_RUN))]
    if missing:
        raise PipelineError(f"the judge stage needs every model's answers and the reward model; missing: "
                            f"{', '.join(missing)} (run the generate and reward-model stages first)")
    inputs = judge_inputs(cfg)
    todo = [p for p in inputs if not judged_with(out / f"{pair_run(*p)}.summary.json", inputs[p])]
    if not todo:
        if not (out / RANKING_FILE).is_file():  # judged before the ranking was written: fit it from the verdicts
            ranking_records(out, cfg.name, n_boot=min(w.n_boot, FIT_BOOT))
            return True
        return False
    judge = RewardModelJudge(str(cfg.final(RM_RUN)), tie_margin=w.tie_margin, batch_size=w.rm_batch_size,
                             max_length=w.rm_max_length, progress=False, bf16=w.rm_bf16)
    for a, b in tqdm(todo, desc="judge", unit="pair"):
        result = pairwise(answers_path(cfg, a), answers_path(cfg, b), judge, out=out, run=pair_run(a, b),
                          method_a=a, method_b=b, n_boot=w.n_boot, extra_info={"pipeline_inputs": inputs[a, b]})
        tqdm.write(format_summary(result))
        controlled_records(out, pair_run(a, b), n_boot=min(w.n_boot, FIT_BOOT))
    ranking_records(out, cfg.name, n_boot=min(w.n_boot, FIT_BOOT))  # every pair, on one scale
    return True


def stage_report(cfg: PipelineConfig) -> bool:
    written = render_pipeline_report(cfg)
    tqdm.write(f"[pipeline] report: {written}")
    return True


STAGE_FUNCS = {"uncertainty": stage_uncertainty, "train": stage_train, "reward-model": stage_reward_model,
               "expo": stage_expo, "leaderboard": stage_leaderboard, "generate": stage_generate, "judge": stage_judge,
               "report": stage_report}


def applies(cfg: PipelineConfig, stage: str) -> bool:
    """Whether the config has work for `stage`: the ensemble and ExPO stages only with their sections."""
    return {"uncertainty": cfg.uncertainty is not None, "expo": cfg.expo is not None}.get(stage, True)


def run_pipeline(cfg: PipelineConfig, stages: list[str] | None = None) -> dict[str, dict]:
    """Run the stages in order; returns {stage: {"seconds", "ran"}} (also written to <results>/pipeline.json)."""
    stages = [s for s in stages or STAGES if applies(cfg, s)]
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
