"""LLM judge end to end: the real openai client against a real OpenAI-protocol server on loopback, with faults.

The server's verdict comes from the request content (answers marked GOOD / BAD), so the expected win /
tie / lose per item below follows from the test data alone and checks the both-orders logic end to end.
"""

import json

import pytest
from helpers.ports import free_port
from judge_server import API_KEY

from bench.cli import main as bench_main
from bench.records import load_records
from bench.winrate.answers import AnswersError as JudgeInputError
from bench.winrate.answers import load_answer_set
from bench.winrate.judges.llm import JudgeAbort, OpenAIJudge
from bench.winrate.judges.prompts import build_messages, parse_verdict
from bench.winrate.pairwise import pairwise

# question id -> (tag in the first user turn, [(mark of A, mark of B) per turn])
PLAN = {
    1: ("", [("GOOD", "BAD")]),
    2: ("", [("BAD", "GOOD")]),
    3: ("", [("GOOD", "GOOD")]),
    4: ("", [("GOOD", "BAD"), ("BAD", "GOOD")]),
    5: ("[bias]", [("GOOD", "BAD")]),
    6: ("[fault:429]", [("GOOD", "BAD")]),
    7: ("[fault:500]", [("BAD", "GOOD")]),
    8: ("[fault:timeout]", [("GOOD", "BAD")]),
    9: ("[fault:garbage]", [("GOOD", "BAD"), ("GOOD", "GOOD")]),
    10: ("[fault:garbage-always]", [("GOOD", "BAD")]),
    11: ("", [("BAD", "BAD"), ("GOOD", "BAD")]),
    12: ("[bias]", [("BAD", "GOOD")]),
}
PARSE_RETRIES = 2


def expected_outcome(tag: str, marks: tuple[str, str]) -> str:
    """What the protocol must give, from the data: a judge stuck on position A yields a tie."""
    if "garbage-always" in tag:
        return "error"
    if tag == "[bias]":
        return "tie"
    a, b = marks
    return "tie" if a == b else "win" if a == "GOOD" else "lose"


def write_answers(path, model, side, plan=PLAN, set_name="sr-questions"):
    with open(path, "w") as f:
        for qid, (tag, marks) in plan.items():
            turns = [f"Question {qid} first message {tag}".strip(), f"Question {qid} follow-up"][:len(marks)]
            answers = [f"Reply of {model} to turn {t} of question {qid}: {m[0 if side == 'A' else 1]}."
                       for t, m in enumerate(marks, 1)]
            f.write(json.dumps({"model": model, "question_set": set_name, "question_id": qid, "category": "test",
                                "turns": turns, "answers": answers, "decoding": {}, "run_info": {}}) + "\n")
    return path


@pytest.fixture()
def answer_files(tmp_path):
    return write_answers(tmp_path / "a.jsonl", "model-a", "A"), write_answers(tmp_path / "b.jsonl", "model-b", "B")


def make(tmp_path, **kw):
    opts = dict(concurrency=3, max_retries=3, parse_retries=PARSE_RETRIES, timeout=0.4, backoff_base=0.01,
                backoff_max=0.05, cache_path=tmp_path / "cache.sqlite", progress=False)
    opts.update(kw)
    return OpenAIJudge("fake-judge", **opts)


@pytest.mark.parametrize("text,verdict", [
    ("A is better.\nVerdict: A", "first"), ("...\nverdict: b", "second"), ("**Verdict:** Tie", "tie"),
    ("Verdict: [B].", "second"), ("Verdict: A\nOn reflection...\nVerdict: B", "second"),
    ("I prefer A.", None), ("Verdict: maybe A", None), ("Verdict: AB", None), ("", None), (None, None),
])
def test_parse_verdict(text, verdict):
    assert parse_verdict(text) == verdict


def test_prompts_show_both_replies_in_the_given_order_and_two_turn_context():
    one = build_messages(["Q?"], ["first reply"], ["second reply"])
    assert [m["role"] for m in one] == ["system", "user"]
    user = one[1]["content"]
    assert user.index("first reply") < user.index("second reply") and "Verdict: tie" in user
    two = build_messages(["Q1?", "Q2?"], ["a1", "a2"], ["b1", "b2"])[1]["content"]
    assert [two.index(s) for s in ("a1", "a2", "b1", "b2")] == sorted(two.index(s) for s in ("a1", "a2", "b1", "b2"))
    assert "SECOND message" in two and two.count("Q2?") == 2


