"""Load a causal LM and its tokenizer from a hub id, a HF folder or a `.gguf` file.

GGUF files go through transformers' GGUF support (weights de-quantised); the model is then copied into a
plain instance of its class so checkpoints save as ordinary safetensors that any loader reads.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def split_gguf(name_or_path: str) -> tuple[str, str | None]:
    """('folder', 'file.gguf') for a .gguf path, else (name_or_path, None)."""
    if name_or_path.endswith(".gguf"):
        if not os.path.isfile(name_or_path):
            raise FileNotFoundError(f"--model {name_or_path}: no such GGUF file")
        folder, name = os.path.split(os.path.abspath(name_or_path))
        return folder, name
    return name_or_path, None


def resolve_dtype(dtype: str) -> torch.dtype:
    if dtype == "auto":
        return torch.bfloat16 if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else torch.float32
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of auto, {', '.join(DTYPES)}; got {dtype!r}")
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
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        if not (out / "config.json").exists():
            raise
    return out


def disable_dropout(model: torch.nn.Module) -> int:
    """Turn every dropout of `model` off (nn.Dropout modules, float `*dropout` / `layerdrop` attributes that
    functional dropout reads, and the config's `*dropout*` fields), as TRL and the DPO reference code do: the
    policy's log-probs of both views are then deterministic like the reference's. Returns how many were on."""
    on = 0
    for module in model.modules():
        if isinstance(module, torch.nn.modules.dropout._DropoutNd):  # Dropout, Dropout1d/2d/3d, AlphaDropout, ...
            on += module.p > 0
            module.p = 0.0
        on += _zero_dropout_floats(module)
    for cfg in {id(c): c for c in (getattr(m, "config", None) for m in model.modules()) if c is not None}.values():
        _zero_dropout_floats(cfg)
    return on


def _zero_dropout_floats(obj: object) -> int:
    """Set `obj`'s float `*dropout*` / `layerdrop` attributes to 0; returns how many were above 0."""
    on = 0
    for name, value in list(vars(obj).items()):
        if ("dropout" in name or name == "layerdrop") and isinstance(value, float):
            on += value > 0
            setattr(obj, name, 0.0)
    return on
