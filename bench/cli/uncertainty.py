"""`sr-bench uncertainty`: UP-DPO's per-pair preference uncertainty column from a reward-model ensemble, flags ->
sr_train.uncertainty.write_uncertainty."""

from __future__ import annotations

import argparse

from sr_train.artifacts.runs import final_dir, is_run_dir
from sr_train.pairs import TokenizeSettings
from sr_train.uncertainty import UNCERTAINTY_KINDS, write_uncertainty


def run(args: argparse.Namespace) -> int:
    members = [final_dir(m) if is_run_dir(m) else m for m in args.members]
    facts = write_uncertainty(args.data, members, args.out, args.kind,
                              TokenizeSettings(args.max_length, args.max_prompt_length), args.batch_size)
    print(f"{facts['pairs']} pairs -> {args.out}: {facts['kind']} over {len(members)} reward models, mean "
          f"{facts['mean']:.4g}, max {facts['max']:.4g}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("uncertainty", help="UP-DPO: a per-pair `uncertainty` column from K Bradley-Terry "
                              "reward models (sr-train --loss bt, different seeds)")
    p.add_argument("--data", required=True, help="preference data: a local .jsonl/.json file")
    p.add_argument("--members", nargs="+", required=True, help="the reward models: sr-train --loss bt run folders "
                   "(their final/) or HF folders, two or more")
    p.add_argument("--out", required=True, help="output JSONL: the data's rows with the uncertainty column")
    p.add_argument("--kind", default="margin_std", choices=UNCERTAINTY_KINDS,
                   help="std over members of the reward margin, or of the preference probability")
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--max-prompt-length", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=8)
    p.set_defaults(func=run)
