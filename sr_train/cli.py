"""`sr-train`: train one model from a YAML config; any config field can be overridden on the command line.

Examples:
  sr-train --config configs/paper-pythia28-hh.yaml
  sr-train --model path/to/model.gguf --data pairs.jsonl --loss sr-dpo --beta 0.1 --lam 0.5 --max-steps 10
  sr-train --config configs/paper-zephyr-ultrafeedback.yaml --dry-run

A bad setting or bad input is one line on stderr and exit status 2 (the traceback with --debug or SR_ALIGN_DEBUG=1).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import typing

from sr_train.artifacts.errors import UserError, report
from sr_train.config import (
    GROUPS,
    TrainConfig,
    load_yaml,
    planned_steps,
    read_note,
    typed_fields,
    warmup_warning,
)
from sr_train.flags import add_flags
from sr_train.losses import loss_help
from sr_train.recipe import train


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line (not the whole usage) and exit status 2."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="sr-train", description=__doc__,
                           epilog="losses (h: policy-vs-reference margin, r+/r-: log-ratios):\n"
                           + loss_help().replace("%", "%%"),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="YAML file of config fields, named as the flags with underscores "
                        "(command-line flags override it)")
    parser.add_argument("--dry-run", action="store_true",
                        help="check the config, local paths and data (rows, counts, truncation); download nothing, "
                        "train nothing")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error (also SR_ALIGN_DEBUG=1)")
    for name, serves in GROUPS.items():  # each config field in the group its declaration is under
        add_flags(parser.add_argument_group(name, serves), TrainConfig,
                  [f.name for f in dataclasses.fields(TrainConfig) if f.metadata["group"] == name],
                  more_help=read_note)
    return parser


def config_from_args(argv: list[str]) -> tuple[TrainConfig, bool]:
    args = vars(build_parser().parse_args(argv))
    path, dry_run = args.pop("config"), args.pop("dry_run")
    args.pop("debug")
    fields = load_yaml(path) if path else {}
    origins = {key: path for key in fields}
    fields.update(typed_fields(args, "command line"))
    origins.update({key: "--" + key.replace("_", "-") for key in args})
    return TrainConfig(**fields).validate(origins), dry_run


def dry_run_report(cfg: TrainConfig) -> list[str]:
    """Problems a real run would hit at once, found without downloading anything."""
    problems = []
    looks_local = cfg.model.endswith(".gguf") or cfg.model.startswith((".", "/")) or os.path.exists(cfg.model)
    if looks_local and not os.path.exists(cfg.model):
        problems.append(f"model {cfg.model} does not exist")
    ext = os.path.splitext(cfg.data)[1].lower()
    if (ext in {".json", ".jsonl", ".parquet", ".arrow"} or cfg.data.startswith((".", "/"))) and not os.path.exists(
            cfg.data):
        problems.append(f"data {cfg.data} does not exist")
    if (spec := cfg.loss_spec()) is not None and spec.needs_scores:
        problems.append(f"note: loss {cfg.loss} needs score_chosen/score_rejected in the data")
    return problems


def dry_run_data(cfg: TrainConfig) -> list[str]:
    """Read the data as training would: rows read / kept / skipped by reason, and, when the model's tokenizer is
    local, the pairs kept after tokenisation and how many max_length truncates; the planned steps. Lines to print
    (a DataError for data that cannot be used)."""
    from sr_train.artifacts.models import load_tokenizer
    from sr_train.data import load_pairs
    from sr_train.recipe import prepare_examples

    if not os.path.exists(cfg.data):
        return [f"data {cfg.data}: a hub id, not downloaded by --dry-run"]
    if os.path.exists(cfg.model):
        examples, data_report = prepare_examples(cfg, load_tokenizer(cfg.model, cfg.trust_remote_code))
        n = len(examples)
    else:
        needs_scores = (spec := cfg.loss_spec()) is not None and spec.needs_scores
        data_report = load_pairs(cfg.data, cfg.data_split, cfg.data_config, cfg.max_rows, cfg.on_bad_row,
                                 scores=needs_scores)[1].to_dict()
        n = data_report["rows_kept"]
    lines = [f"data: {data_report['rows_kept']} of {data_report['rows_read']} rows kept, "
             f"{data_report['skipped_total']} skipped"]
    for reason, count in data_report["skipped"].items():
        lines.append(f"  skipped {count}: {reason} ({data_report['skipped_examples_unit']}s "
                     f"{data_report['skipped_examples'][reason]})")
    if os.path.exists(cfg.model):
        t = data_report["truncated"]
        lines.append(f"truncated to max_length {cfg.max_length}: {t['prompts']} prompts (first tokens cut), "
                     f"{t['responses']} pairs' responses (last tokens cut)")
    else:
        lines.append(f"truncation not counted: model {cfg.model} is not local (its tokenizer is needed)")
    steps = planned_steps(cfg, n)
    lines.append(f"training would use {n} pairs: {steps} optimiser step(s) of {cfg.batch_size} pairs")
    lines += data_report["warnings"]
    if warning := warmup_warning(cfg, steps):
        lines.append(warning)
    return lines


def dry_run(cfg: TrainConfig) -> int:
    cfg = cfg.resolved()
    print(json.dumps(cfg.to_dict(), indent=2))
    problems = dry_run_report(cfg)
    for p in problems:
        print(f"sr-train --dry-run: {p}", file=sys.stderr)
    if [p for p in problems if not p.startswith("note:")]:
        print("config has problems")
        return 2
    for line in dry_run_data(cfg):
        print(line)
    print("config OK")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        cfg, dry = config_from_args(argv)
        if dry:
            return dry_run(cfg)
        train(cfg)
    except (UserError, OSError) as e:
        return report("sr-train", e, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
