"""sr-bench report: figures and tables from records (synthetic ones and the stored paper numbers).

Expected values are computed here from the numbers this file generates (or typed from the spec), never taken
from the code under test.
"""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path

import matplotlib.image
import pytest

from bench.records import load_records, make_record

REPO = Path(__file__).resolve().parents[1]
PAPER_DIR = REPO / "results" / "paper"
EXP = "synth"
SEEDS = (1, 2)
STEPS = (1, 2, 3, 4, 5)
BATCH = 4
TASKS = ("arc", "hellaswag", "winogrande", "mmlu", "truthfulqa", "gsm8k")
BASE = {"arc": 0.40, "hellaswag": 0.55, "winogrande": 0.60, "mmlu": 0.30, "truthfulqa": 0.35, "gsm8k": 0.05}
GAIN = {"dpo": 0.02, "ipo": 0.01, "sr-dpo": 0.05, "sr-ipo": 0.01}  # sr-ipo == ipo: no significant difference
CKPTS = (0, 10, 20)
WIN = {0.1: (0.40, 0.44), 0.5: (0.60, 0.62), 1.0: (0.50, 0.48)}  # sr-dpo vs dpo, per seed


# -- synthetic inputs -------------------------------------------------------------------------------------
def acc(method: str, step: int, seed: int) -> float:
    return 0.5 + 0.05 * step + 0.01 * seed + (0.02 if method.startswith("sr") else 0.0)


def acc_aug(step: int, seed: int) -> float:
    return 0.6 + 0.06 * step + 0.01 * seed


def marginal(method: str, step: int, seed: int) -> float:
    return 0.3 * step + 0.1 * seed + (0.5 if method.startswith("sr") else 0.0)


