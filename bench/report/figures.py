"""The paper's figures rebuilt from records (matplotlib, Agg canvas), ours solid and the paper's dashed.

Each `figN(records)` returns a `Plot` holding the matplotlib Figure (None when nothing can be drawn) and notes
on series that were skipped because the records lack them; the look is bench.report.style's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

from bench.leaderboard.tasks import LABELS, TASK_ORDER
from bench.report.seeds import stat
from bench.report.selection import (
    BASELINE,
    SR_METHODS,
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
    paper,
    pct,
    setting,
    setting_label,
    variant,
    winrate_task_label,
)
from bench.report.style import COLUMN_WIDTH, FULL_WIDTH, colour, new_axes, new_figure, styled

PAPER_STYLE = {"linestyle": "--", "marker": "o", "markerfacecolor": "none"}
OURS_STYLE = {"linestyle": "-", "marker": "s"}
MARKERS = ("s", "^", "D", "v", "P", "X")
ACCURACY = ("refine/accuracy", "rewards/accuracies")
MARGINAL = "refine/marginal"
ACCURACY_AUG = "refine/accuracy_aug"
EVAL_ACCURACY = ("eval_refine/accuracy", "eval_rewards/accuracies")  # held-out pairs (--eval-data / --eval-split)
EVAL_MARGINAL = "eval_refine/marginal"
HELD_OUT_STYLE = {"linestyle": "-.", "marker": "."}


@dataclass
class Plot:
    name: str
    title: str
    figure: Figure | None
    notes: list[str] = field(default_factory=list)


def _xy(points: dict[float, list[float]]) -> tuple[list[float], list[float], list[float]]:
    xs = sorted(points)
    stats = [stat(points[x]) for x in xs]
    return xs, [s.mean for s in stats], [s.std or 0.0 for s in stats]


def _line(ax: Axes, xs, ys, label: str, method: str | None, style: dict, err=None, **kw) -> None:
    """One labelled series line (the only Line2D it adds); error bars, when any is non-zero, as a collection."""
    with styled():
        ax.plot(xs, ys, label=label, color=colour(method), **{**style, **kw})
        if err is not None and any(e > 0 for e in err[0] + err[1]):
            ax.errorbar(xs, ys, yerr=err, fmt="none", ecolor=colour(method), elinewidth=0.8, capsize=0)


def _finish(fig: Figure, axes: Iterable[Axes], legend_axes: Axes | None = None, ncol: int = 4) -> None:
    """One legend for the figure (labels in first-seen order)."""
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if not handles:
        return
    with styled():
        if legend_axes is not None:
            legend_axes.legend(handles, labels, loc="best", frameon=False)
        else:
            fig.legend(handles, labels, loc="outside lower center", ncol=min(ncol, len(labels)), frameon=False)


def _series_label(method: str | None, exp: str, multi: bool, suffix: str = "") -> str:
    return f"{method_label(method)}{suffix}" + (f" [{exp}]" if multi else "")


# -- Fig. 1: training accuracy and marginal ---------------------------------------------------------------
def _train_curve(recs: list[dict], metrics: tuple[str, ...]) -> tuple[str | None, dict[float, list[float]]]:
    """The first metric of `metrics` present in `recs`, as tuples_seen -> values over seeds."""
    for m in metrics:
        pts: dict[float, list[float]] = {}
        for r in recs:
            if r["metric"] == m and r.get("tuples_seen") is not None:
                pts.setdefault(r["tuples_seen"], []).append(r["value"])
        if pts:
            return m, pts
    return None, {}


def _held_out_curve(ax: Axes, recs: list[dict], metrics: tuple[str, ...], method: str, exp: str, multi: bool,
                    suffix: str) -> None:
    """The held-out pairs' curve of a training metric (eval_<metric>), dash-dotted; nothing when not evaluated."""
    _, pts = _train_curve(recs, tuple(f"eval_{m}" for m in metrics))
    if pts:
        _line(ax, *_xy(pts)[:2], _series_label(method, exp, multi, f"{suffix}: held-out"), method, HELD_OUT_STYLE)


