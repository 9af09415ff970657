"""bf16 autocast of `sr-bench generate` and the reward-model judge against the plain float32 path (tiny models,
real transformers). The tolerance is stated relative to the float32 numbers' own spread: every logit / score under
bf16 is within TOL_SHARE x the standard deviation of the float32 logits / scores (measured on these models: 0.017-0.036,
bf16 keeping 8 significant bits). Where float32 separates two options by more than twice that (each side can move by
the tolerance), bf16 must pick the same one: the same greedy token at every step, the same verdict."""

import json

import pytest
import torch
from tiny import PAIRS, save_tiny_reward_model, tiny_model, tiny_tokenizer

from bench.cli import main as bench_main
from bench.pipeline.config import PipelineError, load_config
from bench.pipeline.stages import judged_with
from bench.records import load_records
from bench.winrate.answers import AnswersError
from bench.winrate.generate import Decoding, GenerateError, HFGenerator, generate_answers
from bench.winrate.judges import make_judge
from bench.winrate.questions import Question, QuestionSet
from sr_train.artifacts import models
from sr_train.artifacts.errors import UserError

TOL_SHARE = 0.05
PROMPTS = [p[k] for k in ("prompt", "chosen", "rejected") for p in PAIRS]
STEPS = 5


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory):
    """A tiny Llama whose head is scaled x10, so its greedy choices are not all near-ties."""
    folder = tmp_path_factory.mktemp("tiny-gen")
    tok = tiny_tokenizer()
    model = tiny_model(len(tok), seed=0)
    with torch.no_grad():
        model.lm_head.weight.mul_(10.0)
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def rm_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-rm")
    tok = tiny_tokenizer()
    return save_tiny_reward_model(folder, tok)


@pytest.fixture(scope="module")
def generators(gen_dir):
    return HFGenerator(str(gen_dir), dtype="float32"), HFGenerator(str(gen_dir), dtype="float32", bf16="true")


def conversations() -> list[list[dict[str, str]]]:
    return [[{"role": "user", "content": p}] for p in PROMPTS]


def test_auto_follows_the_cpu_features(monkeypatch):
    monkeypatch.setattr(models, "cpu_bf16_flags", lambda: ["avx512_bf16"])
    assert models.bf16_autocast("auto", "cpu") and models.bf16_autocast("false", "cpu") is False
    monkeypatch.setattr(models, "cpu_bf16_flags", lambda: [])
    assert not models.bf16_autocast("auto", "cpu") and models.bf16_autocast("true", "cpu")
    with pytest.raises(UserError, match="bf16 must be one of auto, true, false; got 'yes'"):
        models.bf16_autocast("yes", "cpu")


def test_rm_scores_and_verdicts_under_bf16_agree_with_fp32(rm_dir):
    plain = make_judge(f"rm:{rm_dir}", batch_size=4, progress=False)
    fast = make_judge(f"rm:{rm_dir}", batch_size=4, progress=False, bf16="true")
    assert (plain.info()["bf16_autocast"], fast.info()["bf16_autocast"]) == (False, True)
    convs = [[{"role": "user", "content": p["prompt"]}, {"role": "assistant", "content": p[k]}]
             for p in PAIRS for k in ("chosen", "rejected")]
    s32, s16 = torch.tensor(plain.score(convs)), torch.tensor(fast.score(convs))
    tol = TOL_SHARE * s32.std().item()
    delta = (s32 - s16).abs().max().item()
    assert 0 < delta <= tol, (delta, tol)  # bf16 did run (the numbers moved), within the tolerance
    margins = s32[0::2] - s32[1::2]  # chosen vs rejected, per pair
    clear = [k for k, m in enumerate(margins.tolist()) if abs(m) > 2 * tol]
    assert len(clear) >= 4, margins  # the verdict check below is not vacuous
    for k in clear:
        assert fast.verdict(s16[2 * k].item(), s16[2 * k + 1].item()) == plain.verdict(s32[2 * k].item(),
                                                                                        s32[2 * k + 1].item())


def test_greedy_generation_under_bf16_agrees_with_fp32(generators):
    plain, fast = generators
    dec = Decoding(max_new_tokens=STEPS, batch_size=len(PROMPTS))
    enc = plain.tokenizer([plain.render(c) for c in conversations()], return_tensors="pt", padding=True,
                          add_special_tokens=False)
    with torch.no_grad():
        out = plain.model.generate(**enc, generation_config=plain.config(dec, 0.0), output_scores=True,
                                   return_dict_in_generate=True)
        mask = torch.cat([enc["attention_mask"], torch.ones_like(out.sequences[:, enc["input_ids"].shape[1]:])], 1)
        n = enc["input_ids"].shape[1]
        l32 = plain.model(out.sequences, attention_mask=mask).logits[:, n - 1:-1].float()
        with fast.autocast():
            l16 = fast.model(out.sequences, attention_mask=mask).logits[:, n - 1:-1].float()
    scores = torch.stack(out.scores, 1)  # fp32 greedy logits at every step
    tol = TOL_SHARE * scores.std().item()
    first = (l32[:, 0] - l16[:, 0]).abs().max().item()
    every = (l32 - l16).abs().max().item()
    assert 0 < first <= every <= tol, (first, every, tol)  # first step, then every step of the fp32 answer
    top2 = scores.topk(2, -1).values
    confident = ((top2[..., 0] - top2[..., 1]).min(1).values > 2 * tol).tolist()
    assert sum(confident) >= 4, confident  # the identity check below is not vacuous
    a32, a16 = plain.generate(conversations(), dec), fast.generate(conversations(), dec)
    for k, sure in enumerate(confident):
        if sure:
            assert a16[k] == a32[k], PROMPTS[k]


