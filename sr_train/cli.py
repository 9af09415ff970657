"""`sr-train`: train one model from a YAML config; any config field can be overridden on the command line.

Examples:
  sr-train --config configs/paper-pythia28-hh.yaml
  sr-train --model path/to/model.gguf --data pairs.jsonl --loss sr-dpo --beta 0.1 --lam 0.5 --max-steps 10
  sr-train --config configs/paper-zephyr-ultrafeedback.yaml --dry-run
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import types
import typing

from sr_train.config import TrainConfig, load_yaml
from sr_train.losses import get_spec, loss_help
from sr_train.recipe import train
from sr_train.resume import ResumeError


def _field_type(f: dataclasses.Field) -> type:
    hints = typing.get_type_hints(TrainConfig)
    t = hints[f.name]
    if isinstance(t, types.UnionType) or typing.get_origin(t) is typing.Union:
        t = next(a for a in typing.get_args(t) if a is not type(None))
    return t


def _parse_bool(text: str) -> bool:
    if text.lower() in {"1", "true", "yes", "on"}:
        return True
    if text.lower() in {"0", "false", "no", "off"}:
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sr-train", description=__doc__,
                                     epilog="losses (h: policy-vs-reference margin, r+/r-: log-ratios):\n"
                                     + loss_help().replace("%", "%%"),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="YAML file of config fields (command-line flags override it)")
    parser.add_argument("--dry-run", action="store_true",
                        help="validate the config and local paths, print it, download nothing, train nothing")
    group = parser.add_argument_group("config fields (YAML keys use the underscore names)")
    for f in dataclasses.fields(TrainConfig):
        t = _field_type(f)
        default = f.default if f.default is not dataclasses.MISSING else None
        shown = repr(default) if not isinstance(default, str) or len(default) < 60 else repr(default[:57] + "...")
        kwargs = {"dest": f.name, "default": argparse.SUPPRESS,
                  "help": f"{f.metadata.get('help', '')} (default: {shown})".replace("%", "%%")}
        if t is bool:
            kwargs.update(type=_parse_bool, metavar="BOOL")
        else:
            kwargs.update(type=t)
            if f.metadata.get("choices"):
                kwargs["choices"] = f.metadata["choices"]
        group.add_argument("--" + f.name.replace("_", "-"), **kwargs)
    return parser


def config_from_args(argv: list[str]) -> tuple[TrainConfig, bool]:
    args = vars(build_parser().parse_args(argv))
    path, dry_run = args.pop("config"), args.pop("dry_run")
    fields = load_yaml(path) if path else {}
    fields.update(args)
    return TrainConfig(**fields).validate(), dry_run


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
    if get_spec(cfg.loss if cfg.loss != "bt" else "dpo").needs_scores:
        problems.append(f"note: loss {cfg.loss} needs score_chosen/score_rejected in the data")
    return problems


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        cfg, dry_run = config_from_args(argv)
    except (ValueError, FileNotFoundError) as e:
        print(f"sr-train: {e}", file=sys.stderr)
        return 2
    if dry_run:
        try:
            cfg = cfg.resolved()
        except (ValueError, FileNotFoundError) as e:
            print(f"sr-train --dry-run: {e}", file=sys.stderr)
            return 2
        print(json.dumps(cfg.to_dict(), indent=2))
        problems = dry_run_report(cfg)
        for p in problems:
            print(f"sr-train --dry-run: {p}", file=sys.stderr)
        ok = not [p for p in problems if not p.startswith("note:")]
        print("config OK" if ok else "config has problems")
        return 0 if ok else 2
    try:
        train(cfg)
    except ResumeError as e:
        print(f"sr-train: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
