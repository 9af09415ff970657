"""The answers file that `sr-bench generate` appends to and `sr-bench judge` reads: one JSON object per line keyed
by (model, question_set, question_id), with the decoding settings and the weights' identity that made it.

A torn last line (a run killed mid-write) is repaired on resume; rows of one model must agree on the decoding
settings and the weights, so a file never mixes answers made in two ways.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.winrate.questions import as_reference
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.settings import differing

# Settings that change the answers: rows of one model in one file must agree on them (and on the weights).
MATCHING = ("max_new_tokens", "temperature", "top_p", "seed", "backend", "dtype", "top_k", "min_p",
            "repetition_penalty", "template", "category_temperatures", "bf16_autocast")
ADDED_LATER = ("dtype", "top_k", "min_p", "repetition_penalty", "template", "category_temperatures")  # rows written before these were recorded are not checked on them
BEFORE = {"bf16_autocast": False}  # rows written before bf16 autocast existed ran without it


class AnswersError(UserError):
    """An answers file that cannot be read, resumed or paired; the message names the file and what is wrong."""


def read_answers(path: str | os.PathLike, repair: bool = False) -> list[dict]:
    """Rows of an answers file. A torn last line (a run killed mid-write) is dropped when `repair`,
    any other bad line raises naming file and line."""
    path = Path(path)
    if not path.exists():
        return []
    raw = path.read_bytes()
    lines = raw.decode("utf-8").split("\n")
    rows, offset = [], 0
    for lineno, line in enumerate(lines, 1):
        is_last = lineno == len(lines)
        if line.strip():
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                if repair and is_last:  # no newline after it: the writer died mid-line
                    print(f"{path}:{lineno}: dropping a torn last line ({len(line)} chars)", file=sys.stderr)
                    with open(path, "r+b") as f:
                        f.truncate(offset)
                    break
                raise AnswersError(f"{path}:{lineno}: not valid JSON ({e.msg})") from None
            if not isinstance(row, dict) or "question_id" not in row or "model" not in row:
                raise AnswersError(f"{path}:{lineno}: an answer row needs 'model' and 'question_id'")
            rows.append(row)
        offset += len(line.encode("utf-8")) + 1
    return rows


def answered(rows: list[dict], label: str, set_name: str, decoding: dict[str, Any], weights: dict, model: str,
             path: Path) -> set:
    """Question ids `label` already answered in `rows`; an error when they came from other decoding settings or
    other weights (a retrained model at the same path, or another model under the same label)."""
    done = set()
    for row in rows:
        if row.get("model") != label or row.get("question_set") != set_name:
            continue
        if diff := differing(row.get("decoding", {}), decoding, MATCHING, ADDED_LATER, BEFORE):
            raise AnswersError(f"{path} already holds answers of {label} on {set_name} with other decoding "
                               f"settings (file, now): {diff}; use another --out or the same settings")
        if row.get("weights", weights) != weights:
            raise AnswersError(f"{path} already holds answers of {label} on {set_name} from other weights "
                               f"({row.get('model_path')} then, now {model} with other weight files: retrained, or "
                               f"another model under that label); use another --out or --model-name, or delete "
                               f"the file")
        done.add(row["question_id"])
    return done


@dataclass
class AnswerSet:
    path: Path
    model: str
    question_set: str
    rows: dict[int | str, dict]
    run_info: dict[str, Any] = field(default_factory=dict)


def load_answer_set(path: str | Path, model: str | None = None) -> AnswerSet:
    """One model's answers from an answers file (which may hold several models: pick one with `model`)."""
    path = Path(path)
    if not path.is_file():
        raise AnswersError(f"answers file {path} does not exist")
    rows = read_answers(path)
    models = sorted({r["model"] for r in rows})
    if not rows:
        raise AnswersError(f"{path}: no answers in the file")
    if model is None:
        if len(models) > 1:
            raise AnswersError(f"{path} holds answers of several models {models}; choose one")
        model = models[0]
    mine = [r for r in rows if r["model"] == model]
    if not mine:
        raise AnswersError(f"{path}: no answers of model {model!r} (found: {models})")
    sets = sorted({str(r.get("question_set")) for r in mine})
    if len(sets) > 1:
        raise AnswersError(f"{path}: model {model!r} has answers for several question sets {sets}")
    by_id: dict[int | str, dict] = {}
    for r in mine:  # a later row for the same question replaces an earlier one
        by_id[r["question_id"]] = r
    return AnswerSet(path, model, sets[0], by_id, dict(mine[-1].get("run_info") or {}))


def row_reference(row: dict, path: Path) -> tuple[str, ...] | None:
    """The reference answers an answers row carries (copied from its question by sr-bench generate), or None."""
    return as_reference(row.get("reference"), f"{path}: question {row.get('question_id')!r}")
