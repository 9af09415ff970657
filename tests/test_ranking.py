"""One ranking of all methods: a Bradley-Terry fit over every judged pair in a results folder, from stored
judgments, rendered as the pipeline report's table and figure from the ranking records.

Three stand-in models of planted strengths (log-odds 0, 1, 2) are judged in every pair by a stand-in judge that
draws each order's verdict from the Bradley-Terry probabilities (a tie 10% of the time); the fit must find the
strengths again (shrunk by the ties, each half a win).
"""

from __future__ import annotations

import json
import math
import random

import pytest

from bench.pipeline.report import fig_ranking, ranking_table
from bench.records import load_records
from bench.winrate.judges import JudgedItem
from bench.winrate.pairwise import pairwise
from bench.winrate.ranking import pair_battles, ranking_records
from bench.winrate.stats import ItemOutcome, to_set_verdict

STRENGTH = {"base": 0.0, "dpo": 1.0, "sr-dpo": 2.0}
N = 150


class BTJudge:
    """Both orders, each verdict drawn from P(first wins) = sigmoid(s_first - s_second) (a tie 10% of the time)."""

    name = "stub:bt"
    order_sensitive = True

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def judge(self, items):
        out = []
        for it in items:
            a, b = it.answers_a[-1], it.answers_b[-1]
            verdicts = {}
            for order, (first, second) in (("ab", (a, b)), ("ba", (b, a))):
                p = 1 / (1 + math.exp(-(STRENGTH[first] - STRENGTH[second])))
                u = self.rng.random()
                position = "tie" if u < 0.1 else "first" if self.rng.random() < p else "second"
                verdicts[order] = {"verdict": to_set_verdict(position, order), "position": position}
            outcome = ItemOutcome.from_orders(it.question_id, it.turn, verdicts["ab"]["verdict"],
                                              verdicts["ba"]["verdict"])
            out.append(JudgedItem(it, outcome, verdicts))
        return out

    def info(self):
        return {"name": self.name}


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    root = tmp_path_factory.mktemp("rank")
    answers = root / "answers.jsonl"
    answers.write_text("".join(json.dumps({"model": m, "question_set": "synthetic", "question_id": q,
                                           "turns": ["Q?"], "answers": [m]}) + "\n"
                               for m in STRENGTH for q in range(N)))
    out = root / "exp" / "winrate"
    judge = BTJudge(seed=3)
    for a, b in (("dpo", "base"), ("sr-dpo", "base"), ("sr-dpo", "dpo")):
        pairwise(answers, answers, judge, out=out, run=f"{a}-vs-{b}", model_a=a, model_b=b, method_a=a,
                 method_b=b, n_boot=20)
    return out


def test_both_orders_are_battles(judged):
    battles, a, b, task = pair_battles(judged, "dpo-vs-base")
    assert (a, b, task) == ("dpo", "base", "synthetic")
    assert len(battles) == 2 * N and {bt.score for bt in battles} == {0.0, 0.5, 1.0}


def test_ranking_finds_the_planted_strengths(judged, tmp_path):
    recs = ranking_records(judged, n_boot=100)
    assert load_records(judged / "ranking.jsonl") == recs
    by = {r["method"]: r for r in recs}
    assert by["base"]["value"] == 0.0 and by["base"]["extra"]["anchor"] == "base"
    for m, s in STRENGTH.items():
        if m != "base":
            p = 0.05 + 0.9 / (1 + math.exp(-s))  # a tie (10%) counts half a win: the planted log-odds shrink
            expect = math.log(p / (1 - p))
            assert abs(by[m]["value"] - expect) < 0.3, (m, by[m]["value"], expect)
            assert by[m]["ci_low"] < expect < by[m]["ci_high"], m
    assert by["sr-dpo"]["ci_low"] > by["dpo"]["value"]  # told apart
    assert by["dpo"]["extra"]["battles"] == 4 * N  # two pairs, both orders

    # the pipeline report's table and figure, from the records only
    table = ranking_table(recs)
    rows = [line.split(" | ")[0].strip("| ") for line in table.splitlines()[2:]]
    assert rows == ["sr-dpo", "dpo", "base"]
    assert f"| dpo | {by['dpo']['value']:+.2f} | [{by['dpo']['ci_low']:+.2f}, {by['dpo']['ci_high']:+.2f}] |" in table
    fig = fig_ranking(recs)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["base", "dpo", "sr-dpo"]
    assert ranking_table([]) == "" and fig_ranking([]) is None
