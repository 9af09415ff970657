"""The pipeline's report: one summary table, the win-rate matrix and three figures, from stored records only.

    <reports>/README.md        everything below, with the inputs and settings
    <reports>/summary.md       per model: leaderboard scores, their mean, reward-model win rate vs the base model
    <reports>/winrate.md       row beats column: win % (tie %), reward-model judge, both orders of a pair
    <reports>/ranking.md       one Bradley-Terry ranking of every judged model (bench.winrate.ranking records)
    <reports>/methods.md       each method: its loss, the settings that make it H-DPO / UP-DPO / SPO, its source
    <reports>/training.md      each trained method: the tokens it trained on, its final logged step's h, h_p and Δ
    <reports>/expo.md          the ExPO sweep (with an `expo:` section): alpha from the records, scores per alpha
    <reports>/winrate_vs_base.png|pdf, leaderboard.png|pdf, ranking.png|pdf, training.png|pdf (Fig. 1 style)

Inputs: <results>/leaderboard/ and <results>/winrate/ records, and each method's training log, converted to
records in <results>/train/<method>.jsonl here.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from bench.leaderboard.tasks import LABELS, TASK_ORDER
from bench.pipeline.config import BASE, PipelineConfig, WinrateSettings
from bench.records import load_records, write_records
from bench.report.figures import fig1
from bench.report.fmt import DASH, ci, document, figure_links, md_row, md_rule, md_table, number, pct
from bench.report.style import COLUMN_WIDTH, HALF_WIDTH, REFERENCE_LINE, colour, new_axes, save_figure
from bench.report.train_logs import run_records
from bench.science.training import wall_time
from bench.winrate.ranking import METRIC as RANKING_METRIC
from sr_train.artifacts.files import atomic_write_text, read_jsonl
from sr_train.artifacts.runs import METRICS


def _records(folder: Path) -> list[dict]:
    return load_records(folder) if folder.is_dir() else []


def train_records(cfg: PipelineConfig) -> list[dict]:
    """Each method's metrics.jsonl as tidy records, written to <results>/train/<method>.jsonl."""
    out = []
    for method in cfg.methods:
        run_dir = cfg.run_dir(method)
        if (run_dir / METRICS).is_file():
            recs = run_records(run_dir, experiment=cfg.name)
            write_records(cfg.results_dir / "train" / f"{method}.jsonl", recs)
            out += recs
    return out


FINAL_STATS = ("refine/marginal", "refine/margin_aug", "refine/delta")
"""The final logged step's h, h_p and Δ (means over the logging window's pairs; h_p and Δ only with the p+x view)."""


def training_facts(run_dir: Path) -> dict | None:
    """Tokens the run trained on (its logs' cumulative `num_tokens`, added over the trainer's starts) and its final
    logged training step with that step's FINAL_STATS; None before a training step was logged."""
    path = run_dir / METRICS
    rows = [r for r in read_jsonl(path) if "loss" in r] if path.is_file() else []  # not the evaluation lines
    if not rows:
        return None
    return {"tokens": wall_time(rows)["tokens"], "step": rows[-1]["step"],
            **{k: rows[-1].get(k) for k in FINAL_STATS}}


def training_table(cfg: PipelineConfig) -> str:
    """Per trained method: training tokens, final logged step, and that step's h, h_p and Δ ('–' where absent)."""
    rows = []
    for method, c in cfg.methods.items():
        facts = training_facts(cfg.run_dir(method))
        cells = [DASH] * 5 if facts is None else [
            str(facts["tokens"]), str(facts["step"]), *[number(facts[k], 4, signed=True) for k in FINAL_STATS]]
        rows.append([method, c.loss, *cells])
    return document(md_table(["method", "loss", "training tokens", "final step", "h", "h_p", "Δ"], rows, "llrrrrr"))


def leaderboard_scores(records: list[dict]) -> tuple[list[str], dict[str, dict[str, dict]]]:
    """(tasks present, {model run: {task or 'average': record}})."""
    by_run: dict[str, dict[str, dict]] = {}
    for r in records:
        by_run.setdefault(r["run"], {})[r["task"]] = r
    tasks = [t for t in TASK_ORDER if any(t in v for v in by_run.values())]
    return tasks, by_run


