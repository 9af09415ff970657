"""Picking and grouping records for the report: ours vs the paper's, method names and order, final checkpoints,
settings that keep runs apart, variants.

Shared by bench.report.tables and bench.report.figures. "Ours" means every record whose experiment is not `paper`;
the paper's numbers are picked by their `source` (e.g. "Table 3 (v1)").
"""

from __future__ import annotations

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


def variant(rec: dict) -> str:
    """Sr-DPO ablation variant: extra.variant, else 'naive-delta' when extra.refine is 'naive', else 'proposed'."""
    v = extra(rec, "variant")
    if v:
        return str(v)
    return "naive-delta" if extra(rec, "refine") == "naive" else "proposed"


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


Setting = tuple  # (lambda, beta) of a run: runs that differ in them are not seeds of one another


def setting(r: dict) -> Setting:
    return (r.get("lambda"), r.get("beta"))


def setting_label(s: Setting) -> str:
    return ", ".join(f"{name}={v:g}" for name, v in zip(("λ", "β"), s) if v is not None)


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
