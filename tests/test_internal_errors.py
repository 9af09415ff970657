"""Internal errors keep their traceback: a ValueError planted in a library call (transformers, lm-eval, datasets)
or in one of our internals propagates out of the commands' `main` (Python then exits 1 with the traceback); only a
UserError is one line on stderr and exit status 2."""

from __future__ import annotations

import json
from types import SimpleNamespace

import datasets
import pytest
import transformers

from bench.cli import main as bench_main
from bench.leaderboard import evaluate
from bench.leaderboard.evaluate import LeaderboardError
from bench.pipeline import stages
from bench.pipeline.config import LeaderboardSettings, PipelineError
from bench.report import inputs
from sr_train.artifacts.errors import DEBUG_ENV, UserError
from sr_train.cli import main as train_main
from sr_train.data import DataError

PLANTED = "planted library bug"


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.setenv(DEBUG_ENV, "")  # set (not deleted), so a `--debug` that sets it is undone after the test


def raiser(error: BaseException):
    """A stand-in for a library function that raises `error` however it is called."""
    def boom(*args, **kwargs):
        raise error
    return boom


def one_line_exit_2(rc: int, err: str, prog: str, message: str) -> None:
    assert rc == 2
    assert err.strip().splitlines() == [err.strip()] and err.startswith(f"{prog}: ") and message in err
    assert "Traceback" not in err


def test_user_error_is_not_a_value_error():
    assert not issubclass(UserError, ValueError)
    for cls in (DataError, LeaderboardError, PipelineError):
        assert issubclass(cls, UserError)


# -- sr-train ----------------------------------------------------------------------------------------------------
def test_sr_train_dry_run_keeps_a_transformers_value_error(tiny_dir, pairs_file, monkeypatch, capsys):
    argv = ["--model", str(tiny_dir), "--data", str(pairs_file), "--dry-run"]
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", raiser(ValueError(PLANTED)))
    with pytest.raises(ValueError, match=PLANTED):
        train_main(argv)
    assert "sr-train:" not in capsys.readouterr().err


def test_sr_train_dry_run_reports_a_user_error_in_one_line(tiny_dir, pairs_file, monkeypatch, capsys):
    argv = ["--model", str(tiny_dir), "--data", str(pairs_file), "--dry-run"]
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", raiser(DataError("d.jsonl: bad row")))
    one_line_exit_2(train_main(argv), capsys.readouterr().err, "sr-train", "d.jsonl: bad row")
    with pytest.raises(DataError):
        train_main([*argv, "--debug"])


