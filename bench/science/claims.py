"""Claims C1-C6 from the per-item records under results/science/: the registered comparisons, their bootstrap
CIs and verdicts, and the secondary (descriptive) comparisons. A claim whose records are missing is `not yet run`.

Which runs each claim compares is the config's (bench.science.design: configs/science.yaml's `analysis:` section);
a model is `<run>/final`. The dev-tuned DPO family takes its first seed from the beta grid's best dev accuracy (ties:
the smaller beta) and the others from the `tuned` family (the dpo family when β* is the dpo family's own β).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.science import stats
from bench.science.design import Design, load_design
from bench.science.store import StoreError, read_results

TEST, DEV, TRANSFER, EXACT, MARGINS, WINOGRANDE = ("sciq_test", "sciq_dev", "obqa_transfer", "sciq_test_em",
                                                   "heldout_margins", "winogrande_items")
TRAINING = "training"  # bench.science.training: per-step curves and wall time of each run
WINRATE = "winrate"  # bench.pipeline.science_winrates: reward-model win rates of each run vs the base
WINRATE_METRICS = ("win", "tie", "lose")
H, H_P, REWARD_ACC, WALL = "refine/marginal", "refine/margin_aug", "rewards/accuracies", "wall_seconds"
STEP_ZERO = "step-0"  # models.step_zero: a run's starting model under its settings


def lambda_comparison(lam: float) -> str:
    """The secondary row of the λ curve's point `lam`: its seed-0 run against dpo-s0 on A1."""
    return f"sr-dpo λ{lam} − dpo (A1, seed 0)"


def seed0_comparisons(d: Design) -> list[tuple[str, str, str]]:
    """(name, run a, run b): the registered single-seed secondary comparisons on A1 (the λ curve against dpo's
    first seed, the [1,10] prompt, ODPO with gold margins)."""
    dpo, sr = d.run("dpo"), d.run("sr")
    return [*((lambda_comparison(lam), run, dpo) for lam, run in d.lambda_grid.items()),
            ("sr-dpo [1,10] prompt − paper's prompt (A1, seed 0)", d.prompt_ablation, sr),
            ("odpo gold margins − dpo (A1, seed 0)", d.gold_margins, dpo),
            ("sr-dpo − odpo gold margins (A1, seed 0)", sr, d.gold_margins)]


MDD = {"C1": 0.049, "C2": 0.049, "C3": 0.049, "C4": 0.10, "C5": 0.05}
NONINFERIORITY = 0.05
NOT_RUN = "not yet run"
STATEMENTS = {
    "C1": "Sr-DPO (λ 0.5) beats DPO (β 0.1) on held-out accuracy A1",
    "C2": "Sr-DPO (λ 0.5) beats DPO at the dev-tuned β* on A1",
    "C3": "Sr-DPO beats its naive ablation Δ = sg[β·h] on A1",
    "C4": "Δ_π = β·h_p tracks the gold gap better than naive Δ = β·h (Spearman ρ, sr-dpo models)",
    "C5": "h_p ranks held-out pairs better than h (pair accuracy, dpo models)",
    "C6": "Sr-DPO does not regress on WinoGrande (non-inferiority, margin 5 pp)",
}


class Results:
    """Per-item values by task and model label, read from <results>/<task>/*.jsonl, and the design that says which
    runs the claims compare (default: configs/science.yaml's, read from the working folder)."""

    def __init__(self, root: str | Path, design: Design | None = None):
        self.root = Path(root)
        self.design = design or load_design()
        self.records: dict[str, dict[str, list[dict]]] = {}
        for task in (TEST, DEV, TRANSFER, EXACT, MARGINS, WINOGRANDE, TRAINING):
            folder = self.root / task
            files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
            by_label: dict[str, list[dict]] = {}
            for f in files:
                for r in read_results(f):
                    by_label.setdefault(r["run"], []).append(r)
            self.records[task] = by_label

    def has(self, task: str, label: str) -> bool:
        return bool(self.records[task].get(label))

    def values(self, task: str, label: str, field_: str = "value") -> dict[str, float]:
        """item -> value (or an `extra` field) of one model on one task."""
        rows = self.records[task].get(label, [])
        return {r["extra"]["item"]: float(r[field_] if field_ == "value" else r["extra"][field_]) for r in rows}

    def beta_of(self, task: str, label: str) -> float | None:
        rows = self.records[task].get(label)
        return rows[0].get("beta") if rows else None


