"""Answer a question set with a model, both turns, batched, resumable (`sr-bench generate` and the pipeline).

Each question is answered with the model's chat template; for a two-turn question the second user turn
is appended after the model's OWN first answer. Rows go to a JSONL file keyed by (model, question_set,
question_id) and are appended (flushed, fsynced) as each batch finishes, so a killed run resumes where
it stopped: questions already answered by the same model in the file are skipped. Mixing decoding
settings for one model in one file is refused.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm
from transformers import GenerationConfig

from bench.winrate.answers import AnswersError, answered, read_answers
from bench.winrate.questions import Question, QuestionSet, load_questions
from sr_train.artifacts.assets import resolve
from sr_train.artifacts.files import append_jsonl
from sr_train.artifacts.models import load_model, load_tokenizer, resolve_dtype
from sr_train.artifacts.provenance import now_iso, package_versions
from sr_train.artifacts.runs import model_label, run_info, run_settings
from sr_train.artifacts.weights import weights_id


class GenerateError(AnswersError):
    """Bad generation options or an unusable backend (an AnswersError, so callers catch one class for both)."""


@dataclass
class Decoding:
    max_new_tokens: int = 1024
    temperature: float = 0.0
    """0 means greedy decoding."""
    top_p: float = 1.0
    seed: int = 0
    batch_size: int = 8
    backend: str = "hf"
    dtype: str = "auto"

    def check(self) -> None:
        if self.max_new_tokens < 1:
            raise GenerateError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise GenerateError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise GenerateError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.batch_size < 1:
            raise GenerateError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.backend not in ("hf", "vllm"):
            raise GenerateError(f"backend must be hf or vllm, got {self.backend!r}")


# -- backends ----------------------------------------------------------------------------------------------
def render_prompt(tokenizer: Any, conversation: list[dict[str, str]]) -> str:
    """The conversation in the model's chat template, ending with the assistant's turn opener."""
    return tokenizer.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)


def prompt_token_ids(tokenizer: Any, conversation: list[dict[str, str]]) -> list[int]:
    """Token ids of render_prompt (the template already holds any BOS): what both backends feed the model."""
    return list(tokenizer(render_prompt(tokenizer, conversation), add_special_tokens=False)["input_ids"])


class HFGenerator:
    """transformers generate() with left padding; greedy when temperature is 0."""

    def __init__(self, model: str, dtype: str = "auto", device: str | None = None):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.tokenizer = load_tokenizer(model)
        if not getattr(self.tokenizer, "chat_template", None):
            raise GenerateError(f"{model}: the tokenizer has no chat template; answers must use the model's template")
        self.tokenizer.padding_side = "left"
        self.model = load_model(model, dtype=resolve_dtype(dtype)).to(self.device).eval()
        eos = self.model.generation_config.eos_token_id
        eos = [eos] if isinstance(eos, int) else list(eos or [])
        self.eos_ids = sorted({*eos, self.tokenizer.eos_token_id} - {None})

    def render(self, conversation: list[dict[str, str]]) -> str:
        return render_prompt(self.tokenizer, conversation)

    def generate(self, conversations: list[list[dict[str, str]]], dec: Decoding) -> list[tuple[str, bool]]:
        """(answer, truncated) per conversation; truncated when max_new_tokens ended it before an EOS."""
        enc = self.tokenizer([self.render(c) for c in conversations], return_tensors="pt", padding=True,
                             add_special_tokens=False).to(self.device)
        sample = dec.temperature > 0
        config = GenerationConfig(
            max_new_tokens=dec.max_new_tokens, do_sample=sample, temperature=dec.temperature if sample else None,
            top_p=dec.top_p if sample else None, top_k=None, eos_token_id=self.eos_ids,
            pad_token_id=self.tokenizer.pad_token_id,
        )
        with torch.no_grad():
            out = self.model.generate(**enc, generation_config=config)
        new = out[:, enc["input_ids"].shape[1]:].tolist()
        results = []
        for ids in new:
            ended = [i for i, t in enumerate(ids) if t in self.eos_ids]
            kept = ids[:ended[0]] if ended else ids
            text = self.tokenizer.decode(kept, skip_special_tokens=True).strip()
            results.append((text, not ended))
        return results


class VLLMGenerator:
    """vLLM offline engine (GPU only); prompts are token ids rendered with the model's chat template."""

    def __init__(self, model: str, dtype: str = "auto", seed: int = 0):
        if importlib.util.find_spec("vllm") is None:
            raise GenerateError("--backend vllm needs the vllm package (pip install 'sr-align[vllm]'); "
                                "use --backend hf otherwise")
        if not torch.cuda.is_available():
            raise GenerateError("--backend vllm needs a CUDA GPU and none is visible; use --backend hf")
        if model.endswith(".gguf"):
            raise GenerateError("--backend vllm takes a HF folder or hub id; convert the .gguf first with "
                                "sr_train.artifacts.models.export_hf(path, out_dir)")
        from vllm import LLM  # optional dependency: imported only when this backend is used

        self.tokenizer = load_tokenizer(model)
        self.llm = LLM(model=model, dtype=dtype, seed=seed)

    def generate(self, conversations: list[list[dict[str, str]]], dec: Decoding) -> list[tuple[str, bool]]:
        from vllm import SamplingParams  # optional dependency

        prompts = [{"prompt_token_ids": prompt_token_ids(self.tokenizer, c)} for c in conversations]
        params = SamplingParams(max_tokens=dec.max_new_tokens, temperature=dec.temperature, top_p=dec.top_p,
                                seed=dec.seed)
        outs = self.llm.generate(prompts, params, use_tqdm=False)
        return [(o.outputs[0].text.strip(), o.outputs[0].finish_reason == "length") for o in outs]