def winrates(records: list[dict]) -> dict[tuple[str, str], dict[str, dict]]:
    """{(method, opponent): {metric: record}} for win / tie / lose records."""
    out: dict[tuple[str, str], dict[str, dict]] = {}
    for r in records:
        if r["metric"] in ("win", "tie", "lose"):
            out.setdefault((r["method"], r["extra"]["opponent"]), {})[r["metric"]] = r
    return out


def cell(rates: dict[tuple[str, str], dict[str, dict]], a: str, b: str) -> tuple[float, float, float] | None:
    """(win, tie, lose) of a against b, read from either order of the pair."""
    if (a, b) in rates and {"win", "tie", "lose"} <= set(rates[a, b]):
        r = rates[a, b]
        return r["win"]["value"], r["tie"]["value"], r["lose"]["value"]
    if (b, a) in rates and {"win", "tie", "lose"} <= set(rates[b, a]):
        r = rates[b, a]
        return r["lose"]["value"], r["tie"]["value"], r["win"]["value"]
    return None


def scored(cfg: PipelineConfig) -> list[str]:
    """Every model the pipeline scores, in report order: base, the trained methods, the ExPO sweep's models."""
    return [BASE, *cfg.methods, *cfg.expo_models()]


def loss_label(cfg: PipelineConfig, run: str) -> str:
    if run == BASE:
        return DASH
    if run in cfg.methods:
        return cfg.methods[run].loss
    method, alpha = cfg.expo_models()[run]
    return f"{cfg.methods[method].loss} + ExPO α={alpha:g}"


# the neighbour methods' sources and the settings that make a run one of them (README "The methods the paper is
# read beside")
SOURCES = {"hdpo": "H-DPO, arXiv 2411.07595", "updpo": "UP-DPO, arXiv 2410.20187", "spo": "SPO, arXiv 2409.17791",
           "expo": "ExPO, arXiv 2404.16792", "sr": "Sr-DPO / Sr-IPO, arXiv 2405.21040", "dpo": "DPO, arXiv 2305.18290",
           "ipo": "IPO, arXiv 2310.12036"}


def method_facts(cfg: PipelineConfig, run: str) -> tuple[str, str]:
    """(the settings that make `run` its method, its source) for the methods table."""
    if run in cfg.expo_models():
        method, alpha = cfg.expo_models()[run]
        return f"{method} extrapolated from the start model, α = {alpha:g}", SOURCES["expo"]
    c = cfg.methods[run]
    base = c.loss.removeprefix("sr-")
    facts, source = [f"β {c.beta:g}"], SOURCES.get(base, "")
    if c.loss.startswith("sr-"):
        facts.append(f"λ {c.lam:g}")
        source = SOURCES["sr"] + (f"; {SOURCES[base]}" if base in ("hdpo", "updpo") else "")
    if base == "hdpo":
        facts.append(f"hdpo_alpha {c.hdpo_alpha:g}")
    if base == "updpo":
        u = cfg.uncertainty
        where = (f"{u.members}-member ensemble ({u.kind}, {u.resample})" if u is not None
                 and c.data == str(cfg.uncertain_data()) else f"column of {c.data}")
        facts.append(f"up_penalty {c.up_penalty}, up_gamma {c.up_gamma:g}, uncertainty from the {where}")
    if c.spo_weight:
        facts.append(f"SPO weight {c.spo_weight:g}, degrees {c.spo_degrees}, {c.spo_unit}s, {c.spo_form}, "
                     f"{c.spo_score} score")
        source = f"{source}; {SOURCES['spo']}" if source else SOURCES["spo"]
    return ", ".join(facts), source


def methods_table(cfg: PipelineConfig) -> str:
    rows = [[run, loss_label(cfg, run), *method_facts(cfg, run)] for run in scored(cfg)[1:]]
    return document(md_table(["model", "loss", "settings", "source"], rows, "llll"))


