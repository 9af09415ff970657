"""sr-train CLI: required flags, --help documents every field, YAML + overrides, --dry-run without downloads."""

import dataclasses
from pathlib import Path

import pytest

from sr_train.cli import build_parser, config_from_args, main
from sr_train.config import ConfigError, TrainConfig

REPO = Path(__file__).resolve().parents[1]
REQUIRED_FLAGS = ["--model", "--data", "--loss", "--beta", "--lam", "--refine", "--max-steps", "--batch-size",
                  "--learning-rate", "--output-dir", "--seed"]


def test_help_documents_every_field(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = capsys.readouterr().out
    for flag in REQUIRED_FLAGS + ["--config", "--dry-run"]:
        assert flag + " " in text, flag
    flat = " ".join(text.split())
    for f in dataclasses.fields(TrainConfig):
        assert "--" + f.name.replace("_", "-") in flat, f.name
        assert " ".join(f.metadata["help"].split()[:4]) in flat, f.name


def test_yaml_then_cli_overrides(tmp_path):
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("model: m\ndata: d.jsonl\nloss: sr-ipo\nbeta: 0.2\nlam: 0.3\nlora: true\n")
    cfg, dry = config_from_args(["--config", str(cfg_file), "--lam", "1.0", "--lora", "false", "--dry-run"])
    assert (cfg.loss, cfg.beta, cfg.lam, cfg.lora, dry) == ("sr-ipo", 0.2, 1.0, False, True)


@pytest.mark.parametrize("argv,message", [
    (["--model", "m", "--data", "d", "--loss", "xpo"], "loss 'xpo' unknown"),
    (["--model", "m", "--data", "d", "--beta", "0"], "beta must be > 0"),
    (["--data", "d"], "model is required"),
])
def test_bad_configs_are_named(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_unknown_yaml_field(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: m\ndata: d\nbta: 0.1\n")
    assert main(["--config", str(bad)]) == 2
    assert "unknown config field(s) ['bta']" in capsys.readouterr().err


PIPELINE_CONFIGS = ("demo.yaml", "demo-gpu.yaml", "science.yaml")  # sr-bench pipeline configs


@pytest.mark.parametrize("config", sorted(p.name for p in (REPO / "configs").glob("*.yaml")
                                          if p.name not in PIPELINE_CONFIGS))
def test_shipped_configs_dry_run(config, capsys):
    assert main(["--config", str(REPO / "configs" / config), "--dry-run"]) == 0, capsys.readouterr().err
    assert "config OK" in capsys.readouterr().out


@pytest.mark.parametrize("config", PIPELINE_CONFIGS)
def test_pipeline_config_given_to_sr_train_says_so(config, capsys):
    assert main(["--config", str(REPO / "configs" / config), "--dry-run"]) == 2
    assert "is a pipeline config (it has methods: and reward_model:); run it with `sr-bench pipeline --config" \
        in capsys.readouterr().err


def test_dry_run_flags_missing_local_files(capsys):
    assert main(["--model", "nope.gguf", "--data", "missing.jsonl", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "model nope.gguf does not exist" in err and "data missing.jsonl does not exist" in err


def test_low_precision_full_fine_tuning_is_warned_about():
    from sr_train.arguments import low_precision_warning
    from sr_train.config import TrainConfig

    bf16 = TrainConfig(model="m", data="d", dtype="bfloat16")
    assert "optimizer steps below" in low_precision_warning(bf16, env={})
    assert low_precision_warning(bf16, env={"ACCELERATE_USE_FSDP": "true"}) is None  # fp32 master weights
    assert low_precision_warning(TrainConfig(model="m", data="d", dtype="bfloat16", lora=True), env={}) is None
    assert low_precision_warning(TrainConfig(model="m", data="d"), env={}) is None  # float32 + autocast


def test_changed_settings_names_fields_and_reads_older_run_configs():
    from sr_train.config import TrainConfig
    from sr_train.resume import changed_settings

    cfg = TrainConfig(model="m", data="d", beta=0.1, bf16="auto", output_dir="runs/a")
    stored = {**cfg.to_dict(), "bf16": "auto", "bf16_autocast": False}
    assert changed_settings(stored, cfg) == {}
    assert changed_settings({**stored, "lam": 0.3, "output_dir": "runs/b", "logging_steps": 9}, cfg) == {
        "lam": (0.3, 0.5)}  # output / logging fields may change
    assert changed_settings({**stored, "bf16": "true"}, cfg) == {"bf16": ("true", "auto")}
    older = {k: v for k, v in stored.items() if k not in ("bf16_autocast", "disable_dropout")} | {"bf16": False}
    assert changed_settings(older, cfg) == {}  # resolved bool stored as bf16; fields added later are not compared


def test_a_moved_clone_still_resumes_its_runs(tmp_path):
    """run_config.json stores resolved paths; a builtin: name given again matches though the path moved."""
    import json

    from sr_train.config import TrainConfig
    from sr_train.resume import settings_mismatch

    cfg = TrainConfig(model="org/model", data="builtin:sr-pref-train", output_dir=str(tmp_path))
    stored = {**cfg.resolved().to_dict(), "bf16_autocast": False, "data": "/old/clone/sr_train/prefdata/train.jsonl",
              "model_given": "org/model", "data_given": "builtin:sr-pref-train"}
    (tmp_path / "run_config.json").write_text(json.dumps(stored))
    assert settings_mismatch(cfg, tmp_path) is None  # nothing to resume from yet
    (tmp_path / "final").mkdir()
    assert settings_mismatch(cfg, tmp_path) is None
    other = TrainConfig(model="org/model", data="builtin:sr-pref-test", output_dir=str(tmp_path))
    assert "data: '/old/clone/sr_train/prefdata/train.jsonl' there" in settings_mismatch(other, tmp_path)


def test_composite_loss_from_yaml_lists_and_flags(tmp_path):
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("model: m\ndata: d.jsonl\nloss: [sigmoid, bco_pair, sft_batch]\nloss_weights: [0.8, 0.2, 1]\n")
    cfg, _ = config_from_args(["--config", str(cfg_file)])
    assert (cfg.loss, cfg.loss_weight_values()) == ("sigmoid,bco_pair,sft_batch", (0.8, 0.2, 1.0))
    cfg, _ = config_from_args(["--model", "m", "--data", "d", "--loss", "dpo,sft_batch", "--loss-weights", "1,0.5"])
    assert cfg.loss_weight_values() == (1.0, 0.5)
    with pytest.raises(ConfigError, match="2 component"):
        config_from_args(["--model", "m", "--data", "d", "--loss", "rpo", "--loss-weights", "1"])
    with pytest.raises(ConfigError, match="f_divergence 'forward_kl' applies only"):
        config_from_args(["--model", "m", "--data", "d", "--loss", "bco_pair", "--f-divergence", "forward_kl"])
    with pytest.raises(ConfigError, match="exo_pair needs label_smoothing"):
        config_from_args(["--model", "m", "--data", "d", "--loss", "sr-exo_pair"])
