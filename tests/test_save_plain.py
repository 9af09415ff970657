"""save_plain writes a model folder atomically: a save that dies part-way leaves no folder that looks saved."""

import pytest
from safetensors.torch import load_file
from tiny import tiny_model, tiny_tokenizer

from sr_train.artifacts.models import save_plain
from sr_train.artifacts.runs import is_trained


class Broken:
    def save_pretrained(self, folder):
        raise OSError("disk full")


def test_a_failed_save_leaves_the_old_folder_and_a_new_one_replaces_it(tmp_path):
    tok = tiny_tokenizer()
    out = tmp_path / "final"
    with pytest.raises(OSError, match="disk full"):
        save_plain(tiny_model(len(tok), seed=0), Broken(), out)  # weights written, then the save dies
    assert not out.exists() and not is_trained(out)
    save_plain(tiny_model(len(tok), seed=1), tok, out)
    first = load_file(str(out / "model.safetensors"))
    with pytest.raises(OSError):
        save_plain(tiny_model(len(tok), seed=2), Broken(), out)
    assert all((load_file(str(out / "model.safetensors"))[k] == v).all() for k, v in first.items())  # old one kept
    (out / "stale.txt").write_text("from before")
    save_plain(tiny_model(len(tok), seed=2), tok, out)
    assert is_trained(out) and not (out / "stale.txt").exists()
    assert not out.with_name("final.partial").exists()
    assert not all((load_file(str(out / "model.safetensors"))[k] == v).all() for k, v in first.items())
