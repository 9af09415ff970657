"""The experiment's input files (data/science/, sr_train/prefdata/SCIENCE_DATA_CARD.md): multiple-choice items
(`id, question, options, answer_index`) and scored held-out pairs; each row checked, errors name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import read_jsonl


class ItemsError(UserError):
    """An item or pair file that is not in the data card's form."""


def _rows(path: str | Path) -> list[dict[str, Any]]:
    try:
        rows = read_jsonl(path)
    except FileNotFoundError:
        raise ItemsError(f"{path}: no such file (build it: python -m sr_train.prefdata.science_build)") from None
    except UserError as e:
        raise ItemsError(str(e)) from e
    if not rows:
        raise ItemsError(f"{path}: no rows")
    return rows


def load_items(path: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Multiple-choice items in file order (the first `limit` when given)."""
    items, seen = [], set()
    for line, row in enumerate(_rows(path), 1):
        where = f"{path}:{line}"
        options = row.get("options")
        if not isinstance(row.get("id"), str) or not isinstance(row.get("question"), str):
            raise ItemsError(f"{where}: needs string fields 'id' and 'question'")
        if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str) and o.strip()
                                                                          for o in options):
            raise ItemsError(f"{where}: 'options' must be a list of at least 2 non-empty strings")
        answer = row.get("answer_index")
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(options):
            raise ItemsError(f"{where}: 'answer_index' must be an integer in [0, {len(options)}), got {answer!r}")
        if row["id"] in seen:
            raise ItemsError(f"{where}: id {row['id']!r} appears twice")
        seen.add(row["id"])
        items.append(row)
    return items[:limit] if limit is not None else items


def load_heldout_pairs(path: str | Path, questions: int | None = None) -> list[dict[str, Any]]:
    """Scored pairs (`id, question_id, prompt, chosen, rejected, score_chosen, score_rejected`) of the first
    `questions` questions in file order."""
    pairs, order = [], []
    for line, row in enumerate(_rows(path), 1):
        for key in ("id", "question_id", "prompt", "chosen", "rejected"):
            if not isinstance(row.get(key), str):
                raise ItemsError(f"{path}:{line}: needs a string field {key!r}")
        for key in ("score_chosen", "score_rejected"):
            if not isinstance(row.get(key), (int, float)) or isinstance(row.get(key), bool):
                raise ItemsError(f"{path}:{line}: needs a number {key!r} (the gold score)")
        if row["question_id"] not in order:
            order.append(row["question_id"])
        if questions is not None and len(order) > questions:
            break
        pairs.append(row)
    return pairs
