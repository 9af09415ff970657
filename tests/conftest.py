import os
import subprocess
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


_OUR_BIN = Path(sys.executable).parent


def _starts_python(argv) -> bool:
    """Whether a Popen argv starts a Python process of ours: this interpreter or a script of the venv (sr-train,
    sr-bench, torchrun, accelerate, lm_eval ...)."""
    first = argv if isinstance(argv, (str, bytes, os.PathLike)) else (argv[0] if argv else "")
    first = os.fsdecode(first).split()[0] if isinstance(first, (str, bytes)) else os.fspath(first)
    return Path(first).name.startswith("python") or Path(first).parent == _OUR_BIN


@pytest.fixture(autouse=True)
def _process_starts_need_the_slow_mark(request, monkeypatch):
    """`make test-fast` runs the tests not marked slow: a test that starts a Python process (a training run, a
    pipeline, a launch) must carry @pytest.mark.slow, or it fails here with one line saying so."""
    if request.node.get_closest_marker("slow") is not None:
        yield
        return
    real_init = subprocess.Popen.__init__

    def guarded(self, args, *a, **kw):
        if _starts_python(args):
            pytest.fail(f"{request.node.nodeid} starts a process ({args!r:.80}): mark it @pytest.mark.slow",
                        pytrace=False)
        real_init(self, args, *a, **kw)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded)
    yield
