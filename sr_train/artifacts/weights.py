"""Content identity of a model's weights: sha256 of each weight file, so results made from a model can be matched
to the weights that made them whatever the path, copy or mtime (a re-export of the same weights is the same model;
a retrained run at the same path is not). Hashes are cached by (path, size, mtime) in <cache>/weights-sha256.json,
so each file version is read once."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sr_train.artifacts.assets import cache_dir
from sr_train.artifacts.files import atomic_write_json, file_sha256

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth")


def _cache_file() -> Path:
    return cache_dir() / "weights-sha256.json"


def _hash(path: Path, memo: dict[str, dict]) -> str:
    st = path.stat()
    key = str(path.resolve())
    hit = memo.get(key)
    if hit and hit["size"] == st.st_size and hit["mtime_ns"] == st.st_mtime_ns:
        return hit["sha256"]
    digest = file_sha256(path)
    memo[key] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
    return digest


def weights_id(name_or_path: str | os.PathLike) -> dict:
    """{file name: sha256} of the weight files of a local folder or file; {"hub_id": name} for anything else."""
    path = Path(name_or_path)
    if not path.exists():
        return {"hub_id": str(name_or_path)}
    files = [path] if path.is_file() else sorted(f for f in path.iterdir() if f.suffix in WEIGHT_SUFFIXES)
    cache = _cache_file()
    try:
        memo = json.loads(cache.read_text(encoding="utf-8")) if cache.is_file() else {}
    except (OSError, json.JSONDecodeError):
        memo = {}  # a damaged cache only costs re-hashing
    before = dict(memo)
    out = {f.name: _hash(f, memo) for f in files}
    if memo != before:
        memo = {k: v for k, v in memo.items() if os.path.exists(k)}  # forget files that are gone
        try:
            atomic_write_json(cache, memo)
        except OSError:
            pass  # read-only cache dir: hashes are recomputed next time
    return out
