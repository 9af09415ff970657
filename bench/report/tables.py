"""The paper's Tables 2-5 rebuilt from records, ours beside the paper's, in Markdown and LaTeX.

Rows come in pairs: the paper's printed value (with its own significance marks and our flags for printed
inconsistencies, marked †) and ours (final checkpoint of each run; mean ± sample std over seeds; * = Welch
t-test p < 0.05 against the method's baseline when both have at least 2 seeds). Rates are in percent.
Output depends only on the records (sorted, no timestamps), so the same records give the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bench.leaderboard.tasks import AVERAGE, LABELS, TASK_ORDER
from bench.report.fmt import EM_DASH, document, md_row, md_rule, number, plus_minus
from bench.report.paper_numbers import TABLE2, VARIANT_LABELS
from bench.report.seeds import Stat, stat, welch_p
from bench.report.selection import (
    BASELINE,
    START_METHODS,
    Setting,
    experiments,
    extra,
    final_checkpoints,
    group,
    method_key,
    method_label,
    opponent,
    ours,
    ours_label,
    paper,
    pct,
    setting,
    setting_label,
    settings_key,
    variant,
    winrate_task_label,
)

WTL = ("win", "tie", "lose")
CORRELATIONS = ("pearson", "spearman", "kendall")
DAGGER = "†"
PARTIAL = "‡"  # an average over only some of the leaderboard tasks (the note names them)
ALPHA = 0.05
TTEST_NOTE = (f"* ours: Welch t-test p < {ALPHA} against the method's baseline (Sr-DPO vs DPO, Sr-IPO vs IPO, "
              "margin baselines vs DPO), both with at least 2 seeds; paper rows show the paper's own marks.")
OURS_NOTE = "Ours: the last checkpoint of each run; mean ± sample std over seeds (one value when one seed)."


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    label_columns: int = 2

    @property
    def align(self) -> str:
        """The label columns left-aligned (l), the numbers right-aligned (r)."""
        return "l" * self.label_columns + "r" * (len(self.columns) - self.label_columns)

    def markdown(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("*", "\\*")

        lines = [f"**{self.title}**", "", md_row(map(cell, self.columns)), md_rule(self.align)]
        lines += [md_row(map(cell, row)) for row in self.rows]
        if self.notes:
            lines += [""] + [f"- {cell(n)}" for n in self.notes]
        return document(lines)

    def latex(self) -> str:
        spec = self.align
        lines = ["\\begin{table}[t]", "\\centering", "\\small", f"\\caption{{{latex_escape(self.title)}}}",
                 f"\\label{{tab:{self.name}}}", f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
                 " & ".join(latex_escape(c) for c in self.columns) + " \\\\", "\\midrule"]
        previous = None
        for row in self.rows:
            if previous is not None and row[0] and row[0] != previous:
                lines.append("\\midrule")
            previous = row[0] or previous
            lines.append(" & ".join(latex_escape(c) for c in row) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}"]
        if self.notes:
            lines += ["\\par\\smallskip\\footnotesize"] + [latex_escape(n) + "\\par" for n in self.notes]
        lines.append("\\end{table}")
        return "\n".join(lines) + "\n"


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
          "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "±": r"$\pm$", "*": r"$^{*}$",
          DAGGER: r"$^{\dagger}$", PARTIAL: r"$^{\ddagger}$", "λ": r"$\lambda$", "Δ": r"$\Delta$", "β": r"$\beta$", "·": r"$\cdot$",
          "≥": r"$\geq$", "×": r"$\times$", "−": "-", "—": "---", "⊕": r"$\oplus$", "≈": r"$\approx$",
          "∈": r"$\in$", "<": r"$<$", ">": r"$>$"}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in _LATEX))


def latex_escape(text: str) -> str:
    return _LATEX_RE.sub(lambda m: _LATEX[m.group(0)], text)


def fmt_stat(s: Stat, digits: int = 2, mark: str = "") -> str:
    """Ours over seeds: `mean±std` (the mean alone for one seed), then the mark."""
    return plus_minus(s.mean, s.std, digits) + mark


def paper_cell(rec: dict | None, digits: int = 2) -> str:
    """The paper's value as printed: mean (± its std), its own mark, † when we flagged it."""
    if rec is None:
        return EM_DASH
    return plus_minus(rec["value"], extra(rec, "std"), digits) + (extra(rec, "paper_mark") or "") + (DAGGER if rec.get("flags") else "")