def qset(n: int = 2) -> QuestionSet:
    return QuestionSet("tiny", "test", [Question(k, "test", (PAIRS[k]["prompt"],)) for k in range(n)])


def test_bf16_is_recorded_and_a_changed_setting_is_not_resumed(generators, gen_dir, tmp_path):
    plain, fast = generators
    out = tmp_path / "answers.jsonl"
    generate_answers(str(gen_dir), qset(1), out, max_new_tokens=3, dtype="float32", bf16="true", generator=fast,
                     progress=False)
    row = json.loads(out.read_text().splitlines()[0])
    assert row["decoding"]["bf16"] == "true" and row["decoding"]["bf16_autocast"] is True
    assert row["generation"]["bf16_autocast"] is True
    with pytest.raises(AnswersError, match=r"other decoding settings .*'bf16_autocast': \(True, False\)"):
        generate_answers(str(gen_dir), qset(2), out, max_new_tokens=3, dtype="float32", bf16="false",
                         generator=plain, progress=False)
    generate_answers(str(gen_dir), qset(2), out, max_new_tokens=3, dtype="float32", bf16="true", generator=fast,
                     progress=False)
    assert len(out.read_text().splitlines()) == 2  # the same setting resumes: only the new question

    legacy = tmp_path / "legacy.jsonl"  # a row written before bf16 was recorded: made without autocast
    row["decoding"] = {k: v for k, v in row["decoding"].items() if k not in ("bf16", "bf16_autocast")}
    legacy.write_text(json.dumps(row) + "\n")
    with pytest.raises(AnswersError, match="bf16_autocast"):
        generate_answers(str(gen_dir), qset(1), legacy, max_new_tokens=3, dtype="float32", bf16="true",
                         generator=fast, progress=False)
    generate_answers(str(gen_dir), qset(1), legacy, max_new_tokens=3, dtype="float32", generator=plain,
                     progress=False)
    assert len(legacy.read_text().splitlines()) == 1

    with pytest.raises(GenerateError, match="runs with it the other way"):
        generate_answers(str(gen_dir), qset(1), tmp_path / "x.jsonl", bf16="true", generator=plain, progress=False)
    with pytest.raises(GenerateError, match="bf16 must be one of auto, true, false"):
        generate_answers(str(gen_dir), qset(1), tmp_path / "x.jsonl", bf16="on", generator=plain, progress=False)
    with pytest.raises(GenerateError, match="bf16 autocast is for the hf backend"):
        generate_answers(str(gen_dir), qset(1), tmp_path / "x.jsonl", backend="vllm", bf16="true", progress=False)


def test_cli_flags_reach_the_answers_and_the_judge_records(gen_dir, rm_dir, tmp_path, capsys):
    q = tmp_path / "q.jsonl"
    q.write_text("".join(json.dumps({"question_id": k, "category": "test", "turns": [PAIRS[k]["prompt"]]}) + "\n"
                         for k in range(3)))
    files = {}
    for name, bf16 in (("a", "true"), ("b", "false")):
        files[name] = tmp_path / f"{name}.jsonl"
        assert bench_main(["generate", "--model", str(gen_dir), "--questions", str(q), "--out", str(files[name]),
                           "--model-name", name, "--max-new-tokens", "3", "--dtype", "float32", "--bf16", bf16]) == 0
        rows = [json.loads(x) for x in files[name].read_text().splitlines()]
        assert {r["decoding"]["bf16_autocast"] for r in rows} == {bf16 == "true"}
    out = tmp_path / "res" / "rm"
    assert bench_main(["judge", "--a", str(files["a"]), "--b", str(files["b"]), "--judge", f"rm:{rm_dir}",
                       "--out", str(out), "--bootstrap", "50", "--rm-bf16", "true"]) == 0
    summary = json.loads(next(out.glob("*.summary.json")).read_text())
    assert summary["judge"]["bf16_autocast"] is True and summary["judge"]["dtype"] == "float32"
    assert {r["extra"]["judge_bf16_autocast"] for r in load_records(out)} == {True}
    capsys.readouterr()
    with pytest.raises(SystemExit):
        bench_main(["generate", "--model", str(gen_dir), "--questions", str(q), "--bf16", "maybe"])
    assert "invalid choice: 'maybe'" in capsys.readouterr().err


def test_pipeline_judges_again_when_rm_bf16_changes(tiny_dir, pairs_file, tmp_path):
    from test_pipeline import write_config

    summary = tmp_path / "a-vs-b.summary.json"
    inputs = {"tie_margin": 0.0, "rm_bf16_autocast": False}
    summary.write_text(json.dumps({"pipeline_inputs": {"tie_margin": 0.0}}))  # judged before it was recorded
    assert judged_with(summary, inputs)
    assert not judged_with(summary, {**inputs, "rm_bf16_autocast": True})
    cfg = load_config(write_config(tmp_path, tiny_dir, pairs_file, winrate={"bf16": "auto", "rm_bf16": "true"}))
    assert (cfg.winrate.bf16, cfg.winrate.rm_bf16) == ("auto", "true")
    with pytest.raises(PipelineError, match=r"winrate.rm_bf16 must be one of auto, true, false, got 'fast'"):
        load_config(write_config(tmp_path, tiny_dir, pairs_file, winrate={"rm_bf16": "fast"}))