# -- sr-bench generate -------------------------------------------------------------------------------------------
def test_generate_keeps_a_transformers_value_error(tiny_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", raiser(ValueError(PLANTED)))
    with pytest.raises(ValueError, match=PLANTED):
        bench_main(["generate", "--model", str(tiny_dir), "--out", str(tmp_path / "a.jsonl"), "--limit", "1"])


def test_generate_reports_a_bad_dtype_in_one_line(tiny_dir, tmp_path, capsys):
    rc = bench_main(["generate", "--model", str(tiny_dir), "--out", str(tmp_path / "a.jsonl"), "--limit", "1",
                     "--dtype", "float8"])
    one_line_exit_2(rc, capsys.readouterr().err, "sr-bench generate", "dtype must be one of auto")


# -- sr-bench judge: the question set's hub loader -----------------------------------------------------------------
JUDGE = ["judge", "--a", "a.jsonl", "--b", "b.jsonl", "--judge", "rm:nowhere", "--questions", "nobody/no-such-set"]


def test_judge_keeps_a_datasets_value_error(monkeypatch, capsys):
    monkeypatch.setattr(datasets, "load_dataset", raiser(ValueError(PLANTED)))
    with pytest.raises(ValueError, match=PLANTED):
        bench_main(JUDGE)
    assert "download its JSONL" not in capsys.readouterr().err.lower()


@pytest.mark.parametrize("error,message", [
    (ConnectionError("Couldn't reach the Hub"), "could not load question set 'nobody/no-such-set' from the HF hub"),
    (FileNotFoundError("no such dataset"), "Download its JSONL once and pass the path"),
    (ValueError('Unknown split "train". Should be one of [\'test\'].'), "choose the split with nobody/no-such-set:"),
])
def test_judge_reports_a_question_set_not_available_in_one_line(monkeypatch, capsys, error, message):
    monkeypatch.setattr(datasets, "load_dataset", raiser(error))
    one_line_exit_2(bench_main(JUDGE), capsys.readouterr().err, "sr-bench judge", message)


# -- sr-bench leaderboard ----------------------------------------------------------------------------------------
def test_leaderboard_keeps_an_lm_eval_value_error(tiny_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(evaluate, "TaskManager", raiser(ValueError(PLANTED)))
    with pytest.raises(ValueError, match=PLANTED):
        bench_main(["leaderboard", "--model", str(tiny_dir), "--tasks", "arc", "--out", str(tmp_path / "lb"),
                    "--cache-dir", str(tmp_path / "cache"), "--device", "cpu"])


def test_leaderboard_reports_an_unknown_task_in_one_line(tiny_dir, tmp_path, capsys):
    rc = bench_main(["leaderboard", "--model", str(tiny_dir), "--tasks", "arc,boolq", "--out", str(tmp_path / "lb")])
    one_line_exit_2(rc, capsys.readouterr().err, "sr-bench leaderboard", "--tasks: unknown task(s) boolq")


# -- sr-bench report ---------------------------------------------------------------------------------------------
def test_report_keeps_an_internal_value_error(tmp_path, monkeypatch):
    (tmp_path / "r.jsonl").write_text("")
    monkeypatch.setattr(inputs, "load_records", raiser(ValueError(PLANTED)))
    with pytest.raises(ValueError, match=PLANTED):
        bench_main(["report", "--results", str(tmp_path / "r.jsonl"), "--out", str(tmp_path / "out")])


def test_report_reports_a_bad_record_in_one_line(tmp_path, capsys):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"experiment": "e", "run": "r", "task": "t", "metric": "m"}) + "\n")
    rc = bench_main(["report", "--results", str(path), "--out", str(tmp_path / "out")])
    one_line_exit_2(rc, capsys.readouterr().err, "sr-bench report", "missing required field 'value'")


# -- the pipeline's stages ---------------------------------------------------------------------------------------
def test_pipeline_leaderboard_stage_wraps_only_user_errors(tmp_path, monkeypatch):
    cfg = SimpleNamespace(leaderboard=LeaderboardSettings(), results_dir=tmp_path, name="x")
    monkeypatch.setattr(stages, "models", lambda cfg: {"base": str(tmp_path / "m")})
    monkeypatch.setattr(stages, "run_leaderboard", raiser(ValueError(PLANTED)))
    with pytest.raises(ValueError, match=PLANTED):
        stages.stage_leaderboard(cfg)
    monkeypatch.setattr(stages, "run_leaderboard", raiser(LeaderboardError("stored with other settings")))
    with pytest.raises(PipelineError, match="leaderboard failed for base .*stored with other settings"):
        stages.stage_leaderboard(cfg)


def test_pipeline_resamples_wrap_only_user_errors(monkeypatch):
    cfg = SimpleNamespace(uncertainty=SimpleNamespace(max_rows=None), members={})
    monkeypatch.setattr(stages, "load_rows", raiser(ValueError(PLANTED)))
    with pytest.raises(ValueError, match=PLANTED):
        stages._write_resamples(cfg, "d.jsonl")
    monkeypatch.setattr(stages, "load_rows", raiser(DataError("d.jsonl: empty file (no rows)")))
    with pytest.raises(PipelineError, match="uncertainty: d.jsonl: empty file"):
        stages._write_resamples(cfg, "d.jsonl")