def test_faults_both_orders_error_bucket_and_cache(tmp_path, answer_files, server):
    a, b = answer_files
    judge = make(tmp_path)
    result = pairwise(a, b, judge, out=tmp_path / "results" / "exp1", run="r1", n_boot=300)
    got = {(j.item.question_id, j.item.turn): j for j in result.judged}
    items = [(qid, t, tag, m) for qid, (tag, marks) in PLAN.items() for t, m in enumerate(marks, 1)]
    assert len(got) == len(items) == 15
    for qid, t, tag, marks in items:
        assert got[qid, t].outcome.outcome == expected_outcome(tag, marks), (qid, t)
    # Position bias shows as an inconsistent pair that picked the first position both times.
    assert got[5, 1].outcome.position_bias == "first" and got[5, 1].outcome.consistent is False
    assert got[1, 1].outcome.consistent is True and got[1, 1].details["ab"]["verdict"] == "A"
    assert got[1, 1].details["ba"]["position"] == "second"  # A was shown second in order ba
    # The error bucket holds exactly the always-garbage item, with its reason.
    errors = [k for k, j in got.items() if j.outcome.outcome == "error"]
    assert errors == [(10, 1)]
    assert "no parseable verdict after 3 replies" in got[10, 1].details["ab"]["error"]
    s = result.summary
    assert (s.n_items, s.n_judged, s.n_errors) == (15, 14, 1)

    # Server side: one prompt per (item, order); each judged at most once; retries only where faults were put.
    assert len(server.requests) == 2 * len(items)
    assert all(n <= 1 for n in server.verdicts.values())
    assert sum(server.verdicts.values()) == 2 * (len(items) - 1)
    fault_keys = 2 * (1 + 1 + 1 + 2)  # 429, 500, timeout (one item each), garbage-once (two items), both orders
    assert sorted(server.requests.values()) == sorted(
        [1] * (2 * len(items) - fault_keys - 2) + [2] * fault_keys + [PARSE_RETRIES + 1] * 2)
    assert dict(server.faults) == {"429": 2, "500": 2, "timeout": 2, "garbage": 4 + 2 * (PARSE_RETRIES + 1)}
    assert server.max_in_flight == 3  # the concurrency limit, reached and never passed

    # Ledger: billed calls and tokens match what the server served; failed attempts are the HTTP faults.
    led = judge.ledger
    assert led.calls == server.ok_responses and led.cached_calls == 0
    assert (led.prompt_tokens, led.completion_tokens) == (server.prompt_tokens, server.completion_tokens)
    assert led.failed_attempts == 6

    # Files: tidy records load and validate; verdict lines per item; summary with the ledger.
    recs = {r["metric"]: r for r in load_records(result.paths["records"])}
    assert set(recs) == {"win", "tie", "lose", "swap_consistency", "position_bias", "error_rate"}
    want = {o: sum(expected_outcome(tag, m) == o for _, _, tag, m in items) for o in ("win", "tie", "lose")}
    for o in ("win", "tie", "lose"):
        assert recs[o]["value"] == pytest.approx(want[o] / 14) and recs[o]["n"] == 14
        assert recs[o]["ci_low"] <= recs[o]["value"] <= recs[o]["ci_high"]
    assert recs["error_rate"]["value"] == pytest.approx(1 / 15) and recs["error_rate"]["n"] == 15
    r = recs["win"]
    assert (r["experiment"], r["run"], r["task"], r["judge"], r["unit"]) == (
        "exp1", "r1", "sr-questions", "openai:fake-judge", "fraction")
    assert r["method"] == "model-a" and r["extra"]["opponent"] == "model-b"
    lines = result.paths["verdicts"].read_text().splitlines()
    assert len(lines) == 15 and {json.loads(x)["outcome"] for x in lines} == {"win", "tie", "lose", "error"}
    summary = json.loads(result.paths["summary"].read_text())
    assert summary["judge"]["ledger"]["calls"] == led.calls and API_KEY not in result.paths["summary"].read_text()

    # A second run is answered from the cache: zero requests, same outcomes.
    before = server.total_requests
    again = make(tmp_path)
    result2 = pairwise(a, b, again, out=None, n_boot=300)
    assert server.total_requests == before
    assert again.ledger.calls == 0 and again.ledger.cached_calls == led.calls
    assert [j.outcome for j in result2.judged] == [j.outcome for j in result.judged]
    # The same server named with credentials in the URL is the same endpoint: still cached.
    with_user = server.url.replace("http://", "http://someone:secret@")
    third = make(tmp_path, base_url=with_user)
    pairwise(a, b, third, out=None, n_boot=300)
    assert server.total_requests == before and third.ledger.calls == 0
    assert "secret" not in third.endpoint and third.endpoint == server.url.rstrip("/")
    # Another server (here the same one under another host name) may serve other weights under the same
    # model name: its verdicts are not taken from this cache.
    other = make(tmp_path, base_url=server.url.replace("127.0.0.1", "localhost"))
    pairwise(a, b, other, out=None, n_boot=300)
    assert server.total_requests > before and other.ledger.calls > 0