def _by_setting(recs: list[dict]) -> dict[Setting, list[dict]]:
    return dict(sorted(group(recs, setting).items(), key=lambda kv: repr(kv[0])))


def _setting_suffix(sett: Setting | None, sets: dict[Setting, list[dict]]) -> str:
    """' (<what differs>)' when a method has runs in more than one setting."""
    return f" ({setting_label(sett, sets)})" if sett is not None and len(sets) > 1 else ""


def fig1(records: list[dict]) -> Plot:
    """Accuracy on the original vs prompt-augmented tuples (per Sr method), and marginal and accuracy of each
    Sr method vs its baseline, against tuples seen."""
    title = "Fig. 1: training accuracy and marginal vs tuples seen"
    train = [r for r in ours(records) if r["task"] == "train"
             and r["metric"] in (*ACCURACY, MARGINAL, ACCURACY_AUG, *EVAL_ACCURACY, EVAL_MARGINAL)]
    by = group(train, lambda r: (r["experiment"], r.get("method")))
    exps = experiments(train)
    multi = len(exps) > 1
    rows = [m for m in SR_METHODS if any(k[1] in (m, BASELINE[m]) for k in by)]
    notes: list[str] = []
    if not rows:
        return Plot("fig1", title, None, ["Fig. 1 skipped: no training records of Sr-DPO / Sr-IPO or their "
                                          "baselines (pass run folders or train records to --results)"])
    fig = new_figure(FULL_WIDTH, 2.3 * len(rows) + 0.3)
    axes = fig.subplots(len(rows), 3, squeeze=False)
    for i, sr in enumerate(rows):
        base = BASELINE[sr]
        a_acc, a_marg, a_cmp = axes[i]
        for exp in exps:
            tag = f" [{exp}]" if multi else ""
            # runs of one method with other settings (λ, β, variant) are curves of their own, never pooled
            sr_sets, base_sets = _by_setting(by.get((exp, sr), [])), _by_setting(by.get((exp, base), []))
            for sett, sr_recs in sr_sets.items() or [(None, [])]:
                shown = _setting_suffix(sett, sr_sets)
                metric, pts = _train_curve(sr_recs, ACCURACY)
                if pts:
                    _line(a_acc, *_xy(pts)[:2], _series_label(sr, exp, multi, f"{shown}: original (h > 0)"), sr,
                          {"linestyle": "-"})
                else:
                    notes.append(f"Fig. 1: no accuracy of {method_label(sr)}{tag} on the original tuples")
                _, pts_aug = _train_curve(sr_recs, (ACCURACY_AUG,))
                if pts_aug:
                    _line(a_acc, *_xy(pts_aug)[:2],
                          _series_label(sr, exp, multi, f"{shown}: prompt-augmented (h_p > 0)"), sr,
                          {"linestyle": ":", "linewidth": 1.8})
                else:
                    notes.append(f"Fig. 1: no {ACCURACY_AUG} of {method_label(sr)}{tag}")
            for ax, metrics, what in ((a_marg, (MARGINAL,), "marginal"), (a_cmp, ACCURACY, "accuracy")):
                for method, sets in ((sr, sr_sets), (base, base_sets)):
                    for sett, recs in sets.items() or [(None, [])]:
                        _, pts = _train_curve(recs, metrics)
                        if pts:
                            _line(ax, *_xy(pts)[:2], _series_label(method, exp, multi, _setting_suffix(sett, sets)),
                                  method, {"linestyle": "-"})
                        else:
                            notes.append(f"Fig. 1: no {what} of {method_label(method)}{tag}")
                        _held_out_curve(ax, recs, metrics, method, exp, multi, _setting_suffix(sett, sets))
        a_acc.set_title(f"{method_label(sr)}: accuracy\noriginal vs prompt-augmented")
        a_acc.set_ylabel("batch accuracy")
        a_marg.set_title(f"average marginal h\n{method_label(sr)} vs {method_label(base)}")
        a_marg.set_ylabel("mean h")
        a_cmp.set_title(f"accuracy (h > 0)\n{method_label(sr)} vs {method_label(base)}")
        a_cmp.set_ylabel("batch accuracy")
        for ax in axes[i]:
            ax.set_xlabel("tuples seen")
            ax.xaxis.set_major_formatter(EngFormatter(sep=""))
            if ax.get_legend_handles_labels()[0]:
                with styled():
                    ax.legend(frameon=False, fontsize=6)
    return Plot("fig1", title, fig, sorted(set(notes)))


