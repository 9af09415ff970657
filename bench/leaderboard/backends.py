"""lm-eval model backends for the leaderboard: hf (transformers), vllm (optional, GPU) and local-completions (an
OpenAI-compatible server); a .gguf model becomes a plain HF folder first."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import torch
from lm_eval.api.registry import get_model

from bench.leaderboard.request import BACKENDS, LeaderboardRequest
from sr_train.artifacts.assets import resolve
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.models import export_hf


class BackendError(UserError):
    """A backend that cannot run as asked; the message says what to change."""


def parse_batch_size(text: str) -> int | str:
    if re.fullmatch(r"auto(:\d+)?", text):
        return text
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise BackendError(f"--batch-size must be a positive integer, auto or auto:N; got {text!r}")


def check_backend(req: LeaderboardRequest) -> None:
    """Fail before any work when the backend cannot run: vllm needs its package and a GPU, local-completions a URL."""
    if req.backend not in BACKENDS:
        raise BackendError(f"backend must be one of {', '.join(BACKENDS)}, got {req.backend!r}")
    if req.backend == "vllm":
        if importlib.util.find_spec("vllm") is None:
            raise BackendError("--backend vllm: vllm is not installed; install the extra with "
                               "pip install 'sr-align[vllm]', or use --backend hf")
        if not torch.cuda.is_available():
            raise BackendError("--backend vllm needs a CUDA GPU and none is visible; use --backend hf on CPU")
    if req.backend == "local-completions" and not req.base_url:
        raise BackendError("--backend local-completions needs --base-url (an OpenAI-compatible /v1/completions "
                           "endpoint that returns logprobs with echo)")
    parse_batch_size(req.batch_size)


def make_lm(model: str, req: LeaderboardRequest) -> Any:
    """An lm-eval LM for `model` on the chosen backend (loaded once, used for every task)."""
    check_backend(req)
    batch = parse_batch_size(req.batch_size)
    if req.backend == "hf":
        device = req.device or ("cuda" if torch.cuda.is_available() else "cpu")
        return get_model("hf")(pretrained=model, device=device, batch_size=batch, max_batch_size=req.max_batch_size,
                               dtype=req.dtype, trust_remote_code=req.trust_remote_code)
    if req.backend == "vllm":
        return get_model("vllm")(pretrained=model, dtype=req.dtype, batch_size=batch,
                                 gpu_memory_utilization=req.gpu_memory_utilization,
                                 trust_remote_code=req.trust_remote_code)
    return get_model("local-completions")(
        base_url=req.base_url, model=req.api_model or model, tokenizer=resolve(req.tokenizer) if req.tokenizer else model,
        tokenizer_backend="huggingface", num_concurrent=req.num_concurrent, max_retries=req.max_retries,
        batch_size=batch if isinstance(batch, int) else 1, trust_remote_code=req.trust_remote_code)


def local_model(model: str, cache_dir: Path) -> str:
    """A .gguf file becomes a plain HF folder once (lm-eval then loads it like any other)."""
    if not model.endswith(".gguf"):
        return model
    return str(export_hf(model, cache_dir / "models" / Path(model).stem))
