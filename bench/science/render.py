"""reports/science/README.md from the analysis of results/science/: one plain-words verdict line per claim first
(numbers and CIs), then the tables; secondary results are descriptive. Only the part between the two markers is
rewritten (the how-to-run text around it stays), and the verdicts are also written as tidy records."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.records import make_record, write_records
from bench.science import stats
from bench.science.claims import NOT_RUN, Analysis, Verdict
from bench.science.store import EXPERIMENT
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import atomic_write_text
from sr_train.artifacts.provenance import now_iso

START, END = "<!-- science results: start -->", "<!-- science results: end -->"
RAW_UNIT = {"C4"}  # differences of correlations; the others are accuracies, shown in percentage points


def number(claim: str, value: float, signed: bool = True) -> str:
    if claim in RAW_UNIT:
        return f"{value:+.3f}" if signed else f"{value:.3f}"
    return f"{100 * value:+.1f} pp" if signed else f"{100 * value:.1f} pp"


def ci(claim: str, low: float, high: float) -> str:
    return f"[{number(claim, low)}, {number(claim, high)}]"


def verdict_line(v: Verdict) -> str:
    """`- **C1: supported.** <statement>: δ = ..., decision CI ..., 95 % CI ...; n ..., d ..., MDD ...`"""
    head = f"- **{v.claim}: {v.status}.** {v.statement}"
    if v.estimate is None:
        return f"{head}" + (f" ({v.note})" if v.note else "")
    e, d = v.estimate, v.detail
    unit = "questions" if v.claim in ("C4", "C5") else "items"
    parts = [f"δ = {number(v.claim, e.value)}"]
    if v.claim == "C6":
        parts.append(f"95 % CI {ci(v.claim, e.ci95.low, e.ci95.high)} (non-inferiority margin −5 pp)")
    else:
        parts.append(f"{100 * e.decision.level:.2f} % CI {ci(v.claim, e.decision.low, e.decision.high)}")
        parts.append(f"95 % CI {ci(v.claim, e.ci95.low, e.ci95.high)}")
    tail = [f"n = {e.n} {unit}"]
    if "d" in d:
        tail.append(f"realised d = {d['d']:.3f}")
    if "mdd" in d:
        tail.append(f"MDD {number(v.claim, d['mdd'], signed=False)}")
    if v.claim == "C4":
        tail.append(f"ρ(Δ_π) = {d['rho_delta_pi']:.3f}, ρ(Δ) = {d['rho_naive']:.3f}")
    if v.claim == "C5":
        tail.append(f"acc(h_p) = {100 * d['acc_h_p']:.1f} %, acc(h) = {100 * d['acc_h']:.1f} %")
    if "a_mean" in d:
        tail.append(f"{100 * d['a_mean']:.1f} % vs {100 * d['b_mean']:.1f} %")
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


def fmt(value: Any, pct: bool = True) -> str:
    if value is None:
        return "–"
    return f"{100 * value:.1f}" if pct else f"{value:.3f}"


def tables(a: Analysis) -> list[str]:
    out = ["", "### Claims", "", "| claim | verdict | δ | decision CI | 95 % CI | n | realised d | MDD |",
           "| --- | --- | ---: | --- | --- | ---: | ---: | ---: |"]
    for v in a.verdicts:
        if v.estimate is None:
            out.append(f"| {v.claim} | {v.status} | – | – | – | – | – | – |")
            continue
        e, d = v.estimate, v.detail
        dec = "–" if v.claim == "C6" else ci(v.claim, e.decision.low, e.decision.high)
        mdd = number(v.claim, d["mdd"], signed=False) if "mdd" in d else "5 pp margin"
        realised = f"{d['d']:.3f}" if "d" in d else "–"
        out.append(f"| {v.claim} | {v.status} | {number(v.claim, e.value)} | {dec} | "
                   f"{ci(v.claim, e.ci95.low, e.ci95.high)} | {e.n} | {realised} | {mdd} |")
    out += ["", f"Decision CI: {100 * stats.DECISION_LEVEL:.2f} % (Bonferroni over six claims), percentile "
            f"bootstrap, {stats.N_BOOT:,} resamples, generator seed {stats.SEED}; C4 and C5 resample questions.",
            "", "### β* (A1 on the dev split, dpo seed 0)", ""]
    if a.dev_accuracy:
        out += ["| β | dev A1 (%) |", "| ---: | ---: |"]
        out += [f"| {b} | {fmt(acc)} |" for b, acc in sorted(a.dev_accuracy.items())]
        out += ["", a.tuned_note + "."]
    else:
        out.append(NOT_RUN + ".")
    out += ["", "### Secondary comparisons (descriptive, no verdict; 95 % CI)", ""]
    if a.secondary:
        out += ["| comparison | δ | 95 % CI | n | d |", "| --- | ---: | --- | ---: | ---: |"]
        for row in a.secondary:
            claim = "C4" if "spearman" in row["name"] or "pearson" in row["name"] else ""
            out.append(f"| {row['name']} | {number(claim, row['value'])} | {ci(claim, *row['ci95'])} | {row['n']} | "
                       f"{fmt(row['d'], pct=False)} |")
    else:
        out.append(NOT_RUN + ".")
    out += ["", "### Reward-model win rates vs the starting model (secondary, no verdict)", ""]
    out += win_rate_lines(a.win_rates)
    out += ["", "### Mechanism along training (seed 0, descriptive)", ""]
    if a.curves:
        out += ["| model | ρ(Δ_π, gap) | ρ(Δ, gap) | acc(h_p) % | acc(h) % |", "| --- | ---: | ---: | ---: | ---: |"]
        out += [f"| {c['model']} | {c['rho_delta_pi']:.3f} | {c['rho_naive']:.3f} | {fmt(c['acc_h_p'])} | "
                f"{fmt(c['acc_h'])} |" for c in a.curves]
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
        out += ["| model | " + " | ".join(cols) + " |", "| --- |" + " ---: |" * len(cols)]
        out += [f"| {label} | " + " | ".join(fmt(m.get(c)) for c in cols) + " |" for label, m in a.models.items()]
    else:
        out.append(NOT_RUN + ".")
    return out


def win_rate_lines(rows: list[dict[str, Any]]) -> list[str]:
    out = ["The Bradley-Terry reward model scores each model's greedy answer and the base's (`sr-bench science "
           "winrates`); an item (question, turn) is a win, tie or loss by the two scores; 95 % CIs by the judge's "
           "bootstrap over questions.", "",
           "| model | win % | 95 % CI | tie % | 95 % CI | lose % | n (items) | questions |",
           "| --- | ---: | --- | ---: | --- | ---: | ---: | ---: |"]
    for row in rows:
        if not row.get("rates"):
            out.append(f"| {row['model']} | {NOT_RUN} | – | – | – | – | – | – |")
            continue
        win, tie, lose = (row["rates"][m] for m in ("win", "tie", "lose"))
        out.append(f"| {row['model']} | {fmt(win['value'])} | {pct_ci(win['ci95'])} | {fmt(tie['value'])} | "
                   f"{pct_ci(tie['ci95'])} | {fmt(lose['value'])} | {row['n']} | {row['questions']} |")
    return out


def pct_ci(bounds: list[float]) -> str:
    return f"[{fmt(bounds[0])}, {fmt(bounds[1])}]"


def step_zero_lines(checks: list[dict[str, Any]], training: list[dict[str, Any]]) -> list[str]:
    out = step_one_lines(training)
    if not checks:
        return [NOT_RUN + "."] + ([""] + out if out else [])
    out = [*out, *([""] if out else []), "| model | pairs | max \\|Δ\\| = max \\|β·h\\| | max \\|Δ_π\\| = max \\|β·h_p\\| | exactly 0 |",
           "| --- | ---: | ---: | ---: | --- |"]
    out += [f"| {c['model']} | {c['pairs']} | {c['max_naive']:.3g} | {c['max_delta_pi']:.3g} | "
            f"{'yes' if c['exact_zero'] else '**no**'} |" for c in checks]
    return out


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
    return " → ".join(format(values[s], spec) for s in dict.fromkeys(steps)) if steps else "–"


def curve_lines(training: list[dict[str, Any]]) -> list[str]:
    if not training:
        return [NOT_RUN + "."]
    out = [f"Means over each logged step's batch; values at steps {', '.join(map(str, CURVE_POINTS))} and the last "
           "logged step. h_p is logged by runs with the p+x view only (sr-* with `refine: prompt`).", "",
           "| run | last step | h | h_p | reward accuracy % |", "| --- | ---: | --- | --- | --- |"]
    for t in training:
        acc = {s: 100 * v for s, v in t["accuracy"].items()}
        state = "" if t["finished"] else " (unfinished)"
        out.append(f"| {t['run']}{state} | {t['steps'] if t['steps'] is not None else '–'} | "
                   f"{_series(t['h'], t['steps'])} | {_series(t['h_p'], t['steps'])} | "
                   f"{_series(acc, t['steps'], '.0f')} |")
    return out


def wall_lines(wall: list[dict[str, Any]], training: list[dict[str, Any]]) -> list[str]:
    unfinished = [t["run"] for t in training if not t["finished"]]
    if not wall:
        return [NOT_RUN + (f" (unfinished: {', '.join(unfinished)})." if unfinished else ".")]
    out = ["Seconds from each trainer start (cached reference log-probs included; model loading and data preparation "
           "not) to the last logged step, summed over a run's starts; finished runs only.", "",
           "| family | runs | wall time (s, mean) | range (s) | s / step | tokens / s | × dpo |",
           "| --- | ---: | ---: | --- | ---: | ---: | ---: |"]
    out += [f"| {f['family']} | {f['runs']} | {f['seconds']:.1f} | {f['min']:.1f}–{f['max']:.1f} | "
            f"{f['per_step']:.2f} | {f['tokens_per_s']:.0f} | "
            f"{'–' if f['vs_dpo'] is None else format(f['vs_dpo'], '.2f')} |" for f in wall]
    if unfinished:
        out += ["", f"Unfinished (not in the table): {', '.join(unfinished)}."]
    return out


def figure_lines(figures: Sequence[str]) -> list[str]:
    """Links to the figures drawn by bench.science.figures (saved under figures/ beside the README)."""
    return [f"![{name}](figures/{name}.png)" for name in figures] or [NOT_RUN + "."]


def render(a: Analysis, stamp: str | None = None, figures: Sequence[str] = ()) -> str:
    """The generated block (between the markers)."""
    lines = [START, "", f"**Verdicts** (generated by `sr-bench science report` from `results/science/`, "
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
