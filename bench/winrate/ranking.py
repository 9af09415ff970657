"""One ranking of all methods: a Bradley-Terry fit over every judged pair of models in a win-rate results folder.

Every pair judged into the folder (`<run>.summary.json`, `<run>.verdicts.ndjson` and `<run>.jsonl`, as
bench.winrate.pairwise writes them) gives battles between its two models (the records' `method` and
`extra.opponent`): one per order for a judge that saw both orders (each order's verdict on its own; a tie is half a
win), one per item for an order-free judge (a reward model). One fit over all battles puts every model on one
log-odds scale, anchored at `base` (the starting model) when present, else the first model by name; 95% CIs come
from refitting on questions drawn with replacement. Written as records (`ranking.jsonl`, metric `bt_strength`,
one per model) from stored judgments only.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from bench.records import load_records, make_record, write_records
from bench.winrate.bradley_terry import Battle, bootstrap, fit

SET_SCORE = {"A": 1.0, "tie": 0.5, "B": 0.0}
OUTCOME_SCORE = {"win": 1.0, "tie": 0.5, "lose": 0.0}
METRIC = "bt_strength"
RANKING_FILE = "ranking.jsonl"
ANCHOR = "base"


def pair_battles(out: Path, run: str) -> tuple[list[Battle], str, str, str]:
    """(battles, model A, model B, question set) of one stored pair."""
    recs = load_records(out / f"{run}.jsonl")
    if not recs:
        raise ValueError(f"{out / f'{run}.jsonl'}: no records of the pair")
    a, b, task = recs[0].get("method") or run, str((recs[0].get("extra") or {}).get("opponent")), recs[0]["task"]
    battles = []
    path = out / f"{run}.verdicts.ndjson"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        question = f"{task}:{row['question_id']}"
        orders = [row[o].get("verdict") for o in ("ab", "ba") if isinstance(row.get(o), dict)]
        if orders:  # a judge that saw both orders: each order's verdict is a battle
            battles += [Battle(question, a, b, SET_SCORE[v]) for v in orders if v in SET_SCORE]
        elif row.get("outcome") in OUTCOME_SCORE:
            battles.append(Battle(question, a, b, OUTCOME_SCORE[row["outcome"]]))
    return battles, a, b, task


def stored_battles(out: str | Path) -> tuple[list[Battle], list[str], list[str]]:
    """(battles of every judged pair in `out`, the pairs' run names, their question sets)."""
    out = Path(out)
    runs = sorted(p.name.removesuffix(".summary.json") for p in out.glob("*.summary.json"))
    battles, tasks = [], set()
    for run in runs:
        bts, _, _, task = pair_battles(out, run)
        battles += bts
        tasks.add(task)
    return battles, runs, sorted(tasks)


def rank(battles: list[Battle], n_boot: int = 500, seed: int = 0
         ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(models, strengths, CI lows, CI highs): log-odds against the anchor (ANCHOR when present, else the first
    model by name)."""
    names = sorted({m for bt in battles for m in (bt.a, bt.b)})
    models = [ANCHOR, *[m for m in names if m != ANCHOR]] if ANCHOR in names else names

    def strengths(weights: np.ndarray | None) -> np.ndarray:
        f = fit(battles, models, weights)
        return np.array([f.strengths[m] for m in models])

    low, high = bootstrap(battles, strengths, n_boot=n_boot, seed=seed)
    return models, strengths(None), low, high


def ranking_records(out: str | Path, experiment: str | None = None, n_boot: int = 500, seed: int = 0) -> list[dict]:
    """Fit the ranking of every model judged in `out` and write it to `<out>/ranking.jsonl`."""
    out = Path(out)
    battles, runs, tasks = stored_battles(out)
    if not battles:
        raise ValueError(f"{out}: no judged pairs (no *.summary.json with verdicts)")
    models, value, low, high = rank(battles, n_boot=n_boot, seed=seed)
    task = "+".join(tasks)
    records = [make_record(
        experiment or out.resolve().name, f"ranking/{m}", task, METRIC, float(value[i]), method=m, unit="raw",
        ci_low=float(low[i]), ci_high=float(high[i]), n=len(battles),
        extra={"anchor": models[0], "p_beats_anchor": 1 / (1 + math.exp(-float(value[i]))), "pairs": runs,
               "battles": sum(1 for bt in battles if m in (bt.a, bt.b)),
               "bootstrap": {"n_boot": n_boot, "seed": seed, "resampled": "questions"}})
        for i, m in enumerate(models)]
    write_records(out / RANKING_FILE, records)
    return records
