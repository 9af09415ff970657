"""`sr-bench`: one entry point, one module per subcommand.

Each subcommand module defines `register(subparsers)`, which adds its parser and sets `func`.
Modules are imported only when listed here, so `sr-bench --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = {
    "leaderboard": "bench.leaderboard",
    "generate": "bench.generate",
    "judge": "bench.judge",
    "report": "bench.report",
    "pipeline": "bench.pipeline",
}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sr-bench", description=__doc__.splitlines()[0])
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
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
