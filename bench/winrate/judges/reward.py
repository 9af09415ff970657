"""Reward-model judge `rm:<path or hub id>`: any AutoModelForSequenceClassification with one output.

Each answer is scored on its own: the conversation up to the judged turn (user turns plus that answer
set's replies) is rendered with the reward model tokenizer's chat template and scored in batches
(right padding: the model reads the score at the last real token; inputs over `max_length` tokens
lose their beginning and are counted in `info()["truncated_inputs"]`). A wins if its score beats B's by
more than `tie_margin`, B likewise, otherwise tie. The judge never sees both answers together, so the
order cannot matter: one verdict per item, no swap-consistency or position-bias rates. With `bf16` on (auto: where
the device runs bf16 matrix work natively) the forward runs under bf16 autocast over the loaded weights; `info()`
states whether it did (`bf16_autocast`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from bench.winrate.judges.base import JudgedItem, JudgeItem
from bench.winrate.stats import ItemOutcome
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.models import bf16_autocast, resolve_dtype


class RewardModelJudge:
    order_sensitive = False

    def __init__(
        self, path: str, *, tie_margin: float = 0.0, batch_size: int = 8, max_length: int | None = 2048,
        device: str | None = None, dtype: str = "float32", trust_remote_code: bool = False, progress: bool = True,
        bf16: str = "false",
    ):
        if tie_margin < 0:
            raise UserError(f"tie_margin must be >= 0, got {tie_margin}")
        if batch_size < 1:
            raise UserError(f"batch_size must be >= 1, got {batch_size}")
        self.path, self.tie_margin, self.batch_size, self.max_length = path, tie_margin, batch_size, max_length
        self.name = f"rm:{Path(path).resolve().name}" if Path(path).is_dir() else f"rm:{path}"  # folder or hub id
        self.progress = progress
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.bf16 = bf16_autocast(bf16, self.device)
        """Whether the forward runs under bf16 autocast."""
        self.dtype = dtype
        self.tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
        if not getattr(self.tokenizer, "chat_template", None):
            raise UserError(f"reward model tokenizer at {path} has no chat template; the judge renders "
                             "question + answer with it (set tokenizer.chat_template and save it)")
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.padding_side = "right"
        self.tokenizer.truncation_side = "left"  # an over-long input keeps its end, where the score is read
        torch_dtype = resolve_dtype(dtype)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            path, dtype=torch_dtype, trust_remote_code=trust_remote_code).to(self.device).eval()
        if self.model.config.num_labels != 1:
            raise UserError(f"reward model at {path} has num_labels={self.model.config.num_labels}; "
                             "a reward model has exactly one output")
        if self.model.config.pad_token_id is None:
            self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.truncated = 0

    def render(self, conversation: list[dict[str, str]]) -> str:
        return self.tokenizer.apply_chat_template(conversation, tokenize=False)

    @torch.no_grad()
    def score(self, conversations: list[list[dict[str, str]]]) -> list[float]:
        """One scalar per conversation, computed `batch_size` at a time (longest first, order restored)."""
        texts = [self.render(c) for c in conversations]
        lengths = [len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])
        if self.max_length:
            self.truncated = sum(n > self.max_length for n in lengths)
        scores = [0.0] * len(texts)
        batches = range(0, len(order), self.batch_size)
        for start in tqdm(batches, desc=f"score {self.name}", disable=not self.progress):
            idx = order[start:start + self.batch_size]
            enc = self.tokenizer([texts[i] for i in idx], add_special_tokens=False, padding=True,
                                 truncation=bool(self.max_length), max_length=self.max_length, return_tensors="pt")
            with self.autocast():
                logits = self.model(**enc.to(self.device)).logits.float().view(-1)
            for i, s in zip(idx, logits.tolist()):
                scores[i] = s
        return scores

    def autocast(self) -> contextlib.AbstractContextManager:
        return torch.autocast(self.device.type, dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()

    def verdict(self, score_a: float, score_b: float) -> str:
        diff = score_a - score_b
        return "A" if diff > self.tie_margin else "B" if diff < -self.tie_margin else "tie"

    def judge(self, items: list[JudgeItem]) -> list[JudgedItem]:
        scores = self.score([it.conversation("A") for it in items] + [it.conversation("B") for it in items])
        out = []
        for k, it in enumerate(items):
            sa, sb = scores[k], scores[len(items) + k]
            v = self.verdict(sa, sb)
            out.append(JudgedItem(it, ItemOutcome.from_single(it.question_id, it.turn, v),
                                  {"score_a": sa, "score_b": sb, "verdict": v}))
        return out

    def info(self) -> dict[str, Any]:
        return {"judge": self.name, "path": self.path, "tie_margin": self.tie_margin, "batch_size": self.batch_size,
                "max_length": self.max_length, "dtype": self.dtype, "bf16_autocast": self.bf16,
                "truncated_inputs": self.truncated}
