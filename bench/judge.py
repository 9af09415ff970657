"""`sr-bench judge`: pairwise win rates of answer set A against answer set B.

Pairs the two answer files by question, judges every (question, turn) item (an LLM judge in both
orders, or a reward model), and writes to `--out` (default results/winrate; the folder name is the
experiment):
- `<run>.jsonl`: tidy records (win, tie, lose, swap_consistency, position_bias, error_rate; fractions
  with bootstrap 95% CIs paired by question), written atomically;
- `<run>.verdicts.ndjson`: one JSON line per judged item (both orders, explanations or scores, errors);
  named .ndjson so that loaders of the record folder (which read *.jsonl) skip it;
- `<run>.summary.json`: counts, per-turn counts, skipped questions, judge settings and the cost ledger.
Call `pairwise(...)` from Python for the same without the CLI.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.generate import GenerateError, read_answers
from bench.judges import Judge, JudgedItem, JudgeItem, make_judge
from bench.stats import Summary, summarize
from sr_train.files import atomic_write_json, atomic_write_jsonl

DEFAULT_OUT = Path("results") / "winrate"


class JudgeInputError(ValueError):
    """Answer files that cannot be paired; the message names the file and what is wrong."""


@dataclass
class AnswerSet:
    path: Path
    model: str
    question_set: str
    rows: dict[int | str, dict]
    run_info: dict[str, Any] = field(default_factory=dict)


@dataclass
class PairwiseResult:
    summary: Summary
    judged: list[JudgedItem]
    records: list[dict]
    info: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)


def load_answer_set(path: str | Path, model: str | None = None) -> AnswerSet:
    """One model's answers from an answers file (which may hold several models: pick one with `model`)."""
    path = Path(path)
    if not path.is_file():
        raise JudgeInputError(f"answers file {path} does not exist")
    try:
        rows = read_answers(path)
    except GenerateError as e:
        raise JudgeInputError(str(e)) from None
    models = sorted({r["model"] for r in rows})
    if not rows:
        raise JudgeInputError(f"{path}: no answers in the file")
    if model is None:
        if len(models) > 1:
            raise JudgeInputError(f"{path} holds answers of several models {models}; choose one")
        model = models[0]
    mine = [r for r in rows if r["model"] == model]
    if not mine:
        raise JudgeInputError(f"{path}: no answers of model {model!r} (found: {models})")
    sets = sorted({str(r.get("question_set")) for r in mine})
    if len(sets) > 1:
        raise JudgeInputError(f"{path}: model {model!r} has answers for several question sets {sets}")
    by_id: dict[int | str, dict] = {}
    for r in mine:  # a later row for the same question replaces an earlier one
        by_id[r["question_id"]] = r
    return AnswerSet(path, model, sets[0], by_id, dict(mine[-1].get("run_info") or {}))


def build_items(a: AnswerSet, b: AnswerSet) -> tuple[list[JudgeItem], dict[str, list]]:
    """Items for every turn of every question both sets answered; what was left out and why."""
    if a.question_set != b.question_set:
        raise JudgeInputError(f"{a.path} answers {a.question_set!r} but {b.path} answers {b.question_set!r}")
    skipped: dict[str, list] = {"only_in_a": sorted(set(a.rows) - set(b.rows), key=str),
                                "only_in_b": sorted(set(b.rows) - set(a.rows), key=str), "incomplete": []}
    items = []
    for qid in sorted(set(a.rows) & set(b.rows), key=lambda q: (isinstance(q, str), q)):
        ra, rb = a.rows[qid], b.rows[qid]
        if ra.get("turns") != rb.get("turns"):
            raise JudgeInputError(f"question {qid!r}: {a.path} and {b.path} hold different question texts")
        turns = list(ra.get("turns") or [])
        ans_a, ans_b = list(ra.get("answers") or []), list(rb.get("answers") or [])
        if not turns or len(ans_a) < len(turns) or len(ans_b) < len(turns):
            skipped["incomplete"].append(qid)
            continue
        for t in range(1, len(turns) + 1):
            items.append(JudgeItem(qid, t, str(ra.get("category", "unknown")), tuple(turns[:t]),
                                   tuple(ans_a[:t]), tuple(ans_b[:t])))
    if not items:
        raise JudgeInputError(f"{a.path} and {b.path} share no fully answered question")
    return items, skipped


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


