"""The Open LLM Leaderboard (v1) settings for its six tasks, as the paper uses them (Sec. 5, Table 3).

One row per task: lm-eval 0.4.13's own task, the shot count the leaderboard used, the metric it reported
and the filter that produces it, and where lm-eval's task reads its data (for the offline data swap).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from sr_train.artifacts.errors import UserError


@dataclass(frozen=True)
class LeaderTask:
    key: str
    """Our record name for the task (records' `task`)."""
    label: str
    """How tables and figures name the task."""
    lm_task: str
    """lm-eval's task (or group, for MMLU) that defines prompts, choices, metrics and filters."""
    shots: int
    metric: str
    """The leaderboard metric, as records name it."""
    lm_metric: str
    """lm-eval's metric name behind `metric`."""
    filter: str
    """lm-eval's filter whose output is scored ("none" when the task has no filter)."""
    dataset: str
    """The hub dataset lm-eval's task reads."""
    subset: str | None
    eval_split: str
    """The split the leaderboard scores."""
    shot_splits: tuple[str, ...]
    """Where few-shot examples come from when the data is swapped, in order of preference; when none is
    available they come from `eval_split` itself, never including the scored item."""
    yaml: str
    """lm-eval's task YAML, relative to lm_eval/tasks (for MMLU a pattern over subjects)."""
    columns: tuple[str, ...]
    """Fields every row of a local copy must have."""
    aliases: tuple[str, ...] = ()
    """Other folder names a local copy may use for `dataset`."""

    @property
    def lm_key(self) -> str:
        """The key of the leaderboard number in lm-eval's `results` block."""
        return f"{self.lm_metric},{self.filter}"


LEADERBOARD: dict[str, LeaderTask] = {t.key: t for t in (
    LeaderTask("arc", "ARC", "arc_challenge", 25, "acc_norm", "acc_norm", "none", "allenai/ai2_arc", "ARC-Challenge",
               "test", ("train", "validation"), "arc/arc_challenge.yaml", ("question", "choices", "answerKey")),
    LeaderTask("hellaswag", "HellaSwag", "hellaswag", 10, "acc_norm", "acc_norm", "none", "Rowan/hellaswag", None,
               "validation", ("train",), "hellaswag/hellaswag.yaml",
               ("activity_label", "ctx_a", "ctx_b", "endings", "label")),
    LeaderTask("winogrande", "WinoGrande", "winogrande", 5, "acc", "acc", "none", "allenai/winogrande", "winogrande_xl",
               "validation", ("train",), "winogrande/default.yaml", ("sentence", "option1", "option2", "answer")),
    LeaderTask("mmlu", "MMLU", "mmlu", 5, "acc", "acc", "none", "cais/mmlu", None, "test", ("dev",),
               "mmlu/default/mmlu_{subject}.yaml", ("question", "choices", "answer"),
               aliases=("hails/mmlu_no_train", "mmlu_no_train")),
    LeaderTask("truthfulqa", "TruthfulQA", "truthfulqa_mc2", 0, "mc2", "acc", "none", "truthfulqa/truthful_qa", "multiple_choice",
               "validation", (), "truthfulqa/truthfulqa_mc2.yaml", ("question", "mc2_targets"),
               aliases=("truthful_qa",)),
    LeaderTask("gsm8k", "GSM8K", "gsm8k", 5, "exact_match", "exact_match", "strict-match", "openai/gsm8k", "main", "test",
               ("train",), "gsm8k/gsm8k.yaml", ("question", "answer")),
)}
TASK_ORDER = tuple(LEADERBOARD)
AVERAGE = "average"
"""The record `task` (and `metric`) of the mean over a run's tasks."""
LABELS = {**{t.key: t.label for t in LEADERBOARD.values()}, AVERAGE: "Avg"}
PAPER_SOURCE = "Yu et al. 2024 (arXiv 2405.21040), Sec. 5 / Table 3: Open LLM Leaderboard settings"
MMLU_AVERAGING = "macro: unweighted mean of the 57 subject accuracies (as the Open LLM Leaderboard v1 averaged)"


def lm_tasks_dir() -> Path:
    """lm-eval's task folder, found without importing lm-eval (the report reads task labels only)."""
    spec = importlib.util.find_spec("lm_eval")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("lm-eval is not installed (pip install lm-eval==0.4.13)")
    return Path(list(spec.submodule_search_locations)[0]) / "tasks"


def mmlu_subjects() -> list[str]:
    """The 57 MMLU subjects, read from lm-eval's own MMLU task files."""
    folder = lm_tasks_dir() / "mmlu" / "default"
    subjects = sorted(p.stem.removeprefix("mmlu_") for p in folder.glob("mmlu_*.yaml"))
    if len(subjects) != 57:
        raise RuntimeError(f"{folder}: expected lm-eval's 57 MMLU subject files, found {len(subjects)}")
    return subjects


def task_yaml(task: LeaderTask, subject: str | None = None) -> Path:
    """lm-eval's own YAML for a task (an MMLU subject's YAML when `subject` is given)."""
    path = lm_tasks_dir() / task.yaml.format(subject=subject)
    if not path.is_file():
        raise FileNotFoundError(f"lm-eval's task file {path} is missing (lm-eval 0.4.13 expected)")
    return path


def parse_tasks(text: str) -> list[str]:
    """`arc,gsm8k` -> ['arc', 'gsm8k'] in the leaderboard's order; unknown names raise UserError."""
    names = [t.strip().lower() for t in text.split(",") if t.strip()]
    unknown = [t for t in names if t not in LEADERBOARD]
    if unknown or not names:
        raise UserError(f"--tasks: unknown task(s) {', '.join(unknown) or '(none given)'}; "
                        f"choose from {','.join(TASK_ORDER)}")
    return [t for t in TASK_ORDER if t in names]
