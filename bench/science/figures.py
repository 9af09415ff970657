"""The science report's figures, drawn from the analysis of results/science/ (no other input):

- `science_training` (the paper's Fig. 1 analogue): (a) training-batch h and h_p by step, mean over the runs of
  each of the dpo, sr and naive families; (b) held-out pair accuracy of h_p and h along training for the design's
  curve runs (the seed-0 dpo and sr-dpo models).
- `science_lambda`: held-out accuracy A1 against λ (seed 0), each point with the 95 % CI of its paired difference
  to dpo-s0, beside the seed-0 references (dpo, naive Δ, ODPO with gold margins) and the starting model.

The runs are the analysis's design (configs/science.yaml's `analysis:` section).

A figure whose records are all missing is not drawn (None); bench.report.style gives the look and the bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from bench.report.style import (
    FULL_WIDTH,
    HALF_WIDTH,
    ROW_HEIGHT,
    colour,
    new_axes,
    new_figure,
    save_figure,
    styled,
)
from bench.science.claims import Analysis, family_of, final, lambda_comparison
from bench.science.design import Design
from sr_train.artifacts.runs import checkpoint_step

TRAINING_ROLES = ("dpo", "sr", "naive")  # the families of panel (a), by their role in the design


def references(d: Design) -> list[tuple[str, str, str, str]]:
    """(model label, legend, colour's family, line style): the horizontal lines of the λ figure."""
    return [(final(d.run("dpo")), "dpo (β 0.1)", d.families["dpo"], "-"),
            (final(d.run("naive")), "naive Δ (λ 0.5)", d.families["naive"], "--"),
            (final(d.gold_margins), "odpo, gold margins", "odpo", "-."), ("base", "starting model", "base", ":")]


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
    fig = new_figure(FULL_WIDTH, ROW_HEIGHT)
    left, right = fig.subplots(1, 2)
    with styled():
        for fam in (a.design.families[role] for role in TRAINING_ROLES):
            for key, style in (("h", "-"), ("h_p", "--")):
                steps, values = family_mean(a.training, fam, key)
                if steps:
                    left.plot(steps, values, style, color=colour(fam), label=f"{fam}: {key}")
        left.set(xlabel="training step", ylabel="training-batch margin", title="(a) h and h_p while training")
        if left.lines:
            left.legend(loc="upper left")
        last = {t["run"]: t["steps"] for t in a.training}
        for run in a.design.curves:
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
    grid = a.design.lambda_grid
    points = [(lam, a.models[final(run)]["A1"], rows.get(lambda_comparison(lam)))
              for lam, run in grid.items() if "A1" in a.models.get(final(run), {})]
    if not points:
        return None
    fig, ax = new_axes(HALF_WIDTH)
    with styled():
        dpo = a.models.get(final(a.design.run("dpo")), {}).get("A1")
        xs, ys = [p[0] for p in points], [100 * p[1] for p in points]
        low, high = [], []  # error bars: dpo-s0's A1 plus the 95 % CI of the paired difference, where both are known
        for _, acc, row in points:
            known = row is not None and dpo is not None
            low.append(100 * (acc - dpo - row["ci95"][0]) if known else 0.0)
            high.append(100 * (dpo + row["ci95"][1] - acc) if known else 0.0)
        ax.errorbar(xs, ys, yerr=[low, high], marker="s", color=colour("sr-dpo"), capsize=2, label="sr-dpo (seed 0)")
        for model, label, fam, style in references(a.design):
            acc = a.models.get(model, {}).get("A1")
            if acc is not None:
                ax.axhline(100 * acc, linestyle=style, color=colour(fam), linewidth=1.0, label=label)
        ax.set(xlabel="λ", ylabel="held-out accuracy A1 (%)", title="A1 against λ (seed 0)", xlim=(0, 1.1))
        ax.set_xticks(list(grid), [str(x) for x in grid])
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
