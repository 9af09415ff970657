"""Per-model result files: one JSONL file of tidy records (bench.records) per model and task, one record per item,
rewritten atomically after each chunk, so a killed evaluation resumes where it stopped.

Every record carries `extra.key`, a hash of what made it (the weights' content identity, the scoring settings, the
item file's hash): records whose key is the current one are kept and their items skipped; a file holding another
key is refused (it was made with other weights or settings).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from bench.records import validate_record, write_records
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import read_jsonl
from sr_train.artifacts.runs import slug

EXPERIMENT = "science"


class StoreError(UserError):
    """A result file made with other weights or settings, or unreadable."""


def settings_key(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


def result_path(out: str | Path, task: str, label: str) -> Path:
    """<out>/<task>/<label as a file name>.jsonl"""
    return Path(out) / task / f"{slug(label)}.jsonl"


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """The records of a result file, validated (empty when there is none)."""
    path = Path(path)
    if not path.is_file():
        return []
    try:
        return [validate_record(r, f"{path}:{i}") for i, r in enumerate(read_jsonl(path), 1)]
    except UserError as e:  # a line that is not JSON, or a record that breaks the schema
        raise StoreError(str(e)) from e


def done_records(path: str | Path, key: str) -> list[dict[str, Any]]:
    """The file's records when all carry `key`; refuses a file made with another key."""
    rows = read_results(path)
    other = {r.get("extra", {}).get("key") for r in rows} - {key}
    if other:
        raise StoreError(f"{path}: made with other weights or settings (key {sorted(map(str, other))[0]}, now {key}); "
                         "move it away to recompute")
    return rows


def pending(path: str | Path, key: str, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                                               list[dict[str, Any]]]:
    """(the file's records made with `key`, the items none of them covers yet)."""
    records = done_records(path, key)
    done = {r["extra"]["item"] for r in records}
    return records, [it for it in items if it["id"] not in done]


def save(path: str | Path, records: list[dict[str, Any]]) -> None:
    write_records(path, records)
