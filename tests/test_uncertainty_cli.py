"""`sr-bench uncertainty` end to end: tiny Bradley-Terry members -> a data file with an uncertainty column that
UP-DPO's data path reads."""

import json

import torch
from tiny import PAIRS, tiny_tokenizer, write_pairs
from transformers import LlamaConfig, LlamaForSequenceClassification

from bench.cli import main
from sr_train.data import load_pairs


def save_member(folder, seed: int, tok) -> None:
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                      num_attention_heads=4, num_key_value_heads=2, num_labels=1, pad_token_id=tok.pad_token_id)
    LlamaForSequenceClassification(cfg).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)


def test_uncertainty_column_from_an_ensemble(tmp_path):
    tok = tiny_tokenizer()
    for seed in (1, 2, 3):
        save_member(tmp_path / f"bt{seed}", seed, tok)
    save_member(tmp_path / "twin", 1, tok)
    data = write_pairs(tmp_path / "pairs.jsonl")
    out = tmp_path / "with_u.jsonl"
    members = [str(tmp_path / f"bt{s}") for s in (1, 2, 3)]
    assert main(["uncertainty", "--data", str(data), "--members", *members, "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == len(PAIRS) and all(r["uncertainty"] > 0 for r in rows)
    assert [r["chosen"] for r in rows] == [p["chosen"] for p in PAIRS]  # the data's rows, in order
    pairs, _ = load_pairs(str(out), scores=False)
    assert [p["uncertainty"] for p in pairs] == [r["uncertainty"] for r in rows]
    facts = json.loads((tmp_path / "with_u.jsonl.json").read_text())
    assert facts["members"] == members and facts["kind"] == "margin_std"
    # two copies of one model agree on every pair: no uncertainty
    same = tmp_path / "same.jsonl"
    assert main(["uncertainty", "--data", str(data), "--members", members[0], str(tmp_path / "twin"),
                 "--out", str(same)]) == 0
    assert all(json.loads(line)["uncertainty"] == 0 for line in same.read_text().splitlines())
