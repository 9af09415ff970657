"""Turn one benchmarks/gpu_check.py run's files (the `run` tool's files_at folder) into committed results.

  python benchmarks/gpu_check_collect.py FILES_AT            # then review `git diff` and commit

Writes, with <date>-<device> from the run's gpu_check.json (e.g. 2026-12-01-nvidia-h200-...):
  results/perf/<date>-<device>-gpu-check.json   the run's report: every step's status, the bf16 tests' cases
  results/perf/<date>-<device>-train_speed.json (and -train_speed_best.json; -partial when a step timed out)
  results/perf/<date>-<device>-merged.json and results/perf/summary.json, through train_speed.py --merge
      (a summary.json made on another device is kept first as results/perf/summary-<its device>.json)
  results/leaderboard-gpu/<run>/<task>.json     lm-eval's raw output of each task the run scored (GSM8K)
  results/leaderboard-gpu/<run>/leaderboard.jsonl  the earlier tasks' records as stored, the new tasks' records
      (made on the GPU, `extra.device` added) and the average recomputed over all of them
and prints the bf16 tests' outcome and the README rows to update. A smoke run (CPU) or a --limit leaderboard run
is refused unless --allow-smoke.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.leaderboard.records import average_record  # noqa: E402
from bench.leaderboard.tasks import AVERAGE, LABELS, LEADERBOARD, TASK_ORDER  # noqa: E402
from bench.records import load_records, write_records  # noqa: E402
from sr_train.artifacts.files import atomic_write_json, read_json  # noqa: E402

SPEED_FILES = ("train_speed", "train_speed_best")


class CollectError(RuntimeError):
    """The run's files cannot become results; the message says why."""


def device_slug(device: str) -> str:
    """'NVIDIA H200' -> 'nvidia-h200'."""
    return re.sub(r"[^a-z0-9]+", "-", device.lower()).strip("-")


