"""Question sets for pairwise win rates: load by name, JSONL / JSON path or HF hub id, validate every row.

Public forms read as published:
- MT-Bench, Vicuna-Bench and our own set: JSONL, one object per line with `question_id` (int or str),
  `category` (str), `turns` (a list of 1 or 2 non-empty strings) and, for some, `reference` (one per turn);
- Arena-Hard-Auto's `question.jsonl`: `question_id` (v0.1) or `uid` (v2), `category`, and `turns` as
  `[{"content": ...}]` (v0.1) or `prompt` as a string (v2); other fields (cluster, subcategory) kept as extras;
- AlpacaEval's instruction file (`alpaca_eval.json`): a JSON list of `{instruction, output, generator, dataset}`;
  the question id is the position in the list, the category is `dataset`, and the baseline's `output` and
  `generator` are kept as extras (they are not a reference answer).

Specs:
- a name: `sr-questions` (shipped in the package, the offline default);
- a path ending in `.jsonl` (e.g. FastChat's `mt_bench/question.jsonl`, Arena-Hard-Auto's
  `data/arena-hard-v0.1/question.jsonl`) or `.json` (AlpacaEval's `alpaca_eval.json`);
- a hub id `owner/name[:split]` read with `datasets` (needs the hub, or its local cache).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets

from sr_train.artifacts.errors import UserError

PACKAGE_SETS = {"sr-questions": Path(__file__).parent / "question_sets" / "sr_questions.jsonl"}
# Where the two public sets are published, for error messages (we never download them at run time).
PUBLIC_SETS = {
    "mt-bench": "fastchat/llm_judge/data/mt_bench/question.jsonl in the lm-sys/FastChat repository",
    "vicuna-bench": "fastchat/llm_judge/data/vicuna_bench/question.jsonl in the lm-sys/FastChat repository",
    "alpaca-eval": "alpaca_eval.json of the tatsu-lab/alpaca_eval dataset (hub id tatsu-lab/alpaca_eval)",
    "arena-hard": "data/arena-hard-v0.1/question.jsonl in the lmarena/arena-hard-auto repository",
}
MAX_TURNS = 2


class QuestionError(UserError):
    """A question set that cannot be used; the message names the file and line (or row)."""


@dataclass(frozen=True)
class Question:
    question_id: int | str
    category: str
    turns: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_row(self) -> dict[str, Any]:
        return {"question_id": self.question_id, "category": self.category, "turns": list(self.turns), **self.extra}


@dataclass
class QuestionSet:
    name: str
    """Task name used in records: sr-questions, mt-bench, vicuna-bench, or the file's stem."""
    source: str
    questions: list[Question]

    def __len__(self) -> int:
        return len(self.questions)

    def by_id(self) -> dict[int | str, Question]:
        return {q.question_id: q for q in self.questions}


def as_reference(value: Any, where: str) -> tuple[str, ...] | None:
    """A question's reference answers (MT-Bench's `reference`: one string per turn; a lone string is turn 1's),
    or None when it has none."""
    if value is None or value == [] or value == "":
        return None
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise QuestionError(f"{where}: 'reference' must be a string or a list of strings (one per turn), "
                            f"got {value!r:.120}")
    return tuple(value)


def references(qset: QuestionSet) -> dict[int | str, tuple[str, ...]]:
    """The reference answers of the questions that carry them, by question id."""
    out = {}
    for q in qset.questions:
        if (ref := as_reference(q.extra.get("reference"), f"{qset.source} question {q.question_id!r}")) is not None:
            out[q.question_id] = ref
    return out


