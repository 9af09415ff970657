"""Answer a question set with a model, both turns, batched, resumable (`sr-bench generate` and the pipeline).

Each question is answered with the model's chat template (`template='chat'`), or, for a model trained in the
HH-RLHF text form, in that form exactly as sr-train renders it (`template='plain'`,
sr_train.artifacts.templates.render_plain), stopping at EOS or at the next '\n\nHuman:' (cut from the answer);
`auto` takes the chat template when the tokenizer has one. For a two-turn question the second user turn
is appended after the model's OWN first answer.

Decoding is what was asked and nothing else: every sampling and penalty field is set explicitly (greedy when
temperature is 0, top_k 0 = off, min_p 0, repetition_penalty 1, no n-gram blocking, ...) and the model's own
generation_config (which may set repetition_penalty or top_k) is replaced by one holding only its token ids, so
none of its settings leaks in; each row records the effective settings (`generation`) the backend used. `bf16`
(auto | true | false; hf backend) runs the forward under bf16 autocast over the loaded weights (auto: where the
device runs bf16 matrix work natively, sr_train.artifacts.models.native_bf16); whether it was on is recorded
(`decoding.bf16_autocast`) and a file made the other way is not resumed. With
`category_temperatures='mt-bench'` a question's temperature comes from its category (MT-Bench's rule: writing
and roleplay 0.7, stem and humanities 0.1, extraction, math, coding and reasoning 0; other categories take
`temperature`). Rows go to a JSONL file keyed by (model, question_set,
question_id) and are appended (flushed, fsynced) as each batch finishes, so a killed run resumes where
it stopped: questions already answered by the same model in the file are skipped. Mixing decoding
settings for one model in one file is refused.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm
from transformers import GenerationConfig

from bench.winrate.answers import AnswersError, answered, read_answers
from bench.winrate.questions import Question, QuestionSet, as_reference, load_questions
from sr_train.artifacts.assets import resolve
from sr_train.artifacts.files import append_jsonl
from sr_train.artifacts.models import BF16_SETTINGS, bf16_autocast, load_model, load_tokenizer, resolve_dtype
from sr_train.artifacts.provenance import now_iso, package_versions
from sr_train.artifacts.runs import model_label, run_info, run_settings
from sr_train.artifacts.templates import PLAIN_STOP, render_plain
from sr_train.artifacts.weights import weights_id


class GenerateError(AnswersError):
    """Bad generation options or an unusable backend (an AnswersError, so callers catch one class for both)."""


TEMPLATES = ("chat", "plain", "auto")
CATEGORY_TEMPERATURES: dict[str, dict[str, float]] = {
    # MT-Bench's per-category sampling temperatures (its generation rule; categories as its question file names them)
    "mt-bench": {"writing": 0.7, "roleplay": 0.7, "extraction": 0.0, "math": 0.0, "coding": 0.0,
                 "reasoning": 0.0, "stem": 0.1, "humanities": 0.1},
}


def _f(default: Any, help: str, **kw: Any) -> Any:
    return field(default=default, metadata={"help": help, **kw})


@dataclass
class Decoding:
    """How answers are generated: the fields of `sr-bench generate` (its flags are made from them, with their help
    and defaults) and of the pipeline's `winrate:` section."""

    max_new_tokens: int = _f(1024, "new tokens per turn at most")
    temperature: float = _f(0.0, "sampling temperature; 0 = greedy")
    top_p: float = _f(1.0, "nucleus sampling when temperature > 0")
    seed: int = _f(0, "sampling seed")
    batch_size: int = _f(8, "questions per generate() call")
    backend: str = _f("hf", "generation engine", choices=("hf", "vllm"))
    dtype: str = _f("auto", "auto, float32, bfloat16 or float16")
    top_k: int = _f(0, "top-k sampling when temperature > 0; 0 = off")
    min_p: float = _f(0.0, "min-p sampling when temperature > 0")
    repetition_penalty: float = _f(1.0, "1 = off")
    template: str = _f("chat", "chat: the tokenizer's chat template; plain: the HH text form sr-train trains on "
                       "('\\n\\nHuman: ...\\n\\nAssistant:'), stopping at the next human turn; auto: chat when the "
                       "tokenizer has a template, else plain", choices=TEMPLATES)
    category_temperatures: str | None = _f(None, "per-category temperatures (mt-bench: writing/roleplay 0.7, "
                                           "stem/humanities 0.1, extraction/math/coding/reasoning 0; other "
                                           "categories take --temperature; None: --temperature for every question)",
                                           choices=tuple(sorted(CATEGORY_TEMPERATURES)))
    bf16: str = _f("false", "bf16 autocast of the hf backend's forward over the loaded weights: auto (where the "
                   "device runs bf16 matrix work natively: a bf16 GPU, an AMX / AVX512-BF16 CPU), true, false "
                   "(recorded in each row, and a file made the other way is not resumed)", choices=BF16_SETTINGS)

    def temperature_for(self, category: str) -> float:
        """The temperature of a question of `category` (the category rule's, else `temperature`)."""
        if self.category_temperatures is None:
            return self.temperature
        return CATEGORY_TEMPERATURES[self.category_temperatures].get(category.lower(), self.temperature)

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
        if self.top_k < 0:
            raise GenerateError(f"top_k must be >= 0 (0 = off), got {self.top_k}")
        if not 0 <= self.min_p < 1:
            raise GenerateError(f"min_p must be in [0, 1), got {self.min_p}")
        if self.repetition_penalty <= 0:
            raise GenerateError(f"repetition_penalty must be > 0 (1 = off), got {self.repetition_penalty}")
        if self.template not in TEMPLATES:
            raise GenerateError(f"template must be one of {TEMPLATES}, got {self.template!r}")
        if self.category_temperatures is not None and self.category_temperatures not in CATEGORY_TEMPERATURES:
            raise GenerateError(f"category_temperatures must be one of {sorted(CATEGORY_TEMPERATURES)} or unset, "
                                f"got {self.category_temperatures!r}")
        if self.bf16 not in BF16_SETTINGS:
            raise GenerateError(f"bf16 must be one of {', '.join(BF16_SETTINGS)}, got {self.bf16!r}")
        if self.backend == "vllm" and self.bf16 == "true":
            raise GenerateError("bf16 autocast is for the hf backend; vllm computes in --dtype (use --dtype bfloat16)")

    def autocast(self, device: torch.device | str | None = None) -> bool:
        """Whether the forward runs under bf16 autocast on `device` (never with vllm, which runs in its dtype)."""
        return self.backend == "hf" and bf16_autocast(self.bf16, device)


