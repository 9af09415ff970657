"""sr-train runs for tests: in-process where a process adds nothing but start-up, in a fresh process where the test
needs one (several processes, a killed process, a prelude that patches the trainer)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import torch

from helpers.ports import free_port

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _in_process(args: list[str]) -> subprocess.CompletedProcess:
    """`sr-train args` as its CLI's main() in this process, one torch thread and the repo as working directory (as the
    fresh process had); its stdout, stderr and exit status captured as subprocess.run would."""
    from sr_train.cli import main

    out, err = io.StringIO(), io.StringIO()
    threads, cwd = torch.get_num_threads(), os.getcwd()
    torch.set_num_threads(1)
    os.chdir(REPO)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as e:  # argparse's own exits (--help, a bad flag)
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        torch.set_num_threads(threads)
        os.chdir(cwd)
    return subprocess.CompletedProcess(["sr-train", *args], code, out.getvalue(), err.getvalue())


def sr_train(args: list[str], nproc: int = 1, timeout: int = 300, prelude: str = "",
             fresh_process: bool = False) -> subprocess.CompletedProcess:
    """Run sr-train on `args`: in this process unless it needs its own (nproc > 1, a prelude, or fresh_process)."""
    args = [str(a) for a in args]
    if nproc == 1 and not prelude and not fresh_process:
        return _in_process(args)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    if nproc > 1:
        cmd = [str(BIN / "torchrun"), "--nproc-per-node", str(nproc), "--master-port", str(free_port()), "-m",
               "sr_train.cli", *args]
    else:
        code = prelude + "import sys; from sr_train.cli import main; sys.exit(main(sys.argv[1:]))"
        cmd = [sys.executable, "-c", code, *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def common(tiny_dir, pairs_file, out, **over) -> list[str]:
    """The flags of a short float32 tiny-model run into `out` (its reference cache beside it); `over` replaces any."""
    fields = {"model": tiny_dir, "data": pairs_file, "output-dir": out, "learning-rate": 1e-3, "warmup-steps": 0,
              "bf16": "false",  # these runs check training logic in float32; tests/test_bf16_numerics.py has bf16
              "ref-cache-dir": Path(out).parent / "refcache", "logging-steps": 1, "save-steps": 1000,
              "max-length": 128, "max-prompt-length": 64, **over}
    return [a for k, v in fields.items() for a in (f"--{k}", str(v))]


def metrics(out) -> list[dict]:
    return [json.loads(line) for line in (Path(out) / "metrics.jsonl").read_text().splitlines()]


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


KILL_AT_STEP_3 = """
import os, signal
from sr_train.trainer import PreferenceTrainer
_log = PreferenceTrainer.log
def _log_then_die(self, logs, start_time=None):
    _log(self, logs, start_time)
    if self.state.global_step == 3 and "loss" in logs:
        os.kill(os.getpid(), signal.SIGKILL)
PreferenceTrainer.log = _log_then_die
"""

FSDP2_CPU = """compute_environment: LOCAL_MACHINE
distributed_type: FSDP
num_machines: 1
num_processes: 2
mixed_precision: '{mixed_precision}'
use_cpu: true
main_process_port: {port}
fsdp_config:
  fsdp_version: 2
  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP
  fsdp_state_dict_type: SHARDED_STATE_DICT
  fsdp_reshard_after_forward: true
"""


def fsdp2_train(args: list[str], config_dir: Path, mixed_precision: str = "no") -> subprocess.CompletedProcess:
    """sr-train under `accelerate launch` with FSDP2 on 2 CPU processes (a free loopback port each call)."""
    config = config_dir / "fsdp.yaml"
    config.write_text(FSDP2_CPU.format(port=free_port(), mixed_precision=mixed_precision))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    cmd = [str(BIN / "accelerate"), "launch", "--config_file", str(config), "-m", "sr_train.cli", *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def seed_resumed_run(straight: Path, resumed: Path, step: int) -> None:
    """`resumed` as a run killed after checkpoint-<step> of `straight` leaves it: that checkpoint, the run config
    and the metrics logged up to it."""
    resumed.mkdir()
    shutil.copytree(straight / f"checkpoint-{step}", resumed / f"checkpoint-{step}")
    shutil.copy(straight / "run_config.json", resumed / "run_config.json")
    (resumed / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in metrics(straight) if r["step"] <= step))
