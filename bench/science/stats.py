"""The registered statistics: percentile bootstrap over items or question clusters (10,000 resamples, generator
seed 0), 95 % and Bonferroni decision CIs, correlations resampled by question, and the decision rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

N_BOOT = 10_000
SEED = 0
CLAIMS = 6
LEVEL = 0.95
DECISION_LEVEL = 1 - 0.05 / CLAIMS  # Bonferroni over the six claims: 99.17 %
Z_SUM = 3.48  # z_{1 - 0.05/12} + z_{0.8}: the MDD's multiplier (80 % power, two-sided alpha 0.05/6)

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive"


@dataclass(frozen=True)
class Interval:
    level: float
    low: float
    high: float


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95 % and decision CIs from one set of resamples."""

    value: float
    ci95: Interval
    decision: Interval
    n: int

    def as_dict(self) -> dict:
        return {"value": self.value, "n": self.n, "ci95": [self.ci95.low, self.ci95.high],
                "decision_ci": [self.decision.low, self.decision.high], "decision_level": self.decision.level}


def percentile(samples: np.ndarray, level: float) -> Interval:
    tail = (1 - level) / 2
    low, high = np.quantile(samples, [tail, 1 - tail])
    return Interval(level, float(low), float(high))


def estimate(value: float, samples: np.ndarray, n: int, decision_level: float = DECISION_LEVEL) -> Estimate:
    samples = np.asarray(samples, dtype=float)
    return Estimate(float(value), percentile(samples, LEVEL), percentile(samples, decision_level), n)


def resample_indices(n: int, n_boot: int = N_BOOT, seed: int = SEED) -> np.ndarray:
    """(n_boot, n) indices drawn with replacement by numpy's default generator seeded `seed`."""
    if n < 1:
        raise ValueError("nothing to resample: no items")
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def bootstrap_mean(values: Sequence[float], n_boot: int = N_BOOT, seed: int = SEED,
                   decision_level: float = DECISION_LEVEL) -> Estimate:
    """Mean of per-item values (paired differences) with percentile CIs over items."""
    x = np.asarray(values, dtype=float)
    idx = resample_indices(len(x), n_boot, seed)
    return estimate(x.mean(), x[idx].mean(axis=1), len(x), decision_level)


def bootstrap_cluster_mean(values: Sequence[float], clusters: Sequence[str], n_boot: int = N_BOOT,
                           seed: int = SEED, decision_level: float = DECISION_LEVEL) -> Estimate:
    """Mean over units with CIs resampling whole clusters (a question with all its pairs); `n` = clusters."""
    x = np.asarray(values, dtype=float)
    names = list(dict.fromkeys(clusters))
    where = {c: i for i, c in enumerate(names)}
    member = np.array([where[c] for c in clusters])
    sums, counts = np.bincount(member, x, len(names)), np.bincount(member, minlength=len(names)).astype(float)
    idx = resample_indices(len(names), n_boot, seed)
    return estimate(x.mean(), sums[idx].sum(axis=1) / counts[idx].sum(axis=1), len(names), decision_level)


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r (nan when either side is constant)."""
    x, y = x - x.mean(), y - y.mean()
    den = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum() / den) if den > 0 else float("nan")


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho: Pearson's r of the ranks, ties sharing their average rank (scipy's convention)."""
    return pearson(sps.rankdata(x), sps.rankdata(y))


CORRELATIONS = {"spearman": spearman, "pearson": pearson}


def _row_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson's r of each row pair of two (B, n) arrays."""
    x = x - x.mean(axis=1, keepdims=True)
    y = y - y.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x * y).sum(axis=1) / np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1))


def _row_corr(x: np.ndarray, y: np.ndarray, method: str) -> np.ndarray:
    if method == "spearman":
        x, y = sps.rankdata(x, axis=1), sps.rankdata(y, axis=1)
    return _row_pearson(x, y)


def bootstrap_correlation_difference(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]],
                                     target: Sequence[float], clusters: Sequence[str], method: str = "spearman",
                                     n_boot: int = N_BOOT, seed: int = SEED,
                                     decision_level: float = DECISION_LEVEL) -> tuple[Estimate, dict]:
    """corr(a_s, target) - corr(b_s, target) averaged over seeds s (rows of `a` and `b`), with CIs resampling
    clusters: each resample's correlations are computed per seed on the resampled units, then averaged. Also
    returns the seed-averaged correlations of each side."""
    if method not in CORRELATIONS:
        raise ValueError(f"method must be one of {sorted(CORRELATIONS)}, got {method!r}")
    a, b, t = (np.asarray(v, dtype=float) for v in (a, b, target))
    names = list(dict.fromkeys(clusters))
    members = [np.flatnonzero(np.asarray(clusters) == c) for c in names]
    idx = resample_indices(len(names), n_boot, seed)
    corr = CORRELATIONS[method]
    ra = float(np.mean([corr(s, t) for s in a]))
    rb = float(np.mean([corr(s, t) for s in b]))
    diffs = np.empty(n_boot)
    for lo in range(0, n_boot, 500):  # 500 resamples at a time: (500, units) arrays
        rows = [np.concatenate([members[j] for j in draw]) for draw in idx[lo:lo + 500]]
        if len({len(r) for r in rows}) == 1:
            rows_ = np.stack(rows)
            tt = t[rows_]
            sa = np.mean([_row_corr(s[rows_], tt, method) for s in a], axis=0)
            sb = np.mean([_row_corr(s[rows_], tt, method) for s in b], axis=0)
            diffs[lo:lo + len(rows)] = sa - sb
        else:  # clusters of unequal size: one resample at a time
            for i, r in enumerate(rows):
                diffs[lo + i] = np.mean([corr(s[r], t[r]) for s in a]) - np.mean([corr(s[r], t[r]) for s in b])
    return estimate(ra - rb, np.nan_to_num(diffs), len(names), decision_level), {"a": ra, "b": rb}


def mdd(d: float, n: int) -> float:
    """Minimum detectable paired difference at disagreement share d over n items: Z_SUM * sqrt(d / n)."""
    return Z_SUM * (d / n) ** 0.5


def decide(decision: Interval, m: float) -> str:
    """C1-C5: supported when the decision CI's low end is above 0; not supported when its high end is below the
    claim's MDD m; inconclusive otherwise."""
    if decision.low > 0:
        return SUPPORTED
    if decision.high < m:
        return NOT_SUPPORTED
    return INCONCLUSIVE


def decide_noninferior(ci95: Interval, margin: float) -> str:
    """C6: supported when the 95 % CI's low end is above -margin; not supported when its high end is below it."""
    if ci95.low > -margin:
        return SUPPORTED
    if ci95.high < -margin:
        return NOT_SUPPORTED
    return INCONCLUSIVE