# -- backends ----------------------------------------------------------------------------------------------
def resolve_template(tokenizer: Any, template: str, model: str = "the model") -> str:
    """'chat' or 'plain' for `template` (auto: chat when the tokenizer has a chat template, else plain)."""
    has_chat = bool(getattr(tokenizer, "chat_template", None))
    if template == "auto":
        return "chat" if has_chat else "plain"
    if template == "chat" and not has_chat:
        raise GenerateError(f"{model}: the tokenizer has no chat template; answers must use the model's template "
                            "(for a model trained in the HH text form use --template plain)")
    return template


def render_prompt(tokenizer: Any, conversation: list[dict[str, str]], template: str = "chat") -> str:
    """The conversation in the model's chat template (or the plain HH form), ending with the assistant's opener."""
    if template == "plain":
        return render_plain(conversation)
    return tokenizer.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)


def prompt_token_ids(tokenizer: Any, conversation: list[dict[str, str]], template: str = "chat") -> list[int]:
    """Token ids of render_prompt, as both backends feed the model: a chat template already holds any BOS; the
    plain form is tokenised with the tokenizer's special tokens, as sr-train tokenises it."""
    text = render_prompt(tokenizer, conversation, template)
    return list(tokenizer(text, add_special_tokens=template == "plain")["input_ids"])


