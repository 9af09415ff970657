"""bench.report.marginals and sr_train.marginals: Pearson / Spearman / Kendall of h with the score gap, its records, and h from real models.

Expected coefficients come from small independent implementations below (moments, ranks, pair counts).
"""

from __future__ import annotations

import itertools
import json
import math

import pytest
import torch

from bench.records import load_records
from bench.report.marginals import correlate, correlation_records, write_correlation_records
from sr_train.marginals import model_marginals


def pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return sxy / math.sqrt(sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in y))


def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def kendall_tau_b(x, y):
    conc = disc = tx = ty = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        dx, dy = x[i] - x[j], y[i] - y[j]
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            tx += 1
        elif dy == 0:
            ty += 1
        elif dx * dy > 0:
            conc += 1
        else:
            disc += 1
    return (conc - disc) / math.sqrt((conc + disc + tx) * (conc + disc + ty))


H = [0.3, -0.2, 1.5, 0.8, 0.0, 2.2, -1.0, 0.8, 1.1, 0.4]
GAP = [2.0, 1.0, 5.0, 1.0, 0.5, 7.0, -1.0, 3.0, 2.5, 4.0]


def test_coefficients_match_independent_formulas():
    res = correlate(H, GAP)
    assert res.n == 10 and res.skipped == 0
    assert res.coefficients["pearson"].statistic == pytest.approx(pearson(H, GAP))
    assert res.coefficients["spearman"].statistic == pytest.approx(pearson(ranks(H), ranks(GAP)))
    assert res.coefficients["kendall"].statistic == pytest.approx(kendall_tau_b(H, GAP))
    assert all(0 <= c.pvalue <= 1 for c in res.coefficients.values())
    assert correlate([1, 2, 3, 4], [10, 20, 30, 40]).coefficients["pearson"].statistic == pytest.approx(1.0)
    assert correlate([1, 2, 3, 4], [4, 3, 2, 1]).coefficients["kendall"].statistic == pytest.approx(-1.0)


def test_non_finite_pairs_are_skipped_and_counted_bad_input_is_an_error():
    res = correlate(H + [float("nan"), 1.0], GAP + [1.0, float("inf")])
    assert (res.n, res.skipped, res.skipped_rows) == (10, 2, [10, 11])
    assert res.coefficients["pearson"].statistic == pytest.approx(pearson(H, GAP))
    with pytest.raises(ValueError, match="h has 3 values but gap has 2"):
        correlate([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="gap is constant"):
        correlate([1, 2, 3], [5, 5, 5])
    with pytest.raises(ValueError, match="at least 3 pairs"):
        correlate([1, float("nan"), 3], [1, 2, float("nan")])


def test_records_round_trip_and_render(tmp_path):
    from bench.report.tables import table4_v1

    path = write_correlation_records(tmp_path / "corr.jsonl", H, GAP, experiment="e", run="r", method="sr-dpo",
                                     task="ultrafeedback", judge="openai:gpt-4", seed=3)
    recs = load_records(path)
    assert sorted(r["metric"] for r in recs) == ["kendall", "pearson", "spearman"]
    by = {r["metric"]: r for r in recs}
    assert by["pearson"]["value"] == pytest.approx(pearson(H, GAP))
    assert by["kendall"]["n"] == 10 and by["kendall"]["seed"] == 3 and by["kendall"]["unit"] == "raw"
    assert 0 <= by["spearman"]["extra"]["pvalue"] <= 1
    recs2 = correlation_records(H, GAP, experiment="e", run="r2", method="sr-dpo", task="ultrafeedback", seed=4)
    md = table4_v1(recs + recs2).markdown()
    line = next(ln for ln in md.splitlines() if "ours" in ln)
    assert f"| {pearson(H, GAP):.2f}±0.00 |" in line  # two identical runs: mean ± std


# -- h from real (tiny) models ------------------------------------------------------------------------------
def response_logp(model, tok, prompt: str, response: str) -> float:
    """Sum of log-probs of the response tokens after the chat-templated prompt (our own path, no sr_train)."""
    msgs = [{"role": "user", "content": prompt}]
    p_ids = tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"]
    full = tok.apply_chat_template(msgs + [{"role": "assistant", "content": response}], tokenize=True,
                                   return_dict=True)["input_ids"]
    n = 0
    while n < min(len(p_ids), len(full)) and p_ids[n] == full[n]:
        n += 1
    ids = torch.tensor([list(full)])
    with torch.no_grad():
        logits = model(ids).logits.float().log_softmax(-1)
    return sum(logits[0, t - 1, full[t]].item() for t in range(n, len(full)))


def test_model_marginals_of_tiny_models(tmp_path, tiny_dir):
    import shutil

    from tiny import PAIRS, tiny_model, tiny_tokenizer

    policy = tmp_path / "policy"
    shutil.copytree(tiny_dir, policy)
    tok = tiny_tokenizer()
    tiny_model(len(tok), seed=7).save_pretrained(policy, safe_serialization=True)
    rows = [dict(PAIRS[0], score_chosen=None)] + PAIRS[1:]  # the first pair has no scores: skipped, counted
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))

    m = model_marginals(str(policy), str(tiny_dir), str(data), progress=False)
    assert m.skipped_unscored == 1 and m.rows == list(range(1, len(PAIRS)))
    assert m.gap == [p["score_chosen"] - p["score_rejected"] for p in PAIRS[1:]]

    from transformers import AutoModelForCausalLM, AutoTokenizer

    pol = AutoModelForCausalLM.from_pretrained(policy).eval()
    ref = AutoModelForCausalLM.from_pretrained(tiny_dir).eval()
    t = AutoTokenizer.from_pretrained(tiny_dir)
    for h, pair in zip(m.h, PAIRS[1:]):
        expect = ((response_logp(pol, t, pair["prompt"], pair["chosen"]) - response_logp(ref, t, pair["prompt"],
                                                                                          pair["chosen"]))
                  - (response_logp(pol, t, pair["prompt"], pair["rejected"])
                     - response_logp(ref, t, pair["prompt"], pair["rejected"])))
        assert h == pytest.approx(expect, abs=1e-3)
    same = model_marginals(str(tiny_dir), str(tiny_dir), str(data), progress=False)
    assert same.h == pytest.approx([0.0] * len(same.h), abs=1e-6)
    res = correlate(m.h, m.gap)
    assert res.n == len(PAIRS) - 1
