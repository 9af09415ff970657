"""Length- and style-controlled win rates of a judged pair, from its stored judgments (no judge call).

Judges favour longer and more formatted answers, and preference training lengthens answers, so a raw win rate
mixes quality with length. From a pair's stored verdicts (`<run>.verdicts.ndjson`) and the two answer files its
summary names, three rates of A against B, each with a 95% bootstrap CI drawn by question:

- `winrate`: the raw rate, a tie counting half (the scale of the two below);
- `winrate_lc` (length-controlled, after AlpacaEval 2's GLM without its instruction-difficulty term): a logistic
  fit of A's score on tanh(d / sd(d)), d = A's answer length minus B's in words; the rate is the fit's
  P(A beats B) at d = 0;
- `winrate_sc` (style-controlled, after Arena-Hard-Auto's style control): a Bradley-Terry fit with covariates the
  length difference (a - b) / (a + b) and the differences of markdown header, list-item and bold densities
  (per word), each scaled to unit sd; the rate is P(A beats B) with every covariate at 0.

Items are (question, turn) with the both-orders outcome the raw win / tie / lose rates use; errors are left out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.records import load_records, make_record, write_records
from bench.winrate.answers import load_answer_set
from bench.winrate.bradley_terry import Battle, bootstrap, fit, scale
from bench.winrate.stats import Rate

SCORE = {"win": 1.0, "tie": 0.5, "lose": 0.0}
STYLE = ("length", "header_density", "list_density", "bold_density")
METRICS = ("winrate", "winrate_lc", "winrate_sc")
HEADER = re.compile(r"^\s{0,3}#{1,6}\s", re.MULTILINE)
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s", re.MULTILINE)
BOLD = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")


@dataclass(frozen=True)
class PairItem:
    question: str
    turn: int
    outcome: str
    """A's outcome: win, tie or lose."""
    answer_a: str
    answer_b: str


def words(text: str) -> int:
    return len(text.split())


def style(text: str) -> dict[str, float]:
    """Length in words and the markdown header / list-item / bold densities (counts per word)."""
    n = words(text)
    per = 1.0 / max(n, 1)
    return {"length": float(n), "header_density": len(HEADER.findall(text)) * per,
            "list_density": len(LIST_ITEM.findall(text)) * per, "bold_density": len(BOLD.findall(text)) * per}


def stored_items(out: str | Path, run: str) -> list[PairItem]:
    """The judged items of pair `run` under results folder `out`, with both answers' texts of that turn."""
    out = Path(out)
    summary_path, verdicts_path = out / f"{run}.summary.json", out / f"{run}.verdicts.ndjson"
    for path in (summary_path, verdicts_path):
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing (judge the pair first: sr-bench judge)")
    info = json.loads(summary_path.read_text(encoding="utf-8"))
    a = load_answer_set(info["answers_a"], info["model_a"])
    b = load_answer_set(info["answers_b"], info["model_b"])
    items = []
    for lineno, line in enumerate(verdicts_path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("outcome") not in SCORE:
            continue
        qid, turn = row["question_id"], int(row["turn"])
        if qid not in a.rows or qid not in b.rows:
            raise ValueError(f"{verdicts_path}:{lineno}: question {qid!r} is not in both answer files any more")
        items.append(PairItem(f"{info['task']}:{qid}", turn, row["outcome"], a.rows[qid]["answers"][turn - 1],
                              b.rows[qid]["answers"][turn - 1]))
    return items


def _battles(items: list[PairItem], covariates: np.ndarray) -> list[Battle]:
    return [Battle(it.question, "A", "B", SCORE[it.outcome], tuple(map(float, row)))
            for it, row in zip(items, covariates)]


def length_covariate(items: list[PairItem]) -> np.ndarray:
    """tanh(d / sd(d)), d = A's length minus B's (words), as AlpacaEval 2's length-controlled GLM."""
    d = np.array([words(it.answer_a) - words(it.answer_b) for it in items], dtype=float)
    sd = d.std()
    return np.tanh(d / sd if sd > 0 else d * 0.0)[:, None]


def style_covariates(items: list[PairItem]) -> np.ndarray:
    """Normalised length difference and density differences (A minus B), each scaled to unit sd."""
    cols = []
    for it in items:
        sa, sb = style(it.answer_a), style(it.answer_b)
        total = sa["length"] + sb["length"]
        row = [(sa["length"] - sb["length"]) / total if total else 0.0]
        row += [sa[k] - sb[k] for k in STYLE[1:]]
        cols.append(row)
    return scale(np.array(cols, dtype=float))


def controlled_rates(items: list[PairItem], n_boot: int = 500, seed: int = 0) -> dict[str, Rate]:
    """winrate, winrate_lc and winrate_sc of A against B (module docstring), with bootstrap CIs by question."""
    if not items:
        raise ValueError("no judged items (every item an error?)")
    scores = np.array([SCORE[it.outcome] for it in items])
    battles = {"winrate_lc": _battles(items, length_covariate(items)),
               "winrate_sc": _battles(items, style_covariates(items))}

    def rates(weights: np.ndarray | None) -> np.ndarray:
        w = np.ones(len(items)) if weights is None else weights
        out = [float(np.sum(w * scores) / np.sum(w))]
        out += [fit(battles[m], ["B", "A"], weights).win_probability("A", "B") for m in METRICS[1:]]
        return np.array(out)

    point = rates(None)
    low, high = bootstrap(battles["winrate_lc"], rates, n_boot=n_boot, seed=seed)
    n = len(items)
    return {m: Rate(float(point[i]), float(low[i]), float(high[i]), int(round(float(scores.sum()))), n)
            for i, m in enumerate(METRICS)}


def controlled_records(out: str | Path, run: str, n_boot: int = 500, seed: int = 0) -> list[dict]:
    """Compute the pair's controlled rates from its stored judgments and write them to `<run>.controlled.jsonl`
    beside its raw records (whose method, judge, settings and opponent they copy)."""
    out = Path(out)
    raw = load_records(out / f"{run}.jsonl")
    if not raw:
        raise ValueError(f"{out / f'{run}.jsonl'}: no records")
    ref = raw[0]
    keep = ("method", "beta", "lambda", "seed", "step", "tuples_seen", "judge", "settings", "versions")
    common = {k: ref[k] for k in keep if ref.get(k) is not None}
    rates = controlled_rates(stored_items(out, run), n_boot=n_boot, seed=seed)
    extra = {**{k: v for k, v in (ref.get("extra") or {}).items() if k != "counts"},
             "bootstrap": {"n_boot": n_boot, "seed": seed, "resampled": "questions"}}
    records = [make_record(ref["experiment"], ref["run"], ref["task"], m, r.value, unit="fraction", ci_low=r.ci_low,
                           ci_high=r.ci_high, n=r.denominator, extra={**extra, "controls": CONTROLS[m]}, **common)
               for m, r in rates.items()]
    write_records(out / f"{run}.controlled.jsonl", records)
    return records


CONTROLS = {"winrate": "none (tie = half)", "winrate_lc": "length (AlpacaEval 2 style GLM)",
            "winrate_sc": "length + markdown header / list / bold densities (Bradley-Terry)"}
