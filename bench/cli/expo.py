"""`sr-bench expo`: ExPO model extrapolation, flags -> sr_train.artifacts.extrapolate.extrapolate per alpha."""

from __future__ import annotations

import argparse
from pathlib import Path

from sr_train.artifacts.extrapolate import ExtrapolationError, extrapolate
from sr_train.artifacts.runs import checkpoint_step, evaluable, final_dir, is_run_dir, run_settings


def aligned_model(path: str) -> Path:
    """The plain HF folder of an sr-train run (its final/), a checkpoint (its merged/ model for LoRA runs), or a
    folder as given."""
    p = Path(path)
    if is_run_dir(p):
        return final_dir(p)
    if checkpoint_step(p) is not None:
        return evaluable(p)
    return p


def start_model(aligned: Path, given: str | None) -> Path:
    """--start, else the starting model recorded in the aligned run's run_config.json (a local folder)."""
    if given:
        return Path(given)
    recorded = run_settings(aligned).get("model")
    if not recorded or not Path(recorded).is_dir():
        raise ExtrapolationError(f"{aligned}: give --start (the model alignment started from); the run records "
                                 f"{recorded!r}, not a local folder")
    return Path(recorded)


def alpha_folder(out: Path, alpha: float, several: bool) -> Path:
    return out / f"alpha-{alpha:g}" if several else out


def run(args: argparse.Namespace) -> int:
    aligned = aligned_model(args.aligned)
    start = start_model(aligned, args.start)
    several = len(args.alpha) > 1
    for alpha in args.alpha:
        target = alpha_folder(Path(args.out), alpha, several)
        extrapolate(aligned, start, alpha, target)
        print(f"expo alpha={alpha:g}: {aligned} + {alpha:g} * ({aligned} - {start}) -> {target}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("expo", help="ExPO: extrapolate an aligned model away from its start (Zheng+ 2024)",
                              description="theta = theta_aligned + alpha (theta_aligned - theta_start), safetensors "
                              "out, with expo.json naming alpha and the two models")
    p.add_argument("aligned", help="aligned model: an sr-train run folder (its final/), a checkpoint-N folder (its "
                   "merged/ model for LoRA runs) or any HF folder with safetensors")
    p.add_argument("--start", default=None, help="the model alignment started from (default: the run's recorded "
                   "starting model, when it is a local folder)")
    p.add_argument("--alpha", type=float, nargs="+", required=True,
                   help="extrapolation strength(s); several write <out>/alpha-<value> each")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=run)
