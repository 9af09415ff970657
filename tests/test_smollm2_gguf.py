"""Real weights: sr-train on SmolLM2-135M-Instruct straight from its .gguf, offline on CPU; lm-eval loads the result."""

import json
import math

import pytest
import torch
from helpers.runs import ok, sr_train

from sr_train.artifacts.assets import smollm2_gguf


@pytest.mark.slow
def test_gguf_sr_dpo_checkpoint_loads_in_lm_eval(pairs_file, tmp_path):
    out = tmp_path / "smol"
    ok(sr_train(["--model", str(smollm2_gguf()), "--data", str(pairs_file), "--loss", "sr-dpo", "--batch-size", "2",
                 "--max-steps", "2", "--warmup-steps", "0", "--learning-rate", "1e-5", "--max-length", "96",
                 "--max-prompt-length", "48", "--output-dir", str(out), "--ref-cache-dir", str(tmp_path / "ref")],
                timeout=600))
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all(math.isfinite(r["loss"]) and "refine/delta" in r for r in rows)
    final = out / "final"
    assert (final / "model.safetensors").exists() and not list(final.glob("*.gguf"))
    assert "quantization_config" not in json.loads((final / "config.json").read_text())

    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    lm = HFLM(pretrained=str(final), device="cpu", batch_size=1)
    context, continuation = "The capital of France is", " Paris"
    req = Instance(request_type="loglikelihood", doc={}, arguments=(context, continuation), idx=0)
    (lm_logp, _), = lm.loglikelihood([req])

    tok = AutoTokenizer.from_pretrained(final)
    model = AutoModelForCausalLM.from_pretrained(final).eval()
    ctx, cont = tok(context)["input_ids"], tok(context + continuation)["input_ids"][len(tok(context)["input_ids"]):]
    with torch.no_grad():
        logits = model(torch.tensor([ctx + cont])).logits[0, len(ctx) - 1:-1].float().log_softmax(-1)
    ours = logits.gather(-1, torch.tensor(cont)[:, None]).sum().item()
    assert lm_logp == pytest.approx(ours, abs=1e-3)
    assert lm_logp > -10  # a real language model finds 'Paris' likely
