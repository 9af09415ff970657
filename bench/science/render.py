"""reports/science/README.md from the analysis of results/science/: one plain-words verdict line per claim first
(numbers and CIs), then the tables; secondary results are descriptive. Only the part between the two markers is
rewritten (the how-to-run text around it stays), and the verdicts are also written as tidy records."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.records import make_record, write_records
from bench.report.fmt import DASH, ci, image, md_table, number, pct
from bench.science import stats
from bench.science.claims import NOT_RUN, Analysis, Verdict
from bench.science.store import EXPERIMENT
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import atomic_write_text
from sr_train.artifacts.provenance import now_iso

START, END = "<!-- science results: start -->", "<!-- science results: end -->"
RAW_UNIT = {"C4"}  # differences of correlations; the others are accuracies, shown in percentage points


def claim_number(claim: str, value: float, signed: bool = True) -> str:
    """A difference in the claim's unit: percentage points, or C4's raw correlation difference."""
    if claim in RAW_UNIT:
        return number(value, 3, signed)
    return f"{pct(value, 1, signed)} pp"


def claim_ci(claim: str, low: float, high: float) -> str:
    return ci(low, high, lambda v: claim_number(claim, v))


def verdict_line(v: Verdict) -> str:
    """`- **C1: supported.** <statement>: δ = ..., decision CI ..., 95 % CI ...; n ..., d ..., MDD ...`"""
    head = f"- **{v.claim}: {v.status}.** {v.statement}"
    if v.estimate is None:
        return f"{head}" + (f" ({v.note})" if v.note else "")
    e, d = v.estimate, v.detail
    unit = "questions" if v.claim in ("C4", "C5") else "items"
    parts = [f"δ = {claim_number(v.claim, e.value)}"]
    if v.claim == "C6":
        parts.append(f"95 % CI {claim_ci(v.claim, e.ci95.low, e.ci95.high)} (non-inferiority margin −5 pp)")
    else:
        parts.append(f"{pct(e.decision.level, 2)} % CI {claim_ci(v.claim, e.decision.low, e.decision.high)}")
        parts.append(f"95 % CI {claim_ci(v.claim, e.ci95.low, e.ci95.high)}")
    tail = [f"n = {e.n} {unit}"]
    if "d" in d:
        tail.append(f"realised d = {number(d['d'], 3)}")
    if "mdd" in d:
        tail.append(f"MDD {claim_number(v.claim, d['mdd'], signed=False)}")
    if v.claim == "C4":
        tail.append(f"ρ(Δ_π) = {number(d['rho_delta_pi'], 3)}, ρ(Δ) = {number(d['rho_naive'], 3)}")
    if v.claim == "C5":
        tail.append(f"acc(h_p) = {pct(d['acc_h_p'])} %, acc(h) = {pct(d['acc_h'])} %")
    if "a_mean" in d:
        tail.append(f"{pct(d['a_mean'])} % vs {pct(d['b_mean'])} %")
    note = f" {v.note}." if v.note else ""
    return f"{head}: {', '.join(parts)}; {', '.join(tail)}.{note}"


PLAIN_SUBJECT = {
    "C1": "Sr-DPO against DPO on held-out accuracy",
    "C2": "Sr-DPO against DPO with a dev-tuned β",
    "C3": "Sr-DPO against its naive ablation Δ = sg[β·h]",
    "C4": "Δ_π against the naive Δ as a tracker of the gold quality gap",
    "C5": "h_p against h as a ranker of held-out pairs",
    "C6": "Sr-DPO's WinoGrande accuracy against DPO's",
}


def plain_outcome(v: Verdict) -> str:
    """What a verdict means, in words: better / no better (or worse) / cannot tell; C6: no regression or not."""
    if v.estimate is None:
        return "not yet run"
    if v.claim == "C6":
        return {stats.SUPPORTED: "no regression beyond 5 pp, as claimed",
                stats.NOT_SUPPORTED: "a regression beyond 5 pp"}.get(v.status, "cannot tell at this size")
    if v.status == stats.SUPPORTED:
        return "better, as claimed"
    if v.status == stats.NOT_SUPPORTED:
        worse = v.estimate.decision.high < 0
        return "worse (its whole decision CI is below 0)" if worse else "no better (any gain is below the MDD)"
    return "cannot tell at this size"


def plain_summary(verdicts: list[Verdict]) -> str:
    """One sentence per claim in plain words, ahead of the numbers."""
    parts = [f"{v.claim}, {PLAIN_SUBJECT[v.claim]}: {plain_outcome(v)}" for v in verdicts]
    return "**In plain words** (SmolLM2-135M-Instruct, LoRA, graded SciQ pairs): " + "; ".join(parts) + "."


def claim_row(v: Verdict) -> list[str]:
    """A verdict's row of the claims table."""
    if v.estimate is None:
        return [v.claim, v.status, *[DASH] * 6]
    e, d = v.estimate, v.detail
    dec = DASH if v.claim == "C6" else claim_ci(v.claim, e.decision.low, e.decision.high)
    mdd = claim_number(v.claim, d["mdd"], signed=False) if "mdd" in d else "5 pp margin"
    return [v.claim, v.status, claim_number(v.claim, e.value), dec, claim_ci(v.claim, e.ci95.low, e.ci95.high),
            str(e.n), number(d.get("d"), 3), mdd]


