"""`sr-bench science winrates` on tiny models: greedy answers of the base and two runs' final models through the real
generation code, each run judged against the base by a tiny reward model through the real judge, settings from the
config's `winrate:` section; a re-run makes nothing again; the report's win-rate section shows the records."""

from __future__ import annotations

import json

import pytest
import yaml

from bench.cli import main
from bench.pipeline import science_winrates as winrates
from bench.science import claims, render
from bench.science.render import END, START
from bench.science.store import read_results
from bench.winrate import generate
from tests.test_science_eval import WORDS, save_model
from tests.tiny import save_tiny_reward_model, tiny_tokenizer, write_pairs

QUESTIONS = ["What is the capital of France ?", "Name a primary colour .", "Is water wet ?", "How do I boil an egg ?"]


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SR_ALIGN_CACHE", str(tmp_path / "cache"))


def save_reward_model(folder):
    """A random one-output sequence classifier with the models' tokenizer (the judge's reward model)."""
    tok = tiny_tokenizer(WORDS)
    return save_tiny_reward_model(folder, tok)


def write_config(tmp_path, base, limit):
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"question_id": i + 1, "category": "test", "turns": [q]}) + "\n"
                                 for i, q in enumerate(QUESTIONS)), encoding="utf-8")
    pairs = str(write_pairs(tmp_path / "pairs.jsonl"))
    cfg = {"name": "science", "model": str(base), "train": {"data": pairs},
           "methods": {"dpo-s0": {"loss": "dpo"}, "sr-dpo-s0": {"loss": "sr-dpo", "lam": 0.5}},
           "reward_model": {"data": pairs},
           "winrate": {"questions": str(questions), "limit": limit, "max_new_tokens": 6, "batch_size": 2,
                       "dtype": "float32", "rm_batch_size": 4, "tie_margin": 1e-4, "n_boot": 200}}
    path = tmp_path / "science.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def rates(out, label):
    return {r["metric"]: r for r in read_results(out / "winrate" / f"{winrates.pair_name(label)}.jsonl")}


def stamps(folder):
    return {f: f.stat().st_mtime_ns for f in sorted(folder.rglob("*")) if f.is_file()}


def test_winrates_answer_judge_resume_and_report(tmp_path, monkeypatch, capsys):
    runs, out = tmp_path / "runs", tmp_path / "results"
    base = save_model(tmp_path / "base", seed=0)
    save_model(runs / "dpo-s0" / "final", seed=2)
    save_model(runs / "sr-dpo-s0" / "final", seed=0)  # the base's weights: the same answers, every item a tie
    rm = save_reward_model(runs / "reward-model" / "final")
    config = write_config(tmp_path, base, limit=3)
    args = ["science", "winrates", "--runs", "dpo-s0,sr-dpo-s0", "--runs-dir", str(runs), "--config", str(config),
            "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    for label in ("base", "dpo-s0/final", "sr-dpo-s0/final"):
        rows = [json.loads(line) for line in (out / "answers" / f"{label.replace('/', '__')}.jsonl").open()]
        assert [r["question_id"] for r in rows] == [1, 2, 3] and {r["model"] for r in rows} == {label}
        assert {(r["decoding"]["max_new_tokens"], r["decoding"]["temperature"]) for r in rows} == {(6, 0.0)}
    for label in ("dpo-s0/final", "sr-dpo-s0/final"):
        r = rates(out, label)
        counts = r["win"]["extra"]["counts"]
        assert r["win"]["n"] == r["tie"]["n"] == 3 and r["win"]["extra"]["n_questions"] == 3
        assert counts["win"] + counts["tie"] + counts["lose"] == 3 and counts["error"] == 0
        assert sum(r[m]["value"] for m in ("win", "tie", "lose")) == pytest.approx(1.0)
        assert r["win"]["method"] == label and r["win"]["extra"]["opponent"] == "base"
        assert r["win"]["ci_low"] <= r["win"]["value"] <= r["win"]["ci_high"]
        assert f"{label} vs base: win {100 * r['win']['value']:.1f} %" in printed
    assert rates(out, "sr-dpo-s0/final")["tie"]["value"] == 1.0
    summary = json.loads((out / "winrate" / "dpo-s0__final-vs-base.summary.json").read_text())
    assert summary["judge"]["path"] == str(rm) and summary["judge"]["batch_size"] == 4
    assert summary["bootstrap"]["n_boot"] == 200

    # a re-run loads no model, generates and judges nothing, rewrites no file
    before = stamps(out)
    monkeypatch.setattr(generate, "HFGenerator", lambda *a, **k: pytest.fail("generated again"))
    monkeypatch.setattr(winrates, "RewardModelJudge", lambda *a, **k: pytest.fail("judged again"))
    assert main(args) == 0
    assert stamps(out) == before

    # a smaller limit: the answers are there (nothing generated), the pairs are judged again on 2 questions
    monkeypatch.undo()
    monkeypatch.setenv("SR_ALIGN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(generate, "HFGenerator", lambda *a, **k: pytest.fail("generated again"))
    write_config(tmp_path, base, limit=2)
    assert main(args) == 0
    assert rates(out, "dpo-s0/final")["win"]["n"] == 2

    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{START}\n{END}\nkept\n", encoding="utf-8")
    assert main(["science", "report", "--out", str(out), "--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert "### Reward-model win rates vs the starting model (secondary, no verdict)" in text
    r = rates(out, "dpo-s0/final")
    win, tie, lose = (r[m] for m in ("win", "tie", "lose"))
    assert (f"| dpo-s0/final | {100 * win['value']:.1f} | [{100 * win['ci_low']:.1f}, {100 * win['ci_high']:.1f}] | "
            f"{100 * tie['value']:.1f} | [{100 * tie['ci_low']:.1f}, {100 * tie['ci_high']:.1f}] | "
            f"{100 * lose['value']:.1f} | 2 | 2 |") in text
    assert "| sr-dpo-s0/final | 0.0 | [0.0, 0.0] | 100.0 | [100.0, 100.0] | 0.0 | 2 | 2 |" in text
    assert "C1: not yet run" in text  # the verdicts are untouched by the section


def test_win_rates_not_yet_run_and_a_missing_reward_model(tmp_path, capsys):
    a = claims.analyse(tmp_path / "empty")
    text = render.render(a, stamp="now")
    for label in claims.finals(a.design.winrates):  # the registered ones, named in configs/science.yaml
        assert f"| {label} | not yet run | – |" in text
    runs = tmp_path / "runs"
    save_model(runs / "dpo-s0" / "final", seed=2)
    config = write_config(tmp_path, save_model(tmp_path / "base"), limit=1)
    assert main(["science", "winrates", "--runs", "dpo-s0", "--runs-dir", str(runs), "--config", str(config),
                 "--out", str(tmp_path / "out")]) == 2
    assert f"{runs / 'reward-model' / 'final'}: no reward model here" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # checked before anything is generated
