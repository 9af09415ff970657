"""Both-orders rule, win / tie / lose on hand-built verdicts, and bootstrap CI coverage on synthetic data."""

import numpy as np
import pytest

from bench.winrate.stats import ItemOutcome, bootstrap_ci, combine_orders, summarize, to_set_verdict


@pytest.mark.parametrize("position,order,expected", [
    ("first", "ab", "A"), ("second", "ab", "B"), ("first", "ba", "B"), ("second", "ba", "A"),
    ("tie", "ab", "tie"), ("tie", "ba", "tie"), (None, "ba", None),
])
def test_position_to_set_verdict(position, order, expected):
    assert to_set_verdict(position, order) == expected


def test_both_orders_rule_on_every_combination():
    # A win needs A in both orders, a loss B in both; every mixed pair is a tie; a missing side is an error.
    table = {("A", "A"): "win", ("B", "B"): "lose", ("tie", "tie"): "tie", ("A", "B"): "tie", ("B", "A"): "tie",
             ("A", "tie"): "tie", ("tie", "A"): "tie", ("B", "tie"): "tie", ("tie", "B"): "tie",
             (None, "A"): "error", ("A", None): "error", (None, None): "error"}
    for (ab, ba), want in table.items():
        assert combine_orders(ab, ba) == want, (ab, ba)
    with pytest.raises(ValueError, match="set verdict"):
        combine_orders("first", "A")


def test_judge_picking_the_same_position_is_a_tie_and_counts_as_position_bias():
    # The judge always prefers what it sees first: order ab -> A, order ba -> B.
    it = ItemOutcome.from_orders(1, 1, to_set_verdict("first", "ab"), to_set_verdict("first", "ba"))
    assert (it.outcome, it.consistent, it.position_bias) == ("tie", False, "first")
    it = ItemOutcome.from_orders(1, 1, to_set_verdict("second", "ab"), to_set_verdict("second", "ba"))
    assert (it.outcome, it.consistent, it.position_bias) == ("tie", False, "second")
    it = ItemOutcome.from_orders(1, 1, to_set_verdict("first", "ab"), to_set_verdict("second", "ba"))
    assert (it.outcome, it.consistent, it.position_bias) == ("win", True, None)


def test_rates_on_hand_built_verdicts():
    # 4 questions; q1 and q2 have two turns. (v_ab, v_ba) per item, in set terms.
    verdicts = [
        (1, 1, "A", "A"),      # win, consistent
        (1, 2, "A", "B"),      # tie, inconsistent, position bias (first)
        (2, 1, "B", "B"),      # lose, consistent
        (2, 2, "tie", "tie"),  # tie, consistent
        (3, 1, "A", "tie"),    # tie, inconsistent, no position bias
        (4, 1, None, "A"),     # error
    ]
    s = summarize([ItemOutcome.from_orders(*v) for v in verdicts], n_boot=200)
    # judged = 5 (errors excluded): win 1, tie 3, lose 1; consistent 3/5; position bias 1/5; errors 1/6.
    assert (s.n_items, s.n_judged, s.n_errors, s.n_questions) == (6, 5, 1, 4)
    assert s.counts == {"win": 1, "tie": 3, "lose": 1, "error": 1}
    expect = {"win": (1, 5), "tie": (3, 5), "lose": (1, 5), "swap_consistency": (3, 5), "position_bias": (1, 5),
              "error_rate": (1, 6)}
    assert set(s.rates) == set(expect)
    for name, (num, den) in expect.items():
        r = s.rates[name]
        assert (r.numerator, r.denominator) == (num, den), name
        assert r.value == pytest.approx(num / den)
        assert r.ci_low <= r.value <= r.ci_high, name
    assert s.position_bias_split == {"first": 1, "second": 0}


def test_order_free_judge_has_no_swap_metrics():
    items = [ItemOutcome.from_single(q, 1, v) for q, v in enumerate(["A", "A", "B", "tie"])]
    s = summarize(items, n_boot=100, order_sensitive=False)
    assert set(s.rates) == {"win", "tie", "lose", "error_rate"}
    assert s.rates["win"].value == pytest.approx(0.5) and s.rates["lose"].value == pytest.approx(0.25)


def test_all_errors_leave_only_the_error_rate():
    s = summarize([ItemOutcome.from_orders(q, 1, None, "A") for q in range(3)], n_boot=50)
    assert set(s.rates) == {"error_rate"} and s.rates["error_rate"].value == 1.0


def test_bootstrap_ci_brackets_a_ratio_and_narrows_with_more_data():
    rng = np.random.default_rng(1)
    small = rng.random(20) < 0.3
    big = rng.random(2000) < 0.3
    lo_s, hi_s = bootstrap_ci(small.astype(float), np.ones(20), n_boot=1000)
    lo_b, hi_b = bootstrap_ci(big.astype(float), np.ones(2000), n_boot=1000)
    assert lo_s[0] <= small.mean() <= hi_s[0] and lo_b[0] <= big.mean() <= hi_b[0]
    assert (hi_b - lo_b)[0] < (hi_s - lo_s)[0] / 5


def _coverage(p: tuple[float, float, float], n_questions: int, turns: int, reps: int, pair_by_question: bool,
              seed: int) -> dict[str, float]:
    """Share of repetitions whose 95% CI holds the true win / lose probability. With two turns, both turns of a
    question share one outcome (perfect correlation), the hardest case for an item-level bootstrap."""
    rng = np.random.default_rng(seed)
    hits = {"win": 0, "lose": 0}
    for rep in range(reps):
        outcomes = rng.choice(["win", "tie", "lose"], size=n_questions, p=p)
        items = [ItemOutcome(q if pair_by_question else (q, t), t, o, True, None)
                 for q, o in enumerate(outcomes) for t in range(1, turns + 1)]
        s = summarize(items, n_boot=1000, seed=rep)
        hits["win"] += s.rates["win"].ci_low <= p[0] <= s.rates["win"].ci_high
        hits["lose"] += s.rates["lose"].ci_low <= p[2] <= s.rates["lose"].ci_high
    return {k: v / reps for k, v in hits.items()}


def test_bootstrap_coverage_near_95_percent():
    cov = _coverage((0.45, 0.30, 0.25), n_questions=80, turns=1, reps=200, pair_by_question=True, seed=0)
    assert 0.90 <= cov["win"] <= 0.99 and 0.90 <= cov["lose"] <= 0.99, cov


def test_two_turn_coverage_needs_pairing_by_question():
    paired = _coverage((0.45, 0.30, 0.25), n_questions=80, turns=2, reps=200, pair_by_question=True, seed=1)
    naive = _coverage((0.45, 0.30, 0.25), n_questions=80, turns=2, reps=200, pair_by_question=False, seed=1)
    assert 0.90 <= paired["win"] <= 0.99 and 0.90 <= paired["lose"] <= 0.99, paired
    # Treating the 160 turns as independent halves the variance: the CIs are too narrow (about 83% coverage).
    assert naive["win"] < 0.90 and naive["lose"] < 0.90, naive