def flag_notes(recs: Iterable[dict], where: Callable[[dict], str]) -> list[str]:
    notes = sorted({f"{DAGGER} {where(r)}: {flag}" for r in recs for flag in r.get("flags") or []})
    return notes


def sources(recs: Iterable[dict]) -> str:
    return ", ".join(sorted({r["source"] for r in recs if r.get("source")}))


def _mark(values: tuple[float, ...], base: Iterable[float] | None) -> str:
    if base is None:
        return ""
    p = welch_p(values, base)
    return "*" if p is not None and p < ALPHA else ""


# -- win / tie / lose tables (Table 2, Table 4 revised) -------------------------------------------------------
def _winrate_rows(paper_recs: list[dict], our_recs: list[dict], row_key: Callable[[dict], tuple],
                  row_label: Callable[[tuple], str], tasks: list[str], key_order: Callable[[tuple], tuple]
                  ) -> list[list[str]]:
    paper_by = group(paper_recs, row_key)
    our_final = final_checkpoints(our_recs, lambda r: (row_key(r), r["experiment"], r.get("judge"),
                                                       setting(r), r["task"], r["metric"]))
    ours_by = group(our_final, row_key)
    single = len(experiments(our_recs)) <= 1
    keys = sorted(set(paper_by) | set(ours_by), key=key_order)
    rows = []
    for key in keys:
        label = row_label(key)
        if key in paper_by:
            cells = {(r["task"], r["metric"]): r for r in paper_by[key]}
            rows.append([label, f"paper: {sources(paper_by[key])}"]
                        + [paper_cell(cells.get((t, m))) for t in tasks for m in WTL])
            label = ""
        sub = group(ours_by.get(key, []), lambda r: (r["experiment"], r.get("judge") or "?",
                                                    r.get("lambda") if r.get("lambda") is not None else -1.0,
                                                    r.get("beta") if r.get("beta") is not None else -1.0,
                                                    settings_key(r)))
        betas = {k[3] for k in sub}
        shown = [(k[2], k[3], k[4]) for k in sub]
        for (exp, judge, lam, beta, sk) in sorted(sub):
            recs = sub[(exp, judge, lam, beta, sk)]
            cells = {tm: stat(pct(r) for r in rs) for tm, rs in group(recs, lambda r: (r["task"], r["metric"])).items()}
            n = max(s.n for s in cells.values())
            others = setting_label((None, None, sk), shown)
            where = f"{judge}" + (f", λ={lam:g}" if lam >= 0 else "") + (
                f", β={beta:g}" if len(betas) > 1 and beta >= 0 else "") + (f", {others}" if others else "")
            src = ours_label(exp, n, single, "run")
            rows.append([label, f"{src}, {where}"]
                        + [fmt_stat(cells[(t, m)]) if (t, m) in cells else EM_DASH for t in tasks for m in WTL])
            label = ""
    return rows


def _is_winrate(r: dict, tasks: Iterable[str]) -> bool:
    return r["task"] in tasks and r["metric"] in WTL


def winrate_tasks(first: list[str], recs: Iterable[dict]) -> list[str]:
    """`first`, then every other question set that our win / tie / lose records were judged on."""
    return first + sorted({r["task"] for r in recs if r["metric"] in WTL and r["task"] not in first
                           and r["task"] != "train"})