# -- Fig. 2: win rate vs lambda and vs tuples seen ---------------------------------------------------------
def _our_wins(records: list[dict], task: str) -> list[dict]:
    return [r for r in ours(records) if r["task"] == task and r["metric"] == "win" and variant(r) == "proposed"]


def _err(recs_by_x: dict[float, list[dict]]) -> list[list[float]] | None:
    """Error bars: std over seeds, or the bootstrap CI when there is one record per point."""
    lo, hi = [], []
    for x in sorted(recs_by_x):
        rs = recs_by_x[x]
        s = stat(pct(r) for r in rs)
        if s.n > 1:
            lo.append(s.std)
            hi.append(s.std)
        elif rs[0].get("ci_low") is not None and rs[0].get("ci_high") is not None:
            scale = 100.0 if rs[0].get("unit") == "fraction" else 1.0
            lo.append(max(0.0, s.mean - scale * rs[0]["ci_low"]))
            hi.append(max(0.0, scale * rs[0]["ci_high"] - s.mean))
        else:
            lo.append(0.0)
            hi.append(0.0)
    return [lo, hi]


def _other(r: dict) -> Setting:
    """The record's setting with λ left out (λ is the x axis or named in the label)."""
    return (None, *setting(r)[1:])


def _other_label(other: Setting, series: dict[tuple, list], head: tuple) -> str:
    """', <β and settings that differ>' when series sharing `head` (their key without the setting) differ."""
    among = [k[-1] for k in series if k[:-1] == head]
    text = setting_label(other, among) if len(among) > 1 else ""
    return f", {text}" if text else ""


def _pair_label(method: str | None, opp: str, suffix: str) -> str:
    return f"{method_label(method)} vs {method_label(opp)}{suffix}"


def _fig2_series(records: list[dict], task: str, fig: str, against: str, field: str,
                 what: str) -> tuple[str, str, list[dict], list[dict], list[str]]:
    """(task label, title, the paper's read-offs, our win records that have `field`, notes on what is missing)
    for Fig. 2a / 2b."""
    tname = winrate_task_label(task)
    title = f"{fig}: {tname} win rate {against}"
    pap = [r for r in paper(records, fig) if r["task"] == task]
    mine = [r for r in _our_wins(records, task) if r.get(field) is not None]
    notes = [f"{fig}: no paper read-offs for {task}"] if not pap else []
    if not mine:
        notes.append(f"{fig}: no win records of ours on {task} with {what}")
    return tname, title, pap, mine, notes