def tables(a: Analysis) -> list[str]:
    out = ["", "### Claims", ""]
    out += md_table(["claim", "verdict", "δ", "decision CI", "95 % CI", "n", "realised d", "MDD"],
                    map(claim_row, a.verdicts), "llrllrrr")
    out += ["", f"Decision CI: {pct(stats.DECISION_LEVEL, 2)} % (Bonferroni over six claims), percentile "
            f"bootstrap, {stats.N_BOOT:,} resamples, generator seed {stats.SEED}; C4 and C5 resample questions.",
            "", "### β* (A1 on the dev split, dpo seed 0)", ""]
    if a.dev_accuracy:
        out += md_table(["β", "dev A1 (%)"], [[str(b), pct(acc)] for b, acc in sorted(a.dev_accuracy.items())], "rr")
        out += ["", a.tuned_note + "."]
    else:
        out.append(NOT_RUN + ".")
    out += ["", "### Secondary comparisons (descriptive, no verdict; 95 % CI)", ""]
    if a.secondary:
        out += md_table(["comparison", "δ", "95 % CI", "n", "d"], map(secondary_row, a.secondary), "lrlrr")
    else:
        out.append(NOT_RUN + ".")
    out += ["", "### Reward-model win rates vs the starting model (secondary, no verdict)", ""]
    out += win_rate_lines(a.win_rates)
    out += ["", "### Mechanism along training (seed 0, descriptive)", ""]
    if a.curves:
        out += md_table(["model", "ρ(Δ_π, gap)", "ρ(Δ, gap)", "acc(h_p) %", "acc(h) %"],
                        [[c["model"], number(c["rho_delta_pi"], 3), number(c["rho_naive"], 3), pct(c["acc_h_p"]),
                          pct(c["acc_h"])] for c in a.curves], "lrrrr")
    else:
        out.append(NOT_RUN + ".")
    out += ["", "### Step-0 check (each run's starting model against itself; registered: exactly 0)", ""]
    out += step_zero_lines(a.step_zero, a.training)
    out += ["", "### Training curves (training-batch h and h_p from metrics.jsonl, descriptive)", ""]
    out += curve_lines(a.training)
    out += ["", "### Wall time per family (Table 5 analogue, descriptive)", ""]
    out += wall_lines(a.wall, a.training)
    out += ["", "### Every evaluated model (means, %)", ""]
    if a.models:
        cols = ["A1", "A1 acc_norm", "A1 pairwise", "A1 dev", "A2", "A2 acc_norm", "A2 pairwise", "A3", "WinoGrande"]
        out += md_table(["model", *cols], [[label, *(pct(m.get(c)) for c in cols)] for label, m in a.models.items()],
                        "l" + "r" * len(cols))
    else:
        out.append(NOT_RUN + ".")
    return out


