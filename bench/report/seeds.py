"""Numbers over seeds: mean and sample standard deviation, and Welch's t-test between two methods' seeds."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class Stat:
    mean: float
    std: float | None
    n: int
    values: tuple[float, ...]


def stat(values: Iterable[float]) -> Stat:
    """Mean and sample standard deviation (ddof=1; None for one value)."""
    vals = tuple(sorted(float(v) for v in values))  # sorted: the same sums whatever the record order
    if not vals:
        raise ValueError("no values")
    mean = sum(vals) / len(vals)
    std = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)) if len(vals) > 1 else None
    return Stat(mean, std, len(vals), vals)


def welch_p(a: Iterable[float], b: Iterable[float]) -> float | None:
    """Welch's t-test p-value (two-sided), or None with fewer than 2 values on a side or no variance."""
    a, b = list(a), list(b)
    if len(a) < 2 or len(b) < 2:
        return None
    p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    return None if math.isnan(p) else p