def write_runs(root: Path) -> Path:
    runs = root / "runs" / EXP
    for method in ("sr-dpo", "dpo", "sr-ipo", "ipo"):
        for seed in SEEDS:
            d = runs / f"{method}-s{seed}"
            d.mkdir(parents=True)
            (d / "run_config.json").write_text(json.dumps({
                "loss": method, "beta": 0.1, "lam": 0.5, "seed": seed, "model": "tiny", "data": "synthetic",
                "batch_size": BATCH}))
            rows = []
            for step in STEPS:
                row = {"step": step, "tuples_seen": step * BATCH, "loss": 0.7 - 0.01 * step,
                       "rewards/accuracies": acc(method, step, seed), "refine/accuracy": acc(method, step, seed),
                       "refine/marginal": marginal(method, step, seed),
                       "perf/tokens_per_s": 800.0 if method.startswith("sr") else 1000.0,
                       "grad_norm": float("nan") if step == 3 else 1.0}
                if method.startswith("sr"):
                    row["refine/accuracy_aug"] = acc_aug(step, seed)
                rows.append(row)
            (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return runs


def leaderboard_records() -> list[dict]:
    out = []
    for method in GAIN:
        for seed in SEEDS:
            for t in CKPTS:
                for task in TASKS:
                    out.append(make_record(EXP, f"{method}-s{seed}-t{t}", task, "acc", leader_value(method, task, seed, t),
                                           unit="fraction", method=method, seed=seed, tuples_seen=t, n=100))
    out += [make_record(EXP, "sft", task, "acc", BASE[task], unit="fraction", method="sft") for task in TASKS]
    return out


def leader_value(method: str, task: str, seed: int, t: int) -> float:
    return BASE[task] + GAIN[method] * t / 20 + 0.001 * seed


def winrate_records() -> list[dict]:
    out = []
    for task in ("vicuna-bench", "mt-bench"):
        for lam, wins in WIN.items():
            for seed, win in zip(SEEDS, wins):
                for t, w in ((8, 0.2), (20, win)):
                    for metric, v in (("win", w), ("tie", 0.1), ("lose", 0.9 - w)):
                        out.append(make_record(EXP, f"w-{task}-{lam}-{seed}-{t}", task, metric, v, unit="fraction",
                                               method="sr-dpo", seed=seed, tuples_seen=t, judge="rm:tiny", n=80,
                                               ci_low=max(0.0, v - 0.05), ci_high=min(1.0, v + 0.05),
                                               extra={"opponent": "dpo"}, **{"lambda": lam}))
        for metric, v in (("win", 0.55), ("tie", 0.15), ("lose", 0.30)):
            out.append(make_record(EXP, f"w-{task}-ipo", task, metric, v, unit="fraction", method="sr-ipo", seed=1,
                                   tuples_seen=20, judge="rm:tiny", n=80, ci_low=v - 0.1, ci_high=v + 0.1,
                                   extra={"opponent": "ipo"}, **{"lambda": 0.5}))
    return out


def other_records() -> list[dict]:
    from bench.report.marginals import correlation_records

    h = [0.1, 0.5, 0.2, 0.9, 0.4, 0.7]
    gap = [1.0, 3.0, 1.5, 6.0, 2.0, 4.5]
    out = correlation_records(h, gap, experiment=EXP, run="corr-sr-dpo", method="sr-dpo", task="scored-pairs")
    out += [make_record(EXP, f"cost-{m}", "train", "gpu_hours", v, unit="hours", method=m)
            for m, v in (("dpo", 2.0), ("sr-dpo", 2.5))]
    return out


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("synth")
    runs = write_runs(root)
    results = root / "results" / EXP
    from bench.records import write_records

    write_records(results / "leaderboard.jsonl", leaderboard_records())
    write_records(results / "winrate.jsonl", winrate_records())
    write_records(results / "other.jsonl", other_records())
    from bench.report.inputs import load_inputs

    records, notes = load_inputs([results, runs])
    return {"root": root, "runs": runs, "results": results, "records": records, "notes": notes}


def md_rows(text: str) -> list[list[str]]:
    """Rows of a Markdown table, the first column filled down, escapes removed."""
    rows, label = [], ""
    for line in text.splitlines():
        if not line.startswith("| ") or line.startswith("| ---"):
            continue
        cells = [c.strip().replace("\\*", "*") for c in line.strip("|").split(" | ")]
        label = cells[0] or label
        rows.append([label, *cells[1:]])
    return rows[1:]


def row(rows: list[list[str]], label: str, source_start: str) -> list[str]:
    hits = [r for r in rows if r[0] == label and r[1].startswith(source_start)]
    assert len(hits) == 1, (label, source_start, rows)
    return hits[0][2:]


def lambda_sweep(records: list[dict]) -> list[dict]:
    """The records with Sr-DPO's leaderboard runs made a λ sweep in one experiment: λ=0.5 as they are, and λ=0.1
    runs 0.03 lower (at DPO's level)."""
    out = []
    for r in records:
        if r.get("method") == "sr-dpo" and r["task"] in TASKS:
            out += [{**r, "lambda": 0.5}, {**r, "lambda": 0.1, "value": r["value"] - 0.03, "run": r["run"] + "-l"}]
        else:
            out.append(r)
    return out


def mean_std(values) -> str:
    return f"{statistics.mean(values):.2f}±{statistics.stdev(values):.2f}"


# -- training records -------------------------------------------------------------------------------------
def test_train_records_from_a_run_dir(synth):
    from collections import Counter

    from bench.report.train_logs import run_records

    skipped: Counter = Counter()
    recs = run_records(synth["runs"] / "sr-dpo-s2", skipped=skipped)
    assert skipped == {"grad_norm": 1}
    per_step = {s: [r for r in recs if r["step"] == s] for s in STEPS}
    assert len(per_step[3]) == 6 and len(per_step[1]) == 7  # 7 numeric metrics; NaN grad_norm skipped at step 3
    r = next(r for r in per_step[4] if r["metric"] == "refine/accuracy_aug")
    assert r["value"] == pytest.approx(acc_aug(4, 2)) and r["unit"] == "fraction"
    assert (r["task"], r["method"], r["seed"], r["lambda"], r["beta"], r["tuples_seen"], r["experiment"]) == (
        "train", "sr-dpo", 2, 0.5, 0.1, 16, EXP)
    assert next(r for r in per_step[4] if r["metric"] == "refine/marginal")["unit"] == "raw"


def test_train_records_errors_name_the_file_and_line(tmp_path):
    from bench.report.train_logs import run_records
    from sr_train.artifacts.runs import RunFolderError as RunError

    (tmp_path / "run_config.json").write_text(json.dumps({"loss": "dpo", "batch_size": 2}))
    (tmp_path / "metrics.jsonl").write_text('{"step": 1, "loss": 0.5}\n{"step": "x", "loss": 0.4}\n')
    with pytest.raises(RunError, match=r"metrics\.jsonl:2: 'step'"):
        run_records(tmp_path)
    (tmp_path / "metrics.jsonl").write_text('{"step": 3, "loss": 0.5}\n')
    assert run_records(tmp_path)[0]["tuples_seen"] == 6  # from batch_size when the log lacks it
    (tmp_path / "run_config.json").write_text("{}")
    with pytest.raises(RunError, match=r"run_config\.json: needs a string field 'loss'"):
        run_records(tmp_path)


# -- figures ----------------------------------------------------------------------------------------------
def check_files(out: Path, name: str, fig) -> None:
    from bench.report.style import DPI

    png, pdf = out / f"{name}.png", out / f"{name}.pdf"
    img = matplotlib.image.imread(png)
    w, h = fig.get_size_inches() * DPI
    assert img.shape[:2] == (round(h), round(w))
    assert pdf.read_bytes().startswith(b"%PDF")


def lines(ax) -> dict[str, tuple[list, list]]:
    return {ln.get_label(): (list(ln.get_xdata()), list(ln.get_ydata())) for ln in ax.lines}


def test_fig1_training_curves(synth, tmp_path):
    from bench.report.figures import fig1
    from bench.report.style import save_figure

    plot = fig1(synth["records"])
    axes = plot.figure.axes
    assert len(axes) == 6 and not plot.notes
    xs = [s * BATCH for s in STEPS]
    got = lines(axes[0])  # Sr-DPO: accuracy original vs augmented
    assert set(got) == {"Sr-DPO: original (h > 0)", "Sr-DPO: prompt-augmented (h_p > 0)"}
    x, y = got["Sr-DPO: prompt-augmented (h_p > 0)"]
    assert x == xs and y == pytest.approx([statistics.mean(acc_aug(s, d) for d in SEEDS) for s in STEPS])
    x, y = lines(axes[1])["DPO"]  # marginal, Sr-DPO vs DPO
    assert y == pytest.approx([statistics.mean(marginal("dpo", s, d) for d in SEEDS) for s in STEPS])
    assert set(lines(axes[5])) == {"Sr-IPO", "IPO"}
    save_figure(plot.figure, tmp_path, "fig1")
    check_files(tmp_path, "fig1", plot.figure)


def test_fig1_draws_held_out_curves_beside_the_training_ones(synth):
    """Runs evaluated on held-out pairs (eval_<metric> records) add a dash-dotted curve per method and panel."""
    from bench.report.figures import fig1

    held_out = [{**r, "metric": f"eval_{r['metric']}", "value": r["value"] - 0.25} for r in synth["records"]
                if r["task"] == "train" and r["metric"] in ("refine/marginal", "refine/accuracy")]
    plot = fig1(synth["records"] + held_out)
    assert not plot.notes
    drawn = lines(plot.figure.axes[1])
    assert set(drawn) == {"Sr-DPO", "DPO", "Sr-DPO: held-out", "DPO: held-out"}
    x, y = drawn["DPO: held-out"]
    assert x == [s * BATCH for s in STEPS]
    assert y == pytest.approx([statistics.mean(marginal("dpo", s, d) for d in SEEDS) - 0.25 for s in STEPS])
    assert set(lines(plot.figure.axes[5])) == {"Sr-IPO", "IPO", "Sr-IPO: held-out", "IPO: held-out"}
    assert set(lines(plot.figure.axes[0])) == {"Sr-DPO: original (h > 0)", "Sr-DPO: prompt-augmented (h_p > 0)"}


def test_fig2_win_rate_vs_lambda_and_tuples(synth, tmp_path):
    from bench.report.figures import fig2a, fig2b
    from bench.report.style import PALETTE, save_figure

    recs = synth["records"] + load_records(PAPER_DIR)
    a = fig2a(recs)
    got = lines(a.figure.axes[0])
    ours = got["Sr-DPO vs DPO (ours, rm:tiny)"]
    assert ours[0] == [0.1, 0.5, 1.0]  # final checkpoint (20 tuples) per lambda, mean over seeds, in %
    assert ours[1] == pytest.approx([100 * statistics.mean(WIN[lam]) for lam in (0.1, 0.5, 1.0)])
    assert got["Sr-IPO vs IPO (ours, rm:tiny)"] == ([0.5], [pytest.approx(55.0)])
    assert {"Sr-DPO vs DPO (paper)", "Sr-IPO vs IPO (paper)"} <= set(got)  # the paper's read-offs, dashed
    colours = {ln.get_label(): ln.get_color() for ln in a.figure.axes[0].lines}
    assert colours["Sr-DPO vs DPO (paper)"] == colours["Sr-DPO vs DPO (ours, rm:tiny)"] == PALETTE["sr-dpo"]

    b = fig2b(recs)
    assert len(b.figure.axes) == 2  # ours vs tuples seen, paper vs checkpoint index
    got = lines(b.figure.axes[0])
    assert len(got) == 4  # sr-dpo at three lambdas, sr-ipo at one
    x, y = got["Sr-DPO vs DPO (ours, rm:tiny, λ=0.5)"]
    assert x == [8, 20] and y == pytest.approx([20.0, 100 * statistics.mean(WIN[0.5])])
    for plot in (a, b):
        save_figure(plot.figure, tmp_path, plot.name)
        check_files(tmp_path, plot.name, plot.figure)


def test_fig3_six_panels_four_methods(synth, tmp_path):
    from bench.report.figures import fig3
    from bench.report.style import save_figure

    plot = fig3(synth["records"])
    axes = plot.figure.axes
    assert [ax.get_title() for ax in axes] == ["ARC", "HellaSwag", "WinoGrande", "MMLU", "TruthfulQA", "GSM8K"]
    for ax, task in zip(axes, TASKS):
        got = lines(ax)
        for method, label in (("dpo", "DPO"), ("ipo", "IPO"), ("sr-dpo", "Sr-DPO"), ("sr-ipo", "Sr-IPO")):
            x, y = got[f"{label} (ours)"]
            assert x == list(CKPTS)
            assert y == pytest.approx([100 * statistics.mean(leader_value(method, task, s, t) for s in SEEDS)
                                       for t in CKPTS])
        assert got["SFT start (ours)"][1] == pytest.approx([100 * BASE[task]] * 2)
        assert "Sr-DPO end (paper v1)" not in got  # no paper records passed in
    save_figure(plot.figure, tmp_path, "fig3")
    check_files(tmp_path, "fig3", plot.figure)

    # a λ sweep: one curve per λ, each the mean over its own seeds
    sweep = lambda_sweep(synth["records"])
    got = lines(fig3(sweep).figure.axes[0])
    for lam, shift in ((0.5, 0.0), (0.1, 0.03)):
        assert got[f"Sr-DPO (ours, λ={lam:g})"][1] == pytest.approx(
            [100 * (statistics.mean(leader_value("sr-dpo", "arc", s, t) for s in SEEDS) - shift) for t in CKPTS])
    assert "Sr-DPO (ours)" not in got and "DPO (ours)" in got


def test_missing_series_are_skipped_with_notes(synth, tmp_path):
    from bench.report.figures import fig1, fig2a
    from bench.report.paper_report import render

    only_dpo = [r for r in synth["records"] if r["task"] == "train" and r["method"] == "dpo"]
    plot = fig1(only_dpo)
    assert plot.figure is not None and any("no accuracy of Sr-DPO" in n for n in plot.notes)
    assert fig2a(only_dpo).figure is None
    written = render(only_dpo, tmp_path / "r")
    assert "fig2a" not in written and "fig1" in written
    readme = (tmp_path / "r" / "README.md").read_text()
    assert "Not drawn" in readme and "no win records of ours on vicuna-bench" in readme


# -- tables -----------------------------------------------------------------------------------------------
def test_tables_ours_mean_std_and_welch_marks(synth):
    from bench.report.tables import table2, table3, table4_v1, table5

    rows = md_rows(table3(synth["records"]).markdown())
    final = {m: {task: [100 * leader_value(m, task, s, 20) for s in SEEDS] for task in TASKS} for m in GAIN}
    for method, label in (("sr-dpo", "Sr-DPO"), ("sr-ipo", "Sr-IPO"), ("dpo", "DPO")):
        cells = row(rows, label, "ours")
        for task, cell in zip(TASKS, cells):
            expect = mean_std(final[method][task])
            assert cell.rstrip("*") == expect, (method, task)
            assert cell.endswith("*") == (method == "sr-dpo"), (method, task, cell)  # sr-ipo == ipo: no mark
        avg = [statistics.mean(final[method][t][i] for t in TASKS) for i in range(len(SEEDS))]
        assert cells[6].rstrip("*") == mean_std(avg)
    assert row(rows, "SFT", "ours")[0] == f"{100 * BASE['arc']:.2f}"

    # a λ sweep of Sr-DPO in the same experiment: one row per λ, never pooled as seeds; each tested against DPO
    sweep = lambda_sweep(synth["records"])
    rows = md_rows(table3(sweep).markdown())
    for lam, shift in ((0.5, 0.0), (0.1, 3.0)):
        cells = row(rows, "Sr-DPO", f"ours (2 seeds), λ={lam:g}")
        for task, cell in zip(TASKS, cells):
            assert cell.rstrip("*") == mean_std([v - shift for v in final["sr-dpo"][task]]), (lam, task)
        assert cells[0].endswith("*") == (lam == 0.5)  # λ=0.1 is at DPO's level: no mark
    assert row(rows, "DPO", "ours")[0] == mean_std(final["dpo"]["arc"])

    rows = md_rows(table2(synth["records"] + load_records(PAPER_DIR)).markdown())
    cells = row(rows, "Sr-DPO vs DPO", "ours (2 runs), rm:tiny, λ=0.5")
    assert cells[3] == mean_std([100 * w for w in WIN[0.5]])  # Vicuna-Bench win
    assert row(rows, "Sr-DPO vs DPO", "paper")[0] == "45.62"
    # the same λ at another β is its own row
    other_beta = [{**r, "beta": 0.2, "value": 0.9, "run": r["run"] + "-b"} for r in synth["records"]
                  if r.get("method") == "sr-dpo" and r.get("lambda") == 0.5 and r["metric"] == "win"]
    rows = md_rows(table2(synth["records"] + other_beta).markdown())
    assert row(rows, "Sr-DPO vs DPO", "ours (2 runs), rm:tiny, λ=0.5, β=0.2")[3] == "90.00±0.00"
    assert [r[5] for r in rows if r[1] == "ours (2 runs), rm:tiny, λ=0.5"] == [mean_std([100 * w for w in WIN[0.5]])]

    rows = md_rows(table4_v1(synth["records"]).markdown())
    assert row(rows, "Sr-DPO", "ours")[-1] == "6"

    rows = md_rows(table5(synth["records"]).markdown())
    assert row(rows, "Sr-DPO", "ours")[0] == "2.5" and row(rows, "Sr-DPO", "ours")[2] == "1.25×"
    assert row(rows, "Sr-IPO", "ours")[1:] == ["800±0", "1.25× (tokens/s)"]


def test_same_records_give_the_same_bytes(synth, tmp_path):
    from bench.report.paper_report import render

    recs = synth["records"] + load_records(PAPER_DIR)
    shuffled = list(recs)
    random.Random(0).shuffle(shuffled)
    render(recs, tmp_path / "a", title="same")
    render(shuffled, tmp_path / "b", title="same")
    for f in sorted((tmp_path / "a").iterdir()):
        if f.suffix in (".md", ".tex", ".pdf"):
            assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name


# -- the paper's own numbers through the CLI --------------------------------------------------------------
T2 = {"Sr-DPO vs DPO": "45.62 33.76 20.62 63.75 13.75 22.50", "Sr-IPO vs IPO": "38.75† 25.00† 26.25† 60.00 8.75 31.25",
      "Sr-DPO vs IPO": "42.50 21.25 36.25 66.25† 11.50† 26.25†", "Sr-IPO vs DPO": "38.61 28.89 32.50 61.25 5.00 33.75"}
T3_REV = {"DPO": "62.54±0.51 84.54±0.35 79.28±0.75 60.95±0.49 59.85±0.55 31.99±0.98 63.19±0.15",
          "IPO": "61.95±0.09 82.76±0.05 79.48±0.24 61.20±0.35 46.07±0.04 36.63±0.72 61.35±0.11",
          "Sr-DPO": "64.55±0.72 85.39±0.13 80.74±0.08 61.64±0.01 60.33±0.03 33.78±0.41 64.40±0.08*",
          "Sr-IPO": "62.50±0.04* 83.24±0.09* 79.44±0.12 61.90±0.10 48.38±0.51* 39.58±0.22* 62.51±0.11*"}
T3_SFT = "60.41 82.85 74.19 60.92 43.73 26.76 58.14"
T3_V1 = {"DPO": "63.05 84.89 78.53 61.44 59.30 31.01 63.04", "IPO": "61.86 82.80 79.24 61.55 46.03 35.91 6.23†",
         "Sr-DPO": "65.27 85.52 80.82 61.63 60.30 33.36 64.48", "Sr-IPO": "62.46 83.15 79.32 61.80 47.87 39.80 62.40"}
T4_REV = ["45.62 33.76 20.62", "44.38 33.75 21.87", "38.75 41.88 19.37"]  # proposed, ratings 1-10, naive
T4_V1 = {"DPO": "0.21 0.14 0.10", "IPO": "0.11 0.05 0.03", "Sr-DPO": "0.26 0.20 0.14", "Sr-IPO": "0.13 0.08 0.05"}
T5 = {"DPO": "16.8", "IPO": "16.8", "Sr-DPO": "20.8", "Sr-IPO": "20.8"}


@pytest.fixture(scope="module")
def paper_report(tmp_path_factory) -> Path:
    from bench.cli import main

    out = tmp_path_factory.mktemp("report") / "paper"
    assert main(["report", "--results", str(PAPER_DIR), "--out", str(out)]) == 0
    return out


def test_paper_report_holds_every_paper_number(paper_report):
    rows = md_rows((paper_report / "table2.md").read_text())
    for pair, cells in T2.items():
        assert row(rows, pair, "paper") == cells.split()
    rows = md_rows((paper_report / "table3.md").read_text())
    for model, cells in T3_REV.items():
        assert row(rows, model, "paper: Table 3 (revised)") == cells.split()
        assert row(rows, model, "paper: Table 3 (v1)") == T3_V1[model].split()
    assert row(rows, "SFT (zephyr-7b-sft-full)", "paper: Table 3 (revised)") == T3_SFT.split()
    rows = md_rows((paper_report / "table4-revised.md").read_text())
    assert [r[2:] for r in rows] == [t.split() for t in T4_REV]
    rows = md_rows((paper_report / "table4-v1.md").read_text())
    for model, cells in T4_V1.items():
        assert row(rows, model, "paper")[:3] == cells.split()
    rows = md_rows((paper_report / "table5.md").read_text())
    for model, hours in T5.items():
        assert row(rows, model, "paper")[0] == hours
    assert row(rows, "Sr-DPO", "paper")[2] == f"{20.8 / 16.8:.2f}×"
    tex = (paper_report / "table3.tex").read_text()
    assert "64.40$\\pm$0.08$^{*}$" in tex and "6.23$^{\\dagger}$" in tex
    assert "does not sum to 100" in (paper_report / "table2.md").read_text()
    for tex in paper_report.glob("*.tex"):
        assert tex.read_text().isascii(), tex.name  # plain pdflatex needs no unicode support


def test_paper_report_figures(paper_report):
    from bench.report.figures import fig2a, fig2b, fig3

    recs = load_records(PAPER_DIR)
    got = lines(fig2a(recs).figure.axes[0])
    assert got["Sr-DPO vs DPO (paper)"] == ([0, 0.1, 0.3, 0.5, 1], pytest.approx([0, 38.75, 60.5, 63.75, 48.75]))
    assert got["Sr-IPO vs IPO (paper)"] == ([0, 0.1, 0.3, 0.5, 1], pytest.approx([0, 47.5, 60.6, 60.0, 48]))
    got = lines(fig2b(recs).figure.axes[0])
    assert got["Sr-DPO vs DPO (paper)"] == ([1, 2, 3, 4, 5], pytest.approx([26.25, 56.25, 58.75, 61.25, 63.75]))
    assert got["Sr-IPO vs IPO (paper)"] == ([1, 2, 3, 4, 5], pytest.approx([31.25, 51.25, 60.0, 57.5, 60.0]))
    axes = fig3(recs).figure.axes
    for i, ax in enumerate(axes):
        got = lines(ax)
        for model, cells in T3_V1.items():
            assert got[f"{model} end (paper v1)"][1] == pytest.approx([float(cells.split()[i].rstrip("†"))] * 2)
        assert got["SFT (paper)"][1] == pytest.approx([float(T3_SFT.split()[i])] * 2)
    readme = (paper_report / "README.md").read_text()
    for name in ("fig2a", "fig2b", "fig3"):
        assert f"]({name}.png)" in readme and (paper_report / f"{name}.pdf").exists()
    for name in ("table2", "table3", "table4-revised", "table4-v1", "table5"):
        assert (paper_report / f"{name}.md").read_text() in readme
    assert "Fig. 1" in readme and "Not drawn" in readme  # no training records in the paper's numbers


def test_committed_paper_report_is_current(paper_report):
    committed = REPO / "reports" / "paper"
    for f in sorted(paper_report.iterdir()):
        if f.suffix in (".md", ".tex"):
            assert f.read_text() == (committed / f.name).read_text(), f.name
        else:
            assert (committed / f.name).exists(), f.name


def test_bad_records_are_reported_with_file_and_line(tmp_path, capsys):
    from bench.cli import main

    (tmp_path / "bad.jsonl").write_text(json.dumps({"experiment": "x", "run": "r", "task": "t", "metric": "m",
                                                    "value": 1.0}) + "\n" + "{not json\n")
    assert main(["report", "--results", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert f"{tmp_path / 'bad.jsonl'}:2: not valid JSON" in capsys.readouterr().err
