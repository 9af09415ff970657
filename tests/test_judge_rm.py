"""Reward-model judge: a tiny random LlamaForSequenceClassification + in-test tokenizer, judged via rm:<path>."""

import json

import pytest
import torch
from transformers import LlamaConfig, LlamaForSequenceClassification

from bench.cli import main as bench_main
from bench.records import load_records
from bench.winrate.judges import JudgeItem, make_judge
from bench.winrate.pairwise import pairwise
from sr_train.artifacts.errors import UserError

QUESTIONS = {
    1: ["How do I boil an egg ?"],
    2: ["What is two plus three ?", "And two plus four ?"],
    3: ["Name a primary colour ."],
    4: ["Is water wet ?", "Why ?"],
    5: ["How can I sleep better ?"],
}
ANSWERS_A = {1: ["Put the egg in boiling water for nine minutes ."], 2: ["It is five .", "It is six ."],
             3: ["Red is a primary colour ."], 4: ["Yes .", "Water makes things wet ."],
             5: ["Keep a regular schedule ."]}
ANSWERS_B = {1: ["Eggs are food ."], 2: ["It is six .", "Five , maybe ."], 3: ["Green , maybe , or not ."],
             4: ["No .", "Just because ."], 5: ["Just sleep ."]}


@pytest.fixture(scope="module")
def rm_dir(tmp_path_factory):
    from tiny import save_tiny_reward_model, tiny_tokenizer

    folder = tmp_path_factory.mktemp("tiny-rm")
    texts = [t for d in (QUESTIONS, ANSWERS_A, ANSWERS_B) for v in d.values() for t in v]
    tok = tiny_tokenizer(texts)
    return save_tiny_reward_model(folder, tok)


def items() -> list[JudgeItem]:
    out = []
    for qid, turns in QUESTIONS.items():
        for t in range(1, len(turns) + 1):
            out.append(JudgeItem(qid, t, "test", tuple(turns[:t]), tuple(ANSWERS_A[qid][:t]),
                                 tuple(ANSWERS_B[qid][:t])))
    return out


