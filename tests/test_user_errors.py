"""Issue 14: no silent wrong run. Every bad setting and bad input is one clear line (exit 2, traceback only with
--debug), settings are typed and ranged, --dry-run reads the data, JSON / JSONL are read by our own reader."""

import json
import os
import stat

import pytest
from tiny import PAIRS, write_pairs

from sr_train.artifacts.errors import DEBUG_ENV
from sr_train.cli import config_from_args, main
from sr_train.data import DataError, load_pairs


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv(DEBUG_ENV, raising=False)


def yaml_file(tmp_path, text, name="c.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


# -- typed, ranged settings ------------------------------------------------------------------------------------
def test_yaml_strings_become_the_declared_types(tmp_path):
    cfg, _ = config_from_args(["--config", str(yaml_file(tmp_path, 'model: m\ndata: d.jsonl\nlora: "false"\n'
                                                                   'learning_rate: 5e-7\nmax_steps: "12"\n'))])
    assert cfg.lora is False and cfg.learning_rate == 5e-7 and isinstance(cfg.learning_rate, float)
    assert cfg.max_steps == 12 and cfg.output_dir == os.path.join("runs", "sr-dpo")  # named by the loss
    cfg, _ = config_from_args(["--model", "m", "--data", "d", "--loss", "ipo"])
    assert cfg.output_dir == os.path.join("runs", "ipo")


@pytest.mark.parametrize("text,message", [
    ("beta: .nan\n", "c.yaml: beta must be a finite number, got nan"),
    ("batch_size: 0\n", "c.yaml: batch_size must be >= 1, got 0"),
    ("seed: -1\n", "c.yaml: seed must be >= 0, got -1"),
    ("max_steps: 0\n", "c.yaml: max_steps must be -1 (run num_epochs) or >= 1, got 0"),
    ("learning_rate: .inf\n", "c.yaml: learning_rate must be a finite number"),
    ("warmup_steps: -5\n", "c.yaml: warmup_steps must be >= 0"),
    ("lora_r: 0\n", "c.yaml: lora_r must be >= 1"),
    ("max_rows: 0\n", "c.yaml: max_rows must be >= 1"),
    ("lora: maybe\n", "c.yaml: lora: expected true or false, got 'maybe'"),
    ("learning_rate: fast\n", "c.yaml: learning_rate: expected a number, got 'fast'"),
    ("batch_size: 2.5\n", "c.yaml: batch_size: expected an integer, got 2.5"),
    ("dtype: float16\n", "dtype float16 with full fine-tuning is refused: the optimisers' eps (1e-8) is 0"),
])
def test_bad_settings_are_refused_in_dry_run_naming_file_and_key(tmp_path, capsys, text, message):
    path = yaml_file(tmp_path, "model: m\ndata: d.jsonl\n" + text)
    assert main(["--config", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert message.replace("c.yaml", str(path)) in err or message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("text,message", [
    ("model: m\n  data: [d\n", "c.yaml:2: not valid YAML"),
    ("- model\n- data\n", "c.yaml: a config must be a mapping of key: value, got a list"),
])
def test_a_yaml_that_is_not_a_mapping_is_one_line_from_both_readers(tmp_path, capsys, text, message):
    """sr-train --config and the pipeline config share one YAML reader: missing file, bad YAML (its line) and a
    top level other than a mapping are one line naming the file, each reader raising its own error type."""
    from bench.pipeline.config import PipelineError, load_config
    from sr_train.config import ConfigError, load_yaml

    path = yaml_file(tmp_path, text)
    assert main(["--config", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert message.replace("c.yaml", str(path)) in err and len(err.strip().splitlines()) == 1
    with pytest.raises(PipelineError, match=message.replace("a config", "a pipeline config").replace(".", r"\.")):
        load_config(path)
    with pytest.raises(ConfigError, match=f"{tmp_path / 'none.yaml'}: no such config"):
        load_yaml(str(tmp_path / "none.yaml"))
    with pytest.raises(PipelineError, match="none.yaml: no such pipeline config"):
        load_config(tmp_path / "none.yaml")
    assert load_yaml(str(yaml_file(tmp_path, "# nothing\n", "empty.yaml"))) == {}


def test_bad_flags_are_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--model", "m", "--data", "d", "--learning-rate", "abc"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == "sr-train: argument --learning-rate: expected a number, got 'abc' (see sr-train --help)"
    assert main(["--model", "m", "--data", "d", "--batch-size", "0", "--dry-run"]) == 2
    assert "--batch-size: batch_size must be >= 1, got 0" in capsys.readouterr().err


def test_debug_shows_the_traceback(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    argv = ["--model", "m", "--data", str(empty), "--dry-run"]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == f"sr-train: {empty}: empty file (no rows)"
    with pytest.raises(DataError, match="empty file"):
        main([*argv, "--debug"])
    monkeypatch.setenv(DEBUG_ENV, "1")
    with pytest.raises(DataError):
        main(argv)


# -- --dry-run reads the data ----------------------------------------------------------------------------------
def test_dry_run_reports_the_counts_training_would_use(tiny_dir, tmp_path, capsys):
    rows = [*PAIRS, {"prompt": "q", "chosen": "same", "rejected": "same"}]
    data = write_pairs(tmp_path / "p.jsonl", rows)
    argv = ["--model", str(tiny_dir), "--data", str(data), "--batch-size", "4", "--max-steps", "3", "--dry-run",
            "--warmup-steps", "10"]
    assert main([*argv, "--max-length", "12", "--max-prompt-length", "6"]) == 0
    out = capsys.readouterr().out
    assert "data: 8 of 9 rows kept, 1 skipped" in out
    assert "skipped 1: identical chosen and rejected responses (lines [9])" in out
    assert "truncated to max_length 12: 8 prompts (first tokens cut)" in out
    assert "training would use 8 pairs: 3 optimiser step(s) of 4 pairs" in out
    assert "warning: warmup_steps 10 exceeds the run's 3 steps" in out and out.rstrip().endswith("config OK")
    assert main(argv) == 0
    assert "truncated to max_length 512: 0 prompts (first tokens cut), 0 pairs' responses" in capsys.readouterr().out


@pytest.mark.parametrize("content,message", [
    ("", "empty file (no rows)"),
    ("\n  \n", "empty file (no rows)"),
    ("[]", "no rows (an empty JSON array)"),
])
def test_dry_run_fails_for_a_file_without_rows(tmp_path, capsys, content, message):
    path = tmp_path / "d.jsonl"
    path.write_text(content)
    assert main(["--model", "m", "--data", str(path), "--dry-run"]) == 2
    assert capsys.readouterr().err.strip() == f"sr-train: {path}: {message}"


def test_dry_run_names_the_splits_of_a_saved_folder_and_refuses_other_files(tmp_path, capsys):
    from datasets import Dataset, DatasetDict

    ds = Dataset.from_list([{k: p[k] for k in ("prompt", "chosen", "rejected")} for p in PAIRS])
    DatasetDict({"test": ds, "validation": ds}).save_to_disk(tmp_path / "saved")
    assert main(["--model", "m", "--data", str(tmp_path / "saved"), "--dry-run"]) == 2
    assert "no split 'train'; it has test, validation (choose with --data-split)" in capsys.readouterr().err
    assert main(["--model", "m", "--data", str(tmp_path / "saved"), "--data-split", "test", "--dry-run"]) == 0
    assert "data: 8 of 8 rows kept" in capsys.readouterr().out
    csv = tmp_path / "d.csv"
    csv.write_text("prompt,chosen,rejected\nq,a,b\n")
    assert main(["--model", "m", "--data", str(csv), "--dry-run"]) == 2
    assert "unsupported file type '.csv'" in capsys.readouterr().err


# -- our JSON / JSONL reader -------------------------------------------------------------------------------------
GOOD = json.dumps({"prompt": "q", "chosen": "a", "rejected": "b"})


@pytest.mark.parametrize("data,message", [
    ((GOOD + "\n" + GOOD[:-9] + "\n").encode(), ":2: not valid JSON (Unterminated string starting at"),
    ((GOOD + "\n" + GOOD + "\n").encode() + b'{"prompt": "\xff", "chosen": "a", "rejected": "b"}\n',
     ":3: not valid UTF-8 (byte 0xff)"),
    ((GOOD + "\n" + '{"prompt": "\\ud800", "chosen": "a", "rejected": "b"}' + "\n").encode(),
     ":2: lone surrogate \\ud800 in a string"),
    ((GOOD + "\n[1, 2]\n").encode(), ":2: a row must be a JSON object, got list"),
])
def test_malformed_jsonl_is_one_error_naming_file_and_line(tmp_path, data, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(data)
    with pytest.raises(DataError) as err:
        load_pairs(str(path))
    assert str(err.value).startswith(f"{path}{message}")


def test_strings_stay_strings_when_a_column_mixes_message_lists_and_strings(tmp_path):
    uf = {"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
          "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go away"}]}
    flat = {"prompt": "Say 4", "chosen": '"quoted"', "rejected": "4"}
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(uf) + "\n" + json.dumps(flat) + "\n")
    pairs, report = load_pairs(str(path))
    assert (pairs[1]["chosen"], pairs[1]["rejected"]) == ('"quoted"', "4") and report.rows_kept == 2
    array = tmp_path / "mixed.json"
    array.write_text("[\n" + json.dumps(uf) + ",\n" + json.dumps(flat) + "\n]\n")
    pairs, _ = load_pairs(str(array))
    assert pairs[1]["chosen"] == '"quoted"' and pairs[1]["at"] == 3  # the line its object starts on


def test_a_folder_of_json_files_is_one_data_set(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_pairs(folder / "a.jsonl", PAIRS[:3])
    write_pairs(folder / "b.jsonl", [*PAIRS[3:], {"prompt": "q", "chosen": "", "rejected": "b"}])
    pairs, report = load_pairs(str(folder))
    assert len(pairs) == len(PAIRS) and report.examples["empty chosen response"] == [f"b.jsonl:{len(PAIRS) - 2}"]
    with pytest.raises(DataError, match=f"{folder}/b.jsonl:{len(PAIRS) - 2}: empty chosen response"):
        load_pairs(str(folder), on_bad_row="error")


def test_messages_say_what_happened(tmp_path):
    rows = [{"prompt": "q", "chosen": None, "rejected": "b"}, {"prompt": "q", "rejected": "b"},
            {"chosen": [{"role": "human", "content": "Hi"}, {"role": "assistant", "content": "a"}],
             "rejected": [{"role": "human", "content": "Hi"}, {"role": "assistant", "content": "b"}]},
            {"prompt": "q", "chosen": "a", "rejected": "b", "score_chosen": "high", "score_rejected": 1}]
    path = write_pairs(tmp_path / "d.jsonl", rows)
    reasons = {}
    for i, row in enumerate(rows):
        one = write_pairs(tmp_path / f"{i}.jsonl", [row, {"prompt": "x", "chosen": "c", "rejected": "d"}])
        with pytest.raises(DataError) as err:
            load_pairs(str(one), on_bad_row="error")
        reasons[i] = str(err.value).removeprefix(f"{one}:1: ")
    assert reasons[0] == "'chosen' is null"
    assert reasons[1] == "missing key 'chosen' (the row has ['prompt', 'rejected'])"
    assert reasons[2] == "chosen[0].role 'human' unknown (use system, user, assistant)"
    assert reasons[3] == "score_chosen must be a finite number, got 'high'"
    pairs, _ = load_pairs(str(path), scores=False)  # a loss that ignores scores ignores bad ones
    assert [p["at"] for p in pairs] == [4] and pairs[0]["score_chosen"] is None


def test_swapped_scores_are_warned_about(tmp_path):
    swapped = [{**p, "score_chosen": p["score_rejected"], "score_rejected": p["score_chosen"]} for p in PAIRS]
    _, report = load_pairs(str(write_pairs(tmp_path / "s.jsonl", swapped)), scores=False)
    assert report.warnings == [f"warning: in all {len(PAIRS)} scored pairs score_chosen < score_rejected; are "
                               "chosen and rejected swapped?"]
    _, report = load_pairs(str(write_pairs(tmp_path / "ok.jsonl", PAIRS)))
    assert report.warnings == []


# -- files a team can share ------------------------------------------------------------------------------------
def test_atomic_outputs_follow_the_umask(tmp_path):
    from sr_train.artifacts.files import atomic_write_json

    old = os.umask(0o022)
    try:
        atomic_write_json(tmp_path / "a.json", {"x": 1})
        os.umask(0o002)
        atomic_write_json(tmp_path / "b.json", {"x": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644  # group and others can read
    assert stat.S_IMODE((tmp_path / "b.json").stat().st_mode) == 0o664


def test_one_user_cache_folder(tmp_path, monkeypatch):
    from pathlib import Path

    from bench.leaderboard.request import LeaderboardRequest
    from bench.winrate.judges.cache import default_cache
    from sr_train.artifacts.assets import cache_dir
    from sr_train.config import TrainConfig

    monkeypatch.delenv("SR_ALIGN_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "sr-align"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "sr-align"
    monkeypatch.setenv("SR_ALIGN_CACHE", str(tmp_path / "mine"))
    monkeypatch.chdir(tmp_path)  # not the current folder's .cache
    assert cache_dir() == tmp_path / "mine" and default_cache() == tmp_path / "mine" / "judge-cache.sqlite"
    assert TrainConfig(model="m", data="d").ref_cache_dir == str(tmp_path / "mine" / "ref-logps")
    assert Path(LeaderboardRequest().cache_dir) == tmp_path / "mine" / "sr-bench-leaderboard"
