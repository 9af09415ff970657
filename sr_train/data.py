"""Load preference data and normalise every row to (prompt messages, chosen, rejected[, scores]).

Sources: a hub id, or a local .json / .jsonl / .parquet / .arrow file, or a `datasets.save_to_disk` folder.
Row shapes understood (detected per row):
- HH-RLHF: `chosen` and `rejected` are full dialogues "\\n\\nHuman: ...\\n\\nAssistant: ..." sharing a prefix;
- UltraFeedback-binarized: `chosen` / `rejected` are message lists ending with the assistant turn, optional
  `score_chosen` / `score_rejected`;
- flat: `prompt` (string or message list), `chosen`, `rejected` strings, optional scores.
Any shape may carry a per-pair `weight` (finite, >= 0) scaling that pair's loss (see `normalise_weights`).
Bad rows raise DataError naming source and row, or (on_bad_row='skip') are counted by reason in a DataReport.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from datasets import Dataset, load_dataset, load_from_disk

LOCAL_FORMATS = {".json": "json", ".jsonl": "json", ".parquet": "parquet", ".arrow": "arrow"}
_HH_TURN = re.compile(r"\n\n(Human|Assistant): ")


class DataError(ValueError):
    """A row that cannot be used; the message names the source and the row."""


@dataclass
class DataReport:
    """What was read, kept and skipped (by reason, with the first few row numbers of each)."""

    source: str
    rows_read: int = 0
    rows_kept: int = 0
    skipped: Counter = field(default_factory=Counter)
    examples: dict[str, list[int]] = field(default_factory=dict)

    def skip(self, reason: str, row: int) -> None:
        self.skipped[reason] += 1
        self.examples.setdefault(reason, [])
        if len(self.examples[reason]) < 5:
            self.examples[reason].append(row)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "rows_read": self.rows_read, "rows_kept": self.rows_kept,
                "skipped": dict(self.skipped), "skipped_total": sum(self.skipped.values()),
                "skipped_examples": self.examples}

    def summary(self) -> str:
        s = f"{self.source}: {self.rows_kept} of {self.rows_read} rows kept"
        if self.skipped:
            s += "; skipped " + ", ".join(f"{n} {why} (rows {self.examples[why]}...)" for why, n in self.skipped.items())
        return s


def load_raw(source: str, split: str = "train", config: str | None = None) -> Dataset:
    """Rows from a local file or folder, else from the hub (which fails offline with the hub's own error)."""
    if os.path.isdir(source):
        ds = load_from_disk(source)
        return ds[split] if hasattr(ds, "keys") else ds
    ext = os.path.splitext(source)[1].lower()
    if ext in LOCAL_FORMATS:
        if not os.path.isfile(source):
            raise FileNotFoundError(f"--data {source}: no such file")
        return load_dataset(LOCAL_FORMATS[ext], data_files=source, split="train")
    return load_dataset(source, config, split=split)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise DataError(f"{what} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise DataError(f"empty {what}")
    return value


def _messages(value: Any, what: str) -> list[dict]:
    if isinstance(value, str):
        return [{"role": "user", "content": _text(value, what)}]
    if not isinstance(value, list) or not value:
        raise DataError(f"{what} must be a string or a non-empty list of messages")
    out = []
    for i, m in enumerate(value):
        if not isinstance(m, dict) or "role" not in m or "content" not in m:
            raise DataError(f"{what}[{i}] must be a message with 'role' and 'content'")
        out.append({"role": _text(m["role"], f"{what}[{i}].role"), "content": _text(m["content"], f"{what}[{i}].content")})
    return out


def parse_hh(dialogue: str) -> list[dict]:
    """'\\n\\nHuman: a\\n\\nAssistant: b' -> [{'role': 'user', 'content': 'a'}, {'role': 'assistant', ...}]."""
    parts = _HH_TURN.split("\n\n" + dialogue.lstrip("\n") if not dialogue.startswith("\n\n") else dialogue)
    if len(parts) < 3 or parts[0].strip():
        raise DataError("not an HH-RLHF dialogue ('\\n\\nHuman: ... \\n\\nAssistant: ...')")
    roles = {"Human": "user", "Assistant": "assistant"}
    return [{"role": roles[parts[i]], "content": parts[i + 1].strip()} for i in range(1, len(parts) - 1, 2)]


def _last_assistant(msgs: list[dict], what: str) -> tuple[list[dict], str]:
    if msgs[-1]["role"] != "assistant":
        raise DataError(f"{what} must end with an assistant turn")
    return msgs[:-1], msgs[-1]["content"]


def normalise_row(row: dict) -> dict:
    """One raw row -> {'prompt': messages, 'chosen': str, 'rejected': str, 'score_chosen', 'score_rejected'}."""
    for key in ("chosen", "rejected"):
        if key not in row or row[key] is None:
            raise DataError(f"missing key {key!r} (have {sorted(row)})")
    chosen, rejected = row["chosen"], row["rejected"]
    prompt_raw = row.get("prompt")
    if isinstance(chosen, list) or isinstance(rejected, list):  # UltraFeedback-binarized / conversational
        c_prompt, chosen = _last_assistant(_messages(chosen, "chosen"), "chosen")
        r_prompt, rejected = _last_assistant(_messages(rejected, "rejected"), "rejected")
        if c_prompt != r_prompt:
            raise DataError("chosen and rejected conversations differ before the last assistant turn")
        prompt = c_prompt or _messages(prompt_raw, "prompt")
    elif prompt_raw is None:  # HH-RLHF: full dialogues
        c_msgs, r_msgs = parse_hh(_text(chosen, "chosen")), parse_hh(_text(rejected, "rejected"))
        prompt, chosen = _last_assistant(c_msgs, "chosen")
        r_prompt, rejected = _last_assistant(r_msgs, "rejected")
        if prompt != r_prompt:
            raise DataError("chosen and rejected dialogues do not share the prompt before the last Assistant turn")
    else:
        prompt = _messages(prompt_raw, "prompt")
    chosen, rejected = _text(chosen, "chosen response"), _text(rejected, "rejected response")
    if not any(m["role"] == "user" for m in prompt):
        raise DataError("prompt has no user turn")
    if chosen.strip() == rejected.strip():
        raise DataError("identical chosen and rejected responses")
    out = {"prompt": prompt, "chosen": chosen, "rejected": rejected, "score_chosen": None, "score_rejected": None}
    for key in ("score_chosen", "score_rejected"):
        value = row.get(key)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise DataError(f"{key} must be a finite number, got {value!r}")
            out[key] = float(value)
    weight = row.get("weight")
    if weight is not None:
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            raise DataError(f"weight must be a finite number >= 0, got {weight!r}")
        out["weight"] = float(weight)
    return out


def normalise_weights(examples: list[dict], source: str) -> dict[str, Any] | None:
    """Per-pair weights divided by their mean over the kept pairs, so they average 1 (the loss keeps its scale and
    the learning rate its meaning); a pair without a weight counts as 1. Each pair's loss is multiplied by its
    weight and the batch loss stays the mean over pairs. Returns the summary for data_report (None: no weights)."""
    given = [e.get("weight") for e in examples]
    if all(w is None for w in given):
        return None
    raw = [1.0 if w is None else w for w in given]
    mean = sum(raw) / len(raw)
    if mean <= 0:
        raise DataError(f"{source}: every pair's weight is 0")
    for e, w in zip(examples, raw):
        e["weight"] = w / mean
    return {"rows_with_weight": sum(w is not None for w in given), "raw_mean": mean, "raw_min": min(raw),
            "raw_max": max(raw), "zero_weight": sum(w == 0 for w in raw), "normalisation": "divided by the mean"}


def load_pairs(source: str, split: str = "train", config: str | None = None, max_rows: int | None = None,
               on_bad_row: str = "skip") -> tuple[list[dict], DataReport]:
    """Normalised pairs (each with its source `row` number) and a report of what was skipped."""
    raw = load_raw(source, split, config)
    if max_rows is not None:
        raw = raw.select(range(min(max_rows, len(raw))))
    report, pairs = DataReport(source=source), []
    for i, row in enumerate(raw):
        report.rows_read += 1
        try:
            pair = normalise_row(row)
        except DataError as e:
            if on_bad_row == "error":
                raise DataError(f"{source}: row {i}: {e}") from None
            report.skip(str(e) if len(str(e)) < 80 else str(e)[:77] + "...", i)
            continue
        pair["row"] = i
        pairs.append(pair)
    report.rows_kept = len(pairs)
    if not pairs:
        raise DataError(f"{source}: no usable rows ({report.summary()})")
    return pairs, report