def cut_at_stop(text: str, template: str) -> tuple[str, bool]:
    """(text up to the next human turn, whether one was found) for the plain form; chat text unchanged."""
    if template == "plain" and PLAIN_STOP in text:
        return text[:text.index(PLAIN_STOP)], True
    return text, False


# The fields the hf backend records as the effective settings (sampling, penalties, length, stops).
RECORDED_FIELDS = (
    "do_sample", "temperature", "top_p", "top_k", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff",
    "repetition_penalty", "encoder_repetition_penalty", "no_repeat_ngram_size", "length_penalty", "num_beams",
    "max_new_tokens", "min_new_tokens", "bad_words_ids", "suppress_tokens", "begin_suppress_tokens",
    "sequence_bias", "forced_bos_token_id", "forced_eos_token_id", "guidance_scale", "stop_strings", "eos_token_id",
)


def hf_generation_config(dec: Decoding, temperature: float, eos_ids: list[int], pad_id: int | None,
                         template: str) -> GenerationConfig:
    """Every sampling and penalty field set explicitly; greedy when `temperature` is 0 (sampling fields neutral)."""
    sample = temperature > 0
    return GenerationConfig(
        max_new_tokens=dec.max_new_tokens, min_new_tokens=0, do_sample=sample, num_beams=1,
        temperature=temperature if sample else 1.0, top_p=dec.top_p if sample else 1.0,
        top_k=dec.top_k if sample else 0, min_p=dec.min_p if sample else 0.0, typical_p=1.0, epsilon_cutoff=0.0,
        eta_cutoff=0.0, repetition_penalty=dec.repetition_penalty, encoder_repetition_penalty=1.0,
        no_repeat_ngram_size=0, encoder_no_repeat_ngram_size=0, length_penalty=1.0, guidance_scale=1.0,
        num_return_sequences=1, eos_token_id=eos_ids, pad_token_id=pad_id,
        stop_strings=[PLAIN_STOP] if template == "plain" else None,
    )