def expo_table(cfg: PipelineConfig, lb: list[dict], wr: list[dict]) -> str:
    """Per aligned method, alpha 0 (the method itself) then each ExPO alpha, read from the records' settings:
    leaderboard mean and reward-model win rate against the base model."""
    if not cfg.expo_models():
        return ""
    _, scores = leaderboard_scores(lb)
    rates = winrates(wr)
    rows = []
    for method in cfg.expo.methods:
        runs = [method] + [n for n, (m, _) in cfg.expo_models().items() if m == method]
        for run in runs:
            avg = scores.get(run, {}).get("average")
            alpha = (avg or {}).get("settings", {}).get("expo_alpha", 0.0 if run == method else None)
            win = rates.get((run, BASE), {}).get("win")
            vs = cell(rates, run, method) if run != method else None
            rows.append([method, DASH if alpha is None else f"{alpha:g}", pct(avg["value"]) if avg else DASH,
                         pct(win["value"]) if win else DASH, pct(vs[0]) if vs else DASH])
    return document(md_table(["method", "α (from the records)", "LB mean", "RM win vs base", "RM win vs α = 0"],
                             rows, "lrrrr"))


def summary_table(cfg: PipelineConfig, lb: list[dict], wr: list[dict]) -> str:
    tasks, scores = leaderboard_scores(lb)
    rates = winrates(wr)
    head = ["model", "loss", *[LABELS[t] for t in tasks], "LB mean", "RM win vs base", "tie", "lose",
            "95% CI (win)"]
    rows = []
    for run in scored(cfg):
        loss = loss_label(cfg, run)
        s = scores.get(run, {})
        row = [run, loss, *[pct(s[t]["value"]) if t in s else DASH for t in tasks],
               pct(s["average"]["value"]) if "average" in s else DASH]
        pair = rates.get((run, BASE), {})
        if run == BASE or "win" not in pair:
            row += [DASH] * 4
        else:
            w = pair["win"]
            row += [pct(w["value"]), pct(pair["tie"]["value"]), pct(pair["lose"]["value"]),
                    ci(w.get("ci_low"), w.get("ci_high"))]
        rows.append(row)
    return document(md_table(head, rows, "ll" + "r" * (len(head) - 2)))


def winrate_matrix(cfg: PipelineConfig, wr: list[dict]) -> str:
    rates = winrates(wr)
    names = [*scored(cfg)[1:], BASE]
    lines = [md_row(["row vs column", *names]), md_rule("l" + "r" * len(names))]
    for a in scored(cfg)[1:]:
        cells = []
        for b in names:
            c = None if a == b else cell(rates, a, b)
            cells.append("·" if a == b else DASH if c is None else f"{pct(c[0], 0)} ({pct(c[1], 0)})")
        lines.append(md_row([a, *cells]))
    return document(lines)


# -- figures -----------------------------------------------------------------------------------------------
def fig_winrate_vs_base(cfg: PipelineConfig, wr: list[dict]):
    rates = winrates(wr)
    methods = [m for m in scored(cfg)[1:] if "win" in rates.get((m, BASE), {})]
    if not methods:
        return None
    fig, ax = new_axes(COLUMN_WIDTH)
    for i, m in enumerate(methods):
        w = rates[m, BASE]["win"]
        lo, hi = w.get("ci_low", w["value"]), w.get("ci_high", w["value"])
        ax.bar(i, 100 * w["value"], color=colour(m), yerr=[[100 * (w["value"] - lo)], [100 * (hi - w["value"])]],
               capsize=3)
        ax.bar(i, 100 * rates[m, BASE]["tie"]["value"], bottom=100 * w["value"], color=colour(m), alpha=0.3)
    ax.axhline(50, **REFERENCE_LINE)
    ax.set_xticks(range(len(methods)), methods, rotation=30 if len(methods) > 4 else 0,
                  ha="right" if len(methods) > 4 else "center")
    ax.set_ylabel("% of items vs base")
    ax.set_ylim(0, 100)
    ax.set_title("Reward-model win rate vs base\n(solid: win, light: tie; 95% CI)")
    return fig