def final(run: str) -> str:
    return f"{run}/final"


def finals(runs: Iterable[str]) -> list[str]:
    """The runs' final models."""
    return [final(run) for run in runs]


@dataclass
class Verdict:
    claim: str
    statement: str
    status: str
    estimate: stats.Estimate | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"claim": self.claim, "statement": self.statement, "status": self.status, "note": self.note,
                "estimate": self.estimate.as_dict() if self.estimate else None, "detail": self.detail}


# -- paired comparisons of per-item scores -----------------------------------------------------------------
def missing(res: Results, task: str, labels: list[str]) -> list[str]:
    return [label for label in labels if not res.has(task, label)]


def paired(res: Results, task: str, a: list[str], b: list[str], field_: str = "value",
           decision_level: float = stats.DECISION_LEVEL) -> tuple[stats.Estimate, dict[str, Any]]:
    """Mean over items of (a's seed mean - b's seed mean), bootstrap over items; d = share of (item, seed index)
    cells on which the two sides' scores differ."""
    va = [res.values(task, label, field_) for label in a]
    vb = [res.values(task, label, field_) for label in b]
    items = sorted(va[0])
    for label, v in zip(a + b, va + vb):
        if sorted(v) != items:
            raise StoreError(f"{task}: {label} was scored on other items than {a[0]} ({len(v)} vs {len(items)}); "
                             "every model must be scored on the same items")
    ma = np.array([[v[i] for i in items] for v in va])
    mb = np.array([[v[i] for i in items] for v in vb])
    est = stats.bootstrap_mean(ma.mean(0) - mb.mean(0), decision_level=decision_level)
    k = min(len(ma), len(mb))
    d = float((ma[:k] != mb[:k]).mean())
    return est, {"a_mean": float(ma.mean()), "b_mean": float(mb.mean()), "d": d, "seeds": [len(ma), len(mb)],
                 "mdd_at_d": stats.mdd(d, len(items)) if d > 0 else 0.0}


def accuracy_claim(res: Results, claim: str, a: list[str], b: list[str] | None, why_missing: str = "") -> Verdict:
    if b is None:
        return Verdict(claim, STATEMENTS[claim], NOT_RUN, note=why_missing)
    if lacking := missing(res, TEST, a + b):
        return Verdict(claim, STATEMENTS[claim], NOT_RUN, note=f"no A1 records for {', '.join(lacking)}")
    est, detail = paired(res, TEST, a, b)
    return Verdict(claim, STATEMENTS[claim], stats.decide(est.decision, MDD[claim]), est,
                   {**detail, "mdd": MDD[claim], "a": a, "b": b})


# -- beta* ---------------------------------------------------------------------------------------------------
def beta_star(res: Results) -> tuple[float | None, dict[float, float]]:
    """The grid's best dev A1 accuracy (ties: the smaller beta); None until every grid run has dev records."""
    grid = res.design.beta_grid
    accs = {beta: float(np.mean(list(res.values(DEV, final(run)).values())))
            for beta, run in grid.items() if res.has(DEV, final(run))}
    if len(accs) < len(grid):
        return None, accs
    best = max(accs.values())
    return min(b for b, acc in accs.items() if acc == best), accs


def tuned_family(res: Results) -> tuple[list[str] | None, str]:
    """The dev-tuned DPO family's final models (one per seed), or None and why."""
    d = res.design
    star, accs = beta_star(res)
    if star is None:
        lacking = [run for beta, run in d.beta_grid.items() if beta not in accs]
        return None, f"β* unknown: no dev (sciq_dev) A1 records for {', '.join(lacking)}"
    if d.beta_grid[star] == d.run("dpo"):
        return finals(d.runs("dpo")), f"β* = {star}: the dpo family (C2 coincides with C1)"
    labels = [final(d.beta_grid[star]), *finals(d.runs("tuned"))]
    for label in labels[1:]:
        beta = res.beta_of(TEST, label)
        if beta is not None and abs(beta - star) > 1e-12:
            raise StoreError(f"{label}: trained with beta {beta}, but β* = {star} (reports/science/README.md step 3)")
    return labels, f"β* = {star}"


