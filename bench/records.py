"""Tidy result records: one JSON object per line, validated on load.

A record is one number: `value` of `metric` on `task` for one `run` of an `experiment`. Every plot and
table is rendered from records; the paper's reported numbers are stored the same way (results/paper/).

Units: rates and accuracies are stored as `fraction` (0..1) by our code; the paper's printed numbers
keep their printed `percent` form. `unit` says which, and readers convert with `as_fraction`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import atomic_write_jsonl
from sr_train.artifacts.provenance import now_iso
from sr_train.artifacts.runs import METRICS, checkpoint_step

SCHEMA_VERSION = 1
UNITS = ("fraction", "percent", "count", "hours", "seconds", "ratio", "raw")

REQUIRED: dict[str, type | tuple[type, ...]] = {
    "experiment": str, "run": str, "task": str, "metric": str, "value": (int, float),
}
OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "schema": int,
    "method": str, "beta": (int, float), "lambda": (int, float), "seed": int,
    "settings": dict,  # the run's other shaping settings (sr_train.artifacts.runs.run_settings)
    "step": int, "tuples_seen": int,
    "stderr": (int, float), "ci_low": (int, float), "ci_high": (int, float), "n": int,
    "judge": str, "unit": str, "source": str, "flags": list,
    "versions": dict, "created": str, "extra": dict,
}


class RecordError(UserError):
    """A record that breaks the schema; the message names file and line when known."""


def validate_record(rec: Any, where: str = "record") -> dict:
    """Check fields, types and units; return the record or raise RecordError naming `where`."""
    if not isinstance(rec, dict):
        raise RecordError(f"{where}: a record must be a JSON object, got {type(rec).__name__}")
    for key, typ in REQUIRED.items():
        if key not in rec:
            raise RecordError(f"{where}: missing required field {key!r}")
        if rec[key] is None or isinstance(rec[key], bool) or not isinstance(rec[key], typ):
            raise RecordError(f"{where}: field {key!r} must be {_tname(typ)}, got {rec[key]!r}")
    for key, value in rec.items():
        if key in REQUIRED or value is None:
            continue
        if key not in OPTIONAL:
            raise RecordError(f"{where}: unknown field {key!r} (allowed: {', '.join([*REQUIRED, *OPTIONAL])})")
        typ = OPTIONAL[key]
        if isinstance(value, bool) or not isinstance(value, typ):
            raise RecordError(f"{where}: field {key!r} must be {_tname(typ)}, got {value!r}")
    if not math.isfinite(float(rec["value"])):
        raise RecordError(f"{where}: value must be finite, got {rec['value']!r}")
    unit = rec.get("unit") or "raw"
    if unit not in UNITS:
        raise RecordError(f"{where}: unit must be one of {UNITS}, got {unit!r}")
    if unit == "fraction" and not -1e-9 <= rec["value"] <= 1 + 1e-9:
        raise RecordError(f"{where}: a fraction must lie in [0, 1], got {rec['value']} (percent? set unit='percent')")
    if unit == "percent" and not -1e-9 <= rec["value"] <= 100 + 1e-9:
        raise RecordError(f"{where}: a percent must lie in [0, 100], got {rec['value']}")
    return rec


def make_record(experiment: str, run: str, task: str, metric: str, value: float, **fields: Any) -> dict:
    """Build and validate a record; `created`, `schema` and `unit` get defaults."""
    rec = {"schema": SCHEMA_VERSION, "experiment": experiment, "run": run, "task": task, "metric": metric,
           "value": float(value), "unit": "raw", "created": now_iso()}
    rec.update({k: v for k, v in fields.items() if v is not None})
    return validate_record(rec)


def as_fraction(rec: dict) -> float:
    """The value on a 0..1 scale for fraction or percent records; other units unchanged."""
    return rec["value"] / 100.0 if rec.get("unit") == "percent" else rec["value"]


def write_records(path: str | os.PathLike, records: Iterable[dict]) -> Path:
    """Validate every record, then write them atomically as JSONL (replacing the file)."""
    records = [validate_record(r, f"{path}: record {i}") for i, r in enumerate(records, 1)]
    atomic_write_jsonl(path, records)
    return Path(path)


# In folders, training logs are not records (bench.report.train_logs converts them); they are left out.
NOT_RECORDS = {METRICS}


def load_records(*paths: str | os.PathLike) -> list[dict]:
    """Read records from JSONL files or folders of them (recursively, sorted; training logs `metrics.jsonl`
    and checkpoint folders left out); validate each line."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(f for f in sorted(p.rglob("*.jsonl")) if f.name not in NOT_RECORDS
                         and not any(checkpoint_step(part) is not None for part in f.relative_to(p).parts))
        elif p.exists():
            files.append(p)
        else:
            raise FileNotFoundError(f"no results at {p}")
    out = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise RecordError(f"{f}:{lineno}: not valid JSON ({e.msg})") from None
                out.append(validate_record(rec, f"{f}:{lineno}"))
    return out


def _tname(typ: type | tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in (typ if isinstance(typ, tuple) else (typ,)))
