"""The science experiment's evaluation (bench/science): the option scorer on tiny models (a planted answer, a tie,
an independent log-prob computation), resume, exact-match normalisation and the margins h / h_p."""

from __future__ import annotations

import json
import math
import shutil

import pytest
import torch

from bench.science import loglik
from bench.science.exact import exact_match, first_sentence, normalise
from bench.science.loglik import evaluate_loglik, outcome
from bench.science.margins import evaluate_margins
from bench.science.models import describe
from bench.science.store import StoreError
from sr_train.marginals import model_marginals
from sr_train.refine import QUALITY_PROMPT
from tests.tiny import tiny_model, tiny_tokenizer

ITEMS = [
    {"id": "q-short", "question": "What is the capital of France ?", "answer_index": 1,
     "options": ["the capital of France is Lyon", "Paris", "Red is a primary colour", "Green , maybe , or not"]},
    {"id": "q-tie", "question": "Name a primary colour .", "answer_index": 2, "options": ["Green", "Dog", "Red", "Hat"]},
    {"id": "q-three", "question": "Is water wet ?", "answer_index": 0, "options": ["Water makes things wet", "No", "Eggs"]},
]
WORDS = [o for it in ITEMS for o in it["options"]] + [it["question"] for it in ITEMS]


def save_model(folder, seed=0, uniform=False):
    tok = tiny_tokenizer(WORDS)
    model = tiny_model(len(tok), seed)
    if uniform:  # hidden states 0 after the final norm: every next token has probability 1/V
        torch.nn.init.zeros_(model.model.norm.weight)
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def write_items(path, items=ITEMS):
    path.write_text("".join(json.dumps(it) + "\n" for it in items), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SR_ALIGN_CACHE", str(tmp_path / "cache"))


def test_planted_answer_wins_and_a_tie_counts_as_wrong(tmp_path):
    model = save_model(tmp_path / "uniform", uniform=True)
    tok = tiny_tokenizer(WORDS)
    rows = {r["extra"]["item"]: r for r in evaluate_loglik(describe(str(model)), write_items(tmp_path / "i.jsonl"),
                                                             tmp_path / "out", bf16="false")}
    # under the uniform model a response of n tokens (words, the final period, the end-of-turn token) has log-prob
    # -n log V: the one-word answer `Paris.` is planted as the most likely option
    log_v = math.log(len(tok))
    short = rows["q-short"]["extra"]
    assert short["logps"] == pytest.approx([-(len(o.split()) + 2) * log_v for o in ITEMS[0]["options"]], rel=1e-5)
    assert rows["q-short"]["value"] == 1.0 and short["pairwise"] == 1.0
    tie = rows["q-tie"]
    assert len(set(tie["extra"]["logps"])) == 1  # four one-word options: equal log-probs
    assert tie["value"] == 0.0 and tie["extra"]["pairwise"] == 0.0
    # per character, `Red.` (4) beats `Green.` (6) but ties `Dog.` and `Hat.`: still wrong
    assert tie["extra"]["chars"] == [6, 4, 4, 4] and tie["extra"]["acc_norm"] == 0.0
    assert outcome([-1.0, -2.0], [2, 8], 1) == {"acc": 0.0, "acc_norm": 1.0, "pairwise": 0.0}


def test_option_logps_equal_a_direct_forward_of_the_chat_rendering(tmp_path):
    folder = save_model(tmp_path / "m", seed=3)
    items = write_items(tmp_path / "i.jsonl")
    rows = evaluate_loglik(describe(str(folder)), items, tmp_path / "out", bf16="false")
    tok = tiny_tokenizer(WORDS)
    model = tiny_model(len(tok), 3).eval()
    item = ITEMS[2]  # three options: the last one is scored in a pair with itself
    user = [{"role": "user", "content": item["question"]}]
    n = len(tok.apply_chat_template(user, add_generation_prompt=True, return_dict=True)["input_ids"])
    expected = []
    for option in item["options"]:  # the response: everything the assistant turn `Option.` adds after the prompt
        full = tok.apply_chat_template(user + [{"role": "assistant", "content": option + "."}],
                                       return_dict=True)["input_ids"]
        with torch.no_grad():
            logp = model(torch.tensor([full])).logits[0, :-1].log_softmax(-1)
        picked = logp.gather(-1, torch.tensor(full[1:])[:, None])[:, 0]
        expected.append(float(picked[n - 1:].sum()))
    got = next(r for r in rows if r["extra"]["item"] == "q-three")["extra"]["logps"]
    assert got == pytest.approx(expected, abs=1e-4)


def test_a_second_call_does_not_rescore_and_other_weights_are_refused(tmp_path, monkeypatch):
    folder = save_model(tmp_path / "m", seed=1)
    items, out = write_items(tmp_path / "i.jsonl"), tmp_path / "out"
    calls = []
    real = loglik.option_logps
    monkeypatch.setattr(loglik, "option_logps", lambda m, t, chunk, *a: calls.append(len(chunk)) or real(m, t, chunk, *a))
    first = evaluate_loglik(describe(str(folder)), items, out, limit=2, bf16="false")
    assert calls == [2] and len(first) == 2
    whole = evaluate_loglik(describe(str(folder)), items, out, bf16="false")
    assert calls == [2, 1] and len(whole) == 3  # only the third item was scored
    monkeypatch.setattr(loglik, "load", lambda *a: pytest.fail("the model was loaded again"))
    again = evaluate_loglik(describe(str(folder)), items, out, bf16="false")
    assert [r["extra"] for r in again] == [r["extra"] for r in whole]
    shutil.rmtree(folder)
    save_model(folder, seed=2)  # other weights at the same path
    with pytest.raises(StoreError, match="other weights or settings"):
        evaluate_loglik(describe(str(folder)), items, out, bf16="false")


@pytest.mark.parametrize("generated, answer, match", [
    ("Photosynthesis. It happens in leaves.", "photosynthesis", True),
    ("The mitochondria!", "mitochondria", True),
    ("an electron", "Electron", True),
    ("Carbon dioxide and water.", "carbon dioxide", False),
    ("It is the heart.", "heart", False),
    ("3.5 meters per second.", "3.5 meters per second", True),
    ("Kinetic\nenergy", "kinetic energy", False),
    ("", "heat", False),
])
def test_exact_match_normalisation(generated, answer, match):
    assert exact_match(generated, answer) is match


def test_normalise_and_first_sentence():
    assert normalise("  The  Sun's   core, a star. ") == "suns core star"
    assert first_sentence("Gravity! Then more.") == "Gravity!"
    assert first_sentence("It weighs 3.5 kg. More.") == "It weighs 3.5 kg."


def test_margins_are_zero_for_the_start_and_match_sr_train_marginals(tmp_path):
    base = save_model(tmp_path / "base", seed=0)
    pairs = [{"id": f"p{i}", "question_id": f"q{i // 3}", "prompt": it["question"], "chosen": it["options"][0],
              "rejected": it["options"][1], "score_chosen": 10.0, "score_rejected": 7.0 - i}
             for i, it in enumerate(ITEMS * 2)]
    pairs_file = tmp_path / "pairs.jsonl"
    pairs_file.write_text("".join(json.dumps(p) + "\n" for p in pairs), encoding="utf-8")
    runs = {}
    for name, seed in (("same", 0), ("moved", 5)):
        run = tmp_path / name
        save_model(run / "final", seed=seed)
        (run / "run_config.json").write_text(json.dumps({
            "loss": "sr-dpo", "beta": 0.1, "lam": 0.5, "seed": 0, "batch_size": 2, "model": str(base),
            "max_length": 64, "max_prompt_length": 32, "quality_prompt_used": QUALITY_PROMPT,
            "bf16_autocast": False}), encoding="utf-8")
        (run / "metrics.jsonl").write_text("", encoding="utf-8")
        runs[name] = evaluate_margins(describe(str(run / "final")), pairs_file, tmp_path / "out", questions=1)
    assert [r["extra"]["item"] for r in runs["same"]] == ["p0", "p1", "p2"]  # the first question's pairs
    assert all(r["value"] == 0.0 and r["extra"]["h_p"] == 0.0 for r in runs["same"])  # policy = start: exactly 0
    moved = runs["moved"]
    ref = model_marginals(str(tmp_path / "moved" / "final"), str(base), str(pairs_file), max_rows=3, max_length=64,
                          max_prompt_length=32, progress=False)
    assert [r["value"] for r in moved] == pytest.approx(ref.h, abs=1e-5)
    assert [r["extra"]["gap"] for r in moved] == ref.gap == [3.0, 4.0, 5.0]
    assert all(r["extra"]["h_p"] != r["value"] for r in moved)  # p changes the margin


def test_cli_scores_reports_and_names_bad_input(tmp_path, capsys):
    from bench.cli import main
    from bench.science.render import END, START

    folder = save_model(tmp_path / "m", seed=1)
    items, out = write_items(tmp_path / "i.jsonl"), tmp_path / "results"
    assert main(["science", "accuracy", "--model", str(folder), "--items", str(items), "--out", str(out),
                 "--bf16", "false"]) == 0
    assert (out / "i" / "m.jsonl").is_file() and "on 3 items" in capsys.readouterr().out
    readme = tmp_path / "README.md"
    readme.write_text(f"{START}\n{END}\n", encoding="utf-8")
    assert main(["science", "report", "--out", str(out), "--readme", str(readme)]) == 0
    assert readme.read_text(encoding="utf-8").count("not yet run.**") == 6
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "question": "q", "options": ["a", "b"], "answer_index": 2}) + "\n")
    assert main(["science", "accuracy", "--model", str(folder), "--items", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"sr-bench science: {bad}:1: 'answer_index' must be an integer in [0, 2), got 2"
