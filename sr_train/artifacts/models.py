"""Load a causal LM and its tokenizer from a hub id, a HF folder or a `.gguf` file; save one as a plain HF folder.

GGUF files go through transformers' GGUF support (weights de-quantised); the model is then copied into a
plain instance of its class so checkpoints save as ordinary safetensors that any loader reads.
"""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from sr_train.artifacts.errors import UserError

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
"""The weight dtypes every command accepts by name (with "auto": bf16 where the GPU supports it)."""


def split_gguf(name_or_path: str) -> tuple[str, str | None]:
    """('folder', 'file.gguf') for a .gguf path, else (name_or_path, None)."""
    if name_or_path.endswith(".gguf"):
        if not os.path.isfile(name_or_path):
            raise FileNotFoundError(f"--model {name_or_path}: no such GGUF file")
        folder, name = os.path.split(os.path.abspath(name_or_path))
        return folder, name
    return name_or_path, None


def native_bf16(device: torch.device | str | None = None) -> bool:
    """Whether `device` (default: CUDA if visible, else the CPU) runs bf16 matrix work natively: a bf16 GPU, or a
    CPU with AMX-BF16 or AVX512-BF16 (read from /proc/cpuinfo; False where it cannot be read)."""
    kind = torch.device(device).type if device is not None else ("cuda" if torch.cuda.is_available() else "cpu")
    if kind == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return kind == "cpu" and bool(cpu_bf16_flags())


BF16_SETTINGS = ("auto", "true", "false")
"""bf16 autocast settings: on (true), off (false), or on where the device runs bf16 matrix work natively (auto)."""


def bf16_autocast(setting: str, device: torch.device | str | None = None) -> bool:
    """Whether bf16 autocast is on for `setting` on `device` (auto: native_bf16(device)); a bad setting raises."""
    if setting not in BF16_SETTINGS:
        raise UserError(f"bf16 must be one of {', '.join(BF16_SETTINGS)}; got {setting!r}")
    return native_bf16(device) if setting == "auto" else setting == "true"


def cpu_bf16_flags() -> list[str]:
    """The CPU's bf16 matrix features among amx_bf16 and avx512_bf16 (empty where /proc/cpuinfo is absent)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return []
    return [f for f in ("amx_bf16", "avx512_bf16") if f in flags]


def resolve_dtype(dtype: str) -> torch.dtype:
    if dtype == "auto":
        return torch.bfloat16 if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else torch.float32
    if dtype not in DTYPES:
        raise UserError(f"dtype must be one of auto, {', '.join(DTYPES)}; got {dtype!r}")
    return DTYPES[dtype]


def load_tokenizer(name_or_path: str, trust_remote_code: bool = False) -> PreTrainedTokenizerBase:
    folder, gguf = split_gguf(name_or_path)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=gguf, trust_remote_code=trust_remote_code)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(
    name_or_path: str, dtype: torch.dtype = torch.float32, trust_remote_code: bool = False,
    attn_implementation: str | None = None,
) -> PreTrainedModel:
    """A plain (never quantised) causal LM, safetensors weights, no remote code unless asked."""
    folder, gguf = split_gguf(name_or_path)
    kwargs = {"trust_remote_code": trust_remote_code}
    if attn_implementation:
        kwargs["attn_implementation"] = attn_implementation
    if gguf is None:
        return AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, use_safetensors=True, **kwargs)
    quantised = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf, dtype=torch.float32, **kwargs)
    config = quantised.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.name_or_path = name_or_path
    plain = type(quantised)(config)
    plain.load_state_dict(quantised.state_dict())
    if getattr(config, "tie_word_embeddings", False):
        plain.tie_weights()
    return plain.to(dtype)


def export_hf(name_or_path: str, out_dir: str | os.PathLike) -> Path:
    """Save model + tokenizer as a plain HF folder (safetensors); reuses `out_dir` if already complete."""
    out = Path(out_dir)
    if (out / "config.json").exists() and (out / "model.safetensors").exists() and (out / "tokenizer_config.json").exists():
        return out
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    load_model(name_or_path).save_pretrained(tmp, safe_serialization=True)
    load_tokenizer(name_or_path).save_pretrained(tmp)
    try:
        os.replace(tmp, out)  # atomic; another process may have finished first
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (out / "config.json").exists():
            raise
    return out


def is_peft(model: torch.nn.Module) -> bool:
    return hasattr(model, "peft_config") and hasattr(model, "disable_adapter")


def save_plain(model: torch.nn.Module, tokenizer, out: str | os.PathLike) -> Path:
    """Save a plain HF model (LoRA merged into a copy) + tokenizer as safetensors, atomically: written into
    `<out>.partial` and renamed, so a killed save never leaves a folder that looks like a saved model."""
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)  # a save killed earlier
    plain = copy.deepcopy(model).merge_and_unload() if is_peft(model) else model
    plain.save_pretrained(partial, safe_serialization=True)
    if tokenizer is not None:
        tokenizer.save_pretrained(partial)
    if out.exists():
        shutil.rmtree(out)
    os.replace(partial, out)
    return out
