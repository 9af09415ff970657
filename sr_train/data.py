"""Load preference data and normalise every row to (prompt messages, chosen, rejected[, scores]).

Sources: a hub id, a local .json / .jsonl file or a folder of them (read by our own reader: strings stay strings,
a malformed line is an error naming file and line), a local .parquet / .arrow file or a `datasets.save_to_disk`
folder (read by datasets).
Row shapes understood (detected per row):
- HH-RLHF: `chosen` and `rejected` are full dialogues "\\n\\nHuman: ...\\n\\nAssistant: ..." sharing a prefix;
- UltraFeedback-binarized: `chosen` / `rejected` are message lists ending with the assistant turn, optional
  `score_chosen` / `score_rejected`;
- flat: `prompt` (string or message list), `chosen`, `rejected` strings, optional scores.
Any shape may carry a per-pair `weight` (finite, >= 0) scaling that pair's loss (see `normalise_weights`), and a
per-pair preference `uncertainty` (finite, >= 0; UP-DPO's penalty reads it: `sr-bench uncertainty` writes it).
Bad rows raise DataError naming the file and line (JSON) or the source and row (others), or (on_bad_row='skip')
are counted by reason in a DataReport.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets import Dataset, load_dataset, load_from_disk

from sr_train.artifacts.errors import UserError

LOCAL_FORMATS = {".json": "json", ".jsonl": "json", ".parquet": "parquet", ".arrow": "arrow"}
JSON_SUFFIXES = (".json", ".jsonl")
ROLES = ("system", "user", "assistant")
_HH_TURN = re.compile(r"\n\n(Human|Assistant): ")


class DataError(UserError):
    """Data that cannot be used; the message names the file and line (or source and row)."""


@dataclass
class DataReport:
    """What was read, kept and skipped (by reason, with the first few row numbers of each)."""

    source: str
    rows_read: int = 0
    rows_kept: int = 0
    skipped: Counter = field(default_factory=Counter)
    examples: dict[str, list[int | str]] = field(default_factory=dict)
    unit: str = "row"
    """What the example numbers count: 'line' (1-based lines of a JSON / JSONL file; 'file:line' for a folder of
    files) or 'row' (0-based rows of a datasets source)."""
    truncated_prompts: int = 0
    """Kept pairs whose prompt lost its first tokens to max_length."""
    truncated_responses: int = 0
    """Kept pairs with a response cut short by max_length."""
    warnings: list[str] = field(default_factory=list)

    def skip(self, reason: str, at: int | str) -> None:
        self.skipped[reason] += 1
        self.examples.setdefault(reason, [])
        if len(self.examples[reason]) < 5:
            self.examples[reason].append(at)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "rows_read": self.rows_read, "rows_kept": self.rows_kept,
                "skipped": dict(self.skipped), "skipped_total": sum(self.skipped.values()),
                "skipped_examples": self.examples, "skipped_examples_unit": self.unit,
                "truncated": {"prompts": self.truncated_prompts, "responses": self.truncated_responses},
                "warnings": self.warnings}

    def summary(self) -> str:
        s = f"{self.source}: {self.rows_kept} of {self.rows_read} rows kept"
        if self.skipped:
            s += "; skipped " + ", ".join(f"{n} {why} ({self.unit}s {self.examples[why]}...)"
                                          for why, n in self.skipped.items())
        return s

    def truncation(self) -> str:
        """One line: how many kept pairs max_length / max_prompt_length cut."""
        return (f"truncated to max_length: {self.truncated_prompts} prompts (first tokens cut), "
                f"{self.truncated_responses} pairs' responses (last tokens cut) of {self.rows_kept} pairs")

    def where(self, at: int | str) -> str:
        """`file:line` or `source: row N` of one row."""
        if self.unit == "row":
            return f"{self.source}: row {at}"
        return f"{self.source}:{at}" if isinstance(at, int) else os.path.join(self.source, str(at))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _lone_surrogate(value: Any) -> str | None:
    """The first lone surrogate (\\udXXX) in any string of a decoded JSON value, else None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            return f"\\u{ord(value[e.start]):04x}"
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    keys = value.keys() if isinstance(value, dict) else ()
    return next((found for v in (*keys, *items) if (found := _lone_surrogate(v)) is not None), None)


