"""Question sets: load by path / name / hub id, validation errors name file and line."""

import json

import pytest

from bench.winrate import questions as qmod
from bench.winrate.questions import QuestionError, load_questions, set_name_for

ROWS = [
    {"question_id": 81, "category": "writing", "turns": ["Write a haiku about rain.", "Now make it about snow."]},
    {"question_id": 82, "category": "math", "turns": ["What is 12 * 13?"], "reference": ["156"]},
    {"question_id": "q-x", "category": "roleplay", "turns": ["Pretend to be a pirate.", "Say goodbye."]},
]


def write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_load_jsonl_in_public_form(tmp_path):
    folder = tmp_path / "mt_bench"
    folder.mkdir()
    qs = load_questions(str(write(folder / "question.jsonl", ROWS)))
    assert qs.name == "mt-bench" and len(qs) == 3
    assert [q.question_id for q in qs.questions] == [81, 82, "q-x"]
    assert qs.questions[0].turns == ("Write a haiku about rain.", "Now make it about snow.")
    assert qs.questions[1].extra == {"reference": ["156"]} and qs.questions[1].to_row()["reference"] == ["156"]
    assert len(load_questions(str(folder / "question.jsonl"), limit=2)) == 2
    assert load_questions(str(folder / "question.jsonl"), name="mine").name == "mine"


@pytest.mark.parametrize("spec,name", [
    ("data/vicuna_bench/question.jsonl", "vicuna-bench"), ("x/mt_bench/question.jsonl", "mt-bench"),
    ("sr-questions", "sr-questions"), ("my set.jsonl", "my-set"), ("some/other/question.jsonl", "other"),
])
def test_set_names(spec, name):
    assert set_name_for(spec) == name


@pytest.mark.parametrize("line,message", [
    ('{"category": "x", "turns": ["a"]}', "missing 'question_id'"),
    ('{"question_id": 1, "category": "x"}', "missing 'turns'"),
    ('{"question_id": 1, "category": "x", "turns": []}', "list of 1 or 2 strings"),
    ('{"question_id": 1, "category": "x", "turns": ["a", "b", "c"]}', "list of 1 or 2 strings"),
    ('{"question_id": 1, "category": "x", "turns": "just text"}', "list of 1 or 2 strings"),
    ('{"question_id": 1, "category": "x", "turns": ["a", "  "]}', "turn 2 must be a non-empty string"),
    ('{"question_id": true, "category": "x", "turns": ["a"]}', "'question_id' must be an int"),
    ('{"question_id": 1, "category": 5, "turns": ["a"]}', "'category' must be a non-empty string"),
    ('{"question_id": 1, "turns": ["a"]', "not valid JSON"),
    ('[1, 2]', "must be a JSON object"),
    ('{"question_id": 81, "category": "x", "turns": ["dup"]}', "duplicate question_id 81"),
])
def test_bad_rows_name_file_and_line(tmp_path, line, message):
    f = write(tmp_path / "q.jsonl", [ROWS[0], "", line])  # the bad row is on line 3 (line 2 is blank)
    with pytest.raises(QuestionError, match=message) as e:
        load_questions(str(f))
    assert f"{f}:3:" in str(e.value)
    if "duplicate" in message:
        assert f"first at {f}:1" in str(e.value)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(QuestionError, match="does not exist"):
        load_questions(str(tmp_path / "nope.jsonl"))
    with pytest.raises(QuestionError, match="no questions"):
        load_questions(str(write(tmp_path / "empty.jsonl", [""])))
    with pytest.raises(QuestionError, match="limit must be >= 1"):
        load_questions(str(write(tmp_path / "ok.jsonl", ROWS)), limit=0)


def test_public_set_names_ask_for_a_path():
    with pytest.raises(QuestionError, match="FastChat"):
        load_questions("mt-bench")
    with pytest.raises(QuestionError, match="not a known name"):
        load_questions("no such thing")