def table2(records: list[dict]) -> Table:
    """Table 2: win / tie / lose (%) of each pair on MT-Bench and Vicuna-Bench, then any other question set ours
    were judged on (Sr-X in its proposed form only: other variants are Table 4's)."""
    tasks = winrate_tasks(["mt-bench", "vicuna-bench"], ours(records))
    p = paper(records, "Table 2")
    o = [r for r in ours(records) if _is_winrate(r, tasks) and variant(r) == "proposed"]

    order = list(TABLE2)  # the paper's row order, then other pairs by method

    def key_order(k: tuple) -> tuple:
        return (order.index(k) if k in order else len(order), method_key(k[0]), method_key(k[1]))

    rows = _winrate_rows(p, o, lambda r: (r.get("method"), opponent(r)),
                         lambda k: f"{method_label(k[0])} vs {method_label(k[1])}", tasks, key_order)
    columns = ["Pair", "Source"] + [f"{winrate_task_label(t)} {m}" for t in tasks for m in WTL]
    notes = ["Win / tie / lose in %, judged in both answer orders (a win only when both orders agree).",
             OURS_NOTE, *flag_notes(p, lambda r: f"{r['task']} row of {r['method']} vs {opponent(r)}")]
    return Table("table2", "Table 2: pairwise win / tie / lose rates (%)", columns, rows, notes)


def table4_revised(records: list[dict]) -> Table:
    """Table 4 (revised): Sr-DPO variants vs DPO on MT-Bench."""

    mine = [r for r in ours(records) if r.get("method") == "sr-dpo" and opponent(r) == "dpo"]
    tasks = winrate_tasks(["mt-bench"], mine)
    p = paper(records, "Table 4 (revised)")
    o = [r for r in mine if _is_winrate(r, tasks)]
    order = list(VARIANT_LABELS)
    rows = _winrate_rows(p, o, lambda r: (variant(r),), lambda k: VARIANT_LABELS.get(k[0], k[0]), tasks,
                         lambda k: (order.index(k[0]) if k[0] in order else len(order), k[0]))
    columns = ["Sr-DPO variant (vs DPO)", "Source"] + (
        list(WTL) if len(tasks) == 1 else [f"{winrate_task_label(t)} {m}" for t in tasks for m in WTL])
    notes = [("MT-Bench" if len(tasks) == 1 else ", ".join(map(winrate_task_label, tasks)))
             + ", win / tie / lose in %.",
             "Ours: the variant comes from the run's settings in the records (refine 'naive': naive Δ; the "
             "quality prompt's label, the paper's prompt being the proposed method); records without settings "
             "count as the proposed method.", OURS_NOTE,
             *flag_notes(p, lambda r: f"variant {variant(r)}")]
    return Table("table4-revised", "Table 4 (revised): ablations of Sr-DPO vs DPO on MT-Bench (%)", columns, rows,
                 notes)


# -- Table 3: the Open LLM Leaderboard --------------------------------------------------------------------
def _leader_samples(recs: list[dict]) -> dict[tuple, tuple[float, ...]]:
    """(experiment, method, setting, task) -> per-seed values (%) at the final checkpoint; the average is the
    record 'average' when present, else the mean of the six tasks per seed. Runs with another λ or β are another
    setting, never pooled as seeds."""
    final = final_checkpoints(recs, lambda r: (r["experiment"], r.get("method"), setting(r), r["task"]))
    per_seed: dict[tuple, dict[str, list[float]]] = {}
    for r in final:
        per_seed.setdefault((r["experiment"], r.get("method"), setting(r), r.get("seed")), {}).setdefault(
            r["task"], []).append(pct(r))
    out: dict[tuple, list[float]] = {}
    for (exp, method, sett, _seed), tasks in sorted(per_seed.items(), key=lambda kv: repr(kv[0])):
        if AVERAGE not in tasks and all(len(tasks.get(t, [])) == 1 for t in TASK_ORDER):
            tasks = {**tasks, AVERAGE: [sum(tasks[t][0] for t in TASK_ORDER) / len(TASK_ORDER)]}
        for task, values in tasks.items():
            out.setdefault((exp, method, sett, task), []).extend(values)
    return {k: tuple(v) for k, v in out.items()}