def secondary_row(row: dict[str, Any]) -> list[str]:
    """A secondary comparison's row: correlation differences raw, accuracy differences in pp."""
    claim = "C4" if "spearman" in row["name"] or "pearson" in row["name"] else ""
    return [row["name"], claim_number(claim, row["value"]), claim_ci(claim, *row["ci95"]), str(row["n"]),
            number(row["d"], 3)]


def win_rate_lines(rows: list[dict[str, Any]]) -> list[str]:
    out = ["The Bradley-Terry reward model scores each model's greedy answer and the base's (`sr-bench science "
           "winrates`); an item (question, turn) is a win, tie or loss by the two scores; 95 % CIs by the judge's "
           "bootstrap over questions.", ""]
    return out + md_table(["model", "win %", "95 % CI", "tie %", "95 % CI", "lose %", "n (items)", "questions"],
                          map(win_rate_row, rows), "lrlrlrrr")


def win_rate_row(row: dict[str, Any]) -> list[str]:
    """A judged model's win / tie / lose rates (%) with the CIs of win and tie; `not yet run` while unjudged."""
    if not row.get("rates"):
        return [row["model"], NOT_RUN, *[DASH] * 6]
    win, tie, lose = (row["rates"][m] for m in ("win", "tie", "lose"))
    return [row["model"], pct(win["value"]), ci(*win["ci95"]), pct(tie["value"]), ci(*tie["ci95"]),
            pct(lose["value"]), str(row["n"]), str(row["questions"])]


def step_zero_lines(checks: list[dict[str, Any]], training: list[dict[str, Any]]) -> list[str]:
    out = step_one_lines(training)
    if not checks:
        return [NOT_RUN + "."] + ([""] + out if out else [])
    columns = ["model", "pairs", "max \\|Δ\\| = max \\|β·h\\|", "max \\|Δ_π\\| = max \\|β·h_p\\|", "exactly 0"]
    rows = [[c["model"], str(c["pairs"]), f"{c['max_naive']:.3g}", f"{c['max_delta_pi']:.3g}",
             "yes" if c["exact_zero"] else "**no**"] for c in checks]
    return [*out, *([""] if out else []), *md_table(columns, rows, "lrrrl")]


def step_one_lines(training: list[dict[str, Any]]) -> list[str]:
    """The training log's own view of step 0: step 1's batch is scored before any update (policy = reference)."""
    first = [(t["run"], t["h"][1]) for t in training if 1 in t["h"]]
    if not first:
        return []
    zero = sum(h == 0.0 for _, h in first)
    return [f"Training batch at step 1 (scored before the first update, so π = π_ref; `refine/marginal` in "
            f"metrics.jsonl): h exactly 0 in {zero} of {len(first)} runs; "
            + ", ".join(f"{run} {h:.3g}" for run, h in first) + "."]


CURVE_POINTS = (1, 16, 32)  # and each run's last logged step


def _series(values: dict[int, float], last: int | None, spec: str = ".2f") -> str:
    steps = [s for s in (*CURVE_POINTS, last) if s is not None and s in values]
    return " → ".join(format(values[s], spec) for s in dict.fromkeys(steps)) if steps else DASH


def curve_lines(training: list[dict[str, Any]]) -> list[str]:
    if not training:
        return [NOT_RUN + "."]
    out = [f"Means over each logged step's batch; values at steps {', '.join(map(str, CURVE_POINTS))} and the last "
           "logged step. h_p is logged by runs with the p+x view only (sr-* with `refine: prompt`).", ""]
    return out + md_table(["run", "last step", "h", "h_p", "reward accuracy %"], map(curve_row, training), "lrlll")


