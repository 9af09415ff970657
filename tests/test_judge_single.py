"""MT-Bench grading against the loopback OpenAI-protocol server: single 1-10 grading (per turn, per category,
overall, re-asks and the error bucket), reference-guided judging (pairwise and single) and repeats with the median.

The server's ratings and verdicts follow from the test data (tests/judge_server.py): GOOD replies get 8, BAD 3;
with a reference shown (`REF=<n>`) correctness (`ANSWER=<n>`) decides; `[noisy]` answers wrongly the first time.
"""

import json
import statistics

import pytest
from judge_server import API_KEY

from bench.cli import main as bench_main
from bench.records import load_records
from bench.winrate.judges.grader import SingleGrader
from bench.winrate.judges.llm import OpenAIJudge, median_position
from bench.winrate.judges.prompts import build_messages, build_single_messages, parse_rating
from bench.winrate.pairwise import pairwise
from bench.winrate.single import grade

# question id -> (category, tag, marks per turn, reference per turn or None, ANSWER per turn or None)
PLAN = {
    1: ("writing", "", ["GOOD"], None, None),
    2: ("writing", "", ["BAD", "GOOD"], None, None),
    3: ("math", "", ["BAD"], ["The result is REF=42."], ["42"]),  # correct, though marked BAD
    4: ("math", "", ["GOOD", "GOOD"], ["REF=7", "REF=9"], ["7", "8"]),  # second reply wrong, though marked GOOD
    5: ("roleplay", "[fault:garbage]", ["GOOD"], None, None),
    6: ("roleplay", "[fault:garbage-always]", ["GOOD"], None, None),
}
# the ratings the server must give per (question, turn); None: the error bucket
WANT = {(1, 1): 8, (2, 1): 3, (2, 2): 8, (3, 1): 9, (4, 1): 9, (4, 2): 2, (5, 1): 8, (6, 1): None}


def write_answers(path, model, plan, flip=False, with_reference=True, set_name="mt-bench"):
    with open(path, "w") as f:
        for qid, (cat, tag, marks, ref, nums) in plan.items():
            turns = [f"Question {qid} first message {tag}".strip(), f"Question {qid} follow-up"][:len(marks)]
            answers = []
            for t, m in enumerate(marks):
                m = {"GOOD": "BAD", "BAD": "GOOD"}[m] if flip else m
                num = "" if nums is None else f" ANSWER={int(nums[t]) + (1 if flip else 0)}"
                answers.append(f"Reply of {model} to turn {t + 1}:{num} {m}.")
            row = {"model": model, "question_set": set_name, "question_id": qid, "category": cat, "turns": turns,
                   "answers": answers, "decoding": {}, "run_info": {}}
            if ref is not None and with_reference:
                row["reference"] = ref
            f.write(json.dumps(row) + "\n")
    return path


def opts(tmp_path, **kw):
    o = dict(concurrency=3, max_retries=2, parse_retries=2, timeout=5.0, backoff_base=0.01, backoff_max=0.05,
             cache_path=tmp_path / "cache.sqlite", progress=False)
    o.update(kw)
    return o


@pytest.mark.parametrize("text,rating", [
    ("Fine.\nRating: 7", 7.0), ("**Rating:** 9/10", 9.0), ("Rating: [[3]]", 3.0), ("rating: 6.5", 6.5),
    ("Rating: 4\nOn reflection...\nRating: 5", 5.0), ("Rating: 11", None), ("Rating: 0", None),
    ("I'd say 7.", None), ("Rating: seven", None), ("", None), (None, None),
])
def test_parse_rating(text, rating):
    assert parse_rating(text) == rating


def test_reference_is_shown_only_when_given_and_before_the_replies():
    plain = build_single_messages(["Q?"], ["the reply"])[1]["content"]
    assert "Reference" not in plain and "Rating:" in plain
    ref = build_single_messages(["Q1?", "Q2?"], ["r1", "r2"], ("ref one", "ref two"))[1]["content"]
    assert ref.index("ref one") < ref.index("ref two") < ref.index("r1") and "SECOND message" in ref
    pair = build_messages(["Q?"], ["first reply"], ["second reply"], ("the reference",))[1]["content"]
    assert pair.index("the reference") < pair.index("first reply") < pair.index("second reply")
    assert "the reference" not in build_messages(["Q?"], ["x"], ["y"])[1]["content"]
    # turn 1 of a two-turn question shows only the first reference
    assert "ref two" not in build_single_messages(["Q1?"], ["r1"], ("ref one", "ref two"))[1]["content"]


def test_median_position_of_repeats():
    assert median_position(["second", "first", "first"]) == "first"
    assert median_position(["first", "second"]) == "tie" and median_position(["tie", None, "second"]) == "second"
    assert median_position(["tie", "first", "second"]) == "tie"
    assert median_position(["second", "second", "tie"]) == "second" and median_position([None, None]) is None


