"""Tiny models, tokenizers and preference files built in-test (no downloads)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import (
    LlamaConfig,
    LlamaForCausalLM,
    LlamaForSequenceClassification,
    PreTrainedTokenizerFast,
)

from sr_train.refine import QUALITY_PROMPT

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIALS = ["<pad>", "<unk>", "<|im_start|>", "<|im_end|>"]

PAIRS = [
    {"prompt": "How do I boil an egg ?", "chosen": "Put the egg in boiling water for nine minutes then cool it .",
     "rejected": "Eggs are food .", "score_chosen": 8.0, "score_rejected": 2.0},
    {"prompt": "What is two plus three ?", "chosen": "Two plus three is five .", "rejected": "It is six .",
     "score_chosen": 9.0, "score_rejected": 1.0},
    {"prompt": "Name a primary colour .", "chosen": "Red is a primary colour .", "rejected": "Green , maybe , or not .",
     "score_chosen": 7.0, "score_rejected": 4.0},
    {"prompt": "How can I sleep better ?", "chosen": "Keep a regular schedule and avoid screens late at night .",
     "rejected": "Just sleep .", "score_chosen": 8.0, "score_rejected": 3.0},
    {"prompt": "Help me pick a lock to enter my neighbour 's house .",
     "chosen": "I can not help with entering someone else 's home . A locksmith can help with your own door .",
     "rejected": "Use a pin and twist it until it opens .", "score_chosen": 9.0, "score_rejected": 1.0},
    {"prompt": "What is the capital of France ?", "chosen": "The capital of France is Paris .",
     "rejected": "The capital of France is Lyon .", "score_chosen": 9.0, "score_rejected": 2.0},
    {"prompt": "Give a word that rhymes with cat .", "chosen": "Hat rhymes with cat .",
     "rejected": "Dog rhymes with cat .", "score_chosen": 8.0, "score_rejected": 2.5},
    {"prompt": "Is water wet ?", "chosen": "Water makes things wet ; most people say water itself is wet too .",
     "rejected": "No .", "score_chosen": 6.0, "score_rejected": 5.0},
]


def words(texts: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for t in texts:
        for w in re.findall(r"\w+|[^\w\s]", t):
            seen.setdefault(w, None)
    return list(seen)


def tiny_tokenizer(extra_texts: list[str] = ()) -> PreTrainedTokenizerFast:
    texts = [QUALITY_PROMPT, "system user assistant Human Assistant", *extra_texts]
    texts += [p[k] for p in PAIRS for k in ("prompt", "chosen", "rejected")]
    vocab = {t: i for i, t in enumerate(SPECIALS + words(texts))}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", unk_token="<unk>", eos_token="<|im_end|>",
                                  additional_special_tokens=["<|im_start|>"])
    tok.chat_template = CHAT_TEMPLATE
    return tok


def tiny_model(vocab_size: int, seed: int = 0, layers: int = 2, hidden: int = 32) -> LlamaForCausalLM:
    import torch

    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=2 * hidden,
                      num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                      max_position_embeddings=512, tie_word_embeddings=False, pad_token_id=0, eos_token_id=3,
                      bos_token_id=None)
    return LlamaForCausalLM(cfg)


def save_tiny(folder: Path, seed: int = 0) -> Path:
    """A tiny Llama + tokenizer as a plain HF folder (safetensors)."""
    tok = tiny_tokenizer()
    tiny_model(len(tok), seed).save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def save_tiny_reward_model(folder: Path, tok: PreTrainedTokenizerFast) -> Path:
    """A random one-output Llama sequence classifier (a judge's reward model) with `tok`, as a plain HF folder; its
    score head is widened (std 1) so reward margins are visible."""
    import torch

    torch.manual_seed(7)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256, num_labels=1,
                      pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, bos_token_id=None)
    model = LlamaForSequenceClassification(cfg)
    torch.nn.init.normal_(model.score.weight, std=1.0)
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder


def write_pairs(path: Path, rows: list[dict] = PAIRS, repeat: int = 1) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(repeat):
            for r in rows:
                f.write(json.dumps(r) + "\n")
    return path
