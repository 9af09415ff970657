"""A3: greedy exact match. Each question (bare, as the user turn, under the chat template) is answered greedily
(at most 24 new tokens) with the harness's generator (bench.winrate.generate.HFGenerator); the answer's first
sentence, lower-cased with punctuation and the articles a / an / the removed, must equal the equally normalised
correct answer."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

from bench.records import make_record
from bench.science.items import load_items
from bench.science.models import EvalModel
from bench.science.store import EXPERIMENT, pending, result_path, save, settings_key
from bench.winrate.generate import Decoding, HFGenerator
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import file_sha256
from sr_train.artifacts.provenance import package_versions

MAX_NEW_TOKENS = 24
CHUNK = 32
ARTICLES = re.compile(r"\b(?:a|an|the)\b")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")
PUNCTUATION = str.maketrans("", "", string.punctuation)


def first_sentence(text: str) -> str:
    """Up to the first sentence end (. ! or ? followed by white space) or line break."""
    return SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def normalise(text: str) -> str:
    """Lower case, punctuation and articles removed, white space collapsed."""
    return " ".join(ARTICLES.sub(" ", text.lower().translate(PUNCTUATION)).split())


def exact_match(generated: str, answer: str) -> bool:
    return normalise(first_sentence(generated)) == normalise(answer)


def evaluate_exact(em: EvalModel, items_file: str | Path, out: str | Path, *, limit: int | None = None,
                   batch_size: int = 16, device: str = "cpu", task: str | None = None) -> list[dict[str, Any]]:
    """Greedy answers and exact match for the first `limit` items; records to <out>/<task>/<label>.jsonl (task:
    `<file stem>_em`), resuming from the items already there."""
    if em.base is not None:
        raise UserError(f"{em.path}: exact match needs a plain model folder (a final/ or merged checkpoint)")
    task = task or f"{Path(items_file).stem}_em"
    items = load_items(items_file, limit)
    dec = Decoding(max_new_tokens=MAX_NEW_TOKENS, temperature=0.0, batch_size=batch_size, dtype="float32",
                   template="chat")
    key = settings_key({"identity": em.identity(), "decoding": vars(dec), "items": file_sha256(items_file),
                        "task": task})
    target = result_path(out, task, em.label)
    records, todo = pending(target, key, items)
    if not todo:
        return records
    gen = HFGenerator(em.path, dtype=dec.dtype, device=device, template=dec.template)
    versions = package_versions()
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start:start + CHUNK]
        answers = []
        for b in range(0, len(chunk), batch_size):
            answers += gen.generate([[{"role": "user", "content": it["question"]}] for it in chunk[b:b + batch_size]],
                                    dec)
        for item, (text, truncated) in zip(chunk, answers):
            answer = item["options"][item["answer_index"]]
            records.append(make_record(
                EXPERIMENT, task=task, metric="exact_match", value=float(exact_match(text, answer)), unit="fraction",
                n=1, versions=versions, extra={"item": item["id"], "key": key, "text": text, "truncated": truncated,
                                               "answer": answer}, **em.record_fields()))
        save(target, records)
    return records
