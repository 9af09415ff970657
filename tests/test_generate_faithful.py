"""Faithful generation: only the asked settings reach generate() (a model's generation_config does not leak) and
each row records the effective ones; the plain (HH) template as sr-train renders it, stopping before a new human
turn; MT-Bench's per-category temperatures."""

import json
import shutil

import pytest
import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import (
    AutoModelForCausalLM,
    GenerationConfig,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
)

from bench.cli import main as bench_main
from bench.winrate.answers import read_answers
from bench.winrate.generate import HFGenerator, generate_answers, prompt_token_ids
from sr_train.artifacts.templates import PLAIN_STOP, render_plain
from sr_train.pairs import encode_view

QUESTIONS = [
    {"question_id": 1, "category": "writing", "turns": ["How do I boil an egg ?", "And a soft one ?"]},
    {"question_id": 2, "category": "math", "turns": ["What is two plus three ?"]},
    {"question_id": 3, "category": "general", "turns": ["Is water wet ?"]},
]
LEAKY = dict(do_sample=True, temperature=0.6, top_k=20, top_p=0.8, repetition_penalty=1.3, no_repeat_ngram_size=2,
             min_p=0.05)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from tiny import tiny_model, tiny_tokenizer

    folder = tmp_path_factory.mktemp("gen-clean")
    tok = tiny_tokenizer([t for q in QUESTIONS for t in q["turns"]])
    tiny_model(len(tok), seed=5).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def leaky_dir(model_dir, tmp_path_factory):
    """The same weights, with a generation_config that sets sampling and penalty fields (as Qwen's does)."""
    folder = tmp_path_factory.mktemp("gen-leaky") / "m"
    shutil.copytree(model_dir, folder)
    GenerationConfig(**LEAKY, eos_token_id=3, pad_token_id=0).save_pretrained(folder)
    return folder