def test_single_grading_per_turn_category_overall_reasks_and_error_bucket(tmp_path, server):
    a = write_answers(tmp_path / "a.jsonl", "model-a", PLAN)
    grader = SingleGrader("fake-judge", **opts(tmp_path))
    res = grade(a, grader, out=tmp_path / "results" / "exp", run="a-single", n_boot=300)
    got = {(g.item.question_id, g.item.turn): g.rating for g in res.graded}
    assert got == WANT
    graded = {k: v for k, v in WANT.items() if v is not None}
    s = res.scores
    assert s["score"].value == pytest.approx(statistics.mean(graded.values())) and s["score"].n == 7
    assert s["score_turn1"].value == pytest.approx(statistics.mean(v for (q, t), v in graded.items() if t == 1))
    assert s["score_turn2"].value == pytest.approx(statistics.mean([8, 2]))
    assert s["score_cat_math"].value == pytest.approx(statistics.mean([9, 9, 2]))
    assert s["score_cat_roleplay"].value == 8 and s["score_cat_writing"].value == pytest.approx(19 / 3)
    assert s["error_rate"].value == pytest.approx(1 / 8) and s["error_rate"].n == 8
    assert s["score"].ci_low <= s["score"].value <= s["score"].ci_high and s["score"].ci_low < s["score"].ci_high
    assert "repeat_sd" not in s
    # the unparsable reply was re-asked: parse_retries + 1 replies for the always-garbage item, 2 for the other
    err = next(g for g in res.graded if g.item.question_id == 6)
    assert "no parseable answer after 3 replies" in err.details["error"]
    assert server.faults["garbage"] == 1 + 3
    # the reference reached the grader only for the questions that carry one
    assert res.info["reference_items"] == 3
    assert {g.item.question_id for g in res.graded if g.item.reference} == {3, 4}
    # files: records load and validate; grades per item; the summary is not a pair's *.summary.json
    recs = {r["metric"]: r for r in load_records(res.paths["records"])}
    assert set(recs) == {"score", "score_turn1", "score_turn2", "score_cat_math", "score_cat_roleplay",
                         "score_cat_writing", "error_rate"}
    r = recs["score"]
    assert (r["experiment"], r["run"], r["task"], r["judge"], r["unit"], r["n"]) == (
        "exp", "a-single", "mt-bench", "openai:fake-judge", "raw", 7)
    assert r["extra"]["mode"] == "single" and r["extra"]["scale"] == [1, 10] and r["method"] == "model-a"
    assert recs["error_rate"]["unit"] == "fraction"
    assert len(res.paths["grades"].read_text().splitlines()) == 8
    assert not list(res.paths["records"].parent.glob("*.summary.json"))
    assert res.info["judge"]["ledger"]["calls"] == server.ok_responses
    # a second run costs nothing
    before = server.total_requests
    again = SingleGrader("fake-judge", **opts(tmp_path))
    res2 = grade(a, again, out=None, n_boot=300)
    assert server.total_requests == before and again.ledger.calls == 0
    assert [g.rating for g in res2.graded] == [g.rating for g in res.graded]


def test_reference_guided_pairwise_decides_by_correctness(tmp_path, server):
    plan = {k: PLAN[k] for k in (1, 3, 4)}
    a = write_answers(tmp_path / "a.jsonl", "ma", plan)
    b = write_answers(tmp_path / "b.jsonl", "mb", plan, flip=True)  # B: the other marks, numbers off by one
    judge = OpenAIJudge("fake-judge", **opts(tmp_path))
    res = pairwise(a, b, judge, out=None, n_boot=100)
    got = {(j.item.question_id, j.item.turn): j.outcome.outcome for j in res.judged}
    # q3: A is right by the reference (though marked BAD); q4 turn 2: B's 9 matches REF=9 (though marked BAD)
    assert got == {(1, 1): "win", (3, 1): "win", (4, 1): "win", (4, 2): "lose"}
    assert res.info["reference_items"] == 3
    # without references the markers decide: q3 goes to B
    a2 = write_answers(tmp_path / "a2.jsonl", "ma", plan, with_reference=False)
    b2 = write_answers(tmp_path / "b2.jsonl", "mb", plan, flip=True, with_reference=False)
    res2 = pairwise(a2, b2, OpenAIJudge("fake-judge", **opts(tmp_path)), out=None, n_boot=100)
    assert {(j.item.question_id, j.item.turn): j.outcome.outcome for j in res2.judged}[3, 1] == "lose"
    assert res2.info["reference_items"] == 0
    # references from a question set (--questions) reach the judge too
    qfile = tmp_path / "question.jsonl"
    qfile.write_text("".join(json.dumps({"question_id": q, "category": c, "turns": ["t"] * len(m),
                                         **({"reference": r} if r else {})}) + "\n"
                             for q, (c, _, m, r, _) in plan.items()))
    out = tmp_path / "res"
    rc = bench_main(["judge", "--a", str(a2), "--b", str(b2), "--judge", "openai:fake-judge", "--out", str(out),
                     "--questions", str(qfile), "--cache", str(tmp_path / "cache.sqlite"), "--timeout", "5",
                     "--bootstrap", "50"])
    assert rc == 0
    rows = {(r["question_id"], r["turn"]): r for r in map(json.loads, next(out.glob("*.verdicts.ndjson")).open())}
    assert rows[3, 1]["outcome"] == "win" and rows[3, 1]["reference_shown"] and not rows[1, 1]["reference_shown"]


