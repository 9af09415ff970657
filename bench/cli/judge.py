"""`sr-bench judge`: flags -> bench.winrate.pairwise.pairwise (--mode pairwise) or bench.winrate.single.grade
(--mode single)."""

from __future__ import annotations

import argparse
from typing import Any

from bench.winrate import pairwise, single
from bench.winrate.judges.cache import default_cache
from bench.winrate.judges.grader import SingleGrader
from bench.winrate.questions import load_questions, references
from sr_train.artifacts.errors import UserError, report
from sr_train.artifacts.models import BF16_SETTINGS


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("judge", help="pairwise win rates of answers A vs answers B, or single 1-10 grades "
                              "of answers A", description=f"{pairwise.__doc__}\n--mode single:\n{single.__doc__}",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=("pairwise", "single"), default="pairwise",
                   help="pairwise: A vs B in both orders; single: grade each answer of A alone on 1-10 (needs an "
                   "openai: judge) (default: pairwise)")
    p.add_argument("--a", required=True, help="answers JSONL of set A (from sr-bench generate)")
    p.add_argument("--b", default=None, help="answers JSONL of set B (pairwise mode)")
    p.add_argument("--questions", default=None, help="question set whose reference answers are shown to the judge "
                   "(default: the references the answer rows carry, copied from the questions by sr-bench generate)")
    p.add_argument("--judge", required=True, help="openai:<model> (OPENAI_API_KEY / OPENAI_BASE_URL from the "
                   "environment) or rm:<reward model folder or hub id>")
    p.add_argument("--out", default=str(pairwise.DEFAULT_OUT), help="results folder; its name is the experiment "
                   "(default: results/winrate)")
    p.add_argument("--run", default=None, help="run name (default: <model A>-vs-<model B>-<judge>)")
    p.add_argument("--model-a", default=None, help="model label in --a when the file holds several")
    p.add_argument("--model-b", default=None, help="model label in --b when the file holds several")
    p.add_argument("--method-a", default=None, help="method of set A for the records (default: from run_config)")
    p.add_argument("--method-b", default=None, help="method of set B (extra.opponent)")
    p.add_argument("--limit", type=int, default=None, help="only the first N shared questions")
    p.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples (default: 2000)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    p.add_argument("--max-error-rate", type=float, default=pairwise.DEFAULT_MAX_ERROR_RATE,
                   help="exit 1 and record nothing when more than this share of items ends in errors, or when no "
                   f"item is judged (default: {pairwise.DEFAULT_MAX_ERROR_RATE})")
    g = p.add_argument_group("LLM judge (openai:)")
    g.add_argument("--concurrency", type=int, default=8, help="requests in flight at most (default: 8)")
    g.add_argument("--max-retries", type=int, default=5, help="retries on 429/5xx/timeouts (default: 5)")
    g.add_argument("--parse-retries", type=int, default=2, help="follow-ups when no verdict parses (default: 2)")
    g.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default: 120)")
    g.add_argument("--max-tokens", type=int, default=1024, help="judge reply length (default: 1024)")
    g.add_argument("--temperature", type=float, default=0.0, help="judge temperature (default: 0)")
    g.add_argument("--repeats", type=int, default=1, help="ask each judgment k times (fresh calls, each cached "
                   "under its own key) and keep the median verdict / rating, for judge variance (default: 1)")
    g.add_argument("--cache", default=None, help="SQLite call cache (default: judge-cache.sqlite in the user cache "
                   "folder: $SR_ALIGN_CACHE, else $XDG_CACHE_HOME/sr-align, else ~/.cache/sr-align)")
    g.add_argument("--prices", default=None, help="JSON/YAML price table {model: {input, output}} in $ per 1M tokens "
                   "(default: OpenAI's list prices, applied only when the endpoint is api.openai.com)")
    g = p.add_argument_group("reward-model judge (rm:)")
    g.add_argument("--tie-margin", type=float, default=0.0, help="|score A - score B| <= margin is a tie (default: 0)")
    g.add_argument("--rm-batch-size", type=int, default=8, help="conversations per forward pass (default: 8)")
    g.add_argument("--rm-max-length", type=int, default=2048, help="tokens per scored conversation (default: 2048)")
    g.add_argument("--rm-bf16", choices=BF16_SETTINGS, default="false",
                   help="bf16 autocast of the reward model's forward: auto (where the device runs bf16 matrix work "
                   "natively), true, false (default: false; the summary states it as judge.bf16_autocast)")
    p.set_defaults(func=main)