def make_records(summary: Summary, *, experiment: str, run: str, task: str, judge: str, a: AnswerSet,
                 b: AnswerSet, method_a: str | None, method_b: str | None) -> list[dict]:
    """Tidy win-rate records (bench.records schema) for every rate in the summary."""
    from bench.records import make_record, package_versions

    info = a.run_info
    extra = {"opponent": method_b or b.run_info.get("method") or b.model, "model_a": a.model, "model_b": b.model,
             "n_questions": summary.n_questions, "counts": summary.counts}
    common = dict(
        method=method_a or info.get("method") or a.model, judge=judge, unit="fraction",
        beta=info.get("beta"), seed=info.get("seed"), step=info.get("step"), tuples_seen=info.get("tuples_seen"),
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
    extra_info: dict | None = None,
) -> PairwiseResult:
    """Judge A against B; with `out` (a results folder named for the experiment) also write the records,
    verdicts and summary there. `extra_info` is added to the summary (e.g. what the caller's skip logic checks)."""
    a = answers_a if isinstance(answers_a, AnswerSet) else load_answer_set(answers_a, model_a)
    b = answers_b if isinstance(answers_b, AnswerSet) else load_answer_set(answers_b, model_b)
    items, skipped = build_items(a, b)
    if limit is not None:
        keep = set(list(dict.fromkeys(it.question_id for it in items))[:limit])
        items = [it for it in items if it.question_id in keep]
    judge_obj = make_judge(judge, **(judge_options or {})) if isinstance(judge, str) else judge
    judged = judge_obj.judge(items)
    if len(judged) != len(items):
        raise RuntimeError(f"judge {judge_obj.name} returned {len(judged)} results for {len(items)} items")
    summary = summarize([j.outcome for j in judged], n_boot=n_boot, seed=seed,
                        order_sensitive=judge_obj.order_sensitive)
    run = run or slug(f"{a.model}-vs-{b.model}-{judge_obj.name}")
    experiment = Path(out).name if out is not None else "winrate"
    records = make_records(summary, experiment=experiment, run=run, task=a.question_set, judge=judge_obj.name,
                           a=a, b=b, method_a=method_a, method_b=method_b) if summary.rates else []
    per_turn = {str(t): dict(Counter(j.outcome.outcome for j in judged if j.item.turn == t))
                for t in sorted({j.item.turn for j in judged})}
    info = {"run": run, "experiment": experiment, "task": a.question_set, "answers_a": str(a.path),
            "answers_b": str(b.path), "model_a": a.model, "model_b": b.model, "skipped": skipped,
            "per_turn": per_turn, "summary": summary.as_dict(), "judge": judge_obj.info(),
            "bootstrap": {"n_boot": n_boot, "seed": seed, "level": 0.95, "resampled": "questions"},
            **(extra_info or {})}
    result = PairwiseResult(summary, judged, records, info)
    if out is not None:
        from bench.records import write_records

        out = Path(out)
        result.paths = {"records": out / f"{run}.jsonl", "verdicts": out / f"{run}.verdicts.ndjson",
                        "summary": out / f"{run}.summary.json"}
        atomic_write_jsonl(result.paths["verdicts"], [j.as_row() for j in judged])
        write_records(result.paths["records"], records)
        atomic_write_json(result.paths["summary"], info)  # last: its presence says the pair is complete
    return result


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


