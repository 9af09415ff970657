"""The science experiment's statistics, verdicts and report (bench/science) on synthetic per-item records: each
decision (supported, not supported, inconclusive) reachable, the Bonferroni level deciding, beta* with its tie
rule, the mechanism's cluster bootstrap, and the README's generated block."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.records import make_record
from bench.science import claims, figures, render, stats
from bench.science.design import load_design
from bench.science.store import result_path, save
from sr_train.artifacts.errors import UserError

N = 500
DESIGN = load_design(Path(__file__).resolve().parents[1] / "configs" / "science.yaml")


def put(root, task, label, values, beta=None, field="value", **extra_rows):
    rows = [make_record("science", label, task, "acc", v, unit="fraction", beta=beta,
                        extra={"item": f"i{i:03d}", "key": "k", "acc_norm": v, "pairwise": v,
                               **{k: e[i] for k, e in extra_rows.items()}})
            for i, v in enumerate(values)]
    save(result_path(root, task, label), rows)


def flip(values, up, down, start):
    """A copy of 0/1 `values` with `up` wrong items (from index `start`) made right and `down` right ones wrong."""
    out = list(values)
    wrong = [i for i in range(start, N) if out[i] == 0][:up]
    right = [i for i in range(start, N) if out[i] == 1][:down]
    for i in wrong:
        out[i] = 1.0
    for i in right:
        out[i] = 0.0
    return out


BASE = [float(i % 2) for i in range(N)]


def family(root, prefix, values, task=claims.TEST, seeds=(0, 1, 2), beta=0.1):
    for s in seeds:
        put(root, task, f"{prefix}-s{s}/final", values, beta=beta)


def test_bonferroni_decides_where_the_95_ci_alone_would_not():
    diffs = np.array([1.0] * 38 + [-1.0] * 20 + [0.0] * 442)
    est = stats.bootstrap_mean(diffs)
    assert est.ci95.low > 0 > est.decision.low  # 95 % excludes 0, the 99.17 % decision CI does not
    assert est.decision.level == pytest.approx(1 - 0.05 / 6)
    assert stats.decide(est.decision, 0.049) == stats.INCONCLUSIVE
    assert stats.decide(stats.Interval(0.99, 0.001, 0.2), 0.049) == stats.SUPPORTED
    assert stats.decide(stats.Interval(0.99, -0.2, 0.048), 0.049) == stats.NOT_SUPPORTED
    assert stats.decide_noninferior(stats.Interval(0.95, -0.049, 0.1), 0.05) == stats.SUPPORTED
    assert stats.decide_noninferior(stats.Interval(0.95, -0.2, -0.051), 0.05) == stats.NOT_SUPPORTED
    assert stats.decide_noninferior(stats.Interval(0.95, -0.06, 0.01), 0.05) == stats.INCONCLUSIVE
    # the registered resampling: numpy's default generator, seed 0, 10,000 resamples, so the CI is reproducible
    again = stats.bootstrap_mean(diffs)
    assert (again.ci95, again.decision) == (est.ci95, est.decision)


def test_cluster_bootstrap_of_correlations_matches_a_plain_loop():
    rng = np.random.default_rng(3)
    q = [f"q{i // 3}" for i in range(30)]
    gap = np.tile([3.0, 6.0, 9.0], 10)
    a = [gap + rng.normal(0, 2, 30) for _ in range(2)]
    b = [gap + rng.normal(0, 6, 30) for _ in range(2)]
    est, _ = stats.bootstrap_correlation_difference(a, b, gap, q, n_boot=40)
    idx = stats.resample_indices(10, 40)
    loop = []
    for draw in idx:
        r = np.concatenate([np.arange(3 * j, 3 * j + 3) for j in draw])
        loop.append(np.mean([stats.spearman(s[r], gap[r]) for s in a]) -
                    np.mean([stats.spearman(s[r], gap[r]) for s in b]))
    assert est.ci95 == stats.percentile(np.array(loop), 0.95)
    from scipy.stats import spearmanr
    assert est.value == pytest.approx(np.mean([spearmanr(s, gap).statistic for s in a]) -
                                      np.mean([spearmanr(s, gap).statistic for s in b]))


@pytest.fixture
def results(tmp_path):
    """Synthetic records: C1 supported, C2 (beta* = 0.2 by the tie rule) inconclusive, C3 not supported, C4
    supported, C5 not supported, C6 missing."""
    root = tmp_path / "results"
    family(root, "dpo", BASE)
    family(root, "sr-dpo", flip(BASE, 60, 0, 0))
    family(root, "sr-dpo-naive", flip(flip(BASE, 60, 0, 0), 10, 10, 200))
    dev = [float(i % 3 == 0) for i in range(100)]
    for beta, run in DESIGN.beta_grid.items():  # 0.2 and 0.4 tie at the best dev accuracy: the smaller wins
        put(root, claims.DEV, f"{run}/final", [1.0] * 60 + [0.0] * 40 if beta in (0.2, 0.4) else dev, beta=beta)
    tuned = flip(flip(BASE, 60, 0, 0), 20, 38, 0)  # sr − tuned: 38 items up, 20 down
    put(root, claims.TEST, "dpo-beta0.2-s0/final", tuned, beta=0.2)
    for s in (1, 2):
        put(root, claims.TEST, f"dpo-tuned-s{s}/final", tuned, beta=0.2)
    rng = np.random.default_rng(0)
    gap = np.tile([3.0, 6.0, 9.0], 40)
    for s in range(3):
        h = rng.normal(0, 5, gap.size)
        for prefix, h_p in (("sr-dpo", gap + rng.normal(0, 1, gap.size)), ("dpo", h)):
            rows = [make_record("science", f"{prefix}-s{s}/final", claims.MARGINS, "h", float(h[i]), beta=0.1,
                                extra={"item": f"p{i}", "question_id": f"q{i // 3}", "key": "k", "beta": 0.1,
                                       "h_p": float(h_p[i]), "gap": float(gap[i])}) for i in range(gap.size)]
            save(result_path(root, claims.MARGINS, f"{prefix}-s{s}/final"), rows)
    return root


def test_verdicts_from_synthetic_records(results):
    a = claims.analyse(results, DESIGN)
    v = {x.claim: x for x in a.verdicts}
    assert a.beta_star == 0.2 and "β* = 0.2" in a.tuned_note
    assert v["C1"].status == stats.SUPPORTED and v["C1"].estimate.value == pytest.approx(60 / N)
    assert v["C1"].detail["d"] == pytest.approx(60 / N)
    assert v["C2"].status == stats.INCONCLUSIVE and v["C2"].estimate.value == pytest.approx(18 / N)
    assert v["C2"].estimate.ci95.low > 0  # inconclusive only at the Bonferroni level
    assert v["C3"].status == stats.NOT_SUPPORTED and v["C3"].estimate.value == 0.0
    assert v["C4"].status == stats.SUPPORTED and v["C4"].estimate.n == 40
    assert v["C5"].status == stats.NOT_SUPPORTED and v["C5"].estimate.value == 0.0  # h_p = h on the dpo side
    assert v["C6"].status == claims.NOT_RUN and "WinoGrande" in v["C6"].note


def test_seed0_secondary_rows_appear_as_their_runs_are_scored(results):
    put(results, claims.TEST, "sr-dpo-lam0.1-s0/final", flip(BASE, 10, 0, 0), beta=0.1)
    put(results, claims.TEST, "odpo-gold-s0/final", flip(BASE, 0, 25, 0), beta=0.1)
    rows = {r["name"]: r for r in claims.analyse(results, DESIGN).secondary}
    assert rows["sr-dpo λ0.1 − dpo (A1, seed 0)"]["value"] == pytest.approx(10 / N)
    assert rows["sr-dpo λ0.5 − dpo (A1, seed 0)"]["value"] == pytest.approx(60 / N)  # λ 0.5 is sr-dpo-s0
    assert rows["odpo gold margins − dpo (A1, seed 0)"]["value"] == pytest.approx(-25 / N)
    assert rows["sr-dpo − odpo gold margins (A1, seed 0)"]["value"] == pytest.approx(85 / N)
    low, high = rows["sr-dpo − odpo gold margins (A1, seed 0)"]["ci95"]
    assert low < 85 / N < high
    assert not any(name.startswith(("sr-dpo λ0.3", "sr-dpo λ1.0", "sr-dpo [1,10]")) for name in rows)  # not scored
    assert "sr-dpo − dpo (A2 acc_norm)" not in rows
    family(results, "dpo", BASE, task=claims.TRANSFER)
    family(results, "sr-dpo", flip(BASE, 30, 0, 0), task=claims.TRANSFER)
    a = claims.analyse(results, DESIGN)
    rows = {r["name"]: r for r in a.secondary}
    assert rows["sr-dpo − dpo (A2 acc_norm)"]["value"] == pytest.approx(30 / N)  # put() sets acc_norm = value
    assert a.models["sr-dpo-s1/final"]["A2 pairwise"] == pytest.approx(0.5 + 30 / N)


def test_figures_draw_what_the_records_hold(results, tmp_path):
    a = claims.analyse(results, DESIGN)
    assert figures.lambda_figure(a) is not None  # λ 0.5 is sr-dpo-s0, already scored
    put(results, claims.TEST, "sr-dpo-lam0.1-s0/final", flip(BASE, 10, 0, 0), beta=0.1)
    a = claims.analyse(results, DESIGN)
    ax = figures.lambda_figure(a).axes[0]
    (sr,) = [c for c in ax.containers if c.get_label() == "sr-dpo (seed 0)"]
    points, _, (bars,) = sr.lines
    assert list(points.get_xdata()) == [0.1, 0.5] and list(points.get_ydata()) == pytest.approx([52.0, 62.0])
    low, high = next(r["ci95"] for r in a.secondary if r["name"] == claims.lambda_comparison(0.1))
    bar = bars.get_segments()[0]  # λ 0.1's error bar: dpo-s0's A1 plus the paired difference's 95 % CI
    assert [bar[0][1], bar[1][1]] == pytest.approx([100 * (0.5 + low), 100 * (0.5 + high)])
    assert [line.get_ydata()[0] for line in ax.lines if line.get_label() == "dpo (β 0.1)"] == [50.0]
    assert figures.training_figure(claims.analyse(tmp_path / "empty", DESIGN)) is None
    final_rows = claims.Results(results, DESIGN).records[claims.MARGINS]["dpo-s0/final"]
    save(result_path(results, claims.MARGINS, "dpo-s0/checkpoint-16"),
         [{**r, "run": "dpo-s0/checkpoint-16"} for r in final_rows])
    right = figures.training_figure(claims.analyse(results, DESIGN)).axes[1]
    assert [(list(line.get_xdata()), line.get_label()) for line in right.lines] == [
        ([16], "dpo-s0: acc(h_p)"), ([16], "dpo-s0: acc(h)")]  # final/ has no step without a training record
    names = figures.write_figures(a, tmp_path / "figures")
    assert names == ["science_training", "science_lambda"]
    assert (tmp_path / "figures" / "science_lambda.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    block = render.render(a, stamp="2026-12-01", figures=names)
    assert "![science_lambda](figures/science_lambda.png)" in block


def test_missing_records_render_as_not_yet_run(tmp_path):
    root = tmp_path / "results"
    family(root, "dpo", BASE)
    family(root, "sr-dpo", BASE, seeds=(0, 1))  # seed 2 not evaluated yet
    v = {x.claim: x for x in claims.analyse(root, DESIGN).verdicts}
    assert all(x.status == claims.NOT_RUN for x in v.values())
    assert "sr-dpo-s2/final" in v["C1"].note and "β* unknown" in v["C2"].note


def test_report_leads_with_one_verdict_line_per_claim_and_keeps_the_rest(results, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{render.START}\nSTALE-BLOCK\n{render.END}\n\n## How to run it\nkept\n", encoding="utf-8")
    a = claims.analyse(results, DESIGN)
    render.write_report(a, readme, stamp="2026-12-01")
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\n" + render.START) and text.endswith("## How to run it\nkept\n")
    assert "STALE-BLOCK" not in text
    lines = [line for line in text.splitlines() if line.startswith("- **C")]
    assert [line[4:6] for line in lines] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert lines[0].startswith("- **C1: supported.**") and "δ = +12.0 pp" in lines[0] and "99.17 % CI" in lines[0]
    assert lines[1].startswith("- **C2: inconclusive.**") and lines[2].startswith("- **C3: not supported.**")
    assert lines[5].startswith("- **C6: not yet run.**")
    plain = next(line for line in text.splitlines() if line.startswith("**In plain words**"))
    assert text.index(plain) < text.index(lines[0])
    assert ("C1, Sr-DPO against DPO on held-out accuracy: better, as claimed; C2, Sr-DPO against DPO with a "
            "dev-tuned β: cannot tell at this size; C3, Sr-DPO against its naive ablation Δ = sg[β·h]: no better "
            "(any gain is below the MDD);") in plain and plain.endswith("C6, Sr-DPO's WinoGrande accuracy against "
                                                                         "DPO's: not yet run.")
    assert text.index("### Claims") > text.index(lines[5])  # the verdicts come before the tables
    assert "| 0.2 | 60.0 |" in text and "| sr-dpo-s0/final | 62.0 |" in text
    records = render.verdict_records(a)
    assert [r["task"] for r in records] == ["C1", "C2", "C3", "C4", "C5"]
    assert records[0]["extra"]["status"] == "supported" and records[0]["ci_low"] > 0
    readme.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(UserError, match="markers"):
        render.write_report(a, readme)


def test_plain_words_name_a_significant_reversal_and_c6_regressions():
    worse = stats.Estimate(-0.03, stats.Interval(0.95, -0.05, -0.01), stats.Interval(0.9917, -0.06, -0.008), 200)
    null = stats.Estimate(0.0, stats.Interval(0.95, -0.01, 0.01), stats.Interval(0.9917, -0.02, 0.02), 200)
    low = stats.Estimate(-0.09, stats.Interval(0.95, -0.12, -0.06), stats.Interval(0.95, -0.12, -0.06), 120)
    assert "worse" in render.plain_outcome(claims.Verdict("C4", "", stats.NOT_SUPPORTED, worse))
    assert "no better" in render.plain_outcome(claims.Verdict("C4", "", stats.NOT_SUPPORTED, null))
    assert render.plain_outcome(claims.Verdict("C6", "", stats.NOT_SUPPORTED, low)) == "a regression beyond 5 pp"