def set_name_for(spec: str) -> str:
    """The task name for a set: our names as given, MT-Bench / Vicuna-Bench recognised in paths and ids."""
    if spec in PACKAGE_SETS:
        return spec
    low = spec.lower().replace("_", "-")
    if "mt-bench" in low:
        return "mt-bench"
    if "vicuna" in low:
        return "vicuna-bench"
    if "alpaca-eval" in low or "alpacaeval" in low:
        return "alpaca-eval"
    if found := re.findall(r"arena-hard(?:-auto)?(-v\d+(?:\.\d+)*)?", low):
        return "arena-hard" + found[-1]  # the deepest mention (data/arena-hard-v0.1/question.jsonl)
    base = Path(spec).stem if spec.endswith((".jsonl", ".json")) else spec
    if base == "question" and spec.endswith((".jsonl", ".json")):  # FastChat layout: <set>/question.jsonl
        base = Path(spec).parent.name or base
    return re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-").lower() or "questions"


def _turns_of(row: dict, where: str) -> Any:
    """The row's user turns in any public form: `turns` as strings or as `{content}` objects (Arena-Hard-Auto
    v0.1), `prompt` as a string (v2) or a list, AlpacaEval's `instruction`."""
    if "turns" in row:
        turns = row["turns"]
        if isinstance(turns, list) and turns and all(isinstance(t, dict) for t in turns):
            if not all(isinstance(t.get("content"), str) for t in turns):
                raise QuestionError(f"{where}: each turn object must hold 'content' (a string), got {turns!r:.120}")
            return [t["content"] for t in turns]
        return turns
    if "prompt" in row:
        return [row["prompt"]] if isinstance(row["prompt"], str) else row["prompt"]
    if "instruction" in row:
        return [row["instruction"]]
    return None


def parse_row(row: Any, where: str, index: int | None = None) -> Question:
    """One validated question from a decoded row; `where` is 'file:line' or 'hub id row N'; `index` (the row's
    position) is the id of an AlpacaEval row, which has none."""
    if not isinstance(row, dict):
        raise QuestionError(f"{where}: a question must be a JSON object, got {type(row).__name__}")
    qid = row.get("question_id", row.get("id", row.get("prompt_id", row.get("uid"))))
    if qid is None and "instruction" in row and index is not None:
        qid = index
    if qid is None:
        raise QuestionError(f"{where}: missing 'question_id'")
    if isinstance(qid, bool) or not isinstance(qid, int | str) or (isinstance(qid, str) and not qid.strip()):
        raise QuestionError(f"{where}: 'question_id' must be an int or a non-empty string, got {qid!r}")
    turns = _turns_of(row, where)
    if turns is None:
        raise QuestionError(f"{where}: missing 'turns' (a list of 1 or {MAX_TURNS} strings)")
    if not isinstance(turns, list) or not 1 <= len(turns) <= MAX_TURNS:
        raise QuestionError(f"{where}: 'turns' must be a list of 1 or {MAX_TURNS} strings, got {turns!r:.120}")
    for i, t in enumerate(turns, 1):
        if not isinstance(t, str) or not t.strip():
            raise QuestionError(f"{where}: turn {i} must be a non-empty string, got {t!r:.80}")
    category = row.get("category", row.get("dataset", "unknown"))
    if not isinstance(category, str) or not category.strip():
        raise QuestionError(f"{where}: 'category' must be a non-empty string, got {category!r}")
    known = {"question_id", "id", "prompt_id", "uid", "turns", "prompt", "instruction", "category"}
    if "category" not in row:
        known.add("dataset")
    extra = {k: v for k, v in row.items() if k not in known}
    if "reference" in extra:
        as_reference(extra["reference"], where)
    return Question(qid, category, tuple(turns), extra)


def _check_unique(questions: list[Question], wheres: list[str]) -> None:
    seen: dict[int | str, str] = {}
    for q, where in zip(questions, wheres):
        if q.question_id in seen:
            raise QuestionError(f"{where}: duplicate question_id {q.question_id!r} (first at {seen[q.question_id]})")
        seen[q.question_id] = where