# -- the mechanism -------------------------------------------------------------------------------------------
def margin_arrays(res: Results, labels: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(beta*h_p, beta*h) per seed (rows), gold gaps and question ids of the pairs, aligned by pair id."""
    rows = [{r["extra"]["item"]: r for r in res.records[MARGINS][label]} for label in labels]
    pairs = list(rows[0])
    for label, r in zip(labels, rows):
        if set(r) != set(pairs):
            raise StoreError(f"{MARGINS}: {label} holds other pairs than {labels[0]}")
    dp = np.array([[r[p]["extra"]["beta"] * r[p]["extra"]["h_p"] for p in pairs] for r in rows])
    dn = np.array([[r[p]["extra"]["beta"] * r[p]["value"] for p in pairs] for r in rows])
    gap = np.array([rows[0][p]["extra"]["gap"] for p in pairs])
    return dp, dn, gap, [rows[0][p]["extra"]["question_id"] for p in pairs]


def correlation_claim(res: Results, labels: list[str], method: str = "spearman",
                      claim: str = "C4") -> Verdict:
    if lacking := missing(res, MARGINS, labels):
        return Verdict(claim, STATEMENTS[claim], NOT_RUN, note=f"no margin records for {', '.join(lacking)}")
    dp, dn, gap, questions = margin_arrays(res, labels)
    est, sides = stats.bootstrap_correlation_difference(dp, dn, gap, questions, method)
    detail = {"rho_delta_pi": sides["a"], "rho_naive": sides["b"], "pairs": len(gap), "mdd": MDD["C4"],
              "corr_delta_pi_naive": float(np.mean([stats.pearson(a, b) for a, b in zip(dp, dn)])),
              "method": method, "models": labels}
    return Verdict(claim, STATEMENTS[claim], stats.decide(est.decision, MDD["C4"]), est, detail)


def pair_accuracy_claim(res: Results, labels: list[str], claim: str = "C5") -> Verdict:
    if lacking := missing(res, MARGINS, labels):
        return Verdict(claim, STATEMENTS[claim], NOT_RUN, note=f"no margin records for {', '.join(lacking)}")
    dp, dn, _, questions = margin_arrays(res, labels)
    hp, h = (dp > 0).astype(float), (dn > 0).astype(float)
    est = stats.bootstrap_cluster_mean((hp - h).mean(0), questions)
    detail = {"acc_h_p": float(hp.mean()), "acc_h": float(h.mean()), "d": float((hp != h).mean()),
              "pairs": hp.shape[1], "mdd": MDD["C5"], "models": labels}
    return Verdict(claim, STATEMENTS[claim], stats.decide(est.decision, MDD["C5"]), est, detail)


def noninferiority_claim(res: Results) -> Verdict:
    a, b = finals(res.design.runs("sr")), finals(res.design.runs("dpo"))
    if lacking := missing(res, WINOGRANDE, a + b):
        return Verdict("C6", STATEMENTS["C6"], NOT_RUN, note=f"no per-item WinoGrande records for "
                       f"{', '.join(lacking)}")
    est, detail = paired(res, WINOGRANDE, a, b)
    return Verdict("C6", STATEMENTS["C6"], stats.decide_noninferior(est.ci95, NONINFERIORITY), est,
                   {**detail, "margin": NONINFERIORITY, "a": a, "b": b})


# -- everything ----------------------------------------------------------------------------------------------
@dataclass
class Analysis:
    verdicts: list[Verdict]
    beta_star: float | None
    dev_accuracy: dict[float, float]
    tuned_note: str
    models: dict[str, dict[str, float]]
    """label -> {metric: mean} over every task's records (the descriptive table)."""
    secondary: list[dict[str, Any]]
    design: Design
    """Which runs were compared (the figures read their runs from it too)."""
    root: str
    """The results folder the records were read from."""
    curves: list[dict[str, Any]] = field(default_factory=list)
    """The mechanism along training (mechanism_curves)."""
    step_zero: list[dict[str, Any]] = field(default_factory=list)
    """The step-0 check per run (step_zero_checks)."""
    training: list[dict[str, Any]] = field(default_factory=list)
    """Training-batch curves and wall time per run (training_runs)."""
    wall: list[dict[str, Any]] = field(default_factory=list)
    """Wall time per family of finished runs (wall_by_family)."""
    win_rates: list[dict[str, Any]] = field(default_factory=list)
    """Reward-model win rates vs the base per judged model (win_rates)."""


def model_table(res: Results) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for task, name in ((TEST, "A1"), (DEV, "A1 dev"), (TRANSFER, "A2"), (EXACT, "A3"), (WINOGRANDE, "WinoGrande")):
        for label, rows in res.records[task].items():
            table.setdefault(label, {})[name] = float(np.mean([r["value"] for r in rows]))
            if task in (TEST, TRANSFER):  # the registered secondary forms of A1 and A2
                for extra in ("acc_norm", "pairwise"):
                    table[label][f"{name} {extra}"] = float(np.mean([r["extra"][extra] for r in rows]))
    return dict(sorted(table.items()))


def descriptive(res: Results, name: str, task: str, a: list[str], b: list[str],
                field_: str = "value") -> dict[str, Any] | None:
    """A secondary paired comparison (95 % CI only, no verdict); None while records are missing."""
    if missing(res, task, a + b):
        return None
    est, detail = paired(res, task, a, b, field_)
    return {"name": name, "task": task, "value": est.value, "ci95": [est.ci95.low, est.ci95.high], "n": est.n,
            "d": detail["d"]}


def analyse(root: str | Path, design: Design | None = None) -> Analysis:
    """Every verdict and descriptive result from the records under `root`; `design` as Results'."""
    res = Results(root, design)
    d = res.design
    tuned, tuned_note = tuned_family(res)
    sr, dpo, naive = (finals(d.runs(role)) for role in ("sr", "dpo", "naive"))
    verdicts = [accuracy_claim(res, "C1", sr, dpo), accuracy_claim(res, "C2", sr, tuned, tuned_note),
                accuracy_claim(res, "C3", sr, naive), correlation_claim(res, sr), pair_accuracy_claim(res, dpo),
                noninferiority_claim(res)]
    comparisons: list[tuple[str, Callable[[], dict | None]]] = [
        ("sr-ipo − ipo (A1)", lambda: descriptive(res, "sr-ipo − ipo (A1)", TEST, finals(d.runs("sr_ipo")),
                                                  finals(d.runs("ipo")))),
    ]
    for task, metric in ((TRANSFER, "A2"), (EXACT, "A3")):
        for other, label in ((dpo, "dpo"), (tuned, "dpo β*"), (naive, "naive")):
            if other is not None:
                name = f"sr-dpo − {label} ({metric})"
                comparisons.append((name, lambda t=task, o=other, n=name: descriptive(res, n, t, sr, o)))
    for name, run_a, run_b in seed0_comparisons(d):
        comparisons.append((name, lambda n=name, x=run_a, y=run_b: descriptive(res, n, TEST, [final(x)], [final(y)])))
    for task, short in ((TEST, "A1"), (TRANSFER, "A2")):
        for metric in ("acc_norm", "pairwise"):
            name = f"sr-dpo − dpo ({short} {metric})"
            comparisons.append((name, lambda t=task, m=metric, n=name: descriptive(res, n, t, sr, dpo, m)))
    secondary = [row for _, make in comparisons if (row := make()) is not None]
    for extra in (correlation_claim(res, sr, "pearson"), correlation_claim(res, dpo),
                  pair_accuracy_claim(res, sr)):
        if extra.estimate is not None:
            secondary.append({"name": f"{extra.claim} ({extra.detail.get('method', 'pair accuracy')}, "
                                      f"{extra.detail['models'][0].split('-s0')[0]})",
                              "task": MARGINS, "value": extra.estimate.value,
                              "ci95": [extra.estimate.ci95.low, extra.estimate.ci95.high], "n": extra.estimate.n,
                              "d": extra.detail.get("d")})
    star, accs = beta_star(res)
    training = training_runs(res)
    return Analysis(verdicts, star, accs, tuned_note, model_table(res), secondary, d, str(root), curves=mechanism_curves(res),
                    step_zero=step_zero_checks(res), training=training, wall=wall_by_family(training),
                    win_rates=win_rates(root, finals(d.winrates)))


def win_rates(root: str | Path, registered: list[str]) -> list[dict[str, Any]]:
    """Per model judged against the base (records of <root>/winrate/, bench.pipeline.science_winrates): its win / tie / lose
    rates with the judge's 95 % CIs, judged items and questions; the `registered` models first, without `rates` while
    not yet judged."""
    folder = Path(root) / WINRATE
    found: dict[str, dict[str, Any]] = {}
    for f in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        for r in read_results(f):
            if r["metric"] in WINRATE_METRICS and r.get("extra", {}).get("opponent") == "base":
                row = found.setdefault(r["method"], {"model": r["method"], "rates": {}})
                row["rates"][r["metric"]] = {"value": r["value"], "ci95": [r["ci_low"], r["ci_high"]]}
                row.update(n=r["n"], questions=r["extra"]["n_questions"])
    return [found.get(m, {"model": m}) for m in registered] + [
        row for m, row in sorted(found.items()) if m not in registered]


def mechanism_curves(res: Results) -> list[dict[str, Any]]:
    """The mechanism along training for the design's curve runs (its checkpoints and final), descriptive."""
    out = []
    d = res.design
    for run in d.curves:
        for point in (*(f"checkpoint-{step}" for step in d.checkpoints), "final"):
            label = f"{run}/{point}"
            if not res.has(MARGINS, label):
                continue
            dp, dn, gap, _ = margin_arrays(res, [label])
            out.append({"model": label, "rho_delta_pi": stats.spearman(dp[0], gap),
                        "rho_naive": stats.spearman(dn[0], gap), "acc_h_p": float((dp > 0).mean()),
                        "acc_h": float((dn > 0).mean())})
    return out


def step_zero_checks(res: Results) -> list[dict[str, Any]]:
    """The registered step-0 check: each run's starting model against itself (`<run>/step-0` margin records);
    max |Δ| = max |β·h| and max |Δ_π| = max |β·h_p| over the pairs must both be exactly 0."""
    out = []
    for label, rows in sorted(res.records[MARGINS].items()):
        if label.rsplit("/", 1)[-1] != STEP_ZERO:
            continue
        naive = max(abs(r["extra"]["beta"] * r["value"]) for r in rows)
        prompted = max(abs(r["extra"]["beta"] * r["extra"]["h_p"]) for r in rows)
        out.append({"model": label, "pairs": len(rows), "max_naive": naive, "max_delta_pi": prompted,
                    "exact_zero": naive == 0.0 and prompted == 0.0})
    return out


def family_of(run: str) -> str:
    """`sr-dpo-s1` -> `sr-dpo`: the run name without its seed."""
    return re.sub(r"-s\d+$", "", run)


def training_runs(res: Results) -> list[dict[str, Any]]:
    """Per run: training-batch h, h_p and reward accuracy by step, and its wall-time record's facts."""
    out = []
    for run, rows in sorted(res.records[TRAINING].items()):
        series: dict[str, dict[int, float]] = {}
        wall = None
        for r in rows:
            if r["metric"] == WALL:
                wall = r
            else:
                series.setdefault(r["metric"], {})[r["step"]] = r["value"]
        extra = wall["extra"] if wall else {}
        out.append({"run": run, "family": family_of(run), "h": series.get(H, {}), "h_p": series.get(H_P, {}),
                    "accuracy": series.get(REWARD_ACC, {}), "steps": wall["step"] if wall else None,
                    "finished": bool(extra.get("finished")), "seconds": wall["value"] if wall else None,
                    "starts": extra.get("starts"), "tokens_per_s": extra.get("tokens_per_s")})
    return out


def wall_by_family(training: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean wall time (and its range, seconds per step, tokens/s) over each family's finished runs; the ratio to
    dpo's mean when dpo has finished runs."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for t in training:
        if t["finished"] and t["seconds"]:
            groups.setdefault(t["family"], []).append(t)
    out = []
    for name, runs in groups.items():
        secs = [t["seconds"] for t in runs]
        out.append({"family": name, "runs": len(runs), "seconds": float(np.mean(secs)), "min": min(secs),
                    "max": max(secs), "per_step": float(np.mean([t["seconds"] / t["steps"] for t in runs])),
                    "tokens_per_s": float(np.mean([t["tokens_per_s"] for t in runs]))})
    dpo = next((f["seconds"] for f in out if f["family"] == "dpo"), None)
    for f in out:
        f["vs_dpo"] = f["seconds"] / dpo if dpo else None
    return sorted(out, key=lambda f: f["family"])
