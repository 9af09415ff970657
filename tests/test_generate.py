"""sr-bench generate: both turns with the chat template, batched == one-by-one greedy, resume, settings guard."""

import json
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from bench.cli import main as bench_main
from bench.winrate.answers import AnswersError as GenerateError
from bench.winrate.answers import read_answers
from bench.winrate.generate import HFGenerator, generate_answers
from bench.winrate.questions import load_questions
from sr_train.artifacts.runs import model_label, run_info

QUESTIONS = [
    {"question_id": 1, "category": "cooking", "turns": ["How do I boil an egg ?", "And a soft one ?"]},
    {"question_id": 2, "category": "math", "turns": ["What is two plus three ?"]},
    {"question_id": 3, "category": "general", "turns": ["Name a primary colour .", "Name another one , please ."]},
    {"question_id": 4, "category": "general", "turns": ["Is water wet ?"]},
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from tiny import tiny_model, tiny_tokenizer

    folder = tmp_path_factory.mktemp("gen-llama")
    tok = tiny_tokenizer([t for q in QUESTIONS for t in q["turns"]])
    tiny_model(len(tok), seed=3).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def generator(model_dir):
    return HFGenerator(str(model_dir), dtype="float32")


@pytest.fixture()
def qfile(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    return path


class Counting:
    """Wraps a real generator and records every conversation it is asked to continue."""

    def __init__(self, inner):
        self.inner, self.seen = inner, []

    def generate(self, conversations, dec):
        self.seen.extend(conversations)
        return self.inner.generate(conversations, dec)


def by_id(path):
    return {r["question_id"]: r for r in read_answers(path)}


def test_batched_equals_one_by_one_and_turn_two_follows_own_answer(model_dir, generator, qfile, tmp_path):
    batched = generate_answers(str(model_dir), str(qfile), tmp_path / "b.jsonl", max_new_tokens=8, batch_size=4,
                               generator=generator, progress=False)
    single = generate_answers(str(model_dir), str(qfile), tmp_path / "s.jsonl", max_new_tokens=8, batch_size=1,
                              generator=generator, progress=False)
    rb, rs = by_id(batched), by_id(single)
    assert sorted(rb) == [1, 2, 3, 4]
    for qid, q in enumerate(QUESTIONS, 1):
        assert len(rb[qid]["answers"]) == len(q["turns"]) and all(a.strip() for a in rb[qid]["answers"])
        assert rb[qid]["answers"] == rs[qid]["answers"], qid
        assert rb[qid]["decoding"]["batch_size"] == 4 and rb[qid]["decoding"]["max_new_tokens"] == 8
        assert rb[qid]["turns"] == q["turns"] and rb[qid]["question_set"] == "q"
    # Independently: the second answer is plain greedy decoding of the chat template rendered over
    # [user 1, the model's own answer 1, user 2].
    tok, model = generator.tokenizer, generator.model
    row = rb[1]
    msgs = [{"role": "user", "content": row["turns"][0]}, {"role": "assistant", "content": row["answers"][0]},
            {"role": "user", "content": row["turns"][1]}]
    text = tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    assert text.endswith("<|im_start|>assistant\n") and row["answers"][0] in text
    ids = tok(text, return_tensors="pt", add_special_tokens=False)["input_ids"].to(model.device)
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=8, do_sample=False,
                             pad_token_id=tok.pad_token_id)
    new = [t for t in out[0, ids.shape[1]:].tolist() if t != tok.eos_token_id]
    assert tok.decode(new, skip_special_tokens=True).strip() == row["answers"][1]


def test_resume_skips_answered_questions_and_repairs_a_torn_line(model_dir, generator, qfile, tmp_path):
    out = tmp_path / "answers.jsonl"
    first = Counting(generator)
    generate_answers(str(model_dir), str(qfile), out, max_new_tokens=4, batch_size=2, limit=2, generator=first,
                     progress=False)
    assert sorted(by_id(out)) == [1, 2] and len(first.seen) == 3  # q1 two turns + q2 one turn
    before = out.read_text()
    with open(out, "a") as f:
        f.write('{"model": "x", "question_id": 3, "answ')  # a run killed in the middle of a line
    second = Counting(generator)
    generate_answers(str(model_dir), str(qfile), out, max_new_tokens=4, batch_size=2, generator=second,
                     progress=False)
    assert out.read_text().startswith(before)  # old rows untouched, torn line gone
    assert sorted(r["question_id"] for r in read_answers(out)) == [1, 2, 3, 4]
    asked = [c[0]["content"] for c in second.seen]
    assert set(asked) == {QUESTIONS[2]["turns"][0], QUESTIONS[3]["turns"][0]}  # only questions 3 and 4
    third = Counting(generator)
    generate_answers(str(model_dir), str(qfile), out, max_new_tokens=4, generator=third, progress=False)
    assert third.seen == []
    with pytest.raises(GenerateError, match=r"other decoding settings .*max_new_tokens.*\(4, 5\)"):
        generate_answers(str(model_dir), str(qfile), out, max_new_tokens=5, generator=generator, progress=False)
    # Another model label in the same file is a separate key.
    generate_answers(str(model_dir), str(qfile), out, max_new_tokens=4, model_name="other", limit=1,
                     generator=generator, progress=False)
    assert [r["model"] for r in read_answers(out)].count("other") == 1
    with pytest.raises(GenerateError, match=r"other decoding settings .*'dtype': \('auto', 'bfloat16'\)"):
        generate_answers(str(model_dir), str(qfile), out, max_new_tokens=4, dtype="bfloat16", generator=generator,
                         progress=False)
    # rows written before dtype and weights were recorded still resume
    rows = read_answers(out)
    for r in rows:
        r["decoding"].pop("dtype"), r.pop("weights")
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    fourth = Counting(generator)
    generate_answers(str(model_dir), str(qfile), out, max_new_tokens=4, generator=fourth, progress=False)
    assert fourth.seen == []


def test_retrained_weights_under_the_same_label_are_refused(model_dir, generator, qfile, tmp_path):
    """A model retrained at the same path (or another model under the same label) does not resume old answers."""
    import os

    run = tmp_path / "dpo" / "final"
    shutil.copytree(model_dir, run)
    out = tmp_path / "answers.jsonl"
    generate_answers(str(run), str(qfile), out, max_new_tokens=3, limit=1, generator=generator, progress=False)
    assert read_answers(out)[0]["model"] == "dpo/final"  # sr-train's final/ folders are named by their run
    weights = next(run.glob("*.safetensors"))
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))  # same bytes saved again
    generate_answers(str(run), str(qfile), out, max_new_tokens=3, limit=2, generator=generator, progress=False)
    assert [r["question_id"] for r in read_answers(out)] == [1, 2]  # the same weights: resumed
    tensors = load_file(weights)
    save_file({k: v + 0.01 for k, v in tensors.items()}, weights, metadata={"format": "pt"})  # retrained
    with pytest.raises(GenerateError, match=r"answers of dpo/final on q from other weights .*retrained"):
        generate_answers(str(run), str(qfile), out, max_new_tokens=3, generator=generator, progress=False)
    other = tmp_path / "sr-dpo" / "final"
    shutil.copytree(model_dir, other)
    generate_answers(str(other), str(qfile), out, max_new_tokens=3, limit=1, generator=generator, progress=False)
    assert [r["model"] for r in read_answers(out)] == ["dpo/final", "dpo/final", "sr-dpo/final"]


