"""The science report's figures, drawn from the analysis of results/science/ (no other input):

- `science_training` (the paper's Fig. 1 analogue): (a) training-batch h and h_p by step, mean over each family's
  runs; (b) held-out pair accuracy of h_p and h along training for the seed-0 dpo and sr-dpo models.
- `science_lambda`: held-out accuracy A1 against λ (seed 0), each point with the 95 % CI of its paired difference
  to dpo-s0, beside the seed-0 references (dpo, naive Δ, ODPO with gold margins) and the starting model.

A figure whose records are all missing is not drawn (None); bench.report.style gives the look and the bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from bench.report.style import FULL_WIDTH, STYLE, colour, new_figure, save_figure
from bench.science.claims import LAMBDA_GRID, Analysis, family_of, final, lambda_comparison
from sr_train.artifacts.runs import checkpoint_step

TRAINING_FAMILIES = ("dpo", "sr-dpo", "sr-dpo-naive")
REFERENCES = (  # (model label, legend, colour's family, line style): horizontal lines in the λ figure
    (final("dpo-s0"), "dpo (β 0.1)", "dpo", "-"), (final("sr-dpo-naive-s0"), "naive Δ (λ 0.5)", "sr-dpo-naive", "--"),
    (final("odpo-gold-s0"), "odpo, gold margins", "odpo", "-."), ("base", "starting model", "base", ":"))


def family_mean(training: list[dict[str, Any]], family: str, key: str) -> tuple[list[int], list[float]]:
    """Steps and the mean over the family's runs of one training-batch series (steps every run logged)."""
    runs = [t[key] for t in training if t["family"] == family and t[key]]
    if not runs:
        return [], []
    steps = sorted(set.intersection(*(set(r) for r in runs)))
    return steps, [sum(r[s] for r in runs) / len(runs) for s in steps]


def step_of(model: str, final_step: int | None) -> int | None:
    """`dpo-s0/checkpoint-16` -> 16; `dpo-s0/final` -> the run's last step."""
    step = checkpoint_step(model)
    return final_step if step is None else step


def training_figure(a: Analysis) -> Figure | None:
    if not a.training and not a.curves:
        return None
    fig = new_figure(FULL_WIDTH, 2.4)
    left, right = fig.subplots(1, 2)
    with matplotlib.rc_context(STYLE):
        for fam in TRAINING_FAMILIES:
            for key, style in (("h", "-"), ("h_p", "--")):
                steps, values = family_mean(a.training, fam, key)
                if steps:
                    left.plot(steps, values, style, color=colour(fam), label=f"{fam}: {key}")
        left.set(xlabel="training step", ylabel="training-batch margin", title="(a) h and h_p while training")
        if left.lines:
            left.legend(loc="upper left")
        last = {t["run"]: t["steps"] for t in a.training}
        for run in ("dpo-s0", "sr-dpo-s0"):
            by_step = {step_of(c["model"], last.get(run)): c for c in a.curves if c["model"].startswith(run + "/")}
            points = sorted((s, c) for s, c in by_step.items() if s is not None)  # one point per step
            fam = family_of(run)
            for key, style in (("acc_h_p", "--"), ("acc_h", "-")) if points else ():
                right.plot([s for s, _ in points], [100 * c[key] for _, c in points], style, marker="o",
                           color=colour(fam), label=f"{run}: acc({key[4:]})")
        right.set(xlabel="training step", ylabel="held-out pair accuracy (%)",
                  title="(b) h_p vs h ranking held-out pairs")
        if right.lines:
            right.legend(loc="lower right")
    return fig


def lambda_figure(a: Analysis) -> Figure | None:
    rows = {r["name"]: r for r in a.secondary}
    points = [(lam, a.models[final(run)]["A1"], rows.get(lambda_comparison(lam)))
              for lam, run in LAMBDA_GRID.items() if "A1" in a.models.get(final(run), {})]
    if not points:
        return None
    fig = new_figure(FULL_WIDTH / 2, 2.4)
    ax = fig.subplots()
    with matplotlib.rc_context(STYLE):
        dpo = a.models.get(final("dpo-s0"), {}).get("A1")
        xs, ys = [p[0] for p in points], [100 * p[1] for p in points]
        low, high = [], []  # error bars: dpo-s0's A1 plus the 95 % CI of the paired difference, where both are known
        for _, acc, row in points:
            known = row is not None and dpo is not None
            low.append(100 * (acc - dpo - row["ci95"][0]) if known else 0.0)
            high.append(100 * (dpo + row["ci95"][1] - acc) if known else 0.0)
        ax.errorbar(xs, ys, yerr=[low, high], marker="s", color=colour("sr-dpo"), capsize=2, label="sr-dpo (seed 0)")
        for model, label, fam, style in REFERENCES:
            acc = a.models.get(model, {}).get("A1")
            if acc is not None:
                ax.axhline(100 * acc, linestyle=style, color=colour(fam), linewidth=1.0, label=label)
        ax.set(xlabel="λ", ylabel="held-out accuracy A1 (%)", title="A1 against λ (seed 0)", xlim=(0, 1.1))
        ax.set_xticks(list(LAMBDA_GRID), [str(x) for x in LAMBDA_GRID])
        ax.legend(loc="best")
    return fig


FIGURES = {"science_training": training_figure, "science_lambda": lambda_figure}


def write_figures(a: Analysis, out_dir: str | Path) -> list[str]:
    """Draw and save (PNG and PDF) every figure that has records; their names, in FIGURES' order."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    names = []
    for name, draw in FIGURES.items():
        fig = draw(a)
        if fig is not None:
            save_figure(fig, out_dir, name)
            names.append(name)
    return names
