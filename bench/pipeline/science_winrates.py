"""Reward-model win rates vs the starting model (secondary, no verdict; PREREGISTRATION.md "Metrics", "Win rates"):
greedy answers of the base and of each run's final model to the question set of the config's `winrate:` section
(bench.winrate.generate: <out>/answers/<label>.jsonl, resumable), then each run against the base judged by the
Bradley-Terry reward model (bench.winrate.pairwise, one verdict per (question, turn) item from both answers' scores:
<out>/winrate/<label>-vs-base.jsonl records with bootstrap 95 % CIs over questions, .verdicts.ndjson, .summary.json).

Every setting (question set, limit, max new tokens, batch sizes, dtype, tie margin, ...) comes from the config
(bench.pipeline.config). A pair is judged again only when its answers, the question set or limit, the reward
model's weights or the judge settings changed (the pipeline's rule: bench.pipeline.stages.judged_with)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from bench.pipeline.config import BASE, WinrateSettings
from bench.pipeline.stages import judge_settings, judged_with
from bench.science.claims import WINRATE
from bench.science.models import EvalModel
from bench.science.store import read_results, result_path
from bench.winrate.answers import AnswerSet, load_answer_set
from bench.winrate.generate import generate_answers
from bench.winrate.judges.reward import RewardModelJudge
from bench.winrate.pairwise import format_summary, pairwise
from bench.winrate.questions import QuestionSet
from sr_train.artifacts.assets import resolve
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import file_sha256
from sr_train.artifacts.runs import slug

ANSWERS = "answers"


def answers_file(out: str | Path, label: str) -> Path:
    """<out>/answers/<label as a file name>.jsonl"""
    return result_path(out, ANSWERS, label)


def pair_name(label: str) -> str:
    """`dpo-s0/final` -> `dpo-s0__final-vs-base`: the judging's file stem under <out>/winrate/."""
    return slug(f"{label}-vs-{BASE}")


def reward_model(judge: str) -> str:
    """The local reward-model folder of a judge spec `rm:<folder or builtin:name>`."""
    kind, _, target = judge.partition(":")
    if kind != "rm" or not target:
        raise UserError(f"--judge must be 'rm:<reward model folder>', got {judge!r}")
    path = resolve(target)
    if not (Path(path) / "config.json").is_file():
        raise UserError(f"{path}: no reward model here (no config.json); train it first: "
                        "sr-bench pipeline --config configs/science.yaml --stages reward-model")
    return path


def answer(em: EvalModel, qset: QuestionSet, out: str | Path, w: WinrateSettings) -> Path:
    """Greedy answers of one model to the question set; questions already answered with the same settings are
    skipped (and no model is loaded when none is left)."""
    if em.base is not None:
        raise UserError(f"{em.path}: an adapter-only checkpoint; win rates take merged models (a run's final/)")
    return generate_answers(em.path, qset, answers_file(out, em.label), model_name=em.label,
                            **dataclasses.asdict(w.decoding()))


def restricted(path: Path, qset: QuestionSet) -> AnswerSet:
    """The file's answers to the question set's questions only (a file may hold more, from a larger limit)."""
    answers = load_answer_set(path)
    ids = {q.question_id for q in qset.questions}
    return dataclasses.replace(answers, rows={k: r for k, r in answers.rows.items() if k in ids})


def evaluate_winrates(base: EvalModel, runs: list[EvalModel], qset: QuestionSet, judge: str, out: str | Path,
                      w: WinrateSettings, limit: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """Answer with the base and every run, judge each run against the base (unless judged from the same inputs);
    returns label -> its win-rate records. `limit` is the limit `qset` was cut to (part of the skip rule)."""
    rm = reward_model(judge)
    files = {em.label: answer(em, qset, out, w) for em in [base, *runs]}
    settings = {**judge_settings(w, rm), "question_set": qset.name, "limit": limit}
    folder = Path(out) / WINRATE
    scorer = None
    for em in runs:
        inputs = {"answers": {em.label: file_sha256(files[em.label]), BASE: file_sha256(files[base.label])},
                  **settings}
        if judged_with(folder / f"{pair_name(em.label)}.summary.json", inputs):
            continue
        scorer = scorer or RewardModelJudge(rm, tie_margin=w.tie_margin, batch_size=w.rm_batch_size,
                                            max_length=w.rm_max_length, progress=False, bf16=w.rm_bf16)
        result = pairwise(restricted(files[em.label], qset), restricted(files[base.label], qset), scorer,
                          out=folder, run=pair_name(em.label), method_a=em.label, method_b=BASE, n_boot=w.n_boot,
                          extra_info={"pipeline_inputs": inputs})
        print(format_summary(result))
    return {em.label: read_results(folder / f"{pair_name(em.label)}.jsonl") for em in runs}