def fig2a(records: list[dict], task: str = "vicuna-bench") -> Plot:
    """Win rate of Sr-X vs X against lambda: the paper's read-offs and ours (final checkpoint per lambda)."""
    tname, title, pap, mine, notes = _fig2_series(records, task, "Fig. 2a", "vs λ", "lambda", "a lambda")
    if not pap and not mine:
        return Plot("fig2a", title, None, notes)
    fig, ax = new_axes(COLUMN_WIDTH, 2.8)
    for (method, opp), rs in sorted(group(pap, lambda r: (r.get("method"), opponent(r))).items(),
                                    key=lambda kv: method_key(kv[0][0])):
        pts = sorted((r["lambda"], pct(r)) for r in rs)
        _line(ax, [p[0] for p in pts], [p[1] for p in pts], _pair_label(method, opp, " (paper)"), method,
              PAPER_STYLE)
    final = final_checkpoints(mine, lambda r: (r["experiment"], r.get("method"), opponent(r), r.get("judge"),
                                               r["lambda"], _other(r)))
    multi = len(experiments(mine)) > 1
    series = group(final, lambda r: (r["experiment"], r.get("method"), opponent(r), r.get("judge") or "?", _other(r)))
    for (exp, method, opp, judge, other), rs in sorted(
            series.items(), key=lambda kv: (kv[0][0], method_key(kv[0][1]), kv[0][2], kv[0][3], repr(kv[0][4]))):
        by_x = group(rs, lambda r: r["lambda"])
        xs = sorted(by_x)
        ys = [stat(pct(r) for r in by_x[x]).mean for x in xs]
        suffix = f" (ours, {judge}{_other_label(other, series, (exp, method, opp, judge))})" + (
            f" [{exp}]" if multi else "")
        _line(ax, xs, ys, _pair_label(method, opp, suffix), method, OURS_STYLE, err=_err(by_x))
    lams = sorted({r["lambda"] for r in pap + mine})
    ax.set_xticks(lams)
    ax.set_xticklabels([f"{v:g}" for v in lams])
    ax.set_xlabel("λ")
    ax.set_ylabel(f"win rate on {tname} (%)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{tname} win rate vs λ")
    _finish(fig, [ax], legend_axes=ax)
    return Plot("fig2a", title, fig, notes)


def fig2b(records: list[dict], task: str = "vicuna-bench") -> Plot:
    """Win rate of Sr-X vs X against training progress: ours vs tuples seen; the paper's read-offs vs their
    checkpoint index (our reading of the figure has no tuple counts), in a panel of their own."""
    tname, title, pap, mine, notes = _fig2_series(records, task, "Fig. 2b", "vs tuples seen", "tuples_seen", "tuples_seen")
    panels = [p for p, recs in (("ours", mine), ("paper", pap)) if recs]
    if not panels:
        return Plot("fig2b", title, None, notes)
    fig = new_figure(COLUMN_WIDTH * len(panels), 2.8)
    axes = list(fig.subplots(1, len(panels), squeeze=False)[0])
    multi = len(experiments(mine)) > 1
    for panel, ax in zip(panels, axes):
        if panel == "paper":
            for (method, opp), rs in sorted(group(pap, lambda r: (r.get("method"), opponent(r))).items(),
                                            key=lambda kv: method_key(kv[0][0])):
                pts = sorted((extra(r, "checkpoint"), pct(r)) for r in rs)
                _line(ax, [p[0] for p in pts], [p[1] for p in pts], _pair_label(method, opp, " (paper)"), method,
                      PAPER_STYLE)
            ax.set_xlabel("checkpoint (paper, in training order)")
            ax.set_xticks(sorted({extra(r, "checkpoint") for r in pap}))
            ax.set_title("paper (read off)")
        else:
            seen: dict[str | None, int] = {}  # several series of one method (other lambdas): other markers
            series = group(mine, lambda r: (r["experiment"], r.get("method"), opponent(r), r.get("judge") or "?",
                                            r.get("lambda") if r.get("lambda") is not None else -1.0, _other(r)))
            for (exp, method, opp, judge, lam, other), rs in sorted(
                    series.items(), key=lambda kv: (kv[0][0], method_key(kv[0][1]), *kv[0][2:5], repr(kv[0][5]))):
                by_x = group(rs, lambda r: r["tuples_seen"])
                xs = sorted(by_x)
                ys = [stat(pct(r) for r in by_x[x]).mean for x in xs]
                suffix = (f" (ours, {judge}" + (f", λ={lam:g}" if lam >= 0 else "")
                          + _other_label(other, series, (exp, method, opp, judge, lam)) + ")"
                          + (f" [{exp}]" if multi else ""))
                nth = seen.setdefault(method, 0)
                seen[method] += 1
                _line(ax, xs, ys, _pair_label(method, opp, suffix), method,
                      {**OURS_STYLE, "marker": MARKERS[nth % len(MARKERS)]}, err=_err(by_x))
            ax.set_xlabel("tuples seen")
            ax.xaxis.set_major_formatter(EngFormatter(sep=""))
            ax.set_title("ours")
        ax.set_ylabel(f"win rate on {tname} (%)")
        ax.set_ylim(bottom=0)
        _finish(fig, [ax], legend_axes=ax)
    fig.suptitle(f"{tname} win rate vs training progress", fontsize=8.5)
    return Plot("fig2b", title, fig, notes)