def _conversation(q: Question, answers: list[str], turn: int) -> list[dict[str, str]]:
    msgs: list[dict[str, str]] = []
    for i in range(turn):
        msgs.append({"role": "user", "content": q.turns[i]})
        if i < turn - 1:
            msgs.append({"role": "assistant", "content": answers[i]})
    return msgs


def answer_batch(generator: Any, questions: list[Question], dec: Decoding) -> list[tuple[list[str], list[bool]]]:
    """Answers (and truncation flags) for a batch: all first turns, then the second turns on the model's
    own first answers."""
    answers: list[list[str]] = [[] for _ in questions]
    truncated: list[list[bool]] = [[] for _ in questions]
    for turn in range(1, max(len(q.turns) for q in questions) + 1):
        idx = [i for i, q in enumerate(questions) if len(q.turns) >= turn]
        outs = generator.generate([_conversation(questions[i], answers[i], turn) for i in idx], dec)
        for i, (text, cut) in zip(idx, outs):
            answers[i].append(text)
            truncated[i].append(cut)
    return list(zip(answers, truncated))


def generate_answers(
    model: str, questions: str | QuestionSet = "sr-questions", out: str | os.PathLike = "answers.jsonl",
    *, backend: str = "hf", max_new_tokens: int = 1024, temperature: float = 0.0, top_p: float = 1.0,
    batch_size: int = 8, limit: int | None = None, seed: int = 0, model_name: str | None = None,
    dtype: str = "auto", generator: Any = None, progress: bool = True,
) -> Path:
    """Answer every not-yet-answered question of the set; returns the answers file. `generator` reuses a
    loaded HFGenerator / VLLMGenerator (for tests and loops over checkpoints)."""
    dec = Decoding(max_new_tokens, temperature, top_p, seed, batch_size, backend, dtype)
    dec.check()
    model = resolve(model)  # builtin:<name> -> its local path
    qset = questions if isinstance(questions, QuestionSet) else load_questions(questions, limit=limit)
    if isinstance(questions, QuestionSet) and limit is not None:
        qset = QuestionSet(qset.name, qset.source, qset.questions[:limit])
    out = Path(out)
    label = model_name or model_label(model)
    weights = weights_id(model)
    done = answered(read_answers(out, repair=True), label, qset.name, asdict(dec), weights, model, out)
    todo = [q for q in qset.questions if q.question_id not in done]
    if not todo:
        print(f"{out}: all {len(qset)} questions of {qset.name} already answered by {label}", file=sys.stderr)
        return out
    if generator is None:
        generator = VLLMGenerator(model, dtype, seed) if backend == "vllm" else HFGenerator(model, dtype)
    info = run_info(model)
    if settings := run_settings(model):  # the run's other shaping settings travel with its answers
        info = {**info, "settings": settings}
    versions = package_versions("sr-align", "torch", "transformers", *(["vllm"] if backend == "vllm" else []))
    print(f"{label}: answering {len(todo)} of {len(qset)} questions of {qset.name} "
          f"({len(done)} already in {out})", file=sys.stderr)
    torch.manual_seed(seed)
    bar = tqdm(total=len(todo), desc=f"generate {label}", unit="q", disable=not progress)
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        for q, (answers, cut) in zip(batch, answer_batch(generator, batch, dec)):
            append_jsonl(out, {
                "model": label, "model_path": model, "weights": weights, "question_set": qset.name,
                "question_id": q.question_id,
                "category": q.category, "turns": list(q.turns), "answers": answers, "truncated": cut,
                "decoding": asdict(dec), "run_info": info, "versions": versions, "created": now_iso(),
            })
        bar.update(len(batch))
    bar.close()
    return out