def _decoded_row(obj: Any, path: str, line: int) -> dict:
    if not isinstance(obj, dict):
        raise DataError(f"{path}:{line}: a row must be a JSON object, got {type(obj).__name__}")
    if (bad := _lone_surrogate(obj)) is not None:
        raise DataError(f"{path}:{line}: lone surrogate {bad} in a string (not valid Unicode text)")
    return obj


def read_json_rows(path: str | os.PathLike) -> list[tuple[int, dict]]:
    """(1-based line, row) of every row of a JSON Lines file, or of a .json file holding one array of objects.
    Values are kept exactly as written (strings stay strings). A malformed line, invalid UTF-8, a lone surrogate or
    a file without rows is a DataError naming the file and line."""
    path = str(path)
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}:{_line_of(data, e.start)}: not valid UTF-8 (byte 0x{data[e.start]:02x})") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DataError(f"{path}: empty file (no rows)")
    rows: list[tuple[int, dict]] = []
    if text.lstrip().startswith("["):  # one JSON array
        decoder, i = json.JSONDecoder(), text.index("[") + 1
        while True:
            while i < len(text) and text[i] in " \t\r\n,":
                i += 1
            if i < len(text) and text[i] == "]":
                break
            try:
                obj, end = decoder.raw_decode(text, i)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{e.lineno}: not valid JSON ({e.msg}, column {e.colno})") from None
            line = text.count("\n", 0, i) + 1
            rows.append((line, _decoded_row(obj, path, line)))
            i = end
        if text[i + 1:].strip():
            raise DataError(f"{path}:{text.count(chr(10), 0, i) + 1}: text after the closing ']'")
    else:
        for line, raw in enumerate(text.split("\n"), 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{line}: not valid JSON ({e.msg}, column {e.colno})") from None
            rows.append((line, _decoded_row(obj, path, line)))
    if not rows:
        raise DataError(f"{path}: no rows (an empty JSON array)")
    return rows


def _is_saved_dataset(folder: str) -> bool:
    return any(os.path.isfile(os.path.join(folder, name)) for name in ("dataset_dict.json", "state.json"))


def json_files(folder: str) -> list[str]:
    """The .json / .jsonl files directly in `folder`, sorted by name."""
    return sorted(str(p) for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in JSON_SUFFIXES)


def load_raw(source: str, split: str = "train", config: str | None = None) -> Dataset:
    """Rows from a local Arrow / parquet file or saved folder, else from the hub (which fails offline with the hub's
    own error). JSON / JSONL go through `read_json_rows` instead (see `load_rows`)."""
    if os.path.isdir(source):
        if not _is_saved_dataset(source):
            raise DataError(f"--data {source}: a folder must be a datasets save_to_disk folder or hold .json/.jsonl "
                            "files; it is neither")
        ds = load_from_disk(source)
        if hasattr(ds, "keys"):
            if split not in ds:
                raise DataError(f"--data {source}: no split {split!r}; it has {', '.join(sorted(ds)) or 'none'} "
                                "(choose with --data-split)")
            return ds[split]
        return ds
    ext = os.path.splitext(source)[1].lower()
    if ext in LOCAL_FORMATS:
        if not os.path.isfile(source):
            raise DataError(f"--data {source}: no such file")
        return load_dataset(LOCAL_FORMATS[ext], data_files=source, split="train")
    if os.path.isfile(source):
        raise DataError(f"--data {source}: unsupported file type {ext or '(none)'!r}; use .json, .jsonl, .parquet "
                        "or .arrow (or a saved dataset folder)")
    try:
        return load_dataset(source, config, split=split)
    except ValueError as e:
        if "split" in str(e).lower():
            raise DataError(f"--data {source}: {e} (choose with --data-split)") from None
        raise


def load_rows(source: str, split: str = "train", config: str | None = None,
              max_rows: int | None = None) -> tuple[list[tuple[int | str, dict]], str]:
    """(location, raw row) pairs and the unit of the locations ('line' for JSON files and folders of them, else
    'row'), at most `max_rows`."""
    ext = os.path.splitext(source)[1].lower()
    if os.path.isfile(source) and ext in JSON_SUFFIXES:
        rows: list[tuple[int | str, dict]] = list(read_json_rows(source)[:max_rows])
        return rows, "line"
    if os.path.isdir(source) and not _is_saved_dataset(source) and (files := json_files(source)):
        rows = []
        for f in files:
            name = os.path.basename(f)
            rows += [(f"{name}:{line}", row) for line, row in read_json_rows(f)]
            if max_rows is not None and len(rows) >= max_rows:
                break
        return rows[:max_rows], "line"
    raw = load_raw(source, split, config)
    if max_rows is not None:
        raw = raw.select(range(min(max_rows, len(raw))))
    return list(enumerate(raw)), "row"


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
        role = _text(m["role"], f"{what}[{i}].role")
        if role not in ROLES:
            raise DataError(f"{what}[{i}].role {role!r} unknown (use {', '.join(ROLES)})")
        out.append({"role": role, "content": _text(m["content"], f"{what}[{i}].content")})
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


def normalise_row(row: dict, scores: bool = True) -> dict:
    """One raw row -> {'prompt': messages, 'chosen': str, 'rejected': str, 'score_chosen', 'score_rejected'}.
    `scores`: read and check score_chosen / score_rejected (only losses that use them need them; else None)."""
    for key in ("chosen", "rejected"):
        if key not in row:
            raise DataError(f"missing key {key!r} (the row has {sorted(row)})")
        if row[key] is None:
            raise DataError(f"{key!r} is null")
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
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            if scores:
                raise DataError(f"{key} must be a finite number, got {value!r}")
            continue  # a loss that ignores scores ignores bad ones too
        out[key] = float(value)
    weight = row.get("weight")
    if weight is not None:
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            raise DataError(f"weight must be a finite number >= 0, got {weight!r}")
        out["weight"] = float(weight)
    uncertainty = row.get("uncertainty")
    if uncertainty is not None:
        if isinstance(uncertainty, bool) or not isinstance(uncertainty, (int, float)) or not math.isfinite(
                uncertainty) or uncertainty < 0:
            raise DataError(f"uncertainty must be a finite number >= 0, got {uncertainty!r}")
        out["uncertainty"] = float(uncertainty)
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
               on_bad_row: str = "skip", scores: bool = True) -> tuple[list[dict], DataReport]:
    """Normalised pairs (each with its 0-based `row` and its location `at`: file line, or row number) and a report of
    what was skipped. `scores`: check scores (see normalise_row)."""
    rows, unit = load_rows(source, split, config, max_rows)
    report, pairs = DataReport(source=source, unit=unit), []
    for i, (at, row) in enumerate(rows):
        report.rows_read += 1
        try:
            pair = normalise_row(row, scores)
        except DataError as e:
            if on_bad_row == "error":
                raise DataError(f"{report.where(at)}: {e}") from None
            report.skip(str(e) if len(str(e)) < 80 else str(e)[:77] + "...", at)
            continue
        pair["row"], pair["at"] = i, at
        pairs.append(pair)
    report.rows_kept = len(pairs)
    if not pairs:
        raise DataError(f"{source}: no usable rows ({report.summary()})")
    if (warning := swapped_scores_warning(pairs)) is not None:
        report.warnings.append(warning)
    return pairs, report


def swapped_scores_warning(pairs: list[dict]) -> str | None:
    """A warning when every scored pair (at least two) has score_chosen < score_rejected: the labels look swapped."""
    scored = [p for p in pairs if p["score_chosen"] is not None and p["score_rejected"] is not None]
    if len(scored) < 2 or not all(p["score_chosen"] < p["score_rejected"] for p in scored):
        return None
    return (f"warning: in all {len(scored)} scored pairs score_chosen < score_rejected; are chosen and rejected "
            "swapped?")