def curve_row(t: dict[str, Any]) -> list[str]:
    """A run's training-batch h, h_p and reward accuracy (%) at CURVE_POINTS and its last step."""
    acc = {s: 100 * v for s, v in t["accuracy"].items()}
    state = "" if t["finished"] else " (unfinished)"
    return [f"{t['run']}{state}", DASH if t["steps"] is None else str(t["steps"]), _series(t["h"], t["steps"]),
            _series(t["h_p"], t["steps"]), _series(acc, t["steps"], ".0f")]


def wall_lines(wall: list[dict[str, Any]], training: list[dict[str, Any]]) -> list[str]:
    unfinished = [t["run"] for t in training if not t["finished"]]
    if not wall:
        return [NOT_RUN + (f" (unfinished: {', '.join(unfinished)})." if unfinished else ".")]
    out = ["Seconds from each trainer start (cached reference log-probs included; model loading and data preparation "
           "not) to the last logged step, summed over a run's starts; finished runs only.", ""]
    out += md_table(["family", "runs", "wall time (s, mean)", "range (s)", "s / step", "tokens / s", "× dpo"],
                    [[f["family"], str(f["runs"]), number(f["seconds"], 1), f"{number(f['min'], 1)}–{number(f['max'], 1)}",
                      number(f["per_step"]), number(f["tokens_per_s"], 0), number(f["vs_dpo"])] for f in wall],
                    "lrrlrrr")
    if unfinished:
        out += ["", f"Unfinished (not in the table): {', '.join(unfinished)}."]
    return out


def figure_lines(figures: Sequence[str]) -> list[str]:
    """Links to the figures drawn by bench.science.figures (saved under figures/ beside the README)."""
    return [image(name, f"figures/{name}.png") for name in figures] or [NOT_RUN + "."]


def render(a: Analysis, stamp: str | None = None, figures: Sequence[str] = ()) -> str:
    """The generated block (between the markers)."""
    lines = [START, "", f"**Verdicts** (generated by `sr-bench science report` from `{a.root}/`, "
             f"{stamp or now_iso()}; rules of [PREREGISTRATION.md](PREREGISTRATION.md)):", ""]
    lines += [plain_summary(a.verdicts), ""]
    lines += [verdict_line(v) for v in a.verdicts]
    lines += ["", "Threat to validity: LoRA fine-tunes of a 135M model on CPU; results need not transfer to full "
              "fine-tuning or larger models."]
    lines += tables(a)
    lines += ["", "### Figures (training curves, the Fig. 1 analogue; the λ curve)", "", *figure_lines(figures)]
    return "\n".join(lines + ["", END])


def write_report(a: Analysis, readme: str | Path, stamp: str | None = None, figures: Sequence[str] = ()) -> Path:
    """Replace the generated block of `readme` (which must hold both markers)."""
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    if START not in text or END not in text or text.index(START) > text.index(END):
        raise UserError(f"{readme}: needs the markers {START} and {END} (the generated block goes between them)")
    head, rest = text.split(START, 1)
    atomic_write_text(readme, head + render(a, stamp, figures) + rest.split(END, 1)[1])
    return readme


def verdict_records(a: Analysis) -> list[dict[str, Any]]:
    """One tidy record per decided claim: value δ, the decision CI (95 % for C6), verdict and details in extra."""
    out = []
    for v in a.verdicts:
        if v.estimate is None:
            continue
        e = v.estimate
        low, high = (e.ci95.low, e.ci95.high) if v.claim == "C6" else (e.decision.low, e.decision.high)
        out.append(make_record(EXPERIMENT, "science", v.claim, "delta", e.value, n=e.n, ci_low=low, ci_high=high,
                               extra={**v.as_dict(), "estimate": e.as_dict()}))
    return out


def write_verdicts(a: Analysis, path: str | Path) -> Path:
    return write_records(path, verdict_records(a))
