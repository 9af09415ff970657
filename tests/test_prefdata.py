"""The shipped preference set (sr_train/prefdata) and question set (bench/winrate/question_sets/sr_questions.jsonl).

Checks the files as shipped (schema, counts, split, scores, gaps, lengths, overlap), that build.py
regenerates them byte for byte from items/*.yaml, and that check.py refuses bad items and malformed rows.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bench.winrate.questions import load_questions
from sr_train.artifacts.assets import resolve
from sr_train.artifacts.errors import UserError
from sr_train.artifacts.files import read_jsonl
from sr_train.data import load_pairs
from sr_train.prefdata import check

ROOT = Path(__file__).resolve().parents[1]
PREFDATA = ROOT / "sr_train" / "prefdata"
BUILD = PREFDATA / "build.py"
ITEMS = PREFDATA / "items"
QUESTIONS = ROOT / "bench" / "winrate" / "question_sets" / "sr_questions.jsonl"
FIELDS = ["id", "category", "prompt", "chosen", "rejected", "score_chosen", "score_rejected"]
CATEGORIES = {"advice", "explanation", "writing", "coding", "math", "reasoning", "factual_qa", "summarising",
              "refusal"}
MT_BENCH_CATEGORIES = {"writing", "roleplay", "reasoning", "math", "coding", "extraction", "stem", "humanities"}
STOPWORDS = set("a an the of to and or in on for with is are be what how why do does it its this that your you i "
                "my me can from as at by if which who when give write explain python function returns return".split())


def gap_bucket(gap: float) -> str:
    """The four gap buckets asked for: near-tie (0.5-1), small (1.5-2.5), medium (3-4.5), clear (>= 5)."""
    if gap <= 1:
        return "near-tie"
    if gap <= 2.5:
        return "small"
    if gap <= 4.5:
        return "medium"
    return "clear"


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def proxy_tokens(*texts: str) -> float:
    return 1.5 * sum(len(t.split()) for t in texts)


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    return {name: read_jsonl(PREFDATA / f"{name}.jsonl") for name in ("train", "test")}


@pytest.fixture(scope="module")
def rows(splits) -> list[dict]:
    return splits["train"] + splits["test"]


def test_schema_and_ids(splits, rows):
    for name, part in splits.items():
        for i, r in enumerate(part, 1):
            where = f"{name}.jsonl line {i}"
            assert list(r) == FIELDS, where
            assert re.fullmatch(r"srp-\d{4}", r["id"]), where
            assert r["category"] in CATEGORIES, where
            for key in ("prompt", "chosen", "rejected"):
                assert isinstance(r[key], str) and r[key].strip() == r[key] and r[key], f"{where}: {key}"
            assert norm(r["chosen"]) != norm(r["rejected"]), where
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    # ids run srp-0001..srp-N without gaps across the two files, each file in id order
    assert sorted(int(i[4:]) for i in ids) == list(range(1, len(ids) + 1))
    for part in splits.values():
        assert [r["id"] for r in part] == sorted(r["id"] for r in part)


def test_counts_split_and_balance(splits, rows):
    prompts = [norm(r["prompt"]) for r in rows]
    assert len(set(prompts)) == len(prompts), "duplicate prompts"
    assert len(prompts) >= 300
    train_prompts = {norm(r["prompt"]) for r in splits["train"]}
    test_prompts = {norm(r["prompt"]) for r in splits["test"]}
    assert not train_prompts & test_prompts
    assert 0.12 <= len(splits["test"]) / len(rows) <= 0.18
    per_cat = Counter(r["category"] for r in rows)
    assert set(per_cat) == CATEGORIES
    assert max(per_cat.values()) <= 1.25 * min(per_cat.values()), per_cat  # roughly balanced
    for name, part in splits.items():
        assert set(Counter(r["category"] for r in part)) == CATEGORIES, f"{name} lacks a category"


def test_split_follows_the_documented_hash_rule(splits, rows):
    """Per category, the round(15%) prompts with the smallest SHA-256 are the test split."""
    test_ids = {r["id"] for r in splits["test"]}
    for cat in CATEGORIES:
        group = sorted((r for r in rows if r["category"] == cat),
                       key=lambda r: hashlib.sha256(r["prompt"].encode()).hexdigest())
        k = round(0.15 * len(group))
        assert {r["id"] for r in group[:k]} <= test_ids and not {r["id"] for r in group[k:]} & test_ids, cat


def test_scores_and_gap_spread(splits, rows):
    for r in rows:
        for key in ("score_chosen", "score_rejected"):
            s = r[key]
            assert isinstance(s, float) and 1 <= s <= 10 and (2 * s).is_integer(), (r["id"], key, s)
        assert r["score_chosen"] > r["score_rejected"], r["id"]
    for name, part in splits.items():
        buckets = Counter(gap_bucket(r["score_chosen"] - r["score_rejected"]) for r in part)
        assert set(buckets) == {"near-tie", "small", "medium", "clear"}, (name, buckets)
    overall = Counter(gap_bucket(r["score_chosen"] - r["score_rejected"]) for r in rows)
    for bucket, n in overall.items():  # roughly uniform: every bucket holds 15-35% of the pairs
        assert 0.15 <= n / len(rows) <= 0.35, (bucket, n)


def test_lengths_fit_a_small_model(rows):
    for r in rows:
        assert proxy_tokens(r["prompt"], r["chosen"]) <= 300, r["id"]
        assert proxy_tokens(r["prompt"], r["rejected"]) <= 300, r["id"]
    chosen_words = sorted(len(r["chosen"].split()) for r in rows)
    median = chosen_words[len(chosen_words) // 2]
    assert 30 <= median <= 120, median


def test_content_spot_checks(rows):
    """Refusal items refuse in the chosen response; math chosen answers hold a number."""
    refusal_markers = ("can't", "won't", "cannot", "rather not", "advise against")
    for r in rows:
        if r["category"] == "refusal":
            assert any(m in r["chosen"].lower() for m in refusal_markers), r["id"]
        if r["category"] == "math":
            assert re.search(r"\d", r["chosen"]), r["id"]
    # rejected responses are not one template: few share their first three words
    openings = Counter(" ".join(r["rejected"].lower().split()[:3]) for r in rows)
    assert openings.most_common(1)[0][1] <= 10, openings.most_common(3)


def test_the_project_loader_reads_every_row(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf"))
    for name in ("train", "test"):
        path = resolve(f"builtin:sr-pref-{name}")
        assert Path(path) == PREFDATA / f"{name}.jsonl"
        pairs, report = load_pairs(path, on_bad_row="error")
        n_expected = len(read_jsonl(path))
        assert report.rows_kept == report.rows_read == n_expected and not report.skipped
        assert pairs[0]["prompt"][0]["role"] == "user" and isinstance(pairs[0]["score_chosen"], float)


@pytest.mark.slow
def test_build_regenerates_identical_files(tmp_path):
    out = subprocess.run([sys.executable, str(BUILD), "--out", str(tmp_path)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    for name in ("train.jsonl", "test.jsonl"):
        assert (tmp_path / name).read_bytes() == (PREFDATA / name).read_bytes(), name
    assert "| **all** |" in out.stdout  # the stats table it prints
    # the shipped card's stats block and the shipped files are up to date
    check = subprocess.run([sys.executable, str(BUILD), "--check"], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    # and --check notices a stale file
    stale = tmp_path / "stale"
    stale.mkdir()
    shutil.copy(PREFDATA / "train.jsonl", stale / "train.jsonl")
    (stale / "test.jsonl").write_text((PREFDATA / "test.jsonl").read_text()[:-200], encoding="utf-8")
    check = subprocess.run([sys.executable, str(BUILD), "--check", "--out", str(stale)], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 1 and "test.jsonl is stale" in check.stderr


@pytest.mark.parametrize("bad, message", [
    (dict(score_chosen=5.0, score_rejected=6.0), "must be above"),
    (dict(score_chosen=8.25), "steps of 0.5"),
    (dict(chosen="It is 41.", expr="6 * 7", answer="41"), "answer 41 but 6 \\* 7 = 42"),
    (dict(chosen="It is 42.", rejected="Maybe 42.", expr="6 * 7", answer="42", rejected_wrong=True),
     "rejected is marked wrong but states the answer 42"),
    (dict(chosen="```python\ndef f(x):\n    return x + 2\n```", tests="assert f(1) == 3",
          rejected="```python\ndef f(x):\n    return 2 + x\n```", rejected_fails=True), "passes the tests"),
    (dict(chosen="```python\ndef f(x):\n    return x\n```", tests="assert f(1) == 3"), "chosen code fails"),
    (dict(chosen="word " * 250), "proxy tokens"),
])
def test_build_rejects_bad_items(bad, message):
    assert issubclass(check.BuildError, UserError)  # printed as one line, exit 2
    good = check.item("What is six times seven?", "Six times seven is 42.", "It is 40.", 9, 3)
    check.check_item(good, "unit item 1")  # the base item passes
    bad_item = {**good, **bad}
    if "chosen" in bad:
        bad_item["chosen"] = bad["chosen"].strip()
    with pytest.raises(check.BuildError, match=f"unit item 1 .*{message}"):
        check.check_item(bad_item, "unit item 1")


def test_items_are_the_shipped_rows():
    """The data files hold exactly the shipped rows: one record per row, in id order, same texts and scores."""
    rows = sorted(read_jsonl(PREFDATA / "train.jsonl") + read_jsonl(PREFDATA / "test.jsonl"), key=lambda r: r["id"])
    items = check.checked_items(ITEMS)
    assert sorted(p.name for p in ITEMS.iterdir()) == sorted(f"{c}.yaml" for c in CATEGORIES)
    keys = ("prompt", "chosen", "rejected", "score_chosen", "score_rejected")
    assert [(c, *(it[k] for k in keys)) for c, it in items] == [(r["category"], *(r[k] for k in keys)) for r in rows]


def test_items_ship_as_package_data():
    tomllib = pytest.importorskip("tomllib")
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["sr_train"]
    shipped = {p for g in globs for p in (ROOT / "sr_train").glob(g)}
    assert set(ITEMS.iterdir()) <= shipped and (PREFDATA / "check.py") in shipped


def _plant(path: Path, field: str, value: str) -> str:
    """Set `field` of the first item in `path` that has it to `value`; returns 'file:line: category item N ('."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(f"  {field}: "))
    end = at + 1
    while end < len(lines) and lines[end].startswith("    "):  # the lines of a block value
        end += 1
    lines[at:end] = [f"  {field}: {value}\n"]
    path.write_text("".join(lines), encoding="utf-8")
    starts = [i for i, line in enumerate(lines[: at + 1]) if line.startswith("- ")]
    return f"{path}:{starts[-1] + 1}: {path.stem} item {len(starts)} ("


