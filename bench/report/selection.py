"""Picking and grouping records for the report: ours vs the paper's, method names and order, final checkpoints,
settings that keep runs apart, variants.

Shared by bench.report.tables and bench.report.figures. "Ours" means every record whose experiment is not `paper`;
the paper's numbers are picked by their `source` (e.g. "Table 3 (v1)").
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from bench.records import as_fraction

PAPER = "paper"
METHOD_LABELS = {
    "base": "Base", "sft": "SFT", "dpo": "DPO", "ipo": "IPO", "sr-dpo": "Sr-DPO", "sr-ipo": "Sr-IPO",
    "hinge": "Hinge", "robust": "Robust DPO", "cdpo": "cDPO", "simpo": "SimPO", "odpo": "ODPO",
}
METHOD_ORDER = tuple(METHOD_LABELS)
# The baseline each method is tested against (Welch t-test marks); Sr-X against X, margin baselines against DPO.
BASELINE = {"sr-dpo": "dpo", "sr-ipo": "ipo", "hinge": "dpo", "robust": "dpo", "cdpo": "dpo", "simpo": "dpo",
            "odpo": "dpo"}
SR_METHODS = ("sr-dpo", "sr-ipo")
WINRATE_TASKS = {"mt-bench": "MT-Bench", "vicuna-bench": "Vicuna-Bench", "sr-questions": "Sr-questions"}
START_METHODS = ("sft", "base")
PAPER_PROMPT = "paper"  # the label sr-train records for the paper's quality prompt (sr_train.refine.prompt_label)


def method_label(method: str | None) -> str:
    return METHOD_LABELS.get(method or "", method or "?")


def method_key(method: str | None) -> tuple[int, str]:
    """Sort key: the known methods in their fixed order, then others alphabetically."""
    m = method or ""
    return (METHOD_ORDER.index(m), "") if m in METHOD_ORDER else (len(METHOD_ORDER), m)


def is_paper(rec: dict) -> bool:
    return rec["experiment"] == PAPER


def ours(records: Iterable[dict]) -> list[dict]:
    return [r for r in records if not is_paper(r)]


def paper(records: Iterable[dict], source_prefix: str) -> list[dict]:
    return [r for r in records if is_paper(r) and (r.get("source") or "").startswith(source_prefix)]


def extra(rec: dict, key: str, default=None):
    return (rec.get("extra") or {}).get(key, default)


def pct(rec: dict) -> float:
    """A rate in percent: fraction records x 100, percent records as stored."""
    return 100.0 * as_fraction(rec) if rec.get("unit") in ("fraction", "percent") else rec["value"]


def opponent(rec: dict) -> str:
    return str(extra(rec, "opponent", "?"))


def winrate_task_label(task: str) -> str:
    return WINRATE_TASKS.get(task, task)


def settings(rec: dict) -> dict[str, Any]:
    """The run's shaping settings beyond method, β, λ and seed (sr_train.artifacts.runs.run_settings)."""
    return rec.get("settings") or {}


def is_refined(method: str | None) -> bool:
    """Sr-X methods: only they read the refinement settings (refine, the quality prompt, how it joins x)."""
    return (method or "").startswith("sr-")


def variant(rec: dict) -> str:
    """The ablation variant of a Sr-X run, derived from its settings: extra.variant when a record names one;
    'naive-delta' for refine 'naive'; for the prompt refinement the quality prompt's label ('ratings-1-10', ...)
    except the paper's own prompt, which is 'proposed' (as is any run of another method, or without settings)."""
    v = extra(rec, "variant")
    if v:
        return str(v)
    s = settings(rec)
    if extra(rec, "refine") == "naive" or (is_refined(rec.get("method")) and s.get("refine") == "naive"):
        return "naive-delta"
    label = s.get("quality_prompt")
    if not is_refined(rec.get("method")) or label in (None, PAPER_PROMPT):
        return "proposed"
    return str(label)


# -- grouping ----------------------------------------------------------------------------------------------
def _progress(rec: dict) -> float:
    """Checkpoint position for picking the final one: tuples_seen, then step; unknown counts as final."""
    if rec.get("tuples_seen") is not None:
        return float(rec["tuples_seen"])
    if rec.get("step") is not None:
        return float(rec["step"])
    return math.inf


def final_checkpoints(records: Iterable[dict], key: Callable[[dict], tuple]) -> list[dict]:
    """Of the records sharing `key` and seed, those at the latest checkpoint (all of them when tied)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        groups[(key(r), r.get("seed"))].append(r)
    out = []
    for recs in groups.values():
        last = max(_progress(r) for r in recs)
        out += [r for r in recs if _progress(r) == last]
    return out


Setting = tuple
"""(lambda, beta, other settings as sorted (key, JSON text) pairs) of a run: runs that differ in any of them are
not seeds of one another."""


def settings_key(r: dict) -> tuple[tuple[str, str], ...]:
    """The record's settings as a hashable, sortable key."""
    return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in settings(r).items()))


def setting(r: dict) -> Setting:
    return (r.get("lambda"), r.get("beta"), settings_key(r))


def _shown(key: str, text: str) -> str:
    value = json.loads(text)
    if key in ("model", "data") and isinstance(value, str):
        value = value.rstrip("/").rsplit("/", 1)[-1]
    if key == "quality_prompt_sha256" and isinstance(value, str):
        value = value[:8]
    return f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"


def setting_label(s: Setting, among: Iterable[Setting] = ()) -> str:
    """λ and β of a setting, then those of its other settings whose values differ within `among` (the settings
    shown side by side); the prompt's hash only where the labels do not tell two prompts apart."""
    parts = [f"{name}={v:g}" for name, v in zip(("λ", "β"), s[:2]) if v is not None]
    others = [dict(o[2]) for o in among]
    mine = dict(s[2]) if len(s) > 2 else {}
    keys = sorted({k for o in [*others, mine] for k in o})
    differs = [k for k in keys if len({o.get(k) for o in [*others, mine]}) > 1]
    if "quality_prompt" in differs and "quality_prompt_sha256" in differs:
        differs.remove("quality_prompt_sha256")
    parts += [_shown(k, mine[k]) for k in differs if k in mine]
    return ", ".join(parts)


def group(records: Iterable[dict], key: Callable[[dict], Any]) -> dict[Any, list[dict]]:
    out: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        out[key(r)].append(r)
    return dict(out)


def experiments(records: Iterable[dict]) -> list[str]:
    return sorted({r["experiment"] for r in records})


def ours_label(experiment: str, n: int, single_experiment: bool, what: str = "seed") -> str:
    base = "ours" if single_experiment else f"ours: {experiment}"
    return f"{base} ({n} {what}{'s' if n != 1 else ''})"
