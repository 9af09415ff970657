"""Correlation of a trained model's marginal h with the quality score gap (the paper's v1 Table 4).

For each pair with quality scores, h = [log pi(y+|x) - log pi_ref(y+|x)] - [log pi(y-|x) - log pi_ref(y-|x)]
(summed response log-probs) and the gap s+ - s-. We report Pearson, Spearman and Kendall (scipy.stats) with
their p-values.

- `correlate(h, gap)`: the three coefficients from two arrays;
- h and the gap of every scored pair of a preference file come from `sr_train.marginals.model_marginals`;
- `correlation_records(...)` / `write_correlation_records(...)`: tidy records (metric pearson / spearman /
  kendall, unit raw) that `sr-bench report` renders beside the paper's Table 4 (v1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scipy import stats

from bench.records import make_record, write_records

METHODS = ("pearson", "spearman", "kendall")


@dataclass(frozen=True)
class Correlation:
    name: str
    statistic: float
    pvalue: float


@dataclass
class CorrelationResult:
    coefficients: dict[str, Correlation]
    n: int
    skipped: int = 0
    skipped_rows: list[int] = field(default_factory=list)


def correlate(h: Sequence[float], gap: Sequence[float]) -> CorrelationResult:
    """Pearson, Spearman and Kendall between `h` and `gap`.

    Pairs where either value is not finite are skipped and counted; fewer than 3 usable pairs or a constant
    input is an error."""
    if len(h) != len(gap):
        raise ValueError(f"h has {len(h)} values but gap has {len(gap)}")
    xs, ys, bad = [], [], []
    for i, (x, y) in enumerate(zip(h, gap)):
        x, y = float(x), float(y)
        if math.isfinite(x) and math.isfinite(y):
            xs.append(x)
            ys.append(y)
        else:
            bad.append(i)
    if len(xs) < 3:
        raise ValueError(f"need at least 3 pairs with finite h and gap, got {len(xs)}")
    for name, vals in (("h", xs), ("gap", ys)):
        if max(vals) == min(vals):
            raise ValueError(f"{name} is constant ({vals[0]!r}): correlation undefined")
    res = {
        "pearson": stats.pearsonr(xs, ys),
        "spearman": stats.spearmanr(xs, ys),
        "kendall": stats.kendalltau(xs, ys),
    }
    coeffs = {k: Correlation(k, float(r.statistic), float(r.pvalue)) for k, r in res.items()}
    return CorrelationResult(coeffs, len(xs), len(bad), bad)


def correlation_records(h: Sequence[float], gap: Sequence[float], *, experiment: str, run: str, method: str,
                        task: str, judge: str | None = None, seed: int | None = None,
                        extra: dict | None = None, beta: float | None = None, lam: float | None = None,
                        settings: dict | None = None) -> list[dict]:
    """One record per coefficient (value = the coefficient; p-value and skipped count in `extra`); `beta`, `lam`
    and `settings` (sr_train.artifacts.runs.run_settings) say which run variant the policy is."""
    result = correlate(h, gap)
    return [make_record(experiment, run, task, name, c.statistic, unit="raw", method=method, n=result.n,
                        judge=judge, seed=seed, beta=beta, settings=settings or None, **{"lambda": lam},
                        extra={"pvalue": c.pvalue, "skipped": result.skipped, "x": "marginal h",
                               "y": "score gap s+ - s-", **(extra or {})})
            for name, c in result.coefficients.items()]


def write_correlation_records(path: str | Path, h: Sequence[float], gap: Sequence[float], **kwargs) -> Path:
    """Compute the correlations and write their records atomically to `path`."""
    return write_records(path, correlation_records(h, gap, **kwargs))