@pytest.fixture()
def qfile(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    return path


def rows(path):
    return {r["question_id"]: r for r in read_answers(path)}


def test_the_model_generation_config_does_not_leak_and_effective_settings_are_recorded(model_dir, leaky_dir, qfile,
                                                                                      tmp_path):
    # without the fix, transformers fills unset fields from the model's generation_config
    raw = AutoModelForCausalLM.from_pretrained(leaky_dir)
    merged, _ = raw._prepare_generation_config(GenerationConfig(max_new_tokens=4, do_sample=False))
    assert merged.repetition_penalty == 1.3 and merged.no_repeat_ngram_size == 2 and merged.top_k == 20

    leaky = HFGenerator(str(leaky_dir), dtype="float32")
    greedy = rows(generate_answers(str(leaky_dir), str(qfile), tmp_path / "g.jsonl", max_new_tokens=8,
                                   generator=leaky, progress=False))
    g = greedy[1]["generation"]
    assert g["do_sample"] is False and g["num_beams"] == 1 and g["max_new_tokens"] == 8
    assert (g["repetition_penalty"], g["no_repeat_ngram_size"], g["top_k"], g["min_p"]) == (1.0, 0, 0, 0.0)
    assert g["template"] == "chat" and g["backend"] == "hf"
    assert g["model_generation_config_ignored"]["repetition_penalty"] == 1.3
    assert g["model_generation_config_ignored"]["top_k"] == 20
    # greedy answers equal those of the same weights without any generation_config settings
    clean = HFGenerator(str(model_dir), dtype="float32")
    plain = rows(generate_answers(str(model_dir), str(qfile), tmp_path / "c.jsonl", max_new_tokens=8,
                                  generator=clean, progress=False))
    assert [greedy[q]["answers"] for q in (1, 2, 3)] == [plain[q]["answers"] for q in (1, 2, 3)]
    assert "model_generation_config_ignored" not in plain[1]["generation"]
    # sampling: exactly the asked temperature / top_p, no top-k (neither the model's 20 nor transformers' 50)
    sampled = rows(generate_answers(str(leaky_dir), str(qfile), tmp_path / "s.jsonl", max_new_tokens=4,
                                    temperature=0.5, top_p=0.9, generator=leaky, progress=False))
    s = sampled[2]["generation"]
    assert (s["do_sample"], s["temperature"], s["top_p"], s["top_k"], s["min_p"], s["repetition_penalty"]) == (
        True, 0.5, 0.9, 0, 0.0, 1.0)
    asked = rows(generate_answers(str(leaky_dir), str(qfile), tmp_path / "k.jsonl", max_new_tokens=4,
                                  temperature=0.5, top_k=7, repetition_penalty=1.1, generator=leaky,
                                  progress=False))[3]["generation"]
    assert (asked["top_k"], asked["repetition_penalty"]) == (7, 1.1)


def test_category_temperatures_follow_mt_bench_rule(model_dir, qfile, tmp_path, capsys):
    gen = HFGenerator(str(model_dir), dtype="float32")
    seen = []

    class Spy:
        def generate(self, conversations, dec, temperature=None):
            seen.append((conversations[0][0]["content"], dec.temperature if temperature is None else temperature,
                         len(conversations)))
            return gen.generate(conversations, dec, temperature=temperature)

        def effective(self, dec, temperature):
            return gen.effective(dec, temperature)

    out = generate_answers(str(model_dir), str(qfile), tmp_path / "t.jsonl", max_new_tokens=3, temperature=0.3,
                           category_temperatures="mt-bench", generator=Spy(), progress=False)
    r = rows(out)
    assert {q: r[q]["generation"]["temperature"] for q in r} == {1: 0.7, 3: 0.3, 2: 1.0}
    assert r[2]["generation"]["do_sample"] is False and r[1]["generation"]["do_sample"] is True  # math: greedy
    temps = {content: t for content, t, _ in seen}
    assert temps == {"How do I boil an egg ?": 0.7, "What is two plus three ?": 0.0, "Is water wet ?": 0.3}
    assert r[1]["decoding"]["category_temperatures"] == "mt-bench"
    # unknown rules refused
    with pytest.raises(SystemExit):
        bench_main(["generate", "--model", str(model_dir), "--questions", str(qfile), "--out",
                    str(tmp_path / "x.jsonl"), "--category-temperatures", "nope"])
    assert "invalid choice: 'nope'" in capsys.readouterr().err
    with pytest.raises(Exception, match="category_temperatures must be one of"):
        generate_answers(str(model_dir), str(qfile), tmp_path / "y.jsonl", category_temperatures="nope",
                         generator=gen, progress=False)


# -- the plain (HH) template -----------------------------------------------------------------------------------
DIALOG = [("How do I boil an egg?", "Boil it for nine minutes."), ("And a soft one?", "Six minutes is enough.")]


@pytest.fixture(scope="module")
def plain_dir(tmp_path_factory):
    """A tiny model without a chat template that learned one HH conversation which runs on into a new human turn
    (it never emits EOS): the generator must stop at '\\n\\nHuman:'."""
    text = "".join(f"\n\nHuman: {q}\n\nAssistant: {a}" for q, a in DIALOG) + "\n\nHuman: Thanks!"
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator([text] * 3, vocab_size=300, min_frequency=1, special_tokens=["<|endoftext|>", "<pad>"])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|endoftext|>", pad_token="<pad>")
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=48, intermediate_size=96, num_hidden_layers=1,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                      pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, bos_token_id=None)
    model = LlamaForCausalLM(cfg)
    ids = torch.tensor([tok(text)["input_ids"]])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):
        loss = model(input_ids=ids, labels=ids).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if loss.item() < 0.02:
            break
    folder = tmp_path_factory.mktemp("plain")
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def test_plain_template_answers_two_turns_and_stops_before_a_new_human_turn(plain_dir, tmp_path):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(json.dumps({"question_id": "egg", "category": "cooking", "turns": [q for q, _ in DIALOG]}) + "\n")
    with pytest.raises(Exception, match="no chat template.*--template plain"):
        HFGenerator(str(plain_dir), dtype="float32")
    gen = HFGenerator(str(plain_dir), dtype="float32", template="plain")
    # the prompt is exactly what sr-train trains on (sr_train.pairs renders 'plain' the same way)
    conv = [{"role": "user", "content": DIALOG[0][0]}, {"role": "assistant", "content": DIALOG[0][1]},
            {"role": "user", "content": DIALOG[1][0]}]
    train_prompt, _, _ = encode_view(gen.tokenizer, conv, "x", "y", chat=False)
    assert prompt_token_ids(gen.tokenizer, conv, "plain") == list(train_prompt)
    assert gen.render(conv) == render_plain(conv) and gen.render(conv).endswith("\n\nAssistant:")
    # the model itself runs on into a new human turn ...
    enc = gen.tokenizer(render_plain(conv[:1]), return_tensors="pt")
    raw = gen.tokenizer.decode(gen.model.generate(**enc, max_new_tokens=20, do_sample=False)[0, enc["input_ids"].shape[1]:])
    assert PLAIN_STOP in raw
    # ... the generator stops there and cuts it; turn 2 follows its own first answer
    out = tmp_path / "a.jsonl"
    assert bench_main(["generate", "--model", str(plain_dir), "--questions", str(qfile), "--out", str(out),
                       "--template", "plain", "--max-new-tokens", "40", "--dtype", "float32"]) == 0
    row = read_answers(out)[0]
    assert row["answers"] == [a for _, a in DIALOG] and row["truncated"] == [False, False]
    assert row["decoding"]["template"] == "plain" and row["generation"]["template"] == "plain"
    assert row["generation"]["stop_strings"] == [PLAIN_STOP]
    # auto picks plain for a tokenizer without a chat template
    assert HFGenerator(str(plain_dir), dtype="float32", template="auto").template == "plain"