@pytest.mark.slow
@pytest.mark.parametrize("name, field, value, message", [
    ("math.yaml", "answer", "'99'", "answer 99 but .* = "),
    ("coding.yaml", "tests", "assert False, 'planted'", "chosen code fails its tests: AssertionError: planted$"),
    ("advice.yaml", "score_rejected", "9.5", "score_chosen 8.5 must be above score_rejected 9.5$"),
])
def test_checker_names_the_file_and_item_of_a_planted_bad_item(tmp_path, name, field, value, message):
    items, out = tmp_path / "items", tmp_path / "out"
    shutil.copytree(ITEMS, items)
    out.mkdir()
    where = _plant(items / name, field, value)
    run = subprocess.run([sys.executable, str(BUILD), "--items", str(items), "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and not list(out.iterdir()), run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"build.py: {where}"), run.stderr
    assert re.search(message, lines[0]), lines[0]


def test_checker_finds_a_duplicate_prompt_across_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ITEMS, tmp_path / "items")
    first = check.load_file(ITEMS / "advice.yaml")[0][0]
    refusal = tmp_path / "items" / "refusal.yaml"
    k = len(check.load_file(refusal)) + 1
    n = refusal.read_text(encoding="utf-8").count("\n")
    with refusal.open("a", encoding="utf-8") as f:
        f.write(f"\n- prompt: {json.dumps(first['prompt'].upper())}\n  chosen: Yes.\n  rejected: No.\n"
                "  score_chosen: 9\n  score_rejected: 3\n")
    with pytest.raises(check.BuildError) as e:
        check.checked_items(Path("items"))
    assert str(e.value) == (f"items/refusal.yaml:{n + 2}: refusal item {k}: duplicate prompt (first in "
                            f"items/advice.yaml:3: advice item 1): {first['prompt'].upper()[:60]!r}")


ROW = "\n- prompt: X\n  chosen: Y\n  rejected: Z\n"


@pytest.mark.parametrize("tail, offset, message", [
    ("  score_chosen: high\n  score_rejected: 2\n", 5, "score_chosen must be a number, not 'high'"),
    ("  score_chosen: 9\n  score_rejected: 2\n  colour: red\n", 7, "unknown field 'colour' \\(fields: prompt, "),
    ("  score_chosen: 9\n  score_chosen: 9\n", 6, "field 'score_chosen' given twice"),
    ("", 2, "item lacks score_chosen, score_rejected"),
    ("  score_chosen: 9\n  score_rejected: 2\n  answer: 42\n", 7, "answer must be text, not 42"),
    ("  score_chosen: 9\n  score_rejected: 2\n  rejected_wrong: 'yes'\n", 7, "rejected_wrong must be true or false"),
    ("\tscore_chosen: 9\n", 5, "not valid YAML: found character '\\\\t' that cannot start any token"),
    ("  score_chosen: 9\n  score_rejected: 'two\n", 7, "not valid YAML: found unexpected end of stream \\(while scanning a quoted scalar, line LINE6\\)$"),
    ("  score_chosen: 9\n  score_rejected: 2\n- just a sentence\n", 7, "an item must be a mapping of fields, not str"),
])
def test_a_malformed_row_names_file_and_line(tmp_path, monkeypatch, tail, offset, message):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ITEMS, tmp_path / "items")
    path = tmp_path / "items" / "writing.yaml"
    n = path.read_text(encoding="utf-8").count("\n")
    path.write_text(path.read_text(encoding="utf-8") + ROW + tail, encoding="utf-8")
    message = message.replace("LINE6", str(n + 6))
    with pytest.raises(check.BuildError, match=f"^items/writing.yaml:{n + offset}: {message}") as e:
        check.checked_items(Path("items"))
    assert "\n" not in str(e.value)


