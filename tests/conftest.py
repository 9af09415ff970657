import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).parent))

from judge_server import server  # noqa: E402,F401 (the judge tests' loopback-server fixture)

REPO = Path(__file__).resolve().parents[1]
# The user cache folder (sr_train.artifacts.assets.cache_dir) of the tests: the repo's git-ignored .cache/, where
# the smollm2_dir fixture exports the builtin model, so builtin: names find it there too.
os.environ.setdefault("SR_ALIGN_CACHE", str(REPO / ".cache"))


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory) -> Path:
    from tiny import save_tiny

    return save_tiny(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def pairs_file(tmp_path_factory) -> Path:
    from tiny import write_pairs

    return write_pairs(tmp_path_factory.mktemp("data") / "pairs.jsonl")


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    """SmolLM2-135M-Instruct as a plain HF folder, exported once from the GGUF into the git-ignored .cache/."""
    from sr_train.artifacts.assets import smollm2_gguf
    from sr_train.artifacts.models import export_hf

    return export_hf(str(smollm2_gguf()), REPO / ".cache" / "smollm2-hf")  # the folder builtin: names use too
