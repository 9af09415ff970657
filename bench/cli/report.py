"""`sr-bench report`: flags -> bench.report.paper_report.render."""

from __future__ import annotations

import argparse
import sys

from bench.report import paper_report
from bench.report.inputs import load_inputs
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.errors import report as report_error


def run(args: argparse.Namespace) -> int:
    try:
        records, notes = load_inputs(args.results)
    except (UserError, FileNotFoundError) as e:  # a record or run folder that cannot be read
        return report_error("sr-bench report", e)
    if not records:
        print(f"sr-bench report: no records in {', '.join(args.results)}", file=sys.stderr)
        return 2
    written = paper_report.render(records, args.out, args.winrate_task, notes, args.title)
    print(f"{len(records)} records -> {args.out}: " + ", ".join(sorted(written)))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("report", help="figures and tables from stored records, beside the paper's",
                              description=paper_report.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", nargs="+", required=True,
                   help="record folders / JSONL files and training run folders (e.g. results/paper runs/demo)")
    p.add_argument("--out", required=True, help="report folder (e.g. reports/<experiment>)")
    p.add_argument("--winrate-task", default="vicuna-bench", help="question set of Fig. 2 (default: vicuna-bench)")
    p.add_argument("--title", default=None, help="report title (default: the --out folder's name)")
    p.set_defaults(func=run)