def _plain_value(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


class HFGenerator:
    """transformers generate() with left padding; greedy when temperature is 0. The model's generation_config
    is replaced by one holding only its token ids, so only what Decoding asks reaches generate(). With `bf16` on
    (auto: where the device runs bf16 natively) generate() runs under torch.autocast(bfloat16) over the loaded
    weights."""

    def __init__(self, model: str, dtype: str = "auto", device: str | None = None, template: str = "chat",
                 bf16: str = "false"):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.bf16 = bf16_autocast(bf16, self.device)
        """Whether the forward runs under bf16 autocast."""
        self.tokenizer = load_tokenizer(model)
        self.template = resolve_template(self.tokenizer, template, model)
        self.tokenizer.padding_side = "left"
        self.model = load_model(model, dtype=resolve_dtype(dtype)).to(self.device).eval()
        own = self.model.generation_config
        self.ignored = {k: _plain_value(v) for k, v in own.to_diff_dict().items()
                        if k in RECORDED_FIELDS and k != "eos_token_id"}
        """What the model's own generation_config set and we do not take (recorded beside the answers)."""
        eos = own.eos_token_id
        eos = [eos] if isinstance(eos, int) else list(eos or [])
        self.eos_ids = sorted({*eos, self.tokenizer.eos_token_id} - {None})
        self.model.generation_config = GenerationConfig(
            bos_token_id=own.bos_token_id, eos_token_id=own.eos_token_id, pad_token_id=own.pad_token_id,
            decoder_start_token_id=own.decoder_start_token_id)

    def render(self, conversation: list[dict[str, str]]) -> str:
        return render_prompt(self.tokenizer, conversation, self.template)

    def autocast(self) -> contextlib.AbstractContextManager:
        """bf16 autocast on the generator's device when it is on, else nothing."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()

    def config(self, dec: Decoding, temperature: float) -> GenerationConfig:
        return hf_generation_config(dec, temperature, self.eos_ids, self.tokenizer.pad_token_id, self.template)

    def effective(self, dec: Decoding, temperature: float) -> dict[str, Any]:
        """The settings generate() runs with for this decoding (transformers' own merge of ours with the model's
        generation_config and its global defaults), plus the template."""
        config = self.config(dec, temperature)
        try:
            config, _ = self.model._prepare_generation_config(config)
        except AttributeError:  # a transformers without the merge step: ours is what runs
            pass
        out = {k: _plain_value(getattr(config, k, None)) for k in RECORDED_FIELDS}
        out.update(template=self.template, backend="hf", bf16_autocast=self.bf16)
        if self.ignored:
            out["model_generation_config_ignored"] = self.ignored
        return out

    def generate(self, conversations: list[list[dict[str, str]]], dec: Decoding,
                 temperature: float | None = None) -> list[tuple[str, bool]]:
        """(answer, truncated) per conversation; truncated when max_new_tokens ended it before an EOS (or, in the
        plain form, before the next human turn)."""
        plain = self.template == "plain"
        enc = self.tokenizer([self.render(c) for c in conversations], return_tensors="pt", padding=True,
                             add_special_tokens=plain).to(self.device)
        config = self.config(dec, dec.temperature if temperature is None else temperature)
        with torch.no_grad(), self.autocast():
            out = self.model.generate(**enc, generation_config=config, tokenizer=self.tokenizer if plain else None)
        new = out[:, enc["input_ids"].shape[1]:].tolist()
        results = []
        for ids in new:
            ended = [i for i, t in enumerate(ids) if t in self.eos_ids]
            kept = ids[:ended[0]] if ended else ids
            text, stopped = cut_at_stop(self.tokenizer.decode(kept, skip_special_tokens=True), self.template)
            results.append((text.strip(), not (ended or stopped)))
        return results


class VLLMGenerator:
    """vLLM offline engine (GPU only); prompts are token ids rendered as the hf backend renders them."""

    def __init__(self, model: str, dtype: str = "auto", seed: int = 0, template: str = "chat"):
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
        self.template = resolve_template(self.tokenizer, template, model)
        self.llm = LLM(model=model, dtype=dtype, seed=seed)

    def params(self, dec: Decoding, temperature: float) -> dict[str, Any]:
        """Every SamplingParams field that shapes the answer, set explicitly (the same settings as hf)."""
        sample = temperature > 0
        return {"max_tokens": dec.max_new_tokens, "temperature": temperature, "top_p": dec.top_p if sample else 1.0,
                "top_k": (dec.top_k or -1) if sample else -1, "min_p": dec.min_p if sample else 0.0,
                "repetition_penalty": dec.repetition_penalty, "presence_penalty": 0.0, "frequency_penalty": 0.0,
                "seed": dec.seed, "stop": [PLAIN_STOP] if self.template == "plain" else None}

    def effective(self, dec: Decoding, temperature: float) -> dict[str, Any]:
        return {**self.params(dec, temperature), "template": self.template, "backend": "vllm", "bf16_autocast": False}

    def generate(self, conversations: list[list[dict[str, str]]], dec: Decoding,
                 temperature: float | None = None) -> list[tuple[str, bool]]:
        from vllm import SamplingParams  # optional dependency

        prompts = [{"prompt_token_ids": prompt_token_ids(self.tokenizer, c, self.template)} for c in conversations]
        params = SamplingParams(**self.params(dec, dec.temperature if temperature is None else temperature))
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
    own first answers; questions whose categories take different temperatures are generated apart."""
    answers: list[list[str]] = [[] for _ in questions]
    truncated: list[list[bool]] = [[] for _ in questions]
    temps = [dec.temperature_for(q.category) for q in questions]
    for turn in range(1, max(len(q.turns) for q in questions) + 1):
        for temp in dict.fromkeys(temps):
            idx = [i for i, q in enumerate(questions) if len(q.turns) >= turn and temps[i] == temp]
            if not idx:
                continue
            convs = [_conversation(questions[i], answers[i], turn) for i in idx]
            outs = (generator.generate(convs, dec) if temp == dec.temperature
                    else generator.generate(convs, dec, temperature=temp))
            for i, (text, cut) in zip(idx, outs):
                answers[i].append(text)
                truncated[i].append(cut)
    return list(zip(answers, truncated))


def generate_answers(
    model: str, questions: str | QuestionSet = "sr-questions", out: str | os.PathLike = "answers.jsonl",
    *, limit: int | None = None, model_name: str | None = None, generator: Any = None, progress: bool = True,
    **decoding: Any,
) -> Path:
    """Answer every not-yet-answered question of the set; returns the answers file. `decoding`: fields of Decoding
    (its defaults for the others). `generator` reuses a loaded HFGenerator / VLLMGenerator (for tests and loops over
    checkpoints); its bf16 autocast must be what `bf16` asks on its device."""
    dec = Decoding(**decoding)
    dec.check()
    autocast = dec.autocast(getattr(generator, "device", None))
    if generator is not None and getattr(generator, "bf16", False) != autocast:
        raise GenerateError(f"bf16 {dec.bf16!r} means autocast {'on' if autocast else 'off'}, but the generator "
                            "given runs with it the other way")
    decoding = {**asdict(dec), "bf16_autocast": autocast}
    model = resolve(model)  # builtin:<name> -> its local path
    qset = questions if isinstance(questions, QuestionSet) else load_questions(questions, limit=limit)
    if isinstance(questions, QuestionSet) and limit is not None:
        qset = QuestionSet(qset.name, qset.source, qset.questions[:limit])
    out = Path(out)
    label = model_name or model_label(model)
    weights = weights_id(model)
    done = answered(read_answers(out, repair=True), label, qset.name, decoding, weights, model, out)
    todo = [q for q in qset.questions if q.question_id not in done]
    if not todo:
        print(f"{out}: all {len(qset)} questions of {qset.name} already answered by {label}", file=sys.stderr)
        return out
    if generator is None:
        generator = (VLLMGenerator(model, dec.dtype, dec.seed, dec.template) if dec.backend == "vllm"
                     else HFGenerator(model, dec.dtype, template=dec.template, bf16=dec.bf16))
    info = run_info(model)
    if settings := run_settings(model):  # the run's other shaping settings travel with its answers
        info = {**info, "settings": settings}
    versions = package_versions("sr-align", "torch", "transformers", *(["vllm"] if dec.backend == "vllm" else []))
    print(f"{label}: answering {len(todo)} of {len(qset)} questions of {qset.name} "
          f"({len(done)} already in {out})", file=sys.stderr)
    torch.manual_seed(dec.seed)
    bar = tqdm(total=len(todo), desc=f"generate {label}", unit="q", disable=not progress)
    for start in range(0, len(todo), dec.batch_size):
        batch = todo[start:start + dec.batch_size]
        for q, (answers, cut) in zip(batch, answer_batch(generator, batch, dec)):
            row = {
                "model": label, "model_path": model, "weights": weights, "question_set": qset.name,
                "question_id": q.question_id,
                "category": q.category, "turns": list(q.turns), "answers": answers, "truncated": cut,
                "decoding": decoding, "run_info": info, "versions": versions, "created": now_iso(),
            }
            if hasattr(generator, "effective"):
                row["generation"] = generator.effective(dec, dec.temperature_for(q.category))
            ref = as_reference(q.extra.get("reference"), f"{qset.source} question {q.question_id!r}")
            if ref is not None:  # for reference-guided judging
                row["reference"] = list(ref)
            append_jsonl(out, row)
        bar.update(len(batch))
    bar.close()
    return out
