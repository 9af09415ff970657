"""Pairwise win rates of answer set A against answer set B (`sr-bench judge` and the pipeline).

Pairs the two answer files by question, judges every (question, turn) item (an LLM judge in both
orders, or a reward model), and writes to `--out` (default results/winrate; the folder name is the
experiment):
- `<run>.jsonl`: tidy records (win, tie, lose, swap_consistency, position_bias, error_rate; fractions
  with bootstrap 95% CIs paired by question), written atomically;
- `<run>.verdicts.ndjson`: one JSON line per judged item (both orders, explanations or scores, errors);
  named .ndjson so that loaders of the record folder (which read *.jsonl) skip it;
- `<run>.summary.json`: counts, per-turn counts, skipped questions, judge settings and the cost ledger.
A judging that judged nothing, or whose error rate is above `max_error_rate`, writes only the verdicts (to see what
failed) and raises JudgeFailed: its records and summary are not written, so it never looks complete, and a re-run
asks again only what failed (answered calls are cached).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.records import make_record, write_records
from bench.winrate.answers import AnswersError, AnswerSet, load_answer_set, row_reference
from bench.winrate.judges import Judge, JudgedItem, JudgeItem, make_judge
from bench.winrate.stats import Summary, summarize
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import atomic_write_json, atomic_write_jsonl
from sr_train.artifacts.provenance import package_versions
from sr_train.artifacts.runs import slug

DEFAULT_OUT = Path("results") / "winrate"
DEFAULT_MAX_ERROR_RATE = 0.2
"""`sr-bench judge` fails (exit 1) when more than this share of the items ended in the error bucket."""


class JudgeFailed(UserError):
    """The judge judged nothing, or too few items (error rate above the threshold): the endpoint or model failing,
    not a bug of ours (sr-bench judge reports it in one line and exits 1)."""


@dataclass
class PairwiseResult:
    summary: Summary
    judged: list[JudgedItem]
    records: list[dict]
    info: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)


def build_items(a: AnswerSet, b: AnswerSet, refs: dict | None = None) -> tuple[list[JudgeItem], dict[str, list]]:
    """Items for every turn of every question both sets answered; what was left out and why. Each item carries
    its question's reference answers: from `refs` (a question set's, by id) when given, else from the answer rows."""
    if a.question_set != b.question_set:
        raise AnswersError(f"{a.path} answers {a.question_set!r} but {b.path} answers {b.question_set!r}")
    skipped: dict[str, list] = {"only_in_a": sorted(set(a.rows) - set(b.rows), key=str),
                                "only_in_b": sorted(set(b.rows) - set(a.rows), key=str), "incomplete": []}
    items = []
    for qid in sorted(set(a.rows) & set(b.rows), key=lambda q: (isinstance(q, str), q)):
        ra, rb = a.rows[qid], b.rows[qid]
        if ra.get("turns") != rb.get("turns"):
            raise AnswersError(f"question {qid!r}: {a.path} and {b.path} hold different question texts")
        turns = list(ra.get("turns") or [])
        ans_a, ans_b = list(ra.get("answers") or []), list(rb.get("answers") or [])
        if not turns or len(ans_a) < len(turns) or len(ans_b) < len(turns):
            skipped["incomplete"].append(qid)
            continue
        ref = refs.get(qid) if refs is not None else row_reference(ra, a.path)
        for t in range(1, len(turns) + 1):
            items.append(JudgeItem(qid, t, str(ra.get("category", "unknown")), tuple(turns[:t]),
                                   tuple(ans_a[:t]), tuple(ans_b[:t]), ref))
    if not items:
        raise AnswersError(f"{a.path} and {b.path} share no fully answered question")
    return items, skipped


def make_records(summary: Summary, *, experiment: str, run: str, task: str, judge: str, a: AnswerSet,
                 b: AnswerSet, method_a: str | None, method_b: str | None,
                 judge_endpoint: str | None = None, judge_bf16: bool | None = None) -> list[dict]:
    """Tidy win-rate records (bench.records schema) for every rate in the summary; an API judge's records name the
    server asked (`extra.judge_endpoint`: scheme://host[:port]/path, never credentials), a reward model's whether it
    ran under bf16 autocast (`extra.judge_bf16_autocast`)."""
    info = a.run_info
    extra = {"opponent": method_b or b.run_info.get("method") or b.model, "model_a": a.model, "model_b": b.model,
             "n_questions": summary.n_questions, "counts": summary.counts}
    if b.run_info.get("settings"):
        extra["opponent_settings"] = b.run_info["settings"]
    if judge_endpoint is not None:
        extra["judge_endpoint"] = judge_endpoint
    if judge_bf16 is not None:
        extra["judge_bf16_autocast"] = judge_bf16
    common = dict(
        method=method_a or info.get("method") or a.model, judge=judge, unit="fraction",
        beta=info.get("beta"), seed=info.get("seed"), step=info.get("step"), tuples_seen=info.get("tuples_seen"),
        settings=info.get("settings"),
        versions=package_versions("sr-align", "torch", "transformers", "openai"), extra=extra,
        **{"lambda": info.get("lambda")},
    )
    return [make_record(experiment, run, task, metric, r.value, ci_low=r.ci_low, ci_high=r.ci_high,
                        n=r.denominator, **common) for metric, r in summary.rates.items()]


def pairwise(
    answers_a: str | Path | AnswerSet, answers_b: str | Path | AnswerSet, judge: str | Judge, *,
    out: str | Path | None = None, run: str | None = None, model_a: str | None = None,
    model_b: str | None = None, method_a: str | None = None, method_b: str | None = None,
    n_boot: int = 2000, seed: int = 0, limit: int | None = None, judge_options: dict | None = None,
    extra_info: dict | None = None, max_error_rate: float = 1.0, references: dict | None = None,
) -> PairwiseResult:
    """Judge A against B; with `out` (a results folder named for the experiment) also write the records,
    verdicts and summary there. `extra_info` is added to the summary (e.g. what the caller's skip logic checks).
    `references` (question id -> reference answers, bench.winrate.questions.references) replaces the references
    the answer rows carry."""
    a = answers_a if isinstance(answers_a, AnswerSet) else load_answer_set(answers_a, model_a)
    b = answers_b if isinstance(answers_b, AnswerSet) else load_answer_set(answers_b, model_b)
    items, skipped = build_items(a, b, references)
    if limit is not None:
        keep = set(list(dict.fromkeys(it.question_id for it in items))[:limit])
        items = [it for it in items if it.question_id in keep]
    judge_obj = make_judge(judge, **(judge_options or {})) if isinstance(judge, str) else judge
    judged = judge_obj.judge(items)
    if len(judged) != len(items):
        raise RuntimeError(f"judge {judge_obj.name} returned {len(judged)} results for {len(items)} items")
    summary = summarize([j.outcome for j in judged], n_boot=n_boot, seed=seed,
                        order_sensitive=judge_obj.order_sensitive)
    failed = None
    if summary.n_judged == 0:
        failed = f"judge {judge_obj.name} judged none of the {summary.n_items} items ({summary.n_errors} errors)"
    elif summary.n_errors / max(summary.n_items, 1) > max_error_rate:
        failed = (f"judge {judge_obj.name}: {summary.n_errors} of {summary.n_items} items ended in errors "
                  f"({100 * summary.n_errors / summary.n_items:.0f}%, above the {100 * max_error_rate:.0f}% allowed)")
    run = run or slug(f"{a.model}-vs-{b.model}-{judge_obj.name}")
    experiment = Path(out).name if out is not None else "winrate"
    judge_info = judge_obj.info()
    records = make_records(summary, experiment=experiment, run=run, task=a.question_set, judge=judge_obj.name,
                           a=a, b=b, method_a=method_a, method_b=method_b,
                           judge_endpoint=judge_info.get("endpoint"),
                           judge_bf16=judge_info.get("bf16_autocast")) if summary.rates else []
    per_turn = {str(t): dict(Counter(j.outcome.outcome for j in judged if j.item.turn == t))
                for t in sorted({j.item.turn for j in judged})}
    info = {"run": run, "experiment": experiment, "task": a.question_set, "answers_a": str(a.path),
            "answers_b": str(b.path), "model_a": a.model, "model_b": b.model, "skipped": skipped,
            "per_turn": per_turn, "summary": summary.as_dict(), "judge": judge_info,
            "reference_items": sum(1 for it in items if it.reference),
            "bootstrap": {"n_boot": n_boot, "seed": seed, "level": 0.95, "resampled": "questions"},
            **(extra_info or {})}
    result = PairwiseResult(summary, judged, records, info)
    if out is not None:
        out = Path(out)
        result.paths = {"records": out / f"{run}.jsonl", "verdicts": out / f"{run}.verdicts.ndjson",
                        "summary": out / f"{run}.summary.json"}
    write_outputs(result.paths, "verdicts", [j.as_row() for j in judged], records, info, failed)
    return result


def write_outputs(paths: dict[str, Path], detail: str, rows: list[dict], records: list[dict], info: dict,
                  failed: str | None) -> None:
    """The judged items (paths[detail]) first, then, unless the run failed, the records and the summary: the
    summary is written last, its presence says the run is complete. No paths (no output folder): only the check."""
    if paths:
        atomic_write_jsonl(paths[detail], rows)
    if failed:
        where = f"; nothing recorded (what failed: {paths[detail]})" if paths else ""
        raise JudgeFailed(failed + where)
    if paths:
        write_records(paths["records"], records)
        atomic_write_json(paths["summary"], info)


def format_summary(result: PairwiseResult) -> str:
    s = result.summary
    lines = [f"{result.info['model_a']} vs {result.info['model_b']} on {result.info['task']} "
             f"({s.n_questions} questions, {s.n_items} items, {s.n_judged} judged, {s.n_errors} errors)"]
    for name, r in s.rates.items():
        lines.append(f"  {name:<17} {100 * r.value:6.2f}%  [{100 * r.ci_low:6.2f}, {100 * r.ci_high:6.2f}]  "
                     f"({r.numerator}/{r.denominator})")
    sk = result.info["skipped"]
    if any(sk.values()):
        lines.append(f"  skipped questions: {len(sk['only_in_a'])} only in A, {len(sk['only_in_b'])} only in B, "
                     f"{len(sk['incomplete'])} with missing answers")
    return "\n".join(lines)