def _settings_of(samples: dict[tuple, tuple], exp: str, method: str | None) -> list[Setting]:
    return sorted({k[2] for k in samples if k[0] == exp and k[1] == method}, key=repr)


def _baseline_setting(samples: dict[tuple, tuple], exp: str, base: str, sett: Setting) -> Setting | None:
    """The baseline's setting to test against: the same one, else its only one, else the one with the same β."""
    mine = _settings_of(samples, exp, base)
    if sett in mine:
        return sett
    if len(mine) == 1:
        return mine[0]
    same_beta = [s for s in mine if s[1] == sett[1]]
    return same_beta[0] if len(same_beta) == 1 else None


def table3(records: list[dict]) -> Table:
    """Table 3: Open LLM Leaderboard scores (%), the paper's revised (2 seeds) and v1 (1 run) rows and ours."""
    tasks = [*TASK_ORDER, AVERAGE]
    rev, v1 = paper(records, "Table 3 (revised)"), paper(records, "Table 3 (v1)")
    o = [r for r in ours(records) if r["task"] in tasks]
    samples = _leader_samples(o)
    single = len(experiments(o)) <= 1
    partial = {(r["experiment"], r.get("method")): extra(r, "tasks") or [] for r in o
               if r["task"] == AVERAGE and extra(r, "all_six") is False}
    methods = sorted({r.get("method") for r in rev + v1 + o}, key=method_key)
    rows = []
    for method in methods:
        label = method_label(method)
        if method in START_METHODS:
            models = sorted({extra(r, "model") for r in rev + v1 if r.get("method") == method} - {None})
            label += f" ({', '.join(models)})" if models else ""
        for src, recs in (("paper: Table 3 (revised), 2 seeds", rev), ("paper: Table 3 (v1), 1 run", v1)):
            cells = {r["task"]: r for r in recs if r.get("method") == method}
            if cells:
                if method in START_METHODS:
                    src = src.split(",")[0]
                rows.append([label, src] + [paper_cell(cells.get(t)) for t in tasks])
                label = ""
        for exp in experiments(o):
            setts = _settings_of(samples, exp, method)
            for sett in setts:
                vals = {t: samples[(exp, method, sett, t)] for t in tasks if (exp, method, sett, t) in samples}
                base = BASELINE.get(method)
                base_sett = _baseline_setting(samples, exp, base, sett) if base else None
                cells = []
                for t in tasks:
                    if t not in vals:
                        cells.append(EM_DASH)
                        continue
                    ref = samples.get((exp, base, base_sett, t)) if base_sett is not None else None
                    cells.append(fmt_stat(stat(vals[t]), mark=_mark(vals[t], ref) if base else "")
                                 + (PARTIAL if t == AVERAGE and (exp, method) in partial else ""))
                src = ours_label(exp, max(map(len, vals.values())), single)
                rows.append([label, src + (f", {setting_label(sett, setts)}" if len(setts) > 1 else "")] + cells)
                label = ""
    columns = ["Model", "Source"] + [LABELS[t] for t in tasks]
    partial_notes = sorted({f"{PARTIAL} ours: Avg of {exp} / {method_label(method)} covers only "
                            f"{', '.join(LABELS.get(t, t) for t in tasks_)}"
                            for (exp, method), tasks_ in partial.items()})
    notes = [*partial_notes, "Open LLM Leaderboard settings: ARC 25-shot acc_norm, HellaSwag 10-shot acc_norm, WinoGrande 5-shot "
             "acc, MMLU 5-shot acc, TruthfulQA 0-shot mc2, GSM8K 5-shot exact match; scores in %.",
             "* on paper rows: the paper's own significance mark (revised version).", TTEST_NOTE, OURS_NOTE,
             *flag_notes(rev + v1, lambda r: f"{r['source']}, {method_label(r.get('method'))}, "
                                             f"{LABELS.get(r['task'], r['task'])}")]
    return Table("table3", "Table 3: Open LLM Leaderboard (%)", columns, rows, notes)


