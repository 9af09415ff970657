"""Length- and style-controlled win rates from stored judgments, on synthetic judgments with a planted length bias.

The judge stand-in prefers the longer answer (P(A wins) = sigmoid(q + 3 tanh(d / 150)), d = A's words minus B's)
and A's answers are longer: with no quality difference (q = 0) the raw rate is far above one half, the
controlled rates are not; with a real difference (q = 1) both controlled rates find sigmoid(1) again.
"""

from __future__ import annotations

import json
import math
import random

import pytest

from bench.records import load_records
from bench.winrate.controlled import controlled_records, stored_items, style
from bench.winrate.judges import JudgedItem
from bench.winrate.pairwise import pairwise
from bench.winrate.stats import ItemOutcome

N = 400


def write_answers(path, rng: random.Random) -> None:
    rows = []
    for q in range(N):
        for model, (lo, hi) in (("long", (100, 400)), ("short", (20, 250))):
            n = rng.randint(lo, hi)
            rows.append({"model": model, "question_set": "synthetic", "question_id": q, "category": "writing",
                         "turns": [f"Question {q}?"], "answers": [" ".join(["w"] * n)], "decoding": {}})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


class LengthBiased:
    """Prefers the longer answer; `quality` is A's true advantage in log-odds."""

    name = "stub:length-biased"
    order_sensitive = False

    def __init__(self, quality: float, seed: int):
        self.quality, self.rng = quality, random.Random(seed)

    def judge(self, items):
        out = []
        for it in items:
            d = len(it.answers_a[-1].split()) - len(it.answers_b[-1].split())
            p = 1 / (1 + math.exp(-(self.quality + 3 * math.tanh(d / 150))))
            verdict = "A" if self.rng.random() < p else "B"
            out.append(JudgedItem(it, ItemOutcome.from_single(it.question_id, it.turn, verdict)))
        return out

    def info(self):
        return {"name": self.name}


@pytest.mark.parametrize("quality", [0.0, 1.0])
def test_planted_length_bias_is_removed(tmp_path, quality):
    answers = tmp_path / "answers.jsonl"
    write_answers(answers, random.Random(1))
    out = tmp_path / "results"
    pairwise(answers, answers, LengthBiased(quality, seed=2), out=out, run="pair", model_a="long",
             model_b="short", n_boot=50)
    recs = {r["metric"]: r for r in controlled_records(out, "pair", n_boot=100)}
    assert recs.keys() == {"winrate", "winrate_lc", "winrate_sc"}
    assert load_records(out / "pair.controlled.jsonl") == list(recs.values())
    raw, lc, sc = recs["winrate"], recs["winrate_lc"], recs["winrate_sc"]
    truth = 1 / (1 + math.exp(-quality))
    assert raw["value"] - truth > 0.12 and raw["ci_low"] > truth  # the raw rate shows the length bias
    for r in (lc, sc):
        assert abs(r["value"] - truth) < 0.07, r["metric"]
        assert r["ci_low"] < truth < r["ci_high"], r["metric"]
    assert lc["method"] == "long" and lc["extra"]["opponent"] == "short" and lc["task"] == "synthetic"


def test_stored_items_and_style_features(tmp_path):
    text = "# Title\n\nSome **bold** words here.\n\n- one\n- two\n1. three\n"
    s = style(text)
    assert s["length"] == 12 and s["header_density"] == pytest.approx(1 / 12)
    assert s["list_density"] == pytest.approx(3 / 12) and s["bold_density"] == pytest.approx(1 / 12)
    with pytest.raises(FileNotFoundError, match="pair.summary.json"):
        stored_items(tmp_path, "pair")