def read_jsonl_questions(path: str | os.PathLike) -> list[Question]:
    """Questions from a JSONL file; any bad line raises QuestionError naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise QuestionError(f"question file {path} does not exist")
    questions, wheres = [], []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise QuestionError(f"{where}: not valid JSON ({e.msg})") from None
            questions.append(parse_row(row, where))
            wheres.append(where)
    if not questions:
        raise QuestionError(f"{path}: no questions in the file")
    _check_unique(questions, wheres)
    return questions


def read_json_questions(path: str | os.PathLike) -> list[Question]:
    """Questions from a JSON list (AlpacaEval's instruction file); a bad item raises naming file and item."""
    path = Path(path)
    if not path.is_file():
        raise QuestionError(f"question file {path} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise QuestionError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(data, list):
        raise QuestionError(f"{path}: a .json question file must hold a list of questions (AlpacaEval's form), "
                            f"got {type(data).__name__}")
    wheres = [f"{path}: item {i}" for i in range(len(data))]
    questions = [parse_row(row, where, index=i) for i, (row, where) in enumerate(zip(data, wheres))]
    if not questions:
        raise QuestionError(f"{path}: no questions in the file")
    _check_unique(questions, wheres)
    return questions


def read_hub_questions(hub_id: str) -> list[Question]:
    """Questions from a HF hub dataset `owner/name[:split]` (default split: train)."""
    name, _, split = hub_id.partition(":")
    try:
        ds = datasets.load_dataset(name, split=split or "train")
    except OSError as e:  # not available here: not in the local cache and the hub unreachable or offline
        # (ConnectionError), no such dataset (DatasetNotFoundError, a FileNotFoundError), HTTP errors of the hub
        offline = os.environ.get("HF_DATASETS_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1"
        hint = " (offline mode is on)" if offline else ""
        raise QuestionError(
            f"could not load question set {hub_id!r} from the HF hub{hint}: {type(e).__name__}: {e}. "
            "Download its JSONL once and pass the path (.jsonl), or use the shipped set 'sr-questions'."
        ) from e
    except ValueError as e:  # datasets' unknown split; any other ValueError is a bug and keeps its traceback
        if "split" not in str(e).lower():
            raise
        raise QuestionError(f"question set {hub_id!r}: {e} (choose the split with {name}:<split>)") from e
    questions = [parse_row(dict(row), f"{hub_id} row {i}", index=i) for i, row in enumerate(ds)]
    if not questions:
        raise QuestionError(f"{hub_id}: the dataset has no rows")
    _check_unique(questions, [f"{hub_id} row {i}" for i in range(len(questions))])
    return questions


def load_questions(spec: str, limit: int | None = None, name: str | None = None) -> QuestionSet:
    """A question set from a name (sr-questions), a `.jsonl` path or a hub id; `limit` keeps the first N."""
    if spec in PACKAGE_SETS:
        path = PACKAGE_SETS[spec]
        if not path.is_file():
            raise QuestionError(f"the shipped question set {spec!r} is missing ({path}); reinstall the package")
        questions = read_jsonl_questions(path)
        source = str(path)
    elif spec in PUBLIC_SETS:
        raise QuestionError(
            f"{spec!r} is not shipped with the package: pass the path of its question.jsonl "
            f"({PUBLIC_SETS[spec]}) or a hub id"
        )
    elif spec.endswith(".json"):
        questions = read_json_questions(spec)
        source = str(Path(spec).resolve())
    elif spec.endswith(".jsonl") or os.path.exists(spec):
        questions = read_jsonl_questions(spec)
        source = str(Path(spec).resolve())
    elif re.fullmatch(r"[\w.-]+/[\w.-]+(:[\w.-]+)?", spec):
        questions = read_hub_questions(spec)
        source = f"hf:{spec}"
    else:
        raise QuestionError(
            f"question set {spec!r} is not a known name ({', '.join(PACKAGE_SETS)}), a .jsonl / .json path or a hub id"
        )
    if limit is not None:
        if limit < 1:
            raise QuestionError(f"limit must be >= 1, got {limit}")
        questions = questions[:limit]
    return QuestionSet(name or set_name_for(spec), source, questions)