# -- Table 4 (v1): correlation of h with the score gap -----------------------------------------------------
def table4_v1(records: list[dict]) -> Table:
    p = paper(records, "Table 4 (v1)")
    o = [r for r in ours(records) if r["metric"] in CORRELATIONS]
    final = final_checkpoints(o, lambda r: (r["experiment"], r.get("method"), setting(r), r["task"], r["metric"]))
    single = len(experiments(o)) <= 1
    methods = sorted({r.get("method") for r in p + o}, key=method_key)
    rows = []
    for method in methods:
        label = method_label(method)
        cells = {r["metric"]: r for r in p if r.get("method") == method}
        if cells:
            n = {r.get("n") for r in cells.values()} - {None}
            rows.append([label, "paper: Table 4 (v1)"] + [paper_cell(cells.get(m)) for m in CORRELATIONS]
                        + [", ".join(map(str, sorted(n))) or EM_DASH])
            label = ""
        mine = group([r for r in final if r.get("method") == method],
                     lambda r: (r["experiment"], r["task"], setting(r)))
        for (exp, task, sett) in sorted(mine, key=repr):
            by_metric = group(mine[(exp, task, sett)], lambda r: r["metric"])
            stats_ = {m: stat(r["value"] for r in rs) for m, rs in by_metric.items()}
            n = sorted({r.get("n") for r in mine[(exp, task, sett)]} - {None})
            runs = max(s.n for s in stats_.values())
            setts = {k[2] for k in mine if k[:2] == (exp, task)}
            shown = f", {setting_label(sett, setts)}" if len(setts) > 1 else ""
            rows.append([label, f"{ours_label(exp, runs, single, 'run')}, {task}{shown}"]
                        + [fmt_stat(stats_[m]) if m in stats_ else EM_DASH for m in CORRELATIONS]
                        + [", ".join(map(str, n)) or EM_DASH])
            label = ""
    notes = ["Correlation between each trained model's marginal h and the judge's score gap s+ − s- over the "
             "pairs (n); the paper: GPT-4 scores on 200 UltraFeedback tuples.", OURS_NOTE,
             *flag_notes(p, lambda r: f"{r.get('method')} {r['metric']}")]
    return Table("table4-v1", "Table 4 (v1): correlation of the marginal h with the score gap",
                 ["Model", "Source", "Pearson", "Spearman", "Kendall", "n"], rows, notes)


# -- Table 5: training cost --------------------------------------------------------------------------------
THROUGHPUT = "perf/tokens_per_s"


UNKNOWN: Setting = (None, None, ())


def _throughput(recs: list[dict], sett_of: Callable[[dict], Setting] = setting
                ) -> dict[tuple[str, str, Setting], Stat]:
    """(experiment, method, setting) -> tokens/s per run (mean over logged steps after the first)."""
    per_run: dict[tuple, list[tuple[int, float]]] = {}
    for r in recs:
        per_run.setdefault((r["experiment"], r.get("method"), sett_of(r), r["run"]), []).append(
            (r.get("step") or 0, r["value"]))
    out: dict[tuple[str, str, Setting], list[float]] = {}
    for (exp, method, sett, _run), points in sorted(per_run.items(), key=lambda kv: repr(kv[0])):
        points.sort()
        vals = [v for _, v in points[1:]] or [v for _, v in points]
        out.setdefault((exp, method, sett), []).append(sum(vals) / len(vals))
    return {k: stat(v) for k, v in out.items()}