def test_hub_id_fails_clearly_offline(monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(QuestionError, match=r"could not load question set 'nobody-xyz/no-such-set' from the HF hub "
                                            r"\(offline mode is on\).*pass the path"):
        load_questions("nobody-xyz/no-such-set")


def test_hub_dataset_rows_are_validated(monkeypatch):
    # A real datasets.Dataset stands in for the hub download (no network): rows use the hub's `prompt` column.
    import datasets

    ds = datasets.Dataset.from_list([{"prompt_id": "a1", "category": "coding", "prompt": ["Write a loop.", "In C."]},
                                     {"prompt_id": "a2", "category": "coding", "prompt": ["", "x"]}])
    monkeypatch.setattr(datasets, "load_dataset", lambda name, split: ds)
    with pytest.raises(QuestionError, match=r"owner/set row 1: turn 1 must be a non-empty string"):
        load_questions("owner/set")
    monkeypatch.setattr(datasets, "load_dataset", lambda name, split: ds.select([0]))
    qs = load_questions("owner/set:test")
    assert qs.source == "hf:owner/set:test" and qs.questions[0].question_id == "a1"
    assert qs.questions[0].turns == ("Write a loop.", "In C.")


def test_shipped_set_by_name(tmp_path, monkeypatch):
    shipped = write(tmp_path / "sr_questions.jsonl", ROWS)
    monkeypatch.setitem(qmod.PACKAGE_SETS, "sr-questions", shipped)
    qs = load_questions("sr-questions")
    assert qs.name == "sr-questions" and len(qs) == 3 and qs.source == str(shipped)
    monkeypatch.setitem(qmod.PACKAGE_SETS, "sr-questions", tmp_path / "gone.jsonl")
    with pytest.raises(QuestionError, match="shipped question set 'sr-questions' is missing"):
        load_questions("sr-questions")


def test_real_shipped_file_is_valid():
    """The shipped set is package data: a missing file is a packaging regression, so it fails here (no skip)."""
    path = qmod.PACKAGE_SETS["sr-questions"]
    assert path.is_file(), f"{path} is not shipped"
    qs = load_questions("sr-questions")
    assert len(qs) > 0 and all(1 <= len(q.turns) <= 2 for q in qs.questions)


# -- public sets in their published forms -------------------------------------------------------------------
ALPACA = [
    {"instruction": "What are the names of some famous actors that started their careers on Broadway?",
     "output": "Some famous actors ...", "generator": "gpt4_1106_preview", "dataset": "helpful_base"},
    {"instruction": "How did US states get their names?", "output": "US states get their names from ...",
     "generator": "gpt4_1106_preview", "dataset": "helpful_base"},
    {"instruction": "Hi, I'm interested in learning to play badminton.", "output": "Badminton is ...",
     "generator": "gpt4_1106_preview", "dataset": "oasst"},
]
ARENA_V01 = [
    {"question_id": "328c149ed45a41c0b9d6f14659e63599", "category": "arena-hard-v0.1",
     "cluster": "ABC Sequence Puzzles & Groups", "turns": [{"content": "Use ABC notation to write a melody."}]},
    {"question_id": "b43c07656ead4150b360294ee932b410", "category": "arena-hard-v0.1",
     "cluster": "ABC Sequence Puzzles & Groups", "turns": [{"content": "SOLVE THIS IN C++ : There are three cards."}]},
]
ARENA_V2 = [
    {"uid": "0253f09025cc40cd", "category": "hard_prompt", "subcategory": "coding",
     "prompt": "Write a Python function that merges intervals."},
    {"uid": "a1b2c3d4e5f60718", "category": "creative_writing", "subcategory": "poem",
     "prompt": "Write a sonnet about a lighthouse."},
]


def test_alpaca_eval_instruction_file(tmp_path):
    path = tmp_path / "alpaca_eval.json"
    path.write_text(json.dumps(ALPACA, indent=2), encoding="utf-8")
    qs = load_questions(str(path))
    assert qs.name == "alpaca-eval" and len(qs) == 3
    assert [q.question_id for q in qs.questions] == [0, 1, 2]
    assert [q.category for q in qs.questions] == ["helpful_base", "helpful_base", "oasst"]
    assert qs.questions[1].turns == ("How did US states get their names?",)
    assert qs.questions[0].extra == {"output": "Some famous actors ...", "generator": "gpt4_1106_preview"}
    assert "reference" not in qs.questions[0].to_row()  # the baseline's output is not a reference answer
    assert len(load_questions(str(path), limit=2)) == 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([ALPACA[0], {"output": "no instruction"}]))
    with pytest.raises(QuestionError, match=r"bad.json: item 1: missing 'question_id'"):
        load_questions(str(bad))
    bad.write_text(json.dumps({"instruction": "not a list"}))
    with pytest.raises(QuestionError, match="must hold a list of questions"):
        load_questions(str(bad))
    bad.write_text('[{"instruction": "x"},\n  oops]')
    with pytest.raises(QuestionError, match=r"bad.json:2: not valid JSON"):
        load_questions(str(bad))


@pytest.mark.parametrize("rows,version", [(ARENA_V01, "v0.1"), (ARENA_V2, "v2.0")])
def test_arena_hard_question_file(tmp_path, rows, version):
    folder = tmp_path / "data" / f"arena-hard-{version}"
    folder.mkdir(parents=True)
    qs = load_questions(str(write(folder / "question.jsonl", rows)))
    assert qs.name == f"arena-hard-{version}" and len(qs) == 2
    assert [q.question_id for q in qs.questions] == [r.get("question_id", r.get("uid")) for r in rows]
    first = qs.questions[0]
    assert first.turns == ((rows[0]["turns"][0]["content"],) if "turns" in rows[0] else (rows[0]["prompt"],))
    assert first.category == rows[0]["category"]
    assert set(first.extra) == ({"cluster"} if version == "v0.1" else {"subcategory"})


def test_public_set_names_need_their_files(tmp_path):
    for name in ("alpaca-eval", "arena-hard"):
        with pytest.raises(QuestionError, match="not shipped with the package"):
            load_questions(name)
    bad = write(tmp_path / "q.jsonl", [{"question_id": "x", "category": "c", "turns": [{"text": "no content"}]}])
    with pytest.raises(QuestionError, match=r"q.jsonl:1: each turn object must hold 'content'"):
        load_questions(str(bad))