def fig_leaderboard(cfg: PipelineConfig, lb: list[dict]):
    tasks, scores = leaderboard_scores(lb)
    runs = [r for r in scored(cfg) if r in scores]
    if not tasks or not runs:
        return None
    fig, ax = new_axes(HALF_WIDTH)
    width = 0.8 / len(runs)
    for j, run in enumerate(runs):
        xs = [i + (j - (len(runs) - 1) / 2) * width for i in range(len(tasks))]
        ys = [100 * scores[run][t]["value"] if t in scores[run] else 0.0 for t in tasks]
        errs = [100 * (scores[run][t].get("stderr") or 0.0) if t in scores[run] else 0.0 for t in tasks]
        ax.bar(xs, ys, width, yerr=errs, capsize=2, color=colour(run), label=run)
    ax.set_xticks(range(len(tasks)), [LABELS[t] for t in tasks])
    ax.set_ylabel("score (%, ± stderr)")
    ax.set_ylim(0, 100)
    ax.set_title("Leaderboard subset")
    ax.legend(frameon=False, fontsize=6, ncol=min(len(runs), 4), loc="upper center")
    return fig


def ranking_table(wr: list[dict]) -> str:
    """One Bradley-Terry ranking of every judged model (bench.winrate.ranking records), strongest first."""
    recs = sorted((r for r in wr if r["metric"] == RANKING_METRIC), key=lambda r: (-r["value"], r["method"]))
    if not recs:
        return ""
    anchor = recs[0]["extra"]["anchor"]
    strength = partial(number, digits=2, signed=True)
    rows = [[r["method"], strength(r["value"]), ci(r["ci_low"], r["ci_high"], strength),
             pct(r["extra"]["p_beats_anchor"])] for r in recs]
    return document(md_table(["model", f"strength (log-odds vs {anchor})", "95% CI", f"P(beats {anchor})"], rows,
                             "lrrr"))


def fig_ranking(wr: list[dict]):
    """The ranking's strengths with their 95% CIs, strongest on top."""
    recs = sorted((r for r in wr if r["metric"] == RANKING_METRIC), key=lambda r: (r["value"], r["method"]))
    if not recs:
        return None
    fig, ax = new_axes(COLUMN_WIDTH, 0.6 + 0.3 * len(recs))
    for i, r in enumerate(recs):
        ax.errorbar(r["value"], i, xerr=[[r["value"] - r["ci_low"]], [r["ci_high"] - r["value"]]], fmt="o",
                    color=colour(r["method"]), capsize=3)
    ax.axvline(0, **REFERENCE_LINE)
    ax.set_yticks(range(len(recs)), [r["method"] for r in recs])
    ax.set_xlabel(f"Bradley-Terry strength (log-odds vs {recs[0]['extra']['anchor']}, 95% CI)")
    ax.set_title("One ranking of all methods (every judged pair)")
    return fig


def render_pipeline_report(cfg: PipelineConfig) -> list[str]:
    """Write the report into cfg.reports_dir; returns the names of the files written."""
    out = Path(cfg.reports_dir)
    out.mkdir(parents=True, exist_ok=True)
    lb = _records(cfg.results_dir / "leaderboard")
    wr = _records(cfg.results_dir / "winrate")
    tr = train_records(cfg)
    summary, matrix, ranking = summary_table(cfg, lb, wr), winrate_matrix(cfg, wr), ranking_table(wr)
    methods, expo, training = methods_table(cfg), expo_table(cfg, lb, wr), training_table(cfg)
    atomic_write_text(out / "summary.md", summary)
    atomic_write_text(out / "winrate.md", matrix)
    atomic_write_text(out / "methods.md", methods)
    atomic_write_text(out / "training.md", training)
    written = ["summary.md", "winrate.md", "methods.md", "training.md"]
    if expo:
        atomic_write_text(out / "expo.md", expo)
        written.append("expo.md")
    if ranking:
        atomic_write_text(out / "ranking.md", ranking)
        written.append("ranking.md")
    figures = [("winrate_vs_base", fig_winrate_vs_base(cfg, wr)), ("leaderboard", fig_leaderboard(cfg, lb)),
               ("ranking", fig_ranking(wr)), ("training", fig1(tr).figure if tr else None)]
    for name, fig in figures:
        if fig is not None:
            save_figure(fig, out, name)
            written += [f"{name}.png", f"{name}.pdf"]
    atomic_write_text(out / "README.md", readme(cfg, summary, matrix, [n for n, f in figures if f is not None],
                                                ranking, methods, expo, training))
    return [*written, "README.md"]