def judge_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.judge.startswith("openai:"):
        return {"concurrency": args.concurrency, "max_retries": args.max_retries, "parse_retries": args.parse_retries,
                "timeout": args.timeout, "max_tokens": args.max_tokens, "temperature": args.temperature,
                "cache_path": args.cache or default_cache(), "prices": args.prices, "repeats": args.repeats}
    return {"tie_margin": args.tie_margin, "batch_size": args.rm_batch_size, "max_length": args.rm_max_length,
            "bf16": args.rm_bf16}


def main(args: argparse.Namespace) -> int:
    try:
        if args.repeats < 1:
            raise UserError(f"--repeats must be >= 1, got {args.repeats}")
        if args.repeats > 1 and not args.judge.startswith("openai:"):
            raise UserError("--repeats is for LLM judges (openai:<model>); a reward model scores the same each time")
        refs = references(load_questions(args.questions)) if args.questions else None
        if args.mode == "single":
            return _single(args, refs)
        if args.b is None:
            raise UserError("--mode pairwise needs --b (the answers to compare with)")
        result = pairwise.pairwise(args.a, args.b, args.judge, out=args.out, run=args.run, model_a=args.model_a,
                          model_b=args.model_b, method_a=args.method_a, method_b=args.method_b,
                          n_boot=args.bootstrap, seed=args.seed, limit=args.limit, judge_options=judge_options(args),
                          max_error_rate=args.max_error_rate, references=refs)
    except pairwise.JudgeFailed as e:
        report("sr-bench judge", e)
        return 1
    except (UserError, OSError) as e:  # bad files, options or judge endpoint; a bug keeps its traceback
        return report("sr-bench judge", e)
    print(pairwise.format_summary(result))
    ledger = result.info["judge"].get("ledger")
    if ledger is not None:
        print(_ledger_line(ledger))
    for name, path in result.paths.items():
        print(f"{name}: {path}")
    return 0


def _single(args: argparse.Namespace, refs: dict | None) -> int:
    """--mode single: grade --a alone (errors propagate to main's handlers)."""
    kind, _, model = args.judge.partition(":")
    if kind != "openai" or not model:
        raise UserError(f"--mode single needs an LLM judge 'openai:<model>', got {args.judge!r}")
    if args.b is not None:
        raise UserError("--mode single grades --a alone; drop --b")
    grader = SingleGrader(model, **judge_options(args))
    result = single.grade(args.a, grader, out=args.out, run=args.run, model=args.model_a, method=args.method_a,
                          n_boot=args.bootstrap, seed=args.seed, limit=args.limit, references=refs,
                          max_error_rate=args.max_error_rate)
    print(single.format_scores(result))
    print(_ledger_line(result.info["judge"]["ledger"]))
    for name, path in result.paths.items():
        print(f"{name}: {path}")
    return 0


def _ledger_line(ledger: dict) -> str:
    cost = "unpriced model" if ledger["cost_usd"] is None else f"${ledger['cost_usd']:.4f}"
    saved = "" if not ledger["saved_usd"] else f" (${ledger['saved_usd']:.4f} saved)"
    return (f"cost: {ledger['calls']} calls, {ledger['prompt_tokens']} input + {ledger['completion_tokens']} output "
            f"tokens = {cost}; {ledger['cached_calls']} cached calls{saved}; {ledger['failed_attempts']} failed attempts")
