"""`builtin:` names are accepted by every command that takes a model, as sr-train accepts them."""

from __future__ import annotations

import json

import pytest

from bench.cli import main as bench_main
from bench.winrate.generate import generate_answers
from bench.winrate.judges import make_judge
from bench.winrate.questions import Question, QuestionSet
from sr_train.artifacts.assets import resolve
from sr_train.artifacts.errors import UserError


class Canned:
    def generate(self, conversations, dec):
        return [("an answer", False) for _ in conversations]


def test_generate_takes_a_builtin_model(tmp_path):
    out = tmp_path / "answers.jsonl"
    qset = QuestionSet("tiny", "test", [Question(1, "writing", ("Hello?",))])
    generate_answers("builtin:smollm2-135m-instruct", qset, out, generator=Canned(), progress=False)
    row = json.loads(out.read_text().splitlines()[0])
    assert row["model_path"] == resolve("builtin:smollm2-135m-instruct") and row["model"] == "smollm2-hf"
    assert row["weights"] and "hub_id" not in row["weights"]  # the shipped weights, hashed


def test_unknown_builtin_is_a_clear_error(tmp_path, capsys):
    rc = bench_main(["generate", "--model", "builtin:nope", "--questions", "sr-questions", "--out",
                     str(tmp_path / "a.jsonl"), "--limit", "1"])
    assert rc == 2 and "unknown builtin asset 'builtin:nope'" in capsys.readouterr().err


def test_reward_model_judge_takes_a_builtin_name():
    # the name resolves to the shipped model, which loads; it is no reward model (two labels), and says so
    with pytest.raises(UserError, match=f"reward model at {resolve('builtin:smollm2-135m-instruct')} has num_labels"):
        make_judge("rm:builtin:smollm2-135m-instruct", progress=False)
