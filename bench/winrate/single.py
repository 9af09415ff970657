"""Single-answer grading (MT-Bench's single mode): one answer set, every (question, turn) graded 1-10 alone.

`grade` builds an item per turn of every fully answered question (with the question's reference answers when it
has them), asks the grader (bench.winrate.judges.grader.SingleGrader: retries, cache, ledger, re-asks, repeats
with the median) and computes, over the items that got a rating:
- `score`: the mean rating of all graded turns (MT-Bench's overall score);
- `score_turn<t>`: the mean over turn t's items;
- `score_cat_<category>`: the mean over a category's items (turns pooled);
- `error_rate`: items without a parsable rating after the re-asks (over all items);
- `repeat_sd` (with repeats > 1): the mean over items of the standard deviation of their repeats' ratings.
Each mean has a 95% bootstrap CI that resamples questions (with all their turns). Written to `out` as
`<run>.jsonl` (tidy records), `<run>.grades.ndjson` (one line per item) and `<run>.grades.json` (counts,
skipped questions, grader settings and ledger; written last). Judged pairs' `*.summary.json` are a different
file, so a pairwise ranking of the folder never mistakes a grading for a pair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.records import make_record
from bench.winrate.answers import AnswersError, AnswerSet, load_answer_set, row_reference
from bench.winrate.judges.base import GradedItem, GradeItem
from bench.winrate.judges.grader import SingleGrader
from bench.winrate.pairwise import write_outputs
from bench.winrate.stats import bootstrap_ci
from sr_train.artifacts.provenance import package_versions
from sr_train.artifacts.runs import slug


@dataclass
class Score:
    value: float
    ci_low: float
    ci_high: float
    n: int


@dataclass
class GradeResult:
    scores: dict[str, Score]
    graded: list[GradedItem]
    records: list[dict]
    info: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)


def build_grade_items(a: AnswerSet, refs: dict | None = None) -> tuple[list[GradeItem], list]:
    """Items for every turn of every fully answered question of `a`; the ids of incomplete ones."""
    items, incomplete = [], []
    for qid in sorted(a.rows, key=lambda q: (isinstance(q, str), q)):
        row = a.rows[qid]
        turns, answers = list(row.get("turns") or []), list(row.get("answers") or [])
        if not turns or len(answers) < len(turns):
            incomplete.append(qid)
            continue
        ref = refs.get(qid) if refs is not None else row_reference(row, a.path)
        for t in range(1, len(turns) + 1):
            items.append(GradeItem(qid, t, str(row.get("category", "unknown")), tuple(turns[:t]),
                                   tuple(answers[:t]), ref))
    if not items:
        raise AnswersError(f"{a.path}: no fully answered question to grade")
    return items, incomplete


def category_metric(category: str) -> str:
    return "score_cat_" + (re.sub(r"[^a-z0-9]+", "_", category.lower()).strip("_") or "unknown")


def mean_scores(graded: list[GradedItem], n_boot: int = 2000, seed: int = 0) -> dict[str, Score]:
    """Mean ratings overall, per turn and per category, each with a question-resampling bootstrap CI; plus
    error_rate (a fraction) and, with repeats, repeat_sd."""
    qids = list(dict.fromkeys(g.item.question_id for g in graded))
    index = {q: i for i, q in enumerate(qids)}
    scopes: dict[str, Any] = {"score": lambda g: True}
    for t in sorted({g.item.turn for g in graded}):
        scopes[f"score_turn{t}"] = lambda g, t=t: g.item.turn == t
    for c in sorted({g.item.category for g in graded}):
        scopes[category_metric(c)] = lambda g, c=c: g.item.category == c
    names = list(scopes)
    sds = [g for g in graded if g.details.get("repeat_sd") is not None]
    cols = len(names) + 1 + (1 if sds else 0)
    num, den = np.zeros((len(qids), cols)), np.zeros((len(qids), cols))
    for g in graded:
        row = index[g.item.question_id]
        den[row, len(names)] += 1  # error_rate: over all items
        if g.rating is None:
            num[row, len(names)] += 1
            continue
        for j, name in enumerate(names):
            if scopes[name](g):
                num[row, j] += g.rating
                den[row, j] += 1
        if sds and g.details.get("repeat_sd") is not None:
            num[row, -1] += g.details["repeat_sd"]
            den[row, -1] += 1
    low, high = bootstrap_ci(num, den, n_boot=n_boot, seed=seed)
    out = {}
    for j, name in enumerate([*names, "error_rate", *(["repeat_sd"] if sds else [])]):
        total = den[:, j].sum()
        if total > 0:
            out[name] = Score(float(num[:, j].sum() / total), float(low[j]), float(high[j]), int(total))
    return out


def grade(
    answers: str | Path | AnswerSet, grader: SingleGrader, *, out: str | Path | None = None,
    run: str | None = None, model: str | None = None, method: str | None = None, n_boot: int = 2000,
    seed: int = 0, limit: int | None = None, references: dict | None = None, max_error_rate: float = 1.0,
) -> GradeResult:
    """Grade one answer set; with `out` (a results folder named for the experiment) write records, per-item
    grades and the grading summary there. `references` (question id -> reference answers) replaces those the
    answer rows carry. Raises JudgeFailed when nothing was graded or the error rate is above `max_error_rate`."""
    a = answers if isinstance(answers, AnswerSet) else load_answer_set(answers, model)
    items, incomplete = build_grade_items(a, references)
    if limit is not None:
        keep = set(list(dict.fromkeys(it.question_id for it in items))[:limit])
        items = [it for it in items if it.question_id in keep]
    graded = grader.grade(items)
    if len(graded) != len(items):
        raise RuntimeError(f"grader {grader.name} returned {len(graded)} results for {len(items)} items")
    scores = mean_scores(graded, n_boot=n_boot, seed=seed)
    n_err = sum(g.rating is None for g in graded)
    failed = None
    if n_err == len(graded):
        failed = f"grader {grader.name} graded none of the {len(graded)} items ({n_err} errors)"
    elif n_err / len(graded) > max_error_rate:
        failed = (f"grader {grader.name}: {n_err} of {len(graded)} items ended in errors "
                  f"({100 * n_err / len(graded):.0f}%, above the {100 * max_error_rate:.0f}% allowed)")
    run = run or slug(f"{a.model}-single-{grader.name}")
    experiment = Path(out).name if out is not None else "winrate"
    judge_info = grader.info()
    n_ref = sum(1 for it in items if it.reference)
    info_run = a.run_info
    extra_common = {"mode": "single", "scale": [1, 10], "model": a.model, "repeats": grader.repeats,
                    "reference_items": n_ref, "judge_endpoint": judge_info.get("endpoint")}
    common = dict(method=method or info_run.get("method") or a.model, judge=grader.name,
                  beta=info_run.get("beta"), seed=info_run.get("seed"), step=info_run.get("step"),
                  tuples_seen=info_run.get("tuples_seen"), settings=info_run.get("settings"),
                  versions=package_versions("sr-align", "openai"), **{"lambda": info_run.get("lambda")})
    records = [] if failed else [
        make_record(experiment, run, a.question_set, name, s.value, ci_low=s.ci_low, ci_high=s.ci_high, n=s.n,
                    unit="fraction" if name == "error_rate" else "raw", extra=extra_common, **common)
        for name, s in scores.items()]
    info = {"run": run, "experiment": experiment, "task": a.question_set, "mode": "single",
            "answers": str(a.path), "model": a.model, "n_items": len(graded), "n_graded": len(graded) - n_err,
            "n_errors": n_err, "reference_items": n_ref, "skipped": {"incomplete": incomplete},
            "scores": {k: vars(v) for k, v in scores.items()}, "judge": judge_info,
            "bootstrap": {"n_boot": n_boot, "seed": seed, "level": 0.95, "resampled": "questions"}}
    result = GradeResult(scores, graded, records, info)
    if out is not None:
        out = Path(out)
        result.paths = {"records": out / f"{run}.jsonl", "grades": out / f"{run}.grades.ndjson",
                        "summary": out / f"{run}.grades.json"}
    write_outputs(result.paths, "grades", [g.as_row() for g in graded], records, info, failed)
    return result


def format_scores(result: GradeResult) -> str:
    i = result.info
    lines = [f"{i['model']} on {i['task']}: single grading 1-10 ({i['n_items']} items, {i['n_graded']} graded, "
             f"{i['n_errors']} errors, {i['reference_items']} with a reference answer)"]
    for name, s in result.scores.items():
        lines.append(f"  {name:<24} {s.value:6.3f}  [{s.ci_low:6.3f}, {s.ci_high:6.3f}]  (n={s.n})")
    return "\n".join(lines)
