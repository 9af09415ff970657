"""A1 / A2: accuracy by log-likelihood over a question's answer options.

Each option is rendered as the response `Option.` (sr_train.prefdata.science_build.cap: first letter upper case,
final period) to the bare question as the user turn, under the model's chat template, and scored by its summed
response log-prob on sr-train's reference log-prob path (sr_train.reference.compute_reference_logps: the same
collator, forward and numeric path as training; two options ride as one pair's chosen and rejected). An item is
correct when the correct option's log-prob is strictly the highest (a tie is wrong); `acc_norm` divides each by the
rendered option's length in characters (lm-eval's acc_norm); `pairwise` is the share of distractors the correct
option beats.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from bench.records import make_record
from bench.science.items import load_items
from bench.science.models import EvalModel, load
from bench.science.store import EXPERIMENT, pending, result_path, save, settings_key
from sr_train.artifacts.files import file_sha256
from sr_train.artifacts.models import bf16_autocast
from sr_train.artifacts.provenance import package_versions
from sr_train.logps import NumericPath
from sr_train.pairs import encode_view, use_chat_template
from sr_train.prefdata.science_build import cap
from sr_train.reference import compute_reference_logps

CHUNK = 64  # items scored between two writes of the result file


def numeric(bf16: str, device: str) -> NumericPath:
    """The log-prob path: bf16 autocast `true`, `false`, or `auto` (sr-train's rule: where the device runs bf16
    natively)."""
    return NumericPath(bf16=bf16_autocast(bf16, device))


def option_examples(tok: Any, item: dict[str, Any]) -> list[dict[str, list[int]]]:
    """The item's options as pairs (options 2j and 2j+1 as chosen and rejected; an odd last one with itself)."""
    chat = use_chat_template(tok, "auto")
    prompt = [{"role": "user", "content": item["question"]}]
    opts = [cap(o) for o in item["options"]]
    out = []
    for j in range(0, len(opts), 2):
        p, a, b = encode_view(tok, prompt, opts[j], opts[min(j + 1, len(opts) - 1)], chat)
        out.append({"prompt_ids": p, "chosen_ids": a, "rejected_ids": b})
    return out


def option_logps(model: torch.nn.Module, tok: Any, items: list[dict[str, Any]], batch_size: int,
                 device: str, path: NumericPath) -> list[list[float]]:
    """Summed response log-prob of every option of every item."""
    examples, spans = [], []
    for item in items:
        ex = option_examples(tok, item)
        spans.append((len(examples), len(ex), len(item["options"])))
        examples += ex
    refs = compute_reference_logps(model, examples, tok.pad_token_id, batch_size, torch.device(device), path,
                                   progress=False)
    chosen, rejected = refs["ref_chosen"].tolist(), refs["ref_rejected"].tolist()
    out = []
    for start, n, k in spans:
        both = [v for i in range(start, start + n) for v in (chosen[i], rejected[i])]
        out.append(both[:k])
    return out


def outcome(logps: list[float], chars: list[int], answer: int) -> dict[str, float]:
    """acc (strictly highest; ties wrong), acc_norm (per character) and pairwise (share of distractors beaten)."""
    others = [i for i in range(len(logps)) if i != answer]
    norm = [lp / c for lp, c in zip(logps, chars)]
    return {"acc": float(all(logps[answer] > logps[i] for i in others)),
            "acc_norm": float(all(norm[answer] > norm[i] for i in others)),
            "pairwise": sum(logps[answer] > logps[i] for i in others) / len(others)}


def evaluate_loglik(em: EvalModel, items_file: str | Path, out: str | Path, *, limit: int | None = None,
                    batch_size: int = 16, device: str = "cpu", bf16: str = "auto",
                    task: str | None = None) -> list[dict[str, Any]]:
    """Score the first `limit` items of `items_file` with one model; records to <out>/<task>/<label>.jsonl (task:
    the file's stem), resuming from the items already there. Returns every record of the file."""
    task = task or Path(items_file).stem
    items = load_items(items_file, limit)
    path = numeric(bf16, device)
    key = settings_key({"identity": em.identity(), "numeric": path.key(), "items": file_sha256(items_file),
                        "render": "cap", "task": task})
    target = result_path(out, task, em.label)
    records, todo = pending(target, key, items)
    if not todo:
        return records
    model, tok = load(em, device)
    versions = package_versions()
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start:start + CHUNK]
        for item, logps in zip(chunk, option_logps(model, tok, chunk, batch_size, device, path)):
            chars = [len(cap(o)) for o in item["options"]]
            res = outcome(logps, chars, item["answer_index"])
            records.append(make_record(
                EXPERIMENT, task=task, metric="acc", value=res["acc"], unit="fraction", n=1, versions=versions,
                extra={"item": item["id"], "key": key, "answer_index": item["answer_index"], "logps": logps,
                       "chars": chars, "acc_norm": res["acc_norm"], "pairwise": res["pairwise"],
                       "bf16": path.bf16}, **em.record_fields()))
        save(target, records)
    return records
