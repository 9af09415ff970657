"""Win / tie / lose rates from pairwise verdicts, with bootstrap 95% CIs paired by question.

Verdicts come in two vocabularies:
- *position* verdicts, what a judge says about the answers it was shown: `first`, `second`, `tie`;
- *set* verdicts, about the two answer sets being compared: `A`, `B`, `tie`.
Order `ab` shows set A first, order `ba` shows set B first.

The both-orders rule (the MT-Bench pairwise protocol the paper follows): A wins an item only if A wins
in both orders, B only if B wins in both; anything else is a tie. An item with a missing verdict in
either order (the judge failed after its retries) goes to the error bucket and is left out of the
win / tie / lose denominators; `error_rate` is errors over all items.

Items are (question, turn) pairs: a two-turn question gives two items (MT-Bench: 80 questions, 160
judged turns). Items of one question are not independent, so the bootstrap resamples questions
(with all their items) rather than items.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

POSITIONS = ("first", "second", "tie")
SET_VERDICTS = ("A", "B", "tie")
OUTCOMES = ("win", "tie", "lose", "error")
ORDERS = ("ab", "ba")


def to_set_verdict(position: str | None, order: str) -> str | None:
    """Map a position verdict under `order` to a set verdict (None stays None)."""
    if position is None:
        return None
    if position not in POSITIONS:
        raise ValueError(f"position verdict must be one of {POSITIONS}, got {position!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    if position == "tie":
        return "tie"
    shown_first = "A" if order == "ab" else "B"
    shown_second = "B" if order == "ab" else "A"
    return shown_first if position == "first" else shown_second


def combine_orders(v_ab: str | None, v_ba: str | None) -> str:
    """Outcome for set A from its set verdicts in both orders: win / tie / lose / error."""
    for v in (v_ab, v_ba):
        if v is not None and v not in SET_VERDICTS:
            raise ValueError(f"set verdict must be one of {SET_VERDICTS} or None, got {v!r}")
    if v_ab is None or v_ba is None:
        return "error"
    if v_ab == v_ba == "A":
        return "win"
    if v_ab == v_ba == "B":
        return "lose"
    return "tie"


def position_preference(v_ab: str | None, v_ba: str | None) -> str | None:
    """`first` / `second` when the judge picked the same *position* in both orders, else None."""
    if (v_ab, v_ba) == ("A", "B"):
        return "first"
    if (v_ab, v_ba) == ("B", "A"):
        return "second"
    return None


@dataclass(frozen=True)
class ItemOutcome:
    """The result of judging one (question, turn) item."""

    question_id: int | str
    turn: int
    outcome: str
    consistent: bool | None = None
    """Both orders gave the same set verdict (None: error, or a judge that does not see order)."""
    position_bias: str | None = None
    """`first` / `second` when the judge picked the same position in both orders."""

    @classmethod
    def from_orders(cls, question_id: int | str, turn: int, v_ab: str | None, v_ba: str | None) -> ItemOutcome:
        outcome = combine_orders(v_ab, v_ba)
        if outcome == "error":
            return cls(question_id, turn, "error")
        return cls(question_id, turn, outcome, v_ab == v_ba, position_preference(v_ab, v_ba))

    @classmethod
    def from_single(cls, question_id: int | str, turn: int, verdict: str | None) -> ItemOutcome:
        """An order-free judge (e.g. a reward model scoring each answer alone): one set verdict."""
        return cls(question_id, turn, combine_orders(verdict, verdict))


@dataclass
class Rate:
    value: float
    ci_low: float
    ci_high: float
    numerator: int
    denominator: int


@dataclass
class Summary:
    n_items: int
    n_judged: int
    n_errors: int
    n_questions: int
    counts: dict[str, int]
    rates: dict[str, Rate] = field(default_factory=dict)
    position_bias_split: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "n_items": self.n_items, "n_judged": self.n_judged, "n_errors": self.n_errors,
            "n_questions": self.n_questions, "counts": self.counts,
            "position_bias_split": self.position_bias_split,
            "rates": {k: vars(r) for k, r in self.rates.items()},
        }


def bootstrap_ci(
    numerators: np.ndarray, denominators: np.ndarray, n_boot: int = 2000, seed: int = 0, level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile CIs of ratio(s) sum(num)/sum(den), resampling rows (questions) with replacement.

    `numerators` is (Q, M) (one column per rate), `denominators` (Q, M) or (Q,). Returns (low, high),
    each of shape (M,). Resamples whose denominator is 0 are dropped.
    """
    num = np.asarray(numerators, dtype=float)
    num = num[:, None] if num.ndim == 1 else num
    den = np.asarray(denominators, dtype=float)
    den = np.broadcast_to(den[:, None] if den.ndim == 1 else den, num.shape)
    q = num.shape[0]
    if q == 0:
        nan = np.full(num.shape[1], np.nan)
        return nan, nan
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(q, np.full(q, 1.0 / q), size=n_boot).astype(float)  # (B, Q): times drawn
    tot_num, tot_den = weights @ num, weights @ den
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.where(tot_den > 0, tot_num / np.where(tot_den > 0, tot_den, 1), np.nan)
    alpha = (1 - level) / 2
    with warnings.catch_warnings():  # a column with no judged item at all is all-NaN: its CI is NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        low = np.nanquantile(ratios, alpha, axis=0)
        high = np.nanquantile(ratios, 1 - alpha, axis=0)
    return low, high