def decoding_words(w: WinrateSettings) -> str:
    """How the answers were drawn, for the summary: greedy, or the sampling temperature (rule)."""
    if w.category_temperatures:
        return f"{w.category_temperatures} per-category temperatures"
    return "greedy" if w.temperature == 0 else f"sampled at temperature {w.temperature:g}"


def readme(cfg: PipelineConfig, summary: str, matrix: str, figures: list[str], ranking: str = "", methods: str = "",
           expo: str = "", training: str = "") -> str:
    lb, w = cfg.leaderboard, cfg.winrate
    captions = {"winrate_vs_base": "Reward-model win rate of each method against the starting model",
                "leaderboard": "Leaderboard subset scores",
                "ranking": "One Bradley-Terry ranking of every judged model, with 95% CIs",
                "training": "Training curves (Fig. 1 of the paper): accuracy and marginal against tuples seen"}
    lines = [f"# Pipeline report: {cfg.name}", "",
             f"Made by `sr-bench pipeline --config {cfg.source}` from the records in `{cfg.results_dir}/` "
             "(bench/pipeline/stages.py, bench/pipeline/report.py). Starting model: "
             f"`{cfg.model}`; methods: " + ", ".join(f"{m} ({c.loss}, beta {c.beta}"
                                                    + (f", lambda {c.lam}" if c.loss.startswith("sr-") else "") + ")"
                                                    for m, c in cfg.methods.items()) + ".", "",
             "## Summary", "",
             f"Leaderboard: lm-eval with the Open LLM Leaderboard's shots and metrics, tasks {lb.tasks}, "
             f"data {lb.data_source}, " + (f"first {lb.limit} items per task" if lb.limit else "full splits")
             + " (scores in %). Win rates: a Bradley-Terry reward model trained on the same preference data judges "
             f"each answer to `{w.questions}`" + (f" (first {w.limit} questions" if w.limit else " (all questions")
             + f", {decoding_words(w)}, at most {w.max_new_tokens} new tokens per turn); tie when the scores "
             f"differ by at most {w.tie_margin}; 95% bootstrap CI over questions.", "", summary,
             "## Win rates between methods", "", "Win % of the row against the column (tie % in brackets).", "",
             matrix]
    if methods:
        lines += ["## Methods", "", "What makes each model its method (sr-train fields from the config; the ExPO "
                  "models are made, not trained), and where the method comes from.", "", methods]
    if training:
        lines += ["## Training", "", "What each method trained on and where it ended, from its sr-train log "
                  "(metrics.jsonl): the attended tokens of its training batches (both responses of each pair, "
                  "prompts included; the p+x view's forward is not counted), and the final logged step's h, h_p and "
                  "Δ (before λ), each the mean over that logging window's pairs (h_p and Δ only for the sr-* methods).", "",
                  training]
    if expo:
        lines += ["## ExPO sweep", "", "θ = θ_aligned + α (θ_aligned − θ_start), scored by the same stages; α is "
                  "read from each model's records (`settings.expo_alpha`), α = 0 is the trained method itself.", "",
                  expo]
    if ranking:
        lines += ["## One ranking of all methods", "",
                  "A Bradley-Terry fit over every judged pair (both orders of an order-sensitive judge, a tie as half "
                  "a win), on one log-odds scale anchored at the starting model; 95% CIs from refitting on "
                  "questions drawn with replacement (bench/winrate/ranking.py).", "", ranking]
    lines += ["## Figures", ""]
    for name in figures:
        lines += [f"### {captions[name]}", "", *figure_links(captions[name], name)]
    return document(lines)
