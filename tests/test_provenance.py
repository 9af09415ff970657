"""Provenance that keeps variants apart: evaluation records carry the settings of their run (run_config.json),
`variant` is derived from them, and runs of other settings are never pooled as seeds in a table or figure.

Three Sr-DPO runs (the proposed method, the [1,10]-prompt ablation, naive Δ), two seeds each, and a DPO run share
one results folder; their records are made by the real record writers (leaderboard records from lm-eval-shaped
results, answers through generate_answers, win rates through pairwise), only the model and the judge are stand-ins.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bench.leaderboard.evaluate import run_info as leaderboard_run_info
from bench.leaderboard.records import build_records
from bench.records import load_records, write_records
from bench.report.figures import fig2a, fig2b, fig3
from bench.report.selection import variant
from bench.report.tables import table2, table3, table4_revised
from bench.winrate.generate import generate_answers
from bench.winrate.judges import JudgedItem
from bench.winrate.pairwise import pairwise
from bench.winrate.questions import Question, QuestionSet
from bench.winrate.stats import ItemOutcome
from sr_train.artifacts.runs import LOSS_SETTINGS, UNLABELLED, run_info, run_settings
from sr_train.config import TrainConfig
from sr_train.losses import LossParams
from sr_train.recipe import content_identity
from sr_train.refine import QUALITY_PROMPT_1_TO_10

EXP = "ablation"
SEEDS = (1, 2)
BATCH = 4
STEPS = (5, 10)
# run name -> (loss, config overrides, leaderboard ARC value at the last step, answer length = judged quality)
RUNS = {
    "proposed": ("sr-dpo", {}, 0.50, 30),
    "ratings": ("sr-dpo", {"quality_prompt": QUALITY_PROMPT_1_TO_10}, 0.40, 20),
    "naive": ("sr-dpo", {"refine": "naive"}, 0.30, 10),
    "dpo": ("dpo", {}, 0.20, 5),
}


def make_run(root: Path, name: str, seed: int) -> Path:
    """A run folder as sr-train leaves it: run_config.json (config + facts), checkpoints with trainer_state."""
    loss, overrides, _, _ = RUNS[name]
    cfg = TrainConfig(model="tiny-start", data="pairs.jsonl", loss=loss, seed=seed, batch_size=BATCH, **overrides)
    run = root / f"{name}-s{seed}"
    run.mkdir(parents=True)
    config = {**cfg.to_dict(), **content_identity(cfg), "model_given": cfg.model, "data_given": cfg.data}
    (run / "run_config.json").write_text(json.dumps(config))
    for step in STEPS:
        ckpt = run / f"checkpoint-{step}"
        ckpt.mkdir()
        (ckpt / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    return run


def lm_eval_raw(value: float) -> dict:
    """The parts of an lm-eval result (with our sr_bench block) that the leaderboard records read."""
    return {"results": {"arc_challenge": {"acc_norm,none": value, "acc_norm_stderr,none": 0.01}},
            "n-samples": {"arc_challenge": {"effective": 100}},
            "sr_bench": {"lm_task": "arc_challenge", "subtasks": [], "num_fewshot": 25, "limit": None,
                         "backend": "hf", "model": "m", "seconds": 1.0, "data": {"data_source": "test"}}}


class Canned:
    """A stand-in generator: every answer of a model is `length` words long."""

    def __init__(self, length: int):
        self.length = length

    def generate(self, conversations, dec):
        return [(" ".join(["word"] * self.length), False) for _ in conversations]


class LongerWins:
    """A stand-in judge: the longer answer wins (both orders agree), equal lengths tie."""

    name = "stub:longer"
    order_sensitive = True

    def judge(self, items):
        out = []
        for it in items:
            a, b = len(it.answers_a[-1]), len(it.answers_b[-1])
            outcome = "win" if a > b else "lose" if a < b else "tie"
            out.append(JudgedItem(it, ItemOutcome(it.question_id, it.turn, outcome, True, None)))
        return out

    def info(self):
        return {"name": self.name}


QUESTIONS = QuestionSet("mt-bench", "test", [Question(i, "writing", ("Say something.",)) for i in range(1, 5)])


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("prov")
    runs, out = root / "runs" / EXP, root / "results" / EXP
    records = []
    for name, (_, _, arc, length) in RUNS.items():
        for seed in SEEDS:
            run = make_run(runs, name, seed)
            for step in STEPS:
                ckpt = str(run / f"checkpoint-{step}")
                value = arc * step / STEPS[-1] + 0.01 * seed
                records += build_records({"arc": lm_eval_raw(value)}, EXP, f"{name}-s{seed}-{step}",
                                         leaderboard_run_info(ckpt), {"arc": f"{ckpt}/arc.json"}, {})
            final = str(run / "checkpoint-10")
            generate_answers(final, QUESTIONS, root / "answers.jsonl", model_name=f"{name}-s{seed}",
                             generator=Canned(length + seed), progress=False)
    for name in ("proposed", "ratings", "naive"):
        for seed in SEEDS:
            res = pairwise(root / "answers.jsonl", root / "answers.jsonl", LongerWins(), out=out,
                           model_a=f"{name}-s{seed}", model_b=f"dpo-s{seed}", n_boot=50)
            assert res.records
    write_records(out / "leaderboard.jsonl", records)
    return load_records(out)


def rows_of(table) -> list[list[str]]:
    return [[c.strip().replace("\\*", "*") for c in line.strip("|").split(" | ")] for line in table.markdown().splitlines()
            if line.startswith("| ") and not line.startswith("| ---")][1:]


def test_run_settings_read_the_shaping_fields(tmp_path):
    run = make_run(tmp_path, "ratings", 1)
    got = run_settings(run / "checkpoint-5")
    assert got["quality_prompt"] == "ratings-1-10" and got["refine"] == "prompt" and got["model"] == "tiny-start"
    assert got["prompt_join"] == "{p} {x}" and got["ipo_norm"] == "sum" and got["data"] == "pairs.jsonl"
    assert len(got["quality_prompt_sha256"]) == 64
    assert run_settings(make_run(tmp_path, "proposed", 1))["quality_prompt_sha256"] != got["quality_prompt_sha256"]
    # run_info is unchanged; other paths have no settings
    assert set(run_info(str(run / "checkpoint-5"))) == {"method", "beta", "lambda", "seed", "batch_size", "step",
                                                        "tuples_seen"}
    assert run_settings(tmp_path / "nowhere") == {} and run_settings("org/model") == {}
    # a run written before sr-train recorded the prompt's label: unlabelled, known by the hash of its text
    old = tmp_path / "old"
    old.mkdir()
    (old / "run_config.json").write_text(json.dumps({"loss": "sr-dpo", "quality_prompt": "Be good. Query:"}))
    assert run_settings(old)["quality_prompt"] == UNLABELLED


def test_every_loss_parameter_is_a_recorded_setting():
    """A later loss field must be added to LOSS_SETTINGS, or runs differing in it would pool as seeds."""
    params = {f.name for f in dataclasses.fields(LossParams)} - {"beta", "lam"}
    assert params <= set(LOSS_SETTINGS)
    assert set(LOSS_SETTINGS) <= {f.name for f in dataclasses.fields(TrainConfig)}


@pytest.mark.slow
def test_every_evaluation_record_carries_its_settings(results):
    ours = [r for r in results if r.get("method") == "sr-dpo"]
    assert ours and all(r["settings"]["model"] == "tiny-start" for r in ours)
    assert {variant(r) for r in ours} == {"proposed", "ratings-1-10", "naive-delta"}
    wins = [r for r in results if r["metric"] == "win"]
    assert {r["extra"]["opponent"] for r in wins} == {"dpo"}
    assert all(r["extra"]["opponent_settings"]["refine"] == "prompt" for r in wins)


@pytest.mark.slow
def test_three_variants_three_rows_in_table4(results):
    rows = rows_of(table4_revised(results))
    ours = {r[0]: r for r in rows if r[1].startswith("ours")}
    assert set(ours) == {"proposed (prompt, ratings 1-100)", "ratings in [1,10]", "naive Δ = sg[β·h]"}
    for label in ours:  # every variant beats DPO on every question (longer answers), 2 runs each, no pooling
        assert ours[label][1].startswith("ours (2 runs)") and ours[label][2:] == ["100.00±0.00", "0.00±0.00",
                                                                                 "0.00±0.00"]


@pytest.mark.slow
def test_variants_never_pool_in_tables_2_and_3(results):
    rows = rows_of(table2(results))
    ours = [r for r in rows if r[1].startswith("ours")]
    assert len(ours) == 1 and ours[0][1].startswith("ours (2 runs)")  # only the proposed runs

    rows = rows_of(table3(results))
    arc = {(r[0], r[1]): r[2] for r in rows if r[1].startswith("ours")}
    labels = [label for label, _ in arc]
    assert labels.count("Sr-DPO") == 1 and labels.count("") == 2 and labels.count("DPO") == 1  # 3 settings + DPO
    assert all("(2 seeds)" in src for _, src in arc)
    expect = sorted(f"{100 * a + 1.5:.2f}±0.71" for _, _, a, _ in RUNS.values())
    assert sorted(v.rstrip("*") for v in arc.values()) == expect
    sources = [src for label, src in arc if label != "DPO"]
    assert sum("refine=naive" in s for s in sources) == 1
    assert sum("quality_prompt=ratings-1-10" in s for s in sources) == 1
    assert any("covers only ARC" in n for n in table3(results).notes)
    assert all(r[-1].endswith("‡") for r in rows if r[1].startswith("ours"))  # the Avg says it is partial


@pytest.mark.slow
def test_variants_never_pool_in_figures_2_and_3(results):
    lines = {ln.get_label(): list(ln.get_ydata()) for ln in fig3(results).figure.axes[0].lines}
    sr = {k: v for k, v in lines.items() if k.startswith("Sr-DPO")}
    assert len(sr) == 3
    finals = sorted(round(v[-1], 6) for v in sr.values())
    assert finals == sorted(round(100 * a + 1.5, 6) for n, (_, _, a, _) in RUNS.items() if n != "dpo")
    for plot in (fig2a(results, "mt-bench"), fig2b(results, "mt-bench")):
        got = {ln.get_label(): list(ln.get_ydata()) for ln in plot.figure.axes[0].lines}
        assert len(got) == 1 and list(got.values())[0][-1] == pytest.approx(100.0)  # the proposed runs only