# -- CLI ---------------------------------------------------------------------------------------------------
def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("judge", help="pairwise win rates of answers A vs answers B", description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--a", required=True, help="answers JSONL of set A (from sr-bench generate)")
    p.add_argument("--b", required=True, help="answers JSONL of set B")
    p.add_argument("--judge", required=True, help="openai:<model> (OPENAI_API_KEY / OPENAI_BASE_URL from the "
                   "environment) or rm:<reward model folder or hub id>")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="results folder; its name is the experiment "
                   "(default: results/winrate)")
    p.add_argument("--run", default=None, help="run name (default: <model A>-vs-<model B>-<judge>)")
    p.add_argument("--model-a", default=None, help="model label in --a when the file holds several")
    p.add_argument("--model-b", default=None, help="model label in --b when the file holds several")
    p.add_argument("--method-a", default=None, help="method of set A for the records (default: from run_config)")
    p.add_argument("--method-b", default=None, help="method of set B (extra.opponent)")
    p.add_argument("--limit", type=int, default=None, help="only the first N shared questions")
    p.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples (default: 2000)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    g = p.add_argument_group("LLM judge (openai:)")
    g.add_argument("--concurrency", type=int, default=8, help="requests in flight at most (default: 8)")
    g.add_argument("--max-retries", type=int, default=5, help="retries on 429/5xx/timeouts (default: 5)")
    g.add_argument("--parse-retries", type=int, default=2, help="follow-ups when no verdict parses (default: 2)")
    g.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default: 120)")
    g.add_argument("--max-tokens", type=int, default=1024, help="judge reply length (default: 1024)")
    g.add_argument("--temperature", type=float, default=0.0, help="judge temperature (default: 0)")
    g.add_argument("--cache", default=".cache/judge-cache.sqlite", help="SQLite call cache "
                   "(default: .cache/judge-cache.sqlite)")
    g.add_argument("--prices", default=None, help="JSON/YAML price table {model: {input, output}} in $ per 1M tokens")
    g = p.add_argument_group("reward-model judge (rm:)")
    g.add_argument("--tie-margin", type=float, default=0.0, help="|score A - score B| <= margin is a tie (default: 0)")
    g.add_argument("--rm-batch-size", type=int, default=8, help="conversations per forward pass (default: 8)")
    g.add_argument("--rm-max-length", type=int, default=2048, help="tokens per scored conversation (default: 2048)")
    p.set_defaults(func=main)


def judge_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.judge.startswith("openai:"):
        return {"concurrency": args.concurrency, "max_retries": args.max_retries, "parse_retries": args.parse_retries,
                "timeout": args.timeout, "max_tokens": args.max_tokens, "temperature": args.temperature,
                "cache_path": args.cache, "prices": args.prices}
    return {"tie_margin": args.tie_margin, "batch_size": args.rm_batch_size, "max_length": args.rm_max_length}


def main(args: argparse.Namespace) -> int:
    from bench.judges.llm import JudgeAbort

    try:
        result = pairwise(args.a, args.b, args.judge, out=args.out, run=args.run, model_a=args.model_a,
                          model_b=args.model_b, method_a=args.method_a, method_b=args.method_b,
                          n_boot=args.bootstrap, seed=args.seed, limit=args.limit, judge_options=judge_options(args))
    except (JudgeInputError, JudgeAbort, ValueError, OSError) as e:
        print(f"sr-bench judge: {e}", file=sys.stderr)
        return 2
    print(format_summary(result))
    ledger = result.info["judge"].get("ledger")
    if ledger is not None:
        print(_ledger_line(ledger))
    for name, path in result.paths.items():
        print(f"{name}: {path}")
    return 0


def _ledger_line(ledger: dict) -> str:
    cost = "unpriced model" if ledger["cost_usd"] is None else f"${ledger['cost_usd']:.4f}"
    saved = "" if not ledger["saved_usd"] else f" (${ledger['saved_usd']:.4f} saved)"
    return (f"cost: {ledger['calls']} calls, {ledger['prompt_tokens']} input + {ledger['completion_tokens']} output "
            f"tokens = {cost}; {ledger['cached_calls']} cached calls{saved}; {ledger['failed_attempts']} failed attempts")