def summarize(items: Iterable[ItemOutcome], n_boot: int = 2000, seed: int = 0, order_sensitive: bool = True) -> Summary:
    """Rates over judged items (errors over all items), each with a question-paired bootstrap 95% CI.

    Metrics: win, tie, lose, error_rate and, when the judge saw both orders, swap_consistency
    (same set verdict in both orders) and position_bias (same position picked in both orders).
    """
    items = list(items)
    for it in items:
        if it.outcome not in OUTCOMES:
            raise ValueError(f"item {it.question_id}/{it.turn}: outcome must be one of {OUTCOMES}, got {it.outcome!r}")
    qids: list[int | str] = []
    index: dict[int | str, int] = {}
    for it in items:
        if it.question_id not in index:
            index[it.question_id] = len(qids)
            qids.append(it.question_id)
    metrics = ["win", "tie", "lose"] + (["swap_consistency", "position_bias"] if order_sensitive else [])
    num = np.zeros((len(qids), len(metrics) + 1))
    judged = np.zeros(len(qids))
    total = np.zeros(len(qids))
    split = {"first": 0, "second": 0}
    for it in items:
        row = index[it.question_id]
        total[row] += 1
        if it.outcome == "error":
            num[row, -1] += 1
            continue
        judged[row] += 1
        num[row, metrics.index(it.outcome)] += 1
        if order_sensitive:
            num[row, metrics.index("swap_consistency")] += bool(it.consistent)
            if it.position_bias is not None:
                num[row, metrics.index("position_bias")] += 1
                split[it.position_bias] += 1
    den = np.concatenate([np.repeat(judged[:, None], len(metrics), axis=1), total[:, None]], axis=1)
    low, high = bootstrap_ci(num, den, n_boot=n_boot, seed=seed)
    sums_num, sums_den = num.sum(axis=0), den.sum(axis=0)
    rates = {}
    for j, name in enumerate([*metrics, "error_rate"]):
        if sums_den[j] == 0:
            continue
        rates[name] = Rate(float(sums_num[j] / sums_den[j]), float(low[j]), float(high[j]),
                           int(sums_num[j]), int(sums_den[j]))
    counts = {o: sum(1 for it in items if it.outcome == o) for o in OUTCOMES}
    return Summary(len(items), int(judged.sum()), counts["error"], len(qids), counts, rates,
                   split if order_sensitive else {})