def direct_score(folder, conversation) -> float:
    """The score straight from transformers, one unpadded sequence at a time."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    ids = tok(tok.apply_chat_template(conversation, tokenize=False), add_special_tokens=False, return_tensors="pt")
    with torch.no_grad():
        return model(**ids).logits[0, 0].item()


def write_answers(path, model, answers):
    with open(path, "w") as f:
        for qid, turns in QUESTIONS.items():
            f.write(json.dumps({"model": model, "question_set": "sr-questions", "question_id": qid,
                                "category": "test", "turns": turns, "answers": answers[qid]}) + "\n")
    return path


def test_batched_scores_equal_one_by_one_and_direct_forward(rm_dir):
    convs = [it.conversation(side) for it in items() for side in ("A", "B")]
    batched = make_judge(f"rm:{rm_dir}", batch_size=4, progress=False).score(convs)
    single = make_judge(f"rm:{rm_dir}", batch_size=1, progress=False).score(convs)
    assert batched == pytest.approx(single, abs=1e-5)
    assert len(set(round(s, 4) for s in batched)) > len(convs) // 2  # not a constant model
    for conv, s in zip(convs[:4], batched[:4]):
        assert s == pytest.approx(direct_score(rm_dir, conv), abs=1e-5)


def test_two_turn_items_score_the_whole_conversation(rm_dir):
    judge = make_judge(f"rm:{rm_dir}", progress=False)
    two = next(it for it in items() if it.turn == 2)
    text = judge.render(two.conversation("A"))
    assert all(s in text for s in (*two.questions, *two.answers_a))
    assert not any(s in text for s in two.answers_b if s not in two.answers_a)


def test_tie_margin_and_pairwise_records(rm_dir, tmp_path):
    its = items()
    diffs = [direct_score(rm_dir, it.conversation("A")) - direct_score(rm_dir, it.conversation("B")) for it in its]
    assert any(d > 0 for d in diffs) and any(d < 0 for d in diffs)
    gaps = sorted(abs(d) for d in diffs)
    margin = (gaps[len(gaps) // 2] + gaps[len(gaps) // 2 + 1]) / 2  # between two items: about half become ties
    assert gaps[len(gaps) // 2 + 1] - gaps[len(gaps) // 2] > 1e-3
    want = ["win" if d > margin else "lose" if d < -margin else "tie" for d in diffs]
    assert want.count("tie") >= 2 and want.count("tie") < len(want)

    a = write_answers(tmp_path / "a.jsonl", "model-a", ANSWERS_A)
    b = write_answers(tmp_path / "b.jsonl", "model-b", ANSWERS_B)
    res = pairwise(a, b, f"rm:{rm_dir}", out=tmp_path / "res" / "rm-exp", n_boot=200,
                   judge_options={"tie_margin": margin, "batch_size": 3, "progress": False})
    got = {(j.item.question_id, j.item.turn): j.outcome.outcome for j in res.judged}
    assert [got[it.question_id, it.turn] for it in its] == want
    zero = pairwise(a, b, f"rm:{rm_dir}", out=None, n_boot=50, judge_options={"progress": False})
    assert [j.outcome.outcome for j in zero.judged] == ["win" if d > 0 else "lose" for d in diffs]
    wide = pairwise(a, b, f"rm:{rm_dir}", out=None, n_boot=50,
                    judge_options={"tie_margin": max(abs(d) for d in diffs) + 1, "progress": False})
    assert {j.outcome.outcome for j in wide.judged} == {"tie"}

    recs = {r["metric"]: r for r in load_records(tmp_path / "res" / "rm-exp")}
    assert set(recs) == {"win", "tie", "lose", "error_rate"}  # one score per answer: order cannot matter
    assert recs["win"]["value"] == pytest.approx(want.count("win") / len(want))
    assert recs["win"]["judge"] == f"rm:{rm_dir.name}" and recs["win"]["n"] == len(want)


def test_cli_rm_judge(rm_dir, tmp_path, capsys):
    a = write_answers(tmp_path / "a.jsonl", "model-a", ANSWERS_A)
    b = write_answers(tmp_path / "b.jsonl", "model-b", ANSWERS_B)
    out = tmp_path / "res" / "cli"
    rc = bench_main(["judge", "--a", str(a), "--b", str(b), "--judge", f"rm:{rm_dir}", "--out", str(out),
                     "--tie-margin", "0.5", "--rm-batch-size", "2", "--bootstrap", "100"])
    assert rc == 0 and "win" in capsys.readouterr().out
    summary = json.loads(next(out.glob("*.summary.json")).read_text())
    assert summary["judge"]["tie_margin"] == 0.5 and summary["judge"]["batch_size"] == 2
    rows = [json.loads(x) for x in next(out.glob("*.verdicts.ndjson")).read_text().splitlines()]
    assert len(rows) == len(items()) and all({"score_a", "score_b"} <= set(r) for r in rows)


def test_unusable_reward_models_are_named(rm_dir, tmp_path):
    from transformers import AutoTokenizer

    two = LlamaForSequenceClassification(LlamaConfig(vocab_size=50, hidden_size=16, intermediate_size=32,
                                                     num_hidden_layers=1, num_attention_heads=2, num_labels=2,
                                                     pad_token_id=0))
    bad = tmp_path / "two-labels"
    two.save_pretrained(bad)
    AutoTokenizer.from_pretrained(rm_dir).save_pretrained(bad)
    with pytest.raises(UserError, match="num_labels=2"):
        make_judge(f"rm:{bad}")
    tok = AutoTokenizer.from_pretrained(rm_dir)
    tok.chat_template = None
    no_tpl = tmp_path / "no-template"
    LlamaForSequenceClassification.from_pretrained(rm_dir).save_pretrained(no_tpl)
    tok.save_pretrained(no_tpl)
    with pytest.raises(UserError, match="no chat template"):
        make_judge(f"rm:{no_tpl}")
    with pytest.raises(UserError, match="tie_margin must be >= 0"):
        make_judge(f"rm:{rm_dir}", tie_margin=-1)
    with pytest.raises(UserError, match="judge must be 'openai:<model>' or 'rm:"):
        make_judge("gpt-4")


def test_over_long_inputs_keep_their_end_and_are_counted(rm_dir):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    judge = make_judge(f"rm:{rm_dir}", max_length=12, progress=False)
    convs = [it.conversation("A") for it in items()]
    scores = judge.score(convs)
    tok = AutoTokenizer.from_pretrained(rm_dir)
    model = AutoModelForSequenceClassification.from_pretrained(rm_dir).eval()
    ids = [tok(tok.apply_chat_template(c, tokenize=False), add_special_tokens=False)["input_ids"] for c in convs]
    assert judge.info()["truncated_inputs"] == sum(len(x) > 12 for x in ids) > 0
    for seq, s in zip(ids, scores):
        with torch.no_grad():
            want = model(input_ids=torch.tensor([seq[-12:]])).logits[0, 0].item()
        assert s == pytest.approx(want, abs=1e-5)
