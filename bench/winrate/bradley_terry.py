"""Bradley-Terry fits over judged battles, with covariates, and bootstrap CIs that resample questions.

A battle is one judgment of answer A against answer B: A's score is 1 (A preferred), 0.5 (tie) or 0. The model is
    logit P(A beats B) = theta_A - theta_B + sum_k gamma_k * x_k
where x are covariates of the battle (style differences of the two answers, A minus B). It is fitted by scikit-learn's
logistic regression on a design with +1 in A's column and -1 in B's; a tie is a half win and a half loss (two rows
of weight 0.5). The first model is the anchor (theta = 0); strengths are log-odds. A weak L2 penalty (C = 1e4) keeps
the fit finite when one side wins every battle.

Battles of one question are not independent (turns, both orders, several pairs), so the bootstrap draws questions
with replacement, each with all its battles, and refits.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

C = 1e4


@dataclass(frozen=True)
class Battle:
    question: str
    """The bootstrap unit: the question (with its set) this battle judged."""
    a: str
    b: str
    score: float
    """A's score: 1 win, 0.5 tie, 0 loss."""
    covariates: tuple[float, ...] = ()


@dataclass
class Fit:
    strengths: dict[str, float]
    """Log-odds strength per model, the anchor (first model) at 0."""
    coefficients: tuple[float, ...]
    """One per covariate."""

    def win_probability(self, a: str, b: str) -> float:
        """P(a beats b) with every covariate at 0 (equal style)."""
        return float(1.0 / (1.0 + np.exp(-(self.strengths[a] - self.strengths[b]))))


def _rows(battles: Sequence[Battle], models: list[str], weights: np.ndarray | None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    col = {m: i for i, m in enumerate(models)}
    k = len(battles[0].covariates) if battles else 0
    xs, ys, ws = [], [], []
    for i, bt in enumerate(battles):
        w = 1.0 if weights is None else float(weights[i])
        if w == 0:
            continue
        x = np.zeros(len(models) - 1 + k)
        if col[bt.a]:
            x[col[bt.a] - 1] += 1.0
        if col[bt.b]:
            x[col[bt.b] - 1] -= 1.0
        x[len(models) - 1:] = bt.covariates
        for y, share in ((1, bt.score), (0, 1.0 - bt.score)):
            if share > 0:
                xs.append(x)
                ys.append(y)
                ws.append(w * share)
    return np.array(xs), np.array(ys), np.array(ws)


def fit(battles: Sequence[Battle], models: Sequence[str] | None = None,
        weights: np.ndarray | None = None) -> Fit:
    """The Bradley-Terry fit of `battles` (`models`: their order, the first the anchor; default first seen);
    `weights`: a weight per battle (the bootstrap's draw counts)."""
    if not battles:
        raise ValueError("no battles to fit")
    models = list(models or dict.fromkeys(m for bt in battles for m in (bt.a, bt.b)))
    if len({len(bt.covariates) for bt in battles}) != 1:
        raise ValueError("every battle needs the same number of covariates")
    x, y, w = _rows(battles, models, weights)
    k = len(battles[0].covariates)
    if len(set(y.tolist())) < 2:  # one outcome only: logistic regression needs both; add a vanishing other one
        x, y, w = np.vstack([x, x[:1]]), np.append(y, 1 - y[0]), np.append(w, 1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(C=C, fit_intercept=False, max_iter=1000).fit(x, y, sample_weight=w)
    coef = model.coef_[0]
    strengths = {models[0]: 0.0, **{m: float(coef[i]) for i, m in enumerate(models[1:])}}
    return Fit(strengths, tuple(float(c) for c in coef[len(models) - 1:len(models) - 1 + k]))


def bootstrap(battles: Sequence[Battle], statistic: Callable[[np.ndarray], np.ndarray], n_boot: int = 500,
              seed: int = 0, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile CIs of `statistic(weights)` (weights: one per battle), drawing questions with replacement."""
    questions = sorted({bt.question for bt in battles})
    index = {q: i for i, q in enumerate(questions)}
    of = np.array([index[bt.question] for bt in battles])
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(questions), np.full(len(questions), 1.0 / len(questions)), size=n_boot)
    values = np.array([statistic(draw[of].astype(float)) for draw in draws])
    alpha = (1 - level) / 2
    return np.quantile(values, alpha, axis=0), np.quantile(values, 1 - alpha, axis=0)


def scale(columns: np.ndarray) -> np.ndarray:
    """Each covariate column divided by its standard deviation (not centred: 0 stays "no difference", where the
    controlled rates are read); constant columns become 0."""
    columns = np.asarray(columns, dtype=float)
    if columns.size == 0:
        return columns
    sd = columns.std(axis=0)
    return np.where(sd > 0, columns / np.where(sd > 0, sd, 1.0), 0.0)