def test_vllm_prompt_ids_equal_the_hf_inputs(generator):
    """The vLLM backend is fed prompt_token_ids: the same ids the hf backend generates from."""
    from bench.winrate.generate import prompt_token_ids

    conv = [{"role": "user", "content": QUESTIONS[0]["turns"][0]}, {"role": "assistant", "content": "Boil it ."},
            {"role": "user", "content": QUESTIONS[0]["turns"][1]}]
    ids = prompt_token_ids(generator.tokenizer, conv)
    enc = generator.tokenizer([generator.render(conv)], add_special_tokens=False)
    assert isinstance(ids, list) and all(isinstance(i, int) for i in ids)
    assert ids == enc["input_ids"][0] and len(ids) > 10


def test_bad_answer_file_line_is_named(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('{"model": "m", "question_id": 1}\nnot json\n{"model": "m", "question_id": 2}\n')
    with pytest.raises(GenerateError, match=r"a.jsonl:2: not valid JSON"):
        read_answers(f, repair=True)


def test_run_info_and_labels_from_a_checkpoint(model_dir, tmp_path):
    ckpt = tmp_path / "sr-dpo-run" / "checkpoint-30"
    shutil.copytree(model_dir, ckpt)
    (ckpt.parent / "run_config.json").write_text(json.dumps(
        {"loss": "sr-dpo", "beta": 0.1, "lam": 0.5, "seed": 1, "batch_size": 64, "model": "m", "data": "d"}))
    (ckpt / "trainer_state.json").write_text(json.dumps({"global_step": 30}))
    assert model_label(str(ckpt)) == "sr-dpo-run/checkpoint-30"
    assert run_info(str(ckpt)) == {"method": "sr-dpo", "beta": 0.1, "lambda": 0.5, "seed": 1, "batch_size": 64,
                                   "step": 30, "tuples_seen": 30 * 64}
    assert model_label("x/SmolLM2.Q4_1.gguf") == "SmolLM2.Q4_1" and model_label("org/model") == "org/model"
    assert run_info("org/model") == {}


def test_cli_generates_and_reports_bad_options(model_dir, qfile, tmp_path, capsys):
    out = tmp_path / "cli.jsonl"
    rc = bench_main(["generate", "--model", str(model_dir), "--questions", str(qfile), "--out", str(out),
                     "--max-new-tokens", "3", "--batch-size", "4", "--limit", "3", "--dtype", "float32"])
    assert rc == 0 and len(read_answers(out)) == 3
    rows = read_answers(out)
    assert all(r["decoding"]["temperature"] == 0.0 and r["model"] == model_dir.name for r in rows)
    assert bench_main(["generate", "--model", str(model_dir), "--questions", str(qfile), "--out", str(out),
                       "--temperature", "-1"]) == 2
    assert "temperature must be >= 0" in capsys.readouterr().err
    bad_q = tmp_path / "bad.jsonl"
    bad_q.write_text('{"question_id": 1, "turns": []}\n')
    assert bench_main(["generate", "--model", str(model_dir), "--questions", str(bad_q)]) == 2
    assert f"{bad_q}:1:" in capsys.readouterr().err


def test_vllm_backend_needs_vllm_and_a_gpu(model_dir, qfile, tmp_path, capsys):
    import importlib.util

    if importlib.util.find_spec("vllm") is not None and torch.cuda.is_available():
        pytest.skip("vllm and a GPU are present: the backend would run")
    rc = bench_main(["generate", "--model", str(model_dir), "--questions", str(qfile), "--backend", "vllm",
                     "--out", str(tmp_path / "v.jsonl")])
    assert rc == 2 and "--backend vllm needs" in capsys.readouterr().err
    assert not (tmp_path / "v.jsonl").exists()


@pytest.mark.slow
def test_smollm2_answers_two_turns(smollm2_dir, tmp_path):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("".join(json.dumps(q) + "\n" for q in [
        {"question_id": "cap", "category": "knowledge", "turns": ["What is the capital of France?",
                                                                  "And of Italy?"]},
        {"question_id": "add", "category": "math", "turns": ["What is 2 + 3?"]},
    ]))
    gen = HFGenerator(str(smollm2_dir), dtype="float32")
    batched = by_id(generate_answers(str(smollm2_dir), load_questions(str(qfile)), tmp_path / "a.jsonl",
                                     max_new_tokens=16, batch_size=2, generator=gen, progress=False))
    single = by_id(generate_answers(str(smollm2_dir), load_questions(str(qfile)), tmp_path / "b.jsonl",
                                    max_new_tokens=16, batch_size=1, generator=gen, progress=False))
    assert "Paris" in batched["cap"]["answers"][0]
    assert len(batched["cap"]["answers"]) == 2 and "Rome" in batched["cap"]["answers"][1]
    assert len(batched["add"]["answers"]) == 1
    assert batched["cap"]["answers"] == single["cap"]["answers"]
    assert batched["add"]["answers"] == single["add"]["answers"]