def _cost_baseline(costs: dict[tuple, Stat], exp: str, base: str | None, sett: Setting) -> Stat | None:
    """The baseline's cost in the same setting, else its only one."""
    mine = {k[2]: s for k, s in costs.items() if k[:2] == (exp, base)}
    return mine.get(sett) or (next(iter(mine.values())) if len(mine) == 1 else None)


def table5(records: list[dict]) -> Table:
    p = paper(records, "Table 5")
    o = ours(records)
    cost = [r for r in o if r["metric"] == "gpu_hours" or (r["metric"] == THROUGHPUT and r["task"] == "train")]
    known = group([r for r in cost if setting(r) != UNKNOWN], lambda r: (r["experiment"], r.get("method")))
    only = {k: setting(rs[0]) for k, rs in known.items() if len({setting(r) for r in rs}) == 1}

    def sett_of(r: dict) -> Setting:
        """A record without settings (GPU-hours typed in) belongs to its method's only setting, if one."""
        s = setting(r)
        return only.get((r["experiment"], r.get("method")), s) if s == UNKNOWN else s

    hours = {k: stat(r["value"] for r in rs) for k, rs in
             group([r for r in cost if r["metric"] == "gpu_hours"],
                   lambda r: (r["experiment"], r.get("method"), sett_of(r))).items()}
    tps = _throughput([r for r in cost if r["metric"] == THROUGHPUT], sett_of)
    single = len({k[0] for k in [*hours, *tps]}) <= 1
    paper_hours = {r.get("method"): r for r in p}
    methods = sorted(set(paper_hours) | {k[1] for k in [*hours, *tps]}, key=method_key)
    rows = []
    for method in methods:
        label, base = method_label(method), BASELINE.get(method)
        if method in paper_hours:
            rel = EM_DASH
            if base in paper_hours:
                rel = f"{number(paper_hours[method]['value'] / paper_hours[base]['value'])}×"
            rows.append([label, "paper: Table 5 (v1), HH-RLHF", paper_cell(paper_hours[method], 1), EM_DASH, rel])
            label = ""
        for exp, sett in sorted({(k[0], k[2]) for k in [*hours, *tps] if k[1] == method}, key=repr):
            h, t = hours.get((exp, method, sett)), tps.get((exp, method, sett))
            setts = sorted({k[2] for k in [*hours, *tps] if k[:2] == (exp, method)}, key=repr)
            rel = EM_DASH
            if h and (b := _cost_baseline(hours, exp, base, sett)) is not None:
                rel = f"{number(h.mean / b.mean)}×"
            elif t and (b := _cost_baseline(tps, exp, base, sett)) is not None:
                rel = f"{number(b.mean / t.mean)}× (tokens/s)"
            n = max(s.n for s in (h, t) if s)
            src = ours_label(exp, n, single, "run") + (f", {setting_label(sett, setts)}" if len(setts) > 1 else "")
            rows.append([label, src, fmt_stat(h, 1) if h else EM_DASH,
                         fmt_stat(t, 0) if t else EM_DASH, rel])
            label = ""
    notes = ["Time vs baseline: GPU-hours over the baseline's (Sr-DPO vs DPO, Sr-IPO vs IPO); for our runs "
             "without GPU-hours, the baseline's training tokens/s over the method's (the p⊕x forward of Sr-* "
             "is extra work not counted as tokens).", OURS_NOTE]
    return Table("table5", "Table 5: training cost", ["Model", "Source", "GPU-hours", "tokens/s",
                                                       "time vs baseline"], rows, notes)


BUILDERS: dict[str, Callable[[list[dict]], Table]] = {
    "table2": table2, "table3": table3, "table4-revised": table4_revised, "table4-v1": table4_v1,
    "table5": table5,
}


def build_tables(records: list[dict]) -> list[Table]:
    return [build(records) for build in BUILDERS.values()]