def test_persistent_errors_end_in_the_error_bucket_and_are_not_cached(tmp_path, server):
    plan = {1: ("", [("GOOD", "BAD")]), 2: ("[fault:500-always]", [("GOOD", "BAD")]),
            3: ("[fault:400-always]", [("GOOD", "BAD")])}
    a = write_answers(tmp_path / "a.jsonl", "ma", "A", plan)
    b = write_answers(tmp_path / "b.jsonl", "mb", "B", plan)
    judge = make(tmp_path, max_retries=2)
    res = pairwise(a, b, judge, out=None, n_boot=100)
    outcome = {j.item.question_id: j for j in res.judged}
    assert outcome[1].outcome.outcome == "win" and outcome[2].outcome.outcome == "error"
    assert "transport: gave up after 3 attempts (last: HTTP 500)" in outcome[2].details["ab"]["error"]
    assert server.faults["500"] == 6 and judge.ledger.failed_attempts == 6
    # A 400 is this item's problem, not the run's: no retry, error bucket, the rest goes on.
    assert outcome[3].outcome.outcome == "error" and server.faults["400"] == 2
    assert "request: BadRequestError" in outcome[3].details["ba"]["error"]
    # Re-run: the judged item costs nothing, the failed ones are tried again.
    pairwise(a, b, make(tmp_path, max_retries=2), out=None, n_boot=100)
    assert server.total_requests == (2 + 6 + 2) + (0 + 6 + 2)


def test_cli_prints_and_stores_costs_from_a_price_table(tmp_path, answer_files, server, capsys):
    a, b = answer_files
    prices = tmp_path / "prices.yaml"
    prices.write_text("fake-judge:\n  input: 2.0\n  output: 8.0\n")
    out = tmp_path / "results" / "cli-exp"
    rc = bench_main(["judge", "--a", str(a), "--b", str(b), "--judge", "openai:fake-judge", "--out", str(out),
                     "--prices", str(prices), "--cache", str(tmp_path / "c.sqlite"), "--timeout", "0.4",
                     "--concurrency", "4", "--bootstrap", "200", "--method-a", "sr-dpo", "--method-b", "dpo"])
    text = capsys.readouterr().out
    assert rc == 0
    cost = (server.prompt_tokens * 2.0 + server.completion_tokens * 8.0) / 1e6
    assert f"${cost:.4f}" in text and "win" in text and "error_rate" in text
    summary = json.loads(next(out.glob("*.summary.json")).read_text())
    assert summary["judge"]["ledger"]["cost_usd"] == pytest.approx(cost)
    recs = load_records(out)  # the folder loads: verdicts are .ndjson, not records
    assert {r["method"] for r in recs} == {"sr-dpo"} and {r["extra"]["opponent"] for r in recs} == {"dpo"}


