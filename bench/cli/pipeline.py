"""`sr-bench pipeline`: flags -> bench.pipeline.stages.run_pipeline."""

from __future__ import annotations

import argparse

from bench.pipeline import config
from bench.pipeline import stages as stages_module
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.errors import report as report_error


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("pipeline", help="train the four methods, evaluate, judge and report (resumable)",
                              description=stages_module.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, help="pipeline YAML (e.g. configs/demo.yaml)")
    p.add_argument("--stages", default=",".join(config.STAGES),
                   help=f"comma list of stages to run, in pipeline order (default: all: {','.join(config.STAGES)})")
    p.add_argument("--dry-run", action="store_true", help="check the config and print the plan; run nothing")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        cfg = config.load_config(args.config)
        stages = [s.strip() for s in args.stages.split(",") if s.strip()]
        bad = [s for s in stages if s not in config.STAGES]
        if bad:
            raise config.PipelineError(f"unknown stage(s) {', '.join(bad)}; choose from {', '.join(config.STAGES)}")
        stages = [s for s in config.STAGES if s in stages]
        if args.dry_run:
            print(f"{cfg.source}: {cfg.name}: methods {', '.join(f'{m} ({c.loss})' for m, c in cfg.methods.items())}; "
                  f"runs in {cfg.runs_dir}, results in {cfg.results_dir}, report in {cfg.reports_dir}; "
                  f"stages {', '.join(stages)}")
            return 0
        stages_module.run_pipeline(cfg, stages)
    except (UserError, OSError) as e:  # PipelineError, JudgeFailed, ...; a bug keeps its traceback
        return report_error("sr-bench pipeline", e)
    if "report" in stages:
        print((cfg.reports_dir / "summary.md").read_text(encoding="utf-8"))
    return 0