def test_repeats_take_the_median_and_are_fresh_calls(tmp_path, server):
    plan = {1: ("writing", "[noisy]", ["GOOD"], None, None), 2: ("writing", "", ["BAD"], None, None)}
    a = write_answers(tmp_path / "a.jsonl", "ma", plan)
    b = write_answers(tmp_path / "b.jsonl", "mb", plan, flip=True)
    once = pairwise(a, b, OpenAIJudge("fake-judge", **opts(tmp_path)), out=None, n_boot=50)
    assert once.judged[0].outcome.outcome == "lose"  # the noisy first answer, taken alone, is wrong
    judge = OpenAIJudge("fake-judge", **opts(tmp_path, repeats=3))
    res = pairwise(a, b, judge, out=None, n_boot=50)
    first = res.judged[0]
    assert first.outcome.outcome == "win" and first.details["ab"]["repeats"] == ["second", "first", "first"]
    assert res.judged[1].outcome.outcome == "lose" and judge.info()["repeats"] == 3
    # repeat 1 came from the cache (asked above), repeats 2 and 3 were new calls
    assert judge.ledger.cached_calls == 4 and judge.ledger.calls == 8
    assert max(server.requests.values()) == 3
    # single grading: median of the repeats, their spread recorded. Graded once first, so repeat 1 (the noisy first
    # answer) comes from the cache and repeats 2 and 3 are the new calls, whatever order concurrent calls arrive in
    grade(a, SingleGrader("fake-judge", **opts(tmp_path)), out=None, n_boot=50)
    grader = SingleGrader("fake-judge", **opts(tmp_path, repeats=3))
    g = grade(a, grader, out=tmp_path / "single", run="s", n_boot=50)
    noisy = next(x for x in g.graded if x.item.question_id == 1)
    assert noisy.details["repeats"] == [1.0, 8.0, 8.0] and noisy.rating == 8
    assert noisy.details["repeat_sd"] == pytest.approx(statistics.pstdev([1, 8, 8]))
    assert g.scores["repeat_sd"].value == pytest.approx(statistics.pstdev([1, 8, 8]) / 2)
    assert g.scores["score"].value == pytest.approx((8 + 3) / 2)
    assert {r["extra"]["repeats"] for r in load_records(g.paths["records"])} == {3}


def test_cli_single_mode(tmp_path, server, capsys):
    a = write_answers(tmp_path / "a.jsonl", "model-a", {k: PLAN[k] for k in (1, 2, 3)})
    out = tmp_path / "results" / "cli"
    base = ["judge", "--mode", "single", "--a", str(a), "--judge", "openai:fake-judge", "--out", str(out),
            "--cache", str(tmp_path / "c.sqlite"), "--timeout", "5", "--bootstrap", "50"]
    assert bench_main([*base, "--repeats", "2", "--method-a", "sr-dpo"]) == 0
    text = capsys.readouterr().out
    assert "single grading 1-10" in text and "score_turn2" in text and "cost:" in text
    recs = {r["metric"]: r for r in load_records(out)}
    assert recs["score"]["value"] == pytest.approx((8 + 3 + 8 + 9) / 4) and recs["score"]["method"] == "sr-dpo"
    summary = json.loads(next(out.glob("*.grades.json")).read_text())
    assert summary["judge"]["repeats"] == 2 and API_KEY not in json.dumps(summary)
    assert bench_main([*base, "--b", str(a)]) == 2 and "drop --b" in capsys.readouterr().err
    assert bench_main([*base[:-8], "--judge", "rm:x", "--out", str(out)]) == 2
    assert "needs an LLM judge" in capsys.readouterr().err
    assert bench_main(["judge", "--a", str(a), "--judge", "openai:x", "--out", str(out)]) == 2
    assert "needs --b" in capsys.readouterr().err
    assert bench_main(["judge", "--a", str(a), "--b", str(a), "--judge", "rm:x", "--repeats", "3"]) == 2
    assert "--repeats is for LLM judges" in capsys.readouterr().err