# -- Fig. 3: leaderboard tasks vs tuples seen --------------------------------------------------------------
def fig3(records: list[dict]) -> Plot:
    """One panel per leaderboard task: ours vs tuples seen per method; the paper's v1 Table 3 end points and
    the SFT start (Table 3) as horizontal reference lines (paper_numbers holds no read-offs of the curves)."""
    title = "Fig. 3: Open LLM Leaderboard tasks vs tuples seen"
    mine = [r for r in ours(records) if r["task"] in TASK_ORDER]
    curves = [r for r in mine if r.get("tuples_seen") is not None and r.get("method") not in START_METHODS]
    starts = [r for r in mine if r.get("method") in START_METHODS]
    ends = paper(records, "Table 3 (v1)")
    sft_paper = [r for r in paper(records, "Table 3 (revised)") if r.get("method") in START_METHODS]
    notes = []
    if not curves:
        notes.append("Fig. 3: no leaderboard records of ours with tuples_seen (training checkpoints)")
    if not ends:
        notes.append("Fig. 3: no paper end points (Table 3 (v1) records)")
    if not (curves or starts or ends or sft_paper):
        return Plot("fig3", title, None, notes)
    fig = new_figure(FULL_WIDTH, 4.6)
    axes = fig.subplots(2, 3).ravel()
    multi = len(experiments(mine)) > 1
    # one curve per experiment, method and (λ, β): runs with other settings are not pooled as seeds
    settings_of = group(curves, lambda r: (r["experiment"], r.get("method")))
    settings_of = {k: {setting(r) for r in rs} for k, rs in settings_of.items()}
    for ax, task in zip(axes, TASK_ORDER):
        for (exp, method, sett), rs in sorted(group([r for r in curves if r["task"] == task],
                                                    lambda r: (r["experiment"], r.get("method"), setting(r))).items(),
                                              key=lambda kv: (kv[0][0], method_key(kv[0][1]), repr(kv[0][2]))):
            by_x = group(rs, lambda r: r["tuples_seen"])
            xs = sorted(by_x)
            ys = [stat(pct(r) for r in by_x[x]).mean for x in xs]
            shown = (f" (ours, {setting_label(sett, settings_of[exp, method])})"
                     if len(settings_of[exp, method]) > 1 else " (ours)")
            _line(ax, xs, ys, _series_label(method, exp, multi, shown), method, OURS_STYLE, err=_err(by_x))
        for (exp, method), rs in sorted(group([r for r in starts if r["task"] == task],
                                              lambda r: (r["experiment"], r.get("method"))).items()):
            value = stat(pct(r) for r in rs).mean
            with styled():
                ax.axhline(value, color=colour(method), linestyle="-.", linewidth=1.0,
                           label=_series_label(method, exp, multi, " start (ours)"))
        for rs, suffix, style in ((sorted(ends, key=lambda r: method_key(r.get("method"))), " end (paper v1)", "--"),
                                  (sft_paper, " (paper)", ":")):
            for r in rs:
                if r["task"] == task:
                    with styled():
                        ax.axhline(pct(r), color=colour(r.get("method")), linestyle=style, linewidth=1.0,
                                   label=f"{method_label(r.get('method'))}{suffix}")
        ax.set_title(LABELS[task])
        ax.set_ylabel("score (%)")
        if curves:
            ax.set_xlabel("tuples seen")
            ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        else:
            ax.set_xticks([])
    _finish(fig, axes, ncol=5)
    fig.suptitle("Open LLM Leaderboard tasks vs tuples seen" + ("" if curves else
                 " (no curves: end points only)"), fontsize=8.5)
    return Plot("fig3", title, fig, notes)


def build_plots(records: list[dict], winrate_task: str = "vicuna-bench") -> list[Plot]:
    return [fig1(records), fig2a(records, winrate_task), fig2b(records, winrate_task), fig3(records)]
