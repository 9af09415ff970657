"""`sr-bench leaderboard`: flags -> one LeaderboardRequest -> bench.leaderboard.evaluate.run_leaderboard."""

from __future__ import annotations

import argparse

from bench.leaderboard import evaluate
from bench.leaderboard.records import table
from bench.leaderboard.request import LeaderboardRequest
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.errors import report as report_error
from sr_train.flags import add_flags, given


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("leaderboard", help="Open LLM Leaderboard tasks through lm-eval (resumable)",
                              description=evaluate.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)  # flags, help and defaults: LeaderboardRequest's fields
    add_flags(what, LeaderboardRequest, ["model", "checkpoints"], switches=True)
    add_flags(p, LeaderboardRequest, skip=["model", "checkpoints"], switches=True)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    req = LeaderboardRequest(**given(args, LeaderboardRequest))
    try:
        records = evaluate.run_leaderboard(req)
    except (UserError, FileNotFoundError) as e:  # bad options, data or stored results; a bug (ours, lm-eval's)
        return report_error("sr-bench leaderboard", e)  # keeps its traceback
    print(table(records))
    return 0