def test_bad_key_stops_the_run_without_leaking_it(tmp_path, answer_files, server, monkeypatch, capsys):
    a, b = answer_files
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-secret-value")
    rc = bench_main(["judge", "--a", str(a), "--b", str(b), "--judge", "openai:fake-judge",
                     "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c.sqlite")])
    captured = capsys.readouterr()
    assert rc == 2 and "HTTP 401" in captured.err
    assert "sk-wrong-secret-value" not in captured.err + captured.out
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(JudgeAbort, match="set OPENAI_API_KEY"):
        make(tmp_path).judge([])


def test_answer_files_must_pair(tmp_path):
    a = write_answers(tmp_path / "a.jsonl", "ma", "A", {1: ("", [("GOOD", "BAD")])})
    b = write_answers(tmp_path / "b.jsonl", "mb", "B", {1: ("", [("GOOD", "BAD")])}, set_name="mt-bench")
    with pytest.raises(JudgeInputError, match="answers 'sr-questions' but .* answers 'mt-bench'"):
        pairwise(a, b, "openai:x", out=None)
    both = tmp_path / "both.jsonl"
    both.write_text(a.read_text() + write_answers(tmp_path / "c.jsonl", "mc", "A").read_text())
    with pytest.raises(JudgeInputError, match=r"several models \['ma', 'mc'\]"):
        load_answer_set(both)
    assert load_answer_set(both, "mc").model == "mc"


def test_price_lookup_by_exact_name_or_dated_variant():
    from bench.winrate.judges.ledger import load_prices, price_for

    table = load_prices(None)
    assert price_for("gpt-4o-mini-2024-07-18", table) == table["gpt-4o-mini"]
    assert price_for("gpt-4-turbo-2024-04-09", table) == table["gpt-4-turbo"]
    assert price_for("gpt-4-0613", table) == table["gpt-4"]
    assert price_for("gpt-4.1", table) is None and price_for("gpt-4.1-mini", table) is None  # not gpt-4's price
    assert price_for("gpt-4o", table) == table["gpt-4o"]


def test_dead_endpoint_exits_non_zero_and_records_nothing(tmp_path, answer_files, monkeypatch, capsys):
    port = free_port()  # a port nobody listens on
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    a, b = answer_files
    out = tmp_path / "dead"
    rc = bench_main(["judge", "--a", str(a), "--b", str(b), "--judge", "openai:fake-judge", "--out", str(out),
                     "--cache", str(tmp_path / "c.sqlite"), "--max-retries", "0", "--timeout", "2"])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.strip().splitlines()[-1].startswith("sr-bench judge: judge openai:fake-judge judged none of the 15 "
                                                   "items (15 errors); nothing recorded")
    assert [p.name for p in out.iterdir()] == ["model-a-vs-model-b-openai_fake-judge.verdicts.ndjson"]


def test_error_rate_threshold_and_endpoint_in_records_and_no_openai_price_elsewhere(tmp_path, answer_files, server,
                                                                                  capsys):
    a, b = answer_files
    base = ["judge", "--a", str(a), "--b", str(b), "--judge", "openai:gpt-4", "--cache", str(tmp_path / "c.sqlite"),
            "--timeout", "0.4", "--bootstrap", "50"]
    # 1 of the 15 items always ends in the error bucket ([fault:garbage-always]): 7% of errors
    assert bench_main([*base, "--out", str(tmp_path / "strict"), "--max-error-rate", "0.05"]) == 1
    assert "1 of 15 items ended in errors (7%, above the 5% allowed)" in capsys.readouterr().err
    assert not list((tmp_path / "strict").glob("*.jsonl"))
    assert bench_main([*base, "--out", str(tmp_path / "ok")]) == 0
    assert "unpriced model" in capsys.readouterr().out  # gpt-4's OpenAI price is not a local server's
    recs = load_records(tmp_path / "ok")
    assert {r["extra"]["judge_endpoint"] for r in recs} == {server.url.rstrip("/")}
    summary = json.loads(next((tmp_path / "ok").glob("*.summary.json")).read_text())
    assert summary["judge"]["ledger"]["cost_usd"] is None and summary["judge"]["endpoint"] == server.url.rstrip("/")
    assert API_KEY not in json.dumps(summary) + json.dumps(recs)
    assert OpenAIJudge("gpt-4", base_url="https://api.openai.com/v1").ledger.prices["gpt-4"]["input"] == 30.0
