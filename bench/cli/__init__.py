"""`sr-bench`: one entry point, one argparse module per subcommand (flags -> one library call; errors -> exit 2).

Each subcommand module (bench/cli/<name>.py) defines `register(subparsers)`, which adds its parser and sets `func`.
Only the subcommand asked for is imported (they pull in torch, lm-eval, ...), so `sr-bench --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from sr_train.artifacts.errors import DEBUG_ENV, UserError
from sr_train.artifacts.errors import (
    report as report_error,  # bench.cli.report, the subcommand, shadows `report`
)

SUBCOMMANDS = {
    "leaderboard": "bench.cli.leaderboard",
    "generate": "bench.cli.generate",
    "judge": "bench.cli.judge",
    "report": "bench.cli.report",
    "pipeline": "bench.cli.pipeline",
    "expo": "bench.cli.expo",
    "uncertainty": "bench.cli.uncertainty",
    "science": "bench.cli.science",
}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sr-bench", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error (also SR_ALIGN_DEBUG=1)")
    sub = parser.add_subparsers(dest="command", required=True)
    wanted = [a for a in argv if a in SUBCOMMANDS][:1] or list(SUBCOMMANDS)
    for name in wanted:
        try:
            module = importlib.import_module(SUBCOMMANDS[name])
        except ModuleNotFoundError as e:
            if e.name != SUBCOMMANDS[name]:
                raise
            sub.add_parser(name, help="(not built yet)")
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    if not hasattr(args, "func"):
        print(f"sr-bench {args.command}: not available in this version", file=sys.stderr)
        return 2
    if args.debug:
        os.environ[DEBUG_ENV] = "1"
    try:
        return int(args.func(args) or 0)
    except UserError as e:  # one the subcommand did not expect; anything else is ours: traceback
        return report_error(f"sr-bench {args.command}", e)


if __name__ == "__main__":
    sys.exit(main())