@pytest.mark.slow
def test_a_malformed_file_is_one_line_from_the_command(tmp_path):
    items = tmp_path / "items"
    shutil.copytree(ITEMS, items)
    path = items / "math.yaml"
    n = path.read_bytes().count(b"\n")
    path.write_bytes(path.read_bytes() + b"\n- prompt: caf\xe9\n")  # Latin-1, not UTF-8
    run = subprocess.run([sys.executable, "-m", "sr_train.prefdata.check", str(items)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines() == [f"check: {path}:{n + 2}: not UTF-8 text (invalid continuation byte)"]
    ok = subprocess.run([sys.executable, "-m", "sr_train.prefdata.check"], cwd=ROOT, capture_output=True,
                        text=True, timeout=60)
    n_rows = sum(len(read_jsonl(PREFDATA / f"{name}.jsonl")) for name in ("train", "test"))
    assert ok.returncode == 0 and ok.stdout.startswith(f"{n_rows} items in sr_train/prefdata/items: all checks pass")


def test_question_set():
    qs = load_questions("sr-questions")
    assert qs.source == str(QUESTIONS)
    assert len(qs) >= 80
    per_cat = Counter(q.category for q in qs.questions)
    assert per_cat == {c: 10 for c in MT_BENCH_CATEGORIES}
    assert sorted(q.question_id for q in qs.questions) == list(range(1, len(qs) + 1))
    two_turn = sum(len(q.turns) == 2 for q in qs.questions)
    assert 0.35 <= two_turn / len(qs) <= 0.65, two_turn
    for q in qs.questions:
        assert all(t.strip() == t and t for t in q.turns), q.question_id
    texts = [norm(t) for q in qs.questions for t in q.turns]
    assert len(set(texts)) == len(texts)


def test_questions_do_not_overlap_preference_prompts(rows):
    def words(s: str) -> set[str]:
        return set(re.findall(r"[a-z0-9]+", s.lower())) - STOPWORDS

    prompts = [(r["id"], words(r["prompt"]), norm(r["prompt"])) for r in rows]
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        for turn in q["turns"]:
            tw = words(turn)
            for pid, pw, ptext in prompts:
                assert norm(turn) != ptext, (q["question_id"], pid)
                jaccard = len(tw & pw) / len(tw | pw)
                assert jaccard < 0.5, (q["question_id"], pid, round(jaccard, 2))