def collect_perf(src: Path, perf: Path, prefix: str, device: str) -> list[Path]:
    """Copy the speed reports and merge them into <prefix>-merged.json and summary.json (train_speed.py --merge)."""
    copied: list[Path] = []
    for name in SPEED_FILES:
        for suffix, tag in ((".json", ""), (".partial.json", "-partial")):
            if (src / f"{name}{suffix}").is_file():
                dest = perf / f"{prefix}-{name}{tag}.json"
                perf.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src / f"{name}{suffix}", dest)
                copied.append(dest)
                break
    if not copied:
        return []
    summary, kept = perf / "summary.json", []
    if summary.is_file():
        old = read_json(summary).get("device", "unknown")
        keep = perf / f"summary-{device_slug(old)}.json"
        if old != device and not keep.exists():
            shutil.copyfile(summary, keep)
            kept.append(keep)
    merged = perf / f"{prefix}-merged.json"
    cmd = [sys.executable, str(REPO / "benchmarks" / "train_speed.py"), "--merge", *map(str, copied),
           "--out", str(merged), "--summary", str(summary)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise CollectError(f"train_speed.py --merge failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return [*copied, *kept, merged, summary]


def collect_leaderboard(src_root: Path, dest_root: Path, device: str, allow_limit: bool) -> list[Path]:
    """Each run folder of the check's leaderboard-gpu/: copy the task raws, merge the records, redo the average."""
    written: list[Path] = []
    for src in sorted(p for p in src_root.glob("*") if (p / "leaderboard.jsonl").is_file()):
        new = [r for r in load_records(src / "leaderboard.jsonl") if r["task"] != AVERAGE]
        limited = [r["task"] for r in new if r["extra"].get("limit") is not None]
        if limited and not allow_limit:
            raise CollectError(f"{src}: {', '.join(limited)} ran with --limit, not the full split; "
                               "refused (--allow-smoke to merge anyway)")
        dest = dest_root / src.name
        dest.mkdir(parents=True, exist_ok=True)
        for rec in new:
            raw = src / rec["extra"]["raw"]
            if not raw.is_file():
                raise CollectError(f"{raw}: missing (its record names it)")
            shutil.copyfile(raw, dest / raw.name)
            written.append(dest / raw.name)
            rec["extra"]["device"] = device
        tasks = {r["task"] for r in new}
        old = load_records(dest / "leaderboard.jsonl") if (dest / "leaderboard.jsonl").is_file() else []
        kept = [r for r in old if r["task"] not in tasks and r["task"] != AVERAGE]
        records = sorted(kept + new, key=lambda r: TASK_ORDER.index(r["task"]))
        runs = {(r["experiment"], r["run"]) for r in records}
        if len(runs) != 1:
            raise CollectError(f"{dest}: records of several runs {sorted(runs)}; refusing to average them")
        (experiment, run), = runs
        avg = average_record({r["task"]: r["value"] for r in records}, experiment, run, new[0]["versions"])
        write_records(dest / "leaderboard.jsonl", [*records, avg])
        written.append(dest / "leaderboard.jsonl")
        print(f"\nREADME rows ({dest}):")
        for rec in new:
            task, extra = LEADERBOARD[rec["task"]], rec["extra"]
            err = f"{100 * rec['stderr']:.2f}" if rec.get("stderr") is not None else ""
            metric = rec["metric"] + (" strict" if extra.get("filter") == "strict-match" else "")
            print(f"| {LABELS[rec['task']]} ({task.shots}, {metric}) | {extra.get('eval_split')} | {rec['n']} "
                  f"| {100 * rec['value']:.2f} | {err} | {extra['seconds']:.0f} s |")
        print(f"| mean of the {len(avg['extra']['tasks'])} | | | {100 * avg['value']:.2f} | | |")
    return written


def bf16_lines(report: dict[str, Any]) -> list[str]:
    """The bf16 tests' outcome, one line per case, for the closing note."""
    b = report.get("bf16")
    if not b:
        return ["bf16 tests: not run"]
    lines = [f"bf16 tests ({b.get('tests')}, SR_ALIGN_TEST_DEVICE={b.get('device')}): {b['status']}"
             + (f" {b['counts']}" if b.get("counts") else "") + (f" - {b['note']}" if b.get("note") else "")]
    lines += [f"  {c['outcome']:7} {c['name']} ({c['seconds']:.1f} s){': ' + c['message'] if c['message'] else ''}"
              for c in b.get("cases", [])]
    return lines


def collect(files_at: Path, results: Path, allow_smoke: bool) -> list[Path]:
    """Every result of one gpu_check run into `results`; returns the files written."""
    if not (files_at / "gpu_check.json").is_file():
        raise CollectError(f"{files_at}: no gpu_check.json (is it the run's files_at folder?)")
    report = read_json(files_at / "gpu_check.json")
    if report.get("smoke") and not allow_smoke:
        raise CollectError(f"{files_at}: a --smoke run (CPU) is not a GPU result; refused (--allow-smoke to merge)")
    device = report["device"]
    prefix = f"{report['started'][:10]}-{device_slug(device)}"
    if (files_at / "bf16.json").is_file():
        report["bf16"] = read_json(files_at / "bf16.json")
    perf = results / "perf"
    perf.mkdir(parents=True, exist_ok=True)
    atomic_write_json(perf / f"{prefix}-gpu-check.json", report)
    written = [perf / f"{prefix}-gpu-check.json"]
    written += collect_perf(files_at, perf, prefix, device)
    if (files_at / "leaderboard-gpu").is_dir():
        written += collect_leaderboard(files_at / "leaderboard-gpu", results / "leaderboard-gpu", device, allow_smoke)
    print("\n" + "\n".join(bf16_lines(report)))
    steps = ", ".join(f"{k} {v['status']}" for k, v in report["steps"].items())
    print(f"\nsteps: {steps} on {device}")
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files_at", help="the folder holding the run's $OUT files (gpu_check.json, ...)")
    ap.add_argument("--results", default=str(REPO / "results"), help="results folder (default: the repo's)")
    ap.add_argument("--allow-smoke", action="store_true", help="also merge a CPU smoke or --limit run (tests)")
    a = ap.parse_args(argv)
    try:
        written = collect(Path(a.files_at), Path(a.results), a.allow_smoke)
    except CollectError as e:
        print(f"gpu_check_collect: {e}", file=sys.stderr)
        return 2
    print("\nwrote:\n  " + "\n  ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
