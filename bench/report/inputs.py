"""What a report reads: record files and folders, and training run folders (their logs become records)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bench.records import load_records
from bench.report.train_logs import run_records
from sr_train.artifacts.runs import is_run_dir


def load_inputs(paths: Iterable[str | Path]) -> tuple[list[dict], list[str]]:
    """Records from result folders / JSONL files and training run folders (converted by bench.report.train_logs).

    A folder holding metrics.jsonl + run_config.json is a run; other folders are searched for run folders and
    record files (*.jsonl outside run folders). Returns (records, notes on what was read)."""
    records, notes = [], []
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"no results at {p}")
        if p.is_dir() and is_run_dir(p):
            recs = run_records(p)
            records += recs
            notes.append(f"{p}: training run, {len(recs)} records")
            continue
        if p.is_file():
            records += load_records(p)
            continue
        runs = sorted(d for d in p.rglob("*") if d.is_dir() and is_run_dir(d))
        for d in runs:
            records += run_records(d)
        files = sorted(f for f in p.rglob("*.jsonl") if not any(r in f.parents for r in runs))
        if files:
            records += load_records(*files)
        if runs:
            notes.append(f"{p}: {len(runs)} training run(s) and {len(files)} record file(s)")
    return records, notes
